/**
 * One description per operation, in the spirit of the Rust `io-uring`
 * crate's opcode table: the opcode (for probe gating), the operation's own
 * option keys with their defaults, the argument checks, which arguments are
 * memory the kernel touches (kept alive until the final CQE), and the SQE
 * writer from `src/ops/` that fills it. {@linkcode Ring.queue} queues any
 * description and `AsyncRing.run` awaits one; the per-operation methods of
 * both are thin typed wrappers over these entries.
 *
 * Adding an opcode: a `prep*` writer in `src/ops/` (with its golden case in
 * tests/c/sqe_golden.c), one entry here, a wrapper on Ring/AsyncRing if it
 * deserves a name, and its test.
 *
 * @module
 */
import { FS_OPERATIONS } from "./operations_fs.ts";
import { type Direction, FROM_KERNEL, type Pin, pin, pinSend, PinVector, PinWith, TO_KERNEL } from "../memory/_pin.ts";
import { Misc, Op, statx as statxLayout } from "../abi/mod.ts";
import { getNative } from "../runtime/_ffi.ts";
import * as sqe from "../ops/sqe.ts";
import { prepRecv, prepSend, prepSendZc } from "../ops/net.ts";
import { MSG } from "../abi/linux.ts";
// netio (issue 12): server operations
import { O, RESOLVE, SPLICE_F } from "../abi/linux.ts";
import { open_how } from "../abi/layout.ts";
import { prepCloseDirect, prepFixedFdInstall, prepOpenat2, prepPipe, prepSplice, prepTee } from "../ops/fs.ts";
import { prepConnect, prepRecvmsg, prepSendmsg, prepShutdown, setSendAddr } from "../ops/net.ts";
import { checkMessage, type MessageHeader, MsgPin, SOCKADDR_MAX } from "../net/_msg.ts";
import { checkInt, rangeError, typeError } from "./_args.ts";
import {
  AT_FDCWD,
  checkBool,
  checkBuffer,
  checkDirfd,
  checkFd,
  checkOffset,
  checkOptions,
  checkU16,
  checkU32,
  checkU64,
  cString,
  type IoBuffer,
  iovecs,
  type Timeout,
  timespec,
} from "./_args.ts";

/**
 * An operation: what {@linkcode Ring.queue} and `AsyncRing.run` need to
 * check its arguments, keep its memory alive and write its SQE.
 *
 * @typeParam A the argument tuple
 * @typeParam O the operation's own options (besides tag/flags, or signal/timeout/fixedFile)
 *
 * @example
 * ```ts
 * import { OPERATIONS, Ring } from "@jsuring/jsuring";
 * using ring = Ring.create();
 * ring.queue(OPERATIONS.NOP, [], { tag: "described" });
 * ring.submitAndWait(1);
 * ```
 */
export interface OpDescription<A extends readonly unknown[], O extends object = Record<never, never>> {
  /** The name used in error messages ("read", "openat"). */
  readonly name: string;
  /** The `IORING_OP_*` number: what a probe must report as supported. */
  readonly opcode: number;
  /** The operation's own option keys (beyond the common ones). */
  readonly optionKeys: readonly string[];
  /**
   * Check the arguments and the operation's options (TypeError/RangeError),
   * before anything is reserved, and return what the kernel reads or writes
   * during the operation (kept alive until its final CQE), or undefined.
   */
  readonly check: (args: A, options: Partial<O> | undefined) => unknown;
  /** Write the SQE at byte offset `at`, from the checked arguments and what `check` returned. */
  readonly write: (
    s: sqe.SqeViews,
    at: number,
    args: A,
    options: Partial<O> | undefined,
    keep: unknown,
  ) => void;
  /**
   * The caller's buffers among the arguments, for the async ring's check
   * that none was detached before submit.
   */
  readonly buffers?: (args: A) => IoBuffer | readonly IoBuffer[];
}

const addressOf = (v: ArrayBufferView): number => getNative().addressOf(v);
const NO_KEYS: readonly string[] = [];
const none = (): undefined => undefined;

/** IORING_OP_NOP (5.1): completes with 0. */
export const NOP: OpDescription<[]> = {
  name: "nop",
  opcode: Op.NOP,
  optionKeys: NO_KEYS,
  check: none,
  write: (s, at) => sqe.prepNop(s, at),
};

type RwArgs = [fd: number, buffer: IoBuffer, offset: number];

function checkRw(args: RwArgs): IoBuffer {
  checkFd(args[0]);
  checkBuffer(args[1]);
  checkOffset(args[2]);
  return args[1];
}

