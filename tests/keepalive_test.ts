import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, openSync, writeSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { Errno, Ring } from "../mod.ts";
import { forceGc, pattern, tempDir } from "./_helpers.ts";

/**
 * Reads that stay in flight on a FIFO while the GC runs: the buffers' only
 * strong reference is the ring; the test keeps WeakRefs. When the data finally
 * arrives the buffers must still be alive and hold it.
 */
test("buffers referenced only by the ring survive forced GC mid-flight, data intact", () => {
  using dir = tempDir();
  using ring = Ring.create({ entries: 64 });
  const sizes = [1, 16, 64, 100, 4096, 65536];
  // One FIFO per read, so each read's data is its own whatever order the kernel serves them.
  const fds = sizes.map((_, i) => {
    const fifo = join(dir.path, `fifo${i}`);
    execFileSync("mkfifo", [fifo]);
    return openSync(fifo, "r+"); // O_RDWR on a FIFO does not block on Linux
  });
  const refs: WeakRef<Uint8Array>[] = [];
  for (const [i, size] of sizes.entries()) {
    const buf = new Uint8Array(size); // small ones live on the JS heap before their address is taken
    refs.push(new WeakRef(buf));
    ring.read(fds[i], buf, -1, { tag: i });
  }
  ring.submit();
  // Churn the heap and force collections while the reads wait for data.
  for (let round = 0; round < 5; round++) {
    let junk: unknown[] = [];
    for (let i = 0; i < 20000; i++) junk.push({ i, s: "x".repeat(i % 50) });
    junk = [];
    void junk;
    forceGc();
  }
  assert.ok(refs.every((r) => r.deref() !== undefined), "the ring keeps every in-flight buffer alive");
  assert.equal(ring.inFlight, sizes.length);
  for (const [i, size] of sizes.entries()) {
    const data = pattern(size, 100 + i);
    writeSync(fds[i], data);
    ring.submitAndWait(1);
    const [c] = ring.completions();
    assert.equal(c.tag, i);
    assert.equal(c.res, size);
    assert.deepEqual(refs[i].deref(), data);
  }
  fds.forEach((fd) => closeSync(fd));
});

test("a buffer detached before submit is refused with a TypeError", () => {
  using ring = Ring.create({ entries: 4 });
  const buf = new Uint8Array(16);
  structuredClone(buf.buffer, { transfer: [buf.buffer] });
  assert.throws(() => ring.read(0, buf, 0), TypeError);
  assert.equal(ring.pending, 0, "nothing was queued");
});

test("close() with reads in flight on a FIFO reports them cancelled and keeps buffers until then", () => {
  using dir = tempDir();
  const fifo = join(dir.path, "fifo");
  execFileSync("mkfifo", [fifo]);
  const fd = openSync(fifo, "r+");
  const ring = Ring.create({ entries: 16 });
  const refs: WeakRef<Uint8Array>[] = [];
  for (let i = 0; i < 8; i++) {
    const b = new Uint8Array(4096);
    refs.push(new WeakRef(b));
    ring.read(fd, b, -1, { tag: i });
  }
  ring.submit();
  forceGc();
  assert.ok(refs.every((r) => r.deref()));
  const drained = ring.close();
  assert.equal(drained.length, 8);
  assert.ok(drained.every((c) => c.res === -Errno.ECANCELED));
  assert.deepEqual(drained.map((c) => c.tag).sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(ring.inFlight, 0);
  closeSync(fd);
});
