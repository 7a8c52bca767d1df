/**
 * The one enter/wait engine, in the spirit of liburing's `_io_uring_get_cqe`
 * and `__io_uring_submit` (queue.c): every `io_uring_enter` a ring makes
 * (submit, submit-and-wait, timed waits, registered waits through a
 * `WaitSlots`, the SQ-full wait, the overflow flush) goes through here, so
 * one place decides
 *
 * - SQPOLL: enter only to wake the SQ thread (IORING_SQ_NEED_WAKEUP →
 *   IORING_ENTER_SQ_WAKEUP) or to wait; a plain submit otherwise makes no
 *   syscall (liburing `sq_ring_needs_enter`);
 * - CQ overflow and pending task work (IORING_SQ_CQ_OVERFLOW,
 *   IORING_SQ_TASKRUN): any enter then asks for GETEVENTS so the kernel
 *   flushes them into the CQ (liburing `cq_ring_needs_flush`);
 * - the wait argument: none, a timespec through IORING_ENTER_EXT_ARG (5.11),
 *   or whatever argument the caller prepared (WaitSlots passes a registered
 *   slot offset with EXT_ARG | EXT_ARG_REG, or a prepared getevents_arg): the
 *   caller supplies the argument, never its own enter;
 * - EINTR (retried) and ETIME (a timed wait ends; the CQEs already there
 *   decide the answer);
 * - the registered ring fd (IORING_REGISTER_RING_FDS, 5.18): at its first
 *   enter the ring registers its own fd in the calling thread's io_uring
 *   context, and every enter after passes the registered index with
 *   IORING_ENTER_REGISTERED_RING, sparing the kernel an fdget/fdput per
 *   enter (an atomic on a shared file table: Deno and Bun are
 *   multithreaded), as liburing's `io_uring_register_ring_fd` does. A ring
 *   is used only by the thread that made it (JS objects do not cross
 *   threads), and the registration belongs to that thread. If the kernel
 *   refuses (before 5.18, or all 16 per-thread slots taken) the plain fd is
 *   used. The ring unregisters before its fd is closed
 *   ({@linkcode EnterEngine.unregisterRingFd}): a registration holds a file
 *   reference, so the ring would otherwise outlive its close.
 *
 * Private to the ring layer: a ring's engine is reached through
 * {@linkcode engineOf}, not through a public member.
 *
 * @module
 */
import { __kernel_timespec, EnterFlag, io_uring_getevents_arg, RingFlag, SetupFlag } from "../abi/mod.ts";
import { Errno } from "../errors/errno.ts";
import { UringError } from "../errors/uring_error.ts";
import { liburing } from "../runtime/libs.ts";
import { getNative } from "../runtime/_ffi.ts";
import { enter2, type U64Arg, u64Arg } from "../runtime/enter.ts";

/** What the engine reads of its ring. */
export interface EngineRing {
  /** The ring fd (-1 once closed). */
  readonly fd: number;
}

const GETEVENTS_ARGSZ = u64ArgLazy(io_uring_getevents_arg.size);

const REGISTER_RING_FDS = 20; // io_uring_register opcode, 5.18
const UNREGISTER_RING_FDS = 21;
/** Not tried yet / refused by the kernel: states of {@linkcode EnterEngine}'s registration. */
const UNTRIED = -2, REFUSED = -1;

let registerByDefault = true;

/**
 * Whether rings created from now on register their fd (default true). For
 * `bench/echo.ts`, which measures the registration with and without.
 */
export function setRegisterRingFd(on: boolean): void {
  registerByDefault = on;
}

/** `struct io_uring_rsrc_update` { u32 offset; u32 resv; u64 data }. */
function rsrcUpdate(offset: number, data: number): Uint32Array {
  const u = new Uint32Array(4);
  u[0] = offset >>> 0;
  u[2] = data >>> 0;
  return u;
}

function u64ArgLazy(n: number): () => U64Arg {
  let v: U64Arg | undefined;
  return () => v ??= u64Arg(n);
}

/** One ring's enter/wait engine. */
export class EnterEngine {
  readonly #ring: EngineRing;
  readonly #sqpoll: boolean;
  readonly #u32: Uint32Array;
  readonly #sqFlags: number;
  readonly #cqHead: number;
  readonly #cqTail: number;
  readonly #cqEntries: number;
  // EXT_ARG timed waits: one getevents_arg pointing at one timespec, both
  // owned here and rewritten in place per wait (no allocation per wait).
  #getevents: Uint32Array | undefined;
  #ts: Uint32Array | undefined;
  #geteventsArg: U64Arg | undefined;
  /**
   * Ready CQEs that reap() will hide (the ring's trackInternal operations,
   * e.g. a buffer group's provide): the kernel counts them toward a wait, the
   * caller never sees them, so waits ask for that many more.
   */
  hidden: () => number = () => 0;
  /** The registered index, or UNTRIED / REFUSED. */
  #regIndex: number;

