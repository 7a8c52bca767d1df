/**
 * Buffer rings (IORING_REGISTER_PBUF_RING, Linux 5.19): the kernel picks
 * buffers from a ring of `struct io_uring_buf` descriptors in shared memory;
 * the application adds buffers by writing descriptors and publishing the ring
 * tail (a u16 at byte 14, stored with release order) once per batch. No SQE,
 * no system call per recycled buffer.
 *
 * The descriptor ring can live in any page-aligned memory the caller gives
 * (an arena slice, a piece of the param region, the ring's own hugepage), in
 * an arena the group makes, or in kernel memory the application maps
 * (`IOU_PBUF_RING_MMAP`, 6.4: mmap of the ring fd at
 * `IORING_OFF_PBUF_RING | bgid << IORING_OFF_PBUF_SHIFT`).
 *
 * Incremental rings (`IOU_PBUF_RING_INC`, 6.12): the kernel consumes a buffer
 * piece by piece, advancing the descriptor's addr/len in place, and marks
 * completions that leave some of it for later with `IORING_CQE_F_BUF_MORE`.
 * The group tracks how much of each buffer was consumed, so every completion
 * gets exactly its bytes. The kernel charges a regular file's read the length
 * asked for (it commits at selection) and a socket's or pipe's the bytes
 * received: pass the asked length to `take` for files.
 *
 * Kernel rules checked before the call: entries a power of two up to 32768
 * (the u16 head/tail cannot tell 65536 full from empty), user ring memory
 * page aligned, no ring and legacy group sharing an id.
 *
 * @module
 */
import { keepForever } from "../memory/_keep.ts";
import { io_uring_buf_reg, io_uring_buf_status, MmapOffset, PbufFlag, Register } from "../abi/mod.ts";
import { type MemoryRequest, PAGE_SIZE } from "../memory/arena.ts";
import { getNative } from "../runtime/_ffi.ts";
import { libjsuring } from "../runtime/libs.ts";
import { UringError } from "../errors/uring_error.ts";
import { kernelAtLeast, memlockHint } from "../errors/hints.ts";
import type { Completion, Ring } from "../ring/ring.ts";
import { checkInt, show, typeError } from "../ring/_args.ts";

const KEYS = [
  "group",
  "size",
  "count",
  "entries",
  "firstId",
  "incremental",
  "ringMemory",
  "memory",
  "hugepages",
];
import { ParamRegion } from "../region/region.ts";
import { putU64 } from "../ops/sqe.ts";
import {
  assertGroupFree,
  BufferGroup,
  type BufferMemory,
  checkGroupOptions,
  claimGroup,
  releaseGroup,
  resolveMemory,
  type TakenBuffer,
} from "./_group.ts";
import { CqeFlag } from "../abi/flags.ts";

/**
 * Largest buffer ring: the kernel needs entries < 65536, a power of two.
 *
 * @example
 * ```ts
 * import { MAX_RING_ENTRIES } from "@jsuring/jsuring";
 * console.log(MAX_RING_ENTRIES); // 32768
 * ```
 */
export const MAX_RING_ENTRIES = 32768;

/**
 * Bytes of one `struct io_uring_buf` descriptor.
 *
 * @example
 * ```ts
 * import { BUF_DESC_SIZE } from "@jsuring/jsuring";
 * console.log(BUF_DESC_SIZE); // 16: one struct io_uring_buf
 * ```
 */
export const BUF_DESC_SIZE = 16;

/**
 * Memory for the descriptor ring: an address and size (a `Slice` fits), page aligned.
 *
 * @example
 * ```ts
 * import type { RingMemoryArea } from "@jsuring/jsuring";
 * const area: RingMemoryArea = { address: 0, size: 0 };
 * ```
 */
export interface RingMemoryArea {
  /** Native address, a multiple of 4096. */
  readonly address: number;
  /** Bytes available, at least `entries × 16`. */
  readonly size: number;
  /** A view of it (made from the address when absent). */
  readonly bytes?: Uint8Array;
}

/**
 * Options of {@linkcode BufferRing.create}.
 *
 * @example
 * ```ts
 * import { BufferRing, type BufferRingOptions, Ring } from "@jsuring/jsuring";
 * using ring = Ring.create({ entries: 8 });
 * const options: BufferRingOptions = { group: 1, entries: 8, size: 4096 };
 * using group = BufferRing.create(ring, options);
 * ```
 */
