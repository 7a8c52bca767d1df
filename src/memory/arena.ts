/**
 * Arena: one block of application-owned memory for rings, SQEs, regions and
 * buffers, carved into aligned slices. Backed by hugetlb pages when reserved,
 * else transparent hugepages, else ordinary pages, and it says which it got.
 * Memory is zeroed and never moves; it is unmapped once the arena is disposed
 * and the last ring using it has closed (the kernel may still hold pins until
 * then).
 *
 * @module
 */
import { libjsuring } from "../runtime/libs.ts";
import { getNative } from "../runtime/_ffi.ts";
import { UringError } from "../errors/uring_error.ts";
import { hugepageHint, hugepageShortage } from "../errors/hints.ts";
import { Errno } from "../errors/errno.ts";
import { checkOptions, show } from "../ring/_args.ts";
import { markOwned } from "./_pin.ts";

/**
 * What backs an arena.
 *
 * @example
 * ```ts
 * import { type MemoryKind, Ring } from "@jsuring/jsuring";
 * using ring = Ring.create({ entries: 8 });
 * const kind: MemoryKind = ring.memoryKind; // "hugetlb", "thp" or "pages"
 * ```
 */
export type MemoryKind = "hugetlb" | "thp" | "pages";

/**
 * What to ask for: `"auto"` takes the best available.
 *
 * @example
 * ```ts
 * import { Arena, type MemoryRequest } from "@jsuring/jsuring";
 * const memory: MemoryRequest = "auto"; // hugetlb, else THP, else pages
 * using arena = Arena.create({ memory });
 * ```
 */
export type MemoryRequest = "auto" | MemoryKind;

/**
 * Options of {@linkcode Arena.create}.
 *
 * @example
 * ```ts
 * import { Arena, type ArenaOptions } from "@jsuring/jsuring";
 * const options: ArenaOptions = { size: 65536, memory: "pages" };
 * using arena = Arena.create(options);
 * ```
 */
export interface ArenaOptions {
  /** Bytes wanted; rounded up to the page size of what backs it. Default 2 MiB. */
  size?: number;
  /** Which memory; default `"auto"` (hugetlb → thp → pages). */
  memory?: MemoryRequest;
}

/**
 * A piece of an arena.
 *
 * @example
 * ```ts
 * import { Arena, type Slice } from "@jsuring/jsuring";
 * using arena = Arena.create({ size: 65536, memory: "pages" });
 * const slice: Slice = arena.alloc(4096);
 * slice.bytes.fill(1);
 * ```
 */
export interface Slice {
  /** The arena it belongs to. */
  readonly arena: Arena;
  /** Byte offset in the arena. */
  readonly offset: number;
  /** Native address of the first byte. */
  readonly address: number;
  /** Length in bytes. */
  readonly size: number;
  /** A view of the slice. */
  readonly bytes: Uint8Array;
}

const MODE: Record<MemoryRequest, number> = { auto: 0, hugetlb: 1, thp: 2, pages: 3 };
const KIND: Record<number, MemoryKind> = { 1: "hugetlb", 2: "thp", 3: "pages" };

let make: (address: number, size: number, kind: MemoryKind, pageSize: number, fallback?: string) => Arena;

/**
 * 4 KiB: the kernel's page size on x86-64, the alignment of ring memory.
 *
 * @example
 * ```ts
 * import { Arena, PAGE_SIZE } from "@jsuring/jsuring";
 * using arena = Arena.create({ size: 4 * PAGE_SIZE, memory: "pages" });
 * const page = arena.alloc(PAGE_SIZE, PAGE_SIZE);
 * ```
 */
export const PAGE_SIZE = 4096;

/**
 * Application-owned memory for io_uring, carved into slices.
 *
 * @example
 * ```ts
 * import { Arena } from "@jsuring/jsuring";
 * using arena = Arena.create({ size: 2 << 20 });
 * console.log(arena.kind); // "hugetlb", "thp" or "pages"
 * const s = arena.alloc(4096);
 * s.bytes[0] = 1;
 * ```
 */
export class Arena {
  /** Native address of the arena's first byte (page aligned). */
  readonly address: number;
  /** Mapped length in bytes. */
  readonly size: number;
  /** What backs it. */
  readonly kind: MemoryKind;
  /** The page size of what backs it (2 MiB for hugepages). */
  readonly pageSize: number;
  /** A view of the whole arena. */
  readonly bytes: Uint8Array;
  /**
   * Why an `"auto"` arena got less than a hugetlb page (what was unavailable,
   * and what would give it); undefined when it got what was asked for.
   */
  readonly fallback: string | undefined;
  #used = 0;
  #users = 0;
  #disposed = false;
  #freed = false;

  private constructor(
    address: number,
    size: number,
    kind: MemoryKind,
    pageSize: number,
    fallback: string | undefined,
  ) {
    this.fallback = fallback;
    this.address = address;
    this.size = size;
    this.kind = kind;
    this.pageSize = pageSize;
    this.bytes = new Uint8Array(getNative().view(address, size));
    // I/O into views of this memory is zero-copy (src/memory/_pin.ts).
    markOwned(this.bytes.buffer, this);
  }

