/**
 * 4 KiB random reads of a page-cached file through the async API, against
 * the runtime's own async file APIs and jsuring's synchronous batched path,
 * all in one run of one runtime.
 *
 * usage: deno run -A bench/async_read.ts [--seconds=S] [--only=PARTS] FILE
 *        bun bench/async_read.ts ...
 *
 * QD workers each keep one read in flight (`await` in a loop, own 4 KiB
 * buffer); offsets come from the fixed-seed xorshift64 of bench/c/randread.c.
 *
 * Parts (`--only=`, default all):
 *   async        jsuring AsyncRing.read, QD 1 and 64 (plain ring)
 *   async-defer  the same on a SINGLE_ISSUER|DEFER_TASKRUN ring
 *   async-fixed  AsyncRing.readFixed (registered buffers), QD 1 and 64
 *   fs           jsuring fs: open(path, { register: false }) then File.read
 *   fs-registered the same with the file in the ring's registered file table
 *                (IOSQE_FIXED_FILE), open()'s default
 *   nodefs       node:fs/promises FileHandle.read(buf, 0, 4096, pos), QD 1 and 64
 *   runtime      Deno: Deno.FsFile seek+read (one FsFile per worker);
 *                Bun: Bun.file(path).slice(pos, pos + 4096).arrayBuffer()
 *   sync         jsuring Ring, synchronous: QD reads queued, one
 *                submitAndWait per batch of QD (QD 1 and 64)
 *
 * Output:
 *   {"bench":"async_randread","impl":"jsuring-deno","variant":"async","qd":64,"ops_per_sec":N}
 *   {"bench":"async_randread","impl":"deno-fsfile","qd":64,"ops_per_sec":N}
 *
 * @module
 */
import { closeSync, fstatSync, openSync } from "node:fs";
import { open as openPromise } from "node:fs/promises";
import process from "node:process";
import { AsyncRing, open, Ring } from "../mod.ts";
import { emit, IMPL, measure, note, now, parseArgs, RUNTIME, wanted, XorShift64 } from "./_util.ts";

const BS = 4096;
const args = parseArgs();
if (args.rest.length !== 1) {
  console.error(
    "usage: async_read.ts [--seconds=S] [--only=async,async-defer,async-fixed,fs,fs-registered,nodefs,runtime,sync] FILE",
  );
  process.exit(2);
}
const path = args.rest[0];
const fd = openSync(path, "r");
const blocks = Math.floor(fstatSync(fd).size / BS);
// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/** Run `qd` workers of `op` for the measurement window; returns ops/s. */
async function measureAsync(
  qd: number,
  op: (slot: number, offset: number) => Promise<unknown>,
): Promise<number> {
  const rng = new XorShift64(blocks, BS);
  const run = async (secs: number) => {
    let ops = 0;
    let stop = false;
    const t0 = now();
    const worker = async (slot: number) => {
      while (!stop) {
        await op(slot, rng.next());
        ops++;
      }
    };
    const timer = setTimeout(() => (stop = true), secs * 1000);
    await Promise.all(Array.from({ length: qd }, (_, i) => worker(i)));
    clearTimeout(timer);
    return ops / ((now() - t0) / 1000);
  };
  await run(Math.max(0.1, args.seconds / 10));
  return await run(args.seconds);
}

function buffers(qd: number): Uint8Array[] {
  const area = new Uint8Array(qd * BS).fill(1);
  return Array.from({ length: qd }, (_, i) => area.subarray(i * BS, (i + 1) * BS));
}

const QDS = [1, 64];

for (
  const [part, opts] of [["async", {}], ["async-defer", { singleIssuer: true, deferTaskrun: true }]] as const
) {
  if (!wanted(args, part)) continue;
  for (const qd of QDS) {
    const ring = AsyncRing.create({ entries: 128, ...opts });
    const bufs = buffers(qd);
    const r = await measureAsync(qd, async (slot, off) => {
      const n = await ring.read(fd, bufs[slot], off);
      if (n !== BS) throw new Error(`short read ${n}`);
    });
    emit({ bench: "async_randread", impl: IMPL, variant: part, waker: ring.waker, qd, ops_per_sec: r });
    ring.close();
  }
}

if (wanted(args, "async-fixed")) {
  for (const qd of QDS) {
    const ring = AsyncRing.create({ entries: 128 });
    const bufs = buffers(qd);
    ring.ring.registerBuffers(bufs);
    const r = await measureAsync(qd, (slot, off) => ring.readFixed(fd, bufs[slot], off, slot));
    emit({
      bench: "async_randread",
      impl: IMPL,
      variant: "async-fixed",
      waker: ring.waker,
      qd,
      ops_per_sec: r,
    });
    ring.close();
  }
}

for (const [part, register] of [["fs", false], ["fs-registered", true]] as const) {
  if (!wanted(args, part)) continue;
  for (const qd of QDS) {
    const ring = AsyncRing.create({ entries: 128 });
    const f = await open(path, "r", { ring, register });
    const bufs = buffers(qd);
    const r = await measureAsync(qd, (slot, off) => f.read(bufs[slot], off));
    emit({ bench: "async_randread", impl: IMPL, variant: part, waker: ring.waker, qd, ops_per_sec: r });
    await f.close();
    ring.close();
  }
}

if (wanted(args, "nodefs")) {
  const fh = await openPromise(path, "r");
  for (const qd of QDS) {
    const bufs = buffers(qd);
    const r = await measureAsync(qd, (slot, off) => fh.read(bufs[slot], 0, BS, off));
    emit({ bench: "async_randread", impl: `nodefs-promises-${RUNTIME}`, qd, ops_per_sec: r });
  }
  await fh.close();
}

if (wanted(args, "runtime")) {
  if (RUNTIME === "deno") {
    for (const qd of QDS) {
      const files = Array.from({ length: qd }, () => g.Deno.openSync(path, { read: true }));
      const bufs = buffers(qd);
      const r = await measureAsync(qd, async (slot, off) => {
        const f = files[slot];
        await f.seek(off, g.Deno.SeekMode.Start);
        await f.read(bufs[slot]);
      });
      emit({ bench: "async_randread", impl: "deno-fsfile", qd, ops_per_sec: r });
      files.forEach((f: { close(): void }) => f.close());
    }
  } else {
    const file = g.Bun.file(path);
    for (const qd of QDS) {
      const r = await measureAsync(qd, (_slot, off) => file.slice(off, off + BS).arrayBuffer());
      emit({ bench: "async_randread", impl: "bun-file-slice", qd, ops_per_sec: r });
    }
  }
}

if (wanted(args, "sync")) {
  for (const qd of QDS) {
    const ring = Ring.create({ entries: qd });
    const bufs = buffers(qd);
    const rng = new XorShift64(blocks, BS);
    const reap = () => {};
    const r = measure(
      () => {
        for (let s = 0; s < qd; s++) ring.read(fd, bufs[s], rng.next());
        ring.submitAndWait(qd);
        return ring.reap(reap);
      },
      args.seconds,
      Math.max(1, 256 / qd),
    );
    emit({ bench: "async_randread", impl: IMPL, variant: "sync-batched", qd, ops_per_sec: r });
    ring.close();
  }
}

closeSync(fd);
note("async_randread done");
