/**
 * The ring: setup (classic mmap or NO_MMAP in an arena), SQ/CQ views, the
 * operation methods, submit, wait, batch reaping, probe, registration, close.
 *
 * The hot path makes no FFI call per operation: SQEs are written into ring
 * memory through TypedArray views, the SQ tail is published once per batch
 * with a release store, one `io_uring_enter` submits (and waits), and CQEs are
 * read from ring memory with the CQ head advanced once per batch.
 *
 * @module
 */
import {
  CancelFlag,
  CqeFlag,
  EnterFlag,
  Feature,
  IO_RINGS,
  io_uring_params,
  io_uring_probe,
  io_uring_probe_op,
  Misc,
  MmapOffset,
  OP_NAMES,
  type OpName,
  Register,
  SetupFlag,
  statx as statxLayout,
} from "../abi/mod.ts";
import { type Arena, createArena, type MemoryKind, PAGE_SIZE } from "../memory/arena.ts";
import { libjsuring, liburing } from "../runtime/libs.ts";
import { getNative } from "../runtime/_ffi.ts";
import { check, UringError } from "../errors/uring_error.ts";
import { Errno } from "../errors/errno.ts";
import { kernelAtLeast, kernelRelease, registerHint, setupHint } from "../errors/hints.ts";
import * as sqe from "../ops/sqe.ts";
import { EFD } from "../abi/linux.ts";
import { INTERNAL_USER_DATA, OpTable } from "./_table.ts";
import { keepForever } from "../memory/_keep.ts";
import { FROM_KERNEL, Pin, pin } from "../memory/_pin.ts";
import {
  AT_FDCWD as FDCWD,
  checkBuffer,
  checkFd,
  checkFn,
  checkInt,
  checkOffset,
  checkOptions,
  checkU32,
  type IoBuffer,
  iovecs,
  rangeError,
  type Timeout,
  timespecParts,
  typeError,
} from "./_args.ts";
import { EnterEngine, setEngine } from "./_enter.ts";
import * as ops from "./operations.ts";
import { requireOp } from "../ops/require.ts";
import { type RingLayout, ringLayout, type RingMemory, type RingOptions, setupFlags } from "./setup.ts";

export type { RingMemory, RingOptions } from "./setup.ts";

/**
 * Per-operation options.
 *
 * @example
 * ```ts
 * import { type OpOptions, Ring, SqeFlag } from "@jsuring/jsuring";
 * const first: OpOptions = { tag: "first", flags: SqeFlag.IO_LINK };
 * using ring = Ring.create({ entries: 8 });
 * ring.nop(first);
 * ring.nop({ tag: "second" }); // runs after the first
 * ring.submitAndWait(2);
 * ```
 */
export interface OpOptions {
  /** Any value, handed back with the completion. */
  tag?: unknown;
  /** `IOSQE_*` flags (link, drain, async, fixed file...), see `SqeFlag`. */
  flags?: number;
}

/**
 * One completion, as {@linkcode Ring.completions} returns it.
 *
 * @example
 * ```ts
 * import { type Completion, Ring } from "@jsuring/jsuring";
 * using ring = Ring.create({ entries: 8 });
 * ring.nop({ tag: "n" });
 * ring.submitAndWait(1);
 * const done: Completion[] = ring.completions();
 * console.log(done[0].res, done[0].tag); // 0 "n"
 * ```
 */
export interface Completion {
  /** The result: ≥ 0 on success, `-errno` on failure. */
  readonly res: number;
  /** `IORING_CQE_F_*` flags. */
  readonly flags: number;
  /** The operation's tag. */
  readonly tag: unknown;
}

/**
 * Called for each completion by {@linkcode Ring.reap}.
 *
 * @example
 * ```ts
 * import { type CompletionHandler, Ring } from "@jsuring/jsuring";
 * const log: CompletionHandler = (res, _flags, tag) => console.log(tag, res);
 * using ring = Ring.create({ entries: 8 });
 * ring.nop({ tag: "nop" });
 * ring.submitAndWait(1);
 * ring.reap(log); // nop 0
 * ```
 */
export type CompletionHandler = (res: number, flags: number, tag: unknown) => void;

export type { IoBuffer, Timeout } from "./_args.ts";

const PARAMS = io_uring_params.fields;

/**
 * AT_FDCWD: paths relative to the current directory.
 *
 * @example
 * ```ts
 * import { AT_FDCWD, Ring } from "@jsuring/jsuring";
 * using ring = Ring.create({ entries: 8 });
 * ring.openat("etc/os-release", 0, 0, { dirfd: AT_FDCWD }); // relative to the current directory
 * ```
 */
export const AT_FDCWD: number = FDCWD;

const OP_KEYS = ["tag", "flags"];
const RING_KEYS = new WeakMap<object, readonly string[]>();

/** The option keys `Ring.queue(op)` accepts: tag, flags and the operation's own. */
function ringKeys(op: ops.OpDescription<never, object>): readonly string[] {
  let keys = RING_KEYS.get(op);
  if (!keys) RING_KEYS.set(op, keys = op.optionKeys.length ? [...OP_KEYS, ...op.optionKeys] : OP_KEYS);
  return keys;
}

/**
 * Check an operation's options (no unknown key, `flags` an IOSQE_* byte) and
 * return its SQE flags. Called before the SQE is reserved.
 */
function sqeFlags(options: OpOptions | undefined, what: string, known: readonly string[] = OP_KEYS): number {
  if (options === undefined) return 0;
  checkOptions(options, `${what} options`, known);
  const flags = options.flags;
  return flags === undefined ? 0 : checkInt(flags, `${what} options.flags`, 0, 0xff);
}

