/**
 * What legacy provided-buffer groups and buffer rings share: the buffer
 * memory and its ownership, the per-ring registry of group ids, the SQE
 * writers of buffer-selecting reads and receives, the bookkeeping of armed
 * operations, and cancel-then-wait before a group's memory is let go.
 *
 * Ownership rule: a group's memory stays reachable (and mapped) while the
 * kernel may write into it: until every operation armed on the group has
 * completed, and the kernel has forgotten the group (REMOVE_BUFFERS,
 * UNREGISTER_PBUF_RING, or the ring closed with nothing left in flight).
 *
 * @module
 */
import { keepForever } from "../memory/_keep.ts";
import { CqeFlag, Op, SqeFlag } from "../abi/mod.ts";
import { type Arena, createArena, type MemoryRequest, type Slice } from "../memory/arena.ts";
import { getNative } from "../runtime/_ffi.ts";
import { UringError } from "../errors/uring_error.ts";
import { Errno } from "../errors/errno.ts";
import type { Completion, OpOptions, Ring } from "../ring/ring.ts";
import * as sqe from "../ops/sqe.ts";
import { isDetached } from "../memory/detached.ts";
import {
  checkBool,
  checkFd,
  checkInt,
  checkOffset,
  checkOptions,
  checkU32,
  show,
  typeError,
} from "../ring/_args.ts";
import { Ring as RingClass } from "../ring/ring.ts";

/**
 * Memory for a group's buffers: an arena slice, or a byte array the group keeps referenced.
 *
 * @example
 * ```ts
 * import { type BufferMemory, BufferRing, Ring } from "@jsuring/jsuring";
 * using ring = Ring.create({ entries: 8 });
 * const memory: BufferMemory = new Uint8Array(8 * 4096);
 * using group = BufferRing.create(ring, { group: 1, entries: 8, size: 4096, memory });
 * ```
 */
export type BufferMemory = Slice | Uint8Array;

/** The largest length of one read the kernel performs (`MAX_RW_COUNT`). */
export const MAX_RW_COUNT = 0x7ffff000;

/** Highest user address on x86-64 (`TASK_SIZE_MAX`, 4-level paging): `access_ok` fails past it. */
export const TASK_SIZE = 0x7ffffffff000;

/**
 * Options of a buffer-selecting read or receive.
 *
 * @example
 * ```ts
 * import { BufferRing, Ring, type SelectOptions } from "@jsuring/jsuring";
 * using ring = Ring.create({ entries: 8 });
 * using group = BufferRing.create(ring, { group: 1, entries: 8, size: 4096 });
 * const options: SelectOptions = { length: 512, tag: "head" };
 * group.read(0, 0, options);
 * ```
 */
export interface SelectOptions extends OpOptions {
  /** Bytes at most (default: the group's buffer size; 0: the whole buffer). */
  length?: number;
}

/**
 * A buffer handed back by a completion.
 *
 * @example
 * ```ts
 * import { BufferRing, Ring, type TakenBuffer } from "@jsuring/jsuring";
 * using ring = Ring.create({ entries: 8 });
 * using group = BufferRing.create(ring, { group: 1, entries: 8, size: 4096 });
 * ring.openat("/etc/os-release");
 * ring.submitAndWait(1);
 * const [{ res: fd }] = ring.completions();
 * group.read(fd, 0);
 * ring.submitAndWait(1);
 * ring.reap((res, flags) => {
 *   const buf: TakenBuffer | undefined = group.take(res, flags);
 *   if (buf) group.recycle(buf.id);
 * });
 * ```
 */
export interface TakenBuffer {
  /** The buffer id (`cqe.flags >> IORING_CQE_BUFFER_SHIFT`). */
  readonly id: number;
  /** The bytes the operation produced (a view: valid until the buffer is recycled). */
  readonly bytes: Uint8Array;
  /** Byte offset of `bytes` inside the buffer (incremental rings: the part consumed before). */
  readonly offset: number;
  /**
   * Incremental rings: the kernel keeps using the rest of this buffer
   * (`IORING_CQE_F_BUF_MORE`), so it must not be recycled yet. Otherwise false:
   * the buffer is the caller's until {@linkcode BufferGroup.recycle}.
   */
  readonly more: boolean;
}

/**
 * The buffer id a completion carries, or -1 when it carries none.
 *
 * @example
 * ```ts
 * import { cqeBufferId } from "@jsuring/jsuring";
 * console.log(cqeBufferId(0x50001)); // 5
 * console.log(cqeBufferId(0)); // -1
 * ```
 */