// The kernel does I/O only into library memory: the caller's buffer in
// place if it is arena memory, else a staging copy (src/memory/_pin.ts).
// The pin is the keep; the op table finishes it at the final completion.
const checkRead = (args: RwArgs): Pin => pin(checkRw(args), FROM_KERNEL);
const checkWrite = (args: RwArgs): Pin => pin(checkRw(args), TO_KERNEL);

/** IORING_OP_READ (5.6): read into `buffer` from `fd` at `offset` (-1: the file position). */
export const READ: OpDescription<RwArgs> = {
  name: "read",
  opcode: Op.READ,
  optionKeys: NO_KEYS,
  check: checkRead,
  write: (s, at, [fd, buf, offset], _o, keep) => sqe.prepRead(s, at, fd, (keep as Pin).addr, buf.byteLength, offset),
  buffers: (args) => args[1],
};

/** IORING_OP_WRITE (5.6): write `buffer` to `fd` at `offset` (-1: the file position). */
export const WRITE: OpDescription<RwArgs> = {
  name: "write",
  opcode: Op.WRITE,
  optionKeys: NO_KEYS,
  check: checkWrite,
  write: (s, at, [fd, buf, offset], _o, keep) =>
    sqe.prepWrite(s, at, fd, (keep as Pin).addr, buf.byteLength, offset),
  buffers: (args) => args[1],
};

type RwvArgs = [fd: number, buffers: readonly IoBuffer[], offset: number];

function checkRwv(args: RwvArgs, dir: Direction): PinVector {
  checkFd(args[0]);
  checkOffset(args[2]);
  iovecs(args[1]); // checks: at most IOV_MAX (1024) attached buffers
  // The copy keeps the caller's array from changing under the kernel; each
  // buffer pinned as for READ/WRITE, in an iovec array of library addresses.
  return new PinVector(args[1].slice(), dir);
}

/** IORING_OP_READV (5.1): vectored read. */
export const READV: OpDescription<RwvArgs> = {
  name: "readv",
  opcode: Op.READV,
  optionKeys: NO_KEYS,
  check: (args) => checkRwv(args, FROM_KERNEL),
  write: (s, at, [fd, buffers, offset], _o, keep) =>
    sqe.prepReadv(s, at, fd, (keep as PinVector).addr, buffers.length, offset),
  buffers: (args) => args[1],
};

/** IORING_OP_WRITEV (5.1): vectored write. */
export const WRITEV: OpDescription<RwvArgs> = {
  name: "writev",
  opcode: Op.WRITEV,
  optionKeys: NO_KEYS,
  check: (args) => checkRwv(args, TO_KERNEL),
  write: (s, at, [fd, buffers, offset], _o, keep) =>
    sqe.prepWritev(s, at, fd, (keep as PinVector).addr, buffers.length, offset),
  buffers: (args) => args[1],
};

type FixedArgs = [fd: number, buffer: IoBuffer, offset: number, index: number];

function checkFixed(args: FixedArgs): IoBuffer {
  checkRw(args as unknown as RwArgs);
  checkU16(args[3], "registered buffer index");
  return args[1];
}

/** IORING_OP_READ_FIXED (5.1): read into registered buffer `index` (`buffer` lies inside it). */
export const READ_FIXED: OpDescription<FixedArgs> = {
  name: "readFixed",
  opcode: Op.READ_FIXED,
  optionKeys: NO_KEYS,
  check: checkFixed,
  write: (s, at, [fd, buf, offset, index]) =>
    sqe.prepReadFixed(s, at, fd, addressOf(buf), buf.byteLength, offset, index),
  buffers: (args) => args[1],
};

/** IORING_OP_WRITE_FIXED (5.1): write from registered buffer `index`. */
export const WRITE_FIXED: OpDescription<FixedArgs> = {
  name: "writeFixed",
  opcode: Op.WRITE_FIXED,
  optionKeys: NO_KEYS,
  check: checkFixed,
  write: (s, at, [fd, buf, offset, index]) =>
    sqe.prepWriteFixed(s, at, fd, addressOf(buf), buf.byteLength, offset, index),
  buffers: (args) => args[1],
};

type FsyncArgs = [fd: number, how: { datasync?: boolean }];

