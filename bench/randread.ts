/**
 * 4 KiB random reads of a page-cached file through jsuring, against
 * `node:fs` `readSync` in the same runtime; the counterpart of
 * `bench/c/randread.c` and `bench/fio.sh`.
 *
 * usage: deno run -A bench/randread.ts [--seconds=S] [--only=PARTS] FILE
 *        bun bench/randread.ts ...
 *
 * QD reads are kept in flight, each slot with its own preallocated 4 KiB
 * buffer (reused); offsets are 4 KiB-aligned from the fixed-seed xorshift64
 * of the C program (same offsets, same order). BATCH is the number of SQEs
 * per `io_uring_enter` and the number of completions waited for, as fio's
 * `--iodepth_batch_submit=B --iodepth_batch_complete_min=B`: each completion
 * re-queues its slot at once and every B queued SQEs one `submit()` enters
 * the kernel; when fewer than B completions are ready, one
 * `submitAndWait(B)` submits the rest and waits. Completions are reaped in
 * batches (`reap()`, one CQ head store per batch). Page-cached reads
 * complete inline during the enter, so B is exactly the reads per enter.
 *
 * Variants:
 *   read       `ring.read(fd, buf, offset, opts)`, one options object reused
 *              (its `tag`, the slot number, changed per op: no allocation)
 *   fixed      `ring.readFixed(0, buf, offset, slot, opts)`: registered file
 *              (`SqeFlag.FIXED_FILE`) and registered buffers, as fio
 *              `--registerfiles --fixedbufs`
 *   read-raw   `getSqe()` + `prepRead()` + `track()` with precomputed buffer
 *              addresses (no argument checks)
 *   fixed-raw  `getSqe()` + `prepReadFixed()` + `track()`
 *
 * Parts (`--only=`, default all):
 *   readsync  `readSync(fd, buf, 0, 4096, pos)` (pread), QD 1
 *   read      variant read: QD 1 (B 1), QD 32 (B 32), QD 64 (B 1, 8, 32, 64)
 *   fixed     variant fixed: the same points
 *   raw       read-raw and fixed-raw at QD 64, B 32 and 64
 *   memory    variant fixed at QD 64 B 64 on each ring memory: kernel
 *             (mmap'ed), user (NO_MMAP) on hugetlb, thp and ordinary pages
 *
 * Output, one JSON line per measurement (the memory part adds "sweep":true):
 *   {"bench":"randread","impl":"jsuring-deno","variant":"fixed","memory":"user-hugetlb","qd":64,"batch":32,"ops_per_sec":N}
 *   {"bench":"randread","impl":"readsync-deno","qd":1,"batch":1,"ops_per_sec":N}
 *
 * Open the file with `node:fs` `openSync`; prepare it with bench/mkfile.sh.
 *
 * @module
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import process from "node:process";
import { prepRead, prepReadFixed, Ring, SqeFlag } from "../mod.ts";
import type { MemoryRequest, RingMemory } from "../mod.ts";
import { getNative } from "../src/runtime/libs.ts";
import { emit, IMPL, measure, memoryLabel, note, parseArgs, RUNTIME, wanted, XorShift64 } from "./_util.ts";

const BS = 4096;
const args = parseArgs();
if (args.rest.length !== 1) {
  console.error("usage: randread.ts [--seconds=S] [--only=readsync,read,fixed,raw,memory] FILE");
  process.exit(2);
}
const path = args.rest[0];
const fd = openSync(path, "r");
const blocks = Math.floor(fstatSync(fd).size / BS);
if (blocks < 1) throw new RangeError(`${path} is smaller than 4 KiB`);

type Variant = "read" | "fixed" | "read-raw" | "fixed-raw";

/** One ring keeping `qd` reads in flight, submitting `batch` per enter. */
function runRing(
  variant: Variant,
  qd: number,
  batch: number,
  memory?: RingMemory,
  hugepages?: MemoryRequest,
  sweep = false,
): void {
  let ring: Ring;
  try {
    ring = Ring.create({ entries: qd, memory, hugepages });
  } catch (e) {
    note(
      `randread ${variant} ${memory ?? "default"}/${hugepages ?? "auto"}: skipped, ${(e as Error).message}`,
    );
    return;
  }
  try {
    const area = new Uint8Array(qd * BS);
    area.fill(1); // fault the pages in up front, as the C program does
    const bufs: Uint8Array[] = [];
    for (let s = 0; s < qd; s++) bufs.push(area.subarray(s * BS, (s + 1) * BS));
    const native = getNative();
    const addrs = new Float64Array(qd);
    for (let s = 0; s < qd; s++) addrs[s] = native.addressOf(bufs[s]);
    const fixed = variant === "fixed" || variant === "fixed-raw";
    if (fixed) {
      ring.registerFiles([fd]);
      ring.registerBuffers(bufs);
    }
    const sqes = ring.sqes;
    const rng = new XorShift64(blocks, BS);
    const opts = { tag: 0 as unknown, flags: fixed ? SqeFlag.FIXED_FILE : 0 };
    let pending = 0;
    let running = true;
    let bad = 0;

    // Queue slot `slot` at the next offset; enter every `batch` SQEs.
    let queue: (slot: number) => void;
    switch (variant) {
      case "read":
        queue = (slot) => {
          opts.tag = slot;
          ring.read(fd, bufs[slot], rng.next(), opts);
          if (++pending === batch) {
            ring.submit();
            pending = 0;
          }
        };
        break;
      case "fixed":
        queue = (slot) => {
          opts.tag = slot;
          ring.readFixed(0, bufs[slot], rng.next(), slot, opts);
          if (++pending === batch) {
            ring.submit();
            pending = 0;
          }
        };
        break;
      case "read-raw":
        queue = (slot) => {
          const at = ring.getSqe();
          prepRead(sqes, at, fd, addrs[slot], BS, rng.next());
          ring.track(at, slot);
          if (++pending === batch) {
            ring.submit();
            pending = 0;
          }
        };
        break;
      case "fixed-raw":
        queue = (slot) => {
          const at = ring.getSqe();
          prepReadFixed(sqes, at, 0, addrs[slot], BS, rng.next(), slot);
          ring.track(at, slot, SqeFlag.FIXED_FILE);
          if (++pending === batch) {
            ring.submit();
            pending = 0;
          }
        };
        break;
    }
    const onCqe = (res: number, _flags: number, tag: unknown): void => {
      if (res !== BS) bad = res;
      if (running) queue(tag as number);
    };
    const round = (): number => {
      ring.submitAndWait(batch); // submits the < batch still pending, waits for batch
      pending = 0;
      const n = ring.reap(onCqe);
      if (bad) throw new Error(`read completed with ${bad}`);
      return n;
    };

    for (let s = 0; s < qd; s++) queue(s);
    const rate = measure(round, args.seconds, Math.max(1, Math.floor(64 / qd)));
    // Drain: submit what is queued, wait for everything in flight.
    running = false;
    ring.submit();
    while (ring.inFlight > 0) {
      ring.submitAndWait(1);
      ring.reap(onCqe);
    }
    emit({
      bench: "randread",
      impl: IMPL,
      variant,
      memory: memoryLabel(ring),
      qd,
      batch,
      ...(sweep ? { sweep: true } : {}),
      ops_per_sec: rate,
    });
  } finally {
    ring.close();
  }
}