  /**
   * @param ring the ring (its `fd` is read per call)
   * @param setupFlags the ring's IORING_SETUP_* flags
   * @param u32 a view over the ring memory (SQ and CQ headers)
   * @param words word indexes of the SQ flags, CQ head and CQ tail, and the CQ size
   */
  constructor(
    ring: EngineRing,
    setupFlags: number,
    u32: Uint32Array,
    words: { sqFlags: number; cqHead: number; cqTail: number; cqEntries: number },
  ) {
    this.#ring = ring;
    this.#sqpoll = (setupFlags & SetupFlag.SQPOLL) !== 0;
    this.#u32 = u32;
    this.#sqFlags = words.sqFlags;
    this.#cqHead = words.cqHead;
    this.#cqTail = words.cqTail;
    this.#cqEntries = words.cqEntries;
    this.#regIndex = registerByDefault ? UNTRIED : REFUSED;
  }

  /** The registered ring index, or -1 (the plain fd is used). */
  get registeredIndex(): number {
    return this.#regIndex >= 0 ? this.#regIndex : -1;
  }

  #register(fd: number): void {
    this.#regIndex = REFUSED;
    if (fd < 0) return;
    // offset -1: let the kernel pick a free slot and write it back.
    const u = rsrcUpdate(0xffffffff, fd);
    const ret = liburing().io_uring_register(fd, REGISTER_RING_FDS, u, 1);
    if (ret === 1) this.#regIndex = u[0];
  }

  /**
   * Drop the ring's fd registration (before the fd is closed; safe to call
   * twice). Must run on the thread that registered, the ring's own.
   */
  unregisterRingFd(): void {
    const idx = this.#regIndex;
    this.#regIndex = REFUSED;
    const fd = this.#ring.fd;
    if (idx < 0 || fd < 0) return;
    liburing().io_uring_register(fd, UNREGISTER_RING_FDS, rsrcUpdate(idx, 0), 1);
  }

  /** CQEs ready to reap. */
  ready(): number {
    return (Atomics.load(this.#u32, this.#cqTail) - this.#u32[this.#cqHead]) >>> 0;
  }

  /** The kernel holds CQEs that did not fit the CQ (IORING_SQ_CQ_OVERFLOW). */
  overflowed(): boolean {
    return (Atomics.load(this.#u32, this.#sqFlags) & RingFlag.SQ_CQ_OVERFLOW) !== 0;
  }

  /**
   * Deferred task work the kernel left for a later enter (IORING_SQ_TASKRUN;
   * reported only on rings set up with IORING_SETUP_TASKRUN_FLAG).
   */
  taskWorkLeft(): boolean {
    return (Atomics.load(this.#u32, this.#sqFlags) & RingFlag.SQ_TASKRUN) !== 0;
  }

  /** Overflowed CQEs or pending task work wait for an enter with GETEVENTS. */
  needsFlush(): boolean {
    return (Atomics.load(this.#u32, this.#sqFlags) & (RingFlag.SQ_CQ_OVERFLOW | RingFlag.SQ_TASKRUN)) !== 0;
  }

  /**
   * One `io_uring_enter` (or none, when SQPOLL needs no wake-up and nothing
   * is waited for): returns the kernel's result, `-errno` included.
   * `arg`/`argsz`: an EXT_ARG argument (address or region offset) for `flags`
   * carrying IORING_ENTER_EXT_ARG.
   */
  once(toSubmit: number, minComplete: number, flags: number, arg?: U64Arg, argsz?: U64Arg): number {
    if (this.#sqpoll) {
      // The SQ thread submits; enter only to wake it or to wait.
      if (Atomics.load(this.#u32, this.#sqFlags) & RingFlag.SQ_NEED_WAKEUP) {
        flags |= EnterFlag.SQ_WAKEUP;
      } else if (!(flags & (EnterFlag.GETEVENTS | EnterFlag.SQ_WAIT)) && !this.needsFlush()) {
        return toSubmit;
      }
    }
    if (!(flags & EnterFlag.GETEVENTS) && this.needsFlush()) flags |= EnterFlag.GETEVENTS;
    let fd = this.#ring.fd;
    if (this.#regIndex === UNTRIED) this.#register(fd);
    if (this.#regIndex >= 0 && fd >= 0) {
      fd = this.#regIndex;
      flags |= EnterFlag.REGISTERED_RING;
    }
    if (arg === undefined) return liburing().io_uring_enter(fd, toSubmit, minComplete, flags, null);
    // Alone, EXT_ARG_REG is ignored and the offset taken as a sigmask pointer.
    if (flags & EnterFlag.EXT_ARG_REG && !(flags & EnterFlag.EXT_ARG)) {
      throw new TypeError("IORING_ENTER_EXT_ARG_REG must be passed with IORING_ENTER_EXT_ARG");
    }
    return enter2(fd, toSubmit, minComplete, flags, arg, argsz!);
  }

  /** {@linkcode EnterEngine.once}, retried on EINTR, throwing a `UringError` on failure. */
  enter(toSubmit: number, minComplete: number, flags: number): number {
    for (;;) {
      const ret = this.once(toSubmit, minComplete, flags);
      if (ret >= 0) return ret;
      if (ret === -Errno.EINTR) continue;
      throw new UringError(
        -ret,
        "io_uring_enter",
        ret === -Errno.EBUSY || ret === -Errno.EAGAIN
          ? "completions are backing up: reap the CQ before submitting more"
          : undefined,
      );
    }
  }

  /**
   * Submit `toSubmit` SQEs and wait until `waitFor` CQEs are ready (as
   * liburing's `io_uring_submit_and_wait`, then its `io_uring_wait_cqe_nr`
   * loop). Returns the number submitted.
   */
  submitAndWait(toSubmit: number, waitFor: number): number {
    if (waitFor <= 0 || this.ready() - this.hidden() >= waitFor && !this.needsFlush()) {
      return toSubmit ? this.enter(toSubmit, 0, 0) : 0;
    }
    let submitted = this.enter(toSubmit, waitFor, EnterFlag.GETEVENTS);
    // The kernel wakes every waiter when any timeout completes
    // (io_should_wake() checks cq_timeouts), so fewer than waitFor CQEs may be
    // ready: wait again, for as many more as reap() will hide. Not past what
    // the CQ can show: the rest may sit in the overflow list, which reap()
    // flushes. An SQE the kernel refuses at submit (a LINK_TIMEOUT with
    // nothing to link to) ends that submission with the SQEs after it still
    // queued: pass them again, as liburing's _io_uring_get_cqe does
    // (data->submit -= ret), or this waits forever for completions of
    // operations the kernel never saw. SQPOLL: the thread submits, the
    // returned count says nothing.
    for (;;) {
      const want = Math.min(waitFor + this.hidden(), this.#cqEntries);
      if (this.ready() >= want || this.overflowed()) break;
      const left = this.#sqpoll ? 0 : toSubmit - submitted;
      submitted += this.enter(left, want, EnterFlag.GETEVENTS);
    }
    return submitted;
  }

  /**
   * Submit, then wait for `waitFor` CQEs for at most `sec`/`nsec`
   * (IORING_ENTER_EXT_ARG with a timespec, 5.11). Returns false if the time
   * ran out first.
   */
  waitTimed(toSubmit: number, waitFor: number, sec: number, nsec: number): boolean {
    // Submit first: when the same enter submits, the kernel returns the
    // submitted count and an expired timeout goes unreported.
    // A refused SQE stops a submission early (see submitAndWait): repeat
    // until the kernel has taken them all; each round consumes at least one.
    while (toSubmit > 0) {
      const n = this.enter(toSubmit, 0, 0);
      if (this.#sqpoll || n <= 0) break;
      toSubmit -= n;
    }
    const want = Math.min(waitFor, this.#cqEntries);
    const total = sec * 1e3 + nsec / 1e6;
    const deadline = performance.now() + total;
    if (this.#ts === undefined) {
      this.#ts = new Uint32Array(__kernel_timespec.size / 4);
      this.#getevents = new Uint32Array(io_uring_getevents_arg.size / 4);
      const at = io_uring_getevents_arg.fields.ts[0] >> 2;
      const addr = getNative().addressOf(this.#ts);
      this.#getevents[at] = addr >>> 0;
      this.#getevents[at + 1] = (addr / 4294967296) >>> 0;
      this.#geteventsArg = u64Arg(getNative().addressOf(this.#getevents));
    }
    const ts = this.#ts;
    let first = true;
    // Loop: a timeout completing elsewhere wakes waiters early (io_should_wake),
    // and EINTR restarts with the time that is left.
    while (this.ready() < want && !this.overflowed()) {
      const left = first ? total : deadline - performance.now();
      if (left <= 0) return false;
      let whole = first ? sec : Math.floor(left / 1e3);
      let ns = first ? nsec : Math.round((left - whole * 1e3) * 1e6);
      if (ns >= 1e9) {
        whole += 1;
        ns -= 1e9;
      }
      first = false;
      ts[0] = whole >>> 0;
      ts[1] = (whole / 4294967296) >>> 0;
      ts[2] = ns;
      ts[3] = 0;
      const ret = this.once(
        0,
        want,
        EnterFlag.GETEVENTS | EnterFlag.EXT_ARG,
        this.#geteventsArg!,
        GETEVENTS_ARGSZ(),
      );
      if (ret === -Errno.ETIME) return this.ready() >= want;
      if (ret < 0 && ret !== -Errno.EINTR) throw new UringError(-ret, "io_uring_enter2");
    }
    return true;
  }
}

const engines = new WeakMap<object, EnterEngine>();

/** Attach `engine` to `ring` (the ring's constructor does this). */
export function setEngine(ring: object, engine: EnterEngine): void {
  engines.set(ring, engine);
}

/** The engine of `ring`, for the layers that wait on it with their own argument (`WaitSlots`). */
export function engineOf(ring: object): EnterEngine {
  const e = engines.get(ring);
  if (!e) throw new TypeError("not a Ring");
  return e;
}
