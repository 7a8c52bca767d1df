import { test } from "node:test";
import assert from "node:assert/strict";
import {
  chmodSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { execFileSync } from "node:child_process";
import {
  AsyncRing,
  FALLOC_FL,
  FsBatch,
  FsError,
  getxattr,
  link,
  lstat,
  MADV,
  madvise,
  mkdir,
  open,
  POSIX_FADV,
  readFile,
  rename,
  RESOLVE,
  Ring,
  rmdir,
  setxattr,
  stat,
  symlink,
  unlink,
} from "../mod.ts";
import { _forceMissingOpcode } from "../src/fs/meta.ts";
import { Op } from "../src/abi/opcodes.ts";
import { fileWith, pattern, tempDir } from "./_helpers.ts";

const isFsError = (code: string, path?: string) => (e: unknown) => {
  assert.ok(e instanceof FsError, `an FsError, got ${e}`);
  assert.equal(e.code, code);
  if (path !== undefined) assert.equal(e.path, path);
  assert.match(e.message, new RegExp(code));
  return true;
};

test("stat()/lstat(): sizes, modes, the caller's mask, symlinks not followed by lstat; ENOENT with the path", async () => {
  using dir = tempDir();
  const f = fileWith(dir.path, "f", pattern(12345, 1));
  symlinkSync(f, join(dir.path, "l"));
  const s = await stat(f);
  assert.equal(s.size, 12345);
  assert.equal(s.mode & 0o170000, 0o100000);
  assert.equal(s.ino, statSync(f).ino);
  assert.equal(s.mask & 0x7ff, 0x7ff);
  const viaLink = await stat(join(dir.path, "l"));
  assert.equal(viaLink.ino, s.ino);
  const link = await lstat(join(dir.path, "l"));
  assert.equal(link.mode & 0o170000, 0o120000);
  assert.equal(link.ino, lstatSync(join(dir.path, "l")).ino);
  // STATX_SIZE only: the kernel may fill more, but says at least SIZE came.
  const small = await stat(f, { mask: 0x200 });
  assert.ok(small.mask & 0x200);
  assert.equal(small.size, 12345);
  await assert.rejects(stat(join(dir.path, "missing")), isFsError("ENOENT", join(dir.path, "missing")));
  await assert.rejects(stat(join(f, "x")), isFsError("ENOTDIR"));
  await assert.rejects(stat(f, { mask: -1 }), RangeError);
});

test("rename(): plain, NOREPLACE (EEXIST), EXCHANGE (swaps), errors with both paths", async () => {
  using dir = tempDir();
  const a = fileWith(dir.path, "a", pattern(10, 1));
  const b = fileWith(dir.path, "b", pattern(20, 2));
  await assert.rejects(rename(a, b, { noReplace: true }), (e: unknown) => {
    assert.ok(e instanceof FsError);
    assert.equal(e.code, "EEXIST");
    assert.equal(e.path, a);
    assert.equal(e.dest, b);
    return true;
  });
  await rename(a, b, { exchange: true });
  assert.equal(statSync(a).size, 20);
  assert.equal(statSync(b).size, 10);
  await rename(a, join(dir.path, "c"));
  assert.equal(existsSync(a), false);
  assert.equal(statSync(join(dir.path, "c")).size, 20);
  await rename(b, join(dir.path, "d"), { noReplace: true });
  await assert.rejects(
    rename(join(dir.path, "nope"), join(dir.path, "x")),
    isFsError("ENOENT", join(dir.path, "nope")),
  );
  await assert.rejects(
    rename(join(dir.path, "c"), join(dir.path, "nope2"), { exchange: true }),
    isFsError("ENOENT"),
  );
  mkdirSync(join(dir.path, "dir"));
  await assert.rejects(rename(join(dir.path, "c"), join(dir.path, "dir")), isFsError("EISDIR"));
});

test("rename() across filesystems: EXDEV with a hint to copy", async (t) => {
  using dir = tempDir();
  const a = fileWith(dir.path, "a", pattern(10, 1));
  // /dev/shm is a tmpfs; the temp dir is on the root filesystem.
  if (!existsSync("/dev/shm") || statSync("/dev/shm").dev === statSync(dir.path).dev) {
    t.skip("needs /dev/shm on another filesystem than the temp dir");
    return;
  }
  await assert.rejects(rename(a, `/dev/shm/jsuring-exdev-${process.pid}`), (e: unknown) => {
    assert.ok(e instanceof FsError);
    assert.equal(e.code, "EXDEV");
    assert.match(e.hint ?? "", /copyFile/);
    return true;
  });
});

test("unlink(), rmdir(), mkdir() (recursive too), with EISDIR/ENOTEMPTY/EEXIST/ENOTDIR", async () => {
  using dir = tempDir();
  const f = fileWith(dir.path, "f", pattern(1, 1));
  await unlink(f);
  assert.equal(existsSync(f), false);
  await assert.rejects(unlink(f), isFsError("ENOENT", f));
  await mkdir(join(dir.path, "d"), { mode: 0o700 });
  assert.equal(statSync(join(dir.path, "d")).mode & 0o777, 0o700);
  await assert.rejects(mkdir(join(dir.path, "d")), isFsError("EEXIST", join(dir.path, "d")));
  await assert.rejects(unlink(join(dir.path, "d")), isFsError("EISDIR"));
  fileWith(join(dir.path, "d"), "inner", pattern(1, 1));
  await assert.rejects(rmdir(join(dir.path, "d")), isFsError("ENOTEMPTY"));
  await unlink(join(dir.path, "d", "inner"));
  await rmdir(join(dir.path, "d"));
  assert.equal(existsSync(join(dir.path, "d")), false);
  await mkdir(join(dir.path, "x/y/z"), { recursive: true });
  assert.ok(statSync(join(dir.path, "x/y/z")).isDirectory());
  await mkdir(join(dir.path, "x/y/z"), { recursive: true }); // exists: fine
  fileWith(dir.path, "file", pattern(1, 1));
  await assert.rejects(mkdir(join(dir.path, "file/sub"), { recursive: true }), isFsError("ENOTDIR"));
  await assert.rejects(rmdir(join(dir.path, "file")), isFsError("ENOTDIR"));
});

test("symlink() and link(): targets, hard link counts, EEXIST", async () => {
  using dir = tempDir();
  const f = fileWith(dir.path, "f", pattern(100, 3));
  await symlink(f, join(dir.path, "s"));
  assert.equal(readlinkSync(join(dir.path, "s")), f);
  await link(f, join(dir.path, "h"));
  assert.equal(statSync(f).nlink, 2);
  assert.deepEqual(new Uint8Array(readFileSync(join(dir.path, "h"))), pattern(100, 3));
  await assert.rejects(symlink(f, join(dir.path, "s")), isFsError("EEXIST"));
  await assert.rejects(
    link(join(dir.path, "missing"), join(dir.path, "h2")),
    isFsError("ENOENT", join(dir.path, "missing")),
  );
});

test("EACCES for a path in a directory without search permission (root: in a child without CAP_DAC_OVERRIDE)", async (t) => {
  using dir = tempDir();
  const locked = join(dir.path, "locked");
  mkdirSync(locked);
  fileWith(locked, "f", pattern(1, 1));
  chmodSync(locked, 0);
  try {
    const code = `import { stat, mkdir, unlink } from ${
      JSON.stringify(new URL("../mod.ts", import.meta.url).pathname)
    };
const r = [];
for (const f of [() => stat(${JSON.stringify(join(locked, "f"))}), () => mkdir(${
      JSON.stringify(join(locked, "d"))
    }), () => unlink(${JSON.stringify(join(locked, "f"))})]) {
  try { await f(); r.push("ok"); } catch (e) { r.push(e.code + " " + e.path); }
}
console.log(JSON.stringify(r));`;
    const script = join(dir.path, "child.ts");
    writeFileSync(script, code);
    if (process.getuid?.() !== 0) {
      // Unprivileged already: the kernel enforces the mode here.
      await assert.rejects(stat(join(locked, "f")), isFsError("EACCES", join(locked, "f")));
      return;
    }
    if (!existsSync("/usr/sbin/capsh")) {
      t.skip("root without capsh: cannot drop CAP_DAC_OVERRIDE to make the kernel enforce permissions");
      return;
    }
    const args = "Bun" in globalThis ? [script] : ["run", "-A", "--quiet", script];
    const out = execFileSync(
      "/usr/sbin/capsh",
      [
        "--drop=cap_dac_override,cap_dac_read_search",
        "--",
        "-c",
        'exec "$0" "$@"',
        process.execPath,
        ...args,
      ],
      { encoding: "utf8" },
    );
    assert.deepEqual(JSON.parse(out.trim().split("\n").pop()!), [
      `EACCES ${join(locked, "f")}`,
      `EACCES ${join(locked, "d")}`,
      `EACCES ${join(locked, "f")}`,
    ]);
  } finally {
    chmodSync(locked, 0o700);
  }
});

test("open() with RESOLVE flags (openat2): NO_SYMLINKS refuses a symlink (ELOOP), BENEATH refuses .. (EXDEV)", async () => {
  using dir = tempDir();
  const f = fileWith(dir.path, "f", pattern(10, 1));
  symlinkSync(f, join(dir.path, "s"));
  await using ok = await open(f, "r", { resolve: RESOLVE.NO_SYMLINKS });
  assert.ok(ok.fd >= 0);
  await assert.rejects(open(join(dir.path, "s"), "r", { resolve: RESOLVE.NO_SYMLINKS }), isFsError("ELOOP"));
  const dfd = openSync(dir.path, "r");
  try {
    await using inside = await open("f", "r", { dirfd: dfd, resolve: RESOLVE.BENEATH });
    assert.equal((await inside.stat()).size, 10);
    await assert.rejects(open("../etc", "r", { dirfd: dfd, resolve: RESOLVE.BENEATH }), isFsError("EXDEV"));
  } finally {
    closeSync(dfd);
  }
  await assert.rejects(open(f, "r", { resolve: 0x1000 }), RangeError);
});

test("File: sync, syncRange, allocate, punchHole (sparse: blocks drop, zeros read), advise, truncate", async () => {
  using dir = tempDir();
  const path = join(dir.path, "sparse");
  await using f = await open(path, "w+");
  const size = 1 << 20;
  await f.allocate(0, size);
  assert.equal(statSync(path).size, size);
  await f.writeAll(new Uint8Array(size).fill(7), 0);
  await f.sync();
  await f.sync({ datasync: true });
  await f.syncRange(0, size, 2 | 4);
  const before = statSync(path).blocks;
  await f.punchHole(4096, 512 * 1024);
  const after = statSync(path).blocks;
  assert.ok(after < before, `blocks ${before} -> ${after}`);
  assert.equal(statSync(path).size, size, "KEEP_SIZE");
  const back = new Uint8Array(readFileSync(path));
  assert.equal(back[4095], 7);
  assert.ok(back.subarray(4096, 4096 + 512 * 1024).every((b) => b === 0), "the hole reads as zeros");
  assert.equal(back[4096 + 512 * 1024], 7);
  await f.allocate(size, 4096, FALLOC_FL.KEEP_SIZE);
  assert.equal(statSync(path).size, size);
  await f.advise(0, 0, POSIX_FADV.DONTNEED);
  await f.truncate(1000);
  assert.equal(statSync(path).size, 1000);
  await assert.rejects(f.allocate(-1, 10), RangeError);
  await assert.rejects(f.allocate(0, 10, 0x1000), /unknown mode bits/);
});

test("truncate falls back to ftruncate(2) when the kernel lacks IORING_OP_FTRUNCATE (forced)", async () => {
  using dir = tempDir();
  const path = fileWith(dir.path, "t", pattern(5000, 1));
  await using f = await open(path, "r+");
  _forceMissingOpcode(Op.FTRUNCATE, true);
  try {
    await f.truncate(123);
    assert.equal(statSync(path).size, 123);
    await f.truncate(8000);
    assert.equal(statSync(path).size, 8000);
    // The other operations say what is missing instead.
    _forceMissingOpcode(Op.RENAMEAT, true);
    await assert.rejects(rename(path, path + "2"), (e: unknown) => {
      assert.ok(e instanceof FsError);
      assert.equal(e.code, "EOPNOTSUPP");
      assert.match(e.hint ?? "", /requires Linux 5\.11/);
      return true;
    });
  } finally {
    _forceMissingOpcode(Op.FTRUNCATE, false);
    _forceMissingOpcode(Op.RENAMEAT, false);
  }
  await f.truncate(10); // through the ring again
  assert.equal(statSync(path).size, 10);
});

test("setxattr()/getxattr() round trip (user.* attributes), CREATE/REPLACE, ENODATA", async (t) => {
  using dir = tempDir();
  const f = fileWith(dir.path, "x", pattern(1, 1));
  try {
    await setxattr(f, "user.jsuring.probe", "1");
  } catch (e) {
    if (e instanceof FsError && (e.code === "EOPNOTSUPP" || e.code === "ENOTSUP")) {
      t.skip(`the filesystem of ${dir.path} has no user xattrs (${e.code})`);
      return;
    }
    throw e;
  }
  const value = pattern(300, 4);
  await setxattr(f, "user.jsuring.note", value);
  assert.deepEqual(await getxattr(f, "user.jsuring.note"), value);
  await assert.rejects(setxattr(f, "user.jsuring.note", "x", { create: true }), isFsError("EEXIST"));
  await assert.rejects(setxattr(f, "user.jsuring.other", "x", { replace: true }), isFsError("ENODATA"));
  await setxattr(f, "user.jsuring.note", "short", { replace: true });
  assert.equal(new TextDecoder().decode(await getxattr(f, "user.jsuring.note")), "short");
  await assert.rejects(getxattr(f, "user.jsuring.none"), isFsError("ENODATA", f));
  await assert.rejects(getxattr(f, "user.jsuring.note", { size: 2 }), isFsError("ERANGE"));
});

test("madvise() through the ring over page-aligned memory readFile returned", async () => {
  using dir = tempDir();
  const path = fileWith(dir.path, "m", pattern(4 << 20, 2));
  const bytes = await readFile(path);
  await madvise(bytes, MADV.WILLNEED);
  await madvise(bytes, MADV.HUGEPAGE);
  assert.deepEqual(bytes.subarray(0, 100), pattern(4 << 20, 2).subarray(0, 100));
  await assert.rejects(madvise(bytes.subarray(1), MADV.WILLNEED), /page boundary/);
});

test("FsBatch on a synchronous Ring: many operations, one enter, outcomes in order with FsErrors", () => {
  using dir = tempDir();
  using ring = Ring.create({ entries: 8 }); // fewer SQEs than operations: several enters
  const b = new FsBatch(ring);
  const names = Array.from({ length: 20 }, (_, i) => join(dir.path, `d${i}`));
  for (const n of names) b.mkdir(n);
  b.mkdir(names[0]); // EEXIST
  b.stat(join(dir.path, "missing"));
  const out = b.run();
  assert.equal(out.length, 22);
  for (let i = 0; i < 20; i++) assert.ok(out[i].ok, `mkdir ${i}`);
  const dup = out[20];
  assert.ok(!dup.ok && dup.error.code === "EEXIST" && dup.error.path === names[0]);
  const miss = out[21];
  assert.ok(!miss.ok && miss.error.code === "ENOENT");
  const f = fileWith(dir.path, "f", pattern(77, 1));
  b.stat(f);
  b.rename(f, join(dir.path, "g"));
  b.symlink(join(dir.path, "g"), join(dir.path, "s"));
  for (const n of names) b.rmdir(n);
  const out2 = b.run();
  assert.ok(out2[0].ok && (out2[0].value as { size: number }).size === 77);
  assert.ok(out2.every((r) => r.ok));
  assert.equal(readlinkSync(join(dir.path, "s")), join(dir.path, "g"));
  assert.equal(existsSync(names[3]), false);
  assert.throws(() => b.mkdir(42 as never), TypeError);
});

test("the promise forms work on a DEFER_TASKRUN ring too", async () => {
  using dir = tempDir();
  await using ring = AsyncRing.create({ entries: 16, singleIssuer: true, deferTaskrun: true });
  await mkdir(join(dir.path, "a"), { ring });
  writeFileSync(join(dir.path, "a", "f"), "x");
  await rename(join(dir.path, "a", "f"), join(dir.path, "a", "g"), { ring });
  assert.equal((await stat(join(dir.path, "a", "g"), { ring })).size, 1);
  await unlink(join(dir.path, "a", "g"), { ring });
  await rmdir(join(dir.path, "a"), { ring });
  assert.equal(existsSync(join(dir.path, "a")), false);
});
