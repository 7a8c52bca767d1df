import { test } from "node:test";
import assert from "node:assert/strict";
import { setImmediate } from "node:timers";
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { type DirEntry, FsError, readDir, readdir, walk, type WalkEntry } from "../mod.ts";
import { tempDir } from "./_helpers.ts";

/** root/{a/{f1,f2,b/{f3}},empty/,f0, link-to-a -> a, dangling -> missing, loop -> .} */
function tree(root: string): void {
  mkdirSync(join(root, "a/b"), { recursive: true });
  mkdirSync(join(root, "empty"));
  writeFileSync(join(root, "f0"), "0");
  writeFileSync(join(root, "a/f1"), "11");
  writeFileSync(join(root, "a/f2"), "222");
  writeFileSync(join(root, "a/b/f3"), "3333");
  symlinkSync(join(root, "a"), join(root, "link-to-a"));
  symlinkSync(join(root, "missing"), join(root, "dangling"));
  symlinkSync(".", join(root, "loop"));
}

test("readDir()/readdir(): every name once, types from getdents64, no . or ..; ENOENT/ENOTDIR with the path", async () => {
  using dir = tempDir();
  tree(dir.path);
  const got: DirEntry[] = [];
  for await (const e of readDir(dir.path)) got.push(e);
  const names = got.map((e) => e.name).sort();
  assert.deepEqual(names, readdirSync(dir.path).sort());
  const by = Object.fromEntries(got.map((e) => [e.name, e]));
  assert.ok(by["a"].isDirectory && !by["a"].isFile);
  assert.ok(by["f0"].isFile);
  assert.ok(by["link-to-a"].isSymlink && !by["link-to-a"].isDirectory);
  assert.deepEqual((await readdir(dir.path)).sort(), names);
  assert.equal((await readdir(dir.path, { withFileTypes: true })).length, names.length);
  assert.deepEqual(await readdir(join(dir.path, "empty")), []);
  await assert.rejects(readdir(join(dir.path, "nope")), (e: unknown) => {
    assert.ok(e instanceof FsError);
    assert.equal(e.code, "ENOENT");
    assert.equal(e.path, join(dir.path, "nope"));
    return true;
  });
  await assert.rejects(
    readdir(join(dir.path, "f0")),
    (e: unknown) => e instanceof FsError && e.code === "ENOTDIR",
  );
});

test("readDir() of a directory larger than one 32 KiB getdents64 batch", async () => {
  using dir = tempDir();
  const n = 300; // 300 records of ~224 bytes: three batches
  for (let i = 0; i < n; i++) writeFileSync(join(dir.path, `${i}-${"y".repeat(200)}`), "");
  const names = await readdir(dir.path);
  assert.equal(names.length, n);
  assert.equal(new Set(names).size, n);
});

test("readDir() does not stop the event loop: the loop turns while a big directory is listed", async () => {
  using dir = tempDir();
  for (let i = 0; i < 400; i++) writeFileSync(join(dir.path, `${i}-${"x".repeat(200)}`), "");
  // setImmediate runs once per turn of the event loop: it counts only if the
  // listing really yields to the loop (a timer would also depend on time).
  let ticks = 0, stop = false;
  const spin = () => {
    if (!stop) ticks++, setImmediate(spin);
  };
  setImmediate(spin);
  try {
    // Listing the same directory several times over: many batches.
    for (let i = 0; i < 5; i++) await readdir(dir.path);
  } finally {
    stop = true;
  }
  assert.ok(ticks > 0, "the event loop turned between getdents64 batches");
});

test("walk(): every entry once with its statx, symlinks not followed (no loop), sizes right, maxDepth", async () => {
  using dir = tempDir();
  tree(dir.path);
  const seen = new Map<string, WalkEntry>();
  for await (const e of walk(dir.path)) {
    assert.ok(!seen.has(e.path), `once: ${e.path}`);
    seen.set(e.path, e);
  }
  const rel = [...seen.keys()].map((p) => p.slice(dir.path.length + 1)).sort();
  assert.deepEqual(rel, [
    "a",
    "a/b",
    "a/b/f3",
    "a/f1",
    "a/f2",
    "dangling",
    "empty",
    "f0",
    "link-to-a",
    "loop",
  ]);
  assert.equal(seen.get(join(dir.path, "a/b/f3"))!.stat.size, 4);
  assert.equal(seen.get(join(dir.path, "a/f2"))!.stat.size, 3);
  assert.ok(seen.get(join(dir.path, "link-to-a"))!.isSymlink);
  assert.equal(seen.get(join(dir.path, "loop"))!.stat.mode & 0o170000, 0o120000, "lstat, not followed");
  const shallow: string[] = [];
  for await (const e of walk(dir.path, { maxDepth: 0 })) shallow.push(e.name);
  assert.deepEqual(shallow.sort(), readdirSync(dir.path).sort());
  await assert.rejects(async () => {
    for await (const _ of walk(join(dir.path, "nope"))) { /* nothing */ }
  }, (e: unknown) => e instanceof FsError && e.code === "ENOENT");
});

