/**
 * The receive side of a {@linkcode TcpConn}: a multishot recv into the ring's
 * shared buffer ring, re-armed after ENOBUFS.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import type { Multishot } from "../async/async_ring.ts";
import type { BufferRing } from "../buffers/buf_ring.ts";
import type { TakenBuffer } from "../buffers/_group.ts";
import { CqeFlag } from "../abi/flags.ts";
import { setBufferSelect } from "../ops/sqe.ts";
import { prepRecvMultishot } from "../ops/net.ts";
import { UringError } from "../errors/uring_error.ts";
import { Errno } from "../errors/errno.ts";
import type { TcpConn } from "./conn.ts";

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

const yieldMacrotask = () => new Promise<void>((r) => setImmediate(r));

/** @internal */
export class RecvStream implements AsyncIterableIterator<Uint8Array> {
  #conn: TcpConn;
  #bufs: RecvBuffers;
  #ms: Multishot | undefined;
  #held = -1; // buffer id handed to the consumer
  #done = false;
  #signal: AbortSignal | undefined;
  #onEnd: () => void;
  /** Re-arms after ENOBUFS (visible to tests through the iterator). */
  rearms = 0;

  constructor(conn: TcpConn, bufs: RecvBuffers, signal: AbortSignal | undefined, onEnd: () => void) {
    this.#conn = conn;
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
    const bufs = this.#bufs, br = bufs.br, fd = this.#conn.fd;
    return this.#conn.ring.multishot((s, at) => {
      prepRecvMultishot(s, at, fd, 0, 0, 0);
      setBufferSelect(s, at, br.id);
    }, {
      signal: this.#signal,
      name: "recv",
      // 0 is the peer's close; a result > 0 without F_MORE only means the
      // kernel stopped the request (CQ full): re-armed by the multishot.
      ends: (res) => res <= 0,
      // Data that arrived after the consumer stopped: give the buffers back.
      discard: (res, flags) => bufs.drop(res, flags),
    });
  }

  async next(): Promise<IteratorResult<Uint8Array>> {
    this.#giveBack();
    while (!this.#done) {
      if (this.#conn.fd < 0) break;
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
      if (res === 0) break; // the peer closed its side
      const taken = this.#bufs.take(res, flags);
      if (!taken) continue;
      this.#held = taken.id;
      return { value: taken.bytes, done: false };
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

  async return(): Promise<IteratorResult<Uint8Array>> {
    const ms = this.#ms;
    this.#ms = undefined;
    this.#end();
    if (ms) await ms.return();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return this;
  }
}
