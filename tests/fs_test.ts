import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AsyncRing, copyFile, open, readFile, stat, UringError, writeFile } from "../mod.ts";
import { fileWith, pattern, tempDir } from "./_helpers.ts";

for (
  const mode of [{ name: "default ring", ring: undefined as AsyncRing | undefined }, {
    name: "DEFER_TASKRUN ring",
    ring: "defer",
  }]
) {
  const ringFor = () =>
    mode.ring === "defer"
      ? AsyncRing.create({ entries: 32, singleIssuer: true, deferTaskrun: true })
      : undefined;

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
      await assert.rejects(
        readFile(join(dir.path, "missing"), { ring }),
        (e: unknown) => e instanceof UringError && e.code === "ENOENT",
      );
      await assert.rejects(
        open(join(dir.path, "missing"), "r", { ring }),
        (e: unknown) => e instanceof UringError && e.code === "ENOENT",
      );
      await assert.rejects(
        writeFile(dir.path, "x", { ring }),
        (e: unknown) => e instanceof UringError && e.code === "EISDIR",
      );
      await assert.rejects(copyFile(join(dir.path, "missing"), join(dir.path, "d"), { ring }), UringError);
    } finally {
      ring?.close();
    }
  });
}

test("open() registers files (IOSQE_FIXED_FILE) and falls back to plain fds when it cannot", async () => {
  using dir = tempDir();
  for (const preRegistered of [false, true]) {
    await using ring = AsyncRing.create({ entries: 16 });
    if (preRegistered) ring.ring.registerFiles([0]); // someone else's table: no sparse one for us
    const data = pattern(50_000, 21);
    const path = fileWith(dir.path, `reg${preRegistered}`, data);
    const files = await Promise.all([0, 1, 2].map(() => open(path, "r+", { ring })));
    for (const f of files) {
      if (preRegistered) assert.equal(f.index, -1);
      else assert.ok(f.index >= 0, "got a registered slot");
      const b = new Uint8Array(1000);
      assert.equal(await f.read(b, 10_000), 1000);
      assert.deepEqual(b, data.subarray(10_000, 11_000));
    }
    if (!preRegistered) assert.equal(new Set(files.map((f) => f.index)).size, 3);
    await files[0].writeAll(new Uint8Array([1, 2, 3]), 0);
    await files[0].sync();
    assert.deepEqual(new Uint8Array(readFileSync(path)).subarray(0, 3), new Uint8Array([1, 2, 3]));
    const slot = files[1].index;
    for (const f of files) await f.close();
    // The freed slots are reused.
    const again = await open(path, "r", { ring });
    if (!preRegistered) assert.ok(again.index === slot || again.index >= 0);
    await again.close();
    // register: false keeps a plain fd.
    const plain = await open(path, "r", { ring, register: false });
    assert.equal(plain.index, -1);
    await plain.close();
  }
});

test("readFile() with an aborted signal rejects before doing anything", async () => {
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(
    readFile("/etc/hostname", { signal: ac.signal }),
    (e: Error) => e.name === "AbortError",
  );
});
