/**
 * Pure SQE writers: each fills one `struct io_uring_sqe` in a view exactly as
 * the liburing `io_uring_prep_*` function it names, so they can be tested byte
 * for byte against liburing without a ring (`tests/sqe_test.ts`). They write
 * whole 32-bit words (two per 64-bit field: BigInt writes are 7-28x slower),
 * and never touch `user_data`, which the ring sets.
 *
 * Addresses and 64-bit offsets are JS numbers (< 2^53); an offset of -1 means
 * "the file position" (all ones, as liburing's `(__u64)-1`).
 *
 * @module
 */
import { Op } from "../abi/opcodes.ts";
import { SqeFlag } from "../abi/flags.ts";
import { checkS32, checkSize, checkU16, checkU32, checkU64, checkU8, quote } from "./check.ts";
import {
  B_FLAGS,
  checkAt,
  fill,
  H_BUF_INDEX,
  H_IOPRIO,
  H_PERSONALITY,
  put64,
  stampSqe,
  W_FILE_INDEX,
  W_OP_FLAGS,
  W_USER_DATA,
} from "./_fill.ts";

/**
 * Views over SQE memory; `at` arguments are byte offsets of an SQE in them.
 *
 * @example
 * ```ts
 * import { prepNop, Ring, type SqeViews } from "@jsuring/jsuring";
 * using ring = Ring.create({ entries: 8 });
 * const views: SqeViews = ring.sqes;
 * prepNop(views, ring.getSqe());
 * ```
 */
export interface SqeViews {
  /** Bytes: opcode, flags. */
  readonly u8: Uint8Array;
  /** Halfwords: buf_index, personality. */
  readonly u16: Uint16Array;
  /** Words: everything else, 64-bit fields as two words. */
  readonly u32: Uint32Array;
}

/**
 * Views over `buffer` for the writers.
 *
 * @example
 * ```ts
 * import { sqeViews, prepNop } from "@jsuring/jsuring";
 * const s = sqeViews(new ArrayBuffer(64));
 * prepNop(s, 0);
 * ```
 */
export function sqeViews(buffer: ArrayBufferLike, byteOffset = 0, byteLength?: number): SqeViews {
  if (
    !(buffer instanceof ArrayBuffer) &&
    !(typeof SharedArrayBuffer === "function" && buffer instanceof SharedArrayBuffer)
  ) {
    throw new TypeError(`sqeViews: buffer must be an ArrayBuffer or SharedArrayBuffer, got ${quote(buffer)}`);
  }
  checkSize(byteOffset, "sqeViews", "byteOffset");
  if (byteLength !== undefined) checkSize(byteLength, "sqeViews", "byteLength");
  const len = byteLength ?? buffer.byteLength - byteOffset;
  return {
    u8: new Uint8Array(buffer, byteOffset, len),
    u16: new Uint16Array(buffer, byteOffset, len >>> 1),
    u32: new Uint32Array(buffer, byteOffset, len >>> 2),
  };
}

// The u64 splitter is src/memory/u64.ts; re-exported where it always was.
export { putU64 } from "../memory/u64.ts";

/**
 * liburing `io_uring_prep_rw` (after `io_uring_initialize_sqe`, as
 * `io_uring_get_sqe` does): the common layout every writer starts from.
 * Clears flags, ioprio, rw_flags, buf_index, personality, file_index, addr3.
 * Each argument is checked for its field's width (op u8, fd s32, addr and
 * offset u64, len u32).
 *
 * @example
 * ```ts
 * import { sqeViews, prepRw, Op } from "@jsuring/jsuring";
 * const s = sqeViews(new ArrayBuffer(64));
 * prepRw(s, 0, Op.READ, 3, 0x1000, 4096, 0);
 * ```
 */
export function prepRw(
  s: SqeViews,
  at: number,
  op: number,
  fd: number,
  addr: number,
  len: number,
  offset: number,
): void {
  checkU8(op, "prepRw", "op");
  checkS32(fd, "prepRw", "fd");
  checkU64(addr, "prepRw", "addr");
  checkU32(len, "prepRw", "len");
  checkU64(offset, "prepRw", "offset");
  fill(s, at, op, fd, addr, len, offset);
}

/** `io_uring_prep_nop` (5.1).
 *
 * @example
 * ```ts
 * import { sqeViews, prepNop } from "@jsuring/jsuring";
 * prepNop(sqeViews(new ArrayBuffer(64)), 0);
 * ```
 */
