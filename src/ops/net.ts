/**
 * SQE writers for sockets, each matching the liburing `io_uring_prep_*`
 * function it names byte for byte (tests/sqe_test.ts against
 * tests/c/sqe_golden.c), composed as liburing composes them: multishot
 * accept is accept + `IORING_ACCEPT_MULTISHOT` in `ioprio`, multishot recv is
 * recv + `IORING_RECV_MULTISHOT`, a direct variant is the plain one +
 * {@linkcode setFileIndex}. Every argument is checked for its field's width.
 *
 * @module
 */
import { Op } from "../abi/opcodes.ts";
import { AcceptFlag, Misc, RecvSendFlag } from "../abi/flags.ts";
import { checkS32, checkU16, checkU32, checkU64 } from "./check.ts";
import { checkAt, fill, H_IOPRIO, put64, W_ADDR, W_ADDR3, W_FILE_INDEX, W_OFF, W_OP_FLAGS } from "./_fill.ts";
import { setFileIndex, type SqeViews } from "./sqe.ts";

// ------------------------------------------------------------------ accept

/**
 * `io_uring_prep_accept` (5.5): accept a connection on listening socket
 * `fd`; `addr` / `addrlenPtr` (addresses, 0 for none) receive the peer's
 * address, `flags` are accept4(2)'s `SOCK_NONBLOCK | SOCK_CLOEXEC`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepAccept, SOCK } from "@jsuring/jsuring";
 * prepAccept(sqeViews(new ArrayBuffer(64)), 0, 3, 0, 0, SOCK.CLOEXEC);
 * ```
 */
export function prepAccept(
  s: SqeViews,
  at: number,
  fd: number,
  addr: number,
  addrlenPtr: number,
  flags: number,
): void {
  checkS32(fd, "prepAccept", "fd");
  checkU64(addr, "prepAccept", "addr");
  checkU64(addrlenPtr, "prepAccept", "addrlenPtr");
  checkU32(flags, "prepAccept", "flags");
  fill(s, at, Op.ACCEPT, fd, addr, 0, addrlenPtr);
  s.u32[(at >>> 2) + W_OP_FLAGS] = flags;
}

/**
 * `io_uring_prep_multishot_accept` (5.19): {@linkcode prepAccept} +
 * `IORING_ACCEPT_MULTISHOT` in `ioprio`: one SQE, one CQE per connection.
 *
 * @example
 * ```ts
 * import { sqeViews, prepMultishotAccept, SOCK } from "@jsuring/jsuring";
 * prepMultishotAccept(sqeViews(new ArrayBuffer(64)), 0, 3, 0, 0, SOCK.CLOEXEC);
 * ```
 */
export function prepMultishotAccept(
  s: SqeViews,
  at: number,
  fd: number,
  addr: number,
  addrlenPtr: number,
  flags: number,
): void {
  prepAccept(s, at, fd, addr, addrlenPtr, flags);
  s.u16[(at >>> 1) + H_IOPRIO] |= AcceptFlag.MULTISHOT;
}

/**
 * `io_uring_prep_accept_direct` (5.15): accept into fixed-file slot
 * `fileIndex` (`Misc.FILE_INDEX_ALLOC`: a free slot, 5.19).
 *
 * @example
 * ```ts
 * import { sqeViews, prepAcceptDirect, Misc } from "@jsuring/jsuring";
 * prepAcceptDirect(sqeViews(new ArrayBuffer(64)), 0, 3, 0, 0, 0, Misc.FILE_INDEX_ALLOC);
 * ```
 */
export function prepAcceptDirect(
  s: SqeViews,
  at: number,
  fd: number,
  addr: number,
  addrlenPtr: number,
  flags: number,
  fileIndex: number,
): void {
  prepAccept(s, at, fd, addr, addrlenPtr, flags);
  setFileIndex(s, at, fileIndex);
}

/**
 * `io_uring_prep_multishot_accept_direct` (5.19): multishot accept into
 * free fixed-file slots (each CQE's res is the slot).
 *
 * @example
 * ```ts
 * import { sqeViews, prepMultishotAcceptDirect } from "@jsuring/jsuring";
 * prepMultishotAcceptDirect(sqeViews(new ArrayBuffer(64)), 0, 3, 0, 0, 0);
 * ```
 */
