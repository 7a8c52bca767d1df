/**
 * The receive side of a {@linkcode TcpConn}: a multishot recv into the ring's
 * shared buffer ring, re-armed after ENOBUFS.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import type { Multishot } from "../async/async_ring.ts";
import type { BufferRing } from "../buffers/buf_ring.ts";
import { CqeFlag } from "../abi/flags.ts";
import { setBufferSelect } from "../ops/sqe.ts";
import { prepRecvMultishot } from "../ops/net.ts";
import { UringError } from "../errors/uring_error.ts";
import { Errno } from "../errors/errno.ts";
import type { TcpConn } from "./conn.ts";

const yieldMacrotask = () => new Promise<void>((r) => setImmediate(r));

/** @internal */
export class RecvStream implements AsyncIterableIterator<Uint8Array> {
  #conn: TcpConn;
  #br: BufferRing;
  #ms: Multishot | undefined;
  #held = -1; // buffer id handed to the consumer
  #done = false;
  #signal: AbortSignal | undefined;
  #onEnd: () => void;
  /** Re-arms after ENOBUFS (visible to tests through the iterator). */
  rearms = 0;

  constructor(conn: TcpConn, br: BufferRing, signal: AbortSignal | undefined, onEnd: () => void) {
    this.#conn = conn;
    this.#br = br;
    this.#signal = signal;
    this.#onEnd = onEnd;
  }

  #giveBack(): void {
    if (this.#held >= 0) {
      if (!this.#br.isClosed) this.#br.recycle(this.#held);
      this.#held = -1;
    }
  }

  #arm(): Multishot {
    const br = this.#br, fd = this.#conn.fd;
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
      discard: (_res, flags) => {
        if (flags & CqeFlag.F_BUFFER && !br.isClosed) br.recycle(flags >>> CqeFlag.BUFFER_SHIFT);
      },
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
      if (res === 0) break; // the peer closed its side
      const taken = this.#br.take(res, flags);
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
