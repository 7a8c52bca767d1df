/**
 * A multishot operation (accept, recv, poll, timeout) as an async iterator,
 * with the two guarantees issue 16 asks for.
 *
 * Re-arm vs end. A completion without `IORING_CQE_F_MORE` ends the kernel's
 * *request*, not necessarily the *operation*: when the kernel cannot post a
 * CQE (CQ full) it stops a multishot with a valid result and no F_MORE
 * (io_req_post_cqe() failing in io_recv_finish, io_accept, io_poll_check_events,
 * io_timeout_complete; liburing's tests re-arm then). Each such completion is
 * classified by `ends(res, flags)` (default: only errors end): if it does not
 * end the operation, its result is delivered as an item and the same SQE is
 * written again (a re-arm), invisible to the consumer. Only a real end (an
 * error, recv's 0 = peer closed, a counted timer's last tick), close, abort or
 * `return()` makes `next()` report done.
 *
 * Guaranteed end. `return()`, an abort and `break` stop delivery at once (the
 * iterator is done from that moment; results still arriving go to `discard`)
 * and cancel the request with IORING_OP_ASYNC_CANCEL, *checking its result*:
 * the kernel takes a firing multishot timeout off its list while its
 * completion task work is pending (io_timeout_fn, every kernel with multishot
 * timeouts; wide under DEFER_TASKRUN, where that task work waits for the next
 * enter), so a cancel landing in that window finds nothing (-ENOENT; -EALREADY
 * while the timer callback runs). Then the cancel is sent again after the
 * request's next completion (the re-armed timer is back on the list), and,
 * for requests that may stay quiet, once more a moment later. TIMEOUT_REMOVE
 * and POLL_REMOVE would not help: they look the request up in the same lists
 * (io_timeout_extract, the poll hash) as ASYNC_CANCEL does.
 * {@linkcode Multishot.finished} resolves once the kernel posted the final
 * completion.
 *
 * @module
 */
import { setTimeout } from "node:timers";
import { CqeFlag } from "../abi/flags.ts";
import type { SqeViews } from "../ops/sqe.ts";
import { UringError } from "../errors/uring_error.ts";
import { Errno } from "../errors/errno.ts";
import { checkBool, checkFn, checkOptions, checkSignal, typeError } from "../ring/_args.ts";

/**
 * One completion of a multishot operation.
 *
 * @example
 * ```ts
 * import type { MultishotResult } from "@jsuring/jsuring";
 * const r: MultishotResult = { res: 5, flags: 2 }; // 2: IORING_CQE_F_MORE
 * ```
 */
export interface MultishotResult {
  /** The CQE's result (≥ 0; for timeouts `-ETIME`). */
  readonly res: number;
  /** The CQE's flags (`CqeFlag.F_BUFFER` and the buffer id for buffer-select ops). */
  readonly flags: number;
}

/**
 * Options of `AsyncRing.multishot`.
 *
 * @example
 * ```ts
 * import type { MultishotOptions } from "@jsuring/jsuring";
 * const opts: MultishotOptions = {
 *   name: "recv",
 *   ends: (res) => res <= 0, // recv: 0 is the peer's close
 *   discard: (fd) => console.log("unused fd", fd),
 * };
 * ```
 */
export interface MultishotOptions {
  /** Stop the operation: the iterator ends cleanly, at once. */
  signal?: AbortSignal;
  /** Memory the kernel uses for the whole life of the operation. */
  keep?: unknown;
  /** A name for errors. */
  name?: string;
  /** Results that arrive after the consumer stopped (close accepted fds, recycle buffers). */
  discard?: (res: number, flags: number) => void;
  /** Whether negative results other than -ECANCELED are ordinary items (multishot timeouts: -ETIME). */
  negativeItems?: boolean;
  /**
   * Whether a completion without `IORING_CQE_F_MORE` really ends the
   * operation. Otherwise the kernel only stopped the request (it could not
   * post a CQE: CQ full) and the operation is re-armed with the same SQE.
   * Default: only results that are not items (errors) end it.
   */
  ends?: (res: number, flags: number) => boolean;
}

/** What a {@linkcode Multishot} needs from its ring. */
export interface MultishotHost {
  /** Whether the ring is closed (or closing). */
  readonly closed: boolean;
  /** @internal Queue the SQE `prep` writes, tracked as `m` keeping `keep`; returns its user_data. */
  _armMultishot(m: Multishot, prep: (sqes: SqeViews, at: number) => void, keep: unknown): number;
  /** @internal Queue an ASYNC_CANCEL of `userData`; `done(res)` gets the cancel's own result. */
  _cancelChecked(userData: number, done: (res: number) => void): void;
}

