/**
 * `IORING_OP_URING_CMD` (Linux 5.19): a command for the file's own driver
 * (`->uring_cmd`), numbered by the 32-bit `cmd_op` at SQE byte 8. With
 * `IORING_SETUP_SQE128` the second 64 bytes of the SQE are the command area
 * too.
 *
 * @module
 */
import { Op } from "../abi/opcodes.ts";
import { checkS32, checkU32, checkU64 } from "./check.ts";
import { checkAt, fill, W_OFF } from "./_fill.ts";
import type { SqeViews } from "./sqe.ts";

/**
 * Write an `IORING_OP_URING_CMD` SQE: `cmd_op` = `cmdOp`, `fd`, `addr`,
 * `len`; everything else zero (ioprio, `uring_cmd_flags`, buf_index,
 * file_index and the 16-byte command area `addr3`/`__pad2`). Matches
 * liburing's `io_uring_prep_uring_cmd` (2.10+) followed by `sqe->addr = addr`
 * and `sqe->len = len` (liburing 2.3 had no generic prep: `io_uring_prep_rw`
 * + `cmd_op`, the same bytes). On an SQE128 ring the second half is left as
 * it is: {@linkcode clearSqe128Cmd} clears it.
 *
 * @param s views over SQE memory (`ring.sqes`)
 * @param at byte offset of the SQE in them
 * @param fd the driver's file
 * @param cmdOp the command number (u32)
 * @param addr the `addr` field: a pointer or, for the jsuring module, a param-region offset
 * @param len the `len` field
 *
 * @example
 * ```ts
 * import { sqeViews, prepUringCmd } from "@jsuring/jsuring";
 * const s = sqeViews(new ArrayBuffer(64));
 * prepUringCmd(s, 0, 5, 0xc0406a00, 512, 64);
 * console.log(s.u8[0], s.u32[2].toString(16)); // 46 "c0406a00"
 * ```
 */
export function prepUringCmd(
  s: SqeViews,
  at: number,
  fd: number,
  cmdOp: number,
  addr: number,
  len: number,
): void {
  checkS32(fd, "prepUringCmd", "fd");
  checkU32(cmdOp, "prepUringCmd", "cmdOp");
  checkU64(addr, "prepUringCmd", "addr");
  checkU32(len, "prepUringCmd", "len");
  fill(s, at, Op.URING_CMD, fd, addr, len, 0);
  s.u32[(at >>> 2) + W_OFF] = cmdOp; // cmd_op; __pad1 (the next word) is 0 from fill's offset
}

/**
 * Zero the second 64 bytes of an SQE on an `IORING_SETUP_SQE128` ring (the
 * 80-byte `cmd` area of a uring_cmd runs from byte 48 to 127): call after
 * {@linkcode prepUringCmd} when the driver reads that area.
 *
 * @example
 * ```ts
 * import { sqeViews, prepUringCmd, clearSqe128Cmd } from "@jsuring/jsuring";
 * const s = sqeViews(new ArrayBuffer(128));
 * prepUringCmd(s, 0, 5, 1, 0, 0);
 * clearSqe128Cmd(s, 0);
 * ```
 */
export function clearSqe128Cmd(s: SqeViews, at: number): void {
  checkAt(s, at, "clearSqe128Cmd");
  if (at + 128 > s.u8.length) {
    throw new RangeError(
      `clearSqe128Cmd: at + 128 must lie within the SQE128 array (${s.u8.length} bytes), got at ${at}`,
    );
  }
  s.u32.fill(0, (at >>> 2) + 16, (at >>> 2) + 32);
}
