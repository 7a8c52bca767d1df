/**
 * File copies of page-cached files at 4 KiB, 1 MiB and 1 GiB by default:
 * jsuring's `copyFile` with each method against the runtime's own:
 * `Bun.write(dst, Bun.file(src))` (Bun), `Deno.copyFile` (Deno),
 * `node:fs/promises` copyFile (both), and `cp` (coreutils, a process per
 * copy). Variants run round-robin in one process (bench/_fs.ts); medians of
 * `--rounds` rounds, ratios of medians. The destination is removed before
 * every call, so every variant creates it.
 *
 * usage: deno run -A --v8-flags=--expose-gc bench/copyfile.ts [--sizes=4k,1m,1g] [--rounds=5] [--dir=/var/tmp] [--only=…]
 *        bun bench/copyfile.ts …
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { rmSync, statSync } from "node:fs";
import { copyFile as promisesCopyFile } from "node:fs/promises";
import { copyFile } from "../mod.ts";
import { benchFile, g, parseFsArgs, ratio, runRounds, RUNTIME, type Variant } from "./_fs.ts";

const args = parseFsArgs({ sizes: "4k,1m,1g" });
for (const size of args.sizes) {
  const src = benchFile(args.dir, size);
  const dst = `${args.dir}/jsuring-fsbench-copy-${size}.dat`;
  const done = () => statSync(dst).size;
  const variants: [string, Variant][] = [
    ["jsuring.copyFile", async () => (await copyFile(src, dst), done())],
    ["jsuring.copyFile(readwrite)", async () => (await copyFile(src, dst, { method: "readwrite" }), done())],
    ["jsuring.copyFile(in place)", async () => (await copyFile(src, dst, { atomic: false }), done())],
    ["fs.promises.copyFile", async () => (await promisesCopyFile(src, dst), done())],
    ["cp", () => Promise.resolve((execFileSync("cp", [src, dst]), done()))],
  ];
  const runtimeApis = ["fs.promises.copyFile", "cp"];
  if (RUNTIME === "deno") {
    variants.push(["Deno.copyFile", async () => (await g.Deno.copyFile(src, dst), done())]);
    runtimeApis.push("Deno.copyFile");
  } else {
    variants.push(["Bun.write(Bun.file)", async () => (await g.Bun.write(dst, g.Bun.file(src)), done())]);
    runtimeApis.push("Bun.write(Bun.file)");
  }
  const r = await runRounds("copyfile", size, variants, args, () => rmSync(dst, { force: true }));
  ratio("copyfile", size, r, "jsuring.copyFile", runtimeApis.filter((x) => x !== "cp"), 1);
  ratio("copyfile", size, r, "jsuring.copyFile(in place)", runtimeApis.filter((x) => x !== "cp"), 1);
  rmSync(dst, { force: true });
}