/** IORING_OP_FSYNC (5.1): fsync, or fdatasync with `{ datasync: true }`. */
export const FSYNC: OpDescription<FsyncArgs> = {
  name: "fsync",
  opcode: Op.FSYNC,
  optionKeys: NO_KEYS,
  check: ([fd, how]) => {
    checkFd(fd);
    checkOptions(how, "fsync how", ["datasync"]);
    if (how.datasync !== undefined) checkBool(how.datasync, "datasync");
    return undefined;
  },
  write: (s, at, [fd, how]) => sqe.prepFsync(s, at, fd, how.datasync ? Misc.FSYNC_DATASYNC : 0),
};

type OpenatArgs = [path: string | Uint8Array, flags: number, mode: number];

/** IORING_OP_OPENAT (5.6): completes with the new fd. Option `dirfd` (default AT_FDCWD). */
export const OPENAT: OpDescription<OpenatArgs, { dirfd: number }> = {
  name: "openat",
  opcode: Op.OPENAT,
  optionKeys: ["dirfd"],
  check: ([path, flags, mode], o) => {
    const name = cString(path);
    checkU32(flags, "openat flags");
    checkU32(mode, "openat mode");
    if (o?.dirfd !== undefined) checkDirfd(o.dirfd);
    return name;
  },
  write: (s, at, [, flags, mode], o, name) =>
    sqe.prepOpenat(s, at, o?.dirfd ?? AT_FDCWD, addressOf(name as Uint8Array), flags, mode),
};

/** IORING_OP_CLOSE (5.6): close(2) of `fd`. */
export const CLOSE: OpDescription<[fd: number]> = {
  name: "closeFd",
  opcode: Op.CLOSE,
  optionKeys: NO_KEYS,
  check: ([fd]) => void checkFd(fd),
  write: (s, at, [fd]) => sqe.prepClose(s, at, fd),
};

type StatxArgs = [path: string | Uint8Array, out: Uint8Array];
type StatxOptions = { dirfd: number; atFlags: number; mask: number };

/**
 * IORING_OP_STATX (5.6) into `out` (at least `sizeof(struct statx)`).
 * Options `dirfd` (AT_FDCWD), `atFlags` (0), `mask` (STATX_BASIC_STATS, 0x7ff).
 */
export const STATX: OpDescription<StatxArgs, StatxOptions> = {
  name: "statx",
  opcode: Op.STATX,
  optionKeys: ["dirfd", "atFlags", "mask"],
  check: ([path, out], o) => {
    checkBuffer(out, "out");
    if (out.byteLength < statxLayout.size) {
      throw new RangeError(`statx needs a ${statxLayout.size}-byte buffer, got ${out.byteLength} bytes`);
    }
    const name = cString(path);
    if (o?.dirfd !== undefined) checkDirfd(o.dirfd);
    if (o?.atFlags !== undefined) checkU32(o.atFlags, "statx atFlags");
    if (o?.mask !== undefined) checkU32(o.mask, "statx mask");
    // The kernel fills `out` at completion: library memory only (src/memory/_pin.ts).
    return new PinWith(pin(out, FROM_KERNEL, true), name);
  },
  write: (s, at, _args, o, keep) => {
    const k = keep as PinWith;
    const name = k.extra as Uint8Array;
    sqe.prepStatx(s, at, o?.dirfd ?? AT_FDCWD, addressOf(name), o?.atFlags ?? 0, o?.mask ?? 0x7ff, k.addr);
  },
};

/**
 * IORING_OP_TIMEOUT (5.4): completes with -ETIME after `timeout`, or 0 once
 * `count` other CQEs arrived. Options `count` (0), `timeoutFlags` (0).
 */
export const TIMEOUT: OpDescription<[timeout: Timeout], { count: number; timeoutFlags: number }> = {
  name: "timeout",
  opcode: Op.TIMEOUT,
  optionKeys: ["count", "timeoutFlags"],
  check: ([timeout], o) => {
    const ts = timespec(timeout);
    if (o?.count !== undefined) checkU32(o.count, "timeout count");
    if (o?.timeoutFlags !== undefined) checkU32(o.timeoutFlags, "timeoutFlags");
    return ts;
  },
  write: (s, at, _a, o, ts) =>
    sqe.prepTimeout(s, at, addressOf(ts as Uint8Array), o?.count ?? 0, o?.timeoutFlags ?? 0),
};

/** IORING_OP_LINK_TIMEOUT (5.5): times out the previous SQE, which carries IOSQE_IO_LINK. */
export const LINK_TIMEOUT: OpDescription<[timeout: Timeout]> = {
  name: "linkTimeout",
  opcode: Op.LINK_TIMEOUT,
  optionKeys: NO_KEYS,
  check: ([timeout]) => timespec(timeout),
  write: (s, at, _a, _o, ts) => sqe.prepLinkTimeout(s, at, addressOf(ts as Uint8Array), 0),
};

