/**
 * Many small files read whole: 10,000 files of 1–16 KiB (`--files=N`), each
 * opened, read and closed, 64 at a time, with jsuring's `readFile` (and
 * `readFiles` of the whole list at once) against
 * `fs.promises.readFile` (both runtimes), `Deno.readFile` (Deno) and
 * `Bun.file().bytes()` (Bun), and the synchronous `readFileSync` loop.
 * Medians of `--rounds` rounds, run round-robin in one process.
 *
 * usage: deno run -A --v8-flags=--expose-gc bench/smallfiles.ts [--files=10000] [--rounds=5] [--dir=/var/tmp]
 *        bun bench/smallfiles.ts …
 *
 * @module
 */
import process from "node:process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { readFile as promisesReadFile } from "node:fs/promises";
import { readFile, readFiles } from "../mod.ts";
import { g, note, parseFsArgs, ratio, runRounds, RUNTIME, type Variant } from "./_fs.ts";

let files = 10_000;
const rest = process.argv.slice(2).filter((a) => {
  if (a.startsWith("--files=")) {
    files = Number(a.slice(8));
    return false;
  }
  return true;
});
process.argv.splice(2, process.argv.length, ...rest);
const args = parseFsArgs({ sizes: "1" });
const root = `${args.dir}/jsuring-fsbench-small-${files}`;
const paths: string[] = [];
let bytes = 0;
if (!existsSync(`${root}/.complete`)) mkdirSync(root, { recursive: true });
for (let i = 0; i < files; i++) {
  const size = 1024 + ((i * 7919) % (15 * 1024 + 1)); // 1..16 KiB, spread
  const p = `${root}/${Math.floor(i / 1000)}-${i}`;
  if (!existsSync(`${root}/.complete`)) {
    if (i % 1000 === 0) mkdirSync(root, { recursive: true });
    writeFileSync(p, new Uint8Array(size).fill(i & 255));
  }
  paths.push(p);
  bytes += size;
}
writeFileSync(`${root}/.complete`, "");
for (const p of paths) readFileSync(p); // page cache

async function pool(read: (p: string) => Promise<{ length: number }>): Promise<number> {
  let next = 0, total = 0;
  const worker = async () => {
    while (next < paths.length) {
      const b = await read(paths[next++]);
      total += b.length;
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  return total;
}

const variants: [string, Variant][] = [
  ["jsuring.readFile", () => pool((p) => readFile(p))],
  ["jsuring.readFiles", async () => {
    let t = 0;
    for (const b of await readFiles(paths)) t += b.length;
    return t;
  }],
  ["fs.promises.readFile", () => pool((p) => promisesReadFile(p))],
  ["readFileSync", () => {
    let t = 0;
    for (const p of paths) t += readFileSync(p).length;
    return Promise.resolve(t);
  }],
];
const runtimeApis = ["fs.promises.readFile", "readFileSync"];
if (RUNTIME === "deno") {
  variants.push(["Deno.readFile", () => pool((p) => g.Deno.readFile(p))]);
  runtimeApis.push("Deno.readFile");
} else {
  variants.push(["Bun.file.bytes", () => pool((p) => g.Bun.file(p).bytes())]);
  runtimeApis.push("Bun.file.bytes");
}
note(`${files} files, ${(bytes / 2 ** 20).toFixed(1)} MiB`);
const r = await runRounds("smallfiles", bytes, variants, { ...args, minMs: 0 });
for (const [name, res] of r) {
  note(`smallfiles ${name}: ${(res.opsPerSec * files / 1000).toFixed(1)} k files/s`);
}
ratio("smallfiles", bytes, r, "jsuring.readFile", runtimeApis, 2);
ratio("smallfiles", bytes, r, "jsuring.readFiles", runtimeApis, 2);
