/**
 * `enum io_uring_op` from `include/uapi/linux/io_uring.h` as one table: each
 * opcode's number and the first Linux release that has it. `Op` (number by
 * name), `OP_NAMES` (name by number) and the probe gate
 * (`src/ops/require.ts`) are all derived from it.
 *
 * Versions: the "Available since" of each opcode in liburing's
 * man/io_uring_enter.2 (axboe/liburing 27255f4, Aug 2026), checked against
 * the enum order, which only ever grows at the end: an opcode cannot be
 * older than the one before it. That check corrects the man page once:
 * IORING_OP_WAITID says 6.5, but it follows READ_MULTISHOT (6.7) and was
 * merged with the futex opcodes in the 6.7 window ("[PATCHSET v2] Add
 * io_uring support for waitid", rebased on io_uring-futex).
 *
 * @module
 */

/**
 * Every io_uring opcode: `[number, first Linux release]`. Numbers pinned
 * against the kernel header by `tests/abi_test.ts`; versions checked for
 * order by `tests/opcodes_test.ts`.
 *
 * @example
 * ```ts
 * import { OPCODES } from "@jsuring/jsuring";
 * const [opcode, since] = OPCODES.FTRUNCATE;
 * console.log(opcode, since); // 55 "6.9"
 * ```
 */
export const OPCODES = {
  NOP: [0, "5.1"],
  READV: [1, "5.1"],
  WRITEV: [2, "5.1"],
  FSYNC: [3, "5.1"],
  READ_FIXED: [4, "5.1"],
  WRITE_FIXED: [5, "5.1"],
  POLL_ADD: [6, "5.1"],
  POLL_REMOVE: [7, "5.1"],
  SYNC_FILE_RANGE: [8, "5.2"],
  SENDMSG: [9, "5.3"],
  RECVMSG: [10, "5.3"],
  TIMEOUT: [11, "5.4"],
  TIMEOUT_REMOVE: [12, "5.5"],
  ACCEPT: [13, "5.5"],
  ASYNC_CANCEL: [14, "5.5"],
  LINK_TIMEOUT: [15, "5.5"],
  CONNECT: [16, "5.5"],
  FALLOCATE: [17, "5.6"],
  OPENAT: [18, "5.6"],
  CLOSE: [19, "5.6"],
  FILES_UPDATE: [20, "5.6"],
  STATX: [21, "5.6"],
  READ: [22, "5.6"],
  WRITE: [23, "5.6"],
  FADVISE: [24, "5.6"],
  MADVISE: [25, "5.6"],
  SEND: [26, "5.6"],
  RECV: [27, "5.6"],
  OPENAT2: [28, "5.6"],
  EPOLL_CTL: [29, "5.6"],
  SPLICE: [30, "5.7"],
  PROVIDE_BUFFERS: [31, "5.7"],
  REMOVE_BUFFERS: [32, "5.7"],
  TEE: [33, "5.8"],
  SHUTDOWN: [34, "5.11"],
  RENAMEAT: [35, "5.11"],
  UNLINKAT: [36, "5.11"],
  MKDIRAT: [37, "5.15"],
  SYMLINKAT: [38, "5.15"],
  LINKAT: [39, "5.15"],
  MSG_RING: [40, "5.18"],
  FSETXATTR: [41, "5.19"],
  SETXATTR: [42, "5.19"],
  FGETXATTR: [43, "5.19"],
  GETXATTR: [44, "5.19"],
  SOCKET: [45, "5.19"],
  URING_CMD: [46, "5.19"],
  SEND_ZC: [47, "6.0"],
  SENDMSG_ZC: [48, "6.1"],
  READ_MULTISHOT: [49, "6.7"],
  WAITID: [50, "6.7"],
  FUTEX_WAIT: [51, "6.7"],
  FUTEX_WAKE: [52, "6.7"],
  FUTEX_WAITV: [53, "6.7"],
  FIXED_FD_INSTALL: [54, "6.8"],
  FTRUNCATE: [55, "6.9"],
  BIND: [56, "6.11"],
  LISTEN: [57, "6.11"],
  RECV_ZC: [58, "6.15"],
  EPOLL_WAIT: [59, "6.15"],
  READV_FIXED: [60, "6.15"],
  WRITEV_FIXED: [61, "6.15"],
  PIPE: [62, "6.16"],
  NOP128: [63, "6.19"],
  URING_CMD128: [64, "6.19"],
} as const;

/**
 * The name of an opcode, e.g. `"READ"`.
 *
 * @example
 * ```ts
 * import { Op, type OpName } from "@jsuring/jsuring";
 * const name: OpName = "READ";
 * console.log(Op[name]); // 22
 * ```
 */
export type OpName = keyof typeof OPCODES;

/**
 * io_uring opcodes (`IORING_OP_*`) by name, from {@linkcode OPCODES}.
 *
 * @example
 * ```ts
 * import { Op } from "@jsuring/jsuring";
 * console.log(Op.READ); // 22
 * ```
 */
export const Op: { readonly [K in OpName]: (typeof OPCODES)[K][0] } = Object.freeze(
  Object.fromEntries(Object.entries(OPCODES).map(([name, [n]]) => [name, n])),
) as { readonly [K in OpName]: (typeof OPCODES)[K][0] };

/**
 * Opcode number to name, for error messages and probes.
 *
 * @example
 * ```ts
 * import { OP_NAMES } from "@jsuring/jsuring";
 * console.log(OP_NAMES[22]); // "READ"
 * ```
 */
export const OP_NAMES: readonly OpName[] = (() => {
  const names: OpName[] = [];
  for (const [name, [value]] of Object.entries(OPCODES)) names[value] = name as OpName;
  return names;
})();

/**
 * The first Linux release with opcode `op` (`"6.9"`), or undefined for a
 * number jsuring does not know.
 *
 * @example
 * ```ts
 * import { opSince, Op } from "@jsuring/jsuring";
 * console.log(opSince(Op.BIND)); // "6.11"
 * ```
 */
export function opSince(op: number): string | undefined {
  if (typeof op !== "number") {
    throw new TypeError(
      `opSince: op must be an opcode number (Op.*), got ${JSON.stringify(op)} (${typeof op})`,
    );
  }
  const name = OP_NAMES[op];
  return name === undefined ? undefined : OPCODES[name][1];
}
