/**
 * Large file bodies without a copy through user memory: splice(2) file →
 * pipe → socket on the ring (IORING_OP_SPLICE, Linux 5.7), the way
 * sendfile(2) moves page-cache pages. Measured against READ into a buffer +
 * SEND (bench/HTTP.md): 1 MiB bodies went from 0.55× to about 2× Bun.serve.
 *
 * The pipes come from a bounded pool: each is grown to 1 MiB where the
 * system allows (F_SETPIPE_SZ; `fs.pipe-max-size` and the per-user
 * `fs.pipe-user-pages-soft` budget decide), so one file→pipe and one
 * pipe→socket splice move a whole megabyte (with the default 64 KiB pipes,
 * 1 MiB files went at a third of the rate in one run). A pipe holds
 * references to page-cache pages, not copies. The kernel runs every splice in
 * an io-wq worker (REQ_F_FORCE_ASYNC), and a splice into a socket whose
 * peer stopped reading blocks that worker until the send timeout shuts the
 * socket down: the pool's bound is also the bound on such workers. When all
 * pipes are busy, a request waits for the next one given back (falling back
 * to READ + SEND with a buffer per connection instead let 5,000 clients of a
 * 1 MiB file take gigabytes); the send timeout bounds that wait.
 *
 * @module
 */
import type { AsyncRing } from "../async/async_ring.ts";
import { F_PIPE, MSG, O, SPLICE_F } from "../abi/linux.ts";
import { prepSplice } from "../ops/fs.ts";
import { libc } from "../runtime/libs.ts";

/** The size each pool pipe asks for (the default `fs.pipe-max-size`). */
const PIPE_BYTES = 1024 * 1024;

/** One pipe of the pool: read end, write end, capacity in bytes. */
export interface Pipe {
  r: number;
  w: number;
  size: number;
}

/**
 * A bounded pool of pipes for one engine (one ring, one thread). Pipes are
 * made on first need with pipe2(2) and reused; one whose transfer failed may
 * still hold bytes, so it is closed, never reused.
 *
 * @example
 * ```ts
 * import { PipePool } from "./_splice.ts"; // internal
 * const pool = new PipePool(4);
 * const p = await pool.acquire();
 * if (p) pool.release(p);
 * pool.close();
 * ```
 */
export class PipePool {
  #free: Pipe[] = [];
  #open = 0;
  #max: number;
  #failed = false;
  #waiters: ((p: Pipe | undefined) => void)[] = [];

  /** @param max the most pipes this pool keeps open at once (0: splice off) */
  constructor(max: number) {
    this.#max = max;
  }

  /** Pipes open now (in use or free). */
  get open(): number {
    return this.#open;
  }

