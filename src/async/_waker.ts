/**
 * How completions wake the JS event loop. The ring has a registered eventfd
 * (IORING_REGISTER_EVENTFD): the kernel signals it when it posts CQEs and, on
 * a DEFER_TASKRUN ring, when it queues task work for the issuer. Something off
 * the JS thread waits on it; the JS thread then reaps (and on DEFER_TASKRUN
 * enters with GETEVENTS itself, so SINGLE_ISSUER holds: no other thread ever
 * touches the ring).
 *
 * Four wakers; the default per runtime was chosen by measurement
 * (`bench/waker.ts`, figures in `bench/WAKER.md` and in {@linkcode defaultWaker}):
 *
 * - `"nonblocking"` (Deno only): `jsu_eventfd_wait` as a `nonblocking: true`
 *   FFI call, run on one of Deno's blocking threads and resolving a promise.
 *   One call is outstanding only while operations are in flight; an
 *   outstanding call keeps the process alive, which is what we want then.
 *   Going idle with the call outstanding, we signal the eventfd to return it.
 * - `"thread"` (Deno and Bun): a companion-library thread (`jsu_waiter_*`)
 *   blocks in poll() on the eventfd and calls a thread-safe callback
 *   (Deno `UnsafeCallback.threadSafe`, Bun `JSCallback({threadsafe})`), at
 *   most once per arm. Disarmed it sleeps on a condition variable. Liveness:
 *   the callback is ref'd (Deno) and a never-firing timer is ref'd (both)
 *   only while operations are in flight.
 * - `"stream"` (Bun only): `Bun.file(eventfd).stream()`, read through Bun's
 *   own epoll loop; the stream exists only while operations are in flight.
 * - `"poll"`: no waiting thread: `setImmediate` checks the CQ every turn of
 *   the event loop while operations are in flight. Lowest latency, but it
 *   spins a core for as long as anything is pending (a multishot accept
 *   waiting for clients burns 100 % CPU), so it is never the default.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { libjsuring } from "../runtime/libs.ts";
import { type FdReader, getNative, type ThreadsafeCallback } from "../runtime/_ffi.ts";
import { UringError } from "../errors/uring_error.ts";

/**
 * How an `AsyncRing` learns of completions: `"thread"` (the default on Deno
 * and Bun), `"nonblocking"` (Deno only) or `"poll"` (spins while busy); see
 * the module doc of `src/async/_waker.ts` and `bench/WAKER.md`.
 *
 * @example
 * ```ts
 * import { AsyncRing, type WakerKind } from "@jsuring/jsuring";
 * const waker: WakerKind = "thread";
 * await using ring = AsyncRing.create({ waker });
 * ```
 */
export type WakerKind = "nonblocking" | "thread" | "stream" | "poll";

/** The waker's side of the contract with the async ring. */
export interface Waker {
  /** Which one this is. */
  readonly kind: WakerKind;
  /** Operations are in flight: call `onWake` once after the eventfd next fires. Idempotent. */
  arm(): void;
  /** Whether a wake is already on its way (armed and not yet called back). */
  readonly armed: boolean;
  /** Nothing is in flight: stop holding the process alive (and stop any pending wait). */
  idle(): void;
  /**
   * Stop for good. `release` (closing the eventfd) runs once nothing waits
   * on it any more, or never if the waker took the eventfd over.
   */
  close(release: () => void): void;
}

/**
 * The waker each runtime uses by default, chosen by `bench/waker.ts` on this
 * project's 2-vCPU VM (figures and reasoning in `bench/WAKER.md`):
 *
 * - Deno: `"thread"`: p50 wake latency 10.7 µs, async NOPs 207 k/s at QD 1
 *   and 1.13 M/s at QD 64 (1.36 M/s on DEFER_TASKRUN), 0 % idle CPU;
 *   `"nonblocking"` measured 9.3 µs / 130 k / 996 k (866 k on DEFER_TASKRUN):
 *   each wake is a blocking-pool hop and a promise, and going idle needs a kick.
 * - Bun: `"thread"`: 7.2 µs / 121 k / 932 k, 0 % idle; `"stream"` (Bun's own
 *   epoll on the eventfd) 14 µs / 86 k / 591 k.
 * - `"poll"` wins on latency (2-4 µs) on both but burns a whole core for
 *   as long as anything is pending (a pending multishot accept: forever).
 *
 * @example
 * ```ts
 * import { defaultWaker } from "./_waker.ts";
 * console.log(defaultWaker()); // "thread"
 * ```
 */
export function defaultWaker(): WakerKind {
  return "thread";
}

/** Make a waker of `kind` over the eventfd `efd`. */
export function createWaker(kind: WakerKind, efd: number, onWake: () => void): Waker {
  switch (kind) {
    case "nonblocking":
      if (!getNative().nonblockingCalls) {
        throw new TypeError(
          `the "nonblocking" waker needs Deno's nonblocking FFI calls (this is ${getNative().name})`,
        );
      }
      return new NonblockingWaker(efd, onWake);
    case "thread":
      return new ThreadWaker(efd, onWake);
    case "stream": {
      const probe = getNative().fdReader(efd);
      if (!probe) {
        throw new TypeError(`the "stream" waker needs Bun's fd streams (this is ${getNative().name})`);
      }
      probe.cancel();
      return new StreamWaker(efd, onWake);
    }
    case "poll":
      return new PollWaker(onWake);
    default:
      throw new TypeError(`unknown waker ${kind}: use "thread", "stream", "nonblocking" or "poll"`);
  }
}

