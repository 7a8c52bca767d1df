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

/** Views over SQE memory; `at` arguments are byte offsets of an SQE in them. */
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
 * import { sqeViews, prepNop } from "./sqe.ts";
 * const s = sqeViews(new ArrayBuffer(64));
 * prepNop(s, 0);
 * ```
 */
export function sqeViews(buffer: ArrayBufferLike, byteOffset = 0, byteLength?: number): SqeViews {
  const len = byteLength ?? buffer.byteLength - byteOffset;
  return {
    u8: new Uint8Array(buffer, byteOffset, len),
    u16: new Uint16Array(buffer, byteOffset, len >>> 1),
    u32: new Uint32Array(buffer, byteOffset, len >>> 2),
  };
}

const TWO32 = 4294967296;

/** Write a u64 (number, or -1 for all ones) as two u32 words at word index `w`. */
export function putU64(u32: Uint32Array, w: number, value: number): void {
  if (value === -1) {
    u32[w] = 0xffffffff;
    u32[w + 1] = 0xffffffff;
  } else {
    u32[w] = value >>> 0;
    u32[w + 1] = (value / TWO32) >>> 0;
  }
}

/**
 * liburing `io_uring_prep_rw`: the common layout every writer starts from.
 * Clears flags, ioprio, rw_flags, buf_index, personality, file_index, addr3.
 *
 * @example
 * ```ts
 * import { sqeViews, prepRw } from "./sqe.ts";
 * import { Op } from "../abi/opcodes.ts";
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
  const u = s.u32, w = at >>> 2;
  u[w] = op; // opcode, flags = 0, ioprio = 0
  u[w + 1] = fd; // s32 through u32: two's complement
  putU64(u, w + 2, offset);
  putU64(u, w + 4, addr);
  u[w + 6] = len;
  u[w + 7] = 0; // rw_flags and its union
  // w + 8, w + 9: user_data, set by the ring
  u[w + 10] = 0; // buf_index, personality
  u[w + 11] = 0; // file_index / splice_fd_in
  u[w + 12] = 0; // addr3
  u[w + 13] = 0;
  u[w + 14] = 0; // __pad2
  u[w + 15] = 0;
}

/** Set the op-specific 32-bit flags word (rw_flags, fsync_flags, timeout_flags, ...). */
function opFlags(s: SqeViews, at: number, flags: number): void {
  s.u32[(at >>> 2) + 7] = flags;
}

/** `io_uring_prep_nop`. @example prepNop(s, 0) */
export function prepNop(s: SqeViews, at: number): void {
  prepRw(s, at, Op.NOP, -1, 0, 0, 0);
}

/** `io_uring_prep_read` (5.6): read `len` bytes at `addr` from `fd` at `offset`. @example prepRead(s, 0, fd, addr, 4096, 0) */
export function prepRead(
  s: SqeViews,
  at: number,
  fd: number,
  addr: number,
  len: number,
  offset: number,
): void {
  prepRw(s, at, Op.READ, fd, addr, len, offset);
}

/** `io_uring_prep_write` (5.6). @example prepWrite(s, 0, fd, addr, 4096, 0) */
export function prepWrite(
  s: SqeViews,
  at: number,
  fd: number,
  addr: number,
  len: number,
  offset: number,
): void {
  prepRw(s, at, Op.WRITE, fd, addr, len, offset);
}

/** `io_uring_prep_readv` (5.1): `iovecs` is the address of `nr` `struct iovec`. @example prepReadv(s, 0, fd, iov, 2, 0) */
export function prepReadv(
  s: SqeViews,
  at: number,
  fd: number,
  iovecs: number,
  nr: number,
  offset: number,
): void {
  prepRw(s, at, Op.READV, fd, iovecs, nr, offset);
}

/** `io_uring_prep_writev` (5.1). @example prepWritev(s, 0, fd, iov, 2, 0) */
export function prepWritev(
  s: SqeViews,
  at: number,
  fd: number,
  iovecs: number,
  nr: number,
  offset: number,
): void {
  prepRw(s, at, Op.WRITEV, fd, iovecs, nr, offset);
}