export function cqeBufferId(flags: number): number {
  if (typeof flags !== "number" || flags >>> 0 !== flags) {
    throw new (typeof flags === "number" ? RangeError : TypeError)(
      `cqeBufferId: flags must be a CQE's flags (a u32), got ${show(flags)}`,
    );
  }
  return flags & CqeFlag.F_BUFFER ? flags >>> CqeFlag.BUFFER_SHIFT : -1;
}

const GROUPS = new WeakMap<Ring, Map<number, object>>();

/** Throw unless buffer group id `bgid` is valid and free on `ring`. */
export function assertGroupFree(ring: Ring, bgid: number): void {
  checkInt(bgid, "buffer group id (options.group)", 0, 0xffff);
  if (GROUPS.get(ring)?.has(bgid)) {
    throw new RangeError(
      `buffer group ${bgid} is already in use on this ring (kernel: EEXIST, or a merged legacy group)`,
    );
  }
}

/** Claim buffer group id `bgid` on `ring` for `owner`, or throw if another group has it. */
export function claimGroup(ring: Ring, bgid: number, owner: object): void {
  assertGroupFree(ring, bgid);
  let map = GROUPS.get(ring);
  if (!map) GROUPS.set(ring, map = new Map());
  map.set(bgid, owner);
}

/** Give `bgid` back. */
export function releaseGroup(ring: Ring, bgid: number, owner: object): void {
  const map = GROUPS.get(ring);
  if (map?.get(bgid) === owner) map.delete(bgid);
}

/** Memory resolved to an address, a view and whoever must be kept alive or disposed. */
export interface ResolvedMemory {
  readonly address: number;
  readonly bytes: Uint8Array;
  /** An arena the group created and must dispose. */
  readonly owned: Arena | undefined;
  /** What keeps the memory alive (the caller's array or slice). */
  readonly keep: unknown;
}

/**
 * The `ring` and options of a group's `create`: a Ring, an options object
 * with no key outside `known`, the numbers integers and the booleans booleans
 * (ranges are checked where the numbers are used).
 */
export function checkGroupOptions(
  ring: unknown,
  options: unknown,
  what: string,
  known: readonly string[],
  booleans: readonly string[] = [],
): void {
  if (!(ring instanceof RingClass)) throw typeError(`${what}: ring`, "a Ring (from Ring.create())", ring);
  if (options === undefined) {
    throw typeError(`${what}: options`, `an options object with ${known[0]}`, options);
  }
  checkOptions(options as object, `${what} options`, known);
  const o = options as Record<string, unknown>;
  for (const key of booleans) if (o[key] !== undefined) checkBool(o[key], `${what} options.${key}`);
  for (const key of ["group", "count", "size", "entries", "firstId"]) {
    if (known.includes(key) && o[key] !== undefined && typeof o[key] !== "number") {
      throw typeError(`${what} options.${key}`, "an integer", o[key]);
    }
  }
}

/** Resolve `memory` (or allocate `need` bytes in a new arena) and check it is big enough. */
export function resolveMemory(
  memory: BufferMemory | undefined,
  need: number,
  hugepages: MemoryRequest | undefined,
  what: string,
): ResolvedMemory {
  if (memory === undefined) {
    const arena = createArena({ size: need, memory: hugepages ?? "auto" }, "hugepages");
    return { address: arena.address, bytes: arena.bytes.subarray(0, need), owned: arena, keep: arena };
  }
  if (memory instanceof Uint8Array) {
    if (isDetached(memory)) throw new TypeError(`${what} memory is detached`);
    if (memory.byteLength < need) {
      throw new RangeError(`${what} needs ${need} bytes of memory, the array given has ${memory.byteLength}`);
    }
    return {
      address: getNative().addressOf(memory),
      bytes: memory.subarray(0, need),
      owned: undefined,
      keep: memory,
    };
  }
  if (
    typeof memory !== "object" || typeof memory.address !== "number" || !(memory.bytes instanceof Uint8Array)
  ) {
    throw typeError(`${what} memory`, "an arena Slice or a Uint8Array", memory);
  }
  if (memory.size < need) {
    throw new RangeError(`${what} needs ${need} bytes of memory, the slice given has ${memory.size}`);
  }
  return { address: memory.address, bytes: memory.bytes.subarray(0, need), owned: undefined, keep: memory };
}

/** The user_data of operations armed on a group, pruned of completed ones now and then. */
export class ArmedOps {
  #uds: number[] = [];
  #limit = 64;

  /** Record `ud` (just queued on `ring`). */
  add(ring: Ring, ud: number): void {
    this.#uds.push(ud);
    if (this.#uds.length > this.#limit) {
      this.#uds = this.live(ring);
      this.#limit = Math.max(64, this.#uds.length * 2);
    }
  }