/** IORING_OP_ASYNC_CANCEL (5.5): cancel the operation with user_data `target` (`cancelFlags`: CancelFlag). */
export const CANCEL: OpDescription<[target: number, cancelFlags: number]> = {
  name: "cancel",
  opcode: Op.ASYNC_CANCEL,
  optionKeys: NO_KEYS,
  check: ([target, cancelFlags]) => {
    checkU64(target, "cancel target (a user_data)");
    checkU32(cancelFlags, "cancelFlags");
    return undefined;
  },
  write: (s, at, [target, cancelFlags]) => sqe.prepCancel(s, at, target, cancelFlags),
};

/** MSG_NOSIGNAL: a send to a closed peer fails with EPIPE instead of raising SIGPIPE. */
const MSG_NOSIGNAL = MSG.NOSIGNAL;

type SocketArgs = [fd: number, buffer: IoBuffer, msgFlags: number];

function checkSocket(args: SocketArgs): IoBuffer {
  checkFd(args[0]);
  checkBuffer(args[1]);
  checkU32(args[2], "msgFlags");
  return args[1];
}

// Library memory only (src/memory/_pin.ts). A send stages at most 1 MiB of
// an ordinary buffer (pinSend) and may be short, as a send may anyway.
const checkSend = (args: SocketArgs): Pin => pinSend(checkSocket(args));
const checkRecv = (args: SocketArgs): Pin => pin(checkSocket(args), FROM_KERNEL);

/** IORING_OP_SEND (5.6): send(2) of `buffer` on socket `fd`, always with MSG_NOSIGNAL. */
export const SEND: OpDescription<SocketArgs> = {
  name: "send",
  opcode: Op.SEND,
  optionKeys: NO_KEYS,
  check: checkSend,
  write: (s, at, [fd, _buf, msgFlags], _o, keep) =>
    prepSend(s, at, fd, (keep as Pin).addr, (keep as Pin).len, (msgFlags | MSG_NOSIGNAL) >>> 0),
  buffers: (args) => args[1],
};

/**
 * IORING_OP_SEND_ZC (6.0): zero-copy send, always with MSG_NOSIGNAL; a
 * second CQE (F_NOTIF) says when the kernel let go of the buffer.
 */
export const SEND_ZC: OpDescription<SocketArgs> = {
  name: "send_zc",
  opcode: Op.SEND_ZC,
  optionKeys: NO_KEYS,
  check: checkSend,
  write: (s, at, [fd, _buf, msgFlags], _o, keep) =>
    prepSendZc(s, at, fd, (keep as Pin).addr, (keep as Pin).len, (msgFlags | MSG_NOSIGNAL) >>> 0, 0),
  buffers: (args) => args[1],
};

/** IORING_OP_RECV (5.6): recv(2) into `buffer` from socket `fd`. */
export const RECV: OpDescription<SocketArgs> = {
  name: "recv",
  opcode: Op.RECV,
  optionKeys: NO_KEYS,
  check: checkRecv,
  write: (s, at, [fd, buf, msgFlags], _o, keep) => prepRecv(s, at, fd, (keep as Pin).addr, buf.byteLength, msgFlags),
  buffers: (args) => args[1],
};

// ------------------------------------------- server operations (issue 12, netio)

type SpliceArgs = [fdIn: number, offIn: number, fdOut: number, offOut: number, nbytes: number, spliceFlags: number];

/**
 * IORING_OP_SPLICE (5.7): move up to `nbytes` from `fdIn` (at `offIn`, -1:
 * a pipe or the file position) to `fdOut` (at `offOut`); one side must be a
 * pipe. `spliceFlags` are `SPLICE_F.*` (`FD_IN_FIXED`: `fdIn` is a
 * fixed-file slot; the `fixedFile`/`FIXED_FILE` flag covers `fdOut`).
 * Completes with the bytes moved (0: end of input).
 */
export const SPLICE: OpDescription<SpliceArgs> = {
  name: "splice",
  opcode: Op.SPLICE,
  optionKeys: NO_KEYS,
  check: ([fdIn, offIn, fdOut, offOut, nbytes, spliceFlags]) => {
    checkFd(fdIn, "splice fdIn");
    checkOffset(offIn, "splice offIn");
    checkFd(fdOut, "splice fdOut");
    checkOffset(offOut, "splice offOut");
    checkU32(nbytes, "splice nbytes");
    checkSpliceFlags(spliceFlags, "splice");
    return undefined;
  },
  write: (s, at, [fdIn, offIn, fdOut, offOut, nbytes, spliceFlags]) =>
    prepSplice(s, at, fdIn, offIn, fdOut, offOut, nbytes, spliceFlags),
};

