/**
 * Two trees' per-op hot path in ONE process, alternating short slices
 * (A B A B ... 25 ms each), so that machine load drifting during the run
 * hits both alike: on a loaded machine separate processes minutes apart
 * (bench/ab.sh) differ by ±25 % from the load alone. Each tree's mod.ts is
 * imported from its own path (two module instances, two rings).
 *
 * usage: deno run -A bench/ab_inproc.ts BASE_DIR THIS_DIR FILE [--slices=N]
 *        bun bench/ab_inproc.ts BASE_DIR THIS_DIR FILE [--slices=N]
 * FILE: a page-cached file (bench/mkfile.sh). Prints one JSON line per
 * measurement with both medians (ops/s over the slices) and their ratio.
 *
 * @module
 */
import { openSync } from "node:fs";
import process from "node:process";
import { pathToFileURL } from "node:url";

type Mod = typeof import("../mod.ts");
const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const slicesArg = process.argv.find((a) => a.startsWith("--slices="));
const SLICES = slicesArg ? Number(slicesArg.slice(9)) : 40;
const SLICE_MS = 25;
if (args.length !== 3) {
  console.error("usage: ab_inproc.ts BASE_DIR THIS_DIR FILE [--slices=N]");
  process.exit(2);
}
const [baseDir, thisDir, file] = args;
const load = async (dir: string): Promise<Mod> => await import(pathToFileURL(`${dir}/mod.ts`).href);
const trees: Record<"base" | "this", Mod> = { base: await load(baseDir), this: await load(thisDir) };
const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : "deno";
const fd = openSync(file, "r");
const BLOCKS = 8192; // offsets within the first 32 MiB, 4 KiB aligned

/** ops done in one slice by `step` (which returns the ops it did per call). */
function slice(step: () => number): number {
  const end = performance.now() + SLICE_MS;
  let ops = 0;
  while (performance.now() < end) ops += step();
  return ops / (SLICE_MS / 1000);
}

async function asyncSlice(step: () => Promise<number>): Promise<number> {
  const end = performance.now() + SLICE_MS;
  let ops = 0;
  while (performance.now() < end) ops += await step();
  return ops / (SLICE_MS / 1000);
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];

/** A measurement: `make` builds one tree's stepper (and its cleanup). */
type Maker = (m: Mod) => { step: () => number | Promise<number>; close: () => void };

const sinks = { res: 0 };
const onCqe = (res: number): void => {
  sinks.res = res;
};

const MEASURES: Record<string, Maker> = {
  "nop api b1": (m) => {
    const ring = m.Ring.create({ entries: 256 });
    return {
      step: () => (ring.nop(), ring.submitAndWait(1), ring.reap(onCqe), 1),
      close: () => ring.close(),
    };
  },
  "nop api b32": (m) => {
    const ring = m.Ring.create({ entries: 256 });
    return {
      step: () => {
        for (let i = 0; i < 32; i++) ring.nop();
        ring.submitAndWait(32);
        ring.reap(onCqe);
        return 32;
      },
      close: () => ring.close(),
    };
  },
  "nop raw b32": (m) => {
    const ring = m.Ring.create({ entries: 256 });
    return {
      step: () => {
        for (let i = 0; i < 32; i++) {
          const at = ring.getSqe();
          m.prepNop(ring.sqes, at);
          ring.track(at);
        }
        ring.submitAndWait(32);
        ring.reap(onCqe);
        return 32;
      },
      close: () => ring.close(),
    };
  },
  "read 4KiB qd32 b32": (m) => {
    const ring = m.Ring.create({ entries: 256 });
    const bufs = Array.from({ length: 32 }, () => new Uint8Array(4096));
    let n = 1;
    return {
      step: () => {
        for (let i = 0; i < 32; i++) {
          n = (n * 1103515245 + 12345) >>> 0;
          ring.read(fd, bufs[i], (n % BLOCKS) * 4096);
        }
        ring.submitAndWait(32);
        ring.reap(onCqe);
        return 32;
      },
      close: () => ring.close(),
    };
  },
  "async read 4KiB qd1": (m) => {
    const ring = m.AsyncRing.create({ entries: 64 });
    const buf = new Uint8Array(4096);
    let n = 1;
    return {
      step: async () => {
        n = (n * 1103515245 + 12345) >>> 0;
        await ring.read(fd, buf, (n % BLOCKS) * 4096);
        return 1;
      },
      close: () => ring.close(),
    };
  },
};

for (const [name, make] of Object.entries(MEASURES)) {
  const a = make(trees.base), b = make(trees.this);
  const got: Record<"base" | "this", number[]> = { base: [], this: [] };
  // Warm-up (JIT) for both, then alternate; the order flips every slice pair.
  for (const t of [a, b]) {
    const s = t.step();
    if (s instanceof Promise) await s, await asyncSlice(t.step as () => Promise<number>);
    else slice(t.step as () => number);
  }
  for (let i = 0; i < SLICES; i++) {
    const order: ["base" | "this", typeof a][] = i % 2
      ? [["this", b], ["base", a]]
      : [["base", a], ["this", b]];
    for (const [label, t] of order) {
      const isAsync = name.startsWith("async");
      got[label].push(
        isAsync ? await asyncSlice(t.step as () => Promise<number>) : slice(t.step as () => number),
      );
    }
  }
  a.close();
  b.close();
  const base = median(got.base), self = median(got.this);
  console.log(JSON.stringify({
    bench: "ab_inproc",
    runtime,
    measure: name,
    base_ops_per_sec: Math.round(base),
    this_ops_per_sec: Math.round(self),
    ratio: Number((self / base).toFixed(3)),
  }));
}
process.exit(0);
