/**
 * SQE writers for readiness and timer control: poll add / multishot /
 * remove / update and timeout remove / update, each matching the liburing
 * `io_uring_prep_*` function it names byte for byte (tests/sqe_test.ts).
 *
 * @module
 */
import { Op } from "../abi/opcodes.ts";
import { PollFlag, TimeoutFlag } from "../abi/flags.ts";
import { checkS32, checkU32, checkU64 } from "./check.ts";
import { fill, W_LEN, W_OP_FLAGS } from "./_fill.ts";
import type { SqeViews } from "./sqe.ts";

/**
 * `io_uring_prep_poll_add` (5.1): one completion when `fd` is ready for
 * `pollMask` (`POLL.*`).
 *
 * @example
 * ```ts
 * import { sqeViews, prepPollAdd, POLL } from "@jsuring/jsuring";
 * prepPollAdd(sqeViews(new ArrayBuffer(64)), 0, 3, POLL.IN);
 * ```
 */
export function prepPollAdd(s: SqeViews, at: number, fd: number, pollMask: number): void {
  checkS32(fd, "prepPollAdd", "fd");
  checkU32(pollMask, "prepPollAdd", "pollMask");
  fill(s, at, Op.POLL_ADD, fd, 0, 0, 0);
  s.u32[(at >>> 2) + W_OP_FLAGS] = pollMask; // poll32_events (little-endian: no swap)
}

/**
 * `io_uring_prep_poll_multishot` (5.13): {@linkcode prepPollAdd} with
 * `IORING_POLL_ADD_MULTI` in `len`: a completion each time `fd` becomes ready.
 *
 * @example
 * ```ts
 * import { sqeViews, prepPollMultishot, POLL } from "@jsuring/jsuring";
 * prepPollMultishot(sqeViews(new ArrayBuffer(64)), 0, 3, POLL.IN);
 * ```
 */
export function prepPollMultishot(s: SqeViews, at: number, fd: number, pollMask: number): void {
  prepPollAdd(s, at, fd, pollMask);
  s.u32[(at >>> 2) + W_LEN] = PollFlag.ADD_MULTI;
}

/**
 * `io_uring_prep_poll_remove` (5.1): remove the poll whose user_data is
 * `userData`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepPollRemove } from "@jsuring/jsuring";
 * prepPollRemove(sqeViews(new ArrayBuffer(64)), 0, 42);
 * ```
 */
export function prepPollRemove(s: SqeViews, at: number, userData: number): void {
  checkU64(userData, "prepPollRemove", "userData");
  fill(s, at, Op.POLL_REMOVE, -1, userData, 0, 0);
}

/**
 * `io_uring_prep_poll_update` (5.13): change the events and/or user_data of
 * the poll whose user_data is `oldUserData` (`flags`: `PollFlag.UPDATE_*`,
 * `ADD_MULTI`).
 *
 * @example
 * ```ts
 * import { sqeViews, prepPollUpdate, PollFlag, POLL } from "@jsuring/jsuring";
 * prepPollUpdate(sqeViews(new ArrayBuffer(64)), 0, 42, 0, POLL.OUT, PollFlag.UPDATE_EVENTS);
 * ```
 */
export function prepPollUpdate(
  s: SqeViews,
  at: number,
  oldUserData: number,
  newUserData: number,
  pollMask: number,
  flags: number,
): void {
  checkU64(oldUserData, "prepPollUpdate", "oldUserData");
  checkU64(newUserData, "prepPollUpdate", "newUserData");
  checkU32(pollMask, "prepPollUpdate", "pollMask");
  checkU32(flags, "prepPollUpdate", "flags");
  fill(s, at, Op.POLL_REMOVE, -1, oldUserData, flags, newUserData);
  s.u32[(at >>> 2) + W_OP_FLAGS] = pollMask;
}

/**
 * `io_uring_prep_timeout_remove` (5.5): cancel the timeout whose user_data
 * is `userData`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepTimeoutRemove } from "@jsuring/jsuring";
 * prepTimeoutRemove(sqeViews(new ArrayBuffer(64)), 0, 42, 0);
 * ```
 */
export function prepTimeoutRemove(s: SqeViews, at: number, userData: number, flags: number): void {
  checkU64(userData, "prepTimeoutRemove", "userData");
  checkU32(flags, "prepTimeoutRemove", "flags");
  fill(s, at, Op.TIMEOUT_REMOVE, -1, userData, 0, 0);
  s.u32[(at >>> 2) + W_OP_FLAGS] = flags;
}

/**
 * `io_uring_prep_timeout_update` (5.11): give the timeout whose user_data
 * is `userData` the new `__kernel_timespec` at `ts` (`IORING_TIMEOUT_UPDATE`
 * is added to `flags`).
 *
 * @example
 * ```ts
 * import { sqeViews, prepTimeoutUpdate } from "@jsuring/jsuring";
 * prepTimeoutUpdate(sqeViews(new ArrayBuffer(64)), 0, 0x1000, 42, 0);
 * ```
 */
export function prepTimeoutUpdate(
  s: SqeViews,
  at: number,
  ts: number,
  userData: number,
  flags: number,
): void {
  checkU64(ts, "prepTimeoutUpdate", "ts");
  checkU64(userData, "prepTimeoutUpdate", "userData");
  checkU32(flags, "prepTimeoutUpdate", "flags");
  fill(s, at, Op.TIMEOUT_REMOVE, -1, userData, 0, ts);
  s.u32[(at >>> 2) + W_OP_FLAGS] = (flags | TimeoutFlag.UPDATE) >>> 0;
}