const CANCEL_NONE = 0, CANCEL_SENT = 1, CANCEL_RETRY = 2;

/**
 * A multishot operation's completions as an async iterator. `break` (or
 * `return()`) and an abort stop it at once and cancel the kernel's request
 * (see {@linkcode Multishot.finished}); close of the ring ends it cleanly; any
 * other error ends it by throwing from `next()`. A request the kernel stopped
 * without ending the operation (CQ full) is re-armed: `rearms` counts those.
 *
 * @example
 * ```ts
 * import { AsyncRing } from "@jsuring/jsuring";
 * await using ring = AsyncRing.create();
 * const ticks = ring.ticks(1, { count: 2 }); // a Multishot
 * for await (const { res } of ticks) console.log(res); // -62 (ETIME), twice
 * ```
 */
export class Multishot implements AsyncIterableIterator<MultishotResult> {
  #host: MultishotHost;
  #prep: (sqes: SqeViews, at: number) => void;
  #opts: MultishotOptions;
  #items: MultishotResult[] = [];
  #head = 0;
  #waiting: ((r: IteratorResult<MultishotResult>) => void) | undefined;
  #waitingReject: ((e: unknown) => void) | undefined;
  #error: unknown = undefined;
  #ended = false; // the operation is over: no more items
  #stopped = false; // the consumer stopped: deliver nothing more
  #live = false; // a request is in the kernel (armed, final CQE not reaped)
  #rearming = false; // a re-arm is queued
  #cancel = CANCEL_NONE;
  #received = 0;
  #rearms = 0;
  #cancelRetries = 0;
  #onAbort: (() => void) | undefined;
  #settle!: () => void;
  #settled = false;
  /** Resolves once nothing of the operation is left in the kernel (its final completion was reaped). */
  readonly finished: Promise<void>;
  /** @internal user_data of the current request. */
  ud = 0;

