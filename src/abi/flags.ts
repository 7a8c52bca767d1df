/**
 * io_uring flag words from `include/uapi/linux/io_uring.h`: setup, SQE,
 * enter, CQE, ring, feature, register, timeout, cancel and buffer flags.
 * Every value here is pinned against the kernel header by `tests/abi_test.ts`.
 *
 * @module
 */

/**
 * `IORING_SETUP_*`: flags for `io_uring_setup(2)`.
 *
 * @example
 * ```ts
 * import { SetupFlag } from "@jsuring/jsuring";
 * const flags = SetupFlag.SINGLE_ISSUER | SetupFlag.DEFER_TASKRUN;
 * ```
 */
export const SetupFlag = {
  IOPOLL: 1 << 0,
  SQPOLL: 1 << 1,
  SQ_AFF: 1 << 2,
  CQSIZE: 1 << 3,
  CLAMP: 1 << 4,
  ATTACH_WQ: 1 << 5,
  R_DISABLED: 1 << 6,
  SUBMIT_ALL: 1 << 7,
  COOP_TASKRUN: 1 << 8,
  TASKRUN_FLAG: 1 << 9,
  SQE128: 1 << 10,
  CQE32: 1 << 11,
  SINGLE_ISSUER: 1 << 12,
  DEFER_TASKRUN: 1 << 13,
  NO_MMAP: 1 << 14,
  REGISTERED_FD_ONLY: 1 << 15,
  NO_SQARRAY: 1 << 16,
  HYBRID_IOPOLL: 1 << 17,
} as const;

/**
 * The kernel release that introduced each setup flag: an EINVAL from
 * `io_uring_setup` on an older kernel names the flag and this version.
 *
 * @example
 * ```ts
 * import { SETUP_FLAG_SINCE } from "./flags.ts";
 * console.log(SETUP_FLAG_SINCE.NO_MMAP); // "6.5"
 * ```
 */
export const SETUP_FLAG_SINCE: Readonly<Record<keyof typeof SetupFlag, string>> = {
  IOPOLL: "5.1",
  SQPOLL: "5.1",
  SQ_AFF: "5.1",
  CQSIZE: "5.5",
  CLAMP: "5.6",
  ATTACH_WQ: "5.6",
  R_DISABLED: "5.10",
  SUBMIT_ALL: "5.18",
  COOP_TASKRUN: "5.19",
  TASKRUN_FLAG: "5.19",
  SQE128: "5.19",
  CQE32: "5.19",
  SINGLE_ISSUER: "6.0",
  DEFER_TASKRUN: "6.1",
  NO_MMAP: "6.5",
  REGISTERED_FD_ONLY: "6.5",
  NO_SQARRAY: "6.6",
  HYBRID_IOPOLL: "6.13",
};

/**
 * `IOSQE_*`: per-SQE flags (the SQE's `flags` byte).
 *
 * @example
 * ```ts
 * import { SqeFlag } from "@jsuring/jsuring";
 * const linked = SqeFlag.IO_LINK;
 * ```
 */
export const SqeFlag = {
  FIXED_FILE: 1 << 0,
  IO_DRAIN: 1 << 1,
  IO_LINK: 1 << 2,
  IO_HARDLINK: 1 << 3,
  ASYNC: 1 << 4,
  BUFFER_SELECT: 1 << 5,
  CQE_SKIP_SUCCESS: 1 << 6,
} as const;

/**
 * `IORING_ENTER_*`: flags for `io_uring_enter(2)`.
 *
 * @example
 * ```ts
 * import { EnterFlag } from "@jsuring/jsuring";
 * const f = EnterFlag.GETEVENTS | EnterFlag.EXT_ARG;
 * ```
 */
