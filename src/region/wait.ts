/**
 * Registered wait arguments (IORING_ENTER_EXT_ARG_REG, Linux 6.13) and the
 * plain IORING_ENTER_EXT_ARG fallback, behind one API.
 *
 * A wait with a timeout, a minimum wait and a signal mask normally passes a
 * pointer to a `struct io_uring_getevents_arg` (and a timespec) that the
 * kernel copies in on every call. With a param region registered as
 * REG_WAIT_ARG the same fields live in `struct io_uring_reg_wait` slots
 * inside the region: jsuring writes a slot once, and each wait passes only
 * the slot's byte offset. Identical wait options map to the same slot, so its
 * fields are not rewritten.
 *
 * Kernel rules (io_uring/io_uring.c `io_get_ext_arg`/`io_get_ext_arg_reg`):
 * EXT_ARG_REG counts only together with EXT_ARG (alone, the argument is taken
 * as a sigmask pointer: jsuring always passes both); `argsz` must be 64; the
 * offset must be 8-byte aligned and the slot inside the region, else EFAULT;
 * slot `flags` other than IORING_REG_WAIT_TS give EINVAL; `sigmask_sz` must be
 * 8 when a mask is given, else EINVAL.
 *
 * @module
 */
import {
  __kernel_timespec,
  EnterFlag,
  Feature,
  io_uring_getevents_arg,
  io_uring_reg_wait,
  RegionFlag,
} from "../abi/mod.ts";
import { getNative } from "../runtime/_ffi.ts";
import { SIG } from "../abi/linux.ts";
import { Errno } from "../errors/errno.ts";
import { UringError } from "../errors/uring_error.ts";
import { kernelAtLeast, kernelVersion } from "../errors/hints.ts";
import { Ring, type Timeout } from "../ring/ring.ts";
import {
  checkChoice,
  checkInt,
  checkOptions,
  checkU32,
  show,
  timespecParts,
  typeError,
} from "../ring/_args.ts";
import { engineOf, type EnterEngine } from "../ring/_enter.ts";
import { type U64Arg, u64Arg } from "../runtime/enter.ts";
import { ParamRegion, REGION_SINCE, SIGSET_SIZE, WAIT_SLOT_SIZE } from "./region.ts";

/**
 * How waits reach the kernel: registered slots, or a getevents argument per call.
 *
 * @example
 * ```ts
 * import { Ring, type WaitPath, WaitSlots } from "@jsuring/jsuring";
 * using ring = Ring.create({ entries: 8 });
 * const path: WaitPath = "ext_arg"; // no region needed
 * const waits = new WaitSlots(ring, { path });
 * ```
 */
export type WaitPath = "ext_arg_reg" | "ext_arg";

/**
 * A signal, by number (1–64) or name (`"SIGUSR1"`).
 *
 * @example
 * ```ts
 * import type { Signal } from "@jsuring/jsuring";
 * const blocked: Signal[] = ["SIGINT", 15];
 * ```
 */
export type Signal = number | string;

/**
 * What a wait waits for, besides the number of completions.
 *
 * @example
 * ```ts
 * import type { WaitOptions } from "@jsuring/jsuring";
 * const w: WaitOptions = { timeout: 100, minWaitUsec: 50, sigmask: ["SIGINT"] };
 * ```
 */
export interface WaitOptions {
  /** Give up after this long (ms, or sec/nsec); none: wait until the completions come. */
  timeout?: Timeout;
  /**
   * Minimum wait (IORING_FEAT_MIN_TIMEOUT, 6.12), µs: wait this long for the
   * full count, then return as soon as at least one completion is there.
   */
  minWaitUsec?: number;
  /**
   * Signals blocked during the wait (the thread's mask is replaced by this set
   * for the wait, like ppoll). Undefined: the thread's own mask applies.
   */
  sigmask?: readonly Signal[];
}

