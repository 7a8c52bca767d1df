/**
 * How long loading the companion library takes, in a fresh process each time:
 * the bundled bytes through a memfd (base64 decode + sha256 + memfd_create +
 * write + dlopen) against dlopen of the same library from a file path
 * (JSURING_COMPANION). Run: deno run -A bench/companion_load.ts [runs]
 * (it starts child processes of Deno and Bun; the child is this same file
 * with an argument).
 */
import process from "node:process";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

if (process.argv.includes("--child")) {
  const { libjsuring } = await import("../src/runtime/libs.ts");
  const t0 = performance.now();
  libjsuring().jsu_version();
  console.log((performance.now() - t0).toFixed(3));
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
const root = fileURLToPath(new URL("..", import.meta.url));
const so = `${root}ffi/build/libjsuring.so`;
execFileSync("make", ["-s", "-C", `${root}ffi`]);
const runs = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 15);
const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1];
const deno = `${root}node_modules/.bin/deno`, bun = `${root}node_modules/.bin/bun`;
for (const [rt, args] of [[deno, ["run", "-A", self, "--child"]], [bun, [self, "--child"]]] as const) {
  const memfd: number[] = [], file: number[] = [];
  for (let i = 0; i < runs; i++) {
    const env = { ...process.env };
    delete env.JSURING_COMPANION;
    memfd.push(Number(execFileSync(rt, args, { env, encoding: "utf8" })));
    file.push(Number(execFileSync(rt, args, { env: { ...env, JSURING_COMPANION: so }, encoding: "utf8" })));
  }
  const m = median(memfd), f = median(file);
  console.log(
    `${rt.endsWith("deno") ? "deno" : "bun "}: memfd ${m.toFixed(2)} ms, file path ${f.toFixed(2)} ms (median of ${runs}), ratio ${(m / f).toFixed(2)}×`,
  );
}
