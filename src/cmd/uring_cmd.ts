/**
 * `IORING_OP_URING_CMD` (Linux 5.19). The writer lives with every other SQE
 * writer in `src/ops/` (the only place that knows SQE offsets); this module
 * keeps the import path the kernel-module client has always used.
 *
 * @module
 */
export { clearSqe128Cmd, prepUringCmd } from "../ops/cmd.ts";
