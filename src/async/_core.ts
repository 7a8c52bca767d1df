/**
 * The machinery under `AsyncRing`'s operations: the waker glue
 * (eventfd registration, the microtask flush, draining and re-arming),
 * pending records and their settling, SQE reservation with linked timeouts
 * and abort signals, the generic ways to run operations (`op` with a `prep`
 * callback, `run` of a table description, `chain`, `multishot`), multishot
 * arming, and close. `async_ring.ts` adds creation and the named operations.
 *
 * @module
 */
import type { IoBuffer, Ring } from "../ring/ring.ts";
import { closeFd, eventfd } from "../ring/fd.ts";
import {
  checkBool,
  checkBuffer,
  checkChoice,
  checkFn,
  checkOptions,
  checkSignal,
  timespec,
  typeError,
} from "../ring/_args.ts";
import { RingCore } from "../ring/_core.ts";
import { CqeFlag, SetupFlag, SqeFlag } from "../abi/flags.ts";
import { isDetached } from "../memory/detached.ts";
import * as sqe from "../ops/sqe.ts";
import { getNative } from "../runtime/_ffi.ts";
import { libjsuring } from "../runtime/libs.ts";
import { clearTimeout, setImmediate, setTimeout } from "node:timers";
import { UringError } from "../errors/uring_error.ts";
import { Errno } from "../errors/errno.ts";
import { createWaker, type Waker, type WakerKind } from "./_waker.ts";
import { engineOf, type EnterEngine } from "../ring/_enter.ts";
import { Multishot, type MultishotOptions } from "./_multishot.ts";
import type { AsyncOpOptions, AsyncRing } from "./async_ring.ts";
import type * as ops from "../ring/operations.ts";
import { requireOp } from "../ops/require.ts";
import { Pin } from "../memory/_pin.ts";
import { kernelAtLeast } from "../errors/hints.ts";

const INTERNAL = Symbol("jsuring internal op");
/** Flushes in a row that may reap before the ring yields to the macrotask queue. */
const MICRO_TURNS = 64;
/**
 * Kernels before 6.18 on which a DEFER_TASKRUN ring's registered eventfd can
 * miss deferred task work: on Debian 13's 6.12.117 a multishot accept's
 * second connection leaves IORING_SQ_TASKRUN set with no eventfd signal, so
 * nothing wakes the loop (the HTTP server and multishot recv hung in the
 * 6.12 VM; 6.1 and 6.18 wake). There, while operations are in flight, the
 * flag is also looked at every TASKWORK_CHECK_MS (an unref'd timer).
 */
const TASKWORK_CHECK_MS = 50;

/**
 * Event-loop turns (setImmediate) a busy ring keeps looking at its CQ itself
 * after a drain that found completions, before it arms the waker thread.
 * Under steady traffic the next completions are usually there within a turn,
 * and each wake through the thread is a cross-thread hop (a scheduler
 * round trip on a loaded machine). Bounded: after that many empty turns the
 * ring sleeps on the waker, so an idle ring still costs no CPU.
 * Off (0): bench/echo.ts measured 1 and 4 turns no better than none on
 * either runtime (bench/NET.md); kept as a knob for that bench.
 */
let spinTurns = 0;

/** Set the turns of {@linkcode spinTurns} (for bench/echo.ts); returns the previous value. */
export function setSpinTurns(n: number): number {
  const old = spinTurns;
  spinTurns = n;
  return old;
}

/** The keys of `AsyncOpOptions`. */
export const ASYNC_KEYS = ["signal", "timeout", "fixedFile", "async"];
/** The keys `AsyncRing.op` accepts. */
export const OP_KEYS = [...ASYNC_KEYS, "buffers"];

const ASYNC_OP_KEYS = new WeakMap<object, readonly string[]>();

