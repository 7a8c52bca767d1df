/**
 * Ring options → setup flags, and ring sizing from the kernel's own formulas,
 * so NO_MMAP memory can be allocated before `io_uring_setup` runs. Pure: no
 * kernel calls, tested directly.
 *
 * @module
 */
import { IO_RINGS, io_uring_cqe, io_uring_sqe, MAX_ENTRIES, SQ_ARRAY_ENTRY } from "../abi/layout.ts";
import { SetupFlag } from "../abi/flags.ts";
import { Arena, type MemoryRequest } from "../memory/arena.ts";
import { checkBool, checkChoice, checkInt, checkOptions, typeError } from "./_args.ts";

/**
 * Where the SQ/CQ rings and SQEs live.
 *
 * @example
 * ```ts
 * import { Ring, type RingMemory } from "@jsuring/jsuring";
 * const memory: RingMemory = "kernel"; // the classic mmap'ed rings
 * using ring = Ring.create({ entries: 8, memory });
 * ```
 */
export type RingMemory = "user" | "kernel";

/**
 * Options of {@linkcode Ring.create}.
 *
 * @example
 * ```ts
 * import type { RingOptions } from "@jsuring/jsuring";
 * const opts: RingOptions = { entries: 256, singleIssuer: true, deferTaskrun: true };
 * ```
 */
export interface RingOptions {
  /** SQ size, rounded up to a power of two (1..32768). Default 256. */
  entries?: number;
  /** CQ size (rounded up to a power of two, ≥ entries, ≤ 65536). Default 2 × entries. */
  cqEntries?: number;
  /**
   * `"user"`: rings and SQEs in application memory (IORING_SETUP_NO_MMAP,
   * Linux 6.5), the default where supported. `"kernel"`: classic mmap of the
   * ring fd.
   */
  memory?: RingMemory;
  /** For `"user"` memory: carve from this arena (rings can share one hugepage). */
  arena?: Arena;
  /** For `"user"` memory without `arena`: the kind of memory to map. Default `"auto"`. */
  hugepages?: MemoryRequest;
  /** A kernel thread polls the SQ (IORING_SETUP_SQPOLL); `true` or its idle time and CPU. */
  sqpoll?: boolean | { idleMs?: number; cpu?: number };
  /** IORING_SETUP_SINGLE_ISSUER (6.0): only the creating thread submits. */
  singleIssuer?: boolean;
  /** IORING_SETUP_DEFER_TASKRUN (6.1): completions run only when the issuer waits; needs singleIssuer. */
  deferTaskrun?: boolean;
  /** IORING_SETUP_COOP_TASKRUN (5.19): no IPI to interrupt the issuer for task work. */
  coopTaskrun?: boolean;
  /** IORING_SETUP_TASKRUN_FLAG (5.19): flag pending task work in the SQ flags. */
  taskrunFlag?: boolean;
  /** IORING_SETUP_SQE128 (5.19): 128-byte SQEs, for uring_cmd. */
  sqe128?: boolean;
  /** IORING_SETUP_CQE32 (5.19): 32-byte CQEs, for uring_cmd. */
  cqe32?: boolean;
  /** IORING_SETUP_R_DISABLED (5.10): start disabled, until {@linkcode Ring.enable}. */
  disabled?: boolean;
  /** IORING_SETUP_NO_SQARRAY (6.6): no SQ index array. Default: where the kernel has it. */
  noSqArray?: boolean;
  /** IORING_SETUP_SUBMIT_ALL (5.18): keep submitting after a failed SQE. */
  submitAll?: boolean;
}

/**
 * The sizes a ring will have.
 *
 * @example
 * ```ts
 * import { ringLayout, type RingLayout } from "@jsuring/jsuring";
 * const layout: RingLayout = ringLayout(64, undefined, 0);
 * console.log(layout.sqEntries, layout.cqEntries); // 64 128
 * ```
 */