const SPLICE_FLAGS = SPLICE_F.MOVE | SPLICE_F.NONBLOCK | SPLICE_F.MORE | SPLICE_F.GIFT;

function checkSpliceFlags(flags: number, what: string): void {
  checkU32(flags, `${what} spliceFlags`);
  if ((flags & ~(SPLICE_FLAGS | SPLICE_F.FD_IN_FIXED)) !== 0) {
    throw rangeError(`${what} spliceFlags`, "SPLICE_F.* bits (MOVE, NONBLOCK, MORE, GIFT, FD_IN_FIXED)", flags);
  }
}

/**
 * IORING_OP_TEE (5.8): duplicate up to `nbytes` from pipe `fdIn` to pipe
 * `fdOut` without consuming them. Completes with the bytes duplicated.
 */
export const TEE: OpDescription<[fdIn: number, fdOut: number, nbytes: number, spliceFlags: number]> = {
  name: "tee",
  opcode: Op.TEE,
  optionKeys: NO_KEYS,
  check: ([fdIn, fdOut, nbytes, spliceFlags]) => {
    checkFd(fdIn, "tee fdIn");
    checkFd(fdOut, "tee fdOut");
    checkU32(nbytes, "tee nbytes");
    checkSpliceFlags(spliceFlags, "tee");
    return undefined;
  },
  write: (s, at, [fdIn, fdOut, nbytes, spliceFlags]) => prepTee(s, at, fdIn, fdOut, nbytes, spliceFlags),
};

const PIPE_FLAGS = O.CLOEXEC | O.NONBLOCK | O.DIRECT;

/**
 * IORING_OP_PIPE (6.16): pipe2(2); the read and write ends land in
 * `fds[0]` and `fds[1]` (an Int32Array of at least 2) when it completes.
 * `pipeFlags`: `O.CLOEXEC`, `O.NONBLOCK`, `O.DIRECT`. `pipe()`
 * falls back to pipe2(2) on older kernels.
 */
export const PIPE: OpDescription<[fds: Int32Array, pipeFlags: number]> = {
  name: "pipe",
  opcode: Op.PIPE,
  optionKeys: NO_KEYS,
  check: ([fds, pipeFlags]) => {
    if (!(fds instanceof Int32Array)) throw typeError("pipe fds", "an Int32Array of 2", fds);
    checkBuffer(fds, "pipe fds");
    if (fds.length < 2) throw rangeError("pipe fds.length", "at least 2", fds.length);
    checkU32(pipeFlags, "pipe flags");
    if ((pipeFlags & ~PIPE_FLAGS) !== 0) {
      throw rangeError("pipe flags", "O.CLOEXEC | O.NONBLOCK | O.DIRECT bits", pipeFlags);
    }
    // The kernel writes both descriptors at completion: library memory only.
    return pin(fds.subarray(0, 2), FROM_KERNEL, true);
  },
  write: (s, at, [, pipeFlags], _o, keep) => prepPipe(s, at, (keep as Pin).addr, pipeFlags),
  buffers: (args) => args[0],
};

/**
 * openat2(2)'s `struct open_how`: `flags` (`O.*`), `mode` (with O_CREAT /
 * O_TMPFILE), `resolve` (`RESOLVE.*`: BENEATH, IN_ROOT, NO_SYMLINKS, ...).
 *
 * @example
 * ```ts
 * import { O, type OpenHow, RESOLVE } from "@jsuring/jsuring";
 * const how: OpenHow = { flags: O.RDONLY, resolve: RESOLVE.BENEATH | RESOLVE.NO_MAGICLINKS };
 * ```
 */
export interface OpenHow {
  /** open(2) flags (`O.*`, default O_RDONLY). */
  flags?: number;
  /** Permission bits for a created file (0..0o7777; only with O_CREAT / O_TMPFILE). */
  mode?: number;
  /** `RESOLVE.*` bits restricting path resolution (default 0). */
  resolve?: number;
}

const RESOLVE_ALL = RESOLVE.NO_XDEV | RESOLVE.NO_MAGICLINKS | RESOLVE.NO_SYMLINKS | RESOLVE.BENEATH |
  RESOLVE.IN_ROOT | RESOLVE.CACHED;

