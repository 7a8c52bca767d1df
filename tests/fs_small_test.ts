/**
 * readFile()'s linked open → read → probe chain for small files
 * (src/fs/_small.ts): exact bytes, the hand-over to the general path, FIFOs
 * read to their end, errors, slots and descriptors given back; writeFile()'s
 * direct calls for small writes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import process from "node:process";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { AsyncRing, FsError, readFile, readFiles, writeFile } from "../mod.ts";
import { SMALL, smallStats } from "../src/fs/_small.ts";
import { fileWith, pattern, tempDir } from "./_helpers.ts";

const fds = () => readdirSync("/proc/self/fd").length;

test("readFile() small files: one chain each, exact bytes around the 64 KiB first read", async () => {
  using dir = tempDir();
  await using ring = AsyncRing.create({ entries: 64 });
  for (
    const size of [
      0,
      1,
      4095,
      4096,
      16 * 1024 + 3,
      SMALL - 1,
      SMALL,
      SMALL + 1,
      SMALL + 2,
      3 * SMALL + 5,
      5 << 20,
    ]
  ) {
    const data = pattern(size, size + 11);
    const path = fileWith(dir.path, `s${size}`, data);
    const before = { ...smallStats };
    const got = await readFile(path, { ring });
    assert.equal(got.length, size, `size ${size}`);
    assert.ok(Buffer.from(got).equals(Buffer.from(data)), `contents of ${size}`);
    if (size <= SMALL) {
      assert.equal(got.byteOffset, 0, "an exact-size buffer of its own");
      assert.equal(got.buffer.byteLength, size);
    }
    assert.equal(smallStats.chains, before.chains + 1, `size ${size}: one chain`);
    // Above 64 KiB the probe finds more and readFile reads the rest from the slot.
    assert.equal(smallStats.rest, before.rest + (size > SMALL ? 1 : 0), `size ${size}: read on`);
    assert.equal(smallStats.general, before.general, `size ${size}: never re-opened`);
  }
});

test("readFile() small files: 1,500 at once (more than the chains' slots), every one exact, nothing left open", async () => {
  using dir = tempDir();
  const paths: string[] = [];
  const datas: Uint8Array[] = [];
  for (let i = 0; i < 1500; i++) {
    datas.push(pattern(1 + (i * 37) % 9000, i));
    paths.push(fileWith(dir.path, `f${i}`, datas[i]));
  }
  await using ring = AsyncRing.create({ entries: 256 });
  const open0 = fds();
  for (let round = 0; round < 2; round++) {
    const got = await Promise.all(paths.map((p) => readFile(p, { ring })));
    for (let i = 0; i < got.length; i++) {
      assert.ok(Buffer.from(got[i]).equals(Buffer.from(datas[i])), `file ${i}`);
    }
  }
  // Sequentially, more files than the ring's 1024 file slots: slots are given back.
  const before = smallStats.chains;
  for (let i = 0; i < 1100; i++) {
    assert.ok(
      Buffer.from(await readFile(paths[i], { ring })).equals(Buffer.from(datas[i])),
      `sequential ${i}`,
    );
  }
  assert.equal(smallStats.chains, before + 1100, "every sequential read was a chain (no slot leaked)");
  assert.ok(fds() <= open0 + 2, `descriptors: ${open0} before, ${fds()} after`);
});

test("readFile() small files: a FIFO is read to its end from the open slot (nothing lost)", async () => {
  using dir = tempDir();
  const fifo = join(dir.path, "fifo");
  await new Promise<void>((resolve, reject) => {
    spawn("mkfifo", [fifo]).on("exit", (c) => c === 0 ? resolve() : reject(new Error(`mkfifo: ${c}`)));
  });
  const size = 3 * SMALL + 1234;
  // The writer: a child process writing a known pattern, then closing.
  const writer = spawn("sh", ["-c", `yes abcdefghijklmno | head -c ${size} > '${fifo}'`]);
  const exited = new Promise((r) => writer.on("exit", r));
  const got = await readFile(fifo);
  await exited;
  const line = "abcdefghijklmno\n";
  const want = line.repeat(Math.ceil(size / line.length)).slice(0, size);
  assert.equal(got.length, size);
  assert.equal(new TextDecoder().decode(got), want);
});

test("readFile() small files: procfs and sysfs text read whole", async () => {
  // Stable pseudo-files, compared with node:fs.
  for (
    const p of ["/proc/version", "/proc/sys/kernel/ostype", "/sys/kernel/mm/transparent_hugepage/enabled"]
  ) {
    let want: Buffer;
    try {
      want = readFileSync(p);
    } catch {
      continue;
    }
    assert.ok(Buffer.from(await readFile(p)).equals(want), p);
  }
});

test("readFile() small files: errors name the path (ENOENT, EISDIR, ENOTDIR, ENAMETOOLONG)", async () => {
  using dir = tempDir();
  const file = fileWith(dir.path, "file", pattern(10, 1));
  const cases: [string, string][] = [
    [join(dir.path, "missing"), "ENOENT"],
    [dir.path, "EISDIR"],
    [join(file, "below"), "ENOTDIR"],
    ["/" + "x".repeat(5000), "ENAMETOOLONG"],
  ];
  for (const [path, code] of cases) {
    await assert.rejects(readFile(path), (e: unknown) => {
      assert.ok(e instanceof FsError, String(e));
      assert.equal(e.code, code, path.slice(0, 60));
      assert.equal(e.path, path);
      return true;
    });
  }
  // After the failures the slots are free again: a read still chains.
  const before = smallStats.chains;
  assert.deepEqual(await readFile(file), pattern(10, 1));
  assert.equal(smallStats.chains, before + 1);
});

test("readFile() small files: a ring whose file table is someone else's reads the general way", async () => {
  using dir = tempDir();
  const data = pattern(5000, 3);
  const path = fileWith(dir.path, "g", data);
  await using ring = AsyncRing.create({ entries: 16 });
  ring.ring.registerFiles([0]); // a table of our own: the chain's sparse table cannot be registered
  const before = { ...smallStats };
  assert.ok(Buffer.from(await readFile(path, { ring })).equals(Buffer.from(data)));
  assert.equal(smallStats.chains, before.chains);
  assert.equal(smallStats.general, before.general + 1);
});

test("writeFile() small writes (direct calls up to 64 KiB): exact bytes, old tail cut, mode, append, exclusive, errors", async () => {
  using dir = tempDir();
  const path = join(dir.path, "w");
  for (const size of [0, 1, 4096, SMALL - 1, SMALL, SMALL + 1, 5]) {
    const data = pattern(size, size + 5);
    await writeFile(path, data);
    assert.ok(readFileSync(path).equals(Buffer.from(data)), `size ${size}`);
  }
  await writeFile(path, "héllo"); // a string, shorter than what was there
  assert.equal(readFileSync(path, "utf8"), "héllo");
  await writeFile(path, " world", { append: true });
  assert.equal(readFileSync(path, "utf8"), "héllo world");
  const created = join(dir.path, "m");
  await writeFile(created, "x", { mode: 0o640 });
  assert.equal(statSync(created).mode & 0o777, 0o640 & ~process.umask());
  await assert.rejects(
    writeFile(created, "y", { exclusive: true }),
    (e: unknown) => e instanceof FsError && e.code === "EEXIST" && e.path === created,
  );
  assert.equal(readFileSync(created, "utf8"), "x", "an exclusive failure leaves the file alone");
  await assert.rejects(writeFile(dir.path, "z"), (e: unknown) => e instanceof FsError && e.code === "EISDIR");
  const missing = join(dir.path, "no", "such");
  await assert.rejects(
    writeFile(missing, "z"),
    (e: unknown) => e instanceof FsError && e.code === "ENOENT" && e.path === missing,
  );
  const open0 = fds();
  for (let i = 0; i < 200; i++) await writeFile(join(dir.path, `n${i % 10}`), pattern(100 + i, i));
  assert.ok(fds() <= open0 + 1, "no descriptor left open");
});

test("readFile() of procfs text longer than the chain's first read: whole, read on from the slot", async () => {
  // /proc/self/smaps grows with the mappings: compare the stable part (the first lines) and the shape.
  const before = smallStats.rest;
  const text = new TextDecoder().decode(await readFile("/proc/self/smaps"));
  assert.ok(text.length > SMALL, `${text.length} bytes`);
  assert.equal(smallStats.rest, before + 1, "read on from the slot (statx says size 0)");
  assert.ok(text.endsWith("\n"), "ends at a whole line");
  assert.match(text, /^[0-9a-f]+-[0-9a-f]+ /);
  // Every mapping header has its Size line: nothing cut in the middle.
  const headers = text.split("\n").filter((l) => /^[0-9a-f]+-[0-9a-f]+ /.test(l)).length;
  const sizes = text.split("\n").filter((l) => l.startsWith("Size:")).length;
  assert.equal(headers, sizes);
});

test("readFiles(): many files, one promise per window, exact bytes in order; big files, FIFOs and errors", async () => {
  using dir = tempDir();
  const paths: string[] = [];
  const datas: Uint8Array[] = [];
  for (let i = 0; i < 700; i++) {
    // Mostly small, some at and past the chain's 64 KiB, one empty.
    const size = i === 3 ? 0 : i % 97 === 0 ? SMALL + i : i % 89 === 0 ? SMALL : 1 + (i * 131) % 16000;
    datas.push(pattern(size, i));
    paths.push(fileWith(dir.path, `f${i}`, datas[i]));
  }
  await using ring = AsyncRing.create({ entries: 128 });
  const open0 = fds();
  const before = smallStats.chains;
  for (let round = 0; round < 2; round++) {
    const got = await readFiles(paths, { ring });
    assert.equal(got.length, paths.length);
    for (let i = 0; i < got.length; i++) {
      assert.ok(got[i] instanceof Uint8Array, `file ${i}`);
      assert.ok(Buffer.from(got[i]).equals(Buffer.from(datas[i])), `file ${i} (${datas[i].length} bytes)`);
    }
  }
  assert.ok(smallStats.chains >= before + 2 * 690, "the small ones went by chains");
  assert.deepEqual(await readFiles([], { ring }), []);
  // The same path many times, and with a signal (every file by readFile).
  const same = await readFiles(Array(300).fill(paths[5]), { ring, signal: new AbortController().signal });
  assert.ok(same.every((b) => Buffer.from(b).equals(Buffer.from(datas[5]))));
  // Errors: the first failing file's, with its path; the others were still read and closed.
  const missing = join(dir.path, "missing");
  await assert.rejects(
    readFiles([paths[0], missing, paths[1], dir.path], { ring }),
    (e: unknown) => e instanceof FsError && e.code === "ENOENT" && e.path === missing,
  );
  await assert.rejects(
    readFiles([dir.path], { ring }),
    (e: unknown) => e instanceof FsError && e.code === "EISDIR",
  );
  // deno-lint-ignore no-explicit-any
  await assert.rejects(readFiles("abc" as any), /readFiles: paths must be an array/);
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    readFiles([paths[0], 7 as any]),
    /readFiles: paths\[1\] must be a string path, got 7 \(number\)/,
  );
  // deno-lint-ignore no-explicit-any
  await assert.rejects(readFiles([paths[0]], { nope: 1 } as any), /unknown option "nope"/);
  // Closes are written in front of the next submission or by a setImmediate: wait for a turn.
  await new Promise((r) => setImmediate(r));
  await ring.nop();
  assert.ok(fds() <= open0 + 2, `descriptors: ${open0} before, ${fds()} after`);
});

test("writeFile() above 64 KiB: an existing file is opened without O_CREAT, a new one created (mode), ENOENT names the path", async () => {
  using dir = tempDir();
  const big = pattern(SMALL * 3 + 7, 9);
  const fresh = join(dir.path, "fresh");
  await writeFile(fresh, big, { mode: 0o600 });
  assert.ok(readFileSync(fresh).equals(Buffer.from(big)));
  assert.equal(statSync(fresh).mode & 0o777, 0o600 & ~process.umask());
  const shorter = pattern(SMALL * 2, 4);
  await writeFile(fresh, shorter, { mode: 0o644 }); // existing: mode untouched, tail cut
  assert.ok(readFileSync(fresh).equals(Buffer.from(shorter)));
  assert.equal(statSync(fresh).mode & 0o777, 0o600 & ~process.umask());
  const missing = join(dir.path, "no", "such");
  await assert.rejects(
    writeFile(missing, big),
    (e: unknown) => e instanceof FsError && e.code === "ENOENT" && e.path === missing,
  );
  await assert.rejects(writeFile(dir.path, big), (e: unknown) => e instanceof FsError && e.code === "EISDIR");
});
