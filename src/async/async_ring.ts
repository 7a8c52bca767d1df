/**
 * `AsyncRing`: every operation returns a promise, on Deno and on Bun, without
 * blocking the event loop and without spinning.
 * This file holds `AsyncRing.create`, the named operations and
 * `multishotOf` (multishot descriptions); the machinery, `op`, `run`,
 * `chain` and `multishot` are `AsyncRingCore` (`_core.ts`), which it extends.
 *
 * - Each operation's table tag is its `Pending` record (its resolvers). SQEs
 *   written in one tick are submitted by one `io_uring_enter` from a
 *   microtask; completions already posted (page-cached reads complete inside
 *   that enter) are reaped straight after it, the rest when the waker
 *   (`_waker.ts`) reports that the ring's eventfd fired. Reaping is batched.
 * - The kernel only does I/O into memory the library owns, so a buffer is
 *   safe until the final CQE whatever the caller does (src/memory/_pin.ts):
 *   arena memory in place, any other buffer through a staging copy (copied
 *   in at the call, out at the completion); a buffer detached before submit
 *   has its SQE turned into a NOP and its promise rejected with a TypeError.
 * - Cancellation: `AbortSignal` (IORING_OP_ASYNC_CANCEL of the op's
 *   user_data), per-op timeouts (IORING_OP_LINK_TIMEOUT), linked chains.
 * - Multishot operations (accept, recv, poll, timeouts) are async iterators.
 * - The process stays alive while operations are in flight and can exit when
 *   none are (the waker holds the loop only then).
 *
 * Limits: a read's buffer transferred *after* submit does not get the
 * bytes (they stay in staging; nothing else is touched). A chain or an op with a timeout is
 * submitted whole unless the SQ fills while it is being built (chains longer
 * than the SQ are split). COOP_TASKRUN rings need DEFER_TASKRUN as well.
 *
 * @module
 */
import { decodeStatx, type IoBuffer, Ring, type Statx, type Timeout } from "../ring/ring.ts";
import { checkRingOptions, type RingOptions } from "../ring/setup.ts";
import { checkBuffer, checkChoice, checkFd, checkFn, checkOffset, checkOptions, checkSignal } from "../ring/_args.ts";
import * as ops from "../ring/operations.ts";
import { statx as statxLayout } from "../abi/layout.ts";
import * as sqe from "../ops/sqe.ts";
import { UringError } from "../errors/uring_error.ts";
import { Errno } from "../errors/errno.ts";
import { kernelAtLeast, kernelVersion } from "../errors/hints.ts";
import { defaultWaker, type WakerKind } from "./_waker.ts";
import { withFastDefaults } from "./_defaults.ts";
import { Multishot } from "./_multishot.ts";
import { FROM_KERNEL, pin } from "../memory/_pin.ts";
import {
  type MultishotDescription,
  POLL_MULTISHOT,
  TIMEOUT_MULTISHOT,
} from "../ring/operations_multishot.ts";
import { AsyncRingCore, Pending } from "./_core.ts";
import type { MessageHeader } from "../net/_msg.ts"; // netio (issue 12)

export { AsyncRingCore } from "./_core.ts";

export type { WakerKind } from "./_waker.ts";
export { Multishot, type MultishotOptions, type MultishotResult } from "./_multishot.ts";

/**
 * Options every async operation takes.
 *
 * @example
 * ```ts
 * import { AsyncRing, type AsyncOpOptions } from "@jsuring/jsuring";
 * await using ring = AsyncRing.create();
 * const opts: AsyncOpOptions = { timeout: 100, signal: AbortSignal.timeout(1000) };
 * await ring.nop(opts);
 * ```
 */
export interface AsyncOpOptions {
  /** Abort the operation (IORING_OP_ASYNC_CANCEL); it rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Give up after this long (a linked IORING_OP_LINK_TIMEOUT); rejects with a `TimeoutError`. */
  timeout?: Timeout;
  /** The `fd` is an index into the ring's registered file table (IOSQE_FIXED_FILE). */
  fixedFile?: boolean;
  /**
   * Start the operation in the kernel's worker threads (IOSQE_ASYNC, 5.6)
   * instead of inline in `io_uring_enter`: page-cached reads and writes then
   * copy off the JS thread, several at once across CPUs.
   */
  async?: boolean;
}

/**
 * Options of {@linkcode AsyncRing.create}.
 *
 * @example
 * ```ts
 * import type { AsyncRingOptions } from "@jsuring/jsuring";
 * const opts: AsyncRingOptions = { entries: 256, singleIssuer: true, deferTaskrun: true, waker: "thread" };
 * ```
 */
