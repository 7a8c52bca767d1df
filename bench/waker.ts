/**
 * bench/waker.ts — how completions should wake the event loop, by
 * measurement. For each waker this runtime can use (`src/async/_waker.ts`):
 *
 * - wake-up latency: a read is pending on a pipe; JS writes one byte and
 *   times until the read's promise resolves (kernel poll wake → CQE →
 *   eventfd → waker → reap → resolve). Median and p99 over many rounds.
 * - throughput of operations that complete asynchronously (NOPs forced to
 *   io-wq with IOSQE_ASYNC, so every completion needs a wake) at QD 1, 64.
 * - idle CPU: a ring with an operation pending (a 60 s timeout) for a few
 *   seconds: CPU time used over wall time.
 *
 * Prints JSON lines; run under `deno run -A` and `bun run`.
 *
 * @module
 */
import process from "node:process";
import { spawnSync } from "node:child_process";
import { openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { AsyncRing, prepNop, SqeFlag, type WakerKind } from "../mod.ts";
import { emit, IMPL, note, now, parseArgs, RUNTIME } from "./_util.ts";

const args = parseArgs();
const kinds: WakerKind[] = RUNTIME === "deno"
  ? ["thread", "nonblocking", "poll"]
  : ["thread", "stream", "poll"];
const ROUNDS = 3000;

function pipe(): [number, number] {
  // A FIFO gives two plain fds on both runtimes.
  const path = `/tmp/jsuring-waker-${process.pid}-${Math.random().toString(36).slice(2)}`;
  if (spawnSync("mkfifo", [path]).status !== 0) throw new Error("mkfifo failed");
  const r = openSync(path, "r+"); // O_RDWR: the open does not block
  const w = openSync(path, "w");
  unlinkSync(path);
  return [r, w];
}

function cpuSeconds(): number {
  // utime + stime of this process from /proc (clock ticks of 10 ms).
  const f = readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function latency(ring: AsyncRing): Promise<{ p50: number; p99: number }> {
  const [r, w] = pipe();
  const buf = new Uint8Array(1), one = new Uint8Array([1]);
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS + 200; i++) {
    let t0 = 0;
    const p = ring.read(r, buf, -1);
    // The flush microtask (queued by read) submits first; then the write.
    queueMicrotask(() => {
      t0 = now();
      writeSync(w, one);
    });
    await p;
    if (i >= 200) samples.push((now() - t0) * 1000);
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[samples.length >> 1], p99: samples[Math.floor(samples.length * 0.99)] };
}

async function asyncNops(ring: AsyncRing, qd: number, seconds: number): Promise<number> {
  const nop = () =>
    ring.op("nop", (s, at) => {
      prepNop(s, at);
      s.u8[at + 1] = SqeFlag.ASYNC;
    });
  let ops = 0, stop = false;
  const worker = async () => {
    while (!stop) {
      await nop();
      ops++;
    }
  };
  const run = async (secs: number) => {
    ops = 0;
    stop = false;
    const t0 = now();
    const ws = Array.from({ length: qd }, worker);
    await new Promise((r) => setTimeout(r, secs * 1000));
    stop = true;
    await Promise.all(ws);
    return ops / ((now() - t0) / 1000);
  };
  await run(Math.max(0.2, seconds / 10));
  return await run(seconds);
}

async function idleCpu(ring: AsyncRing, seconds: number): Promise<number> {
  const p = ring.sleep(60_000).catch(() => {});
  await new Promise((r) => setTimeout(r, 100));
  const c0 = cpuSeconds(), t0 = now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const pct = ((cpuSeconds() - c0) / ((now() - t0) / 1000)) * 100;
  ring.close();
  await p;
  return pct;
}

for (const waker of kinds) {
  note(`waker ${waker}`);
  for (const defer of [false, true]) {
    const opts = { entries: 256, waker, singleIssuer: defer, deferTaskrun: defer };
    const label = { waker, defer_taskrun: defer };
    {
      const ring = AsyncRing.create(opts);
      const l = await latency(ring);
      emit({
        bench: "waker_latency",
        impl: IMPL,
        ...label,
        p50_us: +l.p50.toFixed(1),
        p99_us: +l.p99.toFixed(1),
      });
      for (const qd of [1, 64]) {
        emit({
          bench: "waker_async_nop",
          impl: IMPL,
          ...label,
          qd,
          ops_per_sec: await asyncNops(ring, qd, args.seconds),
        });
      }
      ring.close();
    }
    const ring = AsyncRing.create(opts);
    emit({
      bench: "waker_idle_cpu",
      impl: IMPL,
      ...label,
      seconds: 3,
      cpu_percent: +(await idleCpu(ring, 3)).toFixed(2),
    });
  }
}