export function prepNop(s: SqeViews, at: number): void {
  fill(s, at, Op.NOP, -1, 0, 0, 0);
}

/** The checks of the plain read/write family. */
function checkRw(where: string, fd: number, addr: number, len: number, offset: number): void {
  checkS32(fd, where, "fd");
  checkU64(addr, where, "addr");
  checkU32(len, where, "len");
  checkU64(offset, where, "offset");
}

/**
 * `io_uring_prep_read` (5.6): read `len` bytes at `addr` from `fd` at
 * `offset` (-1: the file position).
 *
 * @example
 * ```ts
 * import { sqeViews, prepRead } from "@jsuring/jsuring";
 * prepRead(sqeViews(new ArrayBuffer(64)), 0, 3, 0x1000, 4096, 0);
 * ```
 */
export function prepRead(
  s: SqeViews,
  at: number,
  fd: number,
  addr: number,
  len: number,
  offset: number,
): void {
  checkRw("prepRead", fd, addr, len, offset);
  fill(s, at, Op.READ, fd, addr, len, offset);
}

/**
 * `io_uring_prep_write` (5.6).
 *
 * @example
 * ```ts
 * import { sqeViews, prepWrite } from "@jsuring/jsuring";
 * prepWrite(sqeViews(new ArrayBuffer(64)), 0, 3, 0x1000, 4096, 0);
 * ```
 */
export function prepWrite(
  s: SqeViews,
  at: number,
  fd: number,
  addr: number,
  len: number,
  offset: number,
): void {
  checkRw("prepWrite", fd, addr, len, offset);
  fill(s, at, Op.WRITE, fd, addr, len, offset);
}

/**
 * `io_uring_prep_readv` (5.1): `iovecs` is the address of `nr` `struct iovec`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepReadv } from "@jsuring/jsuring";
 * prepReadv(sqeViews(new ArrayBuffer(64)), 0, 3, 0x1000, 2, 0);
 * ```
 */
export function prepReadv(
  s: SqeViews,
  at: number,
  fd: number,
  iovecs: number,
  nr: number,
  offset: number,
): void {
  checkRw("prepReadv", fd, iovecs, nr, offset);
  fill(s, at, Op.READV, fd, iovecs, nr, offset);
}

/**
 * `io_uring_prep_writev` (5.1).
 *
 * @example
 * ```ts
 * import { sqeViews, prepWritev } from "@jsuring/jsuring";
 * prepWritev(sqeViews(new ArrayBuffer(64)), 0, 3, 0x1000, 2, 0);
 * ```
 */
export function prepWritev(
  s: SqeViews,
  at: number,
  fd: number,
  iovecs: number,
  nr: number,
  offset: number,
): void {
  checkRw("prepWritev", fd, iovecs, nr, offset);
  fill(s, at, Op.WRITEV, fd, iovecs, nr, offset);
}

/**
 * `io_uring_prep_read_fixed` (5.1): into registered buffer `bufIndex`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepReadFixed } from "@jsuring/jsuring";
 * prepReadFixed(sqeViews(new ArrayBuffer(64)), 0, 3, 0x1000, 4096, 0, 0);
 * ```
 */
export function prepReadFixed(
  s: SqeViews,
  at: number,
  fd: number,
  addr: number,
  len: number,
  offset: number,
  bufIndex: number,
): void {
  checkRw("prepReadFixed", fd, addr, len, offset);
  checkU16(bufIndex, "prepReadFixed", "bufIndex");
  fill(s, at, Op.READ_FIXED, fd, addr, len, offset);
  s.u16[(at >>> 1) + H_BUF_INDEX] = bufIndex;
}

/**
 * `io_uring_prep_write_fixed` (5.1).
 *
 * @example
 * ```ts
 * import { sqeViews, prepWriteFixed } from "@jsuring/jsuring";
 * prepWriteFixed(sqeViews(new ArrayBuffer(64)), 0, 3, 0x1000, 4096, 0, 0);
 * ```
 */
export function prepWriteFixed(
  s: SqeViews,
  at: number,
  fd: number,
  addr: number,
  len: number,
  offset: number,
  bufIndex: number,
): void {
  checkRw("prepWriteFixed", fd, addr, len, offset);
  checkU16(bufIndex, "prepWriteFixed", "bufIndex");
  fill(s, at, Op.WRITE_FIXED, fd, addr, len, offset);
  s.u16[(at >>> 1) + H_BUF_INDEX] = bufIndex;
}

