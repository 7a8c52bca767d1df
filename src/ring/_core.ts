/**
 * The ring's machinery under the operation methods: SQ/CQ views over the
 * mapped memory, SQE reservation and tracking, submit and wait (through the
 * one enter engine, `_enter.ts`), batch reaping, and close. `Ring` (ring.ts)
 * adds creation, the operations and registration on top.
 *
 * The hot path makes no FFI call per operation: SQEs are written into ring
 * memory through TypedArray views, the SQ tail is published once per batch
 * with a release store, one `io_uring_enter` submits (and waits), and CQEs are
 * read from ring memory with the CQ head advanced once per batch.
 *
 * @module
 */
import { CancelFlag, CqeFlag, EnterFlag, io_uring_params, SetupFlag } from "../abi/mod.ts";
import type { Arena, MemoryKind } from "../memory/arena.ts";
import { libjsuring } from "../runtime/libs.ts";
import { getNative } from "../runtime/_ffi.ts";
import { UringError } from "../errors/uring_error.ts";
import { Errno } from "../errors/errno.ts";
import * as sqe from "../ops/sqe.ts";
import { stampSqe } from "../ops/_fill.ts";
import { INTERNAL_USER_DATA, OpTable } from "./_table.ts";
import { keepForever } from "../memory/_keep.ts";
import { checkFn, checkInt, checkU32, type Timeout, timespecParts } from "./_args.ts";
import { EnterEngine, setEngine } from "./_enter.ts";
import type { RingMapping } from "./_map.ts";
import type { RingLayout, RingMemory } from "./setup.ts";

/**
 * Per-operation options.
 *
 * @example
 * ```ts
 * import { type OpOptions, Ring, SqeFlag } from "@jsuring/jsuring";
 * const first: OpOptions = { tag: "first", flags: SqeFlag.IO_LINK };
 * using ring = Ring.create({ entries: 8 });
 * ring.nop(first);
 * ring.nop({ tag: "second" }); // runs after the first
 * ring.submitAndWait(2);
 * ```
 */
export interface OpOptions {
  /** Any value, handed back with the completion. */
  tag?: unknown;
  /** `IOSQE_*` flags (link, drain, async, fixed file...), see `SqeFlag`. */
  flags?: number;
}

/**
 * One completion, as {@linkcode RingCore.completions} returns it.
 *
 * @example
 * ```ts
 * import { type Completion, Ring } from "@jsuring/jsuring";
 * using ring = Ring.create({ entries: 8 });
 * ring.nop({ tag: "n" });
 * ring.submitAndWait(1);
 * const done: Completion[] = ring.completions();
 * console.log(done[0].res, done[0].tag); // 0 "n"
 * ```
 */
export interface Completion {
  /** The result: ≥ 0 on success, `-errno` on failure. */
  readonly res: number;
  /** `IORING_CQE_F_*` flags. */
  readonly flags: number;
  /** The operation's tag. */
  readonly tag: unknown;
}

/**
 * Called for each completion by {@linkcode RingCore.reap}.
 *
 * @example
 * ```ts
 * import { type CompletionHandler, Ring } from "@jsuring/jsuring";
 * const log: CompletionHandler = (res, _flags, tag) => console.log(tag, res);
 * using ring = Ring.create({ entries: 8 });
 * ring.nop({ tag: "nop" });
 * ring.submitAndWait(1);
 * ring.reap(log); // nop 0
 * ```
 */
export type CompletionHandler = (res: number, flags: number, tag: unknown) => void;

const PARAMS = io_uring_params.fields;

/** The tag of an operation issued with {@linkcode RingCore.trackInternal}. */
class InternalOp {
  constructor(readonly onComplete: (res: number, flags: number) => void) {}
}

/**
 * What every {@linkcode Ring} is underneath: SQE reservation and tracking,
 * submit, wait, reap and close. Rings are made with `Ring.create`; this class
 * holds the part of their methods that is not an operation or a registration.
 *
 * @example
 * ```ts
 * import { Ring, RingCore } from "@jsuring/jsuring";
 * using ring = Ring.create({ entries: 8 });
 * console.log(ring instanceof RingCore); // true
 * ring.nop();
 * ring.submitAndWait(1);
 * ```
 */