/**
 * Raw slot fields for {@linkcode WaitSlots.writeSlot}: what the kernel reads,
 * with nothing checked beyond types (for tests and experiments).
 *
 * @example
 * ```ts
 * import type { RawSlotFields } from "@jsuring/jsuring";
 * const fields: RawSlotFields = { timeout: 50, minWaitUsec: 100 };
 * ```
 */
export interface RawSlotFields {
  /** `ts`; with it, IORING_REG_WAIT_TS is set in `flags` unless `flags` is given. */
  timeout?: Timeout;
  /** `min_wait_usec`. */
  minWaitUsec?: number;
  /** `flags` as written (default: REG_WAIT_TS if a timeout is given). */
  flags?: number;
  /** `sigmask`: a user address (default: the slot's own sigset in the region if `sigmask` is given, else 0). */
  sigmaskAddress?: number;
  /** `sigmask_sz` (default 8 with a mask, else 0). */
  sigmaskSize?: number;
  /** The signals to put in the slot's own sigset. */
  sigmask?: readonly Signal[];
}

/**
 * A wait slot: a registered `io_uring_reg_wait` (or, on the EXT_ARG path, a prepared argument).
 *
 * @example
 * ```ts
 * import { createRingWithRegion, type WaitSlot, WaitSlots } from "@jsuring/jsuring";
 * using r = createRingWithRegion({ entries: 8, waitSlots: 2 });
 * const waits = new WaitSlots(r.ring);
 * const slot: WaitSlot = waits.acquire({ timeout: 10 });
 * ```
 */
export interface WaitSlot {
  /** The slot's index. */
  readonly index: number;
  /** Its byte offset in the region (what IORING_ENTER_EXT_ARG_REG passes). */
  readonly offset: number;
  /** The path it is used through. */
  readonly path: WaitPath;
}

// "SIGUSR1" -> 10, from the pinned table in src/abi/linux.ts.
const SIGNALS: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(SIG).map(([name, n]) => [`SIG${name}`, n]),
);

const RW = io_uring_reg_wait.fields;
const GA = io_uring_getevents_arg.fields;
const W_SEC = RW["ts.tv_sec"][0] >> 2;
const W_NSEC = RW["ts.tv_nsec"][0] >> 2;
const W_MIN = RW.min_wait_usec[0] >> 2;
const W_FLAGS = RW.flags[0] >> 2;
const W_MASK = RW.sigmask[0] >> 2;
const W_MASKSZ = RW.sigmask_sz[0] >> 2;
// EXT_ARG path: per slot, getevents_arg (24) + timespec (16) + sigset (8).
const EXT_STRIDE = io_uring_getevents_arg.size + __kernel_timespec.size + SIGSET_SIZE;
const EXT_TS = io_uring_getevents_arg.size;
const EXT_SIG = EXT_TS + __kernel_timespec.size;
const TWO32 = 2 ** 32;

/** Parsed wait options: the words the kernel reads. */
interface Parsed {
  key: string;
  hasTs: boolean;
  sec: number;
  nsec: number;
  minWait: number;
  hasMask: boolean;
  maskLo: number;
  maskHi: number;
}

function signalNumber(s: Signal): number {
  const n = typeof s === "number" ? s : SIGNALS[s];
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw new (typeof s === "number" || typeof s === "string" ? RangeError : TypeError)(
      `wait options.sigmask: each entry must be a signal number 1..64 or a name such as "SIGINT", got ${
        show(s)
      }`,
    );
  }
  return n;
}

function sigset(signals: readonly Signal[]): [number, number] {
  if (!Array.isArray(signals)) {
    throw typeError("wait options.sigmask", "an array of signal numbers or names", signals);
  }
  let lo = 0, hi = 0;
  for (const s of signals) {
    const n = signalNumber(s) - 1;
    if (n < 32) lo |= 1 << n;
    else hi |= 1 << (n - 32);
  }
  return [lo >>> 0, hi >>> 0];
}