/** `io_uring_prep_read_fixed` (5.1): into registered buffer `bufIndex`. @example prepReadFixed(s, 0, fd, addr, 4096, 0, 0) */
export function prepReadFixed(
  s: SqeViews,
  at: number,
  fd: number,
  addr: number,
  len: number,
  offset: number,
  bufIndex: number,
): void {
  prepRw(s, at, Op.READ_FIXED, fd, addr, len, offset);
  s.u16[(at >>> 1) + 20] = bufIndex;
}

/** `io_uring_prep_write_fixed` (5.1). @example prepWriteFixed(s, 0, fd, addr, 4096, 0, 0) */
export function prepWriteFixed(
  s: SqeViews,
  at: number,
  fd: number,
  addr: number,
  len: number,
  offset: number,
  bufIndex: number,
): void {
  prepRw(s, at, Op.WRITE_FIXED, fd, addr, len, offset);
  s.u16[(at >>> 1) + 20] = bufIndex;
}

/** `io_uring_prep_fsync` (5.1): `flags` may be `IORING_FSYNC_DATASYNC`. @example prepFsync(s, 0, fd, 0) */
export function prepFsync(s: SqeViews, at: number, fd: number, flags: number): void {
  prepRw(s, at, Op.FSYNC, fd, 0, 0, 0);
  opFlags(s, at, flags);
}

/** `io_uring_prep_openat` (5.6): `path` is the address of a NUL-terminated name. @example prepOpenat(s, 0, -100, path, 0, 0) */
export function prepOpenat(
  s: SqeViews,
  at: number,
  dirfd: number,
  path: number,
  flags: number,
  mode: number,
): void {
  prepRw(s, at, Op.OPENAT, dirfd, path, mode, 0);
  opFlags(s, at, flags);
}

/** `io_uring_prep_close` (5.6). @example prepClose(s, 0, fd) */
export function prepClose(s: SqeViews, at: number, fd: number): void {
  prepRw(s, at, Op.CLOSE, fd, 0, 0, 0);
}

/** `io_uring_prep_statx` (5.6): `statxbuf` is the address of a 256-byte `struct statx`. @example prepStatx(s, 0, -100, path, 0, 0x7ff, buf) */
export function prepStatx(
  s: SqeViews,
  at: number,
  dirfd: number,
  path: number,
  flags: number,
  mask: number,
  statxbuf: number,
): void {
  prepRw(s, at, Op.STATX, dirfd, path, mask, statxbuf);
  opFlags(s, at, flags);
}

/** `io_uring_prep_timeout` (5.4): `ts` is the address of a `__kernel_timespec`; completes after it or `count` CQEs. @example prepTimeout(s, 0, ts, 0, 0) */
export function prepTimeout(
  s: SqeViews,
  at: number,
  ts: number,
  count: number,
  flags: number,
): void {
  prepRw(s, at, Op.TIMEOUT, -1, ts, 1, count);
  opFlags(s, at, flags);
}

/** `io_uring_prep_link_timeout` (5.5): times out the previous, linked SQE. @example prepLinkTimeout(s, 0, ts, 0) */
export function prepLinkTimeout(s: SqeViews, at: number, ts: number, flags: number): void {
  prepRw(s, at, Op.LINK_TIMEOUT, -1, ts, 1, 0);
  opFlags(s, at, flags);
}

/** `io_uring_prep_cancel64` (5.5): cancel the request whose user_data is `userData`. @example prepCancel(s, 0, 42, 0) */
export function prepCancel(s: SqeViews, at: number, userData: number, flags: number): void {
  prepRw(s, at, Op.ASYNC_CANCEL, -1, 0, 0, 0);
  putU64(s.u32, (at >>> 2) + 4, userData);
  opFlags(s, at, flags);
}

