/**
 * The kernel ABI in one place: opcodes, flags and struct layouts, all pinned
 * against `linux/io_uring.h` by `tests/abi_test.ts`.
 *
 * @module
 */
export * from "./opcodes.ts";
export * from "./flags.ts";
export * from "./layout.ts";
export * from "./linux.ts";
import { Op } from "./opcodes.ts";
import {
  AcceptFlag,
  CancelFlag,
  CqeFlag,
  EnterFlag,
  Feature,
  Misc,
  MmapOffset,
  PbufFlag,
  PollFlag,
  RecvSendFlag,
  RegionFlag,
  Register,
  RingFlag,
  SetupFlag,
  SocketCmd,
  SqeFlag,
  TimeoutFlag,
} from "./flags.ts";

/**
 * Each constant table with the C prefix its keys take in the kernel header,
 * so the pinning test can compile `PREFIX##KEY` and compare.
 *
 * @example
 * ```ts
 * import { CONSTANT_GROUPS } from "./mod.ts";
 * for (const [prefix, table] of CONSTANT_GROUPS) console.log(prefix, Object.keys(table).length);
 * ```
 */
export const CONSTANT_GROUPS: ReadonlyArray<
  readonly [prefix: string, table: Readonly<Record<string, number>>]
> = [
  ["IORING_OP_", Op],
  ["IORING_SETUP_", SetupFlag],
  ["IOSQE_", SqeFlag],
  ["IORING_ENTER_", EnterFlag],
  ["IORING_CQE_", CqeFlag],
  ["IORING_FEAT_", Feature],
  ["IORING_", Register],
  ["IORING_OFF_", MmapOffset],
  // IORING_LINK_TIMEOUT_UPDATE lacks the IORING_TIMEOUT_ prefix: listed below.
  [
    "IORING_TIMEOUT_",
    Object.fromEntries(Object.entries(TimeoutFlag).filter(([k]) => k !== "LINK_TIMEOUT_UPDATE")),
  ],
  ["IORING_ASYNC_CANCEL_", CancelFlag],
  ["IOU_PBUF_RING_", PbufFlag],
  ["IORING_ACCEPT_", AcceptFlag],
  ["IORING_POLL_", PollFlag],
  ["SOCKET_URING_OP_", SocketCmd],
  [
    "",
    {
      IORING_LINK_TIMEOUT_UPDATE: TimeoutFlag.LINK_TIMEOUT_UPDATE,
      IORING_SQ_NEED_WAKEUP: RingFlag.SQ_NEED_WAKEUP,
      IORING_SQ_CQ_OVERFLOW: RingFlag.SQ_CQ_OVERFLOW,
      IORING_SQ_TASKRUN: RingFlag.SQ_TASKRUN,
      IORING_CQ_EVENTFD_DISABLED: RingFlag.CQ_EVENTFD_DISABLED,
      IORING_MEM_REGION_TYPE_USER: RegionFlag.TYPE_USER,
      IORING_MEM_REGION_REG_WAIT_ARG: RegionFlag.REG_WAIT_ARG,
      IORING_REG_WAIT_TS: RegionFlag.REG_WAIT_TS,
      IORING_FSYNC_DATASYNC: Misc.FSYNC_DATASYNC,
      IO_URING_OP_SUPPORTED: Misc.OP_SUPPORTED,
      IORING_REGISTER_FILES_SKIP: Misc.REGISTER_FILES_SKIP,
      IORING_RSRC_REGISTER_SPARSE: Misc.RSRC_REGISTER_SPARSE,
      IORING_FILE_INDEX_ALLOC: Misc.FILE_INDEX_ALLOC,
      IORING_FIXED_FD_NO_CLOEXEC: Misc.FIXED_FD_NO_CLOEXEC,
      IORING_RECVSEND_POLL_FIRST: RecvSendFlag.POLL_FIRST,
      IORING_RECV_MULTISHOT: RecvSendFlag.RECV_MULTISHOT,
      IORING_RECVSEND_FIXED_BUF: RecvSendFlag.FIXED_BUF,
      IORING_SEND_ZC_REPORT_USAGE: RecvSendFlag.SEND_ZC_REPORT_USAGE,
      IORING_RECVSEND_BUNDLE: RecvSendFlag.BUNDLE,
      IORING_SEND_VECTORIZED: RecvSendFlag.SEND_VECTORIZED,
    },
  ],
];