/**
 * IORING_OP_OPENAT2 (5.6): openat2(2) of `path` with `how`; completes with
 * the new fd. Option `dirfd` (default AT_FDCWD): with `RESOLVE.BENEATH` a
 * path that leaves it fails with EXDEV.
 */
export const OPENAT2: OpDescription<[path: string | Uint8Array, how: OpenHow], { dirfd: number }> = {
  name: "openat2",
  opcode: Op.OPENAT2,
  optionKeys: ["dirfd"],
  check: ([path, how], o) => {
    const name = cString(path);
    checkOptions(how, "openat2 how", ["flags", "mode", "resolve"]);
    if (how === undefined) throw typeError("openat2 how", "an object { flags?, mode?, resolve? }", how);
    const w = new Uint32Array(open_how.size / 4);
    w[open_how.fields.flags[0] / 4] = checkU32(how.flags ?? 0, "openat2 how.flags");
    w[open_how.fields.mode[0] / 4] = checkInt(how.mode ?? 0, "openat2 how.mode", 0, 0o7777);
    const resolve = checkU32(how.resolve ?? 0, "openat2 how.resolve");
    if ((resolve & ~RESOLVE_ALL) !== 0) {
      throw rangeError("openat2 how.resolve", "RESOLVE.* bits (0x01..0x20)", resolve);
    }
    w[open_how.fields.resolve[0] / 4] = resolve;
    if (o?.dirfd !== undefined) checkDirfd(o.dirfd);
    return [name, w] as const;
  },
  write: (s, at, _a, o, keep) => {
    const [name, how] = keep as readonly [Uint8Array, Uint32Array];
    prepOpenat2(s, at, o?.dirfd ?? AT_FDCWD, addressOf(name), addressOf(how));
  },
};

/** IORING_OP_SHUTDOWN (5.11): shutdown(2) of socket `fd`; `how` is `SHUT.RD`, `SHUT.WR` or `SHUT.RDWR`. */
export const SHUTDOWN: OpDescription<[fd: number, how: number]> = {
  name: "shutdown",
  opcode: Op.SHUTDOWN,
  optionKeys: NO_KEYS,
  check: ([fd, how]) => {
    checkFd(fd);
    checkInt(how, "shutdown how (SHUT.RD, SHUT.WR or SHUT.RDWR)", 0, 2);
    return undefined;
  },
  write: (s, at, [fd, how]) => prepShutdown(s, at, fd, how),
};

function checkSockaddr(addr: unknown, what: string): Uint8Array {
  if (!(addr instanceof Uint8Array)) throw typeError(what, "a Uint8Array holding a struct sockaddr", addr);
  checkBuffer(addr, what);
  if (addr.byteLength < 2 || addr.byteLength > SOCKADDR_MAX) {
    throw rangeError(`${what} length`, `2 to ${SOCKADDR_MAX} bytes (a struct sockaddr)`, addr.byteLength);
  }
  return addr.slice(); // the kernel's copy is taken at prep; ours cannot change or detach before
}

/**
 * IORING_OP_CONNECT (5.5): connect socket `fd` to the `struct sockaddr` in
 * `addr` (copied when queued). A timeout is a linked timeout: `Ring.connect`
 * and the AsyncRing's `timeout` option add it.
 */
export const CONNECT: OpDescription<[fd: number, addr: Uint8Array]> = {
  name: "connect",
  opcode: Op.CONNECT,
  optionKeys: NO_KEYS,
  check: ([fd, addr]) => {
    checkFd(fd);
    return checkSockaddr(addr, "connect addr");
  },
  write: (s, at, [fd], _o, keep) => prepConnect(s, at, fd, addressOf(keep as Uint8Array), (keep as Uint8Array).length),
};

/**
 * IORING_OP_SENDMSG (5.3): sendmsg(2) of `msg` (data buffers, optional
 * destination address and control data) on socket `fd`, always with
 * MSG_NOSIGNAL. Completes with the bytes sent.
 */
export const SENDMSG: OpDescription<[fd: number, msg: MessageHeader, msgFlags: number]> = {
  name: "sendmsg",
  opcode: Op.SENDMSG,
  optionKeys: NO_KEYS,
  check: ([fd, msg, msgFlags]) => {
    checkFd(fd);
    checkU32(msgFlags, "msgFlags");
    return new MsgPin(checkMessage(msg, "sendmsg msg"), false);
  },
  write: (s, at, [fd, _m, msgFlags], _o, keep) =>
    prepSendmsg(s, at, fd, (keep as MsgPin).addr, (msgFlags | MSG_NOSIGNAL) >>> 0),
  buffers: (args) => args[1].buffers,
};

