import { test } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  linkSync,
  lstatSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { AsyncRing, copyFile, type CopyMethod, FsError } from "../mod.ts";
import { fileWith, pattern, tempDir } from "./_helpers.ts";

const CHUNK = 64 * 1024;
const SIZES = [
  0,
  1,
  4095,
  CHUNK - 1,
  CHUNK,
  CHUNK + 1,
  5 * CHUNK - 1,
  5 * CHUNK,
  5 * CHUNK + 1,
  5 * CHUNK + 12345,
];

for (const method of ["copy_file_range", "readwrite", "auto"] as CopyMethod[]) {
  test(`copyFile(method: ${method}) copies exact contents at every chunk boundary, atomic and in place`, async () => {
    using dir = tempDir();
    await using ring = AsyncRing.create({ entries: 64 });
    for (const size of SIZES) {
      const data = pattern(size, size + 5);
      const src = fileWith(dir.path, `s${size}`, data);
      for (const atomic of [true, false]) {
        for (const depth of [1, 3]) {
          const dst = join(dir.path, `d${size}-${atomic}-${depth}`);
          writeFileSync(dst, pattern(size + 70_000, 2)); // longer than the source: replaced or truncated
          // syncUpTo -1: the asynchronous path even for small files.
          await copyFile(src, dst, { ring, method, chunk: CHUNK, depth, atomic, syncUpTo: -1 });
          const back = readFileSync(dst);
          assert.equal(back.length, size, `${method} ${size} atomic=${atomic} depth=${depth}`);
          assert.ok(back.equals(Buffer.from(data)), `contents ${method} ${size}`);
        }
      }
      // The synchronous small-file path.
      const dst = join(dir.path, `sync${size}`);
      await copyFile(src, dst, { ring, method });
      assert.ok(readFileSync(dst).equals(Buffer.from(data)), `sync path ${method} ${size}`);
    }
    // No temporary files left behind.
    assert.deepEqual(readdirSync(dir.path).filter((n) => n.includes(".jsuring-")), []);
  });
}

test("copyFile() keeps the permission bits; exclusive refuses an existing destination", async () => {
  using dir = tempDir();
  const src = fileWith(dir.path, "src", pattern(1000, 1));
  const { chmodSync } = await import("node:fs");
  chmodSync(src, 0o640);
  const dst = join(dir.path, "dst");
  await copyFile(src, dst);
  assert.equal(statSync(dst).mode & 0o777, 0o640);
  await assert.rejects(
    copyFile(src, dst, { exclusive: true }),
    (e: unknown) => e instanceof FsError && e.code === "EEXIST" && e.dest === dst,
  );
  await assert.rejects(
    copyFile(src, dst, { exclusive: true, atomic: false }),
    (e: unknown) => e instanceof FsError && e.code === "EEXIST",
  );
  await copyFile(src, join(dir.path, "new"), { exclusive: true });
  assert.deepEqual(new Uint8Array(readFileSync(join(dir.path, "new"))), pattern(1000, 1));
});

test("copyFile() errors: ENOENT with the path, EISDIR, bad options", async () => {
  using dir = tempDir();
  const missing = join(dir.path, "missing");
  await assert.rejects(copyFile(missing, join(dir.path, "x")), (e: unknown) => {
    assert.ok(e instanceof FsError);
    assert.equal(e.code, "ENOENT");
    assert.equal(e.path, missing);
    return true;
  });
  await assert.rejects(
    copyFile(dir.path, join(dir.path, "x")),
    (e: unknown) => e instanceof FsError && e.code === "EISDIR",
  );
  const src = fileWith(dir.path, "src", pattern(10, 1));
  await assert.rejects(
    copyFile(src, join(dir.path, "no/such/dir/x")),
    (e: unknown) => e instanceof FsError && e.code === "ENOENT",
  );
  await assert.rejects(
    copyFile(src, join(dir.path, "y"), { method: "fast" as CopyMethod }),
    /method must be "auto", "copy_file_range" or "readwrite", got "fast" \(string\)/,
  );
  await assert.rejects(copyFile(src, join(dir.path, "y"), { chunk: 10 }), /chunk must be an integer/);
  assert.deepEqual(readdirSync(dir.path).filter((n) => n.includes(".jsuring-")), []);
});

for (const method of ["copy_file_range", "readwrite"] as CopyMethod[]) {
  test(`copyFile(method: ${method}) aborted in the middle leaves no destination (or, when asked, a partial one)`, async () => {
    using dir = tempDir();
    const size = 64 << 20;
    const block = pattern(1 << 20, 3);
    const src = join(dir.path, "big");
    writeFileSync(src, new Uint8Array(0));
    const { appendFileSync } = await import("node:fs");
    for (let at = 0; at < size; at += block.length) appendFileSync(src, block);
    for (const atomic of [true, false]) {
      const dst = join(dir.path, `dst-${atomic}`);
      const ac = new AbortController();
      // 4 KiB steps, one at a time: 16384 steps, far more than the 5 ms allow.
      const p = copyFile(src, dst, {
        method,
        chunk: 4096,
        depth: 1,
        atomic,
        signal: ac.signal,
        syncUpTo: -1,
      });
      setTimeout(() => ac.abort(new Error("stop")), 5);
      await assert.rejects(p, /stop/);
      if (atomic) assert.equal(existsSync(dst), false, "no destination after an aborted atomic copy");
      else {
        assert.ok(existsSync(dst), "in place: the partial destination stays");
        const part = statSync(dst).size;
        assert.ok(part < size, `partial: ${part} of ${size}`);
      }
      assert.deepEqual(readdirSync(dir.path).filter((n) => n.includes(".jsuring-")), [], "no temporary left");
    }
  });
}

test("copyFile() atomic over an existing dst swaps in a new file (RENAME_EXCHANGE): other hard links and a symlink's target keep the old bytes", async () => {
  using dir = tempDir();
  const src = fileWith(dir.path, "src", pattern(5000, 1));
  const dst = fileWith(dir.path, "dst", pattern(9000, 2));
  const other = join(dir.path, "other-link");
  linkSync(dst, other);
  const inode = statSync(dst).ino;
  await copyFile(src, dst);
  assert.ok(readFileSync(dst).equals(Buffer.from(pattern(5000, 1))));
  assert.notEqual(statSync(dst).ino, inode, "a new file under the name");
  assert.ok(
    readFileSync(other).equals(Buffer.from(pattern(9000, 2))),
    "the other link still has the old bytes",
  );
  assert.equal(statSync(other).nlink, 1, "the old file's temporary name is gone");
  // dst a symlink: the link itself is replaced, its target untouched (as rename(2) does).
  const target = fileWith(dir.path, "target", pattern(300, 3));
  const sl = join(dir.path, "sl");
  symlinkSync(target, sl);
  await copyFile(src, sl);
  assert.ok(!lstatSync(sl).isSymbolicLink());
  assert.ok(readFileSync(sl).equals(Buffer.from(pattern(5000, 1))));
  assert.ok(readFileSync(target).equals(Buffer.from(pattern(300, 3))));
  assert.deepEqual(readdirSync(dir.path).filter((n) => n.includes(".jsuring-")), []);
});