export class RingCore implements Disposable {
  /** The ring's file descriptor (-1 once closed). */
  fd: number;
  /** Setup flags in force (`IORING_SETUP_*`). */
  readonly flags: number;
  /** `IORING_FEAT_*` the kernel reported. */
  readonly features: number;
  /** Sizes of the SQ, CQ, SQEs and CQEs. */
  readonly layout: RingLayout;
  /** Where the rings live: application memory (NO_MMAP) or the kernel's. */
  readonly memory: RingMemory;
  /** What backs the ring memory: hugetlb, thp, or pages (kernel memory: pages). */
  readonly memoryKind: MemoryKind;
  /** The arena holding the rings (user memory only). */
  readonly arena: Arena | undefined;
  /** Views over the SQE array for the `sqe.prep*` writers. */
  readonly sqes: sqe.SqeViews;

  #ringU32: Uint32Array;
  #ringI32: Int32Array;
  #sqHead: number;
  #sqTail: number;
  #sqFlags: number;
  #sqMask: number;
  #cqHead: number;
  #cqTail: number;
  #cqMask: number;
  #cqes: number; // word index of cqes[0]
  #cqeWords: number;
  #sqeShift: number;
  #sqeTail = 0; // local tail: SQEs written, not yet published
  #sqHeadSeen = 0; // the kernel's SQ head as last read (getSqe's fast check)
  #table = new OpTable();
  #internalLive = 0; // trackInternal operations without their final CQE
  #unmap: (() => void) | undefined;
  #ownsArena: boolean;
  #engine: EnterEngine;
  #fallback: readonly string[];

  /**
   * What this ring does without that jsuring would have used by default, each
   * with the reason and the fix (an old kernel, no reserved hugepages, …);
   * empty when it got everything. A feature asked for explicitly never falls
   * back: it throws instead.
   */
  get fallback(): readonly string[] {
    return this.#fallback;
  }

