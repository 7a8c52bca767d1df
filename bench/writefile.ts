/**
 * Whole-file writes (create or truncate, write, close) at 4 KiB, 1 MiB and
 * 1 GiB by default: jsuring's `writeFile` against `Bun.write` (Bun),
 * `Deno.writeFile` (Deno) and `node:fs/promises` writeFile (both), plus each
 * with an fdatasync at the end where the API has one. Variants run
 * round-robin in one process (bench/_fs.ts); medians of `--rounds` rounds.
 * The files go to `--dir` (default /var/tmp): check its free space first.
 *
 * usage: deno run -A --v8-flags=--expose-gc bench/writefile.ts [--sizes=4k,1m,1g] [--rounds=5] [--dir=/var/tmp] [--only=…]
 *        bun bench/writefile.ts …
 *
 * @module
 */
import { rmSync } from "node:fs";
import { open as promisesOpen, writeFile as promisesWriteFile } from "node:fs/promises";
import { writeFile } from "../mod.ts";
import { g, parseFsArgs, ratio, runRounds, RUNTIME, type Variant } from "./_fs.ts";

const args = parseFsArgs({ sizes: "4k,1m,1g" });
for (const size of args.sizes) {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(data.subarray(i, Math.min(size, i + 65536)));
  const dst = `${args.dir}/jsuring-fsbench-write-${size}.dat`;
  const variants: [string, Variant][] = [
    ["jsuring.writeFile", async () => (await writeFile(dst, data), size)],
    ["jsuring.writeFile(datasync)", async () => (await writeFile(dst, data, { sync: "data" }), size)],
    ["fs.promises.writeFile", async () => (await promisesWriteFile(dst, data), size)],
    ["fs.promises(datasync)", async () => {
      const f = await promisesOpen(dst, "w");
      await f.writeFile(data);
      await f.datasync();
      await f.close();
      return size;
    }],
  ];
  const runtimeApis = ["fs.promises.writeFile"];
  if (RUNTIME === "deno") {
    variants.push(["Deno.writeFile", async () => (await g.Deno.writeFile(dst, data), size)]);
    runtimeApis.push("Deno.writeFile");
  } else {
    variants.push(["Bun.write", async () => (await g.Bun.write(dst, data), size)]);
    runtimeApis.push("Bun.write");
  }
  const r = await runRounds("writefile", size, variants, args);
  ratio("writefile", size, r, "jsuring.writeFile", runtimeApis, 1.2);
  ratio("writefile", size, r, "jsuring.writeFile(datasync)", ["fs.promises(datasync)"], 1.2);
  rmSync(dst, { force: true });
}