/**
 * `io_uring_prep_fsync` (5.1): `flags` may be `IORING_FSYNC_DATASYNC`
 * (`Misc.FSYNC_DATASYNC`).
 *
 * @example
 * ```ts
 * import { sqeViews, prepFsync, Misc } from "@jsuring/jsuring";
 * prepFsync(sqeViews(new ArrayBuffer(64)), 0, 3, Misc.FSYNC_DATASYNC);
 * ```
 */
export function prepFsync(s: SqeViews, at: number, fd: number, flags: number): void {
  checkS32(fd, "prepFsync", "fd");
  checkU32(flags, "prepFsync", "flags");
  fill(s, at, Op.FSYNC, fd, 0, 0, 0);
  s.u32[(at >>> 2) + W_OP_FLAGS] = flags;
}

/**
 * `io_uring_prep_openat` (5.6): `path` is the address of a NUL-terminated
 * name; `flags` are `O_*` (see `OpenFlag`), `mode` the permission bits.
 *
 * @example
 * ```ts
 * import { sqeViews, prepOpenat, AT_FDCWD } from "@jsuring/jsuring";
 * prepOpenat(sqeViews(new ArrayBuffer(64)), 0, AT_FDCWD, 0x1000, 0, 0);
 * ```
 */
export function prepOpenat(
  s: SqeViews,
  at: number,
  dirfd: number,
  path: number,
  flags: number,
  mode: number,
): void {
  checkS32(dirfd, "prepOpenat", "dirfd");
  checkU64(path, "prepOpenat", "path");
  checkU32(flags, "prepOpenat", "flags");
  checkU32(mode, "prepOpenat", "mode");
  fill(s, at, Op.OPENAT, dirfd, path, mode, 0);
  s.u32[(at >>> 2) + W_OP_FLAGS] = flags;
}

/**
 * `io_uring_prep_close` (5.6).
 *
 * @example
 * ```ts
 * import { sqeViews, prepClose } from "@jsuring/jsuring";
 * prepClose(sqeViews(new ArrayBuffer(64)), 0, 3);
 * ```
 */
export function prepClose(s: SqeViews, at: number, fd: number): void {
  checkS32(fd, "prepClose", "fd");
  fill(s, at, Op.CLOSE, fd, 0, 0, 0);
}

/**
 * `io_uring_prep_statx` (5.6): `statxbuf` is the address of a 256-byte
 * `struct statx`, `mask` the `STATX_*` fields wanted, `flags` `AT_*`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepStatx, AT_FDCWD } from "@jsuring/jsuring";
 * prepStatx(sqeViews(new ArrayBuffer(64)), 0, AT_FDCWD, 0x1000, 0, 0x7ff, 0x2000);
 * ```
 */
export function prepStatx(
  s: SqeViews,
  at: number,
  dirfd: number,
  path: number,
  flags: number,
  mask: number,
  statxbuf: number,
): void {
  checkS32(dirfd, "prepStatx", "dirfd");
  checkU64(path, "prepStatx", "path");
  checkU32(flags, "prepStatx", "flags");
  checkU32(mask, "prepStatx", "mask");
  checkU64(statxbuf, "prepStatx", "statxbuf");
  fill(s, at, Op.STATX, dirfd, path, mask, statxbuf);
  s.u32[(at >>> 2) + W_OP_FLAGS] = flags;
}

/**
 * `io_uring_prep_timeout` (5.4): `ts` is the address of a
 * `__kernel_timespec`; completes after it or after `count` CQEs.
 *
 * @example
 * ```ts
 * import { sqeViews, prepTimeout } from "@jsuring/jsuring";
 * prepTimeout(sqeViews(new ArrayBuffer(64)), 0, 0x1000, 0, 0);
 * ```
 */
export function prepTimeout(s: SqeViews, at: number, ts: number, count: number, flags: number): void {
  checkU64(ts, "prepTimeout", "ts");
  checkU64(count, "prepTimeout", "count");
  checkU32(flags, "prepTimeout", "flags");
  fill(s, at, Op.TIMEOUT, -1, ts, 1, count);
  s.u32[(at >>> 2) + W_OP_FLAGS] = flags;
}

/**
 * `io_uring_prep_link_timeout` (5.5): times out the previous, linked SQE.
 *
 * @example
 * ```ts
 * import { sqeViews, prepLinkTimeout } from "@jsuring/jsuring";
 * prepLinkTimeout(sqeViews(new ArrayBuffer(64)), 0, 0x1000, 0);
 * ```
 */
