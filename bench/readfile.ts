/**
 * Whole-file reads of a page-cached file into new memory: jsuring's
 * `readFileSync` (src/buffers/read_file.ts: hugepage-backed arena, large
 * io_uring reads handed to the kernel's workers; and, for reference, the async
 * `readFile` of src/fs) against the runtime's own: `Bun.file().arrayBuffer()`
 * (Bun), `Deno.readFile` (Deno), and `node:fs` `readFileSync` (both).
 *
 * Each is warmed up once, then timed `--passes=N` times (default 5): the best
 * GiB/s is reported, with the peak memory of that call: the rise of the
 * process's peak RSS (VmHWM, reset through /proc/self/clear_refs before each
 * call) over its RSS before the call, as a multiple of the file size.
 * `{"bench":"readfile","impl":"jsuring-bun","variant":"readFile","gib_per_sec":…,"peak_ratio":…}`
 *
 * usage: deno run -A --v8-flags=--expose-gc bench/readfile.ts [--passes=N] [--only=jsuring.readFileSync,readFileSync] [FILE]
 *        bun bench/readfile.ts …
 *
 * @module
 */
import process from "node:process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { readFile as fsReadFile, readFileSync as jsuReadFileSync } from "../mod.ts";
import { getNative } from "../src/runtime/_ffi.ts";
import { IMPL, note, RUNTIME } from "./_util.ts";

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

function status(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}

function resetPeak(): boolean {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

function gc(): void {
  if (!getNative().gc() && typeof g.gc === "function") g.gc();
}

/** One call: returns the bytes and a way to free them now (if the API has one). */
type Impl = () => Promise<{ length: number; first: number; free?: () => void }>;

async function main(): Promise<void> {
  let passes = 5;
  let only: Set<string> | undefined;
  let file = "/var/tmp/jsuring-bench.dat";
  for (const a of process.argv.slice(2)) {
    if (a.startsWith("--passes=")) passes = Number(a.slice(9));
    else if (a.startsWith("--only=")) only = new Set(a.slice(7).split(","));
    else if (a.startsWith("--")) throw new TypeError(`unknown option ${a}`);
    else file = a;
  }
  const size = statSync(file).size;
  const impls: [string, Impl][] = [
    ["jsuring.readFileSync", () => {
      const f = jsuReadFileSync(file);
      return Promise.resolve({ length: f.size, first: f.bytes[0], free: () => f[Symbol.dispose]() });
    }],
    ["jsuring.readFile", async () => {
      const b = await fsReadFile(file);
      return { length: b.length, first: b[0] };
    }],
    ["readFileSync", () => {
      const b = readFileSync(file);
      return Promise.resolve({ length: b.length, first: b[0] });
    }],
  ];
  if (RUNTIME === "deno") {
    impls.push(["Deno.readFile", async () => {
      const b: Uint8Array = await g.Deno.readFile(file);
      return { length: b.length, first: b[0] };
    }]);
  } else {
    impls.push(["Bun.file.arrayBuffer", async () => {
      const b = new Uint8Array(await g.Bun.file(file).arrayBuffer());
      return { length: b.length, first: b[0] };
    }]);
  }
  const canPeak = resetPeak();
  if (!canPeak) note("cannot reset the peak RSS (/proc/self/clear_refs): peak_ratio omitted");
  for (const [variant, run] of impls) {
    if (only && !only.has(variant)) continue;
    let best = 0, bestPeak = NaN, worstPeak = 0;
    for (let i = 0; i <= passes; i++) {
      gc();
      resetPeak();
      const before = status("VmRSS");
      const t0 = performance.now();
      let r = await run();
      const secs = (performance.now() - t0) / 1000;
      const peak = (status("VmHWM") - before) / size;
      if (r.length !== size) throw new Error(`${variant} read ${r.length} of ${size} bytes`);
      r.free?.();
      r = undefined as never;
      if (i === 0) continue; // warm-up
      const gib = size / 2 ** 30 / secs;
      worstPeak = Math.max(worstPeak, peak);
      if (gib > best) {
        best = gib;
        bestPeak = peak;
      }
    }
    note(
      `readfile ${variant}: best ${best.toFixed(2)} GiB/s, peak ${bestPeak.toFixed(2)}× (worst ${
        worstPeak.toFixed(2)
      }×)`,
    );
    const rec: Record<string, unknown> = {
      bench: "readfile",
      impl: IMPL,
      variant,
      gib_per_sec: Number(best.toFixed(3)),
    };
    if (canPeak) {
      rec.peak_ratio = Number(bestPeak.toFixed(3));
      rec.peak_ratio_worst = Number(worstPeak.toFixed(3));
    }
    console.log(JSON.stringify(rec));
  }
}

await main();