export function prepMultishotAcceptDirect(
  s: SqeViews,
  at: number,
  fd: number,
  addr: number,
  addrlenPtr: number,
  flags: number,
): void {
  prepMultishotAccept(s, at, fd, addr, addrlenPtr, flags);
  setFileIndex(s, at, Misc.FILE_INDEX_ALLOC);
}

// ---------------------------------------------------- socket, connect, ...

/**
 * `io_uring_prep_socket` (5.19): socket(2) with `domain` (`AF_*`), `type`
 * (`SOCK_*`, may include `SOCK_CLOEXEC`), `protocol`; `flags` must be 0.
 *
 * @example
 * ```ts
 * import { sqeViews, prepSocket, AF, SOCK } from "@jsuring/jsuring";
 * prepSocket(sqeViews(new ArrayBuffer(64)), 0, AF.INET, SOCK.STREAM | SOCK.CLOEXEC, 0, 0);
 * ```
 */
export function prepSocket(
  s: SqeViews,
  at: number,
  domain: number,
  type: number,
  protocol: number,
  flags: number,
): void {
  checkS32(domain, "prepSocket", "domain");
  checkU32(type, "prepSocket", "type");
  checkU32(protocol, "prepSocket", "protocol");
  checkU32(flags, "prepSocket", "flags");
  fill(s, at, Op.SOCKET, domain, 0, protocol, type);
  s.u32[(at >>> 2) + W_OP_FLAGS] = flags;
}

/**
 * `io_uring_prep_socket_direct` (5.19): {@linkcode prepSocket} into
 * fixed-file slot `fileIndex` (`Misc.FILE_INDEX_ALLOC`: a free slot, as
 * `io_uring_prep_socket_direct_alloc`).
 *
 * @example
 * ```ts
 * import { sqeViews, prepSocketDirect, AF, SOCK } from "@jsuring/jsuring";
 * prepSocketDirect(sqeViews(new ArrayBuffer(64)), 0, AF.INET, SOCK.STREAM, 0, 2, 0);
 * ```
 */
export function prepSocketDirect(
  s: SqeViews,
  at: number,
  domain: number,
  type: number,
  protocol: number,
  fileIndex: number,
  flags: number,
): void {
  prepSocket(s, at, domain, type, protocol, flags);
  setFileIndex(s, at, fileIndex);
}

/**
 * `io_uring_prep_connect` (5.5): connect socket `fd` to the `addrlen`-byte
 * `struct sockaddr` at `addr`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepConnect, sockaddr_in } from "@jsuring/jsuring";
 * prepConnect(sqeViews(new ArrayBuffer(64)), 0, 3, 0x1000, sockaddr_in.size);
 * ```
 */
export function prepConnect(s: SqeViews, at: number, fd: number, addr: number, addrlen: number): void {
  checkS32(fd, "prepConnect", "fd");
  checkU64(addr, "prepConnect", "addr");
  checkU32(addrlen, "prepConnect", "addrlen");
  fill(s, at, Op.CONNECT, fd, addr, 0, addrlen);
}

/**
 * `io_uring_prep_bind` (6.11): bind socket `fd` to the `addrlen`-byte
 * `struct sockaddr` at `addr`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepBind, sockaddr_in } from "@jsuring/jsuring";
 * prepBind(sqeViews(new ArrayBuffer(64)), 0, 3, 0x1000, sockaddr_in.size);
 * ```
 */
export function prepBind(s: SqeViews, at: number, fd: number, addr: number, addrlen: number): void {
  checkS32(fd, "prepBind", "fd");
  checkU64(addr, "prepBind", "addr");
  checkU32(addrlen, "prepBind", "addrlen");
  fill(s, at, Op.BIND, fd, addr, 0, addrlen);
}

/**
 * `io_uring_prep_listen` (6.11): listen(2) on `fd` with `backlog`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepListen } from "@jsuring/jsuring";
 * prepListen(sqeViews(new ArrayBuffer(64)), 0, 3, 511);
 * ```
 */
export function prepListen(s: SqeViews, at: number, fd: number, backlog: number): void {
  checkS32(fd, "prepListen", "fd");
  checkS32(backlog, "prepListen", "backlog");
  fill(s, at, Op.LISTEN, fd, 0, backlog >>> 0, 0);
}