export function prepLinkTimeout(s: SqeViews, at: number, ts: number, flags: number): void {
  checkU64(ts, "prepLinkTimeout", "ts");
  checkU32(flags, "prepLinkTimeout", "flags");
  fill(s, at, Op.LINK_TIMEOUT, -1, ts, 1, 0);
  s.u32[(at >>> 2) + W_OP_FLAGS] = flags;
}

/**
 * `io_uring_prep_cancel64` (5.5): cancel the request whose user_data is
 * `userData` (`CancelFlag.*` widen the match).
 *
 * @example
 * ```ts
 * import { sqeViews, prepCancel } from "@jsuring/jsuring";
 * prepCancel(sqeViews(new ArrayBuffer(64)), 0, 42, 0);
 * ```
 */
export function prepCancel(s: SqeViews, at: number, userData: number, flags: number): void {
  checkU64(userData, "prepCancel", "userData");
  checkU32(flags, "prepCancel", "flags");
  fill(s, at, Op.ASYNC_CANCEL, -1, userData, 0, 0);
  s.u32[(at >>> 2) + W_OP_FLAGS] = flags;
}

/**
 * `io_uring_prep_provide_buffers` (5.7): `nr` buffers of `len` bytes at
 * `addr`, ids from `bid`, group `bgid`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepProvideBuffers } from "@jsuring/jsuring";
 * prepProvideBuffers(sqeViews(new ArrayBuffer(64)), 0, 0x1000, 4096, 8, 1, 0);
 * ```
 */
export function prepProvideBuffers(
  s: SqeViews,
  at: number,
  addr: number,
  len: number,
  nr: number,
  bgid: number,
  bid: number,
): void {
  checkU64(addr, "prepProvideBuffers", "addr");
  checkU32(len, "prepProvideBuffers", "len");
  checkS32(nr, "prepProvideBuffers", "nr");
  checkU16(bgid, "prepProvideBuffers", "bgid");
  checkU32(bid, "prepProvideBuffers", "bid"); // the off field: the kernel itself answers E2BIG past 65535
  fill(s, at, Op.PROVIDE_BUFFERS, nr, addr, len, bid);
  s.u16[(at >>> 1) + H_BUF_INDEX] = bgid;
}

/**
 * `io_uring_prep_remove_buffers` (5.7).
 *
 * @example
 * ```ts
 * import { sqeViews, prepRemoveBuffers } from "@jsuring/jsuring";
 * prepRemoveBuffers(sqeViews(new ArrayBuffer(64)), 0, 8, 1);
 * ```
 */
export function prepRemoveBuffers(s: SqeViews, at: number, nr: number, bgid: number): void {
  checkS32(nr, "prepRemoveBuffers", "nr");
  checkU16(bgid, "prepRemoveBuffers", "bgid");
  fill(s, at, Op.REMOVE_BUFFERS, nr, 0, 0, 0);
  s.u16[(at >>> 1) + H_BUF_INDEX] = bgid;
}

// ------------------------------------------------------------------ setters
// Applied after a writer; each changes one field and leaves the rest.

/**
 * Set the SQE's `user_data` (liburing `io_uring_sqe_set_data64`).
 *
 * @example
 * ```ts
 * import { sqeViews, prepNop, setUserData } from "@jsuring/jsuring";
 * const s = sqeViews(new ArrayBuffer(64));
 * prepNop(s, 0);
 * setUserData(s, 0, 7);
 * ```
 */
export function setUserData(s: SqeViews, at: number, userData: number): void {
  checkAt(s, at, "setUserData");
  checkU64(userData, "setUserData", "userData");
  put64(s.u32, (at >>> 2) + W_USER_DATA, userData);
}

/**
 * Set `user_data` and, when `flags` is not 0, the `flags` byte (`IOSQE_*`,
 * replaced as liburing's `io_uring_sqe_set_flags` does): what the ring does
 * for every SQE it tracks (`Ring.track`, through the same unchecked body,
 * `stampSqe` in `_fill.ts`, since its values are checked already). With
 * flags 0 the byte stays as the writer left it (0 after `prep*`).
 *
 * @example
 * ```ts
 * import { sqeViews, prepNop, setUserDataFlags, SqeFlag } from "@jsuring/jsuring";
 * const s = sqeViews(new ArrayBuffer(64));
 * prepNop(s, 0);
 * setUserDataFlags(s, 0, 42, SqeFlag.IO_LINK);
 * ```
 */
