import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AsyncRing, FsError, readFile, UringError, writeFile } from "../mod.ts";
import { getNative } from "../src/runtime/_ffi.ts";
import { fileWith, pattern, tempDir } from "./_helpers.ts";

const CHUNK = 64 * 1024;
/** Around every chunk boundary of a 64 KiB chunk, and of the 2 MiB point where reads go to the kernel's workers. */
const SIZES = [
  0,
  1,
  4095,
  CHUNK - 1,
  CHUNK,
  CHUNK + 1,
  3 * CHUNK + 17,
  (2 << 20) - 1,
  2 << 20,
  (2 << 20) + 1,
  (2 << 20) + 3 * CHUNK - 1,
  (2 << 20) + 3 * CHUNK,
  (2 << 20) + 3 * CHUNK + 1,
];

test("readFile() returns the exact bytes at every chunk boundary (chunk 64 KiB, depth 1 and 3)", async () => {
  using dir = tempDir();
  await using ring = AsyncRing.create({ entries: 64 });
  for (const size of SIZES) {
    const data = pattern(size, size + 3);
    const path = fileWith(dir.path, `r${size}`, data);
    for (const depth of [1, 3]) {
      const got = await readFile(path, { ring, chunk: CHUNK, depth });
      assert.equal(got.length, size, `size ${size} depth ${depth}`);
      assert.ok(Buffer.from(got).equals(Buffer.from(data)), `contents of ${size} (depth ${depth})`);
    }
    // The default chunking too.
    assert.ok(
      Buffer.from(await readFile(path, { ring })).equals(Buffer.from(data)),
      `default chunking, ${size}`,
    );
  }
});

test("readFile() reads a file larger than the free hugepages (THP advice only, no reserved pool needed)", async () => {
  using dir = tempDir();
  const free = Number(/HugePages_Free:\s+(\d+)/.exec(readFileSync("/proc/meminfo", "utf8"))?.[1] ?? 0);
  const size = (free + 8) * (2 << 20) + 12345; // more than the reserved pool could hold
  const data = pattern(1 << 20, 77);
  const path = join(dir.path, "big");
  writeFileSync(path, new Uint8Array(0));
  for (let at = 0; at < size; at += data.length) {
    appendFileSync(path, data.subarray(0, Math.min(data.length, size - at)));
  }
  const got = await readFile(path);
  assert.equal(got.length, size);
  for (let at = 0; at < size; at += data.length) {
    const want = data.subarray(0, Math.min(data.length, size - at));
    assert.ok(Buffer.from(got.subarray(at, at + want.length)).equals(Buffer.from(want)), `block at ${at}`);
  }
  // Page aligned (the kernel copies into misaligned memory ~3× slower).
  assert.equal(getNative().addressOf(got) % 4096, 0);
});

test("readFile() reads files whose size statx does not know (procfs: read on to EOF)", async () => {
  const status = new TextDecoder().decode(await readFile("/proc/self/status"));
  assert.match(status, /^Name:/);
  assert.match(status, /VmRSS:/);
  // A procfs file longer than one 64 KiB probe.
  const maps = await readFile("/proc/self/maps");
  assert.ok(maps.length > 0);
});

test("readFile() of a file that shrinks is what is there", async () => {
  using dir = tempDir();
  const path = fileWith(dir.path, "s", pattern(1 << 20, 5));
  const p = readFile(path, { chunk: 4096, depth: 1 });
  truncateSync(path, 5000);
  const got = await p;
  assert.ok(got.length === 5000 || got.length === 1 << 20, `got ${got.length}`);
  assert.deepEqual(got.subarray(0, 5000), pattern(1 << 20, 5).subarray(0, 5000));
});

test("readFile() errors: ENOENT with the path, EISDIR, bad options rejected before the kernel", async () => {
  using dir = tempDir();
  const missing = join(dir.path, "missing");
  await assert.rejects(readFile(missing), (e: unknown) => {
    assert.ok(e instanceof FsError && e instanceof UringError);
    assert.equal(e.code, "ENOENT");
    assert.equal(e.path, missing);
    assert.match(e.message, /missing/);
    return true;
  });
  await assert.rejects(readFile(dir.path), (e: unknown) => e instanceof FsError && e.code === "EISDIR");
  await assert.rejects(readFile("/etc/hostname", { chunk: 100 }), /chunk must be an integer 4096\.\./);
  await assert.rejects(
    readFile("/etc/hostname", { depth: 0 }),
    /depth must be an integer 1\.\.4096, got 0 \(number\)/,
  );
  // deno-lint-ignore no-explicit-any
  await assert.rejects(readFile(42 as any), /path must be a string path, got 42 \(number\)/);
  // Rejects, never throws synchronously.
  // deno-lint-ignore no-explicit-any
  const p = readFile(undefined as any);
  assert.ok(p instanceof Promise);
  await assert.rejects(p, TypeError);
});

test("writeFile() writes the exact bytes at every chunk boundary, truncating what was there", async () => {
  using dir = tempDir();
  await using ring = AsyncRing.create({ entries: 64 });
  for (const size of SIZES) {
    const data = pattern(size, size + 9);
    const path = join(dir.path, `w${size}`);
    writeFileSync(path, pattern(size + 100_000, 1)); // longer: must be truncated
    for (const depth of [1, 3]) {
      await writeFile(path, data, { ring, chunk: CHUNK, depth });
      const back = readFileSync(path);
      assert.equal(back.length, size, `size ${size} depth ${depth}`);
      assert.ok(back.equals(Buffer.from(data)), `contents of ${size} (depth ${depth})`);
    }
  }
});

test("writeFile() options: mode, exclusive, append, sync", async () => {
  using dir = tempDir();
  const path = join(dir.path, "m");
  await writeFile(path, "abc", { mode: 0o600, sync: true });
  assert.equal(statSync(path).mode & 0o777, 0o600);
  await assert.rejects(
    writeFile(path, "x", { exclusive: true }),
    (e: unknown) => e instanceof FsError && e.code === "EEXIST",
  );
  await writeFile(path, "def", { append: true, sync: "data" });
  assert.equal(readFileSync(path, "utf8"), "abcdef");
  await writeFile(join(dir.path, "new"), "n", { exclusive: true });
  assert.equal(readFileSync(join(dir.path, "new"), "utf8"), "n");
  await assert.rejects(
    writeFile(join(dir.path, "no/such/dir"), "x"),
    (e: unknown) => e instanceof FsError && e.code === "ENOENT" && e.path === join(dir.path, "no/such/dir"),
  );
  await assert.rejects(
    writeFile(path, "x", { sync: "yes" as unknown as boolean }),
    /sync must be true, false, "all" or "data", got "yes" \(string\)/,
  );
});
