/**
 * Cost of a wait round trip: queue 1 NOP, one `io_uring_enter` submits it
 * and waits for 1 completion, reap it. The paths:
 *
 *   ext_arg_reg  registered wait slot (IORING_ENTER_EXT_ARG_REG, 6.13) with a
 *                1 s timeout; the kernel reads the slot from the param region
 *   ext_arg      the same timeout through IORING_ENTER_EXT_ARG: a prepared
 *                getevents argument + timespec the kernel copies in per call
 *   ring_waitfor `Ring.waitFor(1, 1000)`: EXT_ARG, building the timespec per call
 *   plain        `submitAndWait(1)`: plain enter, no timeout
 *
 * and, for the registered path, where the region lives (`placement`):
 *   ring-arena   carved from the ring's own arena, on the rings' hugepage
 *   own-pages    its own allocation of ordinary pages
 *   kernel       kernel-allocated, mmap'ed from the ring fd
 *
 * The paths are measured in turns (REPEATS rounds, each path once per round)
 * so that noise from the shared machine spreads over all of them; the line
 * gives the median and the best round in ns per round trip.
 *
 * usage: deno run -A bench/wait.ts [--seconds=S] [--only=paths,placement]
 *        bun bench/wait.ts ...
 *
 * Output, one JSON line per measurement:
 *   {"bench":"wait","impl":"jsuring-deno","path":"ext_arg_reg","placement":"ring-arena",
 *    "memory":"user-hugetlb","ns_per_roundtrip":N,"ns_best":N,"ops_per_sec":N,"rounds":5}
 *
 * @module
 */
import { createRingWithRegion, ParamRegion, Ring, WaitSlots } from "../mod.ts";
import type { WaitSlot } from "../mod.ts";
import { emit, IMPL, measure, note, parseArgs, wanted } from "./_util.ts";

const args = parseArgs();
const REPEATS = 5;
const TIMEOUT_MS = 1000;

interface Case {
  path: string;
  placement?: string;
  memory: string;
  ring: Ring;
  round: () => number;
  close: () => void;
  samples: number[];
}

let failed = 0;
const onCqe = (res: number): void => {
  if (res !== 0) failed = res;
};

function check(ring: Ring): void {
  let n = ring.reap(onCqe);
  while (n < 1) {
    ring.submitAndWait(1);
    n += ring.reap(onCqe);
  }
  if (failed) throw new Error(`nop completed with ${failed}`);
}

function regionCase(placement: "ring-arena" | "own-pages" | "kernel"): Case | undefined {
  let ring: Ring, region: ParamRegion | undefined;
  try {
    if (placement === "ring-arena") {
      ({ ring, region } = createRingWithRegion({ entries: 64, waitSlots: 4 }));
    } else {
      ring = Ring.create({ entries: 64, disabled: true });
      region = ParamRegion.register(ring, {
        waitSlots: 4,
        ...(placement === "kernel" ? { memory: "kernel" as const } : { hugepages: "pages" as const }),
      });
      ring.enable();
    }
  } catch (e) {
    note(`wait ext_arg_reg/${placement}: skipped, ${(e as Error).message}`);
    return undefined;
  }
  const waits = new WaitSlots(ring);
  const slot: WaitSlot = waits.acquire({ timeout: TIMEOUT_MS });
  const r = ring;
  return {
    path: "ext_arg_reg",
    placement,
    memory: region!.memory === "kernel" ? "kernel" : `user-${region!.memoryKind}`,
    ring,
    round() {
      r.nop();
      waits.wait(1, slot);
      check(r);
      return 1;
    },
    close: () => ring.close(),
    samples: [],
  };
}

function plainCase(path: "ext_arg" | "ring_waitfor" | "plain"): Case {
  const ring = Ring.create({ entries: 64 });
  const waits = new WaitSlots(ring, { path: "ext_arg" });
  const slot = waits.acquire({ timeout: TIMEOUT_MS });
  const round = path === "ext_arg"
    ? () => {
      ring.nop();
      waits.wait(1, slot);
      check(ring);
      return 1;
    }
    : path === "ring_waitfor"
    ? () => {
      ring.nop();
      ring.waitFor(1, TIMEOUT_MS);
      check(ring);
      return 1;
    }
    : () => {
      ring.nop();
      ring.submitAndWait(1);
      check(ring);
      return 1;
    };
  return {
    path,
    memory: ring.memory === "kernel" ? "kernel" : `user-${ring.memoryKind}`,
    ring,
    round,
    close: () => ring.close(),
    samples: [],
  };
}

const cases: Case[] = [];
if (wanted(args, "paths")) {
  const reg = regionCase("ring-arena");
  if (reg) cases.push(reg);
  cases.push(plainCase("ext_arg"), plainCase("ring_waitfor"), plainCase("plain"));
}
if (wanted(args, "placement")) {
  for (const p of ["own-pages", "kernel"] as const) {
    const c = regionCase(p);
    if (c) cases.push(c);
  }
  if (!wanted(args, "paths")) {
    const reg = regionCase("ring-arena");
    if (reg) cases.unshift(reg);
  }
}

try {
  for (let rep = 0; rep < REPEATS; rep++) {
    for (const c of cases) {
      const rate = measure(c.round, args.seconds / REPEATS, 256);
      c.samples.push(1e9 / rate);
    }
  }
  for (const c of cases) {
    const sorted = c.samples.slice().sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    emit({
      bench: "wait",
      impl: IMPL,
      path: c.path,
      ...(c.placement ? { placement: c.placement } : {}),
      memory: c.memory,
      ns_per_roundtrip: Math.round(median),
      ns_best: Math.round(sorted[0]),
      ops_per_sec: 1e9 / median,
      rounds: REPEATS,
    });
  }
} finally {
  for (const c of cases) c.close();
}