export function setUserDataFlags(s: SqeViews, at: number, userData: number, flags: number): void {
  checkAt(s, at, "setUserDataFlags");
  checkU64(userData, "setUserDataFlags", "userData");
  if (flags !== 0) checkU8(flags, "setUserDataFlags", "flags");
  if (userData === -1) {
    put64(s.u32, (at >>> 2) + W_USER_DATA, -1);
    if (flags !== 0) s.u8[at + B_FLAGS] = flags;
  } else stampSqe(s, at, userData, flags);
}

/**
 * Set the SQE's `flags` byte (`IOSQE_*`, liburing `io_uring_sqe_set_flags`):
 * replaces the byte, as liburing does.
 *
 * @example
 * ```ts
 * import { sqeViews, prepNop, setSqeFlags, SqeFlag } from "@jsuring/jsuring";
 * const s = sqeViews(new ArrayBuffer(64));
 * prepNop(s, 0);
 * setSqeFlags(s, 0, SqeFlag.IO_LINK);
 * ```
 */
export function setSqeFlags(s: SqeViews, at: number, flags: number): void {
  checkAt(s, at, "setSqeFlags");
  checkU8(flags, "setSqeFlags", "flags");
  s.u8[at + B_FLAGS] = flags;
}

/**
 * The SQE's `flags` byte (`IOSQE_*`).
 *
 * @example
 * ```ts
 * import { sqeViews, prepNop, getSqeFlags } from "@jsuring/jsuring";
 * const s = sqeViews(new ArrayBuffer(64));
 * prepNop(s, 0);
 * console.log(getSqeFlags(s, 0)); // 0
 * ```
 */
export function getSqeFlags(s: SqeViews, at: number): number {
  checkAt(s, at, "getSqeFlags");
  return s.u8[at + B_FLAGS];
}

/**
 * Clear `flags` (`IOSQE_*`) in the SQE's flags byte, leaving the others
 * (`sqe->flags &= ~flags`): e.g. IO_LINK off the last SQE of a chain.
 *
 * @example
 * ```ts
 * import { sqeViews, prepNop, setSqeFlags, clearSqeFlags, SqeFlag } from "@jsuring/jsuring";
 * const s = sqeViews(new ArrayBuffer(64));
 * prepNop(s, 0);
 * setSqeFlags(s, 0, SqeFlag.IO_LINK | SqeFlag.ASYNC);
 * clearSqeFlags(s, 0, SqeFlag.IO_LINK);
 * ```
 */
export function clearSqeFlags(s: SqeViews, at: number, flags: number): void {
  checkAt(s, at, "clearSqeFlags");
  checkU8(flags, "clearSqeFlags", "flags");
  s.u8[at + B_FLAGS] &= ~flags;
}

/**
 * Set `buf_group` (liburing `io_uring_sqe_set_buf_group`, 5.7) without
 * touching the flags; see {@linkcode setBufferSelect} for both.
 *
 * @example
 * ```ts
 * import { sqeViews, prepRecv, setBufGroup } from "@jsuring/jsuring";
 * const s = sqeViews(new ArrayBuffer(64));
 * prepRecv(s, 0, 5, 0, 4096, 0);
 * setBufGroup(s, 0, 3);
 * ```
 */
export function setBufGroup(s: SqeViews, at: number, bgid: number): void {
  checkAt(s, at, "setBufGroup");
  checkU16(bgid, "setBufGroup", "bgid");
  s.u16[(at >>> 1) + H_BUF_INDEX] = bgid;
}

/**
 * Let the kernel pick the buffer from group `bgid` (5.7): adds
 * `IOSQE_BUFFER_SELECT` to the flags and sets `buf_group`, as
 * `io_uring_sqe_set_flags(sqe, flags | IOSQE_BUFFER_SELECT)` +
 * `io_uring_sqe_set_buf_group` do.
 *
 * @example
 * ```ts
 * import { sqeViews, prepRecv, setBufferSelect } from "@jsuring/jsuring";
 * const s = sqeViews(new ArrayBuffer(64));
 * prepRecv(s, 0, 5, 0, 4096, 0);
 * setBufferSelect(s, 0, 3);
 * ```
 */
export function setBufferSelect(s: SqeViews, at: number, bgid: number): void {
  checkAt(s, at, "setBufferSelect");
  checkU16(bgid, "setBufferSelect", "bgid");
  s.u8[at + B_FLAGS] |= SqeFlag.BUFFER_SELECT;
  s.u16[(at >>> 1) + H_BUF_INDEX] = bgid;
}