/**
 * IORING_OP_RECVMSG (5.3): recvmsg(2) on socket `fd` into `msg`'s buffers;
 * at the completion `msg.name` holds the source address (`nameLength`
 * bytes), `msg.control` the control data, `msg.flags` the msg_flags
 * (`MSG.TRUNC`: a datagram was cut). Completes with the bytes received.
 */
export const RECVMSG: OpDescription<[fd: number, msg: MessageHeader, msgFlags: number]> = {
  name: "recvmsg",
  opcode: Op.RECVMSG,
  optionKeys: NO_KEYS,
  check: ([fd, msg, msgFlags]) => {
    checkFd(fd);
    checkU32(msgFlags, "msgFlags");
    return new MsgPin(checkMessage(msg, "recvmsg msg"), true);
  },
  write: (s, at, [fd, _m, msgFlags], _o, keep) => prepRecvmsg(s, at, fd, (keep as MsgPin).addr, msgFlags),
  buffers: (args) => args[1].buffers,
};

/**
 * IORING_OP_SEND with a destination (6.0, `io_uring_prep_send_set_addr`):
 * sendto(2) of `buffer` on socket `fd` to the `struct sockaddr` in `addr`
 * (copied when queued; the kernel copies it again at prep), with
 * MSG_NOSIGNAL. One datagram without a `msghdr`: what a UDP `sendTo` of one
 * buffer needs. Before 6.0 the kernel refuses it (EINVAL): use SENDMSG.
 */
export const SENDTO: OpDescription<[fd: number, buffer: IoBuffer, addr: Uint8Array, msgFlags: number]> = {
  name: "sendto",
  opcode: Op.SEND,
  optionKeys: NO_KEYS,
  check: ([fd, buffer, addr, msgFlags]) => {
    checkFd(fd);
    checkBuffer(buffer);
    checkU32(msgFlags, "msgFlags");
    return new PinWith(pinSend(buffer), checkSockaddr(addr, "sendto addr"));
  },
  write: (s, at, [fd, _b, _a, msgFlags], _o, keep) => {
    const k = keep as PinWith, sa = k.extra as Uint8Array;
    prepSend(s, at, fd, k.addr, k.len, (msgFlags | MSG_NOSIGNAL) >>> 0);
    setSendAddr(s, at, addressOf(sa), sa.length);
  },
  buffers: (args) => args[1],
};

/**
 * IORING_OP_FIXED_FD_INSTALL (6.8): a regular descriptor (the result) for
 * fixed-file slot `slot`; `installFlags` `Misc.FIXED_FD_NO_CLOEXEC` leaves
 * out O_CLOEXEC. The slot stays registered.
 */
export const FIXED_FD_INSTALL: OpDescription<[slot: number, installFlags: number]> = {
  name: "fixedFdInstall",
  opcode: Op.FIXED_FD_INSTALL,
  optionKeys: NO_KEYS,
  check: ([slot, installFlags]) => {
    checkFd(slot, "fixed-file slot");
    checkInt(installFlags, "fixedFdInstall flags (0 or Misc.FIXED_FD_NO_CLOEXEC)", 0, 1);
    return undefined;
  },
  write: (s, at, [slot, installFlags]) => prepFixedFdInstall(s, at, slot, installFlags),
};

/** IORING_OP_CLOSE of a fixed-file slot (5.15): empties `slot` (the file closes once unused). */
export const CLOSE_DIRECT: OpDescription<[slot: number]> = {
  name: "closeDirect",
  opcode: Op.CLOSE,
  optionKeys: NO_KEYS,
  check: ([slot]) => void checkFd(slot, "fixed-file slot"),
  write: (s, at, [slot]) => prepCloseDirect(s, at, slot),
};

/**
 * Every description, by name, for {@linkcode Ring.queue} and `AsyncRing.run`.
 *
 * @example
 * ```ts
 * import { OPERATIONS, Ring } from "@jsuring/jsuring";
 * using ring = Ring.create();
 * ring.queue(OPERATIONS.TIMEOUT, [5], { count: 0 });
 * console.log(OPERATIONS.TIMEOUT.opcode); // 11
 * ```
 */