function parse(o: WaitOptions): Parsed {
  checkOptions(o, "wait options", ["timeout", "minWaitUsec", "sigmask"]);
  if (o === undefined) throw new TypeError("wait options must be an object, got undefined");
  const hasTs = o.timeout !== undefined;
  const [sec, nsec] = hasTs ? timespecParts(o.timeout!, "wait options.timeout") : [0, 0];
  const minWait = checkU32(o.minWaitUsec ?? 0, "wait options.minWaitUsec");
  const hasMask = o.sigmask !== undefined;
  const [maskLo, maskHi] = hasMask ? sigset(o.sigmask!) : [0, 0];
  return {
    key: `${hasTs ? `${sec}.${nsec}` : "-"}/${minWait}/${hasMask ? `${maskLo}.${maskHi}` : "-"}`,
    hasTs,
    sec,
    nsec,
    minWait,
    hasMask,
    maskLo,
    maskHi,
  };
}

type U64 = U64Arg;
const u64 = u64Arg;

class Slot implements WaitSlot {
  readonly index: number;
  readonly offset: number;
  readonly path: WaitPath;
  readonly owner: WaitSlots;
  /** The enter argument: the region offset, or the prepared argument's address; as the runtime passes u64 fastest. */
  readonly arg: U64;
  key: string | undefined;
  pinned = false;
  lastUse = 0;
  constructor(owner: WaitSlots, index: number, offset: number, path: WaitPath, arg: number) {
    this.owner = owner;
    this.index = index;
    this.offset = offset;
    this.path = path;
    this.arg = u64(arg);
  }
}

const REG_ARGSZ = u64(WAIT_SLOT_SIZE);
const EXT_ARGSZ = u64(io_uring_getevents_arg.size);

/**
 * Options of the {@linkcode WaitSlots} constructor.
 *
 * @example
 * ```ts
 * import { Ring, WaitSlots, type WaitSlotsOptions } from "@jsuring/jsuring";
 * using ring = Ring.create({ entries: 8 });
 * const options: WaitSlotsOptions = { path: "ext_arg" };
 * const waits = new WaitSlots(ring, options);
 * ```
 */
export interface WaitSlotsOptions {
  /**
   * Force a path. Default: `"ext_arg_reg"` when the ring has a param region
   * with wait slots, else `"ext_arg"`.
   */
  path?: WaitPath;
  /** Slots on the EXT_ARG path (prepared arguments kept in JS memory). Default 8. */
  slots?: number;
}

/**
 * Waits for completions with a timeout, a minimum wait and a signal mask,
 * through registered wait slots (IORING_ENTER_EXT_ARG_REG) when the ring's
 * param region has them, else through IORING_ENTER_EXT_ARG; {@linkcode WaitSlots.path}
 * says which. Queued SQEs are submitted by the same `io_uring_enter`.
 *
 * @example
 * ```ts
 * import { createRingWithRegion, WaitSlots } from "@jsuring/jsuring";
 * using r = createRingWithRegion({ entries: 8, waitSlots: 4 });
 * const waits = new WaitSlots(r.ring);
 * const slot = waits.acquire({ timeout: 1000 }); // fields written once
 * for (let i = 0; i < 3; i++) {
 *   r.ring.nop();
 *   waits.wait(1, slot);
 *   r.ring.reap(() => {});
 * }
 * console.log(waits.path, waits.writes); // "ext_arg_reg" 1
 * ```
 */
export class WaitSlots {
  /** The ring waited on. */
  readonly ring: Ring;
  /** The param region holding the slots (`"ext_arg_reg"` path). */
  readonly region: ParamRegion | undefined;
  /** The path in use. */
  readonly path: WaitPath;
  /** Why the registered path is not in use, when it is not. */
  readonly reason: string | undefined;
  /** How many slots there are. */
  readonly capacity: number;

