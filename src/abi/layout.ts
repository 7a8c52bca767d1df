/**
 * Struct layouts of the io_uring ABI (x86-64, little-endian): byte offset and
 * size of every field the library reads or writes. Field names are the C
 * member names, so `tests/abi_test.ts` can compile `offsetof()` and `sizeof()`
 * for each one against the kernel's own header and compare.
 *
 * @module
 */

/**
 * One field: `[byteOffset, byteSize]`.
 *
 * @example
 * ```ts
 * import type { Field } from "@jsuring/jsuring";
 * const userData: Field = [32, 8]; // struct io_uring_sqe.user_data: offset, size
 * ```
 */
export type Field = readonly [offset: number, size: number];

/**
 * A C struct: its tag (as in `struct <cName>`), total size and fields.
 *
 * @example
 * ```ts
 * import type { Struct } from "@jsuring/jsuring";
 * const cqe: Struct<"user_data" | "res" | "flags"> = {
 *   cName: "io_uring_cqe",
 *   size: 16,
 *   fields: { user_data: [0, 8], res: [8, 4], flags: [12, 4] },
 * };
 * console.log(cqe.fields.res[0]); // 8
 * ```
 */
export interface Struct<F extends string = string> {
  /** The C struct tag. */
  readonly cName: string;
  /** `sizeof(struct cName)`. */
  readonly size: number;
  /** Member name (nested with dots) to `[offset, size]`. */
  readonly fields: Readonly<Record<F, Field>>;
}

function struct<F extends string>(
  cName: string,
  size: number,
  fields: Record<F, Field>,
): Struct<F> {
  return Object.freeze({ cName, size, fields: Object.freeze(fields) });
}

/**
 * `struct io_uring_sqe`: 64 bytes; 128 with `IORING_SETUP_SQE128`, the second
 * half being `cmd` for `IORING_OP_URING_CMD`.
 *
 * @example
 * ```ts
 * import { io_uring_sqe } from "./layout.ts";
 * console.log(io_uring_sqe.size); // 64
 * ```
 */
export const io_uring_sqe = struct("io_uring_sqe", 64, {
  opcode: [0, 1],
  flags: [1, 1],
  ioprio: [2, 2],
  fd: [4, 4],
  off: [8, 8],
  addr2: [8, 8],
  cmd_op: [8, 4],
  addr: [16, 8],
  len: [24, 4],
  rw_flags: [28, 4],
  fsync_flags: [28, 4],
  timeout_flags: [28, 4],
  cancel_flags: [28, 4],
  open_flags: [28, 4],
  statx_flags: [28, 4],
  uring_cmd_flags: [28, 4],
  poll32_events: [28, 4],
  sync_range_flags: [28, 4],
  msg_flags: [28, 4],
  accept_flags: [28, 4],
  fadvise_advice: [28, 4],
  splice_flags: [28, 4],
  rename_flags: [28, 4],
  unlink_flags: [28, 4],
  hardlink_flags: [28, 4],
  xattr_flags: [28, 4],
  install_fd_flags: [28, 4],
  pipe_flags: [28, 4],
  splice_off_in: [16, 8],
  level: [16, 4],
  optname: [20, 4],
  user_data: [32, 8],
  buf_index: [40, 2],
  buf_group: [40, 2],
  personality: [42, 2],
  splice_fd_in: [44, 4],
  file_index: [44, 4],
  optlen: [44, 4],
  addr_len: [44, 2],
  addr3: [48, 8],
  optval: [48, 8],
  cmd: [48, 0],
});

/**
 * `struct io_uring_cqe`: 16 bytes; 32 with `IORING_SETUP_CQE32` (`big_cqe`).
 *
 * @example
 * ```ts
 * import { io_uring_cqe } from "./layout.ts";
 * console.log(io_uring_cqe.size); // 16
 * ```
 */
export const io_uring_cqe = struct("io_uring_cqe", 16, {
  user_data: [0, 8],
  res: [8, 4],
  flags: [12, 4],
  big_cqe: [16, 0],
});

