/**
 * The param region (IORING_REGISTER_MEM_REGION, Linux 6.13): one block of
 * memory per ring that both the application and the kernel see, registered
 * once. Its first use is registered wait arguments (`io_uring_reg_wait` slots,
 * see `wait.ts`); the rest is a parameter space carved into named, aligned
 * slices.
 *
 * Two kinds of memory, as the kernel offers them:
 * - `"user"` (IORING_MEM_REGION_TYPE_USER): pages from an {@linkcode Arena},
 *   pinned by the kernel; placed in the ring's own arena (the same hugepage as
 *   the rings and SQEs) when {@linkcode createRingWithRegion} builds both.
 * - `"kernel"`: the kernel allocates zeroed pages and reports an mmap offset;
 *   jsuring maps the ring fd there.
 *
 * Kernel rules (io_uring/memmap.c `io_create_region`, register.c
 * `io_register_mem_region`, 6.13–6.18): size and user address page aligned;
 * `user_addr` set if and only if TYPE_USER (else EFAULT); `id`, `mmap_offset`
 * and the reserved words zero (else EINVAL); one region per ring (EBUSY);
 * `IORING_MEM_REGION_REG_WAIT_ARG` only while the ring is still
 * `IORING_SETUP_R_DISABLED` (else EINVAL); memory charged to RLIMIT_MEMLOCK
 * unless CAP_IPC_LOCK.
 *
 * @module
 */
import {
  io_uring_mem_region_reg,
  io_uring_reg_wait,
  io_uring_region_desc,
  RegionFlag,
  Register,
} from "../abi/mod.ts";
import { Arena, createArena, type MemoryKind, type MemoryRequest, PAGE_SIZE } from "../memory/arena.ts";
import { getNative } from "../runtime/_ffi.ts";
import { libjsuring } from "../runtime/libs.ts";
import { Errno } from "../errors/errno.ts";
import { UringError } from "../errors/uring_error.ts";
import { kernelAtLeast, kernelVersion, memlockHint } from "../errors/hints.ts";
import { putU64 } from "../ops/sqe.ts";
import { getU64 } from "../memory/u64.ts";
import { Ring, type RingOptions } from "../ring/ring.ts";
import { checkRingOptions, RING_OPTION_KEYS, ringLayout, setupFlags } from "../ring/setup.ts";
import { checkChoice, checkInt, checkOptions, rangeError, typeError } from "../ring/_args.ts";

/**
 * Where a param region's memory comes from.
 *
 * @example
 * ```ts
 * import { createRingWithRegion, type RegionMemory } from "@jsuring/jsuring";
 * const memory: RegionMemory = "user";
 * using r = createRingWithRegion({ entries: 8, region: { memory } });
 * ```
 */
export type RegionMemory = "user" | "kernel";

/**
 * The first kernel with param regions and registered wait arguments.
 *
 * @example
 * ```ts
 * import { kernelAtLeast, REGION_SINCE } from "@jsuring/jsuring";
 * console.log(kernelAtLeast(REGION_SINCE) ? "param regions" : `regions need Linux ${REGION_SINCE}`);
 * ```
 */
export const REGION_SINCE = "6.13";

/**
 * Bytes of one registered wait slot (`sizeof(struct io_uring_reg_wait)`).
 *
 * @example
 * ```ts
 * import { WAIT_SLOT_SIZE } from "@jsuring/jsuring";
 * console.log(WAIT_SLOT_SIZE); // 64
 * ```
 */
export const WAIT_SLOT_SIZE: number = io_uring_reg_wait.size;

/**
 * Bytes of a kernel sigset (`_NSIG / 8` on x86-64): what `sigmask_sz` must be.
 *
 * @example
 * ```ts
 * import { SIGSET_SIZE } from "@jsuring/jsuring";
 * console.log(SIGSET_SIZE); // 8
 * ```
 */
export const SIGSET_SIZE = 8;

/**
 * Options of {@linkcode ParamRegion.register}.
 *
 * @example
 * ```ts
 * import type { RegionOptions } from "@jsuring/jsuring";
 * const opts: RegionOptions = { waitSlots: 8, size: 8192, memory: "user" };
 * ```
 */