/**
 * `io_uring_prep_shutdown` (5.11): shutdown(2) with `how` (`SHUT_*`).
 *
 * @example
 * ```ts
 * import { sqeViews, prepShutdown, SHUT } from "@jsuring/jsuring";
 * prepShutdown(sqeViews(new ArrayBuffer(64)), 0, 3, SHUT.WR);
 * ```
 */
export function prepShutdown(s: SqeViews, at: number, fd: number, how: number): void {
  checkS32(fd, "prepShutdown", "fd");
  checkU32(how, "prepShutdown", "how");
  fill(s, at, Op.SHUTDOWN, fd, 0, how, 0);
}

// ------------------------------------------------------------- send, recv

/** The checks of send/recv: fd, buffer, length, MSG_* flags. */
function checkSendRecv(where: string, fd: number, addr: number, len: number, flags: number): void {
  checkS32(fd, where, "fd");
  checkU64(addr, where, "addr");
  checkU32(len, where, "len");
  checkU32(flags, where, "msgFlags");
}

/**
 * `io_uring_prep_send` (5.6): send(2) `len` bytes at `addr` with `MSG_*`
 * `msgFlags`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepSend, MSG } from "@jsuring/jsuring";
 * prepSend(sqeViews(new ArrayBuffer(64)), 0, 3, 0x1000, 100, MSG.NOSIGNAL);
 * ```
 */
export function prepSend(
  s: SqeViews,
  at: number,
  fd: number,
  addr: number,
  len: number,
  msgFlags: number,
): void {
  checkSendRecv("prepSend", fd, addr, len, msgFlags);
  fill(s, at, Op.SEND, fd, addr, len, 0);
  s.u32[(at >>> 2) + W_OP_FLAGS] = msgFlags;
}

/**
 * `io_uring_prep_send_bundle` (6.10): send from several provided buffers of
 * the group set by {@linkcode setBufferSelect} in one go (up to `len`
 * bytes, 0: as many as are queued): {@linkcode prepSend} with no buffer +
 * `IORING_RECVSEND_BUNDLE`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepSendBundle, setBufferSelect } from "@jsuring/jsuring";
 * const s = sqeViews(new ArrayBuffer(64));
 * prepSendBundle(s, 0, 3, 0, 0);
 * setBufferSelect(s, 0, 1);
 * ```
 */
export function prepSendBundle(s: SqeViews, at: number, fd: number, len: number, msgFlags: number): void {
  checkSendRecv("prepSendBundle", fd, 0, len, msgFlags);
  fill(s, at, Op.SEND, fd, 0, len, 0);
  s.u32[(at >>> 2) + W_OP_FLAGS] = msgFlags;
  s.u16[(at >>> 1) + H_IOPRIO] |= RecvSendFlag.BUNDLE;
}

/**
 * `io_uring_prep_send_set_addr` (6.0): make a send or send_zc a sendto(2),
 * to the `addrLen`-byte `struct sockaddr` at `addr`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepSend, setSendAddr, sockaddr_in } from "@jsuring/jsuring";
 * const s = sqeViews(new ArrayBuffer(64));
 * prepSend(s, 0, 3, 0x1000, 100, 0);
 * setSendAddr(s, 0, 0x2000, sockaddr_in.size);
 * ```
 */
export function setSendAddr(s: SqeViews, at: number, addr: number, addrLen: number): void {
  checkAt(s, at, "setSendAddr");
  checkU64(addr, "setSendAddr", "addr");
  checkU16(addrLen, "setSendAddr", "addrLen");
  put64(s.u32, (at >>> 2) + W_OFF, addr); // addr2
  s.u16[((at >>> 2) + W_FILE_INDEX) * 2] = addrLen; // addr_len, the low half of the word
}

/**
 * `io_uring_prep_send_zc` (6.0): zero-copy send; the buffer must stay
 * untouched until the second, `IORING_CQE_F_NOTIF` completion. `zcFlags`
 * are `RecvSendFlag.*` (POLL_FIRST, FIXED_BUF, SEND_ZC_REPORT_USAGE).
 *
 * @example
 * ```ts
 * import { sqeViews, prepSendZc, MSG } from "@jsuring/jsuring";
 * prepSendZc(sqeViews(new ArrayBuffer(64)), 0, 3, 0x1000, 65536, MSG.NOSIGNAL, 0);
 * ```
 */