/**
 * `struct io_uring_params` with the embedded `io_sqring_offsets` and
 * `io_cqring_offsets` (whose `user_addr` carries NO_MMAP memory, seed 003).
 *
 * @example
 * ```ts
 * import { io_uring_params } from "./layout.ts";
 * console.log(io_uring_params.size); // 120
 * ```
 */
export const io_uring_params = struct("io_uring_params", 120, {
  sq_entries: [0, 4],
  cq_entries: [4, 4],
  flags: [8, 4],
  sq_thread_cpu: [12, 4],
  sq_thread_idle: [16, 4],
  features: [20, 4],
  wq_fd: [24, 4],
  resv: [28, 12],
  "sq_off.head": [40, 4],
  "sq_off.tail": [44, 4],
  "sq_off.ring_mask": [48, 4],
  "sq_off.ring_entries": [52, 4],
  "sq_off.flags": [56, 4],
  "sq_off.dropped": [60, 4],
  "sq_off.array": [64, 4],
  "sq_off.resv1": [68, 4],
  "sq_off.user_addr": [72, 8],
  "cq_off.head": [80, 4],
  "cq_off.tail": [84, 4],
  "cq_off.ring_mask": [88, 4],
  "cq_off.ring_entries": [92, 4],
  "cq_off.overflow": [96, 4],
  "cq_off.cqes": [100, 4],
  "cq_off.flags": [104, 4],
  "cq_off.resv1": [108, 4],
  "cq_off.user_addr": [112, 8],
});

/**
 * `struct io_uring_region_desc` (6.13): describes a memory region.
 *
 * @example
 * ```ts
 * import { io_uring_region_desc } from "./layout.ts";
 * console.log(io_uring_region_desc.size); // 64
 * ```
 */
export const io_uring_region_desc = struct("io_uring_region_desc", 64, {
  user_addr: [0, 8],
  size: [8, 8],
  flags: [16, 4],
  id: [20, 4],
  mmap_offset: [24, 8],
  __resv: [32, 32],
});

/**
 * `struct io_uring_mem_region_reg` (6.13): the `IORING_REGISTER_MEM_REGION` argument.
 *
 * @example
 * ```ts
 * import { io_uring_mem_region_reg } from "./layout.ts";
 * console.log(io_uring_mem_region_reg.size); // 32
 * ```
 */
export const io_uring_mem_region_reg = struct("io_uring_mem_region_reg", 32, {
  region_uptr: [0, 8],
  flags: [8, 8],
  __resv: [16, 16],
});

/**
 * `struct io_uring_reg_wait` (6.13): one registered wait argument slot.
 *
 * @example
 * ```ts
 * import { io_uring_reg_wait } from "./layout.ts";
 * console.log(io_uring_reg_wait.size); // 64
 * ```
 */
export const io_uring_reg_wait = struct("io_uring_reg_wait", 64, {
  "ts.tv_sec": [0, 8],
  "ts.tv_nsec": [8, 8],
  min_wait_usec: [16, 4],
  flags: [20, 4],
  sigmask: [24, 8],
  sigmask_sz: [32, 4],
  pad: [36, 12],
  pad2: [48, 16],
});

/**
 * `struct io_uring_getevents_arg` (5.11): the `IORING_ENTER_EXT_ARG` argument.
 *
 * @example
 * ```ts
 * import { io_uring_getevents_arg } from "./layout.ts";
 * console.log(io_uring_getevents_arg.size); // 24
 * ```
 */
export const io_uring_getevents_arg = struct("io_uring_getevents_arg", 24, {
  sigmask: [0, 8],
  sigmask_sz: [8, 4],
  min_wait_usec: [12, 4],
  ts: [16, 8],
});

/**
 * `struct __kernel_timespec`.
 *
 * @example
 * ```ts
 * import { __kernel_timespec } from "./layout.ts";
 * console.log(__kernel_timespec.size); // 16
 * ```
 */
