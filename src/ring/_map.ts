/**
 * Setting a ring up and mapping it: `io_uring_setup` with the rings in an
 * arena (IORING_SETUP_NO_MMAP, 6.5) or mmapped from the kernel, and the
 * fallbacks taken on older kernels. {@linkcode mapRing} returns everything
 * the Ring's constructor needs, in one record.
 *
 * @module
 */
import { Feature, IO_RINGS, io_uring_params, MmapOffset, SetupFlag } from "../abi/mod.ts";
import { type Arena, createArena, type MemoryKind, PAGE_SIZE } from "../memory/arena.ts";
import { libjsuring, liburing } from "../runtime/libs.ts";
import { UringError } from "../errors/uring_error.ts";
import { Errno } from "../errors/errno.ts";
import { kernelAtLeast, kernelRelease, memlockHint, setupHint } from "../errors/hints.ts";
import * as sqe from "../ops/sqe.ts";
import { type RingLayout, ringLayout, type RingMemory, type RingOptions, setupFlags } from "./setup.ts";

const PARAMS = io_uring_params.fields;

/** A ring set up and mapped: what the Ring's constructor takes. */
export interface RingMapping {
  fd: number;
  /** struct io_uring_params as the kernel filled it. */
  params: Uint32Array;
  layout: RingLayout;
  ringAddr: number;
  ringBytes: number;
  sqesAddr: number;
  memory: RingMemory;
  memoryKind: MemoryKind;
  arena: Arena | undefined;
  ownsArena: boolean;
  unmap: (() => void) | undefined;
  /** What the ring does without, each with the reason (Ring.fallback). */
  fallback: readonly string[];
}

/**
 * Set up a ring (the body of `Ring.create`).
 *
 * @throws {UringError} the kernel refused (with a hint: sysctl, seccomp, memlock, old kernel)
 * @throws {RangeError|TypeError} bad options, before any kernel call
 */
export function mapRing(options: RingOptions): RingMapping {
  let flags = setupFlags(options);
  if (options.noSqArray === undefined && kernelAtLeast("6.6")) flags |= SetupFlag.NO_SQARRAY;
  // An arena asks for user memory: on a kernel without NO_MMAP that is the
  // typed "needs Linux 6.5" error below, not a complaint about the arena.
  const memory = options.memory ??
    (options.arena !== undefined || kernelAtLeast("6.5") ? "user" : "kernel");
  const fallback: string[] = [];
  if (options.memory === undefined && memory === "kernel") {
    fallback.push(
      `memory: "kernel": rings in application memory (IORING_SETUP_NO_MMAP) need Linux 6.5, this is Linux ${kernelRelease()}`,
    );
  }
  if (options.noSqArray === undefined && !(flags & SetupFlag.NO_SQARRAY)) {
    fallback.push(
      `noSqArray: false: IORING_SETUP_NO_SQARRAY needs Linux 6.6, this is Linux ${kernelRelease()}`,
    );
  }
  if (memory !== "user" && memory !== "kernel") {
    throw new TypeError(`memory must be "user" or "kernel", got ${memory}`);
  }
  if (memory === "kernel" && options.arena) {
    throw new TypeError('an arena is only used with memory: "user"');
  }
  if (memory === "user") flags |= SetupFlag.NO_MMAP;
  if (memory === "user" && !kernelAtLeast("6.5")) {
    // What io_uring_setup answers before 6.5, said before any memory is mapped.
    throw new UringError(Errno.EINVAL, "io_uring_setup", setupHint(Errno.EINVAL, SetupFlag.NO_MMAP));
  }
  const entries = options.entries ?? 256;
  const layout = ringLayout(entries, options.cqEntries, flags);

  const params = new Uint32Array(io_uring_params.size / 4);
  const word = (name: keyof typeof PARAMS) => PARAMS[name][0] >> 2;
  params[word("flags")] = flags;
  if (options.cqEntries !== undefined) params[word("cq_entries")] = options.cqEntries;
  if (typeof options.sqpoll === "object") {
    params[word("sq_thread_idle")] = options.sqpoll.idleMs ?? 0;
    params[word("sq_thread_cpu")] = options.sqpoll.cpu ?? 0;
  }

  let arena: Arena | undefined, ringsAddr = 0, sqesAddr = 0, pinned = 0;
  let ownsArena = false;
  if (memory === "user") {
    const ringsBytes = Math.ceil(layout.ringsBytes / PAGE_SIZE) * PAGE_SIZE;
    const sqesBytes = Math.ceil(layout.sqesBytes / PAGE_SIZE) * PAGE_SIZE;
    pinned = ringsBytes + sqesBytes; // the kernel pins both, charged to RLIMIT_MEMLOCK
    arena = options.arena;
    if (!arena) {
      arena = createArena(
        { size: ringsBytes + sqesBytes, memory: options.hugepages ?? "auto" },
        "hugepages",
      );
      ownsArena = true;
    }
    try {
      // The kernel maps PAGE_ALIGN(size) from each address: both page aligned.
      ringsAddr = arena.alloc(ringsBytes).address;
      sqesAddr = arena.alloc(sqesBytes).address;
    } catch (e) {
      if (ownsArena) arena[Symbol.dispose]();
      throw e;
    }
    sqe.putU64(params, word("cq_off.user_addr"), ringsAddr);
    sqe.putU64(params, word("sq_off.user_addr"), sqesAddr);
  }

  const fd = liburing().io_uring_setup(entries, params);
  if (fd < 0) {
    if (ownsArena) arena![Symbol.dispose]();
    // ENOMEM with our memory: say how much locked memory the pinned rings and SQEs need.
    const hint = -fd === Errno.ENOMEM && pinned ? memlockHint(pinned) : setupHint(-fd, flags);
    throw new UringError(-fd, "io_uring_setup", hint);
  }
  if (memory === "user") {
    arena!.retain();
    // struct io_rings is not uapi: check our sizing against the kernel's offsets.
    const cqes = params[word("cq_off.cqes")];
    if (cqes !== IO_RINGS.cqes) {
      libjsuring().jsu_close(fd);
      arena!.release();
      if (ownsArena) arena![Symbol.dispose]();
      throw new UringError(
        Errno.EOVERFLOW,
        "io_uring_setup",
        `kernel's struct io_rings header is ${cqes} bytes, jsuring sized it for ${IO_RINGS.cqes}: use memory: "kernel"`,
      );
    }
    if (ownsArena && arena!.fallback) fallback.push(`hugepages: got "${arena!.kind}": ${arena!.fallback}`);
    return {
      fd,
      params,
      layout,
      ringAddr: ringsAddr,
      ringBytes: layout.ringsBytes,
      sqesAddr,
      memory,
      memoryKind: arena!.kind,
      arena,
      ownsArena,
      unmap: undefined,
      fallback,
    };
  }
  return mapKernelRings(fd, params, layout, fallback);
}

