/**
 * The multishot family of the description table: operations whose one SQE
 * posts a completion per event (IORING_CQE_F_MORE) until stopped, iterated
 * as a `Multishot` (`AsyncRing.poll`, `AsyncRing.ticks`, or any entry
 * through `AsyncRing.multishotOf`). As in `operations.ts`: the opcode, the
 * argument checks before anything is reserved, the memory the kernel uses
 * for the operation's whole life, and the writer from `src/ops/`, which
 * also writes every re-arm (the kernel stops a multishot request when it
 * cannot post a CQE, CQ full) with what is still owed.
 *
 * @module
 */
import { Op, TimeoutFlag } from "../abi/mod.ts";
import { Errno } from "../errors/errno.ts";
import { getNative } from "../runtime/_ffi.ts";
import { SqeFlag } from "../abi/flags.ts";
import { getSqeFlags, prepTimeout, setBufferSelect, setSqeFlags, type SqeViews } from "../ops/sqe.ts";
import { prepPollMultishot } from "../ops/poll.ts";
import {
  prepMultishotAccept,
  prepMultishotAcceptDirect,
  prepRecvmsgMultishot,
  prepRecvMultishot,
} from "../ops/net.ts";
import { checkBool, checkFd, checkInt, checkU32, type Timeout, timespec, typeError } from "./_args.ts";

/**
 * A multishot operation: what `AsyncRing.multishotOf` needs to check its
 * arguments, keep its memory, write (and re-write) its SQE and tell an item
 * from the end.
 *
 * @typeParam A the argument tuple
 *
 * @example
 * ```ts
 * import { AsyncRing, MULTISHOT_OPERATIONS } from "@jsuring/jsuring";
 * await using ring = AsyncRing.create();
 * for await (const _ of ring.multishotOf(MULTISHOT_OPERATIONS.TIMEOUT_MULTISHOT, [1, 2])) console.log("tick");
 * ```
 */
export interface MultishotDescription<A extends readonly unknown[]> {
  /** The name used in errors ("poll", "timeout"). */
  readonly name: string;
  /** The `IORING_OP_*` number. */
  readonly opcode: number;
  /** The first Linux release with the multishot form (a probe lists the opcode, not the flag). */
  readonly since: string;
  /** Check the arguments (TypeError/RangeError); returns what the kernel reads for the whole operation. */
  readonly check: (args: A) => unknown;
  /** Write the SQE, first arm or re-arm; `received` is the number of items delivered so far. */
  readonly write: (s: SqeViews, at: number, args: A, keep: unknown, received: number) => void;
  /** Negative results other than -ECANCELED are items (multishot timeouts: -ETIME). */
  readonly negativeItems?: boolean;
  /** Whether a completion without F_MORE ends the operation (else it is re-armed). */
  readonly ends?: (res: number, args: A, received: number) => boolean;
}

/** IORING_OP_POLL_ADD with IORING_POLL_ADD_MULTI (5.13): the ready events of `fd`, each time. */
export const POLL_MULTISHOT: MultishotDescription<[fd: number, events: number]> = {
  name: "poll",
  opcode: Op.POLL_ADD,
  since: "5.13",
  check: ([fd, events]) => {
    checkFd(fd);
    checkU32(events, "poll events");
    return undefined;
  },
  write: (s, at, [fd, events]) => prepPollMultishot(s, at, fd, events),
};

/**
 * IORING_OP_TIMEOUT with IORING_TIMEOUT_MULTISHOT (6.4): a completion
 * (-ETIME) every `interval`, `count` times (0: until stopped). A re-arm asks
 * for the ticks still owed.
 */
export const TIMEOUT_MULTISHOT: MultishotDescription<[interval: Timeout, count: number]> = {
  name: "timeout",
  opcode: Op.TIMEOUT,
  since: "6.4",
  check: ([interval, count]) => {
    const ts = timespec(interval, "ticks interval");
    checkU32(count, "ticks count");
    return ts;
  },
  write: (s, at, [, count], ts, received) =>
    prepTimeout(
      s,
      at,
      getNative().addressOf(ts as Uint8Array),
      count && count - received,
      TimeoutFlag.MULTISHOT,
    ),
  negativeItems: true,
  ends: (res, [, count], received) => res !== -Errno.ETIME || (count > 0 && received >= count),
};

/**
 * IORING_OP_ACCEPT with IORING_ACCEPT_MULTISHOT (5.19,
 * `io_uring_prep_multishot_accept`): each connection on listening socket
 * `fd` as a new descriptor, `flags` the accept4(2) flags (SOCK_CLOEXEC...).
 * Used by `TcpListener.connections()`.
 */
export const ACCEPT_MULTISHOT: MultishotDescription<[fd: number, flags: number]> = {
  name: "accept",
  opcode: Op.ACCEPT,
  since: "5.19",
  check: ([fd, flags]) => {
    checkFd(fd, "accept fd");
    checkU32(flags, "accept flags");
    return undefined;
  },
  write: (s, at, [fd, flags]) => prepMultishotAccept(s, at, fd, 0, 0, flags),
};