export const __kernel_timespec = struct("__kernel_timespec", 16, {
  tv_sec: [0, 8],
  tv_nsec: [8, 8],
});

/**
 * `struct io_uring_buf`: one buffer ring entry (5.19).
 *
 * @example
 * ```ts
 * import { io_uring_buf } from "./layout.ts";
 * console.log(io_uring_buf.size); // 16
 * ```
 */
export const io_uring_buf = struct("io_uring_buf", 16, {
  addr: [0, 8],
  len: [8, 4],
  bid: [12, 2],
  resv: [14, 2],
});

/**
 * `struct io_uring_buf_ring`: the ring header overlays entry 0; `tail` is at 14.
 *
 * @example
 * ```ts
 * import { io_uring_buf_ring } from "./layout.ts";
 * console.log(io_uring_buf_ring.fields.tail[0]); // 14
 * ```
 */
export const io_uring_buf_ring = struct("io_uring_buf_ring", 16, {
  tail: [14, 2],
  bufs: [0, 0],
});

/**
 * `struct io_uring_buf_reg`: the `IORING_REGISTER_PBUF_RING` argument.
 *
 * @example
 * ```ts
 * import { io_uring_buf_reg } from "./layout.ts";
 * console.log(io_uring_buf_reg.size); // 40
 * ```
 */
export const io_uring_buf_reg = struct("io_uring_buf_reg", 40, {
  ring_addr: [0, 8],
  ring_entries: [8, 4],
  bgid: [12, 2],
  flags: [14, 2],
  min_left: [16, 4],
  resv: [20, 20],
});

/**
 * `struct io_uring_probe` header; `ops[]` of `struct io_uring_probe_op` follow.
 *
 * @example
 * ```ts
 * import { io_uring_probe } from "./layout.ts";
 * console.log(io_uring_probe.size); // 16
 * ```
 */
export const io_uring_probe = struct("io_uring_probe", 16, {
  last_op: [0, 1],
  ops_len: [1, 1],
  ops: [16, 0],
});

/**
 * `struct io_uring_probe_op`.
 *
 * @example
 * ```ts
 * import { io_uring_probe_op } from "./layout.ts";
 * console.log(io_uring_probe_op.size); // 8
 * ```
 */
export const io_uring_probe_op = struct("io_uring_probe_op", 8, {
  op: [0, 1],
  flags: [2, 2],
});

/**
 * `struct iovec` (for readv/writev).
 *
 * @example
 * ```ts
 * import { iovec } from "./layout.ts";
 * console.log(iovec.size); // 16
 * ```
 */
export const iovec = struct("iovec", 16, {
  iov_base: [0, 8],
  iov_len: [8, 8],
});

/**
 * `struct statx` (the fields jsuring decodes).
 *
 * @example
 * ```ts
 * import { statx } from "./layout.ts";
 * console.log(statx.fields.stx_size[0]); // 40
 * ```
 */
export const statx = struct("statx", 256, {
  stx_mask: [0, 4],
  stx_blksize: [4, 4],
  stx_nlink: [16, 4],
  stx_uid: [20, 4],
  stx_gid: [24, 4],
  stx_mode: [28, 2],
  stx_ino: [32, 8],
  stx_size: [40, 8],
  stx_blocks: [48, 8],
  "stx_mtime.tv_sec": [112, 8],
  "stx_mtime.tv_nsec": [120, 4],
});

/**
 * `struct io_uring_rsrc_register` (5.13): the `IORING_REGISTER_BUFFERS2` / `FILES2` argument.
 *
 * @example
 * ```ts
 * import { io_uring_rsrc_register } from "./layout.ts";
 * console.log(io_uring_rsrc_register.size); // 32
 * ```
 */
export const io_uring_rsrc_register = struct("io_uring_rsrc_register", 32, {
  nr: [0, 4],
  flags: [4, 4],
  resv2: [8, 8],
  data: [16, 8],
  tags: [24, 8],
});