  /**
   * A free pipe, a new one while under the bound, or (all busy) a promise of
   * the next one given back, first come first served; undefined when splice
   * is off or no pipe can be made.
   */
  acquire(): Pipe | undefined | Promise<Pipe | undefined> {
    const p = this.#free.pop() ?? this.#make();
    if (p || this.#failed || this.#open === 0) return p;
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #make(): Pipe | undefined {
    if (this.#open >= this.#max || this.#failed) return undefined;
    const c = libc();
    const fds = new Int32Array(2);
    if (c.pipe2(fds, O.CLOEXEC) !== 0) {
      // EMFILE/ENFILE: no descriptors to spare; the READ + SEND path needs none.
      return undefined;
    }
    // Failure leaves the default (64 KiB, or one page past the user's soft
    // budget): still correct, only more splices per body.
    c.fcntl(fds[1], F_PIPE.SETPIPE_SZ, PIPE_BYTES);
    const size = c.fcntl(fds[1], F_PIPE.GETPIPE_SZ, 0);
    this.#open++;
    return { r: fds[0], w: fds[1], size: size > 0 ? size : 4096 };
  }

  /** Give back a pipe that is empty (its transfer completed). */
  release(p: Pipe): void {
    const next = this.#waiters.shift();
    if (next) next(p);
    else this.#free.push(p);
  }

  /** Close a pipe whose contents are unknown (a failed transfer). */
  discard(p: Pipe): void {
    const c = libc();
    c.close(p.r);
    c.close(p.w);
    this.#open--;
    const next = this.#waiters.shift();
    if (next) next(this.#make());
  }

  /** Splice is not usable here (kernel refused it): stop handing out pipes. */
  disable(): void {
    this.#failed = true;
    for (const w of this.#waiters.splice(0)) w(undefined);
  }

  /** Close every free pipe (pipes in use are discarded or released later). */
  close(): void {
    this.disable();
    for (const p of this.#free.splice(0)) this.discard(p);
  }
}

/**
 * The READ + SEND path's buffers (splice off or refused): pairs of chunk
 * buffers shared by the engine's connections, at most `max` pairs, handed
 * out first come first served — a pair per connection would let thousands
 * of clients of a large file take gigabytes.
 *
 * @example
 * ```ts
 * import { ChunkBuffers } from "./_splice.ts"; // internal
 * const bufs = new ChunkBuffers(2, 4096);
 * const pair = bufs.acquire();
 * if (!(pair instanceof Promise)) bufs.release(pair);
 * ```
 */
export class ChunkBuffers {
  #free: Uint8Array[][] = [];
  #made = 0;
  #max: number;
  #size: number;
  #waiters: ((b: Uint8Array[]) => void)[] = [];

  /** @param max pairs at most; @param size bytes per buffer */
  constructor(max: number, size: number) {
    this.#max = max;
    this.#size = size;
  }

  /** A pair of buffers, now or when one is given back. */
  acquire(): Uint8Array[] | Promise<Uint8Array[]> {
    const b = this.#free.pop();
    if (b) return b;
    if (this.#made < this.#max) {
      this.#made++;
      return [new Uint8Array(this.#size), new Uint8Array(this.#size)];
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Give a pair back (no send may still be reading it). */
  release(b: Uint8Array[]): void {
    const next = this.#waiters.shift();
    if (next) next(b);
    else this.#free.push(b);
  }
}

/** What spliceBody did: "done", or "fallback" when nothing reached the socket. */
export type SpliceResult = "done" | "fallback";

/**
 * Send `head` then bytes `at .. at+len-1` of file `fileFd` to socket
 * `sock`, through pipe `p`: per pipeful, splice file → pipe, then (the first
 * time) the head with MSG_MORE, then splice pipe → socket until the pipe is
 * empty. Each step is awaited in turn: linking the three (IOSQE_IO_LINK)
 * measured the same without DEFER_TASKRUN and stalled with it (the link's
 * next step is deferred task work; see bench/HTTP.md).
 * Resolves "fallback" if the file could not be spliced before anything was
 * sent (the pipe is empty and goes back); rejects if the socket failed or
 * the file shrank mid-body (the pipe is closed: it may hold bytes).
 *
 * @param onSend called before each socket step (the caller's send deadline)
 *
 * @example
 * ```ts
 * // internal: the engine's #serveFile calls it for files above smallFileSize
 * ```
 */
export async function spliceBody(
  ring: AsyncRing,
  pool: PipePool,
  p: Pipe,
  sock: number,
  head: Uint8Array,
  fileFd: number,
  at: number,
  len: number,
  onSend: () => void,
): Promise<SpliceResult> {
  let headSent = false;
  try {
    const end = at + len;
    while (at < end) {
      const want = Math.min(p.size, end - at);
      const from = at;
      let got: number;
      try {
        got = await ring.op("splice", (s, i) => prepSplice(s, i, fileFd, from, p.w, -1, want, SPLICE_F.MOVE));
      } catch (e) {
        if (headSent) throw e;
        // EINVAL: a file system without splice_read, say: stop splicing here.
        pool.disable();
        pool.release(p);
        return "fallback";
      }
      if (got === 0) {
        if (!headSent) {
          pool.release(p);
          return "fallback"; // the caller's READ path reports the shrunk file
        }
        throw new Error("file shrank while being sent");
      }
      if (!headSent) {
        onSend();
        let n = 0;
        while (n < head.length) n += await ring.send(sock, head.subarray(n), MSG.WAITALL | MSG.MORE, false);
        headSent = true;
      }
      at += got;
      const more = at < end ? SPLICE_F.MORE : 0;
      while (got > 0) {
        onSend();
        const left = got;
        const n = await ring.op(
          "splice",
          (s, i) => prepSplice(s, i, p.r, -1, sock, -1, left, SPLICE_F.MOVE | more),
        );
        if (n === 0) throw new Error("socket closed while sending");
        got -= n;
      }
    }
    pool.release(p);
    return "done";
  } catch (e) {
    pool.discard(p);
    throw e;
  }
}
