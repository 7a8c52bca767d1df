/**
 * Whole-file reads of page-cached files into new memory, at 4 KiB, 1 MiB and
 * 1 GiB by default: jsuring's async `readFile` (src/fs/read_write.ts) and
 * `readFileSync` (src/buffers/read_file.ts) against the runtime's own:
 * `Bun.file().bytes()` (Bun), `Deno.readFile` (Deno), `node:fs/promises`
 * readFile and `node:fs` readFileSync (both). Variants run round-robin in
 * one process (bench/_fs.ts); medians of `--rounds` rounds, ratios of medians.
 *
 * usage: deno run -A --v8-flags=--expose-gc bench/readfile.ts [--sizes=4k,1m,1g] [--rounds=5] [--dir=/var/tmp] [--only=…] [FILE…]
 *        bun bench/readfile.ts …
 *
 * @module
 */
import { readFileSync, statSync } from "node:fs";
import { readFile as promisesReadFile } from "node:fs/promises";
import { readFile, readFileSync as jsuReadFileSync } from "../mod.ts";
import { benchFile, g, parseFsArgs, ratio, runRounds, RUNTIME, type Variant } from "./_fs.ts";

const args = parseFsArgs({ sizes: "4k,1m,1g" });
const files = args.files.length ? args.files : args.sizes.map((s) => benchFile(args.dir, s));
for (const file of files) {
  const size = statSync(file).size;
  readFileSync(file);
  const variants: [string, Variant][] = [
    ["jsuring.readFile", async () => (await readFile(file)).length],
    ["jsuring.readFileSync", () => {
      const f = jsuReadFileSync(file);
      return Promise.resolve({ bytes: f.size, free: () => f[Symbol.dispose]() });
    }],
    ["readFileSync", () => Promise.resolve(readFileSync(file).length)],
    ["fs.promises.readFile", async () => (await promisesReadFile(file)).length],
  ];
  const runtimeApis = ["fs.promises.readFile"];
  if (RUNTIME === "deno") {
    variants.push(["Deno.readFile", async () => (await g.Deno.readFile(file) as Uint8Array).length]);
    runtimeApis.push("Deno.readFile");
  } else {
    variants.push(["Bun.file.bytes", async () => (await g.Bun.file(file).bytes() as Uint8Array).length]);
    runtimeApis.push("Bun.file.bytes");
  }
  const r = await runRounds("readfile", size, variants, args);
  ratio("readfile", size, r, "jsuring.readFile", ["jsuring.readFileSync"], 0.8);
  ratio("readfile", size, r, "jsuring.readFile", runtimeApis, 1.5);
}