/**
 * `struct io_uring_rsrc_update2` (5.13): the `IORING_REGISTER_BUFFERS_UPDATE` argument.
 *
 * @example
 * ```ts
 * import { io_uring_rsrc_update2 } from "./layout.ts";
 * console.log(io_uring_rsrc_update2.fields.nr[0]); // 24
 * ```
 */
export const io_uring_rsrc_update2 = struct("io_uring_rsrc_update2", 32, {
  offset: [0, 4],
  resv: [4, 4],
  data: [8, 8],
  tags: [16, 8],
  nr: [24, 4],
  resv2: [28, 4],
});

/**
 * `struct io_uring_buf_status` (6.8): the `IORING_REGISTER_PBUF_STATUS` argument.
 *
 * @example
 * ```ts
 * import { io_uring_buf_status } from "./layout.ts";
 * console.log(io_uring_buf_status.size); // 40
 * ```
 */
export const io_uring_buf_status = struct("io_uring_buf_status", 40, {
  buf_group: [0, 4],
  head: [4, 4],
  resv: [8, 32],
});

/**
 * `struct io_uring_file_index_range` (6.0): the `IORING_REGISTER_FILE_ALLOC_RANGE`
 * argument, the slots `IORING_FILE_INDEX_ALLOC` may pick from.
 *
 * @example
 * ```ts
 * import { io_uring_file_index_range } from "./layout.ts";
 * console.log(io_uring_file_index_range.size); // 16
 * ```
 */
export const io_uring_file_index_range = struct("io_uring_file_index_range", 16, {
  off: [0, 4],
  len: [4, 4],
  resv: [8, 8],
});

/**
 * `struct open_how` (openat2(2), 5.6): what `prepOpenat2` points at.
 *
 * @example
 * ```ts
 * import { open_how } from "@jsuring/jsuring";
 * console.log(open_how.fields.resolve[0]); // 16
 * ```
 */
export const open_how: Struct<"flags" | "mode" | "resolve"> = struct("open_how", 24, {
  flags: [0, 8],
  mode: [8, 8],
  resolve: [16, 8],
});

/**
 * `struct msghdr` (x86-64 glibc / kernel `user_msghdr`): what
 * `prepSendmsg` / `prepRecvmsg` point at.
 *
 * @example
 * ```ts
 * import { msghdr } from "@jsuring/jsuring";
 * console.log(msghdr.size); // 56
 * ```
 */
export const msghdr: Struct<
  "msg_name" | "msg_namelen" | "msg_iov" | "msg_iovlen" | "msg_control" | "msg_controllen" | "msg_flags"
> = struct("msghdr", 56, {
  msg_name: [0, 8],
  msg_namelen: [8, 4],
  msg_iov: [16, 8],
  msg_iovlen: [24, 8],
  msg_control: [32, 8],
  msg_controllen: [40, 8],
  msg_flags: [48, 4],
});

/**
 * `struct cmsghdr`: one control message in `msg_control`.
 *
 * @example
 * ```ts
 * import { cmsghdr } from "@jsuring/jsuring";
 * console.log(cmsghdr.size); // 16
 * ```
 */
export const cmsghdr: Struct<"cmsg_len" | "cmsg_level" | "cmsg_type"> = struct("cmsghdr", 16, {
  cmsg_len: [0, 8],
  cmsg_level: [8, 4],
  cmsg_type: [12, 4],
});

/**
 * `struct io_uring_recvmsg_out` (6.0): the header multishot recvmsg writes
 * at the start of each provided buffer.
 *
 * @example
 * ```ts
 * import { io_uring_recvmsg_out } from "@jsuring/jsuring";
 * console.log(io_uring_recvmsg_out.size); // 16
 * ```
 */