  #slots: Slot[] = [];
  #byKey = new Map<string, Slot>();
  #lastOptions: WaitOptions | undefined;
  #lastSlot: Slot | undefined;
  #clock = 0;
  #writes = 0;
  #u32: Uint32Array; // the slots (region) or the prepared arguments (JS memory)
  #base: number; // native address of #u32's first byte
  #sigBase: number; // EXT_ARG_REG: address of the region's sigsets
  #sigWord: number; // EXT_ARG_REG: word index of sigset 0 in the region view
  #engine: EnterEngine;

  /**
   * Set up waits on `ring`.
   *
   * @param ring a ring, with a param region registered for wait arguments to use the registered path
   * @param options force a path; the number of slots on the EXT_ARG path
   * @throws {TypeError} `path: "ext_arg_reg"` on a ring without wait slots
   */
  constructor(ring: Ring, options: WaitSlotsOptions = {}) {
    if (!(ring instanceof Ring)) throw typeError("WaitSlots: ring", "a Ring (Ring.create())", ring);
    checkOptions(options, "WaitSlots options", ["path", "slots"]);
    if (options.path !== undefined) {
      checkChoice(options.path, "WaitSlots options.path", ["ext_arg_reg", "ext_arg"]);
    }
    if (options.slots !== undefined) checkInt(options.slots, "WaitSlots options.slots", 1, 1 << 16);
    this.ring = ring;
    const region = ParamRegion.of(ring);
    let path = options.path;
    let reason: string | undefined;
    const registered = region !== undefined && region.waitSlots > 0;
    if (path === "ext_arg_reg" && !registered) {
      throw new TypeError(
        kernelAtLeast(REGION_SINCE)
          ? "this ring has no param region with wait slots: create it with createRingWithRegion({ waitSlots })"
          : `registered waits (IORING_ENTER_EXT_ARG_REG) requires Linux ${REGION_SINCE} (this is Linux ${
            kernelVersion().join(".")
          })`,
      );
    }
    if (!path) {
      path = registered ? "ext_arg_reg" : "ext_arg";
      if (!registered) {
        reason = !kernelAtLeast(REGION_SINCE)
          ? `registered waits (IORING_ENTER_EXT_ARG_REG) requires Linux ${REGION_SINCE} (this is Linux ${
            kernelVersion().join(".")
          })`
          : "the ring has no param region with wait slots";
      }
    } else if (path === "ext_arg") {
      reason = "EXT_ARG asked for";
    }
    if (!(ring.features & Feature.EXT_ARG)) {
      throw new UringError(Errno.ENOSYS, "io_uring_enter2(EXT_ARG)", "waits with a timeout need Linux 5.11");
    }
    this.path = path;
    this.reason = reason;
    this.#engine = engineOf(ring);
    if (path === "ext_arg_reg") {
      this.region = region!;
      this.capacity = region!.waitSlots;
      this.#u32 = region!.u32;
      this.#base = region!.address;
      this.#sigBase = region!.address + this.capacity * WAIT_SLOT_SIZE;
      this.#sigWord = (this.capacity * WAIT_SLOT_SIZE) >> 2;
    } else {
      const n = options.slots ?? 8;
      this.region = undefined;
      this.capacity = n;
      this.#u32 = new Uint32Array((n * EXT_STRIDE) >> 2);
      this.#base = getNative().addressOf(this.#u32);
      this.#sigBase = 0;
      this.#sigWord = 0;
    }
    const stride = path === "ext_arg_reg" ? WAIT_SLOT_SIZE : EXT_STRIDE;
    for (let i = 0; i < this.capacity; i++) {
      const offset = i * stride;
      this.#slots.push(
        new Slot(this, i, offset, path, path === "ext_arg_reg" ? offset : this.#base + offset),
      );
    }
  }

  /** Slot writes so far: a wait that reuses a slot writes nothing. */
  get writes(): number {
    return this.#writes;
  }

