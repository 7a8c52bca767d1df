/**
 * IORING_OP_NOP submit+reap throughput through jsuring, the counterpart of
 * `bench/c/nop.c`: each round queues BATCH NOPs, one `submitAndWait(BATCH)`
 * (one `io_uring_enter`) submits them and waits, one `reap()` takes all BATCH
 * CQEs and advances the CQ head once. A 256-entry ring, as the C program.
 *
 * usage: deno run -A bench/nop.ts [--seconds=S] [--only=api,raw,memory] [BATCH ...]
 *        bun bench/nop.ts ...
 *
 * Parts (default: all):
 *   api     `ring.nop()` (no options object: nothing allocated per op), batches 1 8 32 128
 *   raw     `ring.getSqe()` + `prepNop()` + `ring.track()`, the same batches
 *   memory  `ring.nop()` at batch 128 on each ring memory: kernel (mmap'ed),
 *           user (NO_MMAP) on hugetlb, thp and ordinary pages
 *
 * Output, one JSON line per measurement (the memory part adds "sweep":true):
 *   {"bench":"nop","impl":"jsuring-deno","variant":"api","memory":"user-hugetlb","batch":128,"ops_per_sec":N}
 *
 * @module
 */
import { prepNop, Ring } from "../mod.ts";
import type { MemoryRequest, RingMemory } from "../mod.ts";
import { emit, IMPL, measure, memoryLabel, note, parseArgs, wanted } from "./_util.ts";

const ENTRIES = 256;
const args = parseArgs();
const batches = args.rest.length ? args.rest.map(Number) : [1, 8, 32, 128];
for (const b of batches) {
  if (!Number.isInteger(b) || b < 1 || b > ENTRIES) {
    throw new RangeError(`batch must be 1..${ENTRIES}, got ${b}`);
  }
}

let failed = 0;
const onCqe = (res: number): void => {
  if (res !== 0) failed = res;
};

/** Reap exactly `batch` completions (NOPs complete inline: one reap, normally). */
function reapAll(ring: Ring, batch: number): void {
  let got = ring.reap(onCqe);
  while (got < batch) {
    ring.submitAndWait(batch - got);
    got += ring.reap(onCqe);
  }
  if (failed) throw new Error(`nop completed with ${failed}`);
}

function apiRound(ring: Ring, batch: number): number {
  for (let i = 0; i < batch; i++) ring.nop();
  ring.submitAndWait(batch);
  reapAll(ring, batch);
  return batch;
}

function rawRound(ring: Ring, batch: number): number {
  const sqes = ring.sqes;
  for (let i = 0; i < batch; i++) {
    const at = ring.getSqe();
    prepNop(sqes, at);
    ring.track(at);
  }
  ring.submitAndWait(batch);
  reapAll(ring, batch);
  return batch;
}

function run(
  variant: "api" | "raw",
  batch: number,
  memory: RingMemory | undefined,
  hugepages: MemoryRequest | undefined,
  sweep = false,
): void {
  let ring: Ring;
  try {
    ring = Ring.create({ entries: ENTRIES, memory, hugepages });
  } catch (e) {
    note(`nop ${variant} ${memory ?? "default"}/${hugepages ?? "auto"}: skipped, ${(e as Error).message}`);
    return;
  }
  try {
    const round = variant === "api" ? apiRound : rawRound;
    // Read the clock about every 256 NOPs, as the C program does.
    const rate = measure(() => round(ring, batch), args.seconds, Math.max(1, Math.floor(256 / batch)));
    emit({
      bench: "nop",
      impl: IMPL,
      variant,
      memory: memoryLabel(ring),
      batch,
      ...(sweep ? { sweep: true } : {}),
      ops_per_sec: rate,
    });
  } finally {
    ring.close();
  }
}

if (wanted(args, "api")) { for (const b of batches) run("api", b, undefined, undefined); }
if (wanted(args, "raw")) { for (const b of batches) run("raw", b, undefined, undefined); }
if (wanted(args, "memory")) {
  const b = Math.max(...batches);
  run("api", b, "kernel", undefined, true);
  for (const kind of ["hugetlb", "thp", "pages"] as const) run("api", b, "user", kind, true);
}