export interface RegionOptions {
  /**
   * Registered wait slots at the start of the region (IORING_MEM_REGION_REG_WAIT_ARG).
   * 0 (the default) registers a plain parameter region.
   */
  waitSlots?: number;
  /**
   * Total bytes, rounded up to the page size; at least what the wait slots
   * need. Default: the wait slots (and their signal masks), rounded up to a page.
   */
  size?: number;
  /** `"user"` (default): application memory; `"kernel"`: kernel pages mapped from the ring fd. */
  memory?: RegionMemory;
  /** For `"user"` memory: carve from this arena (it must outlive nothing: it is retained). */
  arena?: Arena;
  /** For `"user"` memory without `arena`: the kind of memory to map. Default `"auto"`. */
  hugepages?: MemoryRequest;
}

/**
 * A named piece of a {@linkcode ParamRegion}.
 *
 * @example
 * ```ts
 * import { createRingWithRegion, type RegionSlice } from "@jsuring/jsuring";
 * using r = createRingWithRegion({ entries: 8, region: { size: 4096 } });
 * const params: RegionSlice | undefined = r.region?.slice("params", 64);
 * ```
 */
export interface RegionSlice {
  /** The name it was carved under. */
  readonly name: string;
  /** Byte offset in the region (what the kernel is given for region-relative arguments). */
  readonly offset: number;
  /** Native address of the first byte. */
  readonly address: number;
  /** Length in bytes. */
  readonly size: number;
  /** A view of the slice. */
  readonly bytes: Uint8Array;
}

/**
 * Names of the slices jsuring itself carves for wait slots.
 *
 * @example
 * ```ts
 * import { createRingWithRegion, WAIT_SLOTS_SLICE } from "@jsuring/jsuring";
 * using r = createRingWithRegion({ entries: 8, waitSlots: 2 });
 * console.log(WAIT_SLOTS_SLICE, r.region?.slices.some((s) => s.name === WAIT_SLOTS_SLICE));
 * ```
 */
export const WAIT_SLOTS_SLICE = "jsuring.wait_slots";
/**
 * Signal masks the wait slots point at (one 8-byte sigset per slot).
 *
 * @example
 * ```ts
 * import { createRingWithRegion, WAIT_SIGMASKS_SLICE } from "@jsuring/jsuring";
 * using r = createRingWithRegion({ entries: 8, waitSlots: 2 });
 * console.log(WAIT_SIGMASKS_SLICE, r.region?.slices.some((s) => s.name === WAIT_SIGMASKS_SLICE));
 * ```
 */
export const WAIT_SIGMASKS_SLICE = "jsuring.wait_sigmasks";

const REGIONS = new WeakMap<Ring, ParamRegion>();

/**
 * Check that the running kernel has param regions.
 *
 * @param running the kernel version (default: this one), for testing the message
 * @throws {UringError} EINVAL "requires Linux 6.13" on older kernels
 *
 * @example
 * ```ts
 * import { requireRegions } from "@jsuring/jsuring";
 * try {
 *   requireRegions([6, 12]);
 * } catch (e) {
 *   console.log((e as Error).message); // ... requires Linux 6.13 (this is Linux 6.12)
 * }
 * ```
 */
export function requireRegions(running: [number, number] = kernelVersion()): void {
  if (
    !Array.isArray(running) || running.length !== 2 || !running.every((n) => Number.isInteger(n) && n >= 0)
  ) {
    throw typeError("requireRegions: running", "[major, minor], as kernelVersion() returns", running);
  }
  if (kernelAtLeast(REGION_SINCE, running)) return;
  throw new UringError(
    Errno.EINVAL,
    "io_uring_register(MEM_REGION)",
    `IORING_REGISTER_MEM_REGION (param regions, registered waits) requires Linux ${REGION_SINCE} (this is Linux ${
      running[0]
    }.${running[1]})`,
  );
}

function regionHint(
  errno: number,
  waitArgs: boolean,
  memory: RegionMemory,
  size: number,
): string | undefined {
  switch (errno) {
    case Errno.EBUSY:
      return "a ring has at most one param region, and this one already has it";
    case Errno.EINVAL:
      if (!kernelAtLeast(REGION_SINCE)) {
        return `IORING_REGISTER_MEM_REGION requires Linux ${REGION_SINCE} (this is Linux ${
          kernelVersion().join(".")
        })`;
      }
      if (waitArgs) {
        return "registered wait arguments (IORING_MEM_REGION_REG_WAIT_ARG) are accepted only while the ring is " +
          "still disabled: create it with disabled: true and register before enable() (createRingWithRegion does this)";
      }
      if (memory === "kernel") {
        return 'this kernel may accept only user memory for the param region: use memory: "user"';
      }
      return undefined;
    case Errno.ENOMEM:
      return memlockHint(size);
    case Errno.EFAULT:
      return "the kernel could not pin or read the region's memory";
    default:
      return undefined;
  }
}