export interface BufferRingOptions {
  /** Buffer group id, 0..65535. */
  group: number;
  /** Bytes per buffer, 1..2^32-1. */
  size: number;
  /** Number of buffers (default `entries`). */
  count?: number;
  /** Ring entries, a power of two up to 32768 (default: `count` rounded up to one). */
  entries?: number;
  /** Id of the first buffer (default 0). */
  firstId?: number;
  /** `IOU_PBUF_RING_INC` (6.12): buffers consumed piecewise. */
  incremental?: boolean;
  /**
   * Where the descriptors live: `"kernel"` (`IOU_PBUF_RING_MMAP`, 6.4, the
   * kernel allocates, jsuring maps it), or caller memory (page aligned).
   * Default: the start of the group's own arena.
   */
  ringMemory?: "kernel" | RingMemoryArea;
  /** Where the buffers live (default: a new arena, hugepages where available). */
  memory?: BufferMemory;
  /** Kind of memory for an arena the group creates (default `"auto"`). */
  hugepages?: MemoryRequest;
}

/**
 * A provided-buffer ring registered on a ring.
 *
 * @example
 * ```ts
 * import { BufferRing, Ring } from "@jsuring/jsuring";
 * import { openSync } from "node:fs";
 * using ring = Ring.create({ entries: 16 });
 * using br = BufferRing.create(ring, { group: 1, entries: 8, size: 4096 });
 * const fd = openSync("/etc/os-release", "r");
 * br.read(fd, 0);
 * ring.submitAndWait(1);
 * ring.reap((res, flags) => {
 *   const buf = br.take(res, flags)!;
 *   console.log(buf.id, buf.bytes.length);
 *   br.recycle(buf.id); // one descriptor write and a tail store: no syscall
 * });
 * ```
 */
export class BufferRing extends BufferGroup {
  /** Ring entries (a power of two). */
  readonly entries: number;
  /** Whether buffers are consumed incrementally (`IOU_PBUF_RING_INC`). */
  readonly incremental: boolean;
  /** Where the descriptors live. */
  readonly ringMemory: "user" | "kernel";
  /** Native address of the descriptor ring. */
  readonly ringAddress: number;

  #u32: Uint32Array;
  #u16: Uint16Array;
  #mask: number;
  #tail = 0; // local tail (16-bit wrap applied at publish)
  #published = 0;
  #consumed: Uint32Array; // incremental: bytes consumed per buffer
  #unmap: (() => void) | undefined;