/** `io_uring_prep_provide_buffers` (5.7): `nr` buffers of `len` at `addr`, ids from `bid`, group `bgid`. @example prepProvideBuffers(s, 0, addr, 4096, 8, 1, 0) */
export function prepProvideBuffers(
  s: SqeViews,
  at: number,
  addr: number,
  len: number,
  nr: number,
  bgid: number,
  bid: number,
): void {
  prepRw(s, at, Op.PROVIDE_BUFFERS, nr, addr, len, bid);
  s.u16[(at >>> 1) + 20] = bgid;
}

/** `io_uring_prep_remove_buffers` (5.7). @example prepRemoveBuffers(s, 0, 8, 1) */
export function prepRemoveBuffers(s: SqeViews, at: number, nr: number, bgid: number): void {
  prepRw(s, at, Op.REMOVE_BUFFERS, nr, 0, 0, 0);
  s.u16[(at >>> 1) + 20] = bgid;
}

/** Set the SQE's `user_data` (liburing `io_uring_sqe_set_data64`). @example setUserData(s, 0, 7) */
export function setUserData(s: SqeViews, at: number, userData: number): void {
  putU64(s.u32, (at >>> 2) + 8, userData);
}

/** Set the SQE's `flags` byte (`IOSQE_*`, liburing `io_uring_sqe_set_flags`). @example setSqeFlags(s, 0, 4) */
export function setSqeFlags(s: SqeViews, at: number, flags: number): void {
  s.u8[at + 1] = flags;
}

/**
 * One row per operation: opcode, the kernel that added it and the liburing
 * prep function each writer matches. The ring's probe checks `opcode` before
 * an operation is used; the SQE test iterates this table.
 *
 * @example
 * ```ts
 * import { OPCODES } from "./sqe.ts";
 * console.log(OPCODES.read.since); // "5.6"
 * ```
 */
export const OPCODES = {
  nop: { opcode: Op.NOP, since: "5.1", liburing: "io_uring_prep_nop" },
  read: { opcode: Op.READ, since: "5.6", liburing: "io_uring_prep_read" },
  write: { opcode: Op.WRITE, since: "5.6", liburing: "io_uring_prep_write" },
  readv: { opcode: Op.READV, since: "5.1", liburing: "io_uring_prep_readv" },
  writev: { opcode: Op.WRITEV, since: "5.1", liburing: "io_uring_prep_writev" },
  readFixed: { opcode: Op.READ_FIXED, since: "5.1", liburing: "io_uring_prep_read_fixed" },
  writeFixed: { opcode: Op.WRITE_FIXED, since: "5.1", liburing: "io_uring_prep_write_fixed" },
  fsync: { opcode: Op.FSYNC, since: "5.1", liburing: "io_uring_prep_fsync" },
  openat: { opcode: Op.OPENAT, since: "5.6", liburing: "io_uring_prep_openat" },
  close: { opcode: Op.CLOSE, since: "5.6", liburing: "io_uring_prep_close" },
  statx: { opcode: Op.STATX, since: "5.6", liburing: "io_uring_prep_statx" },
  timeout: { opcode: Op.TIMEOUT, since: "5.4", liburing: "io_uring_prep_timeout" },
  linkTimeout: { opcode: Op.LINK_TIMEOUT, since: "5.5", liburing: "io_uring_prep_link_timeout" },
  cancel: { opcode: Op.ASYNC_CANCEL, since: "5.5", liburing: "io_uring_prep_cancel64" },
  provideBuffers: {
    opcode: Op.PROVIDE_BUFFERS,
    since: "5.7",
    liburing: "io_uring_prep_provide_buffers",
  },
  removeBuffers: {
    opcode: Op.REMOVE_BUFFERS,
    since: "5.7",
    liburing: "io_uring_prep_remove_buffers",
  },
  // The writer is prepUringCmd in src/cmd/uring_cmd.ts; liburing 2.3 has no
  // generic prep, its io_uring_prep_cmd_sock() starts the same way.
  uringCmd: { opcode: Op.URING_CMD, since: "5.19", liburing: "io_uring_prep_rw(IORING_OP_URING_CMD) + cmd_op" },
} as const;
