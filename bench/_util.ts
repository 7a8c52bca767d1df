/**
 * Shared helpers for the TypeScript benchmarks (`bench/nop.ts`,
 * `bench/randread.ts`): which runtime this is, argument parsing, the timing
 * loop, the fixed-seed offset generator and the JSON-line output that
 * `bench/report.ts` reads (the same format the C programs in `bench/c/` print).
 *
 * Runs unchanged under `deno run -A` and `bun run`.
 *
 * @module
 */
import process from "node:process";
import type { Ring } from "../mod.ts";

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/** "deno" or "bun". */
export const RUNTIME: "deno" | "bun" = typeof g.Bun !== "undefined" ? "bun" : "deno";

/** The `impl` field of every jsuring line from this runtime. */
export const IMPL = `jsuring-${RUNTIME}`;

/** Command-line options shared by the benchmarks. */
export interface BenchArgs {
  /** Seconds per measurement (after a warm-up of a tenth of that, at least 0.1 s). */
  seconds: number;
  /** Positional arguments (the file for randread). */
  rest: string[];
  /** `--only=a,b`: run only these parts (each bench names its parts). */
  only: Set<string> | undefined;
}

/**
 * Parse `--seconds=S` (default 1.5; `BENCH_SECONDS` in the environment
 * overrides the default) and `--only=part,part`.
 */
export function parseArgs(argv: string[] = process.argv.slice(2)): BenchArgs {
  let seconds = Number(process.env.BENCH_SECONDS ?? 1.5);
  let only: Set<string> | undefined;
  const rest: string[] = [];
  for (const a of argv) {
    if (a.startsWith("--seconds=")) seconds = Number(a.slice(10));
    else if (a.startsWith("--only=")) only = new Set(a.slice(7).split(",").filter(Boolean));
    else if (a.startsWith("--")) throw new TypeError(`unknown option ${a}`);
    else rest.push(a);
  }
  if (!(seconds > 0)) throw new RangeError(`--seconds must be > 0, got ${seconds}`);
  return { seconds, rest, only };
}

/** Whether `part` is selected by `--only` (everything is, without it). */
export function wanted(args: BenchArgs, part: string): boolean {
  return !args.only || args.only.has(part);
}

/** Milliseconds, monotonic. */
export const now: () => number = performance.now.bind(performance);

/**
 * Time `round` (which does some operations and returns how many) for about
 * `seconds`, after a warm-up of a tenth of that (at least 0.1 s: the JIT and
 * the CPU frequency settle). The clock is read once per `roundsPerCheck`
 * rounds, so choose it to cover a few hundred operations.
 *
 * @returns operations per second over the timed window
 */
export function measure(round: () => number, seconds: number, roundsPerCheck = 1): number {
  const run = (secs: number): number => {
    let ops = 0;
    const t0 = now();
    const end = t0 + secs * 1000;
    let t = t0;
    do {
      for (let i = 0; i < roundsPerCheck; i++) ops += round();
      t = now();
    } while (t < end);
    return ops / ((t - t0) / 1000);
  };
  run(Math.max(0.1, seconds / 10));
  return run(seconds);
}

/** One result line: `{"bench":..,"impl":..,...,"ops_per_sec":N}` on stdout. */
export function emit(record: Record<string, unknown>): void {
  const out: Record<string, unknown> = { ...record };
  if (typeof out.ops_per_sec === "number") out.ops_per_sec = Math.round(out.ops_per_sec);
  console.log(JSON.stringify(out));
}

/** A progress note on stderr (run.sh shows it, the results file never gets it). */
export function note(message: string): void {
  console.error(`[${IMPL}] ${message}`);
}

/** The ring's memory as report.ts labels it: "kernel", "user-hugetlb", "user-thp", "user-pages". */
export function memoryLabel(ring: Ring): string {
  return ring.memory === "kernel" ? "kernel" : `user-${ring.memoryKind}`;
}

/**
 * xorshift64 (Marsaglia 13/7/17) on two 32-bit halves, seeded like
 * `bench/c/randread.c`, so the TS benchmarks read the same offsets in the same
 * order as the C program. No BigInt: a few integer operations per call.
 */
export class XorShift64 {
  #hi = 0x9e3779b9;
  #lo = 0x7f4a7c15;
  readonly #blocks: number;
  readonly #blockSize: number;
  readonly #twoPow32ModN: number;

  /**
   * @param blocks the number of blocks offsets are drawn from (< 2^21, an 8 GiB file of 4 KiB blocks)
   * @param blockSize bytes per block
   */
  constructor(blocks: number, blockSize = 4096) {
    if (!Number.isInteger(blocks) || blocks < 1 || blocks >= 2 ** 21) {
      throw new RangeError(`blocks must be 1..2^21-1, got ${blocks}`);
    }
    this.#blocks = blocks;
    this.#blockSize = blockSize;
    this.#twoPow32ModN = 4294967296 % blocks;
  }

  /** The next offset: `(x % blocks) * blockSize`, x the next 64-bit state. */
  next(): number {
    let hi = this.#hi, lo = this.#lo;
    // x ^= x << 13
    hi = (hi ^ ((hi << 13) | (lo >>> 19))) >>> 0;
    lo = (lo ^ (lo << 13)) >>> 0;
    // x ^= x >> 7
    lo = (lo ^ ((lo >>> 7) | (hi << 25))) >>> 0;
    hi = (hi ^ (hi >>> 7)) >>> 0;
    // x ^= x << 17
    hi = (hi ^ ((hi << 17) | (lo >>> 15))) >>> 0;
    lo = (lo ^ (lo << 17)) >>> 0;
    this.#hi = hi;
    this.#lo = lo;
    const n = this.#blocks;
    // (hi·2^32 + lo) mod n, exact: (hi mod n)·(2^32 mod n) < 2^42.
    return (((hi % n) * this.#twoPow32ModN + (lo % n)) % n) * this.#blockSize;
  }
}