/**
 * An io_uring instance.
 *
 * @example
 * ```ts
 * import { Ring } from "@jsuring/jsuring";
 * using ring = Ring.create({ entries: 64 });
 * ring.nop({ tag: "hello" });
 * ring.submitAndWait(1);
 * ring.reap((res, _flags, tag) => console.log(tag, res)); // hello 0
 * ```
 */
export class Ring implements Disposable {
  /** The ring's file descriptor (-1 once closed). */
  fd: number;
  /** Setup flags in force (`IORING_SETUP_*`). */
  readonly flags: number;
  /** `IORING_FEAT_*` the kernel reported. */
  readonly features: number;
  /** Sizes of the SQ, CQ, SQEs and CQEs. */
  readonly layout: RingLayout;
  /** Where the rings live: application memory (NO_MMAP) or the kernel's. */
  readonly memory: RingMemory;
  /** What backs the ring memory: hugetlb, thp, or pages (kernel memory: pages). */
  readonly memoryKind: MemoryKind;
  /** The arena holding the rings (user memory only). */
  readonly arena: Arena | undefined;
  /** Views over the SQE array for the `sqe.prep*` writers. */
  readonly sqes: sqe.SqeViews;

  #ringU32: Uint32Array;
  #ringI32: Int32Array;
  #sqHead: number;
  #sqTail: number;
  #sqFlags: number;
  #sqMask: number;
  #cqHead: number;
  #cqTail: number;
  #cqMask: number;
  #cqes: number; // word index of cqes[0]
  #cqeWords: number;
  #sqeShift: number;
  #sqeTail = 0; // local tail: SQEs written, not yet published
  #sqHeadSeen = 0; // the kernel's SQ head as last read (getSqe's fast check)
  #table = new OpTable();
  #internalLive = 0; // trackInternal operations without their final CQE
  #unmap: (() => void) | undefined;
  #ownsArena: boolean;
  #engine: EnterEngine;
  #gated = new WeakSet<object>();
  #probe: Uint8Array | undefined;
  #fallback: readonly string[] = [];

  /**
   * What this ring does without that jsuring would have used by default, each
   * with the reason and the fix (an old kernel, no reserved hugepages, …);
   * empty when it got everything. A feature asked for explicitly never falls
   * back: it throws instead.
   */
  get fallback(): readonly string[] {
    return this.#fallback;
  }