export interface AsyncRingOptions extends RingOptions {
  /** How completions wake the event loop; default per runtime (see `defaultWaker`). */
  waker?: WakerKind;
}

/**
 * An io_uring whose operations return promises.
 *
 * @example
 * ```ts
 * import { AsyncRing } from "@jsuring/jsuring";
 * import { openSync } from "node:fs";
 *
 * await using ring = AsyncRing.create({ entries: 64 });
 * const fd = openSync("/etc/os-release", "r");
 * const buf = new Uint8Array(4096);
 * const n = await ring.read(fd, buf, 0);
 * console.log(new TextDecoder().decode(buf.subarray(0, n)));
 * ```
 */
export class AsyncRing extends AsyncRingCore {
  /**
   * Wrap `ring` (it must have no operations of its own in flight).
   *
   * @param ring the ring; the AsyncRing owns it from now on
   * @param waker how completions wake the event loop (default per runtime)
   *
   * @example
   * ```ts
   * import { AsyncRing, Ring } from "@jsuring/jsuring";
   * await using ring = new AsyncRing(Ring.create({ entries: 32 }));
   * await ring.nop();
   * ```
   */
  constructor(ring: Ring, waker: WakerKind = defaultWaker()) {
    super(ring, waker);
  }

  /**
   * Create a ring and wrap it.
   *
   * @param options ring options (CQ default: 16 × entries, so thousands of
   *   operations can be in flight) plus the waker
   *
   * @example
   * ```ts
   * import { AsyncRing } from "@jsuring/jsuring";
   * await using ring = AsyncRing.create({ entries: 256, singleIssuer: true, deferTaskrun: true });
   * console.log(await ring.nop()); // 0
   * ```
   */
  static create(options: AsyncRingOptions = {}): AsyncRing {
    checkRingOptions(options, ["waker"]);
    const { waker, ...ringOptions } = options;
    if (waker !== undefined) {
      checkChoice<WakerKind>(waker, "waker", ["nonblocking", "thread", "stream", "poll"]);
    }
    const entries = ringOptions.entries ?? 256;
    const cqEntries = ringOptions.cqEntries ?? Math.min(65536, Math.max(entries * 16, 4096));
    // Flags the caller left unset: the fastest configuration on this kernel (_defaults.ts).
    const ring = Ring.create(withFastDefaults({ ...ringOptions, entries, cqEntries }));
    try {
      return new AsyncRing(ring, waker);
    } catch (e) {
      ring.close();
      throw e;
    }
  }

  // ------------------------------------------------------------ operations

