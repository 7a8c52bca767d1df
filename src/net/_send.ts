/**
 * One stream socket's sends, in order and with bounded memory.
 *
 * Why a queue: two SENDs in flight on one TCP socket may complete in either
 * order and either may be short (a full socket buffer, a signal), so the
 * bytes of two `sendAll()` calls made without awaiting could interleave on
 * the wire. Here exactly one send request per connection is in the kernel at
 * a time; the others wait in this queue, holding only references to the
 * caller's buffers (staging copies are made when a request is submitted, see
 * src/memory/_pin.ts), so a writer that outruns a slow reader waits on its
 * promises while the library's memory for that connection stays bounded by
 * one batch ({@linkcode BATCH_BYTES}).
 *
 * Each request carries MSG_WAITALL: on a stream socket the kernel then
 * retries a short send itself until everything is sent or an error occurs
 * (io_uring's `io_send`/`io_sendmsg` with `io_net_retry()`, Linux 5.19;
 * older kernels ignore the flag for sends and the loop here continues).
 *
 * Calls that queue up behind a request in flight go out together as one
 * vectored IORING_OP_SENDMSG (a header and a body, pipelined responses):
 * one SQE and one completion instead of one per call.
 *
 * A connection-level error (EPIPE, ECONNRESET, ...) rejects the request in
 * flight and everything queued behind it with that same typed error, and
 * every later call at once; other connections are not involved. A call's
 * own timeout or abort rejects that call only.
 *
 * @module
 */
import type { AsyncOpOptions, AsyncRing } from "../async/async_ring.ts";
import { MSG } from "../abi/linux.ts";
import { msghdr } from "../abi/layout.ts";
import { UringError } from "../errors/uring_error.ts";
import { Errno } from "../errors/errno.ts";
import { isDetached } from "../memory/detached.ts";
import { PinVector, TO_KERNEL } from "../memory/_pin.ts";
import { prepSendmsg } from "../ops/net.ts";
import { getNative } from "../runtime/_ffi.ts";

/** At most this many bytes go into one vectored send (and its staging). */
export const BATCH_BYTES = 256 * 1024;
/** At most this many calls go into one vectored send. */
const BATCH_CALLS = 64;

const SEND_FLAGS = MSG.WAITALL;

interface Entry {
  /** What is left to send. */
  bytes: Uint8Array;
  resolve: (sent: number) => void;
  reject: (e: unknown) => void;
  /** `send()`: one request, short results allowed. */
  once: boolean;
  /** Bytes sent for this entry so far. */
  sent: number;
  zeroCopy: boolean;
  options: AsyncOpOptions | undefined;
}