export interface RingLayout {
  /** SQ entries (power of two). */
  readonly sqEntries: number;
  /** CQ entries (power of two). */
  readonly cqEntries: number;
  /** Bytes per SQE: 64 or 128. */
  readonly sqeSize: number;
  /** Bytes per CQE: 16 or 32. */
  readonly cqeSize: number;
  /** Bytes of `struct io_rings` + CQEs + SQ array, as the kernel's `rings_size()`. */
  readonly ringsBytes: number;
  /** Bytes of the SQE array. */
  readonly sqesBytes: number;
}

function pow2(n: number): number {
  return n <= 1 ? 1 : 2 ** Math.ceil(Math.log2(n));
}

function checkCount(name: string, n: number, max: number): void {
  checkInt(n, name, 1, max);
}

/** The keys of {@linkcode RingOptions}: any other key is refused. */
export const RING_OPTION_KEYS: readonly string[] = [
  "entries",
  "cqEntries",
  "memory",
  "arena",
  "hugepages",
  "sqpoll",
  "singleIssuer",
  "deferTaskrun",
  "coopTaskrun",
  "taskrunFlag",
  "sqe128",
  "cqe32",
  "disabled",
  "noSqArray",
  "submitAll",
];

const BOOLEAN_OPTIONS = [
  "singleIssuer",
  "deferTaskrun",
  "coopTaskrun",
  "taskrunFlag",
  "sqe128",
  "cqe32",
  "disabled",
  "noSqArray",
  "submitAll",
] as const;

/**
 * Check every field of ring options for its type and range (unknown keys
 * refused), before anything is allocated. `extraKeys`: keys a wrapper
 * (AsyncRing, createRingWithRegion) adds and checks itself.
 */
export function checkRingOptions(options: RingOptions, extraKeys: readonly string[] = []): void {
  checkOptions(
    options,
    "ring options",
    extraKeys.length ? [...RING_OPTION_KEYS, ...extraKeys] : RING_OPTION_KEYS,
  );
  for (const key of BOOLEAN_OPTIONS) {
    if (options[key] !== undefined) checkBool(options[key], key);
  }
  if (options.entries !== undefined) checkCount("entries", options.entries, MAX_ENTRIES.sq);
  if (options.cqEntries !== undefined) checkCount("cqEntries", options.cqEntries, MAX_ENTRIES.cq);
  if (options.memory !== undefined) checkChoice(options.memory, "memory", ["user", "kernel"]);
  if (options.hugepages !== undefined) {
    checkChoice(options.hugepages, "hugepages", ["auto", "hugetlb", "thp", "pages"]);
  }
  if (options.arena !== undefined && !(options.arena instanceof Arena)) {
    throw typeError("arena", "an Arena", options.arena);
  }
  const sq = options.sqpoll;
  if (sq !== undefined && typeof sq !== "boolean") {
    checkOptions(sq, "sqpoll", ["idleMs", "cpu"]);
    if (sq.idleMs !== undefined) checkInt(sq.idleMs, "sqpoll.idleMs", 0, 0xffffffff);
    if (sq.cpu !== undefined) checkInt(sq.cpu, "sqpoll.cpu", 0, 0xffffffff);
  }
}

/**
 * The setup flags for `options` (without NO_MMAP, which depends on memory).
 * Rejects combinations the kernel would refuse, with the reason.
 *
 * @throws {RangeError} out-of-range sizes
 * @throws {TypeError} incompatible options
 *
 * @example
 * ```ts
 * import { setupFlags } from "@jsuring/jsuring";
 * console.log(setupFlags({ singleIssuer: true }).toString(2));
 * ```
 */