export function prepSendZc(
  s: SqeViews,
  at: number,
  fd: number,
  addr: number,
  len: number,
  msgFlags: number,
  zcFlags: number,
): void {
  checkSendRecv("prepSendZc", fd, addr, len, msgFlags);
  checkU16(zcFlags, "prepSendZc", "zcFlags");
  fill(s, at, Op.SEND_ZC, fd, addr, len, 0);
  s.u32[(at >>> 2) + W_OP_FLAGS] = msgFlags;
  s.u16[(at >>> 1) + H_IOPRIO] = zcFlags;
}

/**
 * `io_uring_prep_recv` (5.6): recv(2) up to `len` bytes into `addr` (0 and a
 * group set by {@linkcode setBufferSelect}: a provided buffer).
 *
 * @example
 * ```ts
 * import { sqeViews, prepRecv } from "@jsuring/jsuring";
 * prepRecv(sqeViews(new ArrayBuffer(64)), 0, 3, 0x1000, 4096, 0);
 * ```
 */
export function prepRecv(
  s: SqeViews,
  at: number,
  fd: number,
  addr: number,
  len: number,
  msgFlags: number,
): void {
  checkSendRecv("prepRecv", fd, addr, len, msgFlags);
  fill(s, at, Op.RECV, fd, addr, len, 0);
  s.u32[(at >>> 2) + W_OP_FLAGS] = msgFlags;
}

/**
 * `io_uring_prep_recv_multishot` (6.0): {@linkcode prepRecv} +
 * `IORING_RECV_MULTISHOT`: one CQE per arrival, each in a provided buffer
 * (so follow with {@linkcode setBufferSelect}; `addr` and `len` 0).
 *
 * @example
 * ```ts
 * import { sqeViews, prepRecvMultishot, setBufferSelect } from "@jsuring/jsuring";
 * const s = sqeViews(new ArrayBuffer(64));
 * prepRecvMultishot(s, 0, 3, 0, 0, 0);
 * setBufferSelect(s, 0, 1);
 * ```
 */
export function prepRecvMultishot(
  s: SqeViews,
  at: number,
  fd: number,
  addr: number,
  len: number,
  msgFlags: number,
): void {
  prepRecv(s, at, fd, addr, len, msgFlags);
  s.u16[(at >>> 1) + H_IOPRIO] |= RecvSendFlag.RECV_MULTISHOT;
}

/**
 * A receive bundle (6.10): {@linkcode prepRecv} + `IORING_RECVSEND_BUNDLE`:
 * one CQE may fill several provided buffers (with {@linkcode setBufferSelect};
 * add `RecvSendFlag.RECV_MULTISHOT` with {@linkcode addIoprioFlags} for a
 * multishot bundle). liburing has no prep for it; it documents this
 * composition (`io_uring_prep_recv` + `sqe->ioprio |= IORING_RECVSEND_BUNDLE`).
 *
 * @example
 * ```ts
 * import { sqeViews, prepRecvBundle, setBufferSelect } from "@jsuring/jsuring";
 * const s = sqeViews(new ArrayBuffer(64));
 * prepRecvBundle(s, 0, 3, 0, 0);
 * setBufferSelect(s, 0, 1);
 * ```
 */
export function prepRecvBundle(s: SqeViews, at: number, fd: number, len: number, msgFlags: number): void {
  checkSendRecv("prepRecvBundle", fd, 0, len, msgFlags);
  fill(s, at, Op.RECV, fd, 0, len, 0);
  s.u32[(at >>> 2) + W_OP_FLAGS] = msgFlags;
  s.u16[(at >>> 1) + H_IOPRIO] |= RecvSendFlag.BUNDLE;
}

/**
 * `io_uring_prep_sendmsg` (5.3): sendmsg(2) with the `struct msghdr` at
 * `msg` (layout: `msghdr`).
 *
 * @example
 * ```ts
 * import { sqeViews, prepSendmsg } from "@jsuring/jsuring";
 * prepSendmsg(sqeViews(new ArrayBuffer(64)), 0, 3, 0x1000, 0);
 * ```
 */
export function prepSendmsg(s: SqeViews, at: number, fd: number, msg: number, msgFlags: number): void {
  checkSendRecv("prepSendmsg", fd, msg, 1, msgFlags);
  fill(s, at, Op.SENDMSG, fd, msg, 1, 0);
  s.u32[(at >>> 2) + W_OP_FLAGS] = msgFlags;
}