  private constructor(
    ring: Ring,
    options: BufferRingOptions,
    entries: number,
    count: number,
    firstId: number,
    memory: ReturnType<typeof resolveMemory>,
    ringAddr: number,
    ringBytes: number,
    kernelRing: boolean,
  ) {
    super(ring, options.group, count, options.size, firstId, memory);
    this.entries = entries;
    this.incremental = options.incremental ?? false;
    this.ringMemory = kernelRing ? "kernel" : "user";
    this.#mask = entries - 1;
    this.#consumed = new Uint32Array(count);
    claimGroup(ring, this.id, this);

    // Register first (kernel memory exists only after), then write descriptors.
    const reg = new Uint32Array(io_uring_buf_reg.size / 4);
    putU64(reg, 0, kernelRing ? 0 : ringAddr);
    reg[2] = entries;
    reg[3] = this.id | ((kernelRing ? PbufFlag.MMAP : 0) | (this.incremental ? PbufFlag.INC : 0)) << 16;
    try {
      ring.register(Register.REGISTER_PBUF_RING, reg, 1, `PBUF_RING group ${this.id}`);
    } catch (e) {
      releaseGroup(ring, this.id, this);
      this.closed = true;
      throw e instanceof UringError ? withRingHint(e, this.incremental, kernelRing, ringBytes) : e;
    }
    if (kernelRing) {
      const out = new BigUint64Array(1);
      const off = MmapOffset.PBUF_RING + this.id * 2 ** MmapOffset.PBUF_SHIFT;
      const ret = libjsuring().jsu_mmap_fd(ring.fd, off, ringBytes, out);
      if (ret < 0) {
        this.#unregister();
        releaseGroup(ring, this.id, this);
        this.closed = true;
        throw new UringError(-ret, `mmap(IORING_OFF_PBUF_RING group ${this.id})`);
      }
      ringAddr = Number(out[0]);
      this.#unmap = () => libjsuring().jsu_free(ringAddr, ringBytes);
    }
    this.ringAddress = ringAddr;
    const view = options.ringMemory && options.ringMemory !== "kernel" && options.ringMemory.bytes
      ? options.ringMemory.bytes
      : new Uint8Array(getNative().view(ringAddr, ringBytes));
    this.#u32 = new Uint32Array(view.buffer, view.byteOffset, entries * 4);
    this.#u16 = new Uint16Array(view.buffer, view.byteOffset, entries * 8);
    // Caller memory may hold anything: the kernel's head is 0, so the tail must be too.
    Atomics.store(this.#u16, 7, 0);
    for (let i = 0; i < count; i++) this.#add(i);
    this.publish();
  }

  /**
   * Register a buffer ring and add all its buffers (one tail publish).
   *
   * @throws {RangeError} entries not a power of two up to 32768, more buffers
   *   than entries, ring memory not page aligned or too small, a group id in use
   * @throws {UringError} the kernel refused (EINVAL on kernels without the
   *   feature asked for: INC needs 6.12, kernel-mapped rings 6.4)
   *
   * @example
   * ```ts
   * import { BufferRing, Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * using br = BufferRing.create(ring, { group: 2, entries: 64, size: 65536, ringMemory: "kernel" });
   * console.log(br.available); // 64
   * ```
   */
  static create(ring: Ring, options: BufferRingOptions): BufferRing {
    checkGroupOptions(ring, options, "BufferRing.create", KEYS, ["incremental"]);
    const size = checkInt(options.size, "BufferRing.create options.size (bytes per buffer)", 1, 0xffffffff);
    const entries = options.entries ?? nextPow2(options.count ?? 0);
    if (
      !Number.isInteger(entries) || entries < 1 || entries > MAX_RING_ENTRIES || (entries & (entries - 1))
    ) {
      throw new RangeError(
        `BufferRing.create options.entries must be a power of two, 1..32768, got ${
          show(entries)
        } (kernel: EINVAL)`,
      );
    }
    const count = checkInt(
      options.count ?? entries,
      `BufferRing.create options.count (1..entries)`,
      1,
      entries,
    );
    const firstId = checkInt(options.firstId ?? 0, "BufferRing.create options.firstId", 0, 0xffff);
    if (firstId + count > 65536) {
      throw new RangeError(`buffer ids ${firstId}..${firstId + count - 1} must lie in 0..65535`);
    }
    assertGroupFree(ring, options.group);
    if (ring.fd < 0) throw new TypeError("ring is closed");
    if (options.incremental && !kernelAtLeast("6.12")) {
      throw new UringError(
        22,
        "REGISTER_PBUF_RING",
        "incremental buffer rings (IOU_PBUF_RING_INC) need Linux 6.12",
      );
    }
    const descBytes = entries * BUF_DESC_SIZE;
    const ringBytes = Math.ceil(descBytes / PAGE_SIZE) * PAGE_SIZE;
    const where = options.ringMemory;
    let ringAddr = 0;
    let memory: ReturnType<typeof resolveMemory>;
    const what = `buffer ring ${options.group}`;
    if (where === "kernel") {
      memory = resolveMemory(options.memory, count * size, options.hugepages, what);
    } else if (where !== undefined) {
      if (
        typeof where !== "object" || !Number.isSafeInteger(where.address) || !Number.isSafeInteger(where.size)
      ) {
        throw new TypeError(`ringMemory must be "kernel" or { address, size } (an arena Slice)`);
      }
      if (where.address % PAGE_SIZE !== 0) {
        throw new RangeError(
          `buffer ring memory must be page aligned (4096), got 0x${
            where.address.toString(16)
          } (kernel: EINVAL)`,
        );
      }
      if (where.size < descBytes) {
        throw new RangeError(
          `a ${entries}-entry buffer ring needs ${descBytes} bytes, the memory given has ${where.size}`,
        );
      }
      ringAddr = where.address;
      memory = resolveMemory(options.memory, count * size, options.hugepages, what);
    } else if (options.memory !== undefined) {
      // Buffers where the caller says, descriptors in a small arena of our own.
      const rmem = resolveMemory(undefined, ringBytes, "pages", what);
      const bufs = resolveMemory(options.memory, count * size, undefined, what);
      ringAddr = rmem.address;
      memory = { ...bufs, owned: rmem.owned, keep: [bufs.keep, rmem.owned] };
    } else {
      // One arena: descriptors in the first page(s), buffers after.
      const all = resolveMemory(undefined, ringBytes + count * size, options.hugepages, what);
      ringAddr = all.address;
      memory = {
        address: all.address + ringBytes,
        bytes: all.bytes.subarray(ringBytes, ringBytes + count * size),
        owned: all.owned,
        keep: all.keep,
      };
    }
    try {
      return new BufferRing(
        ring,
        options,
        entries,
        count,
        firstId,
        memory,
        ringAddr,
        ringBytes,
        where === "kernel",
      );
    } catch (e) {
      memory.owned?.[Symbol.dispose]();
      throw e;
    }
  }

  /** The group's name in messages. */
  protected get label(): string {
    return `buffer ring ${this.id}`;
  }
  /**
   * Register a buffer ring whose descriptors live inside the ring's param
   * region (what the region seed calls `create_pbuf_ring(ring, region,
   * offset)`, done from user space): a page-aligned slice named
   * `jsuring.pbuf.<group>` is carved at `offset` (default: the first free
   * page) and the ring registered over it. The kernel pins the same pages
   * twice; both registrations end when the ring closes.
   *
   * @throws {RangeError} no room, or `offset` not page aligned or overlapping a slice
   *
   * @example
   * ```ts
   * import { BufferRing, createRingWithRegion } from "@jsuring/jsuring";
   * using r = createRingWithRegion({ entries: 16, region: { size: 2 * 4096 } });
   * const a = BufferRing.inRegion(r.region!, { group: 1, entries: 8, size: 4096, offset: 0 });
   * const b = BufferRing.inRegion(r.region!, { group: 2, entries: 8, size: 4096, offset: 4096 });
   * console.log(b.ringAddress - a.ringAddress); // 4096
   * ```
   */
  static inRegion(
    region: ParamRegion,
    options: Omit<BufferRingOptions, "ringMemory"> & { offset?: number },
  ): BufferRing {
    if (!(region instanceof ParamRegion)) {
      throw typeError("BufferRing.inRegion: region", "a ParamRegion (ParamRegion.register(ring))", region);
    }
    checkGroupOptions(
      region.ring,
      options,
      "BufferRing.inRegion",
      [...KEYS.filter((k) => k !== "ringMemory"), "offset"],
      ["incremental"],
    );
    const { offset, ...rest } = options;
    const entries = rest.entries ?? nextPow2(rest.count ?? 0);
    if (
      !Number.isInteger(entries) || entries < 1 || entries > MAX_RING_ENTRIES || (entries & (entries - 1))
    ) {
      throw new RangeError(
        `BufferRing.inRegion options.entries must be a power of two, 1..32768, got ${
          show(entries)
        } (kernel: EINVAL)`,
      );
    }
    if (
      offset !== undefined &&
      (checkInt(offset, "BufferRing.inRegion options.offset", 0, 2 ** 53 - 1) % PAGE_SIZE)
    ) {
      throw new RangeError(
        `BufferRing.inRegion options.offset must be page aligned (4096), got ${show(offset)}`,
      );
    }
    assertGroupFree(region.ring, rest.group);
    const bytes = Math.ceil((entries * BUF_DESC_SIZE) / PAGE_SIZE) * PAGE_SIZE;
    const slice = region.slice(`jsuring.pbuf.${rest.group}`, bytes, PAGE_SIZE, offset);
    return BufferRing.create(region.ring, { ...rest, entries, ringMemory: slice });
  }

  /** Write buffer index `i`'s descriptor at the local tail. */
  #add(i: number): void {
    const slot = this.#tail & this.#mask;
    const w = slot * 4;
    const addr = this.address + i * this.size;
    this.#u32[w] = addr >>> 0;
    this.#u32[w + 1] = (addr / 4294967296) >>> 0;
    this.#u32[w + 2] = this.size;
    this.#u16[slot * 8 + 6] = this.firstId + i; // bid; the u16 after it is the tail (entry 0)
    this.#tail = (this.#tail + 1) & 0xffff;
    this.#consumed[i] = 0;
  }

