import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, constants, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import {
  CancelFlag,
  decodeStatx,
  Errno,
  eventfd,
  closeFd,
  Ring,
  SqeFlag,
} from "../mod.ts";
import { fileWith, pattern, tempDir } from "./_helpers.ts";

/** Submit what is queued, wait for `n` completions and return them in order. */
function run(ring: Ring, n: number) {
  ring.submitAndWait(n);
  const out = ring.completions();
  assert.equal(out.length, n);
  return out;
}

test("read() reads a file at an offset, data verified", () => {
  using dir = tempDir();
  const data = pattern(1 << 20, 7);
  const fd = openSync(fileWith(dir.path, "f", data), "r");
  using ring = Ring.create({ entries: 64 });
  const bufs = Array.from({ length: 64 }, () => new Uint8Array(4096));
  bufs.forEach((b, i) => ring.read(fd, b, i * 16384 + 3, { tag: i }));
  for (const c of run(ring, 64)) {
    const i = c.tag as number;
    assert.equal(c.res, 4096);
    assert.deepEqual(bufs[i], data.subarray(i * 16384 + 3, i * 16384 + 3 + 4096));
  }
  closeSync(fd);
});

test("read() with offset -1 advances the file position", () => {
  using dir = tempDir();
  const data = pattern(8192, 3);
  const fd = openSync(fileWith(dir.path, "f", data), "r");
  using ring = Ring.create({ entries: 8 });
  const a = new Uint8Array(100), b = new Uint8Array(100);
  ring.read(fd, a, -1, { flags: SqeFlag.IO_LINK }); // linked: in order
  ring.read(fd, b, -1);
  run(ring, 2);
  assert.deepEqual(a, data.subarray(0, 100));
  assert.deepEqual(b, data.subarray(100, 200));
  closeSync(fd);
});

test("write() writes at an offset; the file holds the bytes", () => {
  using dir = tempDir();
  const path = join(dir.path, "w");
  const fd = openSync(path, "w+");
  using ring = Ring.create({ entries: 8 });
  const data = pattern(10000, 9);
  ring.write(fd, data.subarray(0, 5000), 0);
  ring.write(fd, data.subarray(5000), 5000);
  assert.deepEqual(run(ring, 2).map((c) => c.res), [5000, 5000]);
  closeSync(fd);
  assert.deepEqual(new Uint8Array(readFileSync(path)), data);
});

test("readv() and writev() move scattered buffers", () => {
  using dir = tempDir();
  const path = join(dir.path, "v");
  const fd = openSync(path, "w+");
  using ring = Ring.create({ entries: 8 });
  const parts = [pattern(10, 1), pattern(4096, 2), pattern(7, 3)];
  ring.writev(fd, parts, 0);
  assert.equal(run(ring, 1)[0].res, 4113);
  const back = [new Uint8Array(10), new Uint8Array(4096), new Uint8Array(7)];
  ring.readv(fd, back, 0);
  assert.equal(run(ring, 1)[0].res, 4113);
  assert.deepEqual(back, parts);
  closeSync(fd);
});

test("fsync() and fdatasync complete with 0 on a written file", () => {
  using dir = tempDir();
  const fd = openSync(join(dir.path, "s"), "w+");
  using ring = Ring.create({ entries: 8 });
  ring.write(fd, pattern(4096), 0, { flags: SqeFlag.IO_LINK, tag: "write" });
  ring.fsync(fd, {}, { tag: "fsync" });
  // Not linked: it may complete before the write (it does on 6.1).
  ring.fsync(fd, { datasync: true }, { tag: "fdatasync" });
  const res = new Map(run(ring, 3).map((c) => [c.tag, c.res]));
  assert.deepEqual([res.get("write"), res.get("fsync"), res.get("fdatasync")], [4096, 0, 0]);
  closeSync(fd);
});