class NonblockingWaker implements Waker {
  readonly kind = "nonblocking" as const;
  #efd: number;
  #onWake: () => void;
  #outstanding = false;
  #kicked = false;
  #release: (() => void) | undefined;
  #closed = false;

  get armed(): boolean {
    return this.#outstanding && !this.#kicked;
  }

  constructor(efd: number, onWake: () => void) {
    this.#efd = efd;
    this.#onWake = onWake;
  }

  arm(): void {
    if (this.#outstanding || this.#closed) return;
    this.#outstanding = true;
    (libjsuring().jsu_eventfd_wait_async(this.#efd, -1) as Promise<number>).then(this.#done, this.#done);
  }

  #done = (): void => {
    this.#outstanding = false;
    this.#kicked = false;
    if (this.#closed) {
      this.#release?.();
      this.#release = undefined;
      return;
    }
    this.#onWake();
  };

  idle(): void {
    // The blocking call holds the process alive: make it return.
    if (this.#outstanding && !this.#kicked) {
      this.#kicked = true;
      libjsuring().jsu_eventfd_signal(this.#efd);
    }
  }

  close(release: () => void): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#outstanding) {
      this.#release = release; // closing the fd would not wake poll(): signal, close on return
      libjsuring().jsu_eventfd_signal(this.#efd);
    } else {
      release();
    }
  }
}

class ThreadWaker implements Waker {
  readonly kind = "thread" as const;
  #onWake: () => void;
  #cb: ThreadsafeCallback;
  #keep: { ref(): void; unref(): void; close(): void };
  #handle: number;
  #armed = false; // the C side is armed: one callback will come
  #holding = false;
  #closed = false;

  get armed(): boolean {
    return this.#armed;
  }

  constructor(efd: number, onWake: () => void) {
    this.#onWake = onWake;
    const native = getNative();
    this.#cb = native.threadsafeCallback(this.#fire);
    this.#keep = native.keepAlive();
    const out = new BigUint64Array(1);
    const ret = libjsuring().jsu_waiter_start(efd, this.#cb.pointer, out);
    if (ret < 0) {
      this.#cb.close();
      this.#keep.close();
      throw new UringError(-ret, "jsu_waiter_start");
    }
    this.#handle = Number(out[0]);
  }

  #fire = (): void => {
    this.#armed = false;
    if (!this.#closed) this.#onWake();
  };

  arm(): void {
    if (this.#closed) return;
    if (!this.#armed) {
      this.#armed = true;
      libjsuring().jsu_waiter_arm(this.#handle);
    }
    if (!this.#holding) {
      this.#holding = true;
      this.#cb.ref();
      this.#keep.ref();
    }
  }

  idle(): void {
    // The thread may stay armed (blocked in poll, no CPU); a late callback
    // finds nothing to reap. Only the process's liveness changes.
    if (this.#holding) {
      this.#holding = false;
      this.#cb.unref();
      this.#keep.unref();
    }
  }

  close(_release: () => void): void {
    if (this.#closed) return;
    this.#closed = true;
    this.idle();
    // The thread takes the eventfd over and closes it on its way out (on
    // Deno it may be blocked in the callback until this turn ends).
    libjsuring().jsu_waiter_stop(this.#handle);
    this.#keep.close();
    // A call the thread posted just before it stopped may still be queued:
    // free the trampoline a little later. (The companion library pins
    // itself in memory while waiter threads exist: Deno unloads libraries
    // at exit, which crashed a parked thread.)
    const cb = this.#cb;
    setTimeout(() => cb.close(), 10);
  }
}

class StreamWaker implements Waker {
  readonly kind = "stream" as const;
  #efd: number;
  #onWake: () => void;
  #reader: FdReader | undefined;
  #pending = false;
  #closed = false;

  get armed(): boolean {
    return this.#pending;
  }

  constructor(efd: number, onWake: () => void) {
    this.#efd = efd;
    this.#onWake = onWake;
  }

  arm(): void {
    if (this.#pending || this.#closed) return;
    // One stream while busy; a pending read holds the process alive.
    this.#reader ??= getNative().fdReader(this.#efd)!;
    this.#pending = true;
    const reader = this.#reader;
    reader.read().then(() => this.#done(reader), () => this.#done(reader));
  }

  #done(reader: FdReader): void {
    if (reader !== this.#reader) return; // cancelled by idle()
    this.#pending = false;
    if (!this.#closed) this.#onWake();
  }

  idle(): void {
    // Let the process exit: drop the stream (the eventfd stays open).
    if (this.#reader) {
      const r = this.#reader;
      this.#reader = undefined;
      this.#pending = false;
      r.cancel();
    }
  }

  close(release: () => void): void {
    if (this.#closed) return;
    this.#closed = true;
    this.idle();
    release();
  }
}

class PollWaker implements Waker {
  readonly kind = "poll" as const;
  #onWake: () => void;
  #armed = false;
  #closed = false;

  get armed(): boolean {
    return this.#armed;
  }

  constructor(onWake: () => void) {
    this.#onWake = onWake;
  }

  #tick = (): void => {
    this.#armed = false;
    if (!this.#closed) this.#onWake(); // onWake re-arms while work is pending
  };

  arm(): void {
    if (this.#armed || this.#closed) return;
    this.#armed = true;
    setImmediate(this.#tick);
  }

  idle(): void {}

  close(release: () => void): void {
    this.#closed = true;
    release();
  }
}
