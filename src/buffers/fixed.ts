/**
 * Fixed (registered) buffers beyond `Ring.registerBuffers`: a table that can
 * start sparse (IORING_REGISTER_BUFFERS2 with IORING_RSRC_REGISTER_SPARSE,
 * 5.19), whose slots are replaced in place (IORING_REGISTER_BUFFERS_UPDATE,
 * 5.13), over arena slices or byte arrays; READ_FIXED / WRITE_FIXED into them.
 *
 * The table keeps every registered buffer referenced until the kernel lets go
 * of it: slots replaced while operations using them are in flight stay
 * referenced until those complete, and unregistering cancels operations still
 * armed and waits for them first.
 *
 * @module
 */
import { io_uring_rsrc_register, io_uring_rsrc_update2, iovec, Misc, Register } from "../abi/mod.ts";
import { PAGE_SIZE, type Slice } from "../memory/arena.ts";
import { UringError } from "../errors/uring_error.ts";
import { Errno } from "../errors/errno.ts";
import { memlockHint } from "../errors/hints.ts";
import { getNative } from "../runtime/_ffi.ts";
import type { Completion, IoBuffer, OpOptions, Ring } from "../ring/ring.ts";
import { putU64 } from "../ops/sqe.ts";
import { isDetached } from "../memory/detached.ts";
import { ArmedOps, cancelAndWait } from "./_group.ts";
import { keepForever } from "../memory/_keep.ts";
import { checkInt, checkOptions, checkU16, show, typeError } from "../ring/_args.ts";
import { Ring as RingClass } from "../ring/ring.ts";

function checkRing(ring: unknown, what: string): void {
  if (!(ring instanceof RingClass)) throw typeError(`${what}: ring`, "a Ring (Ring.create())", ring);
}

const REG = io_uring_rsrc_register, UPD = io_uring_rsrc_update2;
/**
 * `IORING_MAX_REG_BUFFERS`.
 *
 * @example
 * ```ts
 * import { MAX_FIXED_BUFFERS } from "@jsuring/jsuring";
 * console.log(MAX_FIXED_BUFFERS); // 16384
 * ```
 */
export const MAX_FIXED_BUFFERS = 16384;
/**
 * Largest registered buffer: 1 GiB (`SZ_1G` in io_buffer_validate).
 *
 * @example
 * ```ts
 * import { MAX_FIXED_BUFFER_SIZE } from "@jsuring/jsuring";
 * console.log(MAX_FIXED_BUFFER_SIZE); // 1 GiB
 * ```
 */
export const MAX_FIXED_BUFFER_SIZE = 1 << 30;

/**
 * A buffer for the table: an arena slice or any typed array / DataView.
 *
 * @example
 * ```ts
 * import { type FixedBuffer, FixedBuffers, Ring } from "@jsuring/jsuring";
 * using ring = Ring.create({ entries: 8 });
 * const buffers: FixedBuffer[] = [new Uint8Array(4096)];
 * using table = FixedBuffers.register(ring, buffers);
 * ```
 */
export type FixedBuffer = Slice | IoBuffer;

function toBytes(b: FixedBuffer, what: string): Uint8Array {
  if (ArrayBuffer.isView(b)) {
    if (isDetached(b)) throw new TypeError(`${what} is detached`);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }
  if (b && typeof b === "object" && (b as Slice).bytes instanceof Uint8Array) return (b as Slice).bytes;
  throw new TypeError(`${what} must be an arena Slice, a TypedArray or a DataView`);
}

function iovecs(
  buffers: readonly (FixedBuffer | null)[],
): { iov: Uint32Array; views: (Uint8Array | undefined)[] } {
  const native = getNative();
  const iov = new Uint32Array((buffers.length * iovec.size) / 4);
  const views = buffers.map((b, i) => {
    if (b === null) return undefined; // an empty slot: base 0, len 0
    const v = toBytes(b, `buffers[${i}]`);
    if (v.byteLength === 0 || v.byteLength > MAX_FIXED_BUFFER_SIZE) {
      throw new RangeError(
        `buffers[${i}] must be 1 byte to 1 GiB, got ${v.byteLength} (kernel: EFAULT/EINVAL)`,
      );
    }
    putU64(iov, i * 4, native.addressOf(v));
    putU64(iov, i * 4 + 2, v.byteLength);
    return v;
  });
  return { iov, views };
}

/**
 * Run a registration that pins `views`; its ENOMEM (RLIMIT_MEMLOCK) says how
 * many bytes the kernel was asked to pin: whole pages, as the kernel charges.
 */
function pinning(views: readonly (Uint8Array | undefined)[], register: () => void): void {
  try {
    register();
  } catch (e) {
    if (!(e instanceof UringError) || e.errno !== Errno.ENOMEM) throw e;
    const native = getNative();
    let bytes = 0;
    for (const v of views) {
      if (!v) continue;
      const start = native.addressOf(v);
      bytes += (Math.ceil((start + v.byteLength) / PAGE_SIZE) - Math.floor(start / PAGE_SIZE)) * PAGE_SIZE;
    }
    throw new UringError(e.errno, e.op, memlockHint(bytes), { cause: e });
  }
}