test("openat() opens and closeFd() closes; ENOENT for a missing file", () => {
  using dir = tempDir();
  const data = pattern(300, 5);
  const path = fileWith(dir.path, "o", data);
  using ring = Ring.create({ entries: 8 });
  ring.openat(path, constants.O_RDONLY, 0, { tag: "open" });
  ring.openat(join(dir.path, "missing"), constants.O_RDONLY, 0, { tag: "missing" });
  // Completions may arrive in either order (one open can go to io-wq): match by tag.
  const out = run(ring, 2);
  const missing = out.find((c) => c.tag === "missing")!;
  assert.equal(missing.res, -Errno.ENOENT);
  const fd = out.find((c) => c.tag === "open")!.res;
  assert.ok(fd >= 0);
  const buf = new Uint8Array(300);
  ring.read(fd, buf, 0);
  assert.equal(run(ring, 1)[0].res, 300);
  assert.deepEqual(buf, data);
  ring.closeFd(fd);
  assert.equal(run(ring, 1)[0].res, 0);
  ring.closeFd(fd);
  assert.equal(run(ring, 1)[0].res, -Errno.EBADF);
});

test("openat() creates a file relative to a directory fd with O_CREAT and mode", () => {
  using dir = tempDir();
  const dirfd = openSync(dir.path, constants.O_RDONLY | constants.O_DIRECTORY);
  using ring = Ring.create({ entries: 8 });
  ring.openat("made", constants.O_CREAT | constants.O_WRONLY, 0o600, { dirfd });
  const fd = run(ring, 1)[0].res;
  assert.ok(fd >= 0);
  ring.write(fd, new TextEncoder().encode("hi"), 0);
  run(ring, 1);
  closeFd(fd);
  closeSync(dirfd);
  assert.equal(readFileSync(join(dir.path, "made"), "utf8"), "hi");
});

test("statx() reports size and mode", () => {
  using dir = tempDir();
  const path = fileWith(dir.path, "st", pattern(12345));
  using ring = Ring.create({ entries: 8 });
  const out = new Uint8Array(256);
  ring.statx(path, out);
  assert.equal(run(ring, 1)[0].res, 0);
  const st = decodeStatx(out);
  assert.equal(st.size, 12345);
  assert.equal(st.mode & 0o170000, 0o100000, "a regular file");
  assert.ok(st.mtimeMs > 0);
});

test("timeout() fires with -ETIME after at least its time", () => {
  using ring = Ring.create({ entries: 8 });
  const t0 = performance.now();
  ring.timeout(30, { tag: "t" });
  const [c] = run(ring, 1);
  assert.equal(c.res, -Errno.ETIME);
  assert.ok(performance.now() - t0 >= 29);
});

test("timeout() with a count completes with 0 once that many others did", () => {
  using ring = Ring.create({ entries: 8 });
  ring.timeout({ sec: 60 }, { count: 2, tag: "count" });
  ring.nop({ tag: 1 });
  ring.nop({ tag: 2 });
  const out = run(ring, 3);
  assert.deepEqual(out.find((c) => c.tag === "count")?.res, 0);
});

test("cancel() cancels a pending timeout by its user_data", () => {
  using ring = Ring.create({ entries: 8 });
  const id = ring.timeout(60_000, { tag: "victim" });
  ring.submit();
  ring.cancel(id, 0, { tag: "cancel" });
  const out = run(ring, 2);
  assert.equal(out.find((c) => c.tag === "victim")?.res, -Errno.ECANCELED);
  assert.equal(out.find((c) => c.tag === "cancel")?.res, 0);
  ring.cancel(id, 0, { tag: "again" });
  assert.equal(run(ring, 1)[0].res, -Errno.ENOENT);
});

test("cancel(ANY | ALL) cancels every pending operation and counts them", () => {
  using ring = Ring.create({ entries: 16 });
  for (let i = 0; i < 5; i++) ring.timeout(60_000);
  ring.submit();
  ring.cancel(0, CancelFlag.ANY | CancelFlag.ALL, { tag: "all" });
  const out = run(ring, 6);
  assert.equal(out.find((c) => c.tag === "all")?.res, 5);
});

test("linkTimeout() cancels a read that does not complete in time", () => {
  using ring = Ring.create({ entries: 8 });
  const efd = eventfd(); // reads block until someone writes: never here
  ring.read(efd, new Uint8Array(8), 0, { tag: "read", flags: SqeFlag.IO_LINK });
  ring.linkTimeout(20, { tag: "timeout" });
  const out = run(ring, 2);
  assert.equal(out.find((c) => c.tag === "read")?.res, -Errno.ECANCELED);
  assert.equal(out.find((c) => c.tag === "timeout")?.res, -Errno.ETIME);
  closeFd(efd);
});