export const OPERATIONS: Readonly<{
  NOP: OpDescription<[]>;
  READ: OpDescription<[fd: number, buffer: IoBuffer, offset: number]>;
  WRITE: OpDescription<[fd: number, buffer: IoBuffer, offset: number]>;
  READV: OpDescription<[fd: number, buffers: readonly IoBuffer[], offset: number]>;
  WRITEV: OpDescription<[fd: number, buffers: readonly IoBuffer[], offset: number]>;
  READ_FIXED: OpDescription<[fd: number, buffer: IoBuffer, offset: number, index: number]>;
  WRITE_FIXED: OpDescription<[fd: number, buffer: IoBuffer, offset: number, index: number]>;
  FSYNC: OpDescription<[fd: number, how: { datasync?: boolean }]>;
  OPENAT: OpDescription<[path: string | Uint8Array, flags: number, mode: number], { dirfd: number }>;
  CLOSE: OpDescription<[fd: number]>;
  STATX: OpDescription<
    [path: string | Uint8Array, out: Uint8Array],
    { dirfd: number; atFlags: number; mask: number }
  >;
  TIMEOUT: OpDescription<[timeout: Timeout], { count: number; timeoutFlags: number }>;
  LINK_TIMEOUT: OpDescription<[timeout: Timeout]>;
  CANCEL: OpDescription<[target: number, cancelFlags: number]>;
  SEND: OpDescription<[fd: number, buffer: IoBuffer, msgFlags: number]>;
  SEND_ZC: OpDescription<[fd: number, buffer: IoBuffer, msgFlags: number]>;
  RECV: OpDescription<[fd: number, buffer: IoBuffer, msgFlags: number]>;
  SPLICE: OpDescription<
    [fdIn: number, offIn: number, fdOut: number, offOut: number, nbytes: number, spliceFlags: number]
  >;
  TEE: OpDescription<[fdIn: number, fdOut: number, nbytes: number, spliceFlags: number]>;
  PIPE: OpDescription<[fds: Int32Array, pipeFlags: number]>;
  OPENAT2: OpDescription<[path: string | Uint8Array, how: OpenHow], { dirfd: number }>;
  SHUTDOWN: OpDescription<[fd: number, how: number]>;
  CONNECT: OpDescription<[fd: number, addr: Uint8Array]>;
  SENDMSG: OpDescription<[fd: number, msg: MessageHeader, msgFlags: number]>;
  RECVMSG: OpDescription<[fd: number, msg: MessageHeader, msgFlags: number]>;
  SENDTO: OpDescription<[fd: number, buffer: IoBuffer, addr: Uint8Array, msgFlags: number]>;
  FIXED_FD_INSTALL: OpDescription<[slot: number, installFlags: number]>;
  CLOSE_DIRECT: OpDescription<[slot: number]>;
  // The file-system family (operations_fs.ts).
  RENAMEAT: OpDescription<[oldPath: string | Uint8Array, newPath: string | Uint8Array, flags: number]>;
  UNLINKAT: OpDescription<[path: string | Uint8Array, flags: number]>;
  MKDIRAT: OpDescription<[path: string | Uint8Array, mode: number]>;
  SYMLINKAT: OpDescription<[target: string | Uint8Array, linkPath: string | Uint8Array]>;
  LINKAT: OpDescription<[existingPath: string | Uint8Array, newPath: string | Uint8Array, flags: number]>;
  SYNC_FILE_RANGE: OpDescription<[fd: number, offset: number, len: number, flags: number]>;
  FALLOCATE: OpDescription<[fd: number, mode: number, offset: number, len: number]>;
  FADVISE: OpDescription<[fd: number, offset: number, len: number, advice: number]>;
  MADVISE: OpDescription<[bytes: ArrayBufferView, advice: number]>;
  FTRUNCATE: OpDescription<[fd: number, len: number]>;
  SETXATTR: OpDescription<
    [path: string | Uint8Array, name: string | Uint8Array, value: Uint8Array, flags: number]
  >;
}> = Object.freeze({
  NOP,
  READ,
  WRITE,
  READV,
  WRITEV,
  READ_FIXED,
  WRITE_FIXED,
  FSYNC,
  OPENAT,
  CLOSE,
  STATX,
  TIMEOUT,
  LINK_TIMEOUT,
  CANCEL,
  SEND,
  SEND_ZC,
  RECV,
  SPLICE,
  TEE,
  PIPE,
  OPENAT2,
  SHUTDOWN,
  CONNECT,
  SENDMSG,
  RECVMSG,
  SENDTO,
  FIXED_FD_INSTALL,
  CLOSE_DIRECT,
  // The file-system family (operations_fs.ts).
  ...FS_OPERATIONS,
});