/**
 * A ring's table of registered buffers.
 *
 * @example
 * ```ts
 * import { Arena, FixedBuffers, Ring } from "@jsuring/jsuring";
 * import { openSync } from "node:fs";
 * using ring = Ring.create();
 * using arena = Arena.create({ size: 1 << 20 });
 * using table = FixedBuffers.sparse(ring, 8);
 * table.update(0, [arena.alloc(65536)]);
 * const fd = openSync("/etc/os-release", "r");
 * table.read(fd, 0, 0, { length: 4096 });
 * ring.submitAndWait(1);
 * ring.reap((res) => console.log(res, "bytes into slot 0"));
 * ```
 */
export class FixedBuffers implements Disposable {
  /** The ring. */
  readonly ring: Ring;
  /** Number of slots. */
  readonly slots: number;
  #views: (Uint8Array | undefined)[];
  #armed = new ArmedOps();
  #retired: { views: unknown; uds: number[] }[] = [];
  #closed = false;

  private constructor(ring: Ring, slots: number, views: (Uint8Array | undefined)[]) {
    this.ring = ring;
    this.slots = slots;
    this.#views = views;
    ring.onClose(() => this.#onRingClose());
  }

  /**
   * Register `buffers` (IORING_REGISTER_BUFFERS2, 5.13); `null` leaves a slot empty.
   *
   * @throws {RangeError|TypeError} bad buffers, before the kernel
   * @throws {UringError} EBUSY: the ring already has a buffer table; ENOMEM: memlock
   *
   * @example
   * ```ts
   * import { FixedBuffers, Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * using table = FixedBuffers.register(ring, [new Uint8Array(4096), null]);
   * console.log(table.slots); // 2
   * ```
   */
  static register(ring: Ring, buffers: readonly (FixedBuffer | null)[]): FixedBuffers {
    checkRing(ring, "FixedBuffers.register");
    if (!Array.isArray(buffers)) {
      throw typeError("FixedBuffers.register: buffers", "an array of buffers (null: an empty slot)", buffers);
    }
    if (buffers.length < 1 || buffers.length > MAX_FIXED_BUFFERS) {
      throw new RangeError(
        `FixedBuffers.register: buffers must hold 1..${MAX_FIXED_BUFFERS} entries, got ${show(buffers)}`,
      );
    }
    const { iov, views } = iovecs(buffers);
    const arg = new Uint32Array(REG.size / 4);
    arg[REG.fields.nr[0] >> 2] = buffers.length;
    putU64(arg, REG.fields.data[0] >> 2, getNative().addressOf(iov));
    pinning(views, () => ring.register(Register.REGISTER_BUFFERS2, arg, REG.size, "BUFFERS2"));
    return new FixedBuffers(ring, buffers.length, views);
  }

  /**
   * Register an empty table of `slots` (sparse, 5.19), to fill with {@linkcode FixedBuffers.update}.
   *
   * @example
   * ```ts
   * import { FixedBuffers, Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * using table = FixedBuffers.sparse(ring, 1024);
   * console.log(table.buffer(0)); // undefined
   * ```
   */
  static sparse(ring: Ring, slots: number): FixedBuffers {
    checkRing(ring, "FixedBuffers.sparse");
    checkInt(slots, "FixedBuffers.sparse: slots", 1, MAX_FIXED_BUFFERS);
    const arg = new Uint32Array(REG.size / 4);
    arg[REG.fields.nr[0] >> 2] = slots;
    arg[REG.fields.flags[0] >> 2] = Misc.RSRC_REGISTER_SPARSE;
    ring.register(Register.REGISTER_BUFFERS2, arg, REG.size, "BUFFERS2 (sparse)");
    return new FixedBuffers(ring, slots, new Array(slots).fill(undefined));
  }

  /**
   * Replace slots `index …` with `buffers` (IORING_REGISTER_BUFFERS_UPDATE,
   * 5.13); `null` empties a slot. Buffers replaced stay referenced while
   * operations queued before the update may still use them.
   *
   * @example
   * ```ts
   * import { FixedBuffers, Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * using table = FixedBuffers.sparse(ring, 4);
   * table.update(2, [new Uint8Array(8192), new Uint8Array(4096)]);
   * console.log(table.buffer(3)?.length); // 4096
   * ```
   */
  update(index: number, buffers: readonly (FixedBuffer | null)[]): void {
    this.#assertOpen();
    checkInt(index, "update: index", 0, this.slots - 1);
    if (!Array.isArray(buffers)) {
      throw typeError("update: buffers", "an array of buffers (null: empty)", buffers);
    }
    if (index + buffers.length > this.slots) {
      throw new RangeError(
        `slots ${index}..${index + buffers.length - 1} are outside the table of ${this.slots}`,
      );
    }
    const { iov, views } = iovecs(buffers);
    const arg = new Uint32Array(UPD.size / 4);
    arg[UPD.fields.offset[0] >> 2] = index;
    putU64(arg, UPD.fields.data[0] >> 2, getNative().addressOf(iov));
    arg[UPD.fields.nr[0] >> 2] = buffers.length;
    pinning(
      views,
      () => this.ring.register(Register.REGISTER_BUFFERS_UPDATE, arg, UPD.size, "BUFFERS_UPDATE"),
    );
    const old = this.#views.slice(index, index + buffers.length);
    const live = this.#armed.live(this.ring);
    if (live.length) this.#retired.push({ views: old, uds: live });
    this.#retired = this.#retired.filter((r) => r.uds.some((ud) => this.ring.isInFlight(ud)));
    for (let i = 0; i < views.length; i++) this.#views[index + i] = views[i];
  }

  /**
   * The buffer in slot `index` (undefined when empty).
   *
   * @example
   * ```ts
   * import { FixedBuffers, Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * using table = FixedBuffers.register(ring, [new Uint8Array(16)]);
   * console.log(table.buffer(0)?.length); // 16
   * ```
   */
  buffer(index: number): Uint8Array | undefined {
    checkU16(index, "buffer: index");
    return this.#views[index];
  }

  #rw(write: boolean, fd: number, index: number, offset: number, options?: FixedOptions): number {
    checkOptions(options, write ? "write options" : "read options", ["tag", "flags", "at", "length"]);
    checkU16(index, "fixed buffer index");
    this.#assertOpen();
    const view = this.#views[index];
    if (!view) {
      throw new RangeError(`fixed buffer slot ${index} is empty or outside the table of ${this.slots}`);
    }
    const what = write ? "write options" : "read options";
    const at = checkInt(options?.at ?? 0, `${what}.at`, 0, view.byteLength);
    const length = checkInt(options?.length ?? view.byteLength - at, `${what}.length`, 0, view.byteLength);
    if (
      !Number.isInteger(at) || !Number.isInteger(length) || at < 0 || length < 0 ||
      at + length > view.byteLength
    ) {
      throw new RangeError(
        `bytes ${at}..${at + length} are outside slot ${index} (${view.byteLength} bytes)`,
      );
    }
    const part = view.subarray(at, at + length);
    const op = options && { tag: options.tag, flags: options.flags };
    const ud = write
      ? this.ring.writeFixed(fd, part, offset, index, op)
      : this.ring.readFixed(fd, part, offset, index, op);
    this.#armed.add(this.ring, ud);
    return ud;
  }