/** The option keys `run(op)` accepts: the common ones and the operation's own. */
function asyncKeys(op: ops.OpDescription<never, object>): readonly string[] {
  let keys = ASYNC_OP_KEYS.get(op);
  if (!keys) {
    ASYNC_OP_KEYS.set(op, keys = op.optionKeys.length ? [...ASYNC_KEYS, ...op.optionKeys] : ASYNC_KEYS);
  }
  return keys;
}

/** One single-shot operation awaiting its completion (the table tag). */
export class Pending {
  resolve!: (value: number) => void;
  reject!: (reason: unknown) => void;
  readonly promise: Promise<number>;
  name: string;
  at = -1; // SQE offset until submitted
  buf: IoBuffer | readonly IoBuffer[] | undefined = undefined;
  ud = 0;
  signal: AbortSignal | undefined = undefined;
  onAbort: (() => void) | undefined = undefined;
  aborted = false;
  hasTimeout = false;
  /** The linked timeout's timespec, checked before anything was queued. */
  ts: Uint8Array | undefined = undefined;
  /** IOSQE_* flags the options asked for (FIXED_FILE). */
  sqeFlags = 0;
  refused: unknown = undefined;
  moreRes = 0;

  constructor(name: string) {
    this.name = name;
    this.promise = new Promise<number>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

class LinkTimeoutTag {
  constructor(readonly op: Pending) {}
}

function timeoutError(name: string): Error {
  return new DOMException(`${name}: the operation timed out`, "TimeoutError");
}

function closedError(name: string): UringError {
  return new UringError(Errno.ECANCELED, name, "the ring was closed");
}

/**
 * What every `AsyncRing` is underneath: the waker, the submit
 * microtask, completion settling, cancellation, the generic `op`/`run`/
 * `chain`/`multishot`, and close. Async rings are
 * made with `AsyncRing.create` or `new AsyncRing(ring)`.
 *
 * @example
 * ```ts
 * import { AsyncRing, AsyncRingCore } from "@jsuring/jsuring";
 * await using ring = AsyncRing.create();
 * console.log(ring instanceof AsyncRingCore); // true
 * ```
 */
export class AsyncRingCore implements Disposable, AsyncDisposable {
  /** The synchronous ring underneath (for registration; do not reap it yourself). */
  readonly ring: Ring;
  /** The waker in use. */
  readonly waker: WakerKind;
  #efd: number;
  #wake: Waker;
  #defer: boolean;
  /** DEFER_TASKRUN with TASKRUN_FLAG: the SQ flags say when deferred work waits. */
  #taskrunFlag: boolean;
  #twCheck = false; // look at IORING_SQ_TASKRUN on a timer (see TASKWORK_CHECK_MS)
  #twTimer: ReturnType<typeof setTimeout> | undefined;
  #engine: EnterEngine;
  #scheduled = false;
  #queued: Pending[] = [];
  #closed = false;
  #closing = false;
  #clearSignals: boolean;
  #microTurns = 0;
  #yielding = false;
  /** Turns left to look at the CQ before arming the waker. */
  #spinLeft = 0;
  readonly #spinTurns = spinTurns;
  #gated = new WeakSet<object>();
  /** @internal IOSQE_IO_LINK while `chain` builds a chain, else 0. */
  protected _linkFlags = 0;
  /** @internal The SQE reserved last (where a chain ends). */
  protected _lastAt = -1;

  /** Wrap `ring` (see the `AsyncRing` constructor). */
  protected constructor(ring: Ring, waker: WakerKind) {
    if (!(ring instanceof RingCore)) {
      throw typeError(
        "AsyncRing: ring",
        "a Ring (Ring.create(); or AsyncRing.create(options) makes one)",
        ring,
      );
    }
    checkChoice(waker, "AsyncRing: waker", ["nonblocking", "thread", "stream", "poll"]);
    this.ring = ring;
    this.#defer = (ring.flags & SetupFlag.DEFER_TASKRUN) !== 0;
    this.#taskrunFlag = this.#defer && (ring.flags & SetupFlag.TASKRUN_FLAG) !== 0;
    this.#twCheck = this.#taskrunFlag && waker !== "poll" && !kernelAtLeast("6.18");
    this.#engine = engineOf(ring);
    if ((ring.flags & SetupFlag.COOP_TASKRUN) && !this.#defer) {
      // Task work queued without notification runs only when this thread
      // enters the kernel for io_uring; asleep in the runtime's own epoll it
      // never would, no CQE would be posted and the eventfd never fire.
      throw new TypeError(
        "AsyncRing cannot use a COOP_TASKRUN ring without DEFER_TASKRUN: completions would wait for an enter that never comes",
      );
    }
    this.#efd = eventfd(0, 0o2000000 | 0o4000); // EFD_CLOEXEC | EFD_NONBLOCK
    try {
      ring.registerEventfd(this.#efd);
      this.#wake = createWaker(waker, this.#efd, this.#onWake);
    } catch (e) {
      closeFd(this.#efd);
      throw e;
    }
    this.waker = waker;
    this.#clearSignals = waker !== "poll";
  }

  /** Operations in flight (submitted or queued, final completion not yet reaped). */
  get inFlight(): number {
    return this.ring.inFlight;
  }

  /** Whether {@linkcode AsyncRing.close} has run. */
  get closed(): boolean {
    return this.#closed;
  }

  // ------------------------------------------------------------ machinery

  #schedule(): void {
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#flush);
    }
  }

  #flush = (): void => {
    this.#scheduled = false;
    if (this.#closed) return;
    this.#submitQueued();
    // Completions that are already there (page-cached reads complete inside
    // the enter) are reaped at once; their continuations queue more ops and
    // another flush, all as microtasks. Every MICRO_TURNS flushes without a
    // macrotask in between, reaping waits for one (setImmediate), so timers
    // and I/O of the runtime keep running under a saturating workload.
    if (++this.#microTurns <= MICRO_TURNS) {
      this.#drain();
    } else if (!this.#yielding) {
      this.#yielding = true;
      setImmediate(this.#afterYield);
    }
  };

  #afterYield = (): void => {
    this.#yielding = false;
    this.#onWake();
  };

  #submitQueued(): void {
    const q = this.#queued;
    for (let i = 0; i < q.length; i++) {
      const p = q[i];
      if (p.buf !== undefined && isDetached(p.buf)) {
        // Refused before submit: the SQE becomes a NOP (keeping its flags,
        // so a chain stays a chain) and its completion rejects.
        const flags = sqe.getSqeFlags(this.ring.sqes, p.at);
        sqe.prepNop(this.ring.sqes, p.at);
        sqe.setUserData(this.ring.sqes, p.at, p.ud);
        sqe.setSqeFlags(this.ring.sqes, p.at, flags);
        p.refused = new TypeError(`${p.name}: the buffer was detached (transferred) before submit`);
      }
      p.at = -1;
    }
    q.length = 0;
    for (let attempt = 0;; attempt++) {
      try {
        if (this.#defer) this.ring.getEvents();
        else this.ring.submit();
        return;
      } catch (e) {
        // CQ backed up (overflow): reap, then try again.
        if (attempt < 3 && e instanceof UringError && (e.errno === Errno.EBUSY || e.errno === Errno.EAGAIN)) {
          this.ring.reap(this.#onCqe);
          continue;
        }
        throw e;
      }
    }
  }

  #drain(): void {
    const ring = this.ring;
    if (ring.reap(this.#onCqe) > 0) this.#spinLeft = this.#spinTurns;
    if (ring.inFlight === 0) {
      this.#wake.idle();
      return;
    }
    if (this.#spinLeft > 0 && !this.#wake.armed && !this.#yielding) {
      this.#spinLeft--;
      this.#yielding = true;
      setImmediate(this.#afterYield);
      return;
    }
    if (this.#defer && ring.taskWorkPending) {
      // Deferred task work the kernel left undone (getEvents ran 64 rounds
      // of 20, or the eventfd missed it): no signal will come for it, so
      // come back on the next turn of the event loop instead of waiting.
      if (!this.#yielding) {
        this.#yielding = true;
        setImmediate(this.#afterYield);
      }
      return;
    }
    if (this.#wake.armed) {
      // A wake is on its way already; arm() again only re-takes the hold on
      // the process (idle() may have dropped it while the thread stayed armed).
      this.#wake.arm();
      this.#watchTaskWork();
      return;
    }
    if (this.#clearSignals) {
      // The eventfd also counts CQEs we just reaped (and, on DEFER_TASKRUN,
      // those our own GETEVENTS posted): consume that count so the waker
      // does not come back for nothing, then look once more, so a CQE
      // posted between the reap and the read is not left without a wake.
      libjsuring().jsu_eventfd_clear(this.#efd);
      this.#runDeferred();
      ring.reap(this.#onCqe);
      if (ring.inFlight === 0) {
        this.#wake.idle();
        return;
      }
    }
    this.#wake.arm();
    this.#watchTaskWork();
  }

  /** Where the eventfd can miss task work (see TASKWORK_CHECK_MS): look again later. */
  #watchTaskWork(): void {
    if (!this.#twCheck || this.#twTimer !== undefined) return;
    const t = setTimeout(this.#checkTaskWork, TASKWORK_CHECK_MS);
    t.unref(); // the waker holds the process while operations are in flight
    this.#twTimer = t;
  }

  #checkTaskWork = (): void => {
    this.#twTimer = undefined;
    if (this.#closed || this.ring.inFlight === 0) return;
    if (this.ring.taskWorkPending) this.#onWake();
    else this.#watchTaskWork();
  };

  #onWake = (): void => {
    this.#microTurns = 0; // we are in a macrotask
    if (this.#closed || this.#yielding) return;
    this.#runDeferred(); // run the deferred task work on this thread
    this.#drain();
  };

  /**
   * DEFER_TASKRUN: post the completions the kernel deferred to this thread
   * (an enter with GETEVENTS). With TASKRUN_FLAG the kernel flags pending
   * work in the SQ ring (IORING_SQ_TASKRUN, as liburing's
   * `cq_ring_needs_flush`), so the enter is skipped when there is none.
   */
  #runDeferred(): void {
    if (this.#defer && (!this.#taskrunFlag || this.#engine.needsFlush())) this.ring.getEvents();
  }

  #onCqe = (res: number, flags: number, tag: unknown): void => {
    if (tag instanceof Pending) {
      if (flags & CqeFlag.F_MORE) {
        // SEND_ZC: the result now, the buffer back with a later F_NOTIF CQE.
        // Settle on the last one, when the kernel no longer reads the buffer.
        tag.moreRes = res;
        return;
      }
      if (flags & CqeFlag.F_NOTIF) res = tag.moreRes;
      if (tag.onAbort) tag.signal!.removeEventListener("abort", tag.onAbort);
      if (tag.refused !== undefined) tag.reject(tag.refused);
      else if (res >= 0) tag.resolve(res);
      else tag.reject(this.#error(tag, res));
    } else if (tag instanceof Multishot) {
      tag.push(res, flags, this.#closing);
    }
    // LinkTimeoutTag and INTERNAL: nothing to settle.
  };

  #error(p: Pending, res: number): unknown {
    if (res === -Errno.ECANCELED) {
      if (p.aborted) return p.signal!.reason;
      if (this.#closing) return closedError(p.name);
      if (p.hasTimeout) return timeoutError(p.name);
    }
    return new UringError(-res, p.name);
  }

  /** @internal The next SQE; with `need` 2 the SQE after it is free too (an op and its linked timeout). */
  protected _sqe(need = 1): number {
    if (this.#closed) throw new TypeError("ring is closed");
    if (this.ring.sqSpace < need) {
      // Submit what is queued (with the detach checks) before taking more.
      this.#submitQueued();
      this.ring.reap(this.#onCqe);
    }
    const at = this.ring.getSqe();
    this._lastAt = at;
    return at;
  }

  /** @internal Track the SQE at `at` as `p`, with the chain and timeout flags. */
  protected _track(
    p: Pending,
    at: number,
    keep: unknown,
    options: AsyncOpOptions | undefined,
  ): Promise<number> {
    // Every option was checked by _start, before the SQE was reserved: from
    // here on nothing throws for a bad argument, so no SQE is left half-queued.
    const ts = p.ts;
    let flags = this._linkFlags | p.sqeFlags;
    if (ts !== undefined) flags |= SqeFlag.IO_LINK;
    p.at = at;
    p.ud = this.ring.track(at, p, flags, keep);
    this.#queued.push(p);
    if (ts !== undefined) {
      p.hasTimeout = true;
      // Inside a chain the timeout SQE carries IO_LINK on to the next op
      // (and, being the last SQE written, has it cleared if it ends the chain).
      // _sqe(2) reserved room for it: this cannot submit in between.
      const tat = this._sqe();
      sqe.prepLinkTimeout(this.ring.sqes, tat, getNative().addressOf(ts), 0);
      this.ring.track(tat, new LinkTimeoutTag(p), this._linkFlags, ts);
    }
    const signal = options?.signal;
    if (signal) {
      p.signal = signal;
      p.onAbort = () => {
        p.aborted = true;
        this._cancelUserData(p.ud);
      };
      signal.addEventListener("abort", p.onAbort, { once: true });
    }
    this.#schedule();
    return p.promise;
  }

  /** @internal Queue an ASYNC_CANCEL of `userData` (no-op once closed). */
  _cancelUserData(userData: number): void {
    if (this.#closed || this.#closing) return;
    const at = this._sqe();
    sqe.prepCancel(this.ring.sqes, at, userData, 0);
    this.ring.track(at, INTERNAL);
    this.#schedule();
  }

  /**
   * @internal
   * An SQE reserved for an operation that then failed before it was tracked
   * (a `prep` callback threw): make it a NOP nobody waits for, so no stale
   * SQE bytes reach the kernel.
   */
  protected _abandon(at: number): void {
    sqe.prepNop(this.ring.sqes, at);
    this.ring.track(at, INTERNAL, this._linkFlags);
  }

  /**
   * @internal
   * Check `options` (no unknown key; signal, timeout, fixedFile) and start
   * the pending record, or a rejected promise: never a synchronous throw,
   * and nothing reserved, tracked or queued yet.
   */
  protected _start(
    name: string,
    options: AsyncOpOptions | undefined,
    known: readonly string[] = ASYNC_KEYS,
  ): Pending | Promise<never> {
    if (this.#closed) return Promise.reject(new TypeError(`${name}: ring is closed`));
    if (options === undefined) return new Pending(name);
    let p: Pending;
    try {
      checkOptions(options, `${name} options`, known);
      const signal = options.signal;
      if (signal !== undefined) checkSignal(signal, `${name} options.signal`);
      p = new Pending(name);
      if (options.timeout !== undefined) p.ts = timespec(options.timeout, `${name} options.timeout`);
      if (options.fixedFile !== undefined && checkBool(options.fixedFile, `${name} options.fixedFile`)) {
        p.sqeFlags |= SqeFlag.FIXED_FILE;
      }
      if (options.async !== undefined && checkBool(options.async, `${name} options.async`)) {
        p.sqeFlags |= SqeFlag.ASYNC;
      }
      if (signal?.aborted) return Promise.reject(signal.reason);
    } catch (e) {
      return Promise.reject(e);
    }
    return p;
  }

  /** @internal Reserve, write with `prep`, track: the common tail of the operations. */
  protected _queue(
    p: Pending,
    prep: (sqes: sqe.SqeViews, at: number) => void,
    keep: unknown,
    options: AsyncOpOptions | undefined,
  ): Promise<number> {
    try {
      const at = this._sqe(p.ts === undefined ? 1 : 2);
      try {
        prep(this.ring.sqes, at);
      } catch (e) {
        this._abandon(at);
        throw e;
      }
      return this._track(p, at, keep, options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** @internal Queue a multishot request (first arm or re-arm); returns its user_data. */
  _armMultishot(m: Multishot, prep: (sqes: sqe.SqeViews, at: number) => void, keep: unknown): number {
    const at = this._sqe();
    prep(this.ring.sqes, at);
    const ud = this.ring.track(at, m, sqe.getSqeFlags(this.ring.sqes, at), keep);
    this.#schedule();
    return ud;
  }

  /** @internal Queue an ASYNC_CANCEL of `userData` whose own result goes to `done` (no-op once closed). */
  _cancelChecked(userData: number, done: (res: number) => void): void {
    if (this.#closed || this.#closing) return;
    const at = this._sqe();
    sqe.prepCancel(this.ring.sqes, at, userData, 0);
    this.ring.trackInternal(at, done);
    this.#schedule();
  }

  // ------------------------------------------ generic ways to run operations

  /**
   * Queue any single-shot operation written by `prep` (one of the `prep*`
   * writers) into the SQE at `at`; `keep` stays referenced until it completes.
   * Resolves with the CQE result (≥ 0), rejects with a `UringError`.
   *
   * @example
   * ```ts
   * import { AsyncRing, prepNop } from "@jsuring/jsuring";
   * await using ring = AsyncRing.create();
   * console.log(await ring.op("nop", (s, at) => prepNop(s, at))); // 0
   * ```
   */
  op(
    name: string,
    prep: (sqes: sqe.SqeViews, at: number) => void,
    keep?: unknown,
    options?: AsyncOpOptions & { buffers?: IoBuffer | readonly IoBuffer[] },
  ): Promise<number> {
    const p = this._start(typeof name === "string" ? name : "op", options, OP_KEYS);
    if (!(p instanceof Pending)) return p;
    try {
      if (typeof name !== "string") throw new TypeError(`op name must be a string, got ${typeof name}`);
      checkFn(prep, "op prep");
      const buffers = options?.buffers;
      if (buffers !== undefined) {
        if (Array.isArray(buffers)) buffers.forEach((b, i) => checkBuffer(b, `options.buffers[${i}]`));
        else checkBuffer(buffers, "options.buffers");
        p.buf = buffers;
      }
    } catch (e) {
      return Promise.reject(e);
    }
    return this._queue(p, prep, keep, options);
  }

  /**
   * Await any operation from its description (see `OPERATIONS`): arguments
   * and options are checked before an SQE is reserved (the promise rejects,
   * nothing is queued), the kernel's memory is kept until the final CQE, and
   * the result is the CQE's (≥ 0) or a `UringError`. The per-operation
   * methods are typed shorthands for this.
   *
   * @param op the description (`OPERATIONS.READ`, ...)
   * @param args the operation's arguments, as a tuple
   * @param options signal, timeout, fixedFile, and the operation's own options
   *
   * @example
   * ```ts
   * import { AsyncRing, OPERATIONS } from "@jsuring/jsuring";
   * await using ring = AsyncRing.create();
   * const fd = await ring.run(OPERATIONS.OPENAT, ["/etc/hostname", 0, 0]);
   * await ring.run(OPERATIONS.CLOSE, [fd]);
   * ```
   */
  run<A extends readonly unknown[], O extends object>(
    op: ops.OpDescription<A, O>,
    args: A,
    options?: AsyncOpOptions & Partial<O>,
  ): Promise<number> {
    if (op === null || typeof op !== "object" || typeof op.check !== "function") {
      return Promise.reject(typeError("run: op", "an operation description (OPERATIONS.*)", op));
    }
    const p = this._start(op.name, options, asyncKeys(op));
    if (!(p instanceof Pending)) return p;
    let keep: unknown;
    try {
      if (!this.#gated.has(op)) {
        requireOp(this.ring, op.opcode, op.name); // probe gate, once per description
        this.#gated.add(op);
      }
      keep = op.check(args, options);
      if (op.buffers) p.buf = op.buffers(args);
      let at: number;
      try {
        at = this._sqe(p.ts === undefined ? 1 : 2);
      } catch (e) {
        if (keep instanceof Pin) keep.finish(-1); // never queued: staging back
        throw e;
      }
      try {
        op.write(this.ring.sqes, at, args, options, keep);
      } catch (e) {
        this._abandon(at);
        if (keep instanceof Pin) keep.finish(-1);
        throw e;
      }
      return this._track(p, at, keep, options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Run the operations `build` issues as one linked chain (IOSQE_IO_LINK):
   * each starts only after the previous one succeeded. Resolves with all
   * results; if one fails, rejects with its error (the rest are cancelled).
   *
   * @example
   * ```ts
   * import { AsyncRing } from "@jsuring/jsuring";
   * import { openSync } from "node:fs";
   * await using ring = AsyncRing.create();
   * const fd = openSync("/tmp/jsuring-chain", "w");
   * const [written] = await ring.chain((r) => [
   *   r.write(fd, new TextEncoder().encode("data"), 0),
   *   r.fsync(fd),
   * ]);
   * ```
   */
  async chain(build: (ring: AsyncRing) => Promise<number>[]): Promise<number[]> {
    checkFn(build, "chain build");
    if (this._linkFlags) throw new TypeError("chains do not nest");
    this._linkFlags = SqeFlag.IO_LINK;
    let promises: Promise<number>[];
    try {
      promises = build(this as unknown as AsyncRing);
    } finally {
      this._linkFlags = 0;
    }
    // The chain ends at the last SQE written.
    if (this._lastAt >= 0) sqe.clearSqeFlags(this.ring.sqes, this._lastAt, SqeFlag.IO_LINK);
    const settled = await Promise.allSettled(promises);
    const failed = settled.find((s) => s.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    return settled.map((s) => (s as PromiseFulfilledResult<number>).value);
  }

  /**
   * Start a multishot operation written by `prep` and iterate its
   * completions. The op's SQE must ask for multishot (accept, recv, poll,
   * timeout flags); `break` cancels it.
   *
   * @example
   * ```ts
   * import { AsyncRing, POLL, prepPollMultishot } from "@jsuring/jsuring";
   * await using ring = AsyncRing.create();
   * const ac = new AbortController();
   * // Multishot poll of stdin for POLLIN (what ring.poll() does).
   * const it = ring.multishot((s, at) => prepPollMultishot(s, at, 0, POLL.IN), { signal: ac.signal });
   * ac.abort();
   * for await (const _ of it) {}
   * ```
   */
  multishot(prep: (sqes: sqe.SqeViews, at: number) => void, options: MultishotOptions = {}): Multishot {
    if (this.closed) throw new TypeError("ring is closed");
    const m = new Multishot(this, prep, options);
    m._start();
    return m;
  }

  // ------------------------------------------------------------------ close

  /**
   * Close the ring: operations in flight are cancelled and reaped (their
   * promises reject with ECANCELED "the ring was closed"; multishot iterators
   * end), the waker stops, and the eventfd is closed.
   *
   * @example
   * ```ts
   * import { AsyncRing } from "@jsuring/jsuring";
   * const ring = AsyncRing.create();
   * const p = ring.sleep(60_000).catch((e) => e.code);
   * ring.close();
   * console.log(await p); // "ECANCELED"
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closing = true;
    try {
      // Queued SQEs are refused by ring.close's cancel-all only once
      // submitted: run the detach checks first.
      if (this.#queued.length) this.#submitQueued();
      this.ring.reap(this.#onCqe);
      const drained = this.ring.close();
      for (const c of drained) this.#onCqe(c.res, c.flags, c.tag);
    } finally {
      this.#closed = true;
      if (this.#twTimer !== undefined) clearTimeout(this.#twTimer);
      this.#twTimer = undefined;
      const efd = this.#efd;
      this.#wake.close(() => closeFd(efd));
    }
  }

  /** Close (see {@linkcode AsyncRing.close}). */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Close (see {@linkcode AsyncRing.close}). */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