export const EnterFlag = {
  GETEVENTS: 1 << 0,
  SQ_WAKEUP: 1 << 1,
  SQ_WAIT: 1 << 2,
  EXT_ARG: 1 << 3, // 5.11
  REGISTERED_RING: 1 << 4, // 5.18
  ABS_TIMER: 1 << 5, // 6.12
  EXT_ARG_REG: 1 << 6, // 6.13: only together with EXT_ARG
  NO_IOWAIT: 1 << 7, // 6.15
} as const;

/**
 * `IORING_CQE_F_*`: flags in a CQE, and the shift of the buffer id.
 *
 * @example
 * ```ts
 * import { CqeFlag } from "@jsuring/jsuring";
 * const bid = (0x30001 >>> CqeFlag.BUFFER_SHIFT); // 3
 * ```
 */
export const CqeFlag = {
  F_BUFFER: 1 << 0,
  F_MORE: 1 << 1,
  F_SOCK_NONEMPTY: 1 << 2,
  F_NOTIF: 1 << 3,
  F_BUF_MORE: 1 << 4, // 6.12, incremental buffer rings
  BUFFER_SHIFT: 16,
} as const;

/**
 * `IORING_SQ_*` (the SQ ring's flags word) and `IORING_CQ_*` (the CQ's).
 *
 * @example
 * ```ts
 * import { RingFlag } from "@jsuring/jsuring";
 * console.log(RingFlag.SQ_NEED_WAKEUP);
 * ```
 */
export const RingFlag = {
  SQ_NEED_WAKEUP: 1 << 0,
  SQ_CQ_OVERFLOW: 1 << 1,
  SQ_TASKRUN: 1 << 2,
  CQ_EVENTFD_DISABLED: 1 << 0,
} as const;

/**
 * `IORING_FEAT_*`: what `io_uring_setup` reports in `params.features`.
 *
 * @example
 * ```ts
 * import { Feature } from "@jsuring/jsuring";
 * console.log(Feature.EXT_ARG);
 * ```
 */
export const Feature = {
  SINGLE_MMAP: 1 << 0,
  NODROP: 1 << 1,
  SUBMIT_STABLE: 1 << 2,
  RW_CUR_POS: 1 << 3,
  CUR_PERSONALITY: 1 << 4,
  FAST_POLL: 1 << 5,
  POLL_32BITS: 1 << 6,
  SQPOLL_NONFIXED: 1 << 7,
  EXT_ARG: 1 << 8,
  NATIVE_WORKERS: 1 << 9,
  RSRC_TAGS: 1 << 10,
  CQE_SKIP: 1 << 11,
  LINKED_FILE: 1 << 12,
  REG_REG_RING: 1 << 13,
  RECVSEND_BUNDLE: 1 << 14,
  MIN_TIMEOUT: 1 << 15,
  RW_ATTR: 1 << 16,
  NO_IOWAIT: 1 << 17,
} as const;

/**
 * `IORING_REGISTER_*` / `IORING_UNREGISTER_*`: opcodes of `io_uring_register(2)`.
 *
 * @example
 * ```ts
 * import { Register } from "@jsuring/jsuring";
 * console.log(Register.REGISTER_PROBE); // 8
 * ```
 */
export const Register = {
  REGISTER_BUFFERS: 0,
  UNREGISTER_BUFFERS: 1,
  REGISTER_FILES: 2,
  UNREGISTER_FILES: 3,
  REGISTER_EVENTFD: 4,
  UNREGISTER_EVENTFD: 5,
  REGISTER_FILES_UPDATE: 6,
  REGISTER_EVENTFD_ASYNC: 7,
  REGISTER_PROBE: 8,
  REGISTER_PERSONALITY: 9,
  UNREGISTER_PERSONALITY: 10,
  REGISTER_RESTRICTIONS: 11,
  REGISTER_ENABLE_RINGS: 12,
  REGISTER_FILES2: 13,
  REGISTER_FILES_UPDATE2: 14,
  REGISTER_BUFFERS2: 15,
  REGISTER_BUFFERS_UPDATE: 16,
  REGISTER_IOWQ_AFF: 17,
  UNREGISTER_IOWQ_AFF: 18,
  REGISTER_IOWQ_MAX_WORKERS: 19,
  REGISTER_RING_FDS: 20,
  UNREGISTER_RING_FDS: 21,
  REGISTER_PBUF_RING: 22,
  UNREGISTER_PBUF_RING: 23,
  REGISTER_SYNC_CANCEL: 24,
  REGISTER_FILE_ALLOC_RANGE: 25,
  REGISTER_PBUF_STATUS: 26,
  REGISTER_NAPI: 27,
  UNREGISTER_NAPI: 28,
  REGISTER_CLOCK: 29,
  REGISTER_CLONE_BUFFERS: 30,
  REGISTER_SEND_MSG_RING: 31,
  REGISTER_ZCRX_IFQ: 32,
  REGISTER_RESIZE_RINGS: 33,
  REGISTER_MEM_REGION: 34, // 6.13
} as const;