/**
 * Set `buf_index`: the registered buffer of READ_FIXED / WRITE_FIXED /
 * SEND_ZC with `IORING_RECVSEND_FIXED_BUF` (liburing writes
 * `sqe->buf_index` directly).
 *
 * @example
 * ```ts
 * import { sqeViews, prepReadFixed, setBufIndex } from "@jsuring/jsuring";
 * const s = sqeViews(new ArrayBuffer(64));
 * prepReadFixed(s, 0, 3, 0x1000, 4096, 0, 0);
 * setBufIndex(s, 0, 2);
 * ```
 */
export function setBufIndex(s: SqeViews, at: number, index: number): void {
  checkAt(s, at, "setBufIndex");
  checkU16(index, "setBufIndex", "index");
  s.u16[(at >>> 1) + H_BUF_INDEX] = index;
}

/**
 * Set the op-specific 32-bit flags word (`rw_flags`, `msg_flags`,
 * `fsync_flags`, `timeout_flags`, `accept_flags`, ...: one union in the SQE).
 *
 * @example
 * ```ts
 * import { sqeViews, prepRead, setOpFlags } from "@jsuring/jsuring";
 * const s = sqeViews(new ArrayBuffer(64));
 * prepRead(s, 0, 3, 0x1000, 4096, 0);
 * setOpFlags(s, 0, 0x10); // RWF_APPEND
 * ```
 */
export function setOpFlags(s: SqeViews, at: number, flags: number): void {
  checkAt(s, at, "setOpFlags");
  checkU32(flags, "setOpFlags", "flags");
  s.u32[(at >>> 2) + W_OP_FLAGS] = flags;
}

/**
 * OR `flags` into `ioprio`, the word that carries `IORING_ACCEPT_*`,
 * `IORING_RECVSEND_*` and `IORING_RECV_MULTISHOT` (liburing
 * `sqe->ioprio |= ...`).
 *
 * @example
 * ```ts
 * import { sqeViews, prepRecv, addIoprioFlags, RecvSendFlag } from "@jsuring/jsuring";
 * const s = sqeViews(new ArrayBuffer(64));
 * prepRecv(s, 0, 5, 0, 0, 0);
 * addIoprioFlags(s, 0, RecvSendFlag.BUNDLE);
 * ```
 */
export function addIoprioFlags(s: SqeViews, at: number, flags: number): void {
  checkAt(s, at, "addIoprioFlags");
  checkU16(flags, "addIoprioFlags", "flags");
  s.u16[(at >>> 1) + H_IOPRIO] |= flags;
}

/**
 * Put the result in fixed-file slot `index` instead of a file descriptor
 * (liburing `__io_uring_set_target_fixed_file`: the field holds index + 1,
 * 0 meaning "not direct"); `index` `FILE_INDEX_ALLOC` lets the kernel pick
 * a free slot (then the CQE's res is the slot).
 *
 * @example
 * ```ts
 * import { sqeViews, prepOpenat, setFileIndex, AT_FDCWD } from "@jsuring/jsuring";
 * const s = sqeViews(new ArrayBuffer(64));
 * prepOpenat(s, 0, AT_FDCWD, 0x1000, 0, 0);
 * setFileIndex(s, 0, 4);
 * ```
 */
export function setFileIndex(s: SqeViews, at: number, index: number): void {
  checkAt(s, at, "setFileIndex");
  checkU32(index, "setFileIndex", "index");
  // IORING_FILE_INDEX_ALLOC (~0U) is stored as itself: liburing decrements it
  // first, so that + 1 wraps it back to ~0U.
  s.u32[(at >>> 2) + W_FILE_INDEX] = index === 0xffffffff ? index : index + 1;
}

/**
 * Set `personality`: run the op with credentials registered by
 * `IORING_REGISTER_PERSONALITY` (5.6; liburing writes `sqe->personality`).
 *
 * @example
 * ```ts
 * import { sqeViews, prepNop, setPersonality } from "@jsuring/jsuring";
 * const s = sqeViews(new ArrayBuffer(64));
 * prepNop(s, 0);
 * setPersonality(s, 0, 1);
 * ```
 */
export function setPersonality(s: SqeViews, at: number, id: number): void {
  checkAt(s, at, "setPersonality");
  checkU16(id, "setPersonality", "id");
  s.u16[(at >>> 1) + H_PERSONALITY] = id;
}
