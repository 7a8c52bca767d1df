/**
 * Streaming a page-cached file in 64 KiB chunks, each chunk looked at (one
 * byte per 4 KiB summed, as `bench/c/stream.c` does) and its buffer then
 * reused, five ways:
 *
 * - `plain`: IORING_OP_READ into 16 reused 64 KiB buffers;
 * - `provided`: a legacy provided-buffer group of 16 (one PROVIDE_BUFFERS SQE per recycle);
 * - `bufring`: a buffer ring of 16 (recycle = descriptor write + tail store);
 * - `bufring-inc`: an incremental buffer ring of 4 × 1 MiB, 64 KiB reads out of each;
 * - `fixed`: READ_FIXED into 16 registered 64 KiB buffers.
 *
 * Each variant keeps 8 reads in flight, makes one warm-up pass and reports the
 * best of `--passes=N` (default 5) passes over the file, as GiB/s:
 * `{"bench":"stream","impl":"jsuring-deno","variant":"bufring","chunk":65536,"gib_per_sec":…}`.
 *
 * usage: deno run -A bench/stream.ts [--passes=N] [--only=plain,bufring] [FILE]
 *        bun bench/stream.ts …      (FILE default /var/tmp/jsuring-bench.dat; bench/mkfile.sh makes it)
 *
 * @module
 */
import process from "node:process";
import { closeSync, fstatSync, openSync } from "node:fs";
import { Arena, type BufferGroup, BufferRing, FixedBuffers, ProvidedBuffers, Ring } from "../mod.ts";
import { IMPL, note } from "./_util.ts";

const CHUNK = 65536;
const DEPTH = 8;
const BUFS = 16;

let sink = 0;
function look(bytes: Uint8Array): void {
  let s = 0;
  for (let i = 0; i < bytes.length; i += 4096) s += bytes[i];
  sink += s;
}

/** One pass reading the file through `issue`/`complete`; returns GiB/s. */
type Pass = () => number;

function plain(ring: Ring, fd: number, size: number): Pass {
  const bufs = Array.from({ length: BUFS }, () => new Uint8Array(CHUNK));
  return () => {
    const free = bufs.map((_, i) => i);
    let off = 0, done = 0, inFlight = 0;
    const t0 = performance.now();
    const handler = (res: number, _f: number, tag: unknown) => {
      const i = tag as number;
      if (res < 0) throw new Error(`read: ${res}`);
      look(bufs[i].subarray(0, res));
      done += res;
      inFlight--;
      free.push(i);
    };
    while (done < size) {
      while (inFlight < DEPTH && off < size) {
        const i = free.pop()!;
        ring.read(fd, bufs[i], off, { tag: i });
        off += CHUNK;
        inFlight++;
      }
      ring.submitAndWait(1);
      ring.reap(handler);
    }
    return size / 2 ** 30 / ((performance.now() - t0) / 1000);
  };
}

function grouped(ring: Ring, group: BufferGroup, fd: number, size: number, consumedLen: boolean): Pass {
  const bufRing = group instanceof BufferRing ? group : undefined;
  return () => {
    let off = 0, done = 0, inFlight = 0;
    const t0 = performance.now();
    const handler = (res: number, flags: number) => {
      inFlight--;
      const b = group.take(res, flags, consumedLen ? CHUNK : res);
      if (!b) throw new Error(`read: ${res}`);
      look(b.bytes);
      done += res;
      if (!b.more) {
        if (bufRing) bufRing.recycle(b.id, false); // descriptor written, tail published once per batch below
        else group.recycle(b.id);
      }
    };
    while (done < size) {
      while (inFlight < DEPTH && off < size) {
        group.read(fd, off, { length: CHUNK });
        off += CHUNK;
        inFlight++;
      }
      ring.submitAndWait(1);
      ring.reap(handler);
      bufRing?.publish();
    }
    return size / 2 ** 30 / ((performance.now() - t0) / 1000);
  };
}

function fixed(ring: Ring, table: FixedBuffers, fd: number, size: number): Pass {
  return () => {
    const free = Array.from({ length: BUFS }, (_, i) => i);
    let off = 0, done = 0, inFlight = 0;
    const t0 = performance.now();
    const handler = (res: number, _f: number, tag: unknown) => {
      const i = tag as number;
      if (res < 0) throw new Error(`read_fixed: ${res}`);
      look(table.buffer(i)!.subarray(0, res));
      done += res;
      inFlight--;
      free.push(i);
    };
    while (done < size) {
      while (inFlight < DEPTH && off < size) {
        const i = free.pop()!;
        table.read(fd, i, off, { tag: i, length: CHUNK });
        off += CHUNK;
        inFlight++;
      }
      ring.submitAndWait(1);
      ring.reap(handler);
    }
    return size / 2 ** 30 / ((performance.now() - t0) / 1000);
  };
}

function main(): void {
  let passes = 5;
  let only: Set<string> | undefined;
  let file = "/var/tmp/jsuring-bench.dat";
  for (const a of process.argv.slice(2)) {
    if (a.startsWith("--passes=")) passes = Number(a.slice(9));
    else if (a.startsWith("--only=")) only = new Set(a.slice(7).split(","));
    else if (a.startsWith("--")) throw new TypeError(`unknown option ${a}`);
    else file = a;
  }
  const fd = openSync(file, "r");
  const size = fstatSync(fd).size;
  if (size % CHUNK) throw new RangeError(`${file}: size must be a multiple of ${CHUNK}`);
  using ring = Ring.create({ entries: 64 });
  using arena = Arena.create({ size: 8 << 20 });
  const variants: [string, () => [Pass, Disposable | undefined]][] = [
    ["plain", () => [plain(ring, fd, size), undefined]],
    ["provided", () => {
      const g = ProvidedBuffers.create(ring, {
        group: 1,
        count: BUFS,
        size: CHUNK,
        memory: arena.alloc(BUFS * CHUNK),
      });
      return [grouped(ring, g, fd, size, false), g];
    }],
    ["bufring", () => {
      const g = BufferRing.create(ring, {
        group: 2,
        entries: BUFS,
        size: CHUNK,
        memory: arena.alloc(BUFS * CHUNK),
      });
      return [grouped(ring, g, fd, size, false), g];
    }],
    ["bufring-inc", () => {
      const g = BufferRing.create(ring, {
        group: 3,
        entries: 4,
        size: 1 << 20,
        incremental: true,
        memory: arena.alloc(4 << 20),
      });
      return [grouped(ring, g, fd, size, true), g];
    }],
    ["fixed", () => {
      const t = FixedBuffers.register(ring, Array.from({ length: BUFS }, () => arena.alloc(CHUNK)));
      return [fixed(ring, t, fd, size), t];
    }],
  ];
  for (const [variant, make] of variants) {
    if (only && !only.has(variant)) continue;
    const [pass, owner] = make();
    pass(); // warm-up
    let best = 0;
    for (let i = 0; i < passes; i++) best = Math.max(best, pass());
    owner?.[Symbol.dispose]();
    note(`stream ${variant}: best of ${passes} passes ${best.toFixed(2)} GiB/s`);
    console.log(
      JSON.stringify({
        bench: "stream",
        impl: IMPL,
        variant,
        chunk: CHUNK,
        gib_per_sec: Number(best.toFixed(3)),
      }),
    );
  }
  closeSync(fd);
  if (sink === -1) console.log(sink);
}

main();