  /** The recorded operations still in flight. */
  live(ring: Ring): number[] {
    return this.#uds.filter((ud) => ring.isInFlight(ud));
  }

  /** Forget everything. */
  clear(): void {
    this.#uds = [];
  }
}

/**
 * Cancel the operations `uds` (ASYNC_CANCEL by user_data, one SQE each, whose
 * own completions the ring ignores) and wait until none is in flight or
 * `graceMs` passed, reaping every completion that arrives meanwhile into
 * `out`. Returns whether all completed.
 */
export function cancelAndWait(ring: Ring, uds: number[], graceMs: number, out: Completion[]): boolean {
  for (const ud of uds) {
    const at = ring.getSqe();
    sqe.prepCancel(ring.sqes, at, ud, 0);
    sqe.setUserData(ring.sqes, at, 0); // INTERNAL_USER_DATA: reap skips it
  }
  return waitUntil(ring, () => uds.every((ud) => !ring.isInFlight(ud)), graceMs, out);
}

/** Submit, then wait and reap into `out` until `done()` or `graceMs` passed. */
export function waitUntil(ring: Ring, done: () => boolean, graceMs: number, out: Completion[]): boolean {
  const collect = (res: number, flags: number, tag: unknown) => out.push({ res, flags, tag });
  ring.submit();
  ring.reap(collect);
  const deadline = Date.now() + graceMs;
  while (!done() && Date.now() < deadline) {
    ring.waitFor(1, Math.min(100, Math.max(1, deadline - Date.now())));
    ring.reap(collect);
  }
  return done();
}

/** Arenas of closed groups whose buffers the application still held: unmapped once unreachable. */
const HELD = new FinalizationRegistry<Arena>((arena) => arena[Symbol.dispose]());

function checkLength(length: number, what: string): void {
  checkInt(length, `${what} options.length (0: the whole buffer)`, 0, MAX_RW_COUNT);
}

const SELECT_KEYS = ["tag", "flags", "length"];

/** A buffer-selecting operation's options: known keys only, `flags` an IOSQE_* byte. */
function checkSelect(options: SelectOptions | undefined, what: string): void {
  if (options === undefined) return;
  checkOptions(options, `${what} options`, SELECT_KEYS);
  if (options.flags !== undefined) checkInt(options.flags, `${what} options.flags (IOSQE_*)`, 0, 0xff);
}

/**
 * The base of {@linkcode ProvidedBuffers} and {@linkcode BufferRing}: a group
 * of `count` buffers of `size` bytes with ids `firstId…`, in one block of
 * memory; reads and receives that let the kernel pick one; completions turned
 * into buffer views; recycling.
 *
 * @example
 * ```ts
 * import { BufferGroup, BufferRing, Ring } from "@jsuring/jsuring";
 * using ring = Ring.create({ entries: 8 });
 * using group = BufferRing.create(ring, { group: 1, entries: 8, size: 4096 });
 * console.log(group instanceof BufferGroup); // true: read/recv/take/recycle live here
 * ```
 */
export abstract class BufferGroup implements Disposable {
  /** The ring the group is registered on. */
  readonly ring: Ring;
  /** The buffer group id (`sqe.buf_group`). */
  readonly id: number;
  /** Number of buffers. */
  readonly count: number;
  /** Bytes per buffer. */
  readonly size: number;
  /** The id of the first buffer (buffer `i` has id `firstId + i`). */
  readonly firstId: number;
  /** Native address of the first buffer. */
  readonly address: number;
  /** All buffers, back to back. */
  readonly bytes: Uint8Array;

  /** 0: with the kernel; 1: with the caller. */
  protected readonly state: Uint8Array;
  /** Buffers the kernel can pick now (as far as the group knows). */
  protected kernelOwned: number;
  /** @internal operations armed on the group. */
  protected readonly armed: { add(ring: Ring, ud: number): void; live(ring: Ring): number[]; clear(): void } =
    new ArmedOps();
  /** Whether the group is closed. */
  protected closed = false;
  /** A failure of an internal operation (a provide), thrown by the next call. */
  protected error: UringError | undefined;
  #owned: Arena | undefined;
  #keep: unknown;

