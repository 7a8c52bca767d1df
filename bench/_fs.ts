/**
 * The harness of the file benchmarks (`bench/readfile.ts`, `bench/writefile.ts`,
 * `bench/copyfile.ts`): every variant runs in the same process, round-robin
 * (the order rotates each round, so a burst of load from another process hits
 * all variants alike), `--rounds=N` times; each variant's median throughput and
 * median peak memory are reported, and the ratios asked for are computed from
 * the medians of this one run.
 *
 * Peak memory: the rise of the process's peak RSS (VmHWM, reset through
 * /proc/self/clear_refs before each call) over its RSS before the call, as a
 * multiple of the size. Small sizes repeat the call for at least
 * `--min-ms` (default 200 ms) per sample; their peak is not reported.
 *
 * @module
 */
import process from "node:process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { getNative } from "../src/runtime/_ffi.ts";
import { IMPL, note, RUNTIME } from "./_util.ts";

// deno-lint-ignore no-explicit-any
export const g = globalThis as any;
export { IMPL, note, RUNTIME };

/** One call of a variant on a file of `size` bytes: returns bytes handled, and a way to free them (if any). */
export type Variant = (size: number) => Promise<{ bytes: number; free?: () => void } | number>;

/** Command line: `--sizes=4k,1m,1g --rounds=5 --dir=/var/tmp --min-ms=200 --only=a,b [FILE]`. */
export interface FsBenchArgs {
  sizes: number[];
  rounds: number;
  dir: string;
  minMs: number;
  only?: Set<string>;
  files: string[];
}

/** Parse `4k`, `1m`, `1g`, or bytes. */
export function parseSize(s: string): number {
  const m = /^(\d+)([kmg]?)$/i.exec(s.trim());
  if (!m) throw new TypeError(`bad size ${JSON.stringify(s)} (4k, 1m, 1g or bytes)`);
  return Number(m[1]) *
    ({ "": 1, k: 1024, m: 1 << 20, g: 1 << 30 } as Record<string, number>)[m[2].toLowerCase()];
}

/** Size as `4 KiB`, `1 MiB`, `1 GiB`. */
export function label(size: number): string {
  if (size >= 1 << 30 && size % (1 << 30) === 0) return `${size / 2 ** 30} GiB`;
  if (size >= 1 << 20 && size % (1 << 20) === 0) return `${size / 2 ** 20} MiB`;
  if (size >= 1024 && size % 1024 === 0) return `${size / 1024} KiB`;
  return `${size} B`;
}

export function parseFsArgs(defaults: { sizes: string }): FsBenchArgs {
  const a: FsBenchArgs = {
    sizes: defaults.sizes.split(",").map(parseSize),
    rounds: Number(process.env.BENCH_ROUNDS ?? 5),
    dir: "/var/tmp",
    minMs: 200,
    files: [],
  };
  for (const x of process.argv.slice(2)) {
    if (x.startsWith("--sizes=")) a.sizes = x.slice(8).split(",").map(parseSize);
    else if (x.startsWith("--rounds=")) a.rounds = Number(x.slice(9));
    else if (x.startsWith("--passes=")) a.rounds = Number(x.slice(9)); // the old name
    else if (x.startsWith("--dir=")) a.dir = x.slice(6);
    else if (x.startsWith("--min-ms=")) a.minMs = Number(x.slice(9));
    else if (x.startsWith("--only=")) a.only = new Set(x.slice(7).split(","));
    else if (x.startsWith("--")) throw new TypeError(`unknown option ${x}`);
    else a.files.push(x);
  }
  if (!(a.rounds >= 1)) throw new RangeError(`--rounds must be ≥ 1, got ${a.rounds}`);
  return a;
}

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

export function gc(): void {
  if (!getNative().gc() && typeof g.gc === "function") g.gc();
}

/** A file of `size` random bytes in `dir` (kept between runs), read once so it is in the page cache. */
export function benchFile(dir: string, size: number): string {
  const path = `${dir}/jsuring-fsbench-${size}.dat`;
  if (!existsSync(path) || statSync(path).size !== size) {
    const chunk = new Uint8Array(Math.min(size, 16 << 20));
    for (let i = 0; i < chunk.length; i += 65536) crypto.getRandomValues(chunk.subarray(i, i + 65536));
    writeFileSync(path, new Uint8Array(0));
    for (let at = 0; at < size; at += chunk.length) {
      writeFileSync(path, chunk.subarray(0, Math.min(chunk.length, size - at)), { flag: "a" });
    }
  }
  readFileSync(path); // into the page cache
  return path;
}