  /**
   * A slot for `options`, kept until {@linkcode WaitSlots.release}: its fields
   * are written now (or found already written) and reused by every wait that
   * passes it.
   *
   * @throws {RangeError} bad options, or every slot is held
   *
   * @example
   * ```ts
   * import { createRingWithRegion, WaitSlots } from "@jsuring/jsuring";
   * using r = createRingWithRegion({ entries: 8, waitSlots: 2 });
   * const waits = new WaitSlots(r.ring);
   * const s = waits.acquire({ timeout: 50, minWaitUsec: 10 });
   * console.log(s.index, s.offset); // 0 0
   * waits.release(s);
   * ```
   */
  acquire(options: WaitOptions): WaitSlot {
    const slot = this.#slotFor(this.#parse(options));
    slot.pinned = true;
    return slot;
  }

  /**
   * Let a slot from {@linkcode WaitSlots.acquire} be reused for other options.
   *
   * @example
   * ```ts
   * import { createRingWithRegion, WaitSlots } from "@jsuring/jsuring";
   * using r = createRingWithRegion({ entries: 8, waitSlots: 1 });
   * const waits = new WaitSlots(r.ring);
   * waits.release(waits.acquire({ timeout: 5 }));
   * ```
   */
  release(slot: WaitSlot): void {
    this.#own(slot).pinned = false;
  }