  /**
   * Queue a READ_FIXED into slot `index` (bytes `at … at+length` of it).
   *
   * @returns the operation's user_data
   *
   * @example
   * ```ts ignore
   * table.read(fd, 0, fileOffset, { length: 65536 });
   * ```
   */
  read(fd: number, index: number, offset: number, options?: FixedOptions): number {
    return this.#rw(false, fd, index, offset, options);
  }

  /**
   * Queue a WRITE_FIXED from slot `index`.
   *
   * @returns the operation's user_data
   *
   * @example
   * ```ts ignore
   * table.write(fd, 0, -1, { length: 100 });
   * ```
   */
  write(fd: number, index: number, offset: number, options?: FixedOptions): number {
    return this.#rw(true, fd, index, offset, options);
  }

  #assertOpen(): void {
    if (this.#closed) throw new TypeError("fixed buffer table is unregistered");
    if (this.ring.fd < 0) throw new TypeError("ring is closed");
  }

  /**
   * Unregister the table: operations still using it are cancelled and waited
   * for first; returns the completions reaped meanwhile.
   *
   * @example
   * ```ts
   * import { FixedBuffers, Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const table = FixedBuffers.register(ring, [new Uint8Array(16)]);
   * table.unregister();
   * ```
   */
  unregister(graceMs = 5000): Completion[] {
    if (this.#closed) return [];
    const out: Completion[] = [];
    if (this.ring.fd < 0) {
      this.#onRingClose();
      return out;
    }
    const clean = cancelAndWait(this.ring, this.#armed.live(this.ring), graceMs, out);
    this.ring.register(Register.UNREGISTER_BUFFERS, null, 0, "UNREGISTER_BUFFERS");
    this.#closed = true;
    if (!clean) keepForever([this.#views, this.#retired]);
    this.#views = [];
    this.#retired = [];
    return out;
  }

  /** Same as {@linkcode FixedBuffers.unregister}. */
  [Symbol.dispose](): void {
    this.unregister();
  }

  #onRingClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.ring.inFlight > 0) keepForever([this.#views, this.#retired]);
    this.#views = [];
    this.#retired = [];
  }
}

/**
 * Options of {@linkcode FixedBuffers.read} / {@linkcode FixedBuffers.write}.
 *
 * @example
 * ```ts
 * import { type FixedOptions, FixedBuffers, Ring } from "@jsuring/jsuring";
 * using ring = Ring.create({ entries: 8 });
 * using table = FixedBuffers.register(ring, [new Uint8Array(4096)]);
 * const options: FixedOptions = { at: 0, length: 512 };
 * table.read(0, 0, 0, options);
 * ```
 */
export interface FixedOptions extends OpOptions {
  /** Byte offset inside the slot's buffer (default 0). */
  at?: number;
  /** Bytes (default: the rest of the slot's buffer). */
  length?: number;
}
