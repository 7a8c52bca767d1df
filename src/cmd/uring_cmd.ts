/**
 * `IORING_OP_URING_CMD` (Linux 5.19): a command for the file's own driver
 * (`->uring_cmd`), numbered by the 32-bit `cmd_op` at SQE byte 8. With
 * `IORING_SETUP_SQE128` the second 64 bytes of the SQE are the command area
 * too (and `IORING_SETUP_CQE32` gives the driver 16 more bytes in the CQE).
 *
 * @module
 */
import { Op } from "../abi/opcodes.ts";
import { prepRw, type SqeViews } from "../ops/sqe.ts";

/**
 * Write an `IORING_OP_URING_CMD` SQE: `cmd_op` = `cmdOp`, `fd`, `addr`, `len`;
 * everything else zero (ioprio, `uring_cmd_flags`, buf_index, file_index and
 * the 16-byte command area `addr3`/`__pad2`). Matches liburing's
 * `io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, addr, len, 0)` followed by
 * `sqe->cmd_op = cmd_op`, as its `io_uring_prep_cmd_sock()` does (liburing
 * 2.3 has no generic `io_uring_prep_uring_cmd`). On an SQE128 ring the second
 * half of the SQE is left as it is: clear it if the driver reads it.
 *
 * @param s views over SQE memory (`ring.sqes`)
 * @param at byte offset of the SQE in them
 * @param fd the driver's file
 * @param cmdOp the command number (u32)
 * @param addr the `addr` field: a pointer or, for the jsuring module, a param-region offset
 * @param len the `len` field
 * @param bufIndex when given, the command names fixed buffer `bufIndex`
 *   (u16): `uring_cmd_flags = IORING_URING_CMD_FIXED` and `buf_index`, so
 *   io_uring looks the slot up for the driver (`io_uring_cmd_import_fixed()`,
 *   Linux 6.0), as liburing 2.9's `io_uring_prep_cmd_*` leave to the caller
 *
 * @example
 * ```ts
 * import { sqeViews } from "../ops/sqe.ts";
 * import { prepUringCmd } from "./uring_cmd.ts";
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
  bufIndex?: number,
): void {
  prepRw(s, at, Op.URING_CMD, fd, addr, len, 0);
  s.u32[(at >>> 2) + 2] = cmdOp; // cmd_op; __pad1 (word 3) is 0 from prepRw's offset
  if (bufIndex !== undefined) {
    if (!Number.isInteger(bufIndex) || bufIndex < 0 || bufIndex > 0xffff) {
      throw new RangeError(`bufIndex must be an integer in 0..65535 (u16 buf_index), got ${bufIndex}`);
    }
    s.u32[(at >>> 2) + 7] = IORING_URING_CMD_FIXED; // uring_cmd_flags (byte 28)
    s.u16[(at >>> 1) + 20] = bufIndex; // buf_index (byte 40)
  }
}

/** `IORING_URING_CMD_FIXED` (include/uapi/linux/io_uring.h, Linux 6.0): the command uses fixed buffer `buf_index`. */
const IORING_URING_CMD_FIXED = 1;
