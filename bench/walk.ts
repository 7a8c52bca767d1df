/**
 * Tree walk with a stat of every entry: jsuring's `walk` (getdents64 off the
 * event loop, one statx submission per directory) against the runtime's own
 * in the same process: `fs.promises.readdir(withFileTypes)` + `fs.promises.lstat`
 * of every entry (both runtimes), `Deno.readDir` + `Deno.lstat` (Deno), and the
 * synchronous `readdirSync` + `lstatSync`. Every variant stats all entries of
 * a directory concurrently. The tree (`--files=N`, default 100000, in
 * directories of 100 files, 10 per level) is built once under `--dir` and
 * kept. Medians of `--rounds` rounds, run round-robin.
 *
 * usage: deno run -A --v8-flags=--expose-gc bench/walk.ts [--files=100000] [--rounds=5] [--dir=/var/tmp]
 *        bun bench/walk.ts …
 *
 * @module
 */
import process from "node:process";
import { existsSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { lstat as promisesLstat, readdir as promisesReaddir } from "node:fs/promises";
import { walk } from "../mod.ts";
import { g, note, parseFsArgs, ratio, runRounds, RUNTIME, type Variant } from "./_fs.ts";

let files = 100_000;
const rest = process.argv.slice(2).filter((a) => {
  if (a.startsWith("--files=")) {
    files = Number(a.slice(8));
    return false;
  }
  return true;
});
process.argv.splice(2, process.argv.length, ...rest);
const args = parseFsArgs({ sizes: "1" });
const root = `${args.dir}/jsuring-fsbench-tree-${files}`;
if (!existsSync(`${root}/.complete`)) {
  note(`building ${files} files under ${root}`);
  let made = 0;
  const build = (dir: string, left: number, depth: number): void => {
    mkdirSync(dir, { recursive: true });
    if (left <= 100 || depth >= 4) {
      for (let i = 0; i < left; i++) writeFileSync(`${dir}/f${i}`, "x".repeat(i % 64));
      made += left;
      return;
    }
    const per = Math.ceil(left / 10);
    for (let i = 0; i < 10 && left > 0; i++, left -= per) {
      build(`${dir}/d${i}`, Math.min(per, left), depth + 1);
    }
  };
  build(root, files, 0);
  writeFileSync(`${root}/.complete`, String(made));
}
let entries = 0;
const count = (n: number) => (entries = n);

async function nodeWalk(dir: string): Promise<number> {
  const list = await promisesReaddir(dir, { withFileTypes: true });
  const stats = await Promise.all(list.map((e) => promisesLstat(`${dir}/${e.name}`)));
  let n = list.length;
  for (let i = 0; i < list.length; i++) {
    if (stats[i].isDirectory()) n += await nodeWalk(`${dir}/${list[i].name}`);
  }
  return n;
}
async function denoWalk(dir: string): Promise<number> {
  const list: { name: string }[] = [];
  for await (const e of g.Deno.readDir(dir)) list.push(e);
  const stats = await Promise.all(list.map((e) => g.Deno.lstat(`${dir}/${e.name}`)));
  let n = list.length;
  for (let i = 0; i < list.length; i++) {
    if (stats[i].isDirectory) n += await denoWalk(`${dir}/${list[i].name}`);
  }
  return n;
}
function syncWalk(dir: string): number {
  const list = readdirSync(dir);
  let n = list.length;
  for (const name of list) if (lstatSync(`${dir}/${name}`).isDirectory()) n += syncWalk(`${dir}/${name}`);
  return n;
}

const total = syncWalk(root);
const variants: [string, Variant][] = [
  ["jsuring.walk", async () => {
    let n = 0;
    for await (const _ of walk(root)) n++;
    return count(n) === total ? 1 : 0;
  }],
  ["fs.promises readdir+lstat", async () => (count(await nodeWalk(root)) === total ? 1 : 0)],
  ["readdirSync+lstatSync", () => Promise.resolve(count(syncWalk(root)) === total ? 1 : 0)],
];
const runtimeApis = ["fs.promises readdir+lstat", "readdirSync+lstatSync"];
if (RUNTIME === "deno") {
  variants.push(["Deno.readDir+lstat", async () => (count(await denoWalk(root)) === total ? 1 : 0)]);
  runtimeApis.push("Deno.readDir+lstat");
}
note(`tree: ${total} entries`);
// runRounds counts "bytes" per call: here 1 per complete walk, so ops_per_sec is walks/s.
const r = await runRounds("walk", 1, variants, { ...args, minMs: 0 });
for (const [name, res] of r) note(`walk ${name}: ${(res.opsPerSec * total / 1000).toFixed(0)} k entries/s`);
ratio("walk", 1, r, "jsuring.walk", runtimeApis, 2);
void entries;
