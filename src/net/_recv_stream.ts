/**
 * The receive side of every socket kind: a multishot recv (TCP, Unix, direct
 * descriptors) or recvmsg (UDP) into a shared buffer ring, re-armed after
 * ENOBUFS, results that arrive after a stop given back. One implementation
 * for all of them: the three copies this replaced had drifted (two recycled
 * without taking, two missed results arriving after a stop).
 *
 * @module
 */
import { setImmediate } from "node:timers";
import type { AsyncRing, Multishot } from "../async/async_ring.ts";
import { BufferRing } from "../buffers/buf_ring.ts";
import { assertGroupFree, type TakenBuffer } from "../buffers/_group.ts";
import { CqeFlag } from "../abi/flags.ts";
import { UringError } from "../errors/uring_error.ts";
import { Errno } from "../errors/errno.ts";

/**
 * A receive buffer group shared by the receive streams of one ring: a
 * buffer goes back to the kernel when the kernel has finished with it and
 * every slice of it was given back (counted per buffer, so the same
 * bookkeeping would serve incremental rings, where one buffer holds slices
 * of several streams).
 *
 * Not incremental (IOU_PBUF_RING_INC, 6.12) yet: there the kernel consumes a
 * buffer piece by piece in completion order, but the streams take their
 * results when their consumers ask, in any order, and `BufferRing.take`
 * derives a slice's offset from the takes before it: slices came out at the
 * wrong offsets (data corruption in the echo test). Taking at reap time
 * needs a per-completion hook in `Multishot`.
 *
 * @internal
 */
export class RecvBuffers {
  readonly br: BufferRing;
  /** Streams using this group (the ring spreads new streams over groups). */
  streams = 0;
  #refs: Uint16Array;
  #finished: Uint8Array;

  constructor(br: BufferRing) {
    this.br = br;
    this.#refs = new Uint16Array(br.count);
    this.#finished = new Uint8Array(br.count);
  }

  /** A result's bytes (a view into the buffer), counted until {@linkcode RecvBuffers.release}. */
  take(res: number, flags: number): TakenBuffer | undefined {
    const t = this.br.take(res, flags);
    if (t === undefined) return undefined;
    const i = t.id - this.br.firstId;
    this.#refs[i]++;
    if (!t.more) this.#finished[i] = 1;
    return t;
  }

  /** A slice of buffer `id` is no longer read. */
  release(id: number): void {
    const i = id - this.br.firstId;
    if (--this.#refs[i] === 0 && this.#finished[i]) {
      this.#finished[i] = 0;
      if (!this.br.isClosed) this.br.recycle(id);
    }
  }

  /**
   * Give back the buffer of a result nobody will read: taken first (the
   * group's state moves it to the caller's side), then released. Recycling
   * it directly, as before, was refused as a double recycle for every result
   * that arrived after a stop, and the throw came out of the reap.
   */
  drop(res: number, flags: number): void {
    if (!(flags & CqeFlag.F_BUFFER) || this.br.isClosed || res < 0) return;
    const t = this.take(res, flags);
    if (t) this.release(t.id);
  }
}

/**
 * Receive streams one shared buffer group serves before another is made:
 * about four buffers per stream. One group of 512 shared by 1,000
 * connections ran dry all the time (ENOBUFS, re-arm, repeat): TCP echo of
 * 1 KiB at 1,000 connections went from 9 k to 43 k round trips/s with 8×
 * the buffers (bench/NET.md).
 */
const STREAMS_PER_BUFFER = 0.25;

/**
 * The receive buffer groups of one kind (TCP's byte streams, UDP's
 * datagrams) on each ring: ids taken in order from `first` towards `last`,
 * every group with the first one's sizes.
 *
 * @internal
 */
export class RecvGroups {
  #byRing = new WeakMap<AsyncRing, RecvBuffers[]>();

  constructor(readonly what: string, readonly first: number, readonly last: number) {}