export const io_uring_recvmsg_out: Struct<"namelen" | "controllen" | "payloadlen" | "flags"> = struct(
  "io_uring_recvmsg_out",
  16,
  {
    namelen: [0, 4],
    controllen: [4, 4],
    payloadlen: [8, 4],
    flags: [12, 4],
  },
);

/**
 * `struct sockaddr_in` (port and address in network byte order).
 *
 * @example
 * ```ts
 * import { sockaddr_in } from "@jsuring/jsuring";
 * console.log(sockaddr_in.fields.sin_addr[0]); // 4
 * ```
 */
export const sockaddr_in: Struct<"sin_family" | "sin_port" | "sin_addr"> = struct("sockaddr_in", 16, {
  sin_family: [0, 2],
  sin_port: [2, 2],
  sin_addr: [4, 4],
});

/**
 * `struct sockaddr_in6`.
 *
 * @example
 * ```ts
 * import { sockaddr_in6 } from "@jsuring/jsuring";
 * console.log(sockaddr_in6.size); // 28
 * ```
 */
export const sockaddr_in6: Struct<
  "sin6_family" | "sin6_port" | "sin6_flowinfo" | "sin6_addr" | "sin6_scope_id"
> = struct("sockaddr_in6", 28, {
  sin6_family: [0, 2],
  sin6_port: [2, 2],
  sin6_flowinfo: [4, 4],
  sin6_addr: [8, 16],
  sin6_scope_id: [24, 4],
});

/**
 * `struct sockaddr_un` (Unix-domain socket path, up to 107 bytes + NUL).
 *
 * @example
 * ```ts
 * import { sockaddr_un } from "@jsuring/jsuring";
 * console.log(sockaddr_un.size); // 110
 * ```
 */
export const sockaddr_un: Struct<"sun_family" | "sun_path"> = struct("sockaddr_un", 110, {
  sun_family: [0, 2],
  sun_path: [2, 108],
});

/**
 * Every struct above, for the ABI pinning test.
 *
 * @example
 * ```ts
 * import { STRUCTS } from "./layout.ts";
 * for (const s of STRUCTS) console.log(s.cName, s.size);
 * ```
 */
export const STRUCTS: readonly Struct[] = [
  io_uring_sqe,
  io_uring_cqe,
  io_uring_params,
  io_uring_region_desc,
  io_uring_mem_region_reg,
  io_uring_reg_wait,
  io_uring_getevents_arg,
  __kernel_timespec,
  io_uring_buf,
  io_uring_buf_ring,
  io_uring_buf_reg,
  io_uring_probe,
  io_uring_probe_op,
  iovec,
  statx,
  io_uring_rsrc_register,
  io_uring_rsrc_update2,
  io_uring_buf_status,
  open_how,
  msghdr,
  cmsghdr,
  io_uring_recvmsg_out,
  sockaddr_in,
  sockaddr_in6,
  sockaddr_un,
  io_uring_file_index_range,
];

/**
 * `offsetof(struct io_rings, cqes)`, needed to size a NO_MMAP ring before the
 * kernel reports any offset: the SQ and CQ head/tail pairs, masks, entries,
 * dropped, flags and overflow words take 64 bytes, and `cqes[]` is
 * `____cacheline_aligned_in_smp` (64 on x86-64). `struct io_rings` is not
 * uapi, so `Ring.create` also checks this against the `cq_off.cqes` the kernel
 * returns, and `tests/ring_test.ts` pins it.
 *
 * @example
 * ```ts
 * import { IO_RINGS } from "./layout.ts";
 * console.log(IO_RINGS.cqes); // 64
 * ```
 */
export const IO_RINGS = { cqes: 64, cacheLine: 64 } as const;

/** Size of one SQE array entry (`sq_off.array`), a u32 index. */
export const SQ_ARRAY_ENTRY = 4;

/** Largest SQ (`IORING_MAX_ENTRIES`) and CQ (`IORING_MAX_CQ_ENTRIES`) sizes. */
export const MAX_ENTRIES = { sq: 32768, cq: 65536 } as const;