test("walk() over a permission-denied directory: rejects with EACCES, or reports it to onError and goes on", (t) => {
  using dir = tempDir();
  tree(dir.path);
  const denied = join(dir.path, "denied");
  mkdirSync(join(denied, "inner"), { recursive: true });
  writeFileSync(join(denied, "secret"), "s");
  chmodSync(denied, 0);
  try {
    // We are root here: drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (capsh)
    // so the kernel enforces the mode, and walk in a child process.
    if (process.getuid?.() !== 0 || !existsSync("/usr/sbin/capsh")) {
      t.skip("needs root with capsh to drop CAP_DAC_OVERRIDE (or run unprivileged; not implemented)");
      return;
    }
    const mod = new URL("../mod.ts", import.meta.url).pathname;
    const script = join(dir.path, "walk-child.ts");
    writeFileSync(
      script,
      `import { walk } from ${JSON.stringify(mod)};
const errors = [];
const paths = [];
for await (const e of walk(${
        JSON.stringify(dir.path)
      }, { onError: (p, e) => errors.push([p, e.code]) })) paths.push(e.path);
let strict = "resolved";
try { for await (const _ of walk(${
        JSON.stringify(dir.path)
      })) {} } catch (e) { strict = e.code + " " + e.path; }
console.log(JSON.stringify({ errors, paths, strict }));
`,
    );
    const runtime = process.execPath;
    const args = "Bun" in globalThis ? [script] : ["run", "-A", "--quiet", script];
    const out = execFileSync(
      "/usr/sbin/capsh",
      ["--drop=cap_dac_override,cap_dac_read_search", "--", "-c", 'exec "$0" "$@"', runtime, ...args],
      { encoding: "utf8" },
    );
    const r = JSON.parse(out.trim().split("\n").pop()!);
    assert.deepEqual(r.errors, [[denied, "EACCES"]]);
    assert.ok(r.paths.includes(denied), "the denied directory itself is listed by its parent");
    assert.ok(!r.paths.includes(join(denied, "secret")), "its contents are not");
    assert.ok(r.paths.includes(join(dir.path, "a/b/f3")), "the rest of the tree is walked");
    assert.equal(r.strict, `EACCES ${denied}`);
  } finally {
    chmodSync(denied, 0o700);
  }
});

test("walk() of a large directory: every entry with its stat (statx mask set), and the event loop turns", async () => {
  using dir = tempDir();
  const names = new Set<string>();
  for (let i = 0; i < 2500; i++) {
    const nm = `e${i}-${"y".repeat(i % 40)}`;
    writeFileSync(join(dir.path, nm), "z".repeat(i % 7));
    names.add(nm);
  }
  let ticks = 0, stop = false;
  const spin = () => {
    if (!stop) ticks++, setImmediate(spin);
  };
  setImmediate(spin);
  const seen = new Set<string>();
  try {
    for await (const e of walk(dir.path)) {
      assert.ok(names.has(e.name), e.name);
      assert.equal(e.stat.size, Number(/^e(\d+)/.exec(e.name)![1]) % 7, e.name);
      assert.ok(e.isFile && !e.isDirectory);
      assert.ok(((e.stat as { mask?: number }).mask ?? 0) & 0x200, "STATX_SIZE in stx_mask");
      seen.add(e.name);
    }
  } finally {
    stop = true;
  }
  assert.equal(seen.size, names.size);
  assert.ok(ticks > 0, "the event loop turned during the walk");
  // Abort between entries.
  const ac = new AbortController();
  let n = 0;
  await assert.rejects(async () => {
    for await (const _ of walk(dir.path, { signal: ac.signal })) if (++n === 10) ac.abort();
  }, (e: unknown) => (e as Error).name === "AbortError");
});

test("walk(): every stat field matches lstat (size, ino, mode, nlink, uid, gid, blocks, mtime)", async () => {
  using dir = tempDir();
  tree(dir.path);
  writeFileSync(join(dir.path, "big"), new Uint8Array(300_000));
  let n = 0;
  for await (const e of walk(dir.path)) {
    const s = lstatSync(e.path, { bigint: true });
    assert.equal(e.stat.size, Number(s.size), e.path);
    assert.equal(e.stat.ino, Number(s.ino), e.path);
    assert.equal(e.stat.mode, Number(s.mode), e.path);
    assert.equal(e.stat.nlink, Number(s.nlink), e.path);
    assert.equal(e.stat.uid, Number(s.uid), e.path);
    assert.equal(e.stat.gid, Number(s.gid), e.path);
    assert.equal(e.stat.blocks, Number(s.blocks), e.path);
    assert.ok(
      // Within a millisecond: Deno's node:fs lstat gives mtime to the millisecond only.
      Math.abs(e.stat.mtimeMs - Number(s.mtimeNs) / 1e6) < 1,
      `${e.path}: ${e.stat.mtimeMs} vs ${s.mtimeNs}`,
    );
    n++;
  }
  assert.ok(n >= 10);
});
