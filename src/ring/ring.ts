/**
 * The ring: {@linkcode Ring.create}, the operation methods and the generic
 * {@linkcode Ring.queue}, probe and registration. The machinery underneath
 * (SQE reservation, submit, wait, reap, close) is {@linkcode RingCore} in
 * `_core.ts`; setup and mapping is `_map.ts`.
 *
 * @module
 */
import { io_uring_probe, io_uring_probe_op, Misc, OP_NAMES, type OpName, Register } from "../abi/mod.ts";
import { liburing } from "../runtime/libs.ts";
import { check } from "../errors/uring_error.ts";
import { registerHint } from "../errors/hints.ts";
import * as sqe from "../ops/sqe.ts";
import { FROM_KERNEL, Pin, pin } from "../memory/_pin.ts";
import {
  AT_FDCWD as FDCWD,
  checkBuffer,
  checkFd,
  checkInt,
  checkOffset,
  checkOptions,
  type IoBuffer,
  iovecs,
  rangeError,
  type Timeout,
  typeError,
} from "./_args.ts";
import * as ops from "./operations.ts";
import { requireOp } from "../ops/require.ts";
import type { RingOptions } from "./setup.ts";
import { type OpOptions, RingCore } from "./_core.ts";
// netio (issue 12): server operations
import { SqeFlag } from "../abi/flags.ts";
import { O } from "../abi/linux.ts";
import { timespec } from "./_args.ts";
import type { MessageHeader } from "../net/_msg.ts";
import { mapRing, type RingMapping } from "./_map.ts";

export type { RingMemory, RingOptions } from "./setup.ts";
export { type Completion, type CompletionHandler, type OpOptions, RingCore } from "./_core.ts";
export { decodeStatx, type Statx } from "./statx.ts";
export { closeFd, eventfd } from "./fd.ts";
export type { IoBuffer, Timeout } from "./_args.ts";

/**
 * AT_FDCWD: paths relative to the current directory.
 *
 * @example
 * ```ts
 * import { AT_FDCWD, Ring } from "@jsuring/jsuring";
 * using ring = Ring.create({ entries: 8 });
 * ring.openat("etc/os-release", 0, 0, { dirfd: AT_FDCWD }); // relative to the current directory
 * ```
 */
export const AT_FDCWD: number = FDCWD;

const OP_KEYS = ["tag", "flags"];
const RING_KEYS = new WeakMap<object, readonly string[]>();

/** The option keys `Ring.queue(op)` accepts: tag, flags and the operation's own. */
function ringKeys(op: ops.OpDescription<never, object>): readonly string[] {
  let keys = RING_KEYS.get(op);
  if (!keys) RING_KEYS.set(op, keys = op.optionKeys.length ? [...OP_KEYS, ...op.optionKeys] : OP_KEYS);
  return keys;
}

/**
 * Check an operation's options (no unknown key, `flags` an IOSQE_* byte) and
 * return its SQE flags. Called before the SQE is reserved.
 */
function sqeFlags(options: OpOptions | undefined, what: string, known: readonly string[] = OP_KEYS): number {
  if (options === undefined) return 0;
  checkOptions(options, `${what} options`, known);
  const flags = options.flags;
  return flags === undefined ? 0 : checkInt(flags, `${what} options.flags`, 0, 0xff);
}

/**
 * An io_uring instance.
 *
 * @example
 * ```ts
 * import { Ring } from "@jsuring/jsuring";
 * using ring = Ring.create({ entries: 64 });
 * ring.nop({ tag: "hello" });
 * ring.submitAndWait(1);
 * ring.reap((res, _flags, tag) => console.log(tag, res)); // hello 0
 * ```
 */
export class Ring extends RingCore {
  #gated = new WeakSet<object>();
  #probe: Uint8Array | undefined;
  #fixedBuffers: IoBuffer[] = [];