/**
 * IORING_OP_ACCEPT multishot into the ring's registered file table with
 * IORING_FILE_INDEX_ALLOC (5.19, `io_uring_prep_multishot_accept_direct`):
 * each connection's result is the slot the kernel picked. Used by
 * `TcpListener.directConnections({ multishot: true })`.
 */
export const ACCEPT_DIRECT_MULTISHOT: MultishotDescription<[fd: number]> = {
  name: "accept_direct",
  opcode: Op.ACCEPT,
  since: "5.19",
  check: ([fd]) => {
    checkFd(fd, "accept_direct fd");
    return undefined;
  },
  write: (s, at, [fd]) => prepMultishotAcceptDirect(s, at, fd, 0, 0, 0),
};

/** A buffer group id (the SQE's 16-bit buf_group). */
const group = (v: unknown, what: string): number => checkInt(v, what, 0, 0xffff);

/**
 * IORING_OP_RECV with IORING_RECV_MULTISHOT (6.0, `io_uring_prep_recv_multishot`)
 * into provided buffer group `bgid` (IOSQE_BUFFER_SELECT): each chunk of a
 * stream socket's bytes; `fixedFile` when `fd` is a registered file table
 * slot (IOSQE_FIXED_FILE). 0 (the peer closed) or an error ends it; a
 * result without F_MORE otherwise only means the kernel stopped the request
 * (CQ full), and it is re-armed. Used by `TcpConn.chunks()` and `DirectConn.chunks()`.
 */
export const RECV_MULTISHOT: MultishotDescription<[fd: number, bgid: number, fixedFile: boolean]> = {
  name: "recv",
  opcode: Op.RECV,
  since: "6.0",
  check: ([fd, bgid, fixedFile]) => {
    checkFd(fd, "recv fd");
    group(bgid, "recv buffer group");
    checkBool(fixedFile, "recv fixedFile");
    return undefined;
  },
  write: (s, at, [fd, bgid, fixedFile]) => {
    prepRecvMultishot(s, at, fd, 0, 0, 0);
    if (fixedFile) setSqeFlags(s, at, getSqeFlags(s, at) | SqeFlag.FIXED_FILE);
    setBufferSelect(s, at, bgid);
  },
  ends: (res) => res <= 0,
};

/**
 * IORING_OP_RECVMSG with IORING_RECV_MULTISHOT (6.0, `io_uring_prep_recvmsg_multishot`)
 * into provided buffer group `bgid`: each datagram with its
 * `io_uring_recvmsg_out` header. `msghdr` (a `struct msghdr` in library
 * memory: name and control room) is read at every arm, so it is kept for
 * the operation's life. Only errors end it (a 0-byte datagram is an item).
 * Used by `UdpSocket.messages()`.
 */
export const RECVMSG_MULTISHOT: MultishotDescription<[fd: number, msghdr: Uint8Array, bgid: number]> = {
  name: "recvmsg",
  opcode: Op.RECVMSG,
  since: "6.0",
  check: ([fd, msghdr, bgid]) => {
    checkFd(fd, "recvmsg fd");
    if (!(msghdr instanceof Uint8Array)) throw typeError("recvmsg msghdr", "a Uint8Array (struct msghdr)", msghdr);
    group(bgid, "recvmsg buffer group");
    return msghdr;
  },
  write: (s, at, [fd, , bgid], msghdr) => {
    prepRecvmsgMultishot(s, at, fd, getNative().addressOf(msghdr as Uint8Array), 0);
    setBufferSelect(s, at, bgid);
  },
  ends: (res) => res < 0,
};

/**
 * Every multishot description, by name.
 *
 * @example
 * ```ts
 * import { MULTISHOT_OPERATIONS } from "@jsuring/jsuring";
 * console.log(MULTISHOT_OPERATIONS.TIMEOUT_MULTISHOT.since); // "6.4"
 * ```
 */
export const MULTISHOT_OPERATIONS: Readonly<{
  POLL_MULTISHOT: MultishotDescription<[fd: number, events: number]>;
  TIMEOUT_MULTISHOT: MultishotDescription<[interval: Timeout, count: number]>;
  ACCEPT_MULTISHOT: MultishotDescription<[fd: number, flags: number]>;
  ACCEPT_DIRECT_MULTISHOT: MultishotDescription<[fd: number]>;
  RECV_MULTISHOT: MultishotDescription<[fd: number, bgid: number, fixedFile: boolean]>;
  RECVMSG_MULTISHOT: MultishotDescription<[fd: number, msghdr: Uint8Array, bgid: number]>;
}> = Object.freeze({
  POLL_MULTISHOT,
  TIMEOUT_MULTISHOT,
  ACCEPT_MULTISHOT,
  ACCEPT_DIRECT_MULTISHOT,
  RECV_MULTISHOT,
  RECVMSG_MULTISHOT,
});