export function setupFlags(options: RingOptions): number {
  checkRingOptions(options);
  let f = 0;
  if (options.cqEntries !== undefined) f |= SetupFlag.CQSIZE;
  if (options.sqpoll) {
    f |= SetupFlag.SQPOLL;
    if (typeof options.sqpoll === "object" && options.sqpoll.cpu !== undefined) {
      f |= SetupFlag.SQ_AFF;
    }
  }
  if (options.singleIssuer) f |= SetupFlag.SINGLE_ISSUER;
  if (options.deferTaskrun) f |= SetupFlag.DEFER_TASKRUN;
  if (options.coopTaskrun) f |= SetupFlag.COOP_TASKRUN;
  if (options.taskrunFlag) f |= SetupFlag.TASKRUN_FLAG;
  if (options.sqe128) f |= SetupFlag.SQE128;
  if (options.cqe32) f |= SetupFlag.CQE32;
  if (options.disabled) f |= SetupFlag.R_DISABLED;
  if (options.noSqArray) f |= SetupFlag.NO_SQARRAY;
  if (options.submitAll) f |= SetupFlag.SUBMIT_ALL;
  // The kernel's io_uring_create() rules, checked here for a clear message.
  if (f & SetupFlag.DEFER_TASKRUN && !(f & SetupFlag.SINGLE_ISSUER)) {
    throw new TypeError(
      "deferTaskrun requires singleIssuer (IORING_SETUP_DEFER_TASKRUN needs SINGLE_ISSUER)",
    );
  }
  if (
    f & SetupFlag.SQPOLL &&
    f & (SetupFlag.COOP_TASKRUN | SetupFlag.TASKRUN_FLAG | SetupFlag.DEFER_TASKRUN)
  ) {
    throw new TypeError("sqpoll cannot be combined with coopTaskrun, taskrunFlag or deferTaskrun");
  }
  if (
    f & SetupFlag.TASKRUN_FLAG &&
    !(f & (SetupFlag.COOP_TASKRUN | SetupFlag.DEFER_TASKRUN))
  ) {
    throw new TypeError("taskrunFlag requires coopTaskrun or deferTaskrun");
  }
  return f;
}

/**
 * Ring sizes for `entries`/`cqEntries` under setup `flags`, following the
 * kernel's `io_uring_fill_params()` (power-of-two rounding, CQ = 2 × SQ by
 * default) and `rings_size()` (6.18: `struct_size(rings, cqes, cq)`, doubled
 * for CQE32, cache-line aligned, then the u32 SQ array unless NO_SQARRAY).
 * liburing has shipped four bugs in its own version of this sum; the ring test
 * checks it against the offsets the kernel reports.
 *
 * @example
 * ```ts
 * import { ringLayout } from "@jsuring/jsuring";
 * const l = ringLayout(256, undefined, 0);
 * console.log(l.cqEntries, l.ringsBytes); // 512 9280
 * ```
 */
export function ringLayout(entries: number, cqEntries: number | undefined, flags: number): RingLayout {
  checkCount("entries", entries, MAX_ENTRIES.sq);
  const sqEntries = pow2(entries);
  let cq = 2 * sqEntries;
  if (cqEntries !== undefined) {
    checkCount("cqEntries", cqEntries, MAX_ENTRIES.cq);
    if (cqEntries < entries) {
      throw new RangeError(`cqEntries (${cqEntries}) must be at least entries (${entries})`);
    }
    cq = pow2(cqEntries);
  }
  const sqeSize = flags & SetupFlag.SQE128 ? 2 * io_uring_sqe.size : io_uring_sqe.size;
  const cqeSize = flags & SetupFlag.CQE32 ? 2 * io_uring_cqe.size : io_uring_cqe.size;
  let off = IO_RINGS.cqes + cq * io_uring_cqe.size;
  if (flags & SetupFlag.CQE32) off *= 2;
  off = Math.ceil(off / IO_RINGS.cacheLine) * IO_RINGS.cacheLine;
  const ringsBytes = flags & SetupFlag.NO_SQARRAY ? off : off + sqEntries * SQ_ARRAY_ENTRY;
  return { sqEntries, cqEntries: cq, sqeSize, cqeSize, ringsBytes, sqesBytes: sqEntries * sqeSize };
}