/**
 * `IORING_OFF_*`: mmap offsets of the ring fd (classic, kernel-allocated rings).
 *
 * @example
 * ```ts
 * import { MmapOffset } from "./flags.ts";
 * console.log(MmapOffset.SQES.toString(16)); // "10000000"
 * ```
 */
export const MmapOffset = {
  SQ_RING: 0,
  CQ_RING: 0x8000000,
  SQES: 0x10000000,
  PBUF_RING: 0x80000000,
  PBUF_SHIFT: 16,
  MMAP_MASK: 0xf8000000,
} as const;

/**
 * `IORING_TIMEOUT_*`: flags of `IORING_OP_TIMEOUT` (the SQE's `timeout_flags`).
 *
 * @example
 * ```ts
 * import { TimeoutFlag } from "@jsuring/jsuring";
 * console.log(TimeoutFlag.ABS);
 * ```
 */
export const TimeoutFlag = {
  ABS: 1 << 0,
  UPDATE: 1 << 1,
  BOOTTIME: 1 << 2,
  REALTIME: 1 << 3,
  LINK_TIMEOUT_UPDATE: 1 << 4,
  ETIME_SUCCESS: 1 << 5,
  MULTISHOT: 1 << 6,
} as const;

/**
 * `IORING_ASYNC_CANCEL_*`: flags of `IORING_OP_ASYNC_CANCEL`.
 *
 * @example
 * ```ts
 * import { CancelFlag } from "@jsuring/jsuring";
 * const everything = CancelFlag.ANY | CancelFlag.ALL;
 * ```
 */
export const CancelFlag = {
  ALL: 1 << 0,
  FD: 1 << 1,
  ANY: 1 << 2,
  FD_FIXED: 1 << 3,
  USERDATA: 1 << 4,
  OP: 1 << 5,
} as const;

/**
 * Region and registered-wait flags (6.13): `IORING_MEM_REGION_*`, `IORING_REG_WAIT_*`,
 * and buffer ring flags `IOU_PBUF_RING_*`.
 *
 * @example
 * ```ts
 * import { RegionFlag } from "./flags.ts";
 * console.log(RegionFlag.TYPE_USER);
 * ```
 */
export const RegionFlag = {
  TYPE_USER: 1, // IORING_MEM_REGION_TYPE_USER
  REG_WAIT_ARG: 1, // IORING_MEM_REGION_REG_WAIT_ARG
  REG_WAIT_TS: 1, // IORING_REG_WAIT_TS
} as const;

/**
 * Buffer ring registration flags (`IOU_PBUF_RING_*`).
 *
 * @example
 * ```ts
 * import { PbufFlag } from "@jsuring/jsuring";
 * console.log(PbufFlag.INC); // 2, Linux 6.12
 * ```
 */
export const PbufFlag = {
  MMAP: 1, // 6.4
  INC: 2, // 6.12
} as const;