/** Per-variant medians. */
export interface Result {
  variant: string;
  gibPerSec: number;
  opsPerSec: number;
  peak: number;
  /** Median CPU time (user + system, all threads of the process) per call, µs: independent of the machine's load. */
  cpuUs: number;
  samples: number[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Run `variants` round-robin for `rounds` rounds (plus one warm-up round) on
 * `size`; returns the medians, prints one JSON line per variant
 * (`{"bench":name,"impl":…,"variant":…,"size":…,"gib_per_sec":…,"peak_ratio":…}`).
 */
export async function runRounds(
  bench: string,
  size: number,
  variants: [string, Variant][],
  args: FsBenchArgs,
  before?: () => void,
): Promise<Map<string, Result>> {
  const canPeak = resetPeak();
  const list = variants.filter(([n]) => !args.only || args.only.has(n));
  const samples = new Map<string, { gib: number[]; ops: number[]; peak: number[]; cpu: number[] }>();
  for (const [n] of list) samples.set(n, { gib: [], ops: [], peak: [], cpu: [] });
  for (let round = 0; round <= args.rounds; round++) {
    for (let k = 0; k < list.length; k++) {
      const [name, run] = list[(k + round) % list.length];
      before?.();
      gc();
      resetPeak();
      const rss0 = status("VmRSS");
      let calls = 0, bytes = 0;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      let t = t0;
      do {
        const r = await run(size);
        const n = typeof r === "number" ? r : r.bytes;
        if (n !== size) throw new Error(`${bench} ${name}: handled ${n} of ${size} bytes`);
        if (typeof r !== "number") r.free?.();
        calls++;
        bytes += n;
        t = performance.now();
      } while (t - t0 < args.minMs && size < 64 << 20);
      const c = process.cpuUsage(c0);
      const peak = (status("VmHWM") - rss0) / size;
      if (round === 0) continue; // warm-up
      const s = samples.get(name)!;
      s.cpu.push((c.user + c.system) / calls);
      s.gib.push(bytes / 2 ** 30 / ((t - t0) / 1000));
      s.ops.push(calls / ((t - t0) / 1000));
      if (calls === 1) s.peak.push(peak);
    }
  }
  const out = new Map<string, Result>();
  for (const [name, s] of samples) {
    const r: Result = {
      variant: name,
      gibPerSec: median(s.gib),
      opsPerSec: median(s.ops),
      peak: canPeak && s.peak.length ? median(s.peak) : NaN,
      cpuUs: median(s.cpu),
      samples: s.gib,
    };
    out.set(name, r);
    const rec: Record<string, unknown> = {
      bench,
      impl: IMPL,
      variant: name,
      size,
      rounds: args.rounds,
      gib_per_sec: Number(r.gibPerSec.toFixed(3)),
      ops_per_sec: Math.round(r.opsPerSec),
      cpu_us_per_call: Number(r.cpuUs.toFixed(1)),
    };
    if (!Number.isNaN(r.peak)) rec.peak_ratio = Number(r.peak.toFixed(3));
    console.log(JSON.stringify(rec));
    note(
      `${bench} ${label(size)} ${name}: median ${r.gibPerSec.toFixed(2)} GiB/s (${
        Math.round(r.opsPerSec)
      } calls/s, ${r.cpuUs.toFixed(1)} µs CPU/call)${
        Number.isNaN(r.peak) ? "" : `, peak ${r.peak.toFixed(2)}×`
      } [${s.gib.map((x) => x.toFixed(2)).join(" ")}]`,
    );
  }
  return out;
}

/** Print and emit `ours / theirs` for the medians of this run. */
export function ratio(
  bench: string,
  size: number,
  results: Map<string, Result>,
  ours: string,
  theirs: string[],
  target?: number,
): void {
  const o = results.get(ours);
  const base = theirs.map((t) => results.get(t)).filter((r): r is Result => !!r);
  if (!o || !base.length) return;
  const best = base.reduce((a, b) => (b.gibPerSec > a.gibPerSec ? b : a));
  const x = o.gibPerSec / best.gibPerSec;
  note(
    `${bench} ${label(size)}: ${ours} / ${best.variant} = ${x.toFixed(2)}×${
      target ? ` (target ≥ ${target}×: ${x >= target ? "met" : "missed"})` : ""
    }`,
  );
  console.log(JSON.stringify({
    bench,
    impl: IMPL,
    ratio: `${ours}/${best.variant}`,
    size,
    value: Number(x.toFixed(3)),
    ...(target ? { target } : {}),
  }));
  // CPU per call: the least of the baselines over ours (> 1: ours costs less), whatever the load.
  const leanest = base.reduce((a, b) => (b.cpuUs < a.cpuUs ? b : a));
  const cx = leanest.cpuUs / o.cpuUs;
  note(`${bench} ${label(size)}: CPU per call ${leanest.variant} / ${ours} = ${cx.toFixed(2)}×`);
  console.log(JSON.stringify({
    bench,
    impl: IMPL,
    cpu_ratio: `${leanest.variant}/${ours}`,
    size,
    value: Number(cx.toFixed(3)),
  }));
}

export { RUNTIME as runtime };