  /** Set up the shared state; subclasses register the group with the kernel. */
  protected constructor(
    ring: Ring,
    id: number,
    count: number,
    size: number,
    firstId: number,
    memory: ResolvedMemory,
  ) {
    this.ring = ring;
    this.id = id;
    this.count = count;
    this.size = size;
    this.firstId = firstId;
    this.address = memory.address;
    this.bytes = memory.bytes;
    this.#owned = memory.owned;
    this.#keep = memory.keep;
    this.state = new Uint8Array(count);
    this.kernelOwned = count;
    ring.onClose(() => this.#onRingClose());
  }

  /** What the kernel calls this group in error messages. */
  protected abstract get label(): string;

  /** Buffers the kernel can pick right now. */
  get available(): number {
    return this.kernelOwned;
  }

  /** Whether the group has been unregistered (or its ring closed). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Throw if the group or its ring is closed, or an internal operation failed. */
  protected assertOpen(): void {
    if (this.closed) throw new TypeError(`${this.label} is closed`);
    if (this.ring.fd < 0) throw new TypeError("ring is closed");
    if (this.error) {
      const e = this.error;
      this.error = undefined;
      throw e;
    }
  }

  /** Index of buffer `bufferId` in the group, or throw. */
  protected index(bufferId: number): number {
    const i = bufferId - this.firstId;
    if (!Number.isInteger(bufferId) || i < 0 || i >= this.count) {
      throw new (typeof bufferId === "number" ? RangeError : TypeError)(
        `buffer id ${show(bufferId)} is not in ${this.label} (ids ${this.firstId}..${
          this.firstId + this.count - 1
        })`,
      );
    }
    return i;
  }

  #select(
    op: number,
    fd: number,
    addr: number,
    len: number,
    offset: number,
    opFlags: number,
    options?: OpOptions,
    keep?: unknown,
  ): number {
    this.assertOpen();
    const ring = this.ring;
    const at = ring.getSqe();
    sqe.prepRw(ring.sqes, at, op, fd, addr, len, offset);
    if (opFlags) sqe.setOpFlags(ring.sqes, at, opFlags); // msg_flags / rw_flags
    sqe.setBufGroup(ring.sqes, at, this.id); // IOSQE_BUFFER_SELECT comes with the flags below
    const ud = ring.track(at, options?.tag, (options?.flags ?? 0) | SqeFlag.BUFFER_SELECT, keep ?? this);
    this.armed.add(ring, ud);
    return ud;
  }

  /**
   * Queue a read (IORING_OP_READ, `IOSQE_BUFFER_SELECT`) of up to `length`
   * bytes from `fd` at `offset` (-1: the file position) into a buffer the
   * kernel picks from this group. The completion's flags name the buffer: pass
   * them to {@linkcode BufferGroup.take}.
   *
   * @returns the operation's user_data
   */
  read(fd: number, offset = -1, options?: SelectOptions): number {
    checkFd(fd, "read fd");
    checkOffset(offset, "read offset");
    checkSelect(options, "read");
    const len = options?.length ?? this.size;
    checkLength(len, "read");
    return this.#select(Op.READ, fd, 0, len, offset, 0, options);
  }

  /**
   * Queue a vectored read (IORING_OP_READV) with buffer selection: one iovec
   * whose length bounds the read, as the kernel requires.
   *
   * @returns the operation's user_data
   */
  readv(fd: number, offset = -1, options?: SelectOptions): number {
    checkFd(fd, "readv fd");
    checkOffset(offset, "readv offset");
    checkSelect(options, "readv");
    const len = options?.length ?? this.size;
    checkLength(len, "readv");
    const iov = new Uint32Array(4);
    iov[2] = len;
    return this.#select(Op.READV, fd, getNative().addressOf(iov), 1, offset, 0, options, [this, iov]);
  }

  /**
   * Queue a receive (IORING_OP_RECV) on socket `fd` into a buffer the kernel
   * picks when data arrives.
   *
   * @param msgFlags `MSG_*` flags of recv(2)
   * @returns the operation's user_data
   */
  recv(fd: number, msgFlags = 0, options?: SelectOptions): number {
    checkFd(fd, "recv fd");
    checkU32(msgFlags, "recv msgFlags (MSG_*)");
    checkSelect(options, "recv");
    const len = options?.length ?? this.size;
    checkLength(len, "recv");
    return this.#select(Op.RECV, fd, 0, len, 0, msgFlags, options);
  }