function pageRound(n: number): number {
  return Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
}

function checkCount(name: string, n: number, max: number): void {
  checkInt(n, name, 0, max);
}

const REGION_KEYS = ["waitSlots", "size", "memory", "arena", "hugepages"];

/** `options` of ParamRegion.register (`what` names it): known keys, each of its type. */
function checkRegionOptions(options: RegionOptions, what: string, known = REGION_KEYS): void {
  checkOptions(options, what, known);
  if (options.waitSlots !== undefined) checkCount(`${what}.waitSlots`, options.waitSlots, 1 << 20);
  if (options.size !== undefined) checkInt(options.size, `${what}.size (bytes)`, 0, Number.MAX_SAFE_INTEGER);
  if (options.memory !== undefined) checkChoice(options.memory, `${what}.memory`, ["user", "kernel"]);
  if (options.arena !== undefined && !(options.arena instanceof Arena)) {
    throw typeError(`${what}.arena`, "an Arena (Arena.create())", options.arena);
  }
  if (options.hugepages !== undefined) {
    checkChoice(options.hugepages, `${what}.hugepages`, ["auto", "hugetlb", "thp", "pages"]);
  }
}

/**
 * The bytes a region with `waitSlots` slots needs at least: the slots, then
 * one 8-byte signal mask per slot.
 *
 * @example
 * ```ts
 * import { waitAreaBytes } from "@jsuring/jsuring";
 * console.log(waitAreaBytes(4)); // 288
 * ```
 */
export function waitAreaBytes(waitSlots: number): number {
  checkCount("waitAreaBytes: waitSlots", waitSlots, 1 << 20);
  return waitSlots * (WAIT_SLOT_SIZE + SIGSET_SIZE);
}

/**
 * A ring's param region: memory registered with IORING_REGISTER_MEM_REGION,
 * viewed as TypedArrays and carved into named slices. Owned by its ring: the
 * memory is unmapped only after the ring has closed.
 *
 * @example
 * ```ts
 * import { createRingWithRegion } from "@jsuring/jsuring";
 * using r = createRingWithRegion({ entries: 8, region: { size: 8192 } });
 * const counters = r.region!.slice("counters", 64, 64);
 * counters.bytes[0] = 1;
 * console.log(counters.offset % 64, r.region!.memory); // 0 "user"
 * ```
 */
export class ParamRegion implements Disposable {
  /** Native address of byte 0 (page aligned). */
  readonly address: number;
  /** Registered length in bytes (page multiple). */
  readonly size: number;
  /** Where the memory came from. */
  readonly memory: RegionMemory;
  /** What backs it: the arena's kind for user memory, `"pages"` for kernel memory. */
  readonly memoryKind: MemoryKind;
  /** The arena it was carved from (user memory). */
  readonly arena: Arena | undefined;
  /** For kernel memory: the mmap offset the kernel reported (IORING_MAP_OFF_PARAM_REGION). */
  readonly mmapOffset: number;
  /** Wait slots registered at offset 0 (0: none, not a REG_WAIT_ARG region). */
  readonly waitSlots: number;
  /** Byte view of the whole region. */
  readonly bytes: Uint8Array;
  /** 32-bit view of the whole region. */
  readonly u32: Uint32Array;
  /** DataView over the whole region. */
  readonly view: DataView;
  /** The ring it is registered with. */
  readonly ring: Ring;

  #slices = new Map<string, RegionSlice>();
  #sorted: RegionSlice[] = [];
  #freed = false;
  #free: () => void;