test("a failing op in a link chain cancels the rest", () => {
  using ring = Ring.create({ entries: 8 });
  // An fd that is valid to pass but not open: the kernel fails the read with EBADF.
  ring.read(0x7ffffff0, new Uint8Array(4), 0, { tag: "bad", flags: SqeFlag.IO_LINK });
  ring.nop({ tag: "after" });
  const out = run(ring, 2);
  assert.equal(out.find((c) => c.tag === "bad")?.res, -Errno.EBADF);
  assert.equal(out.find((c) => c.tag === "after")?.res, -Errno.ECANCELED);
});

test("IO_DRAIN waits for earlier operations", () => {
  using ring = Ring.create({ entries: 8 });
  ring.timeout(20, { tag: "first" });
  ring.nop({ tag: "drained", flags: SqeFlag.IO_DRAIN });
  assert.deepEqual(run(ring, 2).map((c) => c.tag), ["first", "drained"]);
});

test("registered files with FIXED_FILE read like plain fds", () => {
  using dir = tempDir();
  const data = pattern(4096, 11);
  const fd = openSync(fileWith(dir.path, "r", data), "r");
  using ring = Ring.create({ entries: 8 });
  ring.registerFiles([-1, fd]);
  const buf = new Uint8Array(4096);
  ring.read(1, buf, 0, { flags: SqeFlag.FIXED_FILE });
  assert.equal(run(ring, 1)[0].res, 4096);
  assert.deepEqual(buf, data);
  ring.unregisterFiles();
  ring.read(1, buf, 0, { flags: SqeFlag.FIXED_FILE });
  assert.equal(run(ring, 1)[0].res, -Errno.EBADF);
  closeSync(fd);
});

test("readFixed() and writeFixed() use registered buffers", () => {
  using dir = tempDir();
  const data = pattern(8192, 12);
  const src = openSync(fileWith(dir.path, "src", data), "r");
  const dst = openSync(join(dir.path, "dst"), "w+");
  using ring = Ring.create({ entries: 8 });
  const mem = new Uint8Array(16384);
  ring.registerBuffers([mem]);
  ring.readFixed(src, mem.subarray(4096, 4096 + 8192), 0, 0);
  assert.equal(run(ring, 1)[0].res, 8192);
  ring.writeFixed(dst, mem.subarray(4096, 4096 + 8192), 0, 0);
  assert.equal(run(ring, 1)[0].res, 8192);
  assert.deepEqual(new Uint8Array(readFileSync(join(dir.path, "dst"))), data);
  // Outside the registered buffer: the kernel says EFAULT.
  ring.readFixed(src, new Uint8Array(16), 0, 0);
  assert.equal(run(ring, 1)[0].res, -Errno.EFAULT);
  ring.unregisterBuffers();
  closeSync(src);
  closeSync(dst);
});

test("a registered eventfd counts completions", () => {
  using ring = Ring.create({ entries: 8 });
  const efd = eventfd();
  ring.registerEventfd(efd);
  ring.nop();
  ring.nop();
  run(ring, 2);
  const counter = new Uint8Array(8);
  using r2 = Ring.create({ entries: 2 });
  r2.read(efd, counter, 0);
  r2.submitAndWait(1);
  assert.equal(r2.completions()[0].res, 8);
  assert.ok(new DataView(counter.buffer).getBigUint64(0, true) >= 1n);
  ring.unregisterEventfd();
  closeFd(efd);
});

test("user_data round-trips: each completion carries its own tag", () => {
  using ring = Ring.create({ entries: 128 });
  const tags = Array.from({ length: 100 }, (_, i) => ({ i }));
  tags.forEach((tag) => ring.nop({ tag }));
  const out = run(ring, 100);
  assert.deepEqual(new Set(out.map((c) => c.tag)), new Set(tags));
});

test("write() to a pipe-like fd: writeSync interop sanity", () => {
  // An eventfd written through the ring, read back through node:fs.
  using ring = Ring.create({ entries: 4 });
  const efd = eventfd();
  const one = new Uint8Array(8);
  one[0] = 5;
  ring.write(efd, one, 0);
  assert.equal(run(ring, 1)[0].res, 8);
  const back = new Uint8Array(8);
  ring.read(efd, back, 0);
  run(ring, 1);
  assert.equal(back[0], 5);
  void writeSync;
  closeFd(efd);
});