/**
 * Small constants: `IORING_FSYNC_DATASYNC`, `IORING_FILE_INDEX_ALLOC`,
 * `IORING_REGISTER_FILES_SKIP`, `IO_URING_OP_SUPPORTED`.
 *
 * @example
 * ```ts
 * import { Misc } from "@jsuring/jsuring";
 * console.log(Misc.FSYNC_DATASYNC);
 * ```
 */
export const Misc = {
  FSYNC_DATASYNC: 1,
  /** `IORING_FILE_INDEX_ALLOC` (~0U, 5.19): a direct op picks a free fixed-file slot. */
  FILE_INDEX_ALLOC: 0xffffffff,
  /** `IORING_FIXED_FD_NO_CLOEXEC` (6.8): IORING_OP_FIXED_FD_INSTALL without O_CLOEXEC. */
  FIXED_FD_NO_CLOEXEC: 1,
  OP_SUPPORTED: 1,
  REGISTER_FILES_SKIP: -2,
  RSRC_REGISTER_SPARSE: 1, // 5.19
} as const;

/**
 * `IORING_ACCEPT_*`: flags of `IORING_OP_ACCEPT` in the SQE's `ioprio`
 * (the `accept_flags` word holds accept4(2)'s `SOCK_*` flags instead).
 *
 * @example
 * ```ts
 * import { AcceptFlag } from "@jsuring/jsuring";
 * console.log(AcceptFlag.MULTISHOT); // 1
 * ```
 */
export const AcceptFlag = {
  MULTISHOT: 1 << 0, // 5.19
  DONTWAIT: 1 << 1, // 6.10
  POLL_FIRST: 1 << 2, // 6.10
} as const;

/**
 * `IORING_RECVSEND_*`, `IORING_RECV_MULTISHOT`, `IORING_SEND_*`: flags of
 * the send/recv family in the SQE's `ioprio`.
 *
 * @example
 * ```ts
 * import { RecvSendFlag } from "@jsuring/jsuring";
 * console.log(RecvSendFlag.BUNDLE); // 16
 * ```
 */
export const RecvSendFlag = {
  POLL_FIRST: 1 << 0, // IORING_RECVSEND_POLL_FIRST, 5.19
  RECV_MULTISHOT: 1 << 1, // IORING_RECV_MULTISHOT, 6.0
  FIXED_BUF: 1 << 2, // IORING_RECVSEND_FIXED_BUF, 6.0
  SEND_ZC_REPORT_USAGE: 1 << 3, // IORING_SEND_ZC_REPORT_USAGE, 6.2
  BUNDLE: 1 << 4, // IORING_RECVSEND_BUNDLE, 6.10
  SEND_VECTORIZED: 1 << 5, // IORING_SEND_VECTORIZED
} as const;

/**
 * `IORING_POLL_*`: flags of `IORING_OP_POLL_ADD` / `POLL_REMOVE` in the
 * SQE's `len` (the events mask is in `poll32_events`).
 *
 * @example
 * ```ts
 * import { PollFlag } from "@jsuring/jsuring";
 * console.log(PollFlag.ADD_MULTI); // 1
 * ```
 */
export const PollFlag = {
  ADD_MULTI: 1 << 0, // 5.13
  UPDATE_EVENTS: 1 << 1, // 5.13
  UPDATE_USER_DATA: 1 << 2, // 5.13
  ADD_LEVEL: 1 << 3,
} as const;

/**
 * `SOCKET_URING_OP_*`: the `cmd_op` of an `IORING_OP_URING_CMD` on a socket
 * (`prepCmdSock`); GETSOCKOPT and SETSOCKOPT need 6.7.
 *
 * @example
 * ```ts
 * import { SocketCmd } from "@jsuring/jsuring";
 * console.log(SocketCmd.SETSOCKOPT); // 3
 * ```
 */
export const SocketCmd = {
  SIOCINQ: 0,
  SIOCOUTQ: 1,
  GETSOCKOPT: 2,
  SETSOCKOPT: 3,
  TX_TIMESTAMP: 4,
  GETSOCKNAME: 5,
} as const;
