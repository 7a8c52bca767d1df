/**
 * The multishot family of the description table: operations whose one SQE
 * posts a completion per event (IORING_CQE_F_MORE) until stopped, iterated
 * as a `Multishot` (`AsyncRing.poll`, `AsyncRing.ticks`, or any entry
 * through `AsyncRing.multishotOf`). As in `operations.ts`: the opcode, the
 * argument checks before anything is reserved, the memory the kernel uses
 * for the operation's whole life, and the writer from `src/ops/`, which
 * also writes every re-arm (the kernel stops a multishot request when it
 * cannot post a CQE, CQ full) with what is still owed.
 *
 * @module
 */
import { Op, TimeoutFlag } from "../abi/mod.ts";
import { Errno } from "../errors/errno.ts";
import { getNative } from "../runtime/_ffi.ts";
import { prepTimeout, type SqeViews } from "../ops/sqe.ts";
import { prepPollMultishot } from "../ops/poll.ts";
import { checkFd, checkU32, type Timeout, timespec } from "./_args.ts";

/**
 * A multishot operation: what `AsyncRing.multishotOf` needs to check its
 * arguments, keep its memory, write (and re-write) its SQE and tell an item
 * from the end.
 *
 * @typeParam A the argument tuple
 *
 * @example
 * ```ts
 * import { AsyncRing, MULTISHOT_OPERATIONS } from "@jsuring/jsuring";
 * await using ring = AsyncRing.create();
 * for await (const _ of ring.multishotOf(MULTISHOT_OPERATIONS.TIMEOUT_MULTISHOT, [1, 2])) console.log("tick");
 * ```
 */
export interface MultishotDescription<A extends readonly unknown[]> {
  /** The name used in errors ("poll", "timeout"). */
  readonly name: string;
  /** The `IORING_OP_*` number. */
  readonly opcode: number;
  /** The first Linux release with the multishot form (a probe lists the opcode, not the flag). */
  readonly since: string;
  /** Check the arguments (TypeError/RangeError); returns what the kernel reads for the whole operation. */
  readonly check: (args: A) => unknown;
  /** Write the SQE, first arm or re-arm; `received` is the number of items delivered so far. */
  readonly write: (s: SqeViews, at: number, args: A, keep: unknown, received: number) => void;
  /** Negative results other than -ECANCELED are items (multishot timeouts: -ETIME). */
  readonly negativeItems?: boolean;
  /** Whether a completion without F_MORE ends the operation (else it is re-armed). */
  readonly ends?: (res: number, args: A, received: number) => boolean;
}

/** IORING_OP_POLL_ADD with IORING_POLL_ADD_MULTI (5.13): the ready events of `fd`, each time. */
export const POLL_MULTISHOT: MultishotDescription<[fd: number, events: number]> = {
  name: "poll",
  opcode: Op.POLL_ADD,
  since: "5.13",
  check: ([fd, events]) => {
    checkFd(fd);
    checkU32(events, "poll events");
    return undefined;
  },
  write: (s, at, [fd, events]) => prepPollMultishot(s, at, fd, events),
};

/**
 * IORING_OP_TIMEOUT with IORING_TIMEOUT_MULTISHOT (6.4): a completion
 * (-ETIME) every `interval`, `count` times (0: until stopped). A re-arm asks
 * for the ticks still owed.
 */
export const TIMEOUT_MULTISHOT: MultishotDescription<[interval: Timeout, count: number]> = {
  name: "timeout",
  opcode: Op.TIMEOUT,
  since: "6.4",
  check: ([interval, count]) => {
    const ts = timespec(interval, "ticks interval");
    checkU32(count, "ticks count");
    return ts;
  },
  write: (s, at, [, count], ts, received) =>
    prepTimeout(
      s,
      at,
      getNative().addressOf(ts as Uint8Array),
      count && count - received,
      TimeoutFlag.MULTISHOT,
    ),
  negativeItems: true,
  ends: (res, [, count], received) => res !== -Errno.ETIME || (count > 0 && received >= count),
};

/**
 * Every multishot description, by name.
 *
 * @example
 * ```ts
 * import { MULTISHOT_OPERATIONS } from "@jsuring/jsuring";
 * console.log(MULTISHOT_OPERATIONS.TIMEOUT_MULTISHOT.since); // "6.4"
 * ```
 */
export const MULTISHOT_OPERATIONS: Readonly<{
  POLL_MULTISHOT: MultishotDescription<[fd: number, events: number]>;
  TIMEOUT_MULTISHOT: MultishotDescription<[interval: Timeout, count: number]>;
}> = Object.freeze({ POLL_MULTISHOT, TIMEOUT_MULTISHOT });