  private constructor(
    fd: number,
    params: Uint32Array,
    layout: RingLayout,
    ringAddr: number,
    ringBytes: number,
    sqesAddr: number,
    memory: RingMemory,
    memoryKind: MemoryKind,
    arena: Arena | undefined,
    ownsArena: boolean,
    unmap: (() => void) | undefined,
  ) {
    this.fd = fd;
    this.flags = params[PARAMS.flags[0] >> 2];
    this.features = params[PARAMS.features[0] >> 2];
    this.layout = layout;
    this.memory = memory;
    this.memoryKind = memoryKind;
    this.arena = arena;
    this.#ownsArena = ownsArena;
    this.#unmap = unmap;
    const native = getNative();
    const ring = native.view(ringAddr, ringBytes);
    this.#ringU32 = new Uint32Array(ring);
    this.#ringI32 = new Int32Array(ring);
    const p = (name: keyof typeof PARAMS) => params[PARAMS[name][0] >> 2] >> 2;
    this.#sqHead = p("sq_off.head");
    this.#sqTail = p("sq_off.tail");
    this.#sqFlags = p("sq_off.flags");
    this.#sqMask = this.#ringU32[p("sq_off.ring_mask")];
    this.#cqHead = p("cq_off.head");
    this.#cqTail = p("cq_off.tail");
    this.#cqMask = this.#ringU32[p("cq_off.ring_mask")];
    this.#cqes = p("cq_off.cqes");
    this.#cqeWords = layout.cqeSize >> 2;
    this.#sqeShift = Math.log2(layout.sqeSize);
    this.sqes = sqe.sqeViews(native.view(sqesAddr, layout.sqesBytes));
    if (!(this.flags & SetupFlag.NO_SQARRAY)) {
      // Identity SQ index array, filled once (liburing's io_uring_setup_ring_pointers).
      const array = p("sq_off.array");
      for (let i = 0; i < layout.sqEntries; i++) this.#ringU32[array + i] = i;
    }
    this.#sqeTail = this.#ringU32[this.#sqTail];
    this.#sqHeadSeen = this.#ringU32[this.#sqHead];
    this.#engine = new EnterEngine(this, this.flags, this.#ringU32, {
      sqFlags: this.#sqFlags,
      cqHead: this.#cqHead,
      cqTail: this.#cqTail,
      cqEntries: layout.cqEntries,
    });
    this.#engine.hidden = () => this.#hiddenReady();
    setEngine(this, this.#engine);
  }

  /**
   * Create a ring.
   *
   * @param options sizes, flags and where the memory lives
   * @returns the ring; `memory` and `memoryKind` say what it got
   * @throws {UringError} the kernel refused (with a hint: sysctl, seccomp, memlock, old kernel)
   * @throws {RangeError|TypeError} bad options, before any kernel call
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create({ entries: 128, memory: "user" });
   * console.log(ring.memory, ring.memoryKind);
   * ```
   */
  static create(options: RingOptions = {}): Ring {
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

    let arena: Arena | undefined, ringsAddr = 0, sqesAddr = 0;
    let ownsArena = false;
    if (memory === "user") {
      const ringsBytes = Math.ceil(layout.ringsBytes / PAGE_SIZE) * PAGE_SIZE;
      const sqesBytes = Math.ceil(layout.sqesBytes / PAGE_SIZE) * PAGE_SIZE;
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
      throw new UringError(-fd, "io_uring_setup", setupHint(-fd, flags));
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
      const ring = new Ring(
        fd,
        params,
        layout,
        ringsAddr,
        layout.ringsBytes,
        sqesAddr,
        memory,
        arena!.kind,
        arena,
        ownsArena,
        undefined,
      );
      ring.#fallback = fallback;
      return ring;
    }
    const ring = Ring.#mapKernelRings(fd, params, layout);
    ring.#fallback = fallback;
    return ring;
  }

  static #mapKernelRings(fd: number, params: Uint32Array, layout: RingLayout): Ring {
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
    return new Ring(
      fd,
      params,
      layout,
      ringAddr,
      ringBytes,
      sqesAddr,
      "kernel",
      "pages",
      undefined,
      false,
      unmap,
    );
  }

  // ---------------------------------------------------------------- SQ side

  /** SQEs written and not yet submitted. */
  get pending(): number {
    return (this.#sqeTail - this.#ringU32[this.#sqTail]) >>> 0;
  }

  /** Operations handed to the ring whose final completion has not been reaped. */
  get inFlight(): number {
    return this.#table.size;
  }

  /** Free SQE slots right now. */
  get sqSpace(): number {
    const head = this.#sqHeadSeen = Atomics.load(this.#ringU32, this.#sqHead);
    return this.layout.sqEntries - ((this.#sqeTail - head) >>> 0);
  }

  /**
   * Reserve the next SQE and return its byte offset in {@linkcode Ring.sqes},
   * submitting queued SQEs first if the SQ is full. For writing SQEs with the
   * `prep*` functions directly; pair with {@linkcode Ring.track}.
   *
   * @throws {UringError} EBUSY when the SQ stays full (SQPOLL not keeping up)
   *
   * @example
   * ```ts
   * import { Ring, prepNop } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const at = ring.getSqe();
   * prepNop(ring.sqes, at);
   * ring.track(at, "raw nop");
   * ring.submitAndWait(1);
   * ```
   */
  getSqe(): number {
    this.#assertOpen();
    // The SQ head only moves forward, so space counted from the head last seen
    // is a lower bound: re-read it (an Atomics.load, 10-15 ns) only when that
    // bound says full, not once per SQE.
    if (((this.#sqeTail - this.#sqHeadSeen) >>> 0) > this.#sqMask && this.sqSpace === 0) {
      this.submit();
      // SQPOLL: the kernel thread may post a batch's CQEs before moving the SQ
      // head; wait for it to take SQEs (IORING_ENTER_SQ_WAIT, as liburing's
      // io_uring_sqring_wait) instead of failing.
      if (this.sqSpace === 0 && this.flags & SetupFlag.SQPOLL) this.#engine.enter(0, 0, EnterFlag.SQ_WAIT);
      if (this.sqSpace === 0) {
        throw new UringError(Errno.EBUSY, "getSqe", "the submission queue is full; reap completions or wait");
      }
    }
    const at = (this.#sqeTail & this.#sqMask) << this.#sqeShift;
    this.#sqeTail = (this.#sqeTail + 1) >>> 0;
    return at;
  }

  /**
   * Give the SQE at `at` its user_data and flags, and keep `keep` (memory the
   * kernel may touch) reachable until the final CQE. Returns the user_data,
   * which {@linkcode Ring.cancel} accepts.
   *
   * @example
   * ```ts
   * import { Ring, prepNop } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const at = ring.getSqe();
   * prepNop(ring.sqes, at);
   * const id = ring.track(at, "tag");
   * ```
   */
  track(at: number, tag?: unknown, flags = 0, keep?: unknown): number {
    if (flags !== 0) checkInt(flags, "flags", 0, 0xff);
    const ud = this.#table.add(tag, keep);
    // user_data as two words, written here rather than through setUserData ->
    // putU64: two calls fewer keeps nop()/read() within V8's inlining budget
    // (Deno: ~10-15 ns per SQE). ud is a positive integer < 2^53.
    const u32 = this.sqes.u32, w = (at >>> 2) + 8;
    u32[w] = ud >>> 0;
    u32[w + 1] = (ud / 4294967296) >>> 0;
    if (flags) this.sqes.u8[at + 1] = flags;
    return ud;
  }

  /**
   * Like {@linkcode Ring.track}, for operations a library layer issues for
   * itself (buffer provides and removes): `onComplete(res, flags)` is called
   * from {@linkcode Ring.reap} (or close) instead of the reap handler, so the
   * caller's handler never sees these completions.
   *
   * @example
   * ```ts
   * import { Ring, prepNop } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const at = ring.getSqe();
   * prepNop(ring.sqes, at);
   * ring.trackInternal(at, (res) => console.log("internal nop", res));
   * ring.submitAndWait(1);
   * ring.reap(() => {}); // prints "internal nop 0"; the handler is not called
   * ```
   */
  trackInternal(
    at: number,
    onComplete: (res: number, flags: number) => void,
    flags = 0,
    keep?: unknown,
  ): number {
    const ud = this.track(at, new InternalOp(onComplete), flags, keep);
    this.#internalLive++;
    return ud;
  }

  /**
   * Whether the operation with this user_data (as `track` and the operation
   * methods return it) still awaits its final completion.
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const id = ring.nop();
   * console.log(ring.isInFlight(id)); // true
   * ring.submitAndWait(1);
   * ring.reap(() => {});
   * console.log(ring.isInFlight(id)); // false
   * ```
   */
  isInFlight(userData: number): boolean {
    return this.#table.owns(userData);
  }

  /**
   * Queue a no-op (IORING_OP_NOP): completes with 0.
   *
   * @returns the operation's user_data
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.nop({ tag: 1 });
   * ring.submitAndWait(1);
   * ```
   */
  nop(options?: OpOptions): number {
    // Inlined fast path (the generic queue(NOP) costs a description lookup
    // and an argument array per op): see the note above Ring.read.
    const flags = options === undefined ? 0 : sqeFlags(options, "nop");
    const at = this.getSqe();
    sqe.prepNop(this.sqes, at);
    return this.track(at, options?.tag, flags);
  }

  /**
   * Queue a read of `buffer.byteLength` bytes from `fd` at `offset` (-1: file position).
   * The buffer stays referenced by the ring until the read completes.
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * import { openSync } from "node:fs";
   * using ring = Ring.create();
   * const fd = openSync("/etc/hostname", "r");
   * const buf = new Uint8Array(64);
   * ring.read(fd, buf, 0, { tag: buf });
   * ring.submitAndWait(1);
   * ring.reap((n) => console.log(n, "bytes"));
   * ```
   */
  read(fd: number, buffer: IoBuffer, offset = -1, options?: OpOptions): number {
    // Inlined fast path, not queue(READ, [fd, buffer, offset]): the same
    // checks and writer, minus an argument array and two indirect calls per
    // op. NOP and 4 KiB reads are where the per-op cost shows (bench/nop.ts,
    // bench/randread.ts); the other operations go through queue().
    const flags = sqeFlags(options, "read");
    checkFd(fd);
    checkBuffer(buffer);
    checkOffset(offset);
    // Library memory only (src/memory/_pin.ts), as ops.READ does.
    const at = this.getSqe();
    const p = pin(buffer, FROM_KERNEL);
    sqe.prepRead(this.sqes, at, fd, p.addr, buffer.byteLength, offset);
    return this.track(at, options?.tag, flags, p);
  }

  /**
   * Queue a write of `buffer` to `fd` at `offset` (-1: file position).
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.write(1, new TextEncoder().encode("hi\n"), -1);
   * ring.submitAndWait(1);
   * ```
   */
  write(fd: number, buffer: IoBuffer, offset = -1, options?: OpOptions): number {
    return this.queue(ops.WRITE, [fd, buffer, offset], options);
  }

  /**
   * Queue a vectored read into `buffers` (IORING_OP_READV).
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const parts = [new Uint8Array(4), new Uint8Array(4)];
   * ring.readv(0, parts, 0);
   * ```
   */
  readv(fd: number, buffers: readonly IoBuffer[], offset = -1, options?: OpOptions): number {
    return this.queue(ops.READV, [fd, buffers, offset], options);
  }

  /**
   * Queue a vectored write of `buffers` (IORING_OP_WRITEV).
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const enc = new TextEncoder();
   * ring.writev(1, [enc.encode("a"), enc.encode("b\n")], -1);
   * ring.submitAndWait(1);
   * ```
   */
  writev(fd: number, buffers: readonly IoBuffer[], offset = -1, options?: OpOptions): number {
    return this.queue(ops.WRITEV, [fd, buffers, offset], options);
  }

  /**
   * Queue a read into registered buffer `index` (IORING_OP_READ_FIXED); `buffer`
   * must lie inside that registered buffer.
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const buf = new Uint8Array(4096);
   * ring.registerBuffers([buf]);
   * ring.readFixed(0, buf, 0, 0);
   * ```
   */
  readFixed(fd: number, buffer: IoBuffer, offset: number, index: number, options?: OpOptions): number {
    return this.queue(ops.READ_FIXED, [fd, buffer, offset, index], options);
  }

  /**
   * Queue a write from registered buffer `index` (IORING_OP_WRITE_FIXED).
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const buf = new Uint8Array(4096);
   * ring.registerBuffers([buf]);
   * ring.writeFixed(1, buf.subarray(0, 3), -1, 0);
   * ```
   */
  writeFixed(fd: number, buffer: IoBuffer, offset: number, index: number, options?: OpOptions): number {
    return this.queue(ops.WRITE_FIXED, [fd, buffer, offset, index], options);
  }

  /**
   * Queue an fsync (or fdatasync) of `fd`.
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.fsync(1, { datasync: true });
   * ```
   */
  fsync(fd: number, how: { datasync?: boolean } = {}, options?: OpOptions): number {
    return this.queue(ops.FSYNC, [fd, how], options);
  }

  /**
   * Queue an openat(2): completes with the new fd.
   *
   * @param path file name (relative to `dirfd`, default the current directory)
   * @param flags `O_*` flags (numbers, as in `node:fs` `constants`)
   * @param mode permissions for a created file
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.openat("/etc/hostname", 0);
   * ring.submitAndWait(1);
   * ring.reap((fd) => console.log("fd", fd));
   * ```
   */
  openat(
    path: string | Uint8Array,
    flags = 0,
    mode = 0o644,
    options?: OpOptions & { dirfd?: number },
  ): number {
    return this.queue(ops.OPENAT, [path, flags, mode], options);
  }

  /**
   * Queue a close(2) of `fd` (named `closeFd` so it is not the ring's own close).
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.closeFd(42);
   * ```
   */
  closeFd(fd: number, options?: OpOptions): number {
    return this.queue(ops.CLOSE, [fd], options);
  }

  /**
   * Queue a statx(2) into `out` (256 bytes; decode with {@linkcode decodeStatx}).
   *
   * @example
   * ```ts
   * import { Ring, decodeStatx } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const out = new Uint8Array(256);
   * ring.statx("/etc/hostname", out);
   * ring.submitAndWait(1);
   * ring.reap(() => {});
   * console.log(decodeStatx(out).size);
   * ```
   */
  statx(
    path: string | Uint8Array,
    out: Uint8Array,
    options?: OpOptions & { dirfd?: number; mask?: number; atFlags?: number },
  ): number {
    return this.queue(ops.STATX, [path, out], options);
  }

  /**
   * Queue a timeout: completes with `-ETIME` after `timeout`, or with 0 once
   * `count` other completions have arrived (0: time only).
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.timeout(10);
   * ring.submitAndWait(1);
   * ring.reap((res) => console.log(res)); // -62 (ETIME)
   * ```
   */
  timeout(timeout: Timeout, options?: OpOptions & { count?: number; timeoutFlags?: number }): number {
    return this.queue(ops.TIMEOUT, [timeout], options);
  }

  /**
   * Queue a linked timeout for the previous SQE, which must carry `SqeFlag.IO_LINK`.
   *
   * @example
   * ```ts
   * import { Ring, SqeFlag } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.read(0, new Uint8Array(8), -1, { flags: SqeFlag.IO_LINK });
   * ring.linkTimeout(50);
   * ```
   */
  linkTimeout(timeout: Timeout, options?: OpOptions): number {
    return this.queue(ops.LINK_TIMEOUT, [timeout], options);
  }

  /**
   * Queue a cancellation of the operation `target` (a user_data these methods
   * returned), or with `CancelFlag.ANY | CancelFlag.ALL` of everything.
   * Completes with the number cancelled (ALL), 0, `-ENOENT` or `-EALREADY`.
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const id = ring.timeout(60_000);
   * ring.cancel(id);
   * ring.submitAndWait(2);
   * ```
   */
  cancel(target: number, cancelFlags = 0, options?: OpOptions): number {
    return this.queue(ops.CANCEL, [target, cancelFlags], options);
  }

  /**
   * Queue any operation from its description (see `operations.ts`): its
   * arguments and options are checked before an SQE is reserved, its memory
   * is kept alive until the final completion. The per-operation methods are
   * typed shorthands for this.
   *
   * @param op the description (`NOP`, `READ`, `OPENAT`, ...)
   * @param args the operation's arguments, as a tuple
   * @param options `tag`, `flags` (IOSQE_*), and the operation's own options
   * @returns the operation's user_data
   *
   * @example
   * ```ts
   * import { OPERATIONS, Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.queue(OPERATIONS.OPENAT, ["/etc/hostname", 0, 0], { tag: "open" });
   * ring.submitAndWait(1);
   * ring.reap((fd) => console.log("fd", fd));
   * ```
   */
  queue<A extends readonly unknown[], O extends object>(
    op: ops.OpDescription<A, O>,
    args: A,
    options?: OpOptions & Partial<O>,
  ): number {
    // Probe gate, once per description and ring: "requires Linux X.Y" before
    // anything is queued, instead of the kernel's EINVAL in the CQE.
    if (!this.#gated.has(op)) {
      requireOp(this, op.opcode, op.name);
      this.#gated.add(op);
    }
    const flags = sqeFlags(options, op.name, ringKeys(op));
    const keep = op.check(args, options);
    let at: number;
    try {
      at = this.getSqe();
    } catch (e) {
      if (keep instanceof Pin) keep.finish(-1); // never queued: staging back
      throw e;
    }
    try {
      op.write(this.sqes, at, args, options, keep);
    } catch (e) {
      // The writers check field widths too; should one refuse, give the SQE
      // back (it is the last one reserved) rather than submit stale bytes.
      this.#sqeTail = (this.#sqeTail - 1) >>> 0;
      if (keep instanceof Pin) keep.finish(-1);
      throw e;
    }
    return this.track(at, options?.tag, flags, keep);
  }

  // --------------------------------------------------------- submit / wait

  #publish(): number {
    // One release store of the SQ tail per batch (liburing __io_uring_flush_sq);
    // Atomics.store is sequentially consistent, which SQPOLL's wakeup check needs.
    Atomics.store(this.#ringU32, this.#sqTail, this.#sqeTail);
    return (this.#sqeTail - Atomics.load(this.#ringU32, this.#sqHead)) >>> 0;
  }

  /**
   * Publish queued SQEs (one store of the SQ tail) without entering the
   * kernel, for layers that make their own `io_uring_enter` call (registered
   * waits in `src/region/`).
   *
   * @returns the number of SQEs the kernel has not consumed yet: the
   *   `to_submit` for the next enter
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.nop();
   * console.log(ring.flush()); // 1
   * ring.submitAndWait(1);
   * ```
   */
  flush(): number {
    this.#assertOpen();
    return this.#publish();
  }

  /**
   * Publish queued SQEs and submit them with one `io_uring_enter`.
   *
   * @returns the number of SQEs submitted
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.nop(); ring.nop();
   * console.log(ring.submit()); // 2
   * ```
   */
  submit(): number {
    this.#assertOpen();
    const n = this.#publish();
    return n ? this.#engine.enter(n, 0, 0) : 0;
  }

  /**
   * Submit queued SQEs and wait until at least `waitFor` completions are ready.
   *
   * @returns the number of SQEs submitted
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * for (let i = 0; i < 8; i++) ring.nop();
   * ring.submitAndWait(8);
   * console.log(ring.reap(() => {})); // 8
   * ```
   */
  submitAndWait(waitFor = 1): number {
    checkU32(waitFor, "submitAndWait waitFor");
    this.#assertOpen();
    return this.#engine.submitAndWait(this.#publish(), waitFor);
  }

  /**
   * Submit and wait for `waitFor` completions for at most `timeout`.
   * Needs IORING_FEAT_EXT_ARG (5.11).
   *
   * @returns false if the time ran out first
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * console.log(ring.waitFor(1, 5)); // false: nothing to complete
   * ```
   */
  waitFor(waitFor: number, timeout: Timeout): boolean {
    checkU32(waitFor, "waitFor count");
    const [sec, nsec] = timespecParts(timeout);
    this.#assertOpen();
    return this.#engine.waitTimed(this.#publish(), waitFor, sec, nsec);
  }

  /**
   * Submit queued SQEs and let the kernel post whatever completions it holds,
   * without waiting (`io_uring_enter` with GETEVENTS, min_complete 0). On a
   * DEFER_TASKRUN ring completions reach the CQ only when the issuer enters
   * like this (the registered eventfd fires when such work is queued); on
   * other rings it also flushes overflowed CQEs.
   *
   * One enter runs at most 20 items of deferred task work since Linux 6.13
   * (also in 6.12.y, e.g. Debian 13's 6.12.117; IO_LOCAL_TW_DEFAULT_MAX in
   * `__io_run_local_work`) and keeps the rest for later *without* signalling
   * the registered eventfd again. On a ring with `taskrunFlag` the kernel
   * says so (IORING_SQ_TASKRUN) and this enters again, up to 64 times, until
   * none is left ({@linkcode Ring.taskWorkPending} tells whether any still is).
   *
   * @returns the number of SQEs submitted
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create({ singleIssuer: true, deferTaskrun: true });
   * ring.timeout(1);
   * ring.submit();
   * ring.getEvents(); // later: runs the deferred task work, if any
   * ```
   */
  getEvents(): number {
    this.#assertOpen();
    const n = this.#engine.enter(this.#publish(), 0, EnterFlag.GETEVENTS);
    // Bounded: work that keeps arriving is announced on the eventfd anew
    // (io_req_local_work_add signals when the list was empty).
    for (let i = 0; i < 64 && this.#engine.taskWorkLeft(); i++) this.#engine.enter(0, 0, EnterFlag.GETEVENTS);
    return n;
  }

  /**
   * Whether the kernel holds deferred task work for a later enter
   * (IORING_SQ_TASKRUN). Only rings set up with `taskrunFlag` report it
   * (`AsyncRing.create` sets it with `deferTaskrun`); on others this is
   * always false.
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create({ singleIssuer: true, deferTaskrun: true, taskrunFlag: true });
   * ring.nop();
   * ring.submit();
   * if (ring.taskWorkPending) ring.getEvents();
   * ```
   */
  get taskWorkPending(): boolean {
    return this.#engine.taskWorkLeft();
  }

  // ---------------------------------------------------------------- CQ side

  /** CQEs ready to reap. */
  get ready(): number {
    return (Atomics.load(this.#ringU32, this.#cqTail) - this.#ringU32[this.#cqHead]) >>> 0;
  }

  /**
   * Ready CQEs reap() hides (trackInternal operations), counted only while a
   * caller's operation is still in flight: with none, waiting for more could
   * never end.
   */
  #hiddenReady(): number {
    if (this.#internalLive === 0 || this.#table.size === this.#internalLive) return 0;
    const u32 = this.#ringU32;
    let head = u32[this.#cqHead], n = 0;
    const tail = Atomics.load(u32, this.#cqTail);
    for (; head !== tail; head = (head + 1) >>> 0) {
      const w = this.#cqes + (head & this.#cqMask) * this.#cqeWords;
      if (this.#table.peek(u32[w], u32[w + 1]) instanceof InternalOp) n++;
    }
    return n;
  }

  /**
   * Reap up to `max` completions, calling `handler(res, flags, tag)` for each,
   * and advance the CQ head once. Overflowed CQEs (kept by the kernel when the
   * CQ was full, FEAT_NODROP) are flushed and reaped too.
   *
   * @returns the number reaped
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.nop({ tag: "a" });
   * ring.submitAndWait(1);
   * ring.reap((res, flags, tag) => console.log(tag, res));
   * ```
   */
  reap(handler: CompletionHandler, max = Infinity): number {
    checkFn(handler, "reap handler");
    if (max !== Infinity) checkInt(max, "reap max", 0, Number.MAX_SAFE_INTEGER);
    if (this.fd < 0) return 0;
    const u32 = this.#ringU32, i32 = this.#ringI32, table = this.#table;
    let n = 0;
    for (;;) {
      let head = u32[this.#cqHead];
      const tail = Atomics.load(u32, this.#cqTail);
      try {
        while (head !== tail && n < max) {
          const w = this.#cqes + (head & this.#cqMask) * this.#cqeWords;
          const flags = u32[w + 3];
          const tag = table.complete(u32[w], u32[w + 1], (flags & CqeFlag.F_MORE) !== 0, i32[w + 2]);
          head = (head + 1) >>> 0;
          n++;
          if (u32[w] !== INTERNAL_USER_DATA || u32[w + 1] !== 0) {
            if (tag instanceof InternalOp) {
              if (!(flags & CqeFlag.F_MORE)) this.#internalLive--;
              tag.onComplete(i32[w + 2], flags);
            } else handler(i32[w + 2], flags, tag);
          }
        }
      } finally {
        Atomics.store(u32, this.#cqHead, head);
      }
      if (n >= max || !this.#engine.needsFlush()) return n;
      // liburing io_uring_peek_batch_cqe: overflow or deferred task work
      // pending, let the kernel flush it into the CQ, then look again.
      this.#engine.enter(0, 0, EnterFlag.GETEVENTS);
      if (this.ready === 0) return n;
    }
  }

  /**
   * Reap into an array of completion objects (convenient, allocates).
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.nop({ tag: 7 });
   * ring.submitAndWait(1);
   * console.log(ring.completions()); // [{ res: 0, flags: 0, tag: 7 }]
   * ```
   */
  completions(max = Infinity): Completion[] {
    if (max !== Infinity) checkInt(max, "completions max", 0, Number.MAX_SAFE_INTEGER);
    const out: Completion[] = [];
    this.reap((res, flags, tag) => out.push({ res, flags, tag }), max);
    return out;
  }

  // --------------------------------------------------- probe and register

  #register(opcode: number, arg: ArrayBufferView | null, nr: number, what: string): number {
    this.#assertOpen();
    const ret = liburing().io_uring_register(this.fd, opcode, arg, nr);
    return check(ret, `io_uring_register(${what})`, registerHint);
  }

  /**
   * The opcodes this kernel supports (IORING_REGISTER_PROBE, 5.6).
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * console.log(ring.probe().has("READ")); // true
   * ```
   */
  probe(): Set<OpName> {
    if (!this.#probe) {
      const n = 256;
      const buf = new Uint8Array(io_uring_probe.size + n * io_uring_probe_op.size);
      this.#register(Register.REGISTER_PROBE, buf, n, "PROBE");
      this.#probe = buf;
    }
    const buf = this.#probe, set = new Set<OpName>();
    const len = buf[io_uring_probe.fields.ops_len[0]];
    for (let i = 0; i < len; i++) {
      const at = io_uring_probe.size + i * io_uring_probe_op.size;
      const flags = buf[at + io_uring_probe_op.fields.flags[0]];
      const name = OP_NAMES[buf[at]];
      if (flags & Misc.OP_SUPPORTED && name) set.add(name);
    }
    return set;
  }

  /**
   * Register `fds` as fixed files (use index with `SqeFlag.FIXED_FILE`).
   * `-1` leaves a slot empty.
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.registerFiles([0, 1, 2]);
   * ```
   */
  registerFiles(fds: readonly number[]): void {
    if (!Array.isArray(fds)) throw typeError("fds", "an array of file descriptors", fds);
    // IORING_MAX_FIXED_FILES: 1 << 20; -1 leaves a slot empty.
    if (fds.length === 0 || fds.length > 1 << 20) throw rangeError("fds.length", "1 to 1048576", fds.length);
    fds.forEach((fd, i) => fd === -1 || checkFd(fd, `fds[${i}]`));
    this.#register(Register.REGISTER_FILES, Int32Array.from(fds), fds.length, "FILES");
  }

  /**
   * Drop the registered files.
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.registerFiles([0]);
   * ring.unregisterFiles();
   * ```
   */
  unregisterFiles(): void {
    this.#register(Register.UNREGISTER_FILES, null, 0, "UNREGISTER_FILES");
  }

  /**
   * Register `buffers` as fixed buffers (IORING_REGISTER_BUFFERS); they stay
   * referenced by the ring until unregistered or closed.
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.registerBuffers([new Uint8Array(4096)]);
   * ```
   */
  registerBuffers(buffers: readonly IoBuffer[]): void {
    // IORING_MAX_REG_BUFFERS: 16384.
    this.#register(Register.REGISTER_BUFFERS, iovecs(buffers, 16384), buffers.length, "BUFFERS");
    this.#fixedBuffers = buffers.slice();
  }

  #fixedBuffers: IoBuffer[] = [];

  /** The buffers registered with {@linkcode Ring.registerBuffers}, by index. */
  get fixedBuffers(): readonly IoBuffer[] {
    return this.#fixedBuffers;
  }

  /**
   * Drop the registered buffers.
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.registerBuffers([new Uint8Array(64)]);
   * ring.unregisterBuffers();
   * ```
   */
  unregisterBuffers(): void {
    this.#register(Register.UNREGISTER_BUFFERS, null, 0, "UNREGISTER_BUFFERS");
    this.#fixedBuffers = [];
  }

  /**
   * Signal `eventfd` on every completion (IORING_REGISTER_EVENTFD).
   *
   * @example
   * ```ts
   * import { Ring, eventfd } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const efd = eventfd();
   * ring.registerEventfd(efd);
   * ```
   */
  registerEventfd(eventfd: number): void {
    checkFd(eventfd, "eventfd");
    this.#register(Register.REGISTER_EVENTFD, Int32Array.of(eventfd), 1, "EVENTFD");
  }

  /**
   * Stop signalling the registered eventfd.
   *
   * @example
   * ```ts
   * import { Ring, eventfd } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.registerEventfd(eventfd());
   * ring.unregisterEventfd();
   * ```
   */
  unregisterEventfd(): void {
    this.#register(Register.UNREGISTER_EVENTFD, null, 0, "UNREGISTER_EVENTFD");
  }

  /**
   * Enable a ring created with `disabled: true` (IORING_REGISTER_ENABLE_RINGS, 5.10).
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * using ring = Ring.create({ disabled: true });
   * ring.enable();
   * ```
   */
  enable(): void {
    this.#register(Register.REGISTER_ENABLE_RINGS, null, 0, "ENABLE_RINGS");
  }

  /**
   * A raw `io_uring_register` call for the layers built on the ring
   * (regions, buffer rings): returns the result or throws a `UringError`.
   *
   * @example
   * ```ts
   * import { Ring, Register } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * ring.register(Register.REGISTER_ENABLE_RINGS, null, 0, "ENABLE_RINGS");
   * ```
   */
  register(opcode: number, arg: ArrayBufferView | null, nr: number, what: string): number {
    return this.#register(opcode, arg, nr, what);
  }

  #closeHooks: (() => void)[] = [];

  /**
   * Run `hook` once the ring is closed: after its fd is closed and its own
   * memory released, so memory the kernel used through the ring (a param
   * region) can be freed safely. Hooks run in registration order; one that
   * throws does not stop the others.
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * const ring = Ring.create();
   * ring.onClose(() => console.log("closed"));
   * ring.close(); // closed
   * ```
   */
  onClose(hook: () => void): void {
    this.#assertOpen();
    this.#closeHooks.push(hook);
  }

  // ------------------------------------------------------------------ close

  #assertOpen(): void {
    if (this.fd < 0) throw new TypeError("ring is closed");
  }

  /**
   * Close the ring. Operations still in flight are cancelled first
   * (IORING_OP_ASYNC_CANCEL, any/all) and their completions reaped, so no
   * buffer is released while the kernel may still use it; those completions
   * are returned (cancelled ones have `res === -ECANCELED`). If some never
   * complete within `graceMs`, their buffers are kept alive for the life of
   * the process rather than freed under the kernel.
   *
   * @returns the completions of the operations that were pending
   *
   * @example
   * ```ts
   * import { Ring } from "@jsuring/jsuring";
   * const ring = Ring.create();
   * ring.timeout(60_000, { tag: "slow" });
   * ring.submit();
   * console.log(ring.close()); // [{ res: -125, flags: 0, tag: "slow" }]
   * ```
   */
  close(graceMs = 5000): Completion[] {
    checkInt(graceMs, "close graceMs", 0, 2 ** 31 - 1);
    if (this.fd < 0) return [];
    const drained: Completion[] = [];
    const collect: CompletionHandler = (res, flags, tag) => drained.push({ res, flags, tag });
    // SQEs written but never published: the kernel never saw them.
    this.reap(collect);
    if (this.#table.size > 0) {
      if (this.sqSpace === 0) this.submit();
      const at = this.getSqe();
      sqe.prepCancel(this.sqes, at, 0, CancelFlag.ANY | CancelFlag.ALL);
      sqe.setUserData(this.sqes, at, INTERNAL_USER_DATA);
      const deadline = Date.now() + graceMs;
      this.submit();
      while (this.#table.size > 0 && Date.now() < deadline) {
        this.waitFor(1, Math.min(100, Math.max(1, deadline - Date.now())));
        this.reap(collect);
      }
    }
    if (this.#table.size > 0) keepForever(this.#table); // never free under the kernel
    libjsuring().jsu_close(this.fd);
    this.fd = -1;
    this.#unmap?.();
    if (this.arena) {
      this.arena.release();
      if (this.#ownsArena) this.arena[Symbol.dispose]();
    }
    this.#fixedBuffers = [];
    const hooks = this.#closeHooks;
    this.#closeHooks = [];
    let failure: unknown;
    for (const hook of hooks) {
      try {
        hook();
      } catch (e) {
        failure ??= e;
      }
    }
    if (failure !== undefined) throw failure;
    return drained;
  }

  /** Close the ring (see {@linkcode Ring.close}). */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** The tag of an operation issued with {@linkcode Ring.trackInternal}. */
class InternalOp {
  constructor(readonly onComplete: (res: number, flags: number) => void) {}
}

/**
 * Decoded fields of a `struct statx` (see {@linkcode Ring.statx}).
 *
 * @example
 * ```ts
 * import { AsyncRing, type Statx } from "@jsuring/jsuring";
 * await using ring = AsyncRing.create();
 * const st: Statx = await ring.statx("/etc/os-release");
 * console.log(st.size);
 * ```
 */
export interface Statx {
  /** File size in bytes. */
  size: number;
  /** File type and mode bits. */
  mode: number;
  /** Inode number. */
  ino: number;
  /** Hard links. */
  nlink: number;
  /** Owner. */
  uid: number;
  /** Group. */
  gid: number;
  /** 512-byte blocks allocated. */
  blocks: number;
  /** Preferred I/O size. */
  blksize: number;
  /** Modification time, ms since the epoch. */
  mtimeMs: number;
}

/**
 * Decode the statx buffer {@linkcode Ring.statx} filled.
 *
 * @example
 * ```ts
 * import { decodeStatx } from "@jsuring/jsuring";
 * const s = decodeStatx(new Uint8Array(256));
 * console.log(s.size); // 0
 * ```
 */
export function decodeStatx(buf: Uint8Array): Statx {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const f = statxLayout.fields;
  const u64 = (o: readonly [number, number]) => Number(dv.getBigUint64(o[0], true));
  return {
    size: u64(f.stx_size),
    mode: dv.getUint16(f.stx_mode[0], true),
    ino: u64(f.stx_ino),
    nlink: dv.getUint32(f.stx_nlink[0], true),
    uid: dv.getUint32(f.stx_uid[0], true),
    gid: dv.getUint32(f.stx_gid[0], true),
    blocks: u64(f.stx_blocks),
    blksize: dv.getUint32(f.stx_blksize[0], true),
    mtimeMs: Number(dv.getBigInt64(f["stx_mtime.tv_sec"][0], true)) * 1000 +
      dv.getUint32(f["stx_mtime.tv_nsec"][0], true) / 1e6,
  };
}

/**
 * Create an eventfd (for {@linkcode Ring.registerEventfd}).
 *
 * @example
 * ```ts
 * import { eventfd } from "@jsuring/jsuring";
 * const fd = eventfd();
 * ```
 */
export function eventfd(initval = 0, flags: number = EFD.CLOEXEC): number {
  checkU32(initval, "eventfd initval");
  checkU32(flags, "eventfd flags");
  return check(libjsuring().jsu_eventfd(initval, flags), "eventfd");
}

/**
 * Close a file descriptor (close(2)), throwing a `UringError` on failure.
 *
 * @example
 * ```ts
 * import { closeFd, eventfd } from "@jsuring/jsuring";
 * closeFd(eventfd());
 * ```
 */
export function closeFd(fd: number): void {
  checkFd(fd);
  check(libjsuring().jsu_close(fd), "close");
}