  private constructor(m: RingMapping) {
    super(m);
    // The first close hook: the buffers are let go once the fd is closed.
    this.onClose(() => this.#fixedBuffers = []);
  }

  /**
   * Create a ring.
   *
   * @param options sizes, flags and where the memory lives
   * @returns the ring; `memory` and `memoryKind` say what it got
   * @throws {UringError} the kernel refused (with a hint: sysctl, seccomp, memlock, old kernel)
   * @throws {RangeError|TypeError} bad options, before any kernel call
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create({ entries: 128, memory: "user" });
   * console.log(ring.memory, ring.memoryKind);
   * ```
   */
  static create(options: RingOptions = {}): Ring {
    return new Ring(mapRing(options));
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
   */
  nop(options?: OpOptions): number {
    // Inlined fast path (the generic queue(NOP) costs a description lookup
    // and an argument array per op): see the note above Ring.read.
    const flags = options === undefined ? 0 : sqeFlags(options, "nop");
    const at = this.getSqe();
    sqe.prepNop(this.sqes, at);
    return this.track(at, options?.tag, flags);
  }

  /**
   * Queue a read of `buffer.byteLength` bytes from `fd` at `offset` (-1: file position).
   * The buffer stays referenced by the ring until the read completes.
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * import { openSync } from "node:fs";
   * using ring = Ring.create();
   * const fd = openSync("/etc/hostname", "r");
   * const buf = new Uint8Array(64);
   * ring.read(fd, buf, 0, { tag: buf });
   * ring.submitAndWait(1);
   * ring.reap((n) => console.log(n, "bytes"));
   * ```
   */
  read(fd: number, buffer: IoBuffer, offset = -1, options?: OpOptions): number {
    // Inlined fast path, not queue(READ, [fd, buffer, offset]): the same
    // checks and writer, minus an argument array and two indirect calls per
    // op. NOP and 4 KiB reads are where the per-op cost shows (bench/nop.ts,
    // bench/randread.ts); the other operations go through queue().
    const flags = sqeFlags(options, "read");
    checkFd(fd);
    checkBuffer(buffer);
    checkOffset(offset);
    // Library memory only (src/memory/_pin.ts), as ops.READ does.
    const at = this.getSqe();
    const p = pin(buffer, FROM_KERNEL);
    sqe.prepRead(this.sqes, at, fd, p.addr, buffer.byteLength, offset);
    return this.track(at, options?.tag, flags, p);
  }

  /**
   * Queue a write of `buffer` to `fd` at `offset` (-1: file position).
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.write(1, new TextEncoder().encode("hi\n"), -1);
   * ring.submitAndWait(1);
   * ```
   */
  write(fd: number, buffer: IoBuffer, offset = -1, options?: OpOptions): number {
    return this.queue(ops.WRITE, [fd, buffer, offset], options);
  }

  /**
   * Queue a vectored read into `buffers` (IORING_OP_READV).
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const parts = [new Uint8Array(4), new Uint8Array(4)];
   * ring.readv(0, parts, 0);
   * ```
   */
  readv(fd: number, buffers: readonly IoBuffer[], offset = -1, options?: OpOptions): number {
    return this.queue(ops.READV, [fd, buffers, offset], options);
  }

  /**
   * Queue a vectored write of `buffers` (IORING_OP_WRITEV).
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const enc = new TextEncoder();
   * ring.writev(1, [enc.encode("a"), enc.encode("b\n")], -1);
   * ring.submitAndWait(1);
   * ```
   */
  writev(fd: number, buffers: readonly IoBuffer[], offset = -1, options?: OpOptions): number {
    return this.queue(ops.WRITEV, [fd, buffers, offset], options);
  }

  /**
   * Queue a read into registered buffer `index` (IORING_OP_READ_FIXED); `buffer`
   * must lie inside that registered buffer.
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const buf = new Uint8Array(4096);
   * ring.registerBuffers([buf]);
   * ring.readFixed(0, buf, 0, 0);
   * ```
   */
  readFixed(fd: number, buffer: IoBuffer, offset: number, index: number, options?: OpOptions): number {
    return this.queue(ops.READ_FIXED, [fd, buffer, offset, index], options);
  }

  /**
   * Queue a write from registered buffer `index` (IORING_OP_WRITE_FIXED).
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const buf = new Uint8Array(4096);
   * ring.registerBuffers([buf]);
   * ring.writeFixed(1, buf.subarray(0, 3), -1, 0);
   * ```
   */
  writeFixed(fd: number, buffer: IoBuffer, offset: number, index: number, options?: OpOptions): number {
    return this.queue(ops.WRITE_FIXED, [fd, buffer, offset, index], options);
  }

  /**
   * Queue an fsync (or fdatasync) of `fd`.
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.fsync(1, { datasync: true });
   * ```
   */
  fsync(fd: number, how: { datasync?: boolean } = {}, options?: OpOptions): number {
    return this.queue(ops.FSYNC, [fd, how], options);
  }

  /**
   * Queue an openat(2): completes with the new fd.
   *
   * @param path file name (relative to `dirfd`, default the current directory)
   * @param flags `O_*` flags (numbers, as in `node:fs` `constants`)
   * @param mode permissions for a created file
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.openat("/etc/hostname", 0);
   * ring.submitAndWait(1);
   * ring.reap((fd) => console.log("fd", fd));
   * ```
   */
  openat(
    path: string | Uint8Array,
    flags = 0,
    mode = 0o644,
    options?: OpOptions & { dirfd?: number },
  ): number {
    return this.queue(ops.OPENAT, [path, flags, mode], options);
  }

  /**
   * Queue a close(2) of `fd` (named `closeFd` so it is not the ring's own close).
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.closeFd(42);
   * ```
   */
  closeFd(fd: number, options?: OpOptions): number {
    return this.queue(ops.CLOSE, [fd], options);
  }

  /**
   * Queue a statx(2) into `out` (256 bytes; decode with {@linkcode decodeStatx}).
   *
   * @example
   * ```ts
   * import { Ring, decodeStatx } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const out = new Uint8Array(256);
   * ring.statx("/etc/hostname", out);
   * ring.submitAndWait(1);
   * ring.reap(() => {});
   * console.log(decodeStatx(out).size);
   * ```
   */
  statx(
    path: string | Uint8Array,
    out: Uint8Array,
    options?: OpOptions & { dirfd?: number; mask?: number; atFlags?: number },
  ): number {
    return this.queue(ops.STATX, [path, out], options);
  }

  /**
   * Queue a timeout: completes with `-ETIME` after `timeout`, or with 0 once
   * `count` other completions have arrived (0: time only).
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.timeout(10);
   * ring.submitAndWait(1);
   * ring.reap((res) => console.log(res)); // -62 (ETIME)
   * ```
   */
  timeout(timeout: Timeout, options?: OpOptions & { count?: number; timeoutFlags?: number }): number {
    return this.queue(ops.TIMEOUT, [timeout], options);
  }

  /**
   * Queue a linked timeout for the previous SQE, which must carry `SqeFlag.IO_LINK`.
   *
   * @example
   * ```ts
   * import { Ring, SqeFlag } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.read(0, new Uint8Array(8), -1, { flags: SqeFlag.IO_LINK });
   * ring.linkTimeout(50);
   * ```
   */
  linkTimeout(timeout: Timeout, options?: OpOptions): number {
    return this.queue(ops.LINK_TIMEOUT, [timeout], options);
  }

  /**
   * Queue a cancellation of the operation `target` (a user_data these methods
   * returned), or with `CancelFlag.ANY | CancelFlag.ALL` of everything.
   * Completes with the number cancelled (ALL), 0, `-ENOENT` or `-EALREADY`.
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const id = ring.timeout(60_000);
   * ring.cancel(id);
   * ring.submitAndWait(2);
   * ```
   */
  cancel(target: number, cancelFlags = 0, options?: OpOptions): number {
    return this.queue(ops.CANCEL, [target, cancelFlags], options);
  }

  // ------------------------------------- server operations (issue 12, netio)

  /**
   * Queue a splice(2) (5.7): up to `nbytes` from `fdIn` at `offIn` to `fdOut`
   * at `offOut` (-1: a pipe, or the file position); one side must be a pipe.
   * `spliceFlags`: `SPLICE_F.*`. Completes with the bytes moved.
   *
   * @example
   * ```ts
   * import { closeFd, Ring, SPLICE_F } from "@jsuring/jsuring";
   * import { openSync } from "node:fs";
   * using ring = Ring.create();
   * const fds = new Int32Array(2);
   * ring.pipe(fds); // Linux 6.16; before: pipe() with via "pipe2"
   * ring.submitAndWait(1);
   * ring.reap(() => {});
   * ring.splice(openSync("/etc/hostname", "r"), 0, fds[1], -1, 4096, SPLICE_F.MOVE);
   * ring.submitAndWait(1);
   * ring.reap((n) => console.log("moved", n));
   * closeFd(fds[0]); closeFd(fds[1]);
   * ```
   */
  splice(
    fdIn: number,
    offIn: number,
    fdOut: number,
    offOut: number,
    nbytes: number,
    spliceFlags = 0,
    options?: OpOptions,
  ): number {
    return this.queue(ops.SPLICE, [fdIn, offIn, fdOut, offOut, nbytes, spliceFlags], options);
  }

  /**
   * Queue a tee(2) (5.8): duplicate up to `nbytes` from pipe `fdIn` to pipe
   * `fdOut` without consuming them.
   *
   * @example
   * ```ts ignore
   * ring.tee(pipeA[0], pipeB[1], 65536);
   * ```
   */
  tee(fdIn: number, fdOut: number, nbytes: number, spliceFlags = 0, options?: OpOptions): number {
    return this.queue(ops.TEE, [fdIn, fdOut, nbytes, spliceFlags], options);
  }

  /**
   * Queue IORING_OP_PIPE (6.16): the two ends land in `fds` (an Int32Array
   * of 2) at the completion. `pipeFlags`: `O.CLOEXEC` (default), `O.NONBLOCK`,
   * `O.DIRECT`. Older kernels: `pipe()` falls back to pipe2(2).
   *
   * @example
   * ```ts
   * import { closeFd, Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const fds = new Int32Array(2);
   * ring.pipe(fds);
   * ring.submitAndWait(1);
   * ring.reap(() => {});
   * closeFd(fds[0]); closeFd(fds[1]);
   * ```
   */
  pipe(fds: Int32Array, pipeFlags: number = O.CLOEXEC, options?: OpOptions): number {
    return this.queue(ops.PIPE, [fds, pipeFlags], options);
  }

  /**
   * Queue openat2(2) (5.6) of `path` with `how` (`flags`, `mode`,
   * `resolve`: `RESOLVE.BENEATH` keeps the lookup under `dirfd`, failing with
   * EXDEV). Completes with the new fd.
   *
   * @example
   * ```ts
   * import { O, RESOLVE, Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.openat2("hostname", { flags: O.RDONLY, resolve: RESOLVE.BENEATH }, { dirfd: -100 });
   * ring.submitAndWait(1);
   * ring.reap((fd) => console.log(fd));
   * ```
   */
  openat2(path: string | Uint8Array, how: ops.OpenHow, options?: OpOptions & { dirfd?: number }): number {
    return this.queue(ops.OPENAT2, [path, how], options);
  }

  /**
   * Queue a shutdown(2) (5.11) of socket `fd`: `how` is `SHUT.RD`,
   * `SHUT.WR` (default: send FIN) or `SHUT.RDWR`.
   *
   * @example
   * ```ts ignore
   * ring.shutdown(sock, SHUT.WR);
   * ```
   */
  shutdown(fd: number, how = 1, options?: OpOptions): number {
    return this.queue(ops.SHUTDOWN, [fd, how], options);
  }

  /**
   * Queue a connect(2) (5.5) of socket `fd` to the `struct sockaddr` in
   * `addr`; with `timeout`, a linked IORING_OP_LINK_TIMEOUT follows it (the
   * connect then completes with `-ECANCELED` if the time ran out, the
   * timeout with `-ETIME`; tag it with `timeoutTag`). Returns the connect's
   * user_data.
   *
   * @example
   * ```ts ignore
   * ring.connect(sock, sockaddr, { timeout: 5000, tag: "connect" });
   * ring.submitAndWait(2);
   * ```
   */
  connect(
    fd: number,
    addr: Uint8Array,
    options?: OpOptions & { timeout?: Timeout; timeoutTag?: unknown },
  ): number {
    if (options === undefined || (options.timeout === undefined && options.timeoutTag === undefined)) {
      return this.queue(ops.CONNECT, [fd, addr], options);
    }
    const { timeout, timeoutTag, ...rest } = options;
    checkOptions(rest, "connect options", OP_KEYS);
    if (timeout === undefined) return this.queue(ops.CONNECT, [fd, addr], rest);
    timespec(timeout, "connect options.timeout"); // both checked before anything is queued
    ops.CONNECT.check([fd, addr], undefined);
    // Both SQEs in one submission: a link the kernel sees split across two
    // enters ends at the first batch (io_submit_state_end), unlinking the timeout.
    if (this.sqSpace < 2) this.submit();
    const ud = this.queue(ops.CONNECT, [fd, addr], { ...rest, flags: (rest.flags ?? 0) | SqeFlag.IO_LINK });
    this.queue(ops.LINK_TIMEOUT, [timeout], { tag: timeoutTag });
    return ud;
  }

  /**
   * Queue a sendmsg(2) (5.3) of `msg` (data buffers, optional destination
   * `name` and `control` data) on socket `fd`, with MSG_NOSIGNAL.
   *
   * @example
   * ```ts ignore
   * ring.sendmsg(sock, { buffers: [header, body] });
   * ```
   */
  sendmsg(fd: number, msg: MessageHeader, msgFlags = 0, options?: OpOptions): number {
    return this.queue(ops.SENDMSG, [fd, msg, msgFlags], options);
  }

  /**
   * Queue a recvmsg(2) (5.3) on socket `fd` into `msg`; at the completion
   * `msg.name` holds the sender's address (`msg.nameLength` bytes) and
   * `msg.flags` the msg_flags (`MSG.TRUNC`).
   *
   * @example
   * ```ts ignore
   * const msg = { buffers: [new Uint8Array(1500)], name: new Uint8Array(28) };
   * ring.recvmsg(sock, msg);
   * ```
   */
  recvmsg(fd: number, msg: MessageHeader, msgFlags = 0, options?: OpOptions): number {
    return this.queue(ops.RECVMSG, [fd, msg, msgFlags], options);
  }

  /**
   * Queue any operation from its description (see `operations.ts`): its
   * arguments and options are checked before an SQE is reserved, its memory
   * is kept alive until the final completion. The per-operation methods are
   * typed shorthands for this.
   *
   * @param op the description (`NOP`, `READ`, `OPENAT`, ...)
   * @param args the operation's arguments, as a tuple
   * @param options `tag`, `flags` (IOSQE_*), and the operation's own options
   * @returns the operation's user_data
   *
   * @example
   * ```ts
   * import { OPERATIONS, Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.queue(OPERATIONS.OPENAT, ["/etc/hostname", 0, 0], { tag: "open" });
   * ring.submitAndWait(1);
   * ring.reap((fd) => console.log("fd", fd));
   * ```
   */
  queue<A extends readonly unknown[], O extends object>(
    op: ops.OpDescription<A, O>,
    args: A,
    options?: OpOptions & Partial<O>,
  ): number {
    // Probe gate, once per description and ring: "requires Linux X.Y" before
    // anything is queued, instead of the kernel's EINVAL in the CQE.
    if (!this.#gated.has(op)) {
      requireOp(this, op.opcode, op.name);
      this.#gated.add(op);
    }
    const flags = sqeFlags(options, op.name, ringKeys(op));
    const keep = op.check(args, options);
    let at: number;
    try {
      at = this.getSqe();
    } catch (e) {
      if (keep instanceof Pin) keep.finish(-1); // never queued: staging back
      throw e;
    }
    try {
      op.write(this.sqes, at, args, options, keep);
    } catch (e) {
      // The writers check field widths too; should one refuse, give the SQE
      // back (it is the last one reserved) rather than submit stale bytes.
      this._unreserve();
      if (keep instanceof Pin) keep.finish(-1);
      throw e;
    }
    return this.track(at, options?.tag, flags, keep);
  }

  // --------------------------------------------------- probe and register

  #register(opcode: number, arg: ArrayBufferView | null, nr: number, what: string): number {
    this._assertOpen();
    const ret = liburing().io_uring_register(this.fd, opcode, arg, nr);
    return check(ret, `io_uring_register(${what})`, registerHint);
  }

  /**
   * The opcodes this kernel supports (IORING_REGISTER_PROBE, 5.6).
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * console.log(ring.probe().has("READ")); // true
   * ```
   */
  probe(): Set<OpName> {
    if (!this.#probe) {
      const n = 256;
      const buf = new Uint8Array(io_uring_probe.size + n * io_uring_probe_op.size);
      this.#register(Register.REGISTER_PROBE, buf, n, "PROBE");
      this.#probe = buf;
    }
    const buf = this.#probe, set = new Set<OpName>();
    const len = buf[io_uring_probe.fields.ops_len[0]];
    for (let i = 0; i < len; i++) {
      const at = io_uring_probe.size + i * io_uring_probe_op.size;
      const flags = buf[at + io_uring_probe_op.fields.flags[0]];
      const name = OP_NAMES[buf[at]];
      if (flags & Misc.OP_SUPPORTED && name) set.add(name);
    }
    return set;
  }

  /**
   * Register `fds` as fixed files (use index with `SqeFlag.FIXED_FILE`).
   * `-1` leaves a slot empty.
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.registerFiles([0, 1, 2]);
   * ```
   */
  registerFiles(fds: readonly number[]): void {
    if (!Array.isArray(fds)) throw typeError("fds", "an array of file descriptors", fds);
    // IORING_MAX_FIXED_FILES: 1 << 20; -1 leaves a slot empty.
    if (fds.length === 0 || fds.length > 1 << 20) throw rangeError("fds.length", "1 to 1048576", fds.length);
    fds.forEach((fd, i) => fd === -1 || checkFd(fd, `fds[${i}]`));
    this.#register(Register.REGISTER_FILES, Int32Array.from(fds), fds.length, "FILES");
  }

  /**
   * Drop the registered files.
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.registerFiles([0]);
   * ring.unregisterFiles();
   * ```
   */
  unregisterFiles(): void {
    this.#register(Register.UNREGISTER_FILES, null, 0, "UNREGISTER_FILES");
  }

  /**
   * Register `buffers` as fixed buffers (IORING_REGISTER_BUFFERS); they stay
   * referenced by the ring until unregistered or closed.
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.registerBuffers([new Uint8Array(4096)]);
   * ```
   */
  registerBuffers(buffers: readonly IoBuffer[]): void {
    // IORING_MAX_REG_BUFFERS: 16384.
    this.#register(Register.REGISTER_BUFFERS, iovecs(buffers, 16384), buffers.length, "BUFFERS");
    this.#fixedBuffers = buffers.slice();
  }

  /** The buffers registered with {@linkcode Ring.registerBuffers}, by index. */
  get fixedBuffers(): readonly IoBuffer[] {
    return this.#fixedBuffers;
  }

  /**
   * Drop the registered buffers.
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.registerBuffers([new Uint8Array(64)]);
   * ring.unregisterBuffers();
   * ```
   */
  unregisterBuffers(): void {
    this.#register(Register.UNREGISTER_BUFFERS, null, 0, "UNREGISTER_BUFFERS");
    this.#fixedBuffers = [];
  }

  /**
   * Signal `eventfd` on every completion (IORING_REGISTER_EVENTFD).
   *
   * @example
   * ```ts
   * import { Ring, eventfd } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const efd = eventfd();
   * ring.registerEventfd(efd);
   * ```
   */
  registerEventfd(eventfd: number): void {
    checkFd(eventfd, "eventfd");
    this.#register(Register.REGISTER_EVENTFD, Int32Array.of(eventfd), 1, "EVENTFD");
  }

  /**
   * Stop signalling the registered eventfd.
   *
   * @example
   * ```ts
   * import { Ring, eventfd } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.registerEventfd(eventfd());
   * ring.unregisterEventfd();
   * ```
   */
  unregisterEventfd(): void {
    this.#register(Register.UNREGISTER_EVENTFD, null, 0, "UNREGISTER_EVENTFD");
  }

  /**
   * Enable a ring created with `disabled: true` (IORING_REGISTER_ENABLE_RINGS, 5.10).
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create({ disabled: true });
   * ring.enable();
   * ```
   */
  enable(): void {
    this.#register(Register.REGISTER_ENABLE_RINGS, null, 0, "ENABLE_RINGS");
  }

  /**
   * A raw `io_uring_register` call for the layers built on the ring
   * (regions, buffer rings): returns the result or throws a `UringError`.
   *
   * @example
   * ```ts
   * import { Ring, Register } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.register(Register.REGISTER_ENABLE_RINGS, null, 0, "ENABLE_RINGS");
   * ```
   */
  register(opcode: number, arg: ArrayBufferView | null, nr: number, what: string): number {
    return this.#register(opcode, arg, nr, what);
  }
}
