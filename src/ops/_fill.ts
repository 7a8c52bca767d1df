/**
 * The one place that knows where each `struct io_uring_sqe` field lives
 * (byte, halfword and word indices from `include/uapi/linux/io_uring.h`,
 * pinned by tests/abi_test.ts through STRUCTS), and `fill`, the unchecked
 * liburing `io_uring_initialize_sqe` + `io_uring_prep_rw`. Private to
 * src/ops/: the exported writers check every argument, then call this.
 *
 * @module
 */
import type { SqeViews } from "./sqe.ts";
import { putU64 } from "../memory/u64.ts";
import { fieldError, quote } from "./check.ts";

/** Byte index of `flags` (IOSQE_*). */
export const B_FLAGS = 1;
/** Halfword index of `ioprio` (also the accept/recv/send/poll flag word). */
export const H_IOPRIO = 1;
/** Word index of `fd`. */
export const W_FD = 1;
/** Word index of `off` / `addr2` / `cmd_op` (two words). */
export const W_OFF = 2;
/** Word index of `addr` / `splice_off_in` / `level`+`optname` (two words). */
export const W_ADDR = 4;
/** Word index of `len`. */
export const W_LEN = 6;
/** Word index of the op-specific flags word (`rw_flags`, `msg_flags`, ...). */
export const W_OP_FLAGS = 7;
/** Word index of `user_data` (two words). */
export const W_USER_DATA = 8;
/** Halfword index of `buf_index` / `buf_group`. */
export const H_BUF_INDEX = 20;
/** Halfword index of `personality`. */
export const H_PERSONALITY = 21;
/** Word index of `file_index` / `splice_fd_in` / `optlen` / `addr_len`. */
export const W_FILE_INDEX = 11;
/** Word index of `addr3` / `optval` (two words). */
export const W_ADDR3 = 12;

/** A u64 (number < 2^53, or -1 for all ones) as two u32 words at word `w`. */
export const put64: (u32: Uint32Array, w: number, value: number) => void = putU64;

/**
 * `user_data` (a number 0..2^53-1, already checked) and, when `flags` is not
 * 0, the flags byte (already checked): the body of `setUserDataFlags` and
 * what `Ring.track` calls for every SQE. Unchecked and small on purpose, so
 * that V8 inlines it into `Ring.nop`/`Ring.read`: a checked writer or
 * `setUserData` -> `put64` (two calls deeper) measured 20-35 % fewer raw
 * NOPs per second (bench/ab.sh, bench/RESULTS.md "A/B of #11").
 */
export function stampSqe(s: SqeViews, at: number, userData: number, flags: number): void {
  const u32 = s.u32, w = (at >>> 2) + W_USER_DATA;
  u32[w] = userData >>> 0;
  u32[w + 1] = (userData / 4294967296) >>> 0;
  if (flags !== 0) s.u8[at + B_FLAGS] = flags;
}

/**
 * liburing 2.15's `io_uring_initialize_sqe` (what `io_uring_get_sqe` does)
 * followed by `io_uring_prep_rw`; liburing 2.3's prep_rw did both. Every
 * field but user_data is written. Arguments are already checked.
 */
export function fill(
  s: SqeViews,
  at: number,
  op: number,
  fd: number,
  addr: number,
  len: number,
  offset: number,
): void {
  const u = s?.u32, w = at >>> 2;
  // The one argument the writers do not check themselves: a string "64" or
  // 64.5 would be coerced by the typed arrays, the SQE written over another.
  if (w << 2 !== at || (at & 63) !== 0 || u === undefined || w + 16 > u.length) atError(s, at, "SQE writer");
  u[w] = op; // opcode, flags = 0, ioprio = 0
  u[w + 1] = fd; // s32 through u32: two's complement
  put64(u, w + 2, offset);
  put64(u, w + 4, addr);
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

/**
 * Throw unless `at` is the byte offset of a whole SQE inside `s`: an integer,
 * a multiple of 64 (SQE128 rings use every other one), and `at + 64` within
 * the views. A string `"64"` or 64.5 would otherwise be coerced by the typed
 * arrays and the SQE written somewhere else, over another SQE.
 */
export function checkAt(s: { u8: Uint8Array }, at: number, where: string): void {
  const u8 = s?.u8;
  if (at >>> 0 !== at || (at & 63) !== 0 || u8 === undefined || at + 64 > u8.length) atError(s, at, where);
}

/** The error of {@linkcode checkAt} (kept out of line so the check inlines). */
export function atError(s: { u8: Uint8Array }, at: number, where: string): never {
  const u8 = s?.u8;
  if (!(u8 instanceof Uint8Array)) {
    throw new TypeError(`${where}: s must be SQE views (sqeViews() or ring.sqes), got ${quote(s)}`);
  }
  throw fieldError(where, "at", `an SQE's byte offset (a multiple of 64 from 0 to ${u8.length - 64})`, at);
}
