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

/**
 * Give back the buffer of a result nobody will read. It is taken first (the
 * group's state moves it to the caller's side), then recycled: recycling a
 * buffer the group still counts as the kernel's is refused as a double
 * recycle (it was, for every result that arrived after a stop).
 */
function dropBuffer(br: BufferRing, res: number, flags: number): void {
  if (!(flags & CqeFlag.F_BUFFER) || br.isClosed || res < 0) return;
  const t = br.take(res, flags);
  if (t && !t.more) br.recycle(t.id);
}

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
      discard: (res, flags) => dropBuffer(br, res, flags),
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
        dropBuffer(this.#br, res, flags);
        break;
      }
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