  /** Map the views over a ring `mapRing` set up. */
  protected constructor(m: RingMapping) {
    const { params, layout, ringAddr, ringBytes, sqesAddr } = m;
    this.fd = m.fd;
    this.flags = params[PARAMS.flags[0] >> 2];
    this.features = params[PARAMS.features[0] >> 2];
    this.layout = layout;
    this.memory = m.memory;
    this.memoryKind = m.memoryKind;
    this.arena = m.arena;
    this.#ownsArena = m.ownsArena;
    this.#unmap = m.unmap;
    this.#fallback = m.fallback;
    const native = getNative();
    const ring = native.view(ringAddr, ringBytes);
    this.#ringU32 = new Uint32Array(ring);
    this.#ringI32 = new Int32Array(ring);
    const p = (name: keyof typeof PARAMS) => params[PARAMS[name][0] >> 2] >> 2;
    this.#sqHead = p("sq_off.head");
    this.#sqTail = p("sq_off.tail");
    this.#sqFlags = p("sq_off.flags");
    this.#sqMask = this.#ringU32[p("sq_off.ring_mask")];
    this.#cqHead = p("cq_off.head");
    this.#cqTail = p("cq_off.tail");
    this.#cqMask = this.#ringU32[p("cq_off.ring_mask")];
    this.#cqes = p("cq_off.cqes");
    this.#cqeWords = layout.cqeSize >> 2;
    this.#sqeShift = Math.log2(layout.sqeSize);
    this.sqes = sqe.sqeViews(native.view(sqesAddr, layout.sqesBytes));
    if (!(this.flags & SetupFlag.NO_SQARRAY)) {
      // Identity SQ index array, filled once (liburing's io_uring_setup_ring_pointers).
      const array = p("sq_off.array");
      for (let i = 0; i < layout.sqEntries; i++) this.#ringU32[array + i] = i;
    }
    this.#sqeTail = this.#ringU32[this.#sqTail];
    this.#sqHeadSeen = this.#ringU32[this.#sqHead];
    this.#engine = new EnterEngine(this, this.flags, this.#ringU32, {
      sqFlags: this.#sqFlags,
      cqHead: this.#cqHead,
      cqTail: this.#cqTail,
      cqEntries: layout.cqEntries,
    });
    this.#engine.hidden = () => this.#hiddenReady();
    setEngine(this, this.#engine);
  }

  // ---------------------------------------------------------------- SQ side

  /** SQEs written and not yet submitted. */
  get pending(): number {
    return (this.#sqeTail - this.#ringU32[this.#sqTail]) >>> 0;
  }

  /** Operations handed to the ring whose final completion has not been reaped. */
  get inFlight(): number {
    return this.#table.size;
  }

  /** Free SQE slots right now. */
  get sqSpace(): number {
    const head = this.#sqHeadSeen = Atomics.load(this.#ringU32, this.#sqHead);
    return this.layout.sqEntries - ((this.#sqeTail - head) >>> 0);
  }

  /**
   * Reserve the next SQE and return its byte offset in {@linkcode RingCore.sqes},
   * submitting queued SQEs first if the SQ is full. For writing SQEs with the
   * `prep*` functions directly; pair with {@linkcode RingCore.track}.
   *
   * @throws {UringError} EBUSY when the SQ stays full (SQPOLL not keeping up)
   *
   * @example
   * ```ts
   * import { Ring, prepNop } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const at = ring.getSqe();
   * prepNop(ring.sqes, at);
   * ring.track(at, "raw nop");
   * ring.submitAndWait(1);
   * ```
   */
  getSqe(): number {
    this._assertOpen();
    // The SQ head only moves forward, so space counted from the head last seen
    // is a lower bound: re-read it (an Atomics.load, 10-15 ns) only when that
    // bound says full, not once per SQE.
    if (((this.#sqeTail - this.#sqHeadSeen) >>> 0) > this.#sqMask && this.sqSpace === 0) {
      this.submit();
      // SQPOLL: the kernel thread may post a batch's CQEs before moving the SQ
      // head; wait for it to take SQEs (IORING_ENTER_SQ_WAIT, as liburing's
      // io_uring_sqring_wait) instead of failing.
      if (this.sqSpace === 0 && this.flags & SetupFlag.SQPOLL) this.#engine.enter(0, 0, EnterFlag.SQ_WAIT);
      if (this.sqSpace === 0) {
        throw new UringError(Errno.EBUSY, "getSqe", "the submission queue is full; reap completions or wait");
      }
    }
    const at = (this.#sqeTail & this.#sqMask) << this.#sqeShift;
    this.#sqeTail = (this.#sqeTail + 1) >>> 0;
    return at;
  }

  /**
   * Give the SQE at `at` its user_data and flags, and keep `keep` (memory the
   * kernel may touch) reachable until the final CQE. Returns the user_data,
   * which `Ring.cancel` accepts.
   *
   * @example
   * ```ts
   * import { Ring, prepNop } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const at = ring.getSqe();
   * prepNop(ring.sqes, at);
   * const id = ring.track(at, "tag");
   * ```
   */
  track(at: number, tag?: unknown, flags = 0, keep?: unknown): number {
    if (flags !== 0) checkInt(flags, "flags", 0, 0xff);
    const ud = this.#table.add(tag, keep);
    // The unchecked writer (src/ops/_fill.ts): ud comes from the table (a
    // positive integer < 2^53), flags were checked above. A checked writer
    // here cost 20-35 % of raw NOP throughput (bench/RESULTS.md, A/B of #11).
    stampSqe(this.sqes, at, ud, flags);
    return ud;
  }

  /**
   * Like {@linkcode RingCore.track}, for operations a library layer issues for
   * itself (buffer provides and removes): `onComplete(res, flags)` is called
   * from {@linkcode RingCore.reap} (or close) instead of the reap handler, so the
   * caller's handler never sees these completions.
   *
   * @example
   * ```ts
   * import { Ring, prepNop } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const at = ring.getSqe();
   * prepNop(ring.sqes, at);
   * ring.trackInternal(at, (res) => console.log("internal nop", res));
   * ring.submitAndWait(1);
   * ring.reap(() => {}); // prints "internal nop 0"; the handler is not called
   * ```
   */
  trackInternal(
    at: number,
    onComplete: (res: number, flags: number) => void,
    flags = 0,
    keep?: unknown,
  ): number {
    const ud = this.track(at, new InternalOp(onComplete), flags, keep);
    this.#internalLive++;
    return ud;
  }

  /**
   * Whether the operation with this user_data (as `track` and the operation
   * methods return it) still awaits its final completion.
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const id = ring.nop();
   * console.log(ring.isInFlight(id)); // true
   * ring.submitAndWait(1);
   * ring.reap(() => {});
   * console.log(ring.isInFlight(id)); // false
   * ```
   */
  isInFlight(userData: number): boolean {
    return this.#table.owns(userData);
  }

  /**
   * Queue a no-op (IORING_OP_NOP): completes with 0.
   *
   * @returns the operation's user_data
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.nop({ tag: 1 });
   * ring.submitAndWait(1);
   * ```

  /**
   * Give back the SQE {@linkcode RingCore.getSqe} reserved last, before it
   * was tracked (a writer refused a value): stale bytes are never submitted.
   */
  protected _unreserve(): void {
    this.#sqeTail = (this.#sqeTail - 1) >>> 0;
  }

  // --------------------------------------------------------- submit / wait

  #publish(): number {
    // One release store of the SQ tail per batch (liburing __io_uring_flush_sq);
    // Atomics.store is sequentially consistent, which SQPOLL's wakeup check needs.
    Atomics.store(this.#ringU32, this.#sqTail, this.#sqeTail);
    return (this.#sqeTail - Atomics.load(this.#ringU32, this.#sqHead)) >>> 0;
  }

  /**
   * Publish queued SQEs (one store of the SQ tail) without entering the
   * kernel, for layers that make their own `io_uring_enter` call (registered
   * waits in `src/region/`).
   *
   * @returns the number of SQEs the kernel has not consumed yet: the
   *   `to_submit` for the next enter
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.nop();
   * console.log(ring.flush()); // 1
   * ring.submitAndWait(1);
   * ```
   */
  flush(): number {
    this._assertOpen();
    return this.#publish();
  }

  /**
   * Publish queued SQEs and submit them with one `io_uring_enter`.
   *
   * @returns the number of SQEs submitted
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.nop(); ring.nop();
   * console.log(ring.submit()); // 2
   * ```
   */
  submit(): number {
    this._assertOpen();
    const n = this.#publish();
    return n ? this.#engine.enter(n, 0, 0) : 0;
  }

  /**
   * Submit queued SQEs and wait until at least `waitFor` completions are ready.
   *
   * @returns the number of SQEs submitted
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * for (let i = 0; i < 8; i++) ring.nop();
   * ring.submitAndWait(8);
   * console.log(ring.reap(() => {})); // 8
   * ```
   */
  submitAndWait(waitFor = 1): number {
    checkU32(waitFor, "submitAndWait waitFor");
    this._assertOpen();
    return this.#engine.submitAndWait(this.#publish(), waitFor);
  }

  /**
   * Submit and wait for `waitFor` completions for at most `timeout`.
   * Needs IORING_FEAT_EXT_ARG (5.11).
   *
   * @returns false if the time ran out first
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * console.log(ring.waitFor(1, 5)); // false: nothing to complete
   * ```
   */
  waitFor(waitFor: number, timeout: Timeout): boolean {
    checkU32(waitFor, "waitFor count");
    const [sec, nsec] = timespecParts(timeout);
    this._assertOpen();
    return this.#engine.waitTimed(this.#publish(), waitFor, sec, nsec);
  }

  /**
   * Submit queued SQEs and let the kernel post whatever completions it holds,
   * without waiting (`io_uring_enter` with GETEVENTS, min_complete 0). On a
   * DEFER_TASKRUN ring completions reach the CQ only when the issuer enters
   * like this (the registered eventfd fires when such work is queued); on
   * other rings it also flushes overflowed CQEs.
   *
   * One enter runs at most 20 items of deferred task work since Linux 6.13
   * (also in 6.12.y, e.g. Debian 13's 6.12.117; IO_LOCAL_TW_DEFAULT_MAX in
   * `__io_run_local_work`) and keeps the rest for later *without* signalling
   * the registered eventfd again. On a ring with `taskrunFlag` the kernel
   * says so (IORING_SQ_TASKRUN) and this enters again, up to 64 times, until
   * none is left ({@linkcode RingCore.taskWorkPending} tells whether any still is).
   *
   * @returns the number of SQEs submitted
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create({ singleIssuer: true, deferTaskrun: true });
   * ring.timeout(1);
   * ring.submit();
   * ring.getEvents(); // later: runs the deferred task work, if any
   * ```
   */
  getEvents(): number {
    this._assertOpen();
    const n = this.#engine.enter(this.#publish(), 0, EnterFlag.GETEVENTS);
    // Bounded: work that keeps arriving is announced on the eventfd anew
    // (io_req_local_work_add signals when the list was empty).
    for (let i = 0; i < 64 && this.#engine.taskWorkLeft(); i++) this.#engine.enter(0, 0, EnterFlag.GETEVENTS);
    return n;
  }

  /**
   * Whether the kernel holds deferred task work for a later enter
   * (IORING_SQ_TASKRUN). Only rings set up with `taskrunFlag` report it
   * (`AsyncRing.create` sets it with DEFER_TASKRUN); on others this is
   * always false.
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create({ singleIssuer: true, deferTaskrun: true, taskrunFlag: true });
   * ring.nop();
   * ring.submit();
   * if (ring.taskWorkPending) ring.getEvents();
   * ```
   */
  get taskWorkPending(): boolean {
    return this.#engine.taskWorkLeft();
  }

  // ---------------------------------------------------------------- CQ side

  /** CQEs ready to reap. */
  get ready(): number {
    return (Atomics.load(this.#ringU32, this.#cqTail) - this.#ringU32[this.#cqHead]) >>> 0;
  }

  /**
   * Ready CQEs reap() hides (trackInternal operations), counted only while a
   * caller's operation is still in flight: with none, waiting for more could
   * never end.
   */
  #hiddenReady(): number {
    if (this.#internalLive === 0 || this.#table.size === this.#internalLive) return 0;
    const u32 = this.#ringU32;
    let head = u32[this.#cqHead], n = 0;
    const tail = Atomics.load(u32, this.#cqTail);
    for (; head !== tail; head = (head + 1) >>> 0) {
      const w = this.#cqes + (head & this.#cqMask) * this.#cqeWords;
      if (this.#table.peek(u32[w], u32[w + 1]) instanceof InternalOp) n++;
    }
    return n;
  }

  /**
   * Reap up to `max` completions, calling `handler(res, flags, tag)` for each,
   * and advance the CQ head once. Overflowed CQEs (kept by the kernel when the
   * CQ was full, FEAT_NODROP) are flushed and reaped too.
   *
   * @returns the number reaped
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.nop({ tag: "a" });
   * ring.submitAndWait(1);
   * ring.reap((res, flags, tag) => console.log(tag, res));
   * ```
   */
  reap(handler: CompletionHandler, max = Infinity): number {
    checkFn(handler, "reap handler");
    if (max !== Infinity) checkInt(max, "reap max", 0, Number.MAX_SAFE_INTEGER);
    if (this.fd < 0) return 0;
    const u32 = this.#ringU32, i32 = this.#ringI32, table = this.#table;
    let n = 0;
    for (;;) {
      let head = u32[this.#cqHead];
      const tail = Atomics.load(u32, this.#cqTail);
      try {
        while (head !== tail && n < max) {
          const w = this.#cqes + (head & this.#cqMask) * this.#cqeWords;
          const flags = u32[w + 3];
          const tag = table.complete(u32[w], u32[w + 1], (flags & CqeFlag.F_MORE) !== 0, i32[w + 2]);
          head = (head + 1) >>> 0;
          n++;
          if (u32[w] !== INTERNAL_USER_DATA || u32[w + 1] !== 0) {
            if (tag instanceof InternalOp) {
              if (!(flags & CqeFlag.F_MORE)) this.#internalLive--;
              tag.onComplete(i32[w + 2], flags);
            } else handler(i32[w + 2], flags, tag);
          }
        }
      } finally {
        Atomics.store(u32, this.#cqHead, head);
      }
      if (n >= max || !this.#engine.needsFlush()) return n;
      // liburing io_uring_peek_batch_cqe: overflow or deferred task work
      // pending, let the kernel flush it into the CQ, then look again.
      this.#engine.enter(0, 0, EnterFlag.GETEVENTS);
      if (this.ready === 0) return n;
    }
  }

  /**
   * Reap into an array of completion objects (convenient, allocates).
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.nop({ tag: 7 });
   * ring.submitAndWait(1);
   * console.log(ring.completions()); // [{ res: 0, flags: 0, tag: 7 }]
   * ```
   */
  completions(max = Infinity): Completion[] {
    if (max !== Infinity) checkInt(max, "completions max", 0, Number.MAX_SAFE_INTEGER);
    const out: Completion[] = [];
    this.reap((res, flags, tag) => out.push({ res, flags, tag }), max);
    return out;
  }

  #closeHooks: (() => void)[] = [];

  /**
   * Run `hook` once the ring is closed: after its fd is closed and its own
   * memory released, so memory the kernel used through the ring (a param
   * region) can be freed safely. Hooks run in registration order; one that
   * throws does not stop the others.
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * const ring = Ring.create();
   * ring.onClose(() => console.log("closed"));
   * ring.close(); // closed
   * ```
   */
  onClose(hook: () => void): void {
    this._assertOpen();
    this.#closeHooks.push(hook);
  }

  // ------------------------------------------------------------------ close

  /** Throw a TypeError once the ring is closed. */
  protected _assertOpen(): void {
    if (this.fd < 0) throw new TypeError("ring is closed");
  }

  /**
   * Close the ring. Operations still in flight are cancelled first
   * (IORING_OP_ASYNC_CANCEL, any/all) and their completions reaped, so no
   * buffer is released while the kernel may still use it; those completions
   * are returned (cancelled ones have `res === -ECANCELED`). If some never
   * complete within `graceMs`, their buffers are kept alive for the life of
   * the process rather than freed under the kernel.
   *
   * @returns the completions of the operations that were pending
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * const ring = Ring.create();
   * ring.timeout(60_000, { tag: "slow" });
   * ring.submit();
   * console.log(ring.close()); // [{ res: -125, flags: 0, tag: "slow" }]
   * ```
   */
  close(graceMs = 5000): Completion[] {
    checkInt(graceMs, "close graceMs", 0, 2 ** 31 - 1);
    if (this.fd < 0) return [];
    const drained: Completion[] = [];
    const collect: CompletionHandler = (res, flags, tag) => drained.push({ res, flags, tag });
    // SQEs written but never published: the kernel never saw them.
    this.reap(collect);
    if (this.#table.size > 0) {
      if (this.sqSpace === 0) this.submit();
      const at = this.getSqe();
      sqe.prepCancel(this.sqes, at, 0, CancelFlag.ANY | CancelFlag.ALL);
      sqe.setUserData(this.sqes, at, INTERNAL_USER_DATA);
      const deadline = Date.now() + graceMs;
      this.submit();
      while (this.#table.size > 0 && Date.now() < deadline) {
        this.waitFor(1, Math.min(100, Math.max(1, deadline - Date.now())));
        this.reap(collect);
      }
    }
    if (this.#table.size > 0) keepForever(this.#table); // never free under the kernel
    // A registered ring fd holds a file reference: drop it first, or the
    // ring would outlive this close (src/ring/_enter.ts).
    this.#engine.unregisterRingFd();
    libjsuring().jsu_close(this.fd);
    this.fd = -1;
    this.#unmap?.();
    if (this.arena) {
      this.arena.release();
      if (this.#ownsArena) this.arena[Symbol.dispose]();
    }
    const hooks = this.#closeHooks;
    this.#closeHooks = [];
    let failure: unknown;
    for (const hook of hooks) {
      try {
        hook();
      } catch (e) {
        failure ??= e;
      }
    }
    if (failure !== undefined) throw failure;
    return drained;
  }

  /** Close the ring (see {@linkcode RingCore.close}). */
  [Symbol.dispose](): void {
    this.close();
  }
}