function runReadSync(): void {
  const buf = new Uint8Array(BS);
  const rng = new XorShift64(blocks, BS);
  const round = (): number => {
    for (let i = 0; i < 64; i++) {
      const n = readSync(fd, buf, 0, BS, rng.next());
      if (n !== BS) throw new Error(`readSync returned ${n}`);
    }
    return 64;
  };
  const rate = measure(round, args.seconds);
  emit({ bench: "randread", impl: `readsync-${RUNTIME}`, qd: 1, batch: 1, ops_per_sec: rate });
}

const POINTS: [number, number][] = [[1, 1], [32, 32], [64, 1], [64, 8], [64, 32], [64, 64]];

if (wanted(args, "readsync")) runReadSync();
for (const variant of ["read", "fixed"] as const) {
  if (wanted(args, variant)) { for (const [qd, b] of POINTS) runRing(variant, qd, b); }
}
if (wanted(args, "raw")) {
  for (const variant of ["read-raw", "fixed-raw"] as const) {
    runRing(variant, 64, 32);
    runRing(variant, 64, 64);
  }
}
if (wanted(args, "memory")) {
  runRing("fixed", 64, 64, "kernel", undefined, true);
  for (const kind of ["hugetlb", "thp", "pages"] as const) runRing("fixed", 64, 64, "user", kind, true);
}
closeSync(fd);