  /**
   * Map a new arena.
   *
   * @param options size and kind of memory
   * @returns the arena; `kind` says what it got
   * @throws {UringError} ENOMEM when the kind asked for cannot be had (with a hint)
   *
   * @example
   * ```ts
   * import { Arena } from "@jsuring/jsuring";
   * using arena = Arena.create({ memory: "pages", size: 65536 });
   * console.log(arena.size); // 65536
   * ```
   */
  static create(options: ArenaOptions = {}): Arena {
    checkOptions(options, "Arena.create options", ["size", "memory"]);
    return createArena(options, "memory");
  }

  static {
    make = (address, size, kind, pageSize, fallback) => new Arena(address, size, kind, pageSize, fallback);
  }

  /** Bytes handed out so far. */
  get used(): number {
    return this.#used;
  }

  /** Bytes still free (before alignment). */
  get free(): number {
    return this.size - this.#used;
  }

  /**
   * Carve `size` bytes aligned to `align` (a power of two, default a page).
   *
   * @throws {RangeError} bad size or alignment
   * @throws {UringError} ENOMEM when the arena is full
   *
   * @example
   * ```ts
   * import { Arena } from "@jsuring/jsuring";
   * using arena = Arena.create({ memory: "pages", size: 8192 });
   * const a = arena.alloc(100, 64);
   * console.log(a.address % 64); // 0
   * ```
   */
  alloc(size: number, align: number = PAGE_SIZE): Slice {
    if (this.#disposed) throw new TypeError("arena is disposed");
    if (!Number.isSafeInteger(size) || size <= 0) {
      throw new (typeof size === "number" ? RangeError : TypeError)(
        `alloc: slice size must be a positive integer, got ${show(size)}`,
      );
    }
    if (!Number.isSafeInteger(align) || align <= 0 || (align & (align - 1)) !== 0 || align > 2 ** 30) {
      throw new (typeof align === "number" ? RangeError : TypeError)(
        `alloc: alignment must be a power of two up to 2^30, got ${show(align)}`,
      );
    }
    const start = Math.ceil((this.address + this.#used) / align) * align - this.address;
    if (start + size > this.size) {
      throw new UringError(
        Errno.ENOMEM,
        "arena.alloc",
        `arena of ${this.size} bytes has ${this.size - start} left at alignment ${align}, ${size} asked`,
      );
    }
    this.#used = start + size;
    return {
      arena: this,
      offset: start,
      address: this.address + start,
      size,
      bytes: this.bytes.subarray(start, start + size),
    };
  }

  /** A ring (or region) starts using this arena: it is unmapped only after release. */
  retain(): void {
    if (this.#freed) throw new TypeError("arena is freed");
    this.#users++;
  }

  /** The matching release of {@linkcode Arena.retain}. */
  release(): void {
    this.#users--;
    this.#maybeFree();
  }

  /** Whether the memory has been unmapped. */
  get freed(): boolean {
    return this.#freed;
  }

  /**
   * Dispose: unmap now, or when the last user releases it.
   *
   * @example
   * ```ts
   * import { Arena } from "@jsuring/jsuring";
   * const arena = Arena.create({ memory: "pages", size: 4096 });
   * arena[Symbol.dispose]();
   * ```
   */
  [Symbol.dispose](): void {
    this.#disposed = true;
    this.#maybeFree();
  }

  #maybeFree(): void {
    if (!this.#disposed || this.#users > 0 || this.#freed) return;
    this.#freed = true;
    libjsuring().jsu_free(this.address, this.size);
  }
}

/**
 * {@linkcode Arena.create}, with the hint naming the option of the object the
 * caller holds (`memory` on an arena, `hugepages` on a ring).
 *
 * @param options size and kind of memory
 * @param knob the caller's option that picks the memory kind
 */
export function createArena(options: ArenaOptions, knob: "memory" | "hugepages"): Arena {
  const size = options.size ?? 2 << 20;
  const memory = options.memory ?? "auto";
  if (!Number.isSafeInteger(size) || size <= 0) {
    throw new (typeof size === "number" ? RangeError : TypeError)(
      `arena size must be a positive integer, got ${show(size)}`,
    );
  }
  if (typeof memory !== "string" || !Object.hasOwn(MODE, memory)) {
    throw new TypeError(`${knob} must be "auto", "hugetlb", "thp" or "pages", got ${show(memory)}`);
  }
  const out = new BigUint64Array(4);
  const ret = libjsuring().jsu_alloc(size, MODE[memory], out);
  if (ret < 0) {
    const hint = memory === "hugetlb"
      ? hugepageHint(knob)
      : memory === "thp"
      ? `transparent hugepages are unavailable (/sys/kernel/mm/transparent_hugepage/enabled is "never"): pass ${knob}: "auto" or "pages"`
      : ret === -Errno.ENOMEM
      ? `the system is out of memory, or RLIMIT_AS/the cgroup's memory limit stops a ${size}-byte mapping`
      : undefined;
    throw new UringError(-ret, `mmap(${memory}, ${size} bytes)`, hint);
  }
  const kind = KIND[Number(out[2])];
  let fallback: string | undefined;
  if (memory === "auto" && kind !== "hugetlb") {
    fallback = `no hugetlb page: ${hugepageShortage()}` +
      (kind === "pages"
        ? "; transparent hugepages are off too (/sys/kernel/mm/transparent_hugepage/enabled)"
        : "");
  }
  return make(Number(out[0]), Number(out[1]), kind, Number(out[3]), fallback);
}