  private constructor(
    ring: Ring,
    address: number,
    size: number,
    memory: RegionMemory,
    memoryKind: MemoryKind,
    arena: Arena | undefined,
    mmapOffset: number,
    waitSlots: number,
    free: () => void,
  ) {
    this.ring = ring;
    this.address = address;
    this.size = size;
    this.memory = memory;
    this.memoryKind = memoryKind;
    this.arena = arena;
    this.mmapOffset = mmapOffset;
    this.waitSlots = waitSlots;
    this.#free = free;
    const ab = getNative().view(address, size);
    this.bytes = new Uint8Array(ab);
    this.u32 = new Uint32Array(ab);
    this.view = new DataView(ab);
    if (waitSlots > 0) {
      this.#carve(WAIT_SLOTS_SLICE, 0, waitSlots * WAIT_SLOT_SIZE);
      this.#carve(WAIT_SIGMASKS_SLICE, waitSlots * WAIT_SLOT_SIZE, waitSlots * SIGSET_SIZE);
    }
  }

  /**
   * Register a param region with `ring` (low level: {@linkcode createRingWithRegion}
   * also creates the ring disabled and enables it afterwards).
   * With `waitSlots`, the ring must still be disabled (`disabled: true`, before
   * `enable()`).
   *
   * @param ring the ring; it owns the region from now on
   * @param options slots, size and memory
   * @returns the region, also found later with {@linkcode ParamRegion.of}
   * @throws {UringError} EBUSY (the ring has a region), EINVAL (REG_WAIT_ARG on an
   *   enabled ring; or Linux older than 6.13: "requires Linux 6.13"), ENOMEM (memlock)
   * @throws {RangeError|TypeError} bad options, before any kernel call
   *
   * @example
   * ```ts
   * import { ParamRegion, Ring } from "@jsuring/jsuring";
   * using ring = Ring.create({ entries: 8, disabled: true });
   * const region = ParamRegion.register(ring, { waitSlots: 4 });
   * ring.enable();
   * console.log(region.waitSlots, region.size); // 4 4096
   * ```
   */
  static register(ring: Ring, options: RegionOptions = {}): ParamRegion {
    if (!(ring instanceof Ring)) {
      throw typeError("ParamRegion.register: ring", "a Ring (Ring.create())", ring);
    }
    checkRegionOptions(options, "region options");
    if (ring.fd < 0) throw new TypeError("ring is closed");
    const waitSlots = options.waitSlots ?? 0;
    const memory = options.memory ?? "user";
    if (memory === "kernel" && options.arena) {
      throw new TypeError('an arena is only used with memory: "user"');
    }
    const need = waitAreaBytes(waitSlots);
    const asked = options.size ?? Math.max(need, 1);
    if (!Number.isSafeInteger(asked) || asked <= 0) {
      throw rangeError("region options.size (bytes)", "a positive integer", asked);
    }
    if (asked < need) {
      throw new RangeError(
        `region size ${asked} is smaller than the ${need} bytes ${waitSlots} wait slots need`,
      );
    }
    const size = pageRound(asked);
    if (size / PAGE_SIZE > 0x7fffffff) throw new RangeError(`region size ${size} is too large`);
    requireRegions();

    const native = getNative();
    const lib = libjsuring();
    const desc = new Uint32Array(io_uring_region_desc.size / 4);
    const reg = new Uint32Array(io_uring_mem_region_reg.size / 4);
    const D = io_uring_region_desc.fields, R = io_uring_mem_region_reg.fields;
    putU64(desc, D.size[0] >> 2, size);
    putU64(reg, R.region_uptr[0] >> 2, native.addressOf(desc));
    putU64(reg, R.flags[0] >> 2, waitSlots > 0 ? RegionFlag.REG_WAIT_ARG : 0);

    let arena: Arena | undefined, ownsArena = false, address = 0;
    if (memory === "user") {
      arena = options.arena;
      if (!arena) {
        arena = createArena({ size, memory: options.hugepages ?? "auto" }, "hugepages");
        ownsArena = true;
      }
      try {
        address = arena.alloc(size, PAGE_SIZE).address;
      } catch (e) {
        if (ownsArena) arena[Symbol.dispose]();
        throw e;
      }
      putU64(desc, D.user_addr[0] >> 2, address);
      desc[D.flags[0] >> 2] = RegionFlag.TYPE_USER;
    }
    const what = waitSlots > 0 ? "MEM_REGION, REG_WAIT_ARG" : "MEM_REGION";
    const ret = ring.fd < 0 ? -Errno.EBADF : registerRaw(ring, reg);
    if (ret < 0) {
      if (ownsArena) arena![Symbol.dispose]();
      throw new UringError(-ret, `io_uring_register(${what})`, regionHint(-ret, waitSlots > 0, memory, size));
    }
    let free: () => void;
    let mmapOffset = 0;
    if (memory === "user") {
      arena!.retain();
      const a = arena!;
      free = () => {
        a.release();
        if (ownsArena) a[Symbol.dispose]();
      };
    } else {
      mmapOffset = getU64(desc, D.mmap_offset[0] >> 2);
      const out = new BigUint64Array(1);
      const r = lib.jsu_mmap_fd(ring.fd, mmapOffset, size, out);
      if (r < 0) {
        // The kernel keeps the region until the ring closes; nothing of ours to free.
        throw new UringError(-r, "mmap(param region)", `offset 0x${mmapOffset.toString(16)}, ${size} bytes`);
      }
      address = Number(out[0]);
      free = () => void lib.jsu_free(address, size);
    }
    const region = new ParamRegion(
      ring,
      address,
      size,
      memory,
      memory === "user" ? arena!.kind : "pages",
      memory === "user" ? arena : undefined,
      mmapOffset,
      waitSlots,
      free,
    );
    REGIONS.set(ring, region);
    ring.onClose(() => region.#release());
    return region;
  }

  /**
   * The region registered with `ring` through jsuring, if any.
   *
   * @example
   * ```ts
   * import { ParamRegion, Ring } from "@jsuring/jsuring";
   * using ring = Ring.create({ entries: 8 });
   * console.log(ParamRegion.of(ring)); // undefined
   * ```
   */
  static of(ring: Ring): ParamRegion | undefined {
    if (!(ring instanceof Ring)) throw typeError("ParamRegion.of: ring", "a Ring", ring);
    return REGIONS.get(ring);
  }

  /** Whether the memory has been unmapped (the ring closed). */
  get freed(): boolean {
    return this.#freed;
  }

  /** Bytes not covered by any slice (ignoring alignment gaps). */
  get free(): number {
    let used = 0;
    for (const s of this.#sorted) used += s.size;
    return this.size - used;
  }

  /** The slices carved so far, by offset (wait slots and signal masks included). */
  get slices(): readonly RegionSlice[] {
    return this.#sorted.slice();
  }

  #release(): void {
    if (this.#freed) return;
    this.#freed = true;
    REGIONS.delete(this.ring);
    this.#free();
  }

  #carve(name: string, offset: number, size: number): RegionSlice {
    const s: RegionSlice = {
      name,
      offset,
      address: this.address + offset,
      size,
      bytes: this.bytes.subarray(offset, offset + size),
    };
    this.#slices.set(name, s);
    this.#sorted.push(s);
    this.#sorted.sort((a, b) => a.offset - b.offset);
    return s;
  }

  /**
   * Carve a named slice of `bytes` bytes aligned to `align` (a power of two,
   * default 8): at `at` if given, else at the lowest free offset that fits.
   * Slices never overlap each other or the wait slots.
   *
   * @param name a unique name
   * @param bytes length, > 0
   * @param align alignment of the offset (and so of the address: the region is page aligned)
   * @param at a fixed offset, instead of the first fit
   * @returns the slice
   * @throws {TypeError} a duplicate name, or the ring is closed
   * @throws {RangeError} bad size/alignment, out of bounds, overlapping, or no room
   *
   * @example
   * ```ts
   * import { createRingWithRegion } from "@jsuring/jsuring";
   * using r = createRingWithRegion({ entries: 8, region: { size: 4096 } });
   * const a = r.region!.slice("a", 100, 64);
   * const b = r.region!.slice("b", 16);
   * console.log(a.offset, b.offset); // 0 104
   * ```
   */
  slice(name: string, bytes: number, align = 8, at?: number): RegionSlice {
    if (this.#freed) throw new TypeError("param region is freed (its ring closed)");
    if (typeof name !== "string" || !name) throw new TypeError("slice name must be a non-empty string");
    if (this.#slices.has(name)) throw new TypeError(`a slice named "${name}" exists already`);
    if (!Number.isSafeInteger(bytes) || bytes <= 0) {
      throw new RangeError(`slice size must be a positive integer, got ${bytes}`);
    }
    if (!Number.isSafeInteger(align) || align <= 0 || (align & (align - 1)) !== 0 || align > PAGE_SIZE) {
      throw new RangeError(`alignment must be a power of two up to ${PAGE_SIZE}, got ${align}`);
    }
    if (at !== undefined) {
      if (!Number.isSafeInteger(at) || at < 0) throw new RangeError(`slice offset must be ≥ 0, got ${at}`);
      if (at % align) throw new RangeError(`slice offset ${at} is not aligned to ${align}`);
      if (at + bytes > this.size) {
        throw new RangeError(`slice [${at}, ${at + bytes}) is outside the region of ${this.size} bytes`);
      }
      const clash = this.#sorted.find((s) => at < s.offset + s.size && s.offset < at + bytes);
      if (clash) {
        throw new RangeError(
          `slice "${name}" [${at}, ${at + bytes}) overlaps "${clash.name}" [${clash.offset}, ${
            clash.offset + clash.size
          })`,
        );
      }
      return this.#carve(name, at, bytes);
    }
    let cursor = 0;
    for (const s of [...this.#sorted, { offset: this.size, size: 0 }]) {
      const start = Math.ceil(cursor / align) * align;
      if (start + bytes <= s.offset) return this.#carve(name, start, bytes);
      cursor = Math.max(cursor, s.offset + s.size);
    }
    throw new RangeError(
      `no room for ${bytes} bytes at alignment ${align} in the region of ${this.size} bytes (${this.free} free)`,
    );
  }

  /**
   * The slice carved under `name`.
   *
   * @example
   * ```ts
   * import { createRingWithRegion } from "@jsuring/jsuring";
   * using r = createRingWithRegion({ entries: 8, region: {} });
   * r.region!.slice("x", 8);
   * console.log(r.region!.get("x")?.size); // 8
   * ```
   */
  get(name: string): RegionSlice | undefined {
    return this.#slices.get(name);
  }

  /**
   * The region belongs to its ring and lives until the ring closes; disposing
   * it closes nothing. Provided so `using` reads naturally.
   */
  [Symbol.dispose](): void {}
}

function registerRaw(ring: Ring, reg: Uint32Array): number {
  try {
    return ring.register(Register.REGISTER_MEM_REGION, reg, 1, "MEM_REGION");
  } catch (e) {
    if (e instanceof UringError) return -e.errno;
    throw e;
  }
}

/**
 * Options of {@linkcode createRingWithRegion}: a ring's options plus its region.
 *
 * @example
 * ```ts
 * import type { RingWithRegionOptions } from "@jsuring/jsuring";
 * const o: RingWithRegionOptions = { entries: 64, waitSlots: 8, region: { memory: "user" } };
 * ```
 */
export interface RingWithRegionOptions extends RingOptions {
  /**
   * Registered wait slots. Where the kernel has them (6.13) they live in the
   * region (created if `region` is not given); elsewhere waits fall back to
   * IORING_ENTER_EXT_ARG, and {@linkcode RingWithRegion.region} is undefined.
   */
  waitSlots?: number;
  /**
   * The param region: `size` is the parameter space wanted besides the wait
   * slots (the total is rounded up to a page), and the memory.
   * For `"user"` memory without an `arena`, ring, SQEs and region are carved
   * from one arena: one hugepage when hugetlb or THP backs it.
   */
  region?: Omit<RegionOptions, "waitSlots">;
}

/**
 * What {@linkcode createRingWithRegion} returns; disposing it closes the ring
 * (and so frees the region).
 *
 * @example
 * ```ts
 * import { createRingWithRegion, type RingWithRegion } from "@jsuring/jsuring";
 * using r: RingWithRegion = createRingWithRegion({ entries: 8, waitSlots: 2 });
 * console.log(r.region ? "param region" : r.fallback);
 * ```
 */
export interface RingWithRegion extends Disposable {
  /** The ring (enabled, unless `disabled: true` was asked for). */
  readonly ring: Ring;
  /** Its param region, or undefined (no region asked, or a kernel without regions). */
  readonly region: ParamRegion | undefined;
  /** Why there is no region although one was asked for (an old kernel). */
  readonly fallback: string | undefined;
}

/**
 * Create a ring with a param region. For registered wait slots the kernel
 * wants the region before the ring is enabled: the ring is created with
 * IORING_SETUP_R_DISABLED, the region registered, then the ring enabled (left
 * disabled if `disabled: true` was asked for). On kernels older than 6.13 with
 * only `waitSlots` asked, the ring is created without a region and
 * `fallback` says why; an explicit `region` there throws "requires Linux 6.13".
 *
 * @param options ring options, `waitSlots`, `region`
 * @returns the ring and region; dispose to close both
 *
 * @example
 * ```ts
 * import { createRingWithRegion, WaitSlots } from "@jsuring/jsuring";
 * using r = createRingWithRegion({ entries: 64, waitSlots: 8 });
 * const waits = new WaitSlots(r.ring);
 * r.ring.nop();
 * waits.wait(1, { timeout: 1000 });
 * console.log(waits.path, r.ring.completions().length); // "ext_arg_reg" 1
 * ```
 */
export function createRingWithRegion(options: RingWithRegionOptions = {}): RingWithRegion {
  checkOptions(options, "createRingWithRegion options", [...RING_OPTION_KEYS, "waitSlots", "region"]);
  const { waitSlots = 0, region: regionOptions, ...ringOptions } = options;
  checkCount("createRingWithRegion options.waitSlots", waitSlots, 1 << 20);
  if (regionOptions !== undefined) {
    checkRegionOptions(regionOptions, "createRingWithRegion options.region", [
      "size",
      "memory",
      "arena",
      "hugepages",
    ]);
  }
  checkRingOptions(ringOptions);
  const wantRegion = regionOptions !== undefined || waitSlots > 0;
  if (!wantRegion) return wrap(Ring.create(ringOptions), undefined, undefined);
  if (!kernelAtLeast(REGION_SINCE)) {
    if (regionOptions !== undefined) requireRegions();
    return wrap(
      Ring.create(ringOptions),
      undefined,
      `IORING_REGISTER_MEM_REGION requires Linux ${REGION_SINCE} (this is Linux ${
        kernelVersion().join(".")
      }): waits use EXT_ARG`,
    );
  }
  const ro: RegionOptions = { ...regionOptions, waitSlots };
  const extra = regionOptions?.size ?? 0;
  if (!Number.isSafeInteger(extra) || extra < 0) {
    throw rangeError("createRingWithRegion options.region.size (bytes)", "a non-negative integer", extra);
  }
  // The wait slots (and their signal masks) come first, the parameter space after.
  const regionBytes = pageRound(Math.max(waitAreaBytes(waitSlots) + extra, 1));
  ro.size = regionBytes;
  let arena: Arena | undefined;
  const memory = ringOptions.memory ?? (kernelAtLeast("6.5") ? "user" : "kernel");
  if ((ro.memory ?? "user") === "user" && !ro.arena && !ringOptions.arena && memory === "user") {
    // One arena for rings, SQEs and region: the ring and the region each
    // retain it, so it is unmapped once both are done with it.
    // An upper bound: with the SQ array, whether or not the kernel drops it.
    const probe = ringLayout(ringOptions.entries ?? 256, ringOptions.cqEntries, setupFlags(ringOptions));
    arena = createArena({
      size: pageRound(probe.ringsBytes) + pageRound(probe.sqesBytes) + regionBytes,
      memory: ringOptions.hugepages ?? ro.hugepages ?? "auto",
    }, "hugepages");
    ro.arena = arena;
  } else if ((ro.memory ?? "user") === "user" && !ro.arena && ringOptions.arena) {
    ro.arena = ringOptions.arena;
  }
  let ring: Ring;
  try {
    ring = Ring.create({
      ...ringOptions,
      ...(arena ? { arena } : {}),
      disabled: waitSlots > 0 || ringOptions.disabled,
    });
  } catch (e) {
    arena?.[Symbol.dispose]();
    throw e;
  }
  let region: ParamRegion;
  try {
    region = ParamRegion.register(ring, ro);
    if (waitSlots > 0 && !ringOptions.disabled) ring.enable();
  } catch (e) {
    ring.close();
    throw e;
  } finally {
    // The ring and the region retain the arena: drop our handle, the memory
    // stays mapped until both are done with it.
    arena?.[Symbol.dispose]();
  }
  return wrap(ring, region, undefined);
}

function wrap(ring: Ring, region: ParamRegion | undefined, fallback: string | undefined): RingWithRegion {
  return {
    ring,
    region,
    fallback,
    [Symbol.dispose]() {
      ring.close();
    },
  };
}