  #own(slot: WaitSlot): Slot {
    if (!(slot instanceof Slot) || slot.owner !== this) {
      throw new TypeError("not a slot of these WaitSlots");
    }
    return slot;
  }

  #slotFor(p: Parsed): Slot {
    let slot = this.#byKey.get(p.key);
    if (slot) {
      slot.lastUse = ++this.#clock;
      return slot;
    }
    // A never-used slot first, else the least recently used one not held.
    let victim: Slot | undefined;
    for (const s of this.#slots) {
      if (s.pinned) continue;
      if (s.key === undefined) {
        victim = s;
        break;
      }
      if (!victim || s.lastUse < victim.lastUse) victim = s;
    }
    if (!victim) throw new RangeError(`all ${this.capacity} wait slots are held: release one`);
    slot = victim;
    if (slot.key !== undefined) this.#byKey.delete(slot.key);
    this.#write(slot.index, p);
    slot.key = p.key;
    slot.lastUse = ++this.#clock;
    this.#byKey.set(p.key, slot);
    if (this.#lastSlot === slot) this.#lastOptions = undefined;
    return slot;
  }

  /**
   * Options → fields, refusing a min-wait the kernel would not honour: before
   * 6.12 (no IORING_FEAT_MIN_TIMEOUT) `min_wait_usec` is the `pad` field of
   * struct io_uring_getevents_arg, which the kernel requires to be 0 (EINVAL
   * on every wait, 5.11–6.11 io_get_ext_arg()).
   */
  #parse(o: WaitOptions): Parsed {
    const p = parse(o);
    if (p.minWait !== 0 && !(this.ring.features & Feature.MIN_TIMEOUT)) {
      throw new UringError(
        Errno.EINVAL,
        "io_uring_enter2(EXT_ARG)",
        `minWaitUsec: min-wait (IORING_FEAT_MIN_TIMEOUT) requires Linux 6.12 (this is Linux ${
          kernelVersion().join(".")
        }): leave minWaitUsec out`,
      );
    }
    return p;
  }

  #write(index: number, p: Parsed): void {
    this.#writes++;
    const u = this.#u32;
    if (this.path === "ext_arg_reg") {
      const w = (index * WAIT_SLOT_SIZE) >> 2;
      u.fill(0, w, w + (WAIT_SLOT_SIZE >> 2));
      u[w + W_SEC] = p.sec >>> 0;
      u[w + W_SEC + 1] = (p.sec / TWO32) >>> 0;
      u[w + W_NSEC] = p.nsec;
      u[w + W_MIN] = p.minWait;
      u[w + W_FLAGS] = p.hasTs ? RegionFlag.REG_WAIT_TS : 0;
      if (p.hasMask) {
        const sw = this.#sigWord + index * (SIGSET_SIZE >> 2);
        u[sw] = p.maskLo;
        u[sw + 1] = p.maskHi;
        const addr = this.#sigBase + index * SIGSET_SIZE;
        u[w + W_MASK] = addr >>> 0;
        u[w + W_MASK + 1] = (addr / TWO32) >>> 0;
        u[w + W_MASKSZ] = SIGSET_SIZE;
      }
    } else {
      const w = (index * EXT_STRIDE) >> 2;
      u.fill(0, w, w + (EXT_STRIDE >> 2));
      const at = this.#base + index * EXT_STRIDE;
      if (p.hasMask) {
        u[w + (EXT_SIG >> 2)] = p.maskLo;
        u[w + (EXT_SIG >> 2) + 1] = p.maskHi;
        const sig = at + EXT_SIG;
        u[w + (GA.sigmask[0] >> 2)] = sig >>> 0;
        u[w + (GA.sigmask[0] >> 2) + 1] = (sig / TWO32) >>> 0;
        u[w + (GA.sigmask_sz[0] >> 2)] = SIGSET_SIZE;
      }
      u[w + (GA.min_wait_usec[0] >> 2)] = p.minWait;
      if (p.hasTs) {
        const tw = w + (EXT_TS >> 2);
        u[tw] = p.sec >>> 0;
        u[tw + 1] = (p.sec / TWO32) >>> 0;
        u[tw + 2] = p.nsec;
        const ts = at + EXT_TS;
        u[w + (GA.ts[0] >> 2)] = ts >>> 0;
        u[w + (GA.ts[0] >> 2) + 1] = (ts / TWO32) >>> 0;
      }
    }
  }

  /**
   * Write a registered slot's fields as given, unchecked, and forget what the
   * slot held (for tests of the kernel's own checks, and experiments).
   *
   * @param index a slot index below {@linkcode WaitSlots.capacity}
   * @param fields the raw fields
   * @returns the slot, for {@linkcode WaitSlots.wait}
   * @throws {TypeError} on the EXT_ARG path
   * @throws {RangeError} index out of range
   *
   * @example
   * ```ts
   * import { createRingWithRegion, WaitSlots } from "@jsuring/jsuring";
   * using r = createRingWithRegion({ entries: 8, waitSlots: 1 });
   * const waits = new WaitSlots(r.ring);
   * const s = waits.writeSlot(0, { timeout: 1, sigmask: ["SIGUSR1"], sigmaskSize: 4 });
   * try { waits.wait(1, s); } catch (e) { console.log((e as Error).message); } // ...EINVAL...
   * ```
   */
  writeSlot(index: number, fields: RawSlotFields): WaitSlot {
    if (this.path !== "ext_arg_reg") throw new TypeError("writeSlot needs the registered (ext_arg_reg) path");
    const slot = this.#slots[this.#checkIndex(index)];
    const p = parse({ timeout: fields.timeout, minWaitUsec: fields.minWaitUsec, sigmask: fields.sigmask });
    this.#write(index, p);
    const u = this.#u32, w = (index * WAIT_SLOT_SIZE) >> 2;
    if (fields.flags !== undefined) u[w + W_FLAGS] = fields.flags >>> 0;
    if (fields.sigmaskAddress !== undefined) {
      u[w + W_MASK] = fields.sigmaskAddress >>> 0;
      u[w + W_MASK + 1] = (fields.sigmaskAddress / TWO32) >>> 0;
    }
    if (fields.sigmaskSize !== undefined) u[w + W_MASKSZ] = fields.sigmaskSize >>> 0;
    if (slot.key !== undefined) this.#byKey.delete(slot.key);
    slot.key = undefined;
    if (this.#lastSlot === slot) this.#lastOptions = undefined;
    return slot;
  }

  #checkIndex(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.capacity) {
      throw new RangeError(`wait slot index must be 0..${this.capacity - 1}, got ${index}`);
    }
    return index;
  }

  /**
   * The slot at `index` as it is (no write), for waits on fields written
   * before (by {@linkcode WaitSlots.writeSlot} or by hand in the region).
   *
   * @throws {RangeError} index out of range
   *
   * @example
   * ```ts
   * import { createRingWithRegion, WaitSlots } from "@jsuring/jsuring";
   * using r = createRingWithRegion({ entries: 8, waitSlots: 2 });
   * const waits = new WaitSlots(r.ring);
   * console.log(waits.slot(1).offset); // 64
   * ```
   */
  slot(index: number): WaitSlot {
    return this.#slots[this.#checkIndex(index)];
  }

  /**
   * The slot at byte `offset` (a multiple of the slot size, inside the slot
   * area): the checked counterpart of {@linkcode WaitSlots.waitAt}.
   *
   * @throws {RangeError} misaligned or out of range
   *
   * @example
   * ```ts
   * import { createRingWithRegion, WaitSlots } from "@jsuring/jsuring";
   * using r = createRingWithRegion({ entries: 8, waitSlots: 2 });
   * const waits = new WaitSlots(r.ring);
   * console.log(waits.slotAt(64).index); // 1
   * ```
   */
  slotAt(offset: number): WaitSlot {
    const stride = this.path === "ext_arg_reg" ? WAIT_SLOT_SIZE : EXT_STRIDE;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset % stride !== 0) {
      throw new RangeError(`wait slot offset must be a multiple of ${stride}, got ${offset}`);
    }
    if (offset >= this.capacity * stride) {
      throw new RangeError(
        `wait slot offset ${offset} is past the ${this.capacity} slots (${this.capacity * stride} bytes)`,
      );
    }
    return this.#slots[offset / stride];
  }

  #resolve(arg: WaitOptions | WaitSlot | undefined): Slot {
    if (arg instanceof Slot) {
      if (arg.owner !== this) throw new TypeError("not a slot of these WaitSlots");
      return arg;
    }
    const o = (arg ?? NO_OPTIONS) as WaitOptions;
    if (o === this.#lastOptions) return this.#lastSlot!;
    const slot = this.#slotFor(this.#parse(o));
    this.#lastOptions = o;
    this.#lastSlot = slot;
    return slot;
  }

  /**
   * Submit queued SQEs and wait until `waitNr` completions are ready, the
   * timeout passes, or (with `minWaitUsec`) the minimum wait passes with at
   * least one completion ready.
   *
   * @param waitNr completions to wait for (≥ 0)
   * @param arg a slot from {@linkcode WaitSlots.acquire} (fastest), or options (cached per distinct value)
   * @returns true if `waitNr` completions are ready, false if the wait ended first
   * @throws {UringError} the kernel refused the wait (EFAULT: bad slot; EINVAL: bad fields)
   *
   * @example
   * ```ts
   * import { createRingWithRegion, WaitSlots } from "@jsuring/jsuring";
   * using r = createRingWithRegion({ entries: 8, waitSlots: 2 });
   * const waits = new WaitSlots(r.ring);
   * console.log(waits.wait(1, { timeout: 5 })); // false: nothing to complete
   * ```
   */
  wait(waitNr: number, arg?: WaitOptions | WaitSlot): boolean {
    checkU32(waitNr, "wait waitNr");
    const slot = this.#resolve(arg);
    for (;;) {
      const ret = this.#enterSlot(waitNr, slot);
      if (ret >= 0) return this.ring.ready >= waitNr;
      if (ret === -Errno.ETIME) return false;
      if (ret === -Errno.EINTR) continue;
      throw this.#error(-ret, slot.offset);
    }
  }

  /**
   * Like {@linkcode WaitSlots.wait}, returning the kernel's result instead:
   * the number of SQEs submitted, 0, or `-errno` (`-ETIME` when the time ran
   * out and nothing was submitted by this call; `-EINTR` is not retried).
   *
   * @example
   * ```ts
   * import { createRingWithRegion, WaitSlots } from "@jsuring/jsuring";
   * using r = createRingWithRegion({ entries: 8, waitSlots: 2 });
   * const waits = new WaitSlots(r.ring);
   * console.log(waits.waitRaw(1, { timeout: 5 })); // -62 (ETIME)
   * ```
   */
  waitRaw(waitNr: number, arg?: WaitOptions | WaitSlot): number {
    checkU32(waitNr, "waitRaw waitNr");
    return this.#enterSlot(waitNr, this.#resolve(arg));
  }

  /**
   * A registered wait at any byte `offset` of the region, unchecked by jsuring
   * (the kernel checks: 8-byte aligned and inside the region, else EFAULT).
   *
   * @returns as {@linkcode WaitSlots.wait}
   * @throws {UringError} what the kernel says (EFAULT for a bad offset)
   * @throws {TypeError} on the EXT_ARG path
   *
   * @example
   * ```ts
   * import { createRingWithRegion, WaitSlots } from "@jsuring/jsuring";
   * using r = createRingWithRegion({ entries: 8, waitSlots: 1 });
   * const waits = new WaitSlots(r.ring);
   * try { waits.waitAt(4, 1); } catch (e) { console.log((e as Error).message); } // ...EFAULT...
   * ```
   */
  waitAt(offset: number, waitNr: number): boolean {
    if (this.path !== "ext_arg_reg") throw new TypeError("waitAt needs the registered (ext_arg_reg) path");
    checkInt(offset, "waitAt offset (bytes into the region)", 0, Number.MAX_SAFE_INTEGER);
    checkU32(waitNr, "waitAt waitNr");
    for (;;) {
      const ret = this.#enter(waitNr, EnterFlag.EXT_ARG | EnterFlag.EXT_ARG_REG, u64(offset), REG_ARGSZ);
      if (ret >= 0) return this.ring.ready >= waitNr;
      if (ret === -Errno.ETIME) return false;
      if (ret === -Errno.EINTR) continue;
      throw this.#error(-ret, offset);
    }
  }

  #enterSlot(waitNr: number, slot: Slot): number {
    if (this.path === "ext_arg_reg") {
      return this.#enter(waitNr, EnterFlag.EXT_ARG | EnterFlag.EXT_ARG_REG, slot.arg, REG_ARGSZ);
    }
    return this.#enter(waitNr, EnterFlag.EXT_ARG, slot.arg, EXT_ARGSZ);
  }

  #enter(waitNr: number, flags: number, arg: U64, argsz: U64): number {
    checkU32(waitNr, "waitNr");
    // The ring's engine decides SQPOLL wake-up and overflow flush; this class
    // only supplies the wait argument.
    return this.#engine.once(this.ring.flush(), waitNr, EnterFlag.GETEVENTS | flags, arg, argsz);
  }

  #error(errno: number, offset: number): UringError {
    const op = this.path === "ext_arg_reg" ? "io_uring_enter2(EXT_ARG_REG)" : "io_uring_enter2(EXT_ARG)";
    let hint: string | undefined;
    if (errno === Errno.EFAULT && this.path === "ext_arg_reg") {
      hint =
        `wait argument offset ${offset} is not 8-byte aligned or its ${WAIT_SLOT_SIZE} bytes are outside ` +
        `the ${this.region!.size}-byte region`;
    } else if (errno === Errno.EINVAL && this.path === "ext_arg_reg") {
      hint =
        "the kernel refused the wait argument: slot flags other than IORING_REG_WAIT_TS, or a sigmask size " +
        `other than ${SIGSET_SIZE}`;
    } else if (errno === Errno.EINVAL) {
      // struct io_uring_getevents_arg: 5.11's checks (argsz, pad / min_wait_usec)
      hint =
        `the kernel refused the wait argument (struct io_uring_getevents_arg): a sigmask size other than ${SIGSET_SIZE}, ` +
        "or a non-zero min_wait_usec on a kernel without IORING_FEAT_MIN_TIMEOUT (6.12)";
    } else if (errno === Errno.EBADFD) {
      hint = "the ring is still disabled: enable() it first";
    }
    return new UringError(errno, op, hint);
  }
}

const NO_OPTIONS: WaitOptions = Object.freeze({});