function asBytes(v: ArrayBufferView): Uint8Array {
  return v instanceof Uint8Array ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** A connection-level failure: the socket is unusable for sending. */
function fatal(e: unknown): boolean {
  return e instanceof UringError && e.errno !== Errno.ECANCELED && e.errno !== Errno.EINTR &&
    e.errno !== Errno.EAGAIN;
}

/** The sends of one connection (see the module doc). */
export class SendQueue {
  readonly #ring: AsyncRing;
  readonly #fd: () => number;
  #queue: Entry[] = [];
  #head = 0;
  #busy = false;
  #failed: unknown = undefined;
  #pending = 0;

  /**
   * @param ring the ring the sends go through
   * @param fd the socket, read at each submit (-1 once closed)
   */
  constructor(ring: AsyncRing, fd: () => number) {
    this.#ring = ring;
    this.#fd = fd;
  }

  /** Bytes accepted by `send`/`sendAll` and not yet sent. */
  get pendingBytes(): number {
    return this.#pending;
  }

  /**
   * Queue `views` (sent back to back, in order) and resolve with the bytes
   * sent: all of them, or, with `once`, what one request sent.
   */
  push(
    views: readonly ArrayBufferView[],
    once: boolean,
    zeroCopy: boolean,
    options: AsyncOpOptions | undefined,
  ): Promise<number> {
    if (this.#failed !== undefined) return Promise.reject(this.#failed);
    return new Promise<number>((resolve, reject) => {
      for (let i = 0; i < views.length; i++) {
        const bytes = asBytes(views[i]);
        // One entry per view; the promise settles with the last one.
        const last = i === views.length - 1;
        let total = 0;
        this.#queue.push({
          bytes,
          resolve: last ? (n) => resolve(total + n) : (n) => void (total += n),
          reject,
          once,
          sent: 0,
          zeroCopy,
          options,
        });
        this.#pending += bytes.byteLength;
      }
      if (views.length === 0) resolve(0);
      if (!this.#busy) this.#next();
    });
  }

  /** Reject everything queued (the connection is closing). */
  close(reason: unknown): void {
    this.#failed ??= reason;
    this.#failAll(reason);
  }

  #failAll(e: unknown): void {
    const q = this.#queue;
    for (let i = this.#head; i < q.length; i++) q[i].reject(e);
    this.#queue = [];
    this.#head = 0;
    this.#pending = 0;
  }

  #shift(): void {
    const e = this.#queue[this.#head++];
    this.#pending -= e.bytes.byteLength;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  #next(): void {
    const q = this.#queue;
    if (this.#head >= q.length) {
      this.#busy = false;
      if (this.#head) {
        this.#queue = [];
        this.#head = 0;
      }
      return;
    }
    this.#busy = true;
    const first = q[this.#head];
    const fd = this.#fd();
    if (fd < 0) {
      this.#failAll(new UringError(Errno.EBADF, "send", "the connection was closed"));
      this.#busy = false;
      return;
    }
    // Calls with options of their own (a timeout, a signal) or zero-copy go
    // alone: their cancellation must not take other calls' bytes with it.
    let n = 1, bytes = first.bytes.byteLength;
    if (first.options === undefined && !first.zeroCopy && !first.once) {
      while (this.#head + n < q.length && n < BATCH_CALLS) {
        const e = q[this.#head + n];
        if (e.options !== undefined || e.zeroCopy || e.once || bytes + e.bytes.byteLength > BATCH_BYTES) {
          break;
        }
        bytes += e.bytes.byteLength;
        n++;
      }
    }
    if (n === 1) {
      this.#ring.send(fd, first.bytes, SEND_FLAGS, first.zeroCopy, first.options)
        .then((sent) => this.#done(1, sent), (e) => this.#error(first, e));
      return;
    }
    // Vectored: one SENDMSG over the first n calls' bytes.
    const views: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const e = q[this.#head + i];
      if (isDetached(e.bytes)) {
        n = i; // stop before it: it is refused on its own turn
        break;
      }
      views.push(e.bytes);
    }
    if (n <= 1) {
      this.#ring.send(fd, first.bytes, SEND_FLAGS, false)
        .then((sent) => this.#done(1, sent), (e) => this.#error(first, e));
      return;
    }
    const iov = new PinVector(views, TO_KERNEL);
    const hdr = new Uint32Array(msghdr.size / 4);
    const at = msghdr.fields.msg_iov[0] / 4;
    hdr[at] = iov.addr >>> 0;
    hdr[at + 1] = Math.floor(iov.addr / 4294967296);
    hdr[msghdr.fields.msg_iovlen[0] / 4] = n;
    const addr = getNative().addressOf(hdr);
    const count = n;
    this.#ring.op(
      "sendmsg",
      (s, a) => prepSendmsg(s, a, fd, addr, (SEND_FLAGS | MSG.NOSIGNAL) >>> 0),
      [iov, hdr],
    ).then((sent) => {
      iov.finish(sent);
      this.#done(count, sent);
    }, (e) => {
      iov.finish(0);
      this.#error(first, e);
    });
  }

  /** A request over the first `n` queued entries sent `sent` bytes. */
  #done(n: number, sent: number): void {
    const q = this.#queue;
    let left = sent;
    for (let i = 0; i < n; i++) {
      const e = q[this.#head];
      const len = e.bytes.byteLength;
      if (left >= len || e.once) {
        const got = Math.min(left, len);
        left -= got;
        this.#shift();
        e.resolve(e.sent + got);
        continue;
      }
      // Short: the rest of this entry goes first in the next request.
      e.sent += left;
      e.bytes = e.bytes.subarray(left);
      this.#pending -= left;
      break;
    }
    this.#next();
  }

  #error(first: Entry, e: unknown): void {
    if (fatal(e)) {
      this.#failed = e;
      this.#failAll(e);
      this.#busy = false;
      return;
    }
    // This call's own timeout or abort: it alone fails.
    if (this.#queue[this.#head] === first) this.#shift();
    first.reject(e);
    this.#next();
  }
}