function mapKernelRings(
  fd: number,
  params: Uint32Array,
  layout: RingLayout,
  fallback: readonly string[],
): RingMapping {
  const word = (name: keyof typeof PARAMS) => params[PARAMS[name][0] >> 2];
  const cqBytes = word("cq_off.cqes") + layout.cqEntries * layout.cqeSize;
  const sqBytes = word("flags") & SetupFlag.NO_SQARRAY
    ? cqBytes
    : word("sq_off.array") + layout.sqEntries * 4;
  // FEAT_SINGLE_MMAP (5.4): one mapping covers both rings.
  const ringBytes = Math.max(sqBytes, cqBytes);
  if (!(word("features") & Feature.SINGLE_MMAP)) {
    libjsuring().jsu_close(fd);
    throw new UringError(Errno.ENOSYS, "io_uring_setup", "kernel lacks IORING_FEAT_SINGLE_MMAP (5.4)");
  }
  const out = new BigUint64Array(1);
  const lib = libjsuring();
  let ret = lib.jsu_mmap_fd(fd, MmapOffset.SQ_RING, ringBytes, out);
  if (ret < 0) {
    lib.jsu_close(fd);
    throw new UringError(-ret, "mmap(IORING_OFF_SQ_RING)");
  }
  const ringAddr = Number(out[0]);
  ret = lib.jsu_mmap_fd(fd, MmapOffset.SQES, layout.sqesBytes, out);
  if (ret < 0) {
    lib.jsu_free(ringAddr, ringBytes);
    lib.jsu_close(fd);
    throw new UringError(-ret, "mmap(IORING_OFF_SQES)");
  }
  const sqesAddr = Number(out[0]);
  const unmap = () => {
    lib.jsu_free(sqesAddr, layout.sqesBytes);
    lib.jsu_free(ringAddr, ringBytes);
  };
  return {
    fd,
    params,
    layout,
    ringAddr,
    ringBytes,
    sqesAddr,
    memory: "kernel",
    memoryKind: "pages",
    arena: undefined,
    ownsArena: false,
    unmap,
    fallback,
  };
}