/**
 * `io_uring_prep_sendmsg_zc` (6.1): zero-copy {@linkcode prepSendmsg}
 * (a second, `IORING_CQE_F_NOTIF` completion says the buffers are free).
 *
 * @example
 * ```ts
 * import { sqeViews, prepSendmsgZc } from "@jsuring/jsuring";
 * prepSendmsgZc(sqeViews(new ArrayBuffer(64)), 0, 3, 0x1000, 0);
 * ```
 */
export function prepSendmsgZc(s: SqeViews, at: number, fd: number, msg: number, msgFlags: number): void {
  checkSendRecv("prepSendmsgZc", fd, msg, 1, msgFlags);
  fill(s, at, Op.SENDMSG_ZC, fd, msg, 1, 0);
  s.u32[(at >>> 2) + W_OP_FLAGS] = msgFlags;
}

/**
 * `io_uring_prep_recvmsg` (5.3): recvmsg(2) into the `struct msghdr` at `msg`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepRecvmsg } from "@jsuring/jsuring";
 * prepRecvmsg(sqeViews(new ArrayBuffer(64)), 0, 3, 0x1000, 0);
 * ```
 */
export function prepRecvmsg(s: SqeViews, at: number, fd: number, msg: number, msgFlags: number): void {
  checkSendRecv("prepRecvmsg", fd, msg, 1, msgFlags);
  fill(s, at, Op.RECVMSG, fd, msg, 1, 0);
  s.u32[(at >>> 2) + W_OP_FLAGS] = msgFlags;
}

/**
 * `io_uring_prep_recvmsg_multishot` (6.0): {@linkcode prepRecvmsg} +
 * `IORING_RECV_MULTISHOT`; each provided buffer starts with a
 * `struct io_uring_recvmsg_out`, then the name, control and payload whose
 * room the `msghdr`'s `msg_namelen` / `msg_controllen` give.
 *
 * @example
 * ```ts
 * import { sqeViews, prepRecvmsgMultishot, setBufferSelect } from "@jsuring/jsuring";
 * const s = sqeViews(new ArrayBuffer(64));
 * prepRecvmsgMultishot(s, 0, 3, 0x1000, 0);
 * setBufferSelect(s, 0, 1);
 * ```
 */
export function prepRecvmsgMultishot(
  s: SqeViews,
  at: number,
  fd: number,
  msg: number,
  msgFlags: number,
): void {
  prepRecvmsg(s, at, fd, msg, msgFlags);
  s.u16[(at >>> 1) + H_IOPRIO] |= RecvSendFlag.RECV_MULTISHOT;
}

/**
 * `io_uring_prep_cmd_sock` (6.7): a socket `IORING_OP_URING_CMD`:
 * `cmdOp` is `SocketCmd.*` (GETSOCKOPT / SETSOCKOPT take `level`,
 * `optname` and the `optlen`-byte value at `optval`; SIOCINQ / SIOCOUTQ
 * none).
 *
 * @example
 * ```ts
 * import { sqeViews, prepCmdSock, SocketCmd, SOL, SO } from "@jsuring/jsuring";
 * prepCmdSock(sqeViews(new ArrayBuffer(64)), 0, SocketCmd.SETSOCKOPT, 3, SOL.SOCKET, SO.REUSEADDR, 0x1000, 4);
 * ```
 */
export function prepCmdSock(
  s: SqeViews,
  at: number,
  cmdOp: number,
  fd: number,
  level: number,
  optname: number,
  optval: number,
  optlen: number,
): void {
  checkU32(cmdOp, "prepCmdSock", "cmdOp");
  checkS32(fd, "prepCmdSock", "fd");
  checkU32(level, "prepCmdSock", "level");
  checkU32(optname, "prepCmdSock", "optname");
  checkU64(optval, "prepCmdSock", "optval");
  checkU32(optlen, "prepCmdSock", "optlen");
  fill(s, at, Op.URING_CMD, fd, 0, 0, 0);
  const w = at >>> 2;
  s.u32[w + W_OFF] = cmdOp; // cmd_op; __pad1 stays 0
  s.u32[w + W_ADDR] = level;
  s.u32[w + W_ADDR + 1] = optname;
  s.u32[w + W_FILE_INDEX] = optlen;
  put64(s.u32, w + W_ADDR3, optval);
}