  /**
   * A group for one more stream: the least used of the ring's groups, or a
   * new one once every group serves its share of streams.
   */
  for(ring: AsyncRing, size: number, count: number): RecvBuffers {
    let groups = this.#byRing.get(ring);
    if (!groups) this.#byRing.set(ring, groups = []);
    for (let i = groups.length - 1; i >= 0; i--) if (groups[i].br.isClosed) groups.splice(i, 1);
    let best: RecvBuffers | undefined;
    for (const g of groups) if (!best || g.streams < best.streams) best = g;
    if (best && best.streams < best.br.count * STREAMS_PER_BUFFER) return best;
    const like = groups.length ? groups[0].br : undefined;
    const step = this.last >= this.first ? 1 : -1;
    for (let id = this.first; id !== this.last + step; id += step) {
      if (groups.some((g) => g.br.id === id)) continue;
      try {
        assertGroupFree(ring.ring, id);
      } catch {
        continue; // a group of the caller's own has this id
      }
      const g = new RecvBuffers(BufferRing.create(ring.ring, {
        group: id,
        entries: like?.entries ?? count,
        size: like?.size ?? size,
      }));
      groups.push(g);
      return g;
    }
    if (best) return best; // every id taken: share the least used group
    const [lo, hi] = step > 0 ? [this.first, this.last] : [this.last, this.first];
    throw new RangeError(`no free buffer group id in ${lo}..${hi} for ${this.what}`);
  }
}

const yieldMacrotask = () => new Promise<void>((r) => setImmediate(r));

/**
 * What a receive stream needs from its socket.
 *
 * @internal
 */
export interface RecvSource<T> {
  readonly ring: AsyncRing;
  /** The multishot's name in errors ("recv", "recvmsg"). */
  readonly name: string;
  /** Whether the socket is still open (its fd or slot). */
  open(): boolean;
  /**
   * Arm the multishot receive into buffer group `bgid`: its description
   * (`RECV_MULTISHOT`, `RECVMSG_MULTISHOT` in src/ring/operations_multishot.ts)
   * through `AsyncRing.multishotOf`, with the socket's fd or slot as it is
   * at arm time.
   */
  arm(
    bgid: number,
    options: { signal: AbortSignal | undefined; discard: (res: number, flags: number) => void },
  ): Multishot;
  /**
   * Whether a result ends the stream: 0 is a stream peer's close; a result
   * > 0 without F_MORE only means the kernel stopped the request (CQ full),
   * which the multishot re-arms.
   */
  ends(res: number): boolean;
  /** The value for a result's bytes, or null to skip it (its buffer goes back). */
  value(bytes: Uint8Array): T | null;
}

/** @internal */
export class RecvStream<T = Uint8Array> implements AsyncIterableIterator<T> {
  #src: RecvSource<T>;
  #bufs: RecvBuffers;
  #ms: Multishot | undefined;
  #held = -1; // buffer id handed to the consumer
  #done = false;
  #signal: AbortSignal | undefined;
  #onEnd: () => void;
  /** Re-arms after ENOBUFS (visible to tests through the iterator). */
  rearms = 0;

  constructor(src: RecvSource<T>, bufs: RecvBuffers, signal: AbortSignal | undefined, onEnd: () => void) {
    this.#src = src;
    this.#bufs = bufs;
    this.#signal = signal;
    this.#onEnd = onEnd;
  }

  #giveBack(): void {
    if (this.#held >= 0) {
      this.#bufs.release(this.#held);
      this.#held = -1;
    }
  }

  #arm(): Multishot {
    const bufs = this.#bufs;
    return this.#src.arm(bufs.br.id, {
      signal: this.#signal,
      // Data that arrived after the consumer stopped: give the buffers back.
      discard: (res, flags) => bufs.drop(res, flags),
    });
  }

  async next(): Promise<IteratorResult<T>> {
    this.#giveBack();
    while (!this.#done) {
      if (!this.#src.open()) break;
      this.#ms ??= this.#arm();
      let r: IteratorResult<{ res: number; flags: number }>;
      try {
        r = await this.#ms.next();
      } catch (e) {
        this.#ms = undefined;
        if (e instanceof UringError && e.errno === Errno.ENOBUFS) {
          // The shared buffers ran out: let other consumers give some back.
          this.rearms++;
          await yieldMacrotask();
          continue;
        }
        this.#end();
        throw e;
      }
      if (r.done) break;
      const { res, flags } = r.value;
      if (this.#done) {
        // Stopped (return(), close) while this result was on its way to us.
        this.#bufs.drop(res, flags);
        break;
      }
      if (this.#src.ends(res)) break; // the peer closed its side
      const taken = this.#bufs.take(res, flags);
      if (!taken) continue;
      this.#held = taken.id;
      const value = this.#src.value(taken.bytes);
      if (value === null) {
        this.#giveBack();
        continue;
      }
      return { value, done: false };
    }
    this.#end();
    return { value: undefined, done: true };
  }

  #end(): void {
    if (this.#done) return;
    this.#done = true;
    this.#giveBack();
    this.#onEnd();
  }

  async return(): Promise<IteratorResult<T>> {
    const ms = this.#ms;
    this.#ms = undefined;
    this.#end();
    if (ms) await ms.return();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