  /**
   * Publish descriptors added since the last publish: one release store of the
   * ring tail. {@linkcode BufferRing.recycle} publishes unless told not to;
   * batch with `recycle(id, false)` … `publish()`.
   *
   * @example
   * ```ts ignore
   * for (const id of done) br.recycle(id, false);
   * br.publish();
   * ```
   */
  publish(): void {
    if (this.#published !== this.#tail) {
      Atomics.store(this.#u16, 7, this.#tail);
      this.#published = this.#tail;
    }
  }

  /** Descriptors added and not yet published. */
  get unpublished(): number {
    return (this.#tail - this.#published) & 0xffff;
  }

  /**
   * Give buffer `bufferId` back: write its descriptor (whole buffer again) at
   * the tail and, unless `publish` is false, publish.
   *
   * @throws {RangeError} not an id of this group, or the kernel has it already
   *
   * @example
   * ```ts ignore
   * br.recycle(buf.id);
   * ```
   */
  recycle(bufferId: number, publish = true): void {
    if (this.closed) throw new TypeError(`${this.label} is closed`);
    const i = this.index(bufferId);
    this.toKernel(i, bufferId);
    this.#add(i);
    if (publish) this.publish();
  }

  /** Record that buffer `bid` came back with `res` bytes. */
  protected taken(bid: number, res: number, flags: number, consumed: number): TakenBuffer {
    const i = this.index(bid);
    const base = i * this.size;
    if (!this.incremental) {
      this.toCaller(i, bid);
      return { id: bid, bytes: this.bytes.subarray(base, base + res), offset: 0, more: false };
    }
    const offset = this.#consumed[i];
    const more = (flags & CqeFlag.F_BUF_MORE) !== 0;
    if (offset + res > this.size) {
      throw new RangeError(
        `${this.label}: buffer ${bid} overrun (${offset} + ${res} > ${this.size}): pass the consumed length to take()`,
      );
    }
    this.#consumed[i] = Math.min(this.size, offset + consumed);
    if (!more) this.toCaller(i, bid);
    return { id: bid, bytes: this.bytes.subarray(base + offset, base + offset + res), offset, more };
  }

  /**
   * The kernel's head (IORING_REGISTER_PBUF_STATUS, 6.8): how many
   * descriptors it has consumed, mod 65536. Not visible in user ring memory.
   *
   * @example
   * ```ts ignore
   * console.log(br.kernelHead());
   * ```
   */
  kernelHead(): number {
    this.assertOpen();
    const f = io_uring_buf_status.fields;
    const arg = new Uint32Array(io_uring_buf_status.size / 4);
    arg[f.buf_group[0] >> 2] = this.id;
    this.ring.register(Register.REGISTER_PBUF_STATUS, arg, 1, `PBUF_STATUS group ${this.id}`);
    return arg[f.head[0] >> 2];
  }

  #unregister(): void {
    const reg = new Uint32Array(io_uring_buf_reg.size / 4);
    reg[3] = this.id;
    this.ring.register(Register.UNREGISTER_PBUF_RING, reg, 1, `UNREGISTER_PBUF_RING group ${this.id}`);
  }

  /** Make the kernel forget the group. */
  protected forget(_out: Completion[]): boolean {
    this.#unregister();
    return true;
  }

  /** Taken buffers, or incremental buffers partly consumed, leave views with the application. */
  protected override holdsViews(): boolean {
    return super.holdsViews() || (this.incremental && this.#consumed.some((c) => c > 0));
  }

  /** Unmap a kernel-allocated descriptor ring (or keep it, if leaking). */
  protected override releaseExtra(leak: boolean): void {
    if (leak) {
      if (this.#unmap) keepForever(this.#unmap);
    } else {
      this.#unmap?.();
    }
    this.#unmap = undefined;
  }
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

function withRingHint(
  e: UringError,
  incremental: boolean,
  kernelRing: boolean,
  ringBytes: number,
): UringError {
  // The kernel pins (user memory) or allocates the descriptor pages, charged to RLIMIT_MEMLOCK: say how many.
  if (e.code === "ENOMEM") return new UringError(e.errno, e.op, memlockHint(ringBytes), { cause: e });
  if (e.code !== "EINVAL") return e;
  const needs = [
    !kernelAtLeast("5.19") && "buffer rings need Linux 5.19",
    kernelRing && !kernelAtLeast("6.4") &&
    "kernel-allocated buffer rings (IOU_PBUF_RING_MMAP) need Linux 6.4",
    incremental && !kernelAtLeast("6.12") && "incremental buffer rings need Linux 6.12",
  ].filter(Boolean);
  return needs.length ? new UringError(e.errno, e.op, needs.join("; "), { cause: e }) : e;
}