  /**
   * A no-op (IORING_OP_NOP): resolves with 0.
   *
   * @example
   * ```ts
   * import { AsyncRing } from "@jsuring/jsuring";
   * await using ring = AsyncRing.create();
   * await ring.nop();
   * ```
   */
  nop(options?: AsyncOpOptions): Promise<number> {
    const p = this._start("nop", options);
    if (!(p instanceof Pending)) return p;
    try {
      const at = this._sqe(p.ts === undefined ? 1 : 2);
      sqe.prepNop(this.ring.sqes, at);
      return this._track(p, at, undefined, options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Read into `buffer` from `fd` at `offset` (-1: the file position).
   * Resolves with the number of bytes read.
   *
   * @example
   * ```ts
   * import { AsyncRing } from "@jsuring/jsuring";
   * import { openSync } from "node:fs";
   * await using ring = AsyncRing.create();
   * const buf = new Uint8Array(64);
   * console.log(await ring.read(openSync("/etc/hostname", "r"), buf, 0));
   * ```
   */
  read(fd: number, buffer: IoBuffer, offset = -1, options?: AsyncOpOptions): Promise<number> {
    // Inlined fast path (4 KiB reads are the hot case, bench/async_read.ts):
    // the same checks and writer as run(READ, ...), without the argument
    // array and the indirect calls.
    const p = this._start("read", options);
    if (!(p instanceof Pending)) return p;
    try {
      checkBuffer(buffer);
      checkFd(fd);
      checkOffset(offset);
      const at = this._sqe(p.ts === undefined ? 1 : 2);
      // Library memory only (src/memory/_pin.ts), as ops.READ does.
      const mem = pin(buffer, FROM_KERNEL);
      sqe.prepRead(this.ring.sqes, at, fd, mem.addr, buffer.byteLength, offset);
      p.buf = buffer;
      return this._track(p, at, mem, options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Write `buffer` to `fd` at `offset` (-1: the file position). Resolves with
   * the number of bytes written.
   *
   * @example
   * ```ts
   * import { AsyncRing } from "@jsuring/jsuring";
   * await using ring = AsyncRing.create();
   * await ring.write(1, new TextEncoder().encode("hello\n"));
   * ```
   */
  write(fd: number, buffer: IoBuffer, offset = -1, options?: AsyncOpOptions): Promise<number> {
    return this.run(ops.WRITE, [fd, buffer, offset], options);
  }

  /**
   * The shape every single-buffer operation shares: start the pending op,
   * check the buffer (and `check` the rest), write one SQE with the buffer's
   * address and length, let `finish` set op-specific fields from `extra`, keep
   * the buffer until the completion. `check` and `finish` are module-level
   * functions: nothing is allocated per operation.
   */

  /**
   * send(2) on a socket (IORING_OP_SEND, or IORING_OP_SEND_ZC with
   * `zeroCopy`: then the promise settles once the kernel let go of the
   * buffer, after its F_NOTIF completion). MSG_NOSIGNAL is always added.
   *
   * @param msgFlags `MSG_*` flags
   * @returns the bytes sent
   *
   * @example
   * ```ts
   * import { AsyncRing } from "@jsuring/jsuring";
   * await using ring = AsyncRing.create();
   * // fd: a connected socket (see connect() for the ready-made one)
   * ```
   */
  send(
    fd: number,
    buffer: IoBuffer,
    msgFlags = 0,
    zeroCopy = false,
    options?: AsyncOpOptions,
  ): Promise<number> {
    return this.run(zeroCopy ? ops.SEND_ZC : ops.SEND, [fd, buffer, msgFlags], options);
  }

  /**
   * recv(2) on a socket into `buffer` (IORING_OP_RECV). Resolves with the
   * bytes received, 0 once the peer closed its side.
   *
   * @example
   * ```ts
   * import { AsyncRing } from "@jsuring/jsuring";
   * await using ring = AsyncRing.create();
   * // fd: a connected socket (see connect() for the ready-made one)
   * ```
   */
  recv(fd: number, buffer: IoBuffer, msgFlags = 0, options?: AsyncOpOptions): Promise<number> {
    return this.run(ops.RECV, [fd, buffer, msgFlags], options);
  }

  /**
   * Read into registered buffer `index` (IORING_OP_READ_FIXED); `buffer` must
   * lie inside it (see `ring.ring.registerBuffers`).
   *
   * @example
   * ```ts
   * import { AsyncRing } from "@jsuring/jsuring";
   * import { openSync } from "node:fs";
   * await using ring = AsyncRing.create();
   * const buf = new Uint8Array(4096);
   * ring.ring.registerBuffers([buf]);
   * await ring.readFixed(openSync("/etc/hostname", "r"), buf, 0, 0);
   * ```
   */
  readFixed(
    fd: number,
    buffer: IoBuffer,
    offset: number,
    index: number,
    options?: AsyncOpOptions,
  ): Promise<number> {
    return this.run(ops.READ_FIXED, [fd, buffer, offset, index], options);
  }

  /**
   * Write from registered buffer `index` (IORING_OP_WRITE_FIXED).
   *
   * @example
   * ```ts
   * import { AsyncRing } from "@jsuring/jsuring";
   * await using ring = AsyncRing.create();
   * const buf = new TextEncoder().encode("fixed\n");
   * ring.ring.registerBuffers([buf]);
   * await ring.writeFixed(1, buf, -1, 0);
   * ```
   */
  writeFixed(
    fd: number,
    buffer: IoBuffer,
    offset: number,
    index: number,
    options?: AsyncOpOptions,
  ): Promise<number> {
    return this.run(ops.WRITE_FIXED, [fd, buffer, offset, index], options);
  }

  /**
   * Vectored read (IORING_OP_READV). Resolves with the bytes read.
   *
   * @example
   * ```ts
   * import { AsyncRing } from "@jsuring/jsuring";
   * import { openSync } from "node:fs";
   * await using ring = AsyncRing.create();
   * await ring.readv(openSync("/etc/hostname", "r"), [new Uint8Array(2), new Uint8Array(62)], 0);
   * ```
   */
  readv(fd: number, buffers: readonly IoBuffer[], offset = -1, options?: AsyncOpOptions): Promise<number> {
    return this.run(ops.READV, [fd, buffers, offset], options);
  }

  /**
   * Vectored write (IORING_OP_WRITEV). Resolves with the bytes written.
   *
   * @example
   * ```ts
   * import { AsyncRing } from "@jsuring/jsuring";
   * await using ring = AsyncRing.create();
   * const enc = new TextEncoder();
   * await ring.writev(1, [enc.encode("a"), enc.encode("b\n")]);
   * ```
   */
  writev(fd: number, buffers: readonly IoBuffer[], offset = -1, options?: AsyncOpOptions): Promise<number> {
    return this.run(ops.WRITEV, [fd, buffers, offset], options);
  }

  /**
   * fsync(2) (or fdatasync) of `fd`.
   *
   * @example
   * ```ts
   * import { AsyncRing } from "@jsuring/jsuring";
   * import { openSync } from "node:fs";
   * await using ring = AsyncRing.create();
   * await ring.fsync(openSync("/tmp/jsuring-fsync", "w"), { datasync: true });
   * ```
   */
  fsync(fd: number, how: { datasync?: boolean } = {}, options?: AsyncOpOptions): Promise<number> {
    return this.run(ops.FSYNC, [fd, how], options);
  }

  /**
   * openat(2): resolves with the new file descriptor.
   *
   * @param flags `O_*` flags (node:fs `constants`)
   *
   * @example
   * ```ts
   * import { AsyncRing } from "@jsuring/jsuring";
   * await using ring = AsyncRing.create();
   * const fd = await ring.openat("/etc/hostname", 0);
   * await ring.closeFd(fd);
   * ```
   */
  openat(
    path: string | Uint8Array,
    flags = 0,
    mode = 0o644,
    options?: AsyncOpOptions & { dirfd?: number },
  ): Promise<number> {
    return this.run(ops.OPENAT, [path, flags, mode], options);
  }

  /**
   * close(2) through the ring.
   *
   * @example
   * ```ts
   * import { AsyncRing } from "@jsuring/jsuring";
   * await using ring = AsyncRing.create();
   * await ring.closeFd(await ring.openat("/etc/hostname"));
   * ```
   */
  closeFd(fd: number, options?: AsyncOpOptions): Promise<number> {
    return this.run(ops.CLOSE, [fd], options);
  }

  /**
   * statx(2) of `path` (or of `dirfd` itself with an empty path and
   * `AT_EMPTY_PATH` = 0x1000 in `atFlags`).
   *
   * @example
   * ```ts
   * import { AsyncRing } from "@jsuring/jsuring";
   * await using ring = AsyncRing.create();
   * console.log((await ring.statx("/etc/hostname")).size);
   * ```
   */
  async statx(
    path: string | Uint8Array,
    options?: AsyncOpOptions & { dirfd?: number; atFlags?: number; mask?: number },
  ): Promise<Statx> {
    const out = new Uint8Array(statxLayout.size);
    await this.run(ops.STATX, [path, out], options);
    return decodeStatx(out);
  }

  // ------------------------------------- server operations (issue 12, netio)

  /**
   * splice(2) (5.7): up to `nbytes` from `fdIn` at `offIn` to `fdOut` at
   * `offOut` (-1: a pipe or the file position); resolves with the bytes moved.
   *
   * @example
   * ```ts
   * import { AsyncRing, pipe } from "@jsuring/jsuring";
   * import { openSync } from "node:fs";
   * await using ring = AsyncRing.create();
   * const [r, w] = await pipe({ ring });
   * console.log(await ring.splice(openSync("/etc/hostname", "r"), 0, w, -1, 4096));
   * await ring.closeFd(r); await ring.closeFd(w);
   * ```
   */
  splice(
    fdIn: number,
    offIn: number,
    fdOut: number,
    offOut: number,
    nbytes: number,
    spliceFlags = 0,
    options?: AsyncOpOptions,
  ): Promise<number> {
    return this.run(ops.SPLICE, [fdIn, offIn, fdOut, offOut, nbytes, spliceFlags], options);
  }

  /**
   * tee(2) (5.8): duplicate up to `nbytes` from pipe `fdIn` to pipe `fdOut`
   * without consuming them; resolves with the bytes duplicated.
   *
   * @example
   * ```ts ignore
   * await ring.tee(a[0], b[1], 65536);
   * ```
   */
  tee(
    fdIn: number,
    fdOut: number,
    nbytes: number,
    spliceFlags = 0,
    options?: AsyncOpOptions,
  ): Promise<number> {
    return this.run(ops.TEE, [fdIn, fdOut, nbytes, spliceFlags], options);
  }

  /**
   * openat2(2) (5.6) of `path` with `how` (`flags`, `mode`, `resolve`);
   * resolves with the fd. `RESOLVE.BENEATH` refuses paths leaving `dirfd` (EXDEV).
   *
   * @example
   * ```ts
   * import { AsyncRing, RESOLVE } from "@jsuring/jsuring";
   * import { openSync } from "node:fs";
   * await using ring = AsyncRing.create();
   * const dirfd = openSync("/etc", "r");
   * const fd = await ring.openat2("hostname", { resolve: RESOLVE.BENEATH }, { dirfd });
   * await ring.closeFd(fd);
   * ```
   */
  openat2(
    path: string | Uint8Array,
    how: ops.OpenHow,
    options?: AsyncOpOptions & { dirfd?: number },
  ): Promise<number> {
    return this.run(ops.OPENAT2, [path, how], options);
  }

  /**
   * shutdown(2) (5.11) of socket `fd`: `how` `SHUT.RD`, `SHUT.WR` (default) or `SHUT.RDWR`.
   *
   * @example
   * ```ts ignore
   * await ring.shutdown(sock, SHUT.WR);
   * ```
   */
  shutdown(fd: number, how = 1, options?: AsyncOpOptions): Promise<number> {
    return this.run(ops.SHUTDOWN, [fd, how], options);
  }

  /**
   * connect(2) (5.5) of socket `fd` to the `struct sockaddr` in `addr`;
   * `timeout` links an IORING_OP_LINK_TIMEOUT (rejects with a `TimeoutError`).
   *
   * @example
   * ```ts ignore
   * await ring.connect(sock, sockaddr, { timeout: 5000 });
   * ```
   */
  connect(fd: number, addr: Uint8Array, options?: AsyncOpOptions): Promise<number> {
    return this.run(ops.CONNECT, [fd, addr], options);
  }

  /**
   * sendmsg(2) (5.3) of `msg` (buffers, optional destination `name`,
   * `control`) on socket `fd`, with MSG_NOSIGNAL; resolves with the bytes sent.
   *
   * @example
   * ```ts ignore
   * await ring.sendmsg(sock, { buffers: [header, body] });
   * ```
   */
  sendmsg(fd: number, msg: MessageHeader, msgFlags = 0, options?: AsyncOpOptions): Promise<number> {
    return this.run(ops.SENDMSG, [fd, msg, msgFlags], options);
  }

  /**
   * recvmsg(2) (5.3) on socket `fd` into `msg`; resolves with the bytes
   * received, `msg.name` / `msg.nameLength` the sender, `msg.flags` the msg_flags.
   *
   * @example
   * ```ts ignore
   * const msg = { buffers: [new Uint8Array(1500)], name: new Uint8Array(28) };
   * const n = await ring.recvmsg(sock, msg);
   * ```
   */
  recvmsg(fd: number, msg: MessageHeader, msgFlags = 0, options?: AsyncOpOptions): Promise<number> {
    return this.run(ops.RECVMSG, [fd, msg, msgFlags], options);
  }

  /**
   * Wait `timeout` on the ring (IORING_OP_TIMEOUT): resolves when it expires.
   *
   * @example
   * ```ts
   * import { AsyncRing } from "@jsuring/jsuring";
   * await using ring = AsyncRing.create();
   * await ring.sleep(5);
   * ```
   */
  async sleep(timeout: Timeout, options?: { signal?: AbortSignal }): Promise<void> {
    if (options !== undefined) checkOptions(options, "sleep options", ["signal"]);
    try {
      await this.run(ops.TIMEOUT, [timeout], options);
    } catch (e) {
      if (e instanceof UringError && e.errno === Errno.ETIME) return;
      throw e;
    }
  }

  /**
   * Start a multishot operation from its description (`MULTISHOT_OPERATIONS`)
   * and iterate its completions: the arguments are checked before anything is
   * reserved, the kernel's memory kept for the whole operation, re-arms
   * written by the description. Before the description's Linux release,
   * iterating rejects with a UringError (EINVAL) naming it. `discard`
   * receives results that arrive after the consumer stopped (an accepted fd
   * to close, a buffer to give back), as `multishot`'s option does.
   *
   * @example
   * ```ts
   * import { AsyncRing, MULTISHOT_OPERATIONS } from "@jsuring/jsuring";
   * await using ring = AsyncRing.create();
   * const ac = new AbortController();
   * const it = ring.multishotOf(MULTISHOT_OPERATIONS.POLL_MULTISHOT, [0, 1], { signal: ac.signal });
   * ac.abort();
   * for await (const _ of it) {}
   * ```
   */
  multishotOf<A extends readonly unknown[]>(
    op: MultishotDescription<A>,
    args: A,
    options: { signal?: AbortSignal; discard?: (res: number, flags: number) => void } = {},
  ): Multishot {
    checkOptions(options, `${op.name} options`, ["signal", "discard"]);
    if (options.signal !== undefined) checkSignal(options.signal);
    if (options.discard !== undefined) checkFn(options.discard, `${op.name} options.discard`);
    const keep = op.check(args);
    if (!kernelAtLeast(op.since)) {
      if (this.closed) throw new TypeError("ring is closed");
      const failed = new Multishot(this, () => {}, { name: op.name });
      failed.fail(
        new UringError(
          Errno.EINVAL,
          op.name,
          `multishot ${op.name} requires Linux ${op.since} (this is Linux ${kernelVersion().join(".")})`,
        ),
      );
      return failed;
    }
    return this.#multishotChecked(op, args, keep, options.signal, options.discard);
  }

  /** Start multishot `op`, its arguments checked (`keep` from its check). */
  #multishotChecked<A extends readonly unknown[]>(
    op: MultishotDescription<A>,
    args: A,
    keep: unknown,
    signal: AbortSignal | undefined,
    discard?: (res: number, flags: number) => void,
  ): Multishot {
    const ends = op.ends;
    let m: Multishot | undefined = undefined; // set once armed
    m = this.multishot((s, at) => op.write(s, at, args, keep, m?.received ?? 0), {
      keep,
      signal,
      discard,
      name: op.name,
      negativeItems: op.negativeItems,
      ends: ends && ((res) => ends(res, args, m!.received)),
    });
    return m;
  }

  /**
   * A repeating timer on the ring (multishot IORING_OP_TIMEOUT, 6.4): yields
   * once per `interval`, `count` times (0: until stopped). Before Linux 6.4
   * iterating it rejects with a UringError (EINVAL) "requires Linux 6.4".
   *
   * @example
   * ```ts
   * import { AsyncRing } from "@jsuring/jsuring";
   * await using ring = AsyncRing.create();
   * for await (const _ of ring.ticks(1, { count: 3 })) console.log("tick");
   * ```
   */
  ticks(interval: Timeout, options: { count?: number; signal?: AbortSignal } = {}): Multishot {
    checkOptions(options, "ticks options", ["count", "signal"]);
    const args: [Timeout, number] = [interval, options.count ?? 0];
    const keep = TIMEOUT_MULTISHOT.check(args);
    if (options.signal !== undefined) checkSignal(options.signal);
    if (!kernelAtLeast(TIMEOUT_MULTISHOT.since)) {
      // Before 6.4 the kernel answers the MULTISHOT flag with a CQE of -EINVAL,
      // which would look like a tick: refuse it by name instead.
      if (this.closed) throw new TypeError("ring is closed");
      const failed = new Multishot(this, () => {}, { name: "timeout" });
      failed.fail(
        new UringError(
          Errno.EINVAL,
          "timeout",
          `ticks(): multishot timeouts (IORING_TIMEOUT_MULTISHOT) requires Linux 6.4 (this is Linux ${
            kernelVersion().join(".")
          }): await ring.sleep() per tick`,
        ),
      );
      return failed;
    }
    return this.#multishotChecked(TIMEOUT_MULTISHOT, args, keep, options.signal);
  }

  /**
   * Multishot poll (IORING_POLL_ADD_MULTI, 5.13): yields the ready events
   * (`POLLIN` = 1, `POLLOUT` = 4, ...) each time `fd` becomes ready.
   *
   * @example
   * ```ts
   * import { AsyncRing } from "@jsuring/jsuring";
   * await using ring = AsyncRing.create();
   * const ac = new AbortController();
   * const it = ring.poll(0, 1, { signal: ac.signal });
   * ac.abort();
   * for await (const _ of it) {}
   * ```
   */
  poll(fd: number, events: number, options: { signal?: AbortSignal } = {}): Multishot {
    const keep = POLL_MULTISHOT.check([fd, events]);
    checkOptions(options, "poll options", ["signal"]);
    if (options.signal !== undefined) checkSignal(options.signal);
    return this.#multishotChecked(POLL_MULTISHOT, [fd, events], keep, options.signal);
  }
}