  /**
   * Turn a completion of one of this group's operations into the buffer it
   * filled. Returns undefined when the completion carries no buffer and did
   * not fail (it was not a buffer-selecting operation of this group).
   *
   * @param res the completion's result
   * @param flags the completion's flags
   * @param consumed incremental rings: bytes the kernel consumed from the
   *   buffer (default `res`; for regular files, which the kernel charges the
   *   length asked for, pass that length)
   * @throws {UringError} the operation failed (`ENOBUFS`: the group was empty);
   *   a buffer the failed operation held is recycled first
   */
  take(res: number, flags: number, consumed?: number): TakenBuffer | undefined {
    const bid = cqeBufferId(flags);
    if (bid < 0) {
      if (res < 0) throw this.failure(res);
      return undefined;
    }
    const taken = this.taken(bid, res < 0 ? 0 : res, flags, consumed ?? (res < 0 ? 0 : res));
    if (res < 0) {
      if (!taken.more) this.recycle(bid);
      throw this.failure(res);
    }
    return taken;
  }

  /** The error a failed buffer-selecting operation becomes. */
  protected failure(res: number): UringError {
    const hint = -res === Errno.ENOBUFS
      ? `${this.label} had no buffer left: recycle buffers (or provide more), then resubmit`
      : undefined;
    return new UringError(-res, `read/recv (${this.label})`, hint);
  }

  /** Record that buffer `bid` came back with `res` bytes. */
  protected abstract taken(bid: number, res: number, flags: number, consumed: number): TakenBuffer;

  /**
   * Give buffer `bufferId` back to the kernel.
   *
   * @throws {RangeError} the id is not in the group, or the kernel has it already
   */
  abstract recycle(bufferId: number): void;

  /**
   * The whole buffer `bufferId` (a view into the group's memory).
   *
   * @example
   * ```ts ignore
   * const b = group.buffer(3); // group.size bytes
   * ```
   */
  buffer(bufferId: number): Uint8Array {
    const i = this.index(bufferId);
    return this.bytes.subarray(i * this.size, (i + 1) * this.size);
  }

  /** Take buffer index `i` from the kernel's side to the caller's. */
  protected toCaller(i: number, bid: number): void {
    if (this.state[i] !== 0) {
      throw new RangeError(`buffer ${bid} of ${this.label} completed twice: the kernel was given it twice`);
    }
    this.state[i] = 1;
    this.kernelOwned--;
  }

  /** Move buffer index `i` from the caller to the kernel's side. */
  protected toKernel(i: number, bid: number): void {
    if (this.state[i] !== 1) {
      throw new RangeError(`buffer ${bid} of ${this.label} is already with the kernel (recycled twice?)`);
    }
    this.state[i] = 0;
    this.kernelOwned++;
  }

  /** Forget the group in the kernel (REMOVE_BUFFERS / UNREGISTER_PBUF_RING); returns completions reaped meanwhile. */
  protected abstract forget(out: Completion[]): boolean;

  /**
   * Unregister the group: operations still armed on it are cancelled and
   * waited for (their completions, and any other reaped meanwhile, are
   * returned, as {@linkcode Ring.close} does), the kernel forgets the group,
   * and memory the group allocated is released: at once if the application
   * holds no buffer, else once its views are unreachable (never under them);
   * and kept for good if the kernel did not let go within `graceMs`. Closing
   * the ring does the same for every group on it, once.
   *
   * @returns the completions reaped while waiting
   */
  close(graceMs = 5000): Completion[] {
    if (this.closed) return [];
    const out: Completion[] = [];
    if (this.ring.fd < 0) {
      this.#onRingClose();
      return out;
    }
    let clean = cancelAndWait(this.ring, this.armed.live(this.ring), graceMs, out);
    if (clean) clean = this.forget(out);
    this.closed = true;
    this.armed.clear();
    releaseGroup(this.ring, this.id, this);
    this.#release(!clean);
    return out;
  }

  /** Same as {@linkcode BufferGroup.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  #onRingClose(): void {
    if (this.closed) return;
    this.closed = true;
    // Ring.close cancelled and reaped everything it could; anything still in
    // flight means the kernel may write into the buffers: never free them.
    this.#release(this.ring.inFlight > 0);
    this.armed.clear();
  }

  /** Whether the application may hold views of buffer contents (a buffer taken and not recycled). */
  protected holdsViews(): boolean {
    return this.kernelOwned < this.count;
  }

  /** Extra cleanup of subclasses (unmapping a kernel-allocated ring). */
  protected releaseExtra(_leak: boolean): void {}

  #release(leak: boolean): void {
    this.releaseExtra(leak);
    if (leak) {
      keepForever(this.#owned ?? this.#keep);
    } else if (this.#owned && this.holdsViews()) {
      // The application still holds buffers (views into this memory): unmap
      // once nothing can reach them, not under its feet.
      HELD.register(this.bytes.buffer, this.#owned);
    } else {
      this.#owned?.[Symbol.dispose]();
    }
    this.#owned = undefined;
    this.#keep = undefined;
  }
}