  /** @internal Use `AsyncRing.multishot`. */
  constructor(host: MultishotHost, prep: (sqes: SqeViews, at: number) => void, opts: MultishotOptions) {
    if (typeof (host as Partial<MultishotHost> | null)?._armMultishot !== "function") {
      throw typeError("Multishot: host", "an AsyncRing (use ring.multishot(prep, options))", host);
    }
    checkFn(prep, "multishot prep (a prep* writer)");
    checkOptions(opts, "multishot options", ["signal", "keep", "name", "discard", "negativeItems", "ends"]);
    if (opts.signal !== undefined) checkSignal(opts.signal, "multishot options.signal");
    if (opts.discard !== undefined) checkFn(opts.discard, "multishot options.discard");
    if (opts.ends !== undefined) checkFn(opts.ends, "multishot options.ends");
    if (opts.negativeItems !== undefined) checkBool(opts.negativeItems, "multishot options.negativeItems");
    if (opts.name !== undefined && typeof opts.name !== "string") {
      throw typeError("multishot options.name", "a string", opts.name);
    }
    this.#host = host;
    this.#prep = prep;
    this.#opts = opts;
    this.finished = new Promise<void>((resolve) => this.#settle = resolve);
  }

  /** @internal Arm the first request (or end at once if the signal already aborted). */
  _start(): void {
    const signal = this.#opts.signal;
    if (signal?.aborted) {
      this.#stopped = this.#ended = true;
      this.#markSettled();
      return;
    }
    this.ud = this.#host._armMultishot(this, this.#prep, this.#opts.keep);
    this.#live = true;
    if (signal) {
      this.#onAbort = () => this.#stop();
      signal.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  /** @internal End before any SQE was written: `next()` rejects with `error`. */
  fail(error: unknown): void {
    this.#ended = true;
    this.#error = error;
    this.#markSettled();
    this.#finish();
  }

  /** Whether the operation is over and nothing of it is left in the kernel. */
  get ended(): boolean {
    return this.#settled;
  }

  /** Items received so far (including those discarded after a stop). */
  get received(): number {
    return this.#received;
  }

  /** How often a request the kernel stopped (CQ full) was re-armed. */
  get rearms(): number {
    return this.#rearms;
  }

  /** How often a cancel found nothing while the request lived and was sent again. */
  get cancelRetries(): number {
    return this.#cancelRetries;
  }

  /** @internal A CQE arrived for this operation's current request. */
  push(res: number, flags: number, closing: boolean): void {
    const more = (flags & CqeFlag.F_MORE) !== 0;
    if (!more) this.#live = false;
    const item = res >= 0 || (this.#opts.negativeItems === true && res !== -Errno.ECANCELED);
    if (item) this.#received++;
    if (this.#stopped) {
      if (item) this.#opts.discard?.(res, flags);
      if (!more) this.#markSettled();
      else if (this.#cancel === CANCEL_RETRY) this.#sendCancel(); // back on the kernel's lists now
      return;
    }
    if (!more && !closing && !(this.#opts.ends ? this.#opts.ends(res, flags) : !item)) {
      // The kernel stopped the request, the operation goes on: keep the
      // result and write the SQE again (after this reap: not re-entrantly).
      if (item) this.#deliver({ res, flags });
      this.#rearms++;
      this.#rearming = true;
      queueMicrotask(this.#rearm);
      return;
    }
    if (item) {
      this.#deliver({ res, flags });
    } else if (!(res === -Errno.ECANCELED && closing)) {
      this.#error = new UringError(-res, this.#opts.name ?? "multishot");
    }
    if (!more) {
      this.#ended = true;
      this.#markSettled();
      this.#finish();
    }
  }

  #rearm = (): void => {
    this.#rearming = false;
    if (this.#stopped) {
      this.#markSettled();
      return;
    }
    if (this.#host.closed) {
      this.#ended = true;
    } else {
      try {
        this.ud = this.#host._armMultishot(this, this.#prep, this.#opts.keep);
        this.#live = true;
        return;
      } catch (e) {
        this.#error = e;
        this.#ended = true;
      }
    }
    this.#markSettled();
    this.#finish();
  };

  #sendCancel(): void {
    if (this.#host.closed) return; // close cancels and reaps everything
    this.#cancel = CANCEL_SENT;
    const ud = this.ud;
    this.#host._cancelChecked(ud, (res) => this.#cancelled(ud, res));
  }

  #cancelled(ud: number, res: number): void {
    if (!this.#live || ud !== this.ud) {
      this.#cancel = CANCEL_NONE; // the request ended anyway
      return;
    }
    if (res === 0) return; // found: its final (-ECANCELED) completion follows
    // -ENOENT / -EALREADY while the request lives: it was between firing and
    // posting. Retry after its next completion (push), or a moment from now
    // if none comes.
    this.#cancel = CANCEL_RETRY;
    this.#cancelRetries++;
    setTimeout(() => {
      if (this.#live && this.#cancel === CANCEL_RETRY) this.#sendCancel();
    }, 1);
  }

  #markSettled(): void {
    if (this.#settled) return;
    this.#settled = true;
    if (this.#onAbort) this.#opts.signal?.removeEventListener("abort", this.#onAbort);
    this.#settle();
  }

  #deliver(item: MultishotResult): void {
    const w = this.#waiting;
    if (w) {
      this.#waiting = this.#waitingReject = undefined;
      w({ value: item, done: false });
    } else {
      this.#items.push(item);
    }
  }

  #finish(): void {
    const w = this.#waiting, rej = this.#waitingReject;
    if (!w) return;
    this.#waiting = this.#waitingReject = undefined;
    if (this.#error !== undefined) {
      const e = this.#error;
      this.#error = undefined;
      this.#stopped = true;
      rej!(e);
    } else {
      w({ value: undefined, done: true });
    }
  }

  /** Stop delivering now, and end the kernel's request (checked cancel). */
  #stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    for (let i = this.#head; i < this.#items.length; i++) {
      this.#opts.discard?.(this.#items[i].res, this.#items[i].flags);
    }
    this.#items.length = 0;
    this.#head = 0;
    this.#error = undefined;
    if (this.#live) this.#sendCancel();
    else if (!this.#rearming) this.#markSettled();
    const w = this.#waiting;
    this.#waiting = this.#waitingReject = undefined;
    w?.({ value: undefined, done: true });
  }

  /** The next completion, or done once the operation ended. */
  next(): Promise<IteratorResult<MultishotResult>> {
    if (this.#head < this.#items.length) {
      const value = this.#items[this.#head++];
      if (this.#head === this.#items.length) {
        this.#items.length = 0;
        this.#head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#stopped) return Promise.resolve({ value: undefined, done: true });
    if (this.#ended) {
      this.#stopped = true;
      if (this.#error !== undefined) {
        const e = this.#error;
        this.#error = undefined;
        return Promise.reject(e);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.#waiting = resolve;
      this.#waitingReject = reject;
    });
  }

  /** Stop: deliver nothing more and cancel the operation (results still queued go to `discard`). */
  return(): Promise<IteratorResult<MultishotResult>> {
    this.#stop();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** The iterator itself (so `for await` works). */
  [Symbol.asyncIterator](): AsyncIterableIterator<MultishotResult> {
    return this;
  }
}
