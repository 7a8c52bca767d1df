import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AsyncRing, copyFile, open, readFile, stat, UringError, writeFile } from "../mod.ts";
import { fileWith, pattern, tempDir } from "./_helpers.ts";

for (const mode of [{ name: "default ring", ring: undefined as AsyncRing | undefined }, { name: "DEFER_TASKRUN ring", ring: "defer" }]) {
  const ringFor = () =>
    mode.ring === "defer" ? AsyncRing.create({ entries: 32, singleIssuer: true, deferTaskrun: true }) : undefined;

  test(`[${mode.name}] open(), positional read/write, stat() and close()`, async () => {
    using dir = tempDir();
    const ring = ringFor();
    try {
      const path = join(dir.path, "f");
      await using f = await open(path, "w+", { ring });
      const data = pattern(10_000, 2);
      assert.equal(await f.write(data, 0), data.length);
      assert.equal(await f.write(data.subarray(0, 100), 20_000), 100);
      const back = new Uint8Array(100);
      assert.equal(await f.read(back, 5000), 100);
      assert.deepEqual(back, data.subarray(5000, 5100));
      assert.equal((await f.stat()).size, 20_100);
      assert.equal((await stat(path, { ring })).size, 20_100);
      await f.close();
      assert.equal(f.fd, -1);
    } finally {
      ring?.close();
    }
  });

  test(`[${mode.name}] readFile() returns the exact bytes (empty, small, multi-chunk)`, async () => {
    using dir = tempDir();
    const ring = ringFor();
    try {
      for (const size of [0, 1, 4096, (1 << 20) + 12345, 5 << 20]) {
        const data = pattern(size, size + 1);
        const path = fileWith(dir.path, `r${size}`, data);
        const got = await readFile(path, { ring });
        assert.equal(got.length, size);
        assert.deepEqual(got, data);
      }
      // /proc files report size 0: read to EOF anyway.
      const proc = await readFile("/proc/self/status", { ring });
      assert.match(new TextDecoder().decode(proc), /^Name:/);
    } finally {
      ring?.close();
    }
  });

  test(`[${mode.name}] writeFile() writes strings and bytes, truncating or appending`, async () => {
    using dir = tempDir();
    const ring = ringFor();
    try {
      const path = join(dir.path, "w");
      const big = pattern((3 << 20) + 7, 9);
      await writeFile(path, big, { ring });
      assert.deepEqual(new Uint8Array(readFileSync(path)), big);
      await writeFile(path, "short", { ring });
      assert.equal(readFileSync(path, "utf8"), "short");
      await writeFile(path, "+more", { ring, append: true });
      assert.equal(readFileSync(path, "utf8"), "short+more");
    } finally {
      ring?.close();
    }
  });

  test(`[${mode.name}] copyFile() copies contents and permission bits`, async () => {
    using dir = tempDir();
    const ring = ringFor();
    try {
      for (const size of [0, 100, (1 << 20) * 3 + 333]) {
        const data = pattern(size, 11);
        const src = fileWith(dir.path, `src${size}`, data);
        const dst = join(dir.path, `dst${size}`);
        writeFileSync(dst, "old contents that are longer than some sources");
        await copyFile(src, dst, { ring });
        assert.deepEqual(new Uint8Array(readFileSync(dst)), data);
        assert.equal(statSync(dst).mode & 0o777, statSync(src).mode & 0o777);
      }
    } finally {
      ring?.close();
    }
  });

  test(`[${mode.name}] errors reject with UringError (ENOENT, EISDIR)`, async () => {
    using dir = tempDir();
    const ring = ringFor();
    try {
      await assert.rejects(readFile(join(dir.path, "missing"), { ring }), (e: unknown) => e instanceof UringError && e.code === "ENOENT");
      await assert.rejects(open(join(dir.path, "missing"), "r", { ring }), (e: unknown) => e instanceof UringError && e.code === "ENOENT");
      await assert.rejects(writeFile(dir.path, "x", { ring }), (e: unknown) => e instanceof UringError && e.code === "EISDIR");
      await assert.rejects(copyFile(join(dir.path, "missing"), join(dir.path, "d"), { ring }), UringError);
    } finally {
      ring?.close();
    }
  });
}

test("readFile() with an aborted signal rejects before doing anything", async () => {
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(readFile("/etc/hostname", { signal: ac.signal }), (e: Error) => e.name === "AbortError");
});
