/**
 * A typed client of the jsuring kernel module (`kernel-module/`, the misc
 * device `/dev/jsuring`). It drives the two command-side helpers of the
 * "extend bvec registration and add mem region lookup" series from Deno or
 * Bun: kernel pages registered into the ring's fixed-buffer table
 * (`io_buffer_register_bvec()`, so READ_FIXED / WRITE_FIXED move file data to
 * and from kernel memory without a user copy), and commands whose arguments
 * live in the ring's param region instead of behind user pointers.
 *
 * Each call writes its request struct into a slice of the ring's
 * {@linkcode ParamRegion}, queues one `IORING_OP_URING_CMD` SQE whose `addr`
 * is the slice offset, submits, waits for that CQE and reads the response
 * back from the region. Calls are synchronous; completions of the ring's
 * other operations that turn up meanwhile go to `onCompletion` (or are kept
 * for {@linkcode KernelModule.takeCompletions}).
 *
 * @module
 */
import { Errno } from "../errors/errno.ts";
import { UringError } from "../errors/uring_error.ts";
import { SqeFlag } from "../abi/flags.ts";
import { O } from "../abi/linux.ts";
import { readU64 as getU64, setU64 as putU64 } from "../memory/u64.ts";
import { checkBool, checkFn, checkInt, checkOptions, rangeError, typeError } from "../ring/_args.ts";
import type { SqeViews } from "../ops/sqe.ts";
import { closeFd as closeFdSync, type Completion, type CompletionHandler, type Ring } from "../ring/ring.ts";
import { ParamRegion, type RegionSlice } from "../region/region.ts";
import { clearSqe128Cmd, prepUringCmd } from "./uring_cmd.ts";
import { checkKmod, kmodOpenHint } from "./kmod_errors.ts";
import { setBufIndex, setOpFlags } from "../ops/sqe.ts";
import {
  IORING_URING_CMD_FIXED,
  jsk_buf_op,
  jsk_buf_register,
  jsk_buf_unregister,
  JSK_DEVICE_PATH,
  jsk_probe,
  JskBufFlag,
  JskCmd,
  jskCmdName,
  JskConst,
  JskFeature,
} from "./uapi.ts";

// The error hints moved to kmod_errors.ts; re-exported so importers of this file keep working.
export { checkKmod, kmodHint, kmodOpenHint } from "./kmod_errors.ts";

/**
 * Name of the region slice the client exchanges its structs through.
 *
 * @example
 * ```ts
 * import { createRingWithRegion, KernelModule, KMOD_SLICE } from "@jsuring/jsuring";
 * using r = createRingWithRegion({ entries: 16, region: { size: 4096 } });
 * using kmod = KernelModule.open(r.ring);
 * console.log(r.region!.get(KMOD_SLICE) === kmod.slice); // true
 * ```
 */
export const KMOD_SLICE = "jsuring.kmod";
/** Bytes of that slice: the largest request struct. */
const SLICE_BYTES = jsk_probe.size;
const O_RDWR = O.RDWR, O_CLOEXEC = O.CLOEXEC;
const U32_MAX = 0xffffffff;

/**
 * Options of {@linkcode KernelModule.open}.
 *
 * @example
 * ```ts
 * import type { KernelModuleOptions } from "@jsuring/jsuring";
 * const o: KernelModuleOptions = { path: "/dev/jsuring", timeoutMs: 5000 };
 * ```
 */
export interface KernelModuleOptions {
  /** The device (default `/dev/jsuring`). */
  path?: string;
  /** How long one command may take before `ETIME` is thrown (default 10 000 ms). */
  timeoutMs?: number;
  /**
   * Receives completions of the ring's other operations reaped while a call
   * waits for its own. Without it they are kept: see {@linkcode KernelModule.takeCompletions}.
   */
  onCompletion?: CompletionHandler;
  /**
   * Use this client's open device file instead of opening the device again:
   * buffer ids, access to the buffers and PROBE's counters belong to one
   * open file (module version 2), so a second ring that must reach the same
   * buffers shares it. The shared file is closed by its own client only.
   */
  share?: KernelModule;
}

/**
 * Per-call options.
 *
 * @example
 * ```ts
 * import type { CommandOptions } from "@jsuring/jsuring";
 * const o: CommandOptions = { async: true }; // issue from io-wq (IOSQE_ASYNC)
 * ```
 */
export interface CommandOptions {
  /** Set IOSQE_ASYNC: the module runs the command from an io-wq worker (the unlocked path). */
  async?: boolean;
}

/**
 * What {@linkcode KernelModule.probe} returns: `struct jsk_probe`, in camelCase.
 * The buffer counters are those of the client's open file of the device
 * (buffers registered through it; other openers' activity is not visible)
 * and only grow.
 *
 * @example
 * ```ts
 * import type { ModuleProbe } from "@jsuring/jsuring";
 * const allReleased = (p: ModuleProbe) => p.bufsLive === 0 && p.bufsRegistered === p.bufsReleased;
 * ```
 */
export interface ModuleProbe {
  /** `JSK_VERSION` of the loaded module. */
  readonly version: number;
  /** `JskFeature` bits. */
  readonly features: number;
  /** Bit `_IOC_NR(cmd)` set per supported command. */
  readonly commands: number;
  /** Whether the buffer commands work (`JskFeature.BVEC_REG`: Linux 7.3). */
  readonly bvec: boolean;
  /** Kernel buffers allocated so far. */
  readonly bufsAllocated: number;
  /** Kernel buffers whose pages were freed. */
  readonly bufsFreed: number;
  /** Successful `io_buffer_register_bvec()` calls. */
  readonly bufsRegistered: number;
  /** Release callbacks run. */
  readonly bufsReleased: number;
  /** Allocated minus freed. */
  readonly bufsLive: number;
  /** `JSK_MAX_PAGES`. */
  readonly maxPages: number;
  /** The running kernel's page size. */
  readonly pageSize: number;
}

/**
 * Arguments of {@linkcode KernelModule.registerBuffer}.
 *
 * @example
 * ```ts
 * import type { RegisterBufferOptions } from "@jsuring/jsuring";
 * const r: RegisterBufferOptions = { index: 3, pages: 2, dest: true, source: true };
 * ```
 */
export interface RegisterBufferOptions {
  /** Slot in the ring's fixed-buffer table (register a sparse table first). */
  index: number;
  /** Pages to allocate, 1..`JskConst.MAX_PAGES`. */
  pages: number;
  /** I/O may write into it (READ_FIXED). */
  dest?: boolean;
  /** I/O may read from it (WRITE_FIXED). */
  source?: boolean;
}

/**
 * A kernel buffer registered by {@linkcode KernelModule.registerBuffer}.
 *
 * @example
 * ```ts
 * import type { KernelBuffer } from "@jsuring/jsuring";
 * const pages = (b: KernelBuffer) => b.size / 4096;
 * ```
 */
export interface KernelBuffer {
  /** The module's handle for fill / checksum (never 0, never reused by this open file). */
  readonly bufId: number;
  /** Bytes: pages × page size. READ_FIXED / WRITE_FIXED addresses run 0..size. */
  readonly size: number;
  /** The table slot. */
  readonly index: number;
}

/**
 * A byte range of a kernel buffer for {@linkcode KernelModule.fill} and
 * {@linkcode KernelModule.checksum}.
 *
 * @example
 * ```ts
 * import type { BufferRange } from "@jsuring/jsuring";
 * const r: BufferRange = { offset: 4096, length: 100, seed: 7 };
 * ```
 */
export interface BufferRange {
  /** Byte offset in the buffer (default 0). */
  offset?: number;
  /** Bytes, > 0. */
  length: number;
  /** FILL's pattern seed (u32, default 0); ignored by checksum. */
  seed?: number;
}

function u32(name: string, v: number): number {
  return checkInt(v, name, 0, U32_MAX);
}

function bufId(v: number): number {
  return checkInt(v, "bufId (from registerBuffer)", 0, Number.MAX_SAFE_INTEGER);
}

function bool(name: string, v: unknown): boolean {
  return v !== undefined && checkBool(v, name);
}

/** A typed command's options: only `async`, a boolean. */
function commandOptions(options: CommandOptions | undefined, what: string): void {
  if (options === undefined) return;
  checkOptions(options, `${what} options`, ["async"]);
  bool(`${what} options.async`, options.async);
}

/**
 * Per-call SQE tweak (tests): runs after the SQE is written, before it is submitted.
 *
 * @example
 * ```ts
 * import type { SqePatch } from "@jsuring/jsuring";
 * const nonZeroIoprio: SqePatch = (s, at) => void (s.u16[(at >> 1) + 1] = 1);
 * ```
 */
export type SqePatch = (sqes: SqeViews, at: number) => void;

/**
 * Options of {@linkcode KernelModule.command}, the raw form.
 *
 * @example
 * ```ts
 * import type { RawCommandOptions } from "@jsuring/jsuring";
 * const o: RawCommandOptions = { len: 56, offset: 4 }; // a wrong size, a misaligned offset
 * ```
 */
export interface RawCommandOptions extends CommandOptions {
  /** The SQE's `len` (default: the request's length). */
  len?: number;
  /** The SQE's `addr`: the region offset (default: the client's slice). Any u64 below 2^53. */
  offset?: number;
  /** Name fixed buffer `bufIndex` in the SQE (`IORING_URING_CMD_FIXED` + `buf_index`), as UNREGISTER needs. */
  bufIndex?: number;
  /** Change the SQE after it is written (set reserved fields, flags...). */
  patch?: SqePatch;
}

/**
 * A client of `/dev/jsuring` bound to one ring with a param region.
 *
 * @example
 * ```ts
 * import { createRingWithRegion, FixedBuffers, KernelModule, expectedFill, fnv1a64 } from "@jsuring/jsuring";
 * using r = createRingWithRegion({ entries: 64, region: { size: 4096 } });
 * using table = FixedBuffers.sparse(r.ring, 8);
 * using kmod = KernelModule.open(r.ring);
 * const info = kmod.probe();
 * if (info.bvec) {
 *   const buf = kmod.registerBuffer({ index: 3, pages: 2, dest: true, source: true });
 *   const h = kmod.fill(buf.bufId, { length: buf.size, seed: 0x5a });
 *   console.log(h === fnv1a64(expectedFill(0x5a, 0, buf.size))); // true
 *   kmod.unregisterBuffer(3);
 * }
 * ```
 */
export class KernelModule implements Disposable {
  /** The ring the commands go through. */
  readonly ring: Ring;
  /** The ring's param region. */
  readonly region: ParamRegion;
  /** The region slice requests and responses go through (shared by clients of one ring). */
  readonly slice: RegionSlice;
  /** The device path. */
  readonly path: string;
  /** The device's fd (-1 once closed). */
  fd: number;

  #dv: DataView;
  #timeoutMs: number;
  #other: CompletionHandler;
  #kept: Completion[] = [];
  /** Set when the fd is another client's (options.share): never closed here. */
  #owner: KernelModule | undefined;

  private constructor(
    ring: Ring,
    region: ParamRegion,
    slice: RegionSlice,
    path: string,
    fd: number,
    o: KernelModuleOptions,
  ) {
    this.ring = ring;
    this.region = region;
    this.slice = slice;
    this.path = path;
    this.fd = fd;
    this.#dv = new DataView(slice.bytes.buffer, slice.bytes.byteOffset, slice.bytes.byteLength);
    this.#timeoutMs = o.timeoutMs ?? 10_000;
    this.#other = o.onCompletion ?? ((res, flags, tag) => this.#kept.push({ res, flags, tag }));
  }

  /**
   * Open the device through `ring` (IORING_OP_OPENAT) and bind a client to it.
   * The ring must have a param region ({@linkcode createRingWithRegion} with
   * `region`, or {@linkcode ParamRegion.register}); the client carves a
   * 64-byte slice named {@linkcode KMOD_SLICE} from it, or reuses it.
   *
   * @param ring a ring with a param region
   * @param options device path, timeout, where other completions go, a client whose open file to share
   * @returns the client; dispose it to close the device fd
   * @throws {TypeError} the ring is closed or has no param region
   * @throws {RangeError} no room for the slice in the region
   * @throws {UringError} opening the device failed (ENOENT: "load the module: insmod jsuring.ko")
   *
   * @example
   * ```ts
   * import { createRingWithRegion, KernelModule } from "@jsuring/jsuring";
   * using r = createRingWithRegion({ entries: 16, region: { size: 4096 } });
   * using kmod = KernelModule.open(r.ring, { path: "/dev/jsuring" });
   * console.log(kmod.probe().version); // 1
   * ```
   */
  static open(ring: Ring, options: KernelModuleOptions = {}): KernelModule {
    if (ring === null || typeof ring !== "object" || typeof ring.getSqe !== "function") {
      throw typeError("KernelModule.open: ring", "a Ring (Ring.create())", ring);
    }
    checkOptions(options, "KernelModule.open options", ["path", "timeoutMs", "onCompletion", "share"]);
    if (ring.fd < 0) throw new TypeError("ring is closed");
    const path = options.path ?? JSK_DEVICE_PATH;
    if (typeof path !== "string" || !path) {
      throw typeError("KernelModule.open options.path", "a non-empty string", path);
    }
    const t = options.timeoutMs ?? 10_000;
    if (typeof t !== "number") throw typeError("KernelModule.open options.timeoutMs", "a number > 0", t);
    if (!(t > 0)) throw rangeError("KernelModule.open options.timeoutMs", "a number > 0", t);
    if (options.onCompletion !== undefined) {
      checkFn(options.onCompletion, "KernelModule.open options.onCompletion");
    }
    const share = options.share;
    if (share !== undefined && !(share instanceof KernelModule)) {
      throw typeError("KernelModule.open options.share", "a KernelModule", share);
    }
    if (share !== undefined && share.fd < 0) throw new TypeError("the shared kernel module client is closed");
    const region = ParamRegion.of(ring);
    if (!region || region.freed) {
      throw new TypeError(
        "the ring has no param region: the module takes every argument from it (create the ring with createRingWithRegion({ region: { size: 4096 } }), Linux 6.13)",
      );
    }
    const slice = region.get(KMOD_SLICE) ?? region.slice(KMOD_SLICE, SLICE_BYTES, 8);
    if (share) {
      const shared = new KernelModule(ring, region, slice, share.path, share.fd, options);
      shared.#owner = share;
      return shared;
    }
    // A temporary client only to wait for the OPENAT completion with the same loop.
    const k = new KernelModule(ring, region, slice, path, -1, options);
    const token = {};
    ring.openat(path, O_RDWR | O_CLOEXEC, 0, { tag: token });
    const fd = k.#await(token, "open");
    if (fd < 0) throw new UringError(-fd, "jsuring_kmod.open", kmodOpenHint(-fd, path));
    k.fd = fd;
    return k;
  }

  /**
   * Completions of the ring's other operations reaped while calls waited
   * (when no `onCompletion` was given); the list is emptied.
   *
   * @example
   * ```ts
   * import { createRingWithRegion, KernelModule } from "@jsuring/jsuring";
   * using r = createRingWithRegion({ entries: 16, region: { size: 4096 } });
   * using kmod = KernelModule.open(r.ring);
   * r.ring.nop({ tag: "mine" });
   * kmod.probe();
   * console.log(kmod.takeCompletions()); // [{ res: 0, flags: 0, tag: "mine" }]
   * ```
   */
  takeCompletions(): Completion[] {
    const out = this.#kept;
    this.#kept = [];
    return out;
  }

  /** Submit and reap until the completion tagged `token` arrives; its res. */
  #await(token: object, what: string): number {
    let res: number | undefined;
    const handler: CompletionHandler = (r, flags, tag) => {
      if (tag === token) res = r;
      else this.#other(r, flags, tag);
    };
    const ring = this.ring;
    ring.submit();
    const deadline = Date.now() + this.#timeoutMs;
    while (res === undefined) {
      if (ring.ready === 0) {
        const left = deadline - Date.now();
        if (left <= 0 || !ring.waitFor(1, Math.min(left, 1000)) && Date.now() >= deadline) {
          throw new UringError(
            Errno.ETIME,
            `jsuring_kmod.${what}`,
            `no completion within ${this.#timeoutMs} ms`,
          );
        }
      }
      ring.reap(handler);
    }
    return res;
  }

  #assertOpen(): void {
    if (this.fd < 0) throw new TypeError("the kernel module client is closed");
    if (this.#owner && this.#owner.fd < 0) throw new TypeError("the shared kernel module client is closed");
    if (this.region.freed) throw new TypeError("the ring is closed");
  }

  /**
   * The raw form: copy `request` into the slice (unless `offset` points
   * elsewhere), issue `cmdOp`, wait, and return the CQE's res without
   * throwing. No checks on the request: for tests and new commands. The
   * response is in {@linkcode KernelModule.slice}.
   *
   * @param cmdOp the command number (any u32)
   * @param request the struct's bytes (at most 64)
   * @param options SQE `len` / `addr` overrides, IOSQE_ASYNC, an SQE patch
   * @returns the CQE's res: 0 or `-errno`
   *
   * @example
   * ```ts
   * import { createRingWithRegion, KernelModule, JskCmd } from "@jsuring/jsuring";
   * using r = createRingWithRegion({ entries: 16, region: { size: 4096 } });
   * using kmod = KernelModule.open(r.ring);
   * console.log(kmod.command(JskCmd.PROBE, new Uint8Array(64), { len: 56 })); // -22 (EINVAL)
   * ```
   */
  command(cmdOp: number, request: Uint8Array, options: RawCommandOptions = {}): number {
    checkOptions(options, "command options", ["async", "len", "offset", "bufIndex", "patch"]);
    bool("command options.async", options.async);
    if (options.patch !== undefined) checkFn(options.patch, "command options.patch");
    this.#assertOpen();
    if (!(request instanceof Uint8Array)) throw typeError("command request", "a Uint8Array", request);
    if (request.length > this.slice.size) {
      throw new RangeError(
        `command request is ${request.length} bytes, at most ${this.slice.size} fit the slice`,
      );
    }
    const offset = checkInt(
      options.offset ?? this.slice.offset,
      "command options.offset",
      0,
      Number.MAX_SAFE_INTEGER,
    );
    const len = u32("command options.len", options.len ?? request.length);
    const bi = options.bufIndex;
    if (bi !== undefined) checkInt(bi, "command options.bufIndex (u16 buf_index)", 0, 0xffff);
    u32("command cmdOp", cmdOp);
    if (options.offset === undefined) this.slice.bytes.set(request);
    const ring = this.ring;
    const at = ring.getSqe();
    this.#prep(at, u32("cmdOp", cmdOp), offset, len, options.bufIndex);
    const token = {};
    ring.track(at, token, options.async ? SqeFlag.ASYNC : 0);
    options.patch?.(ring.sqes, at);
    return this.#await(token, jskCmdName(cmdOp));
  }

  /** The URING_CMD SQE; on an SQE128 ring the second half (command area) is cleared too. */
  #prep(at: number, cmdOp: number, offset: number, len: number, bufIndex?: number): void {
    const s = this.ring.sqes;
    prepUringCmd(s, at, this.fd, cmdOp, offset, len);
    if (bufIndex !== undefined) {
      // UNREGISTER names its slot to io_uring (liburing callers set these two by hand)
      setOpFlags(s, at, IORING_URING_CMD_FIXED); // uring_cmd_flags
      setBufIndex(s, at, bufIndex);
    }
    if (this.ring.layout.sqeSize === 128) clearSqe128Cmd(s, at);
  }

  /** Typed path: write the struct (already in the slice), issue, check. */
  #call(cmdOp: number, size: number, options?: CommandOptions, bufIndex?: number): void {
    const ring = this.ring;
    const at = ring.getSqe();
    this.#prep(at, cmdOp, this.slice.offset, size, bufIndex);
    const token = {};
    ring.track(at, token, options?.async ? SqeFlag.ASYNC : 0);
    checkKmod(this.#await(token, jskCmdName(cmdOp)), cmdOp);
  }

  /**
   * `JSK_CMD_PROBE`: the module's version, features, commands and its
   * (module-global) buffer counters.
   *
   * @example
   * ```ts
   * import { createRingWithRegion, KernelModule } from "@jsuring/jsuring";
   * using r = createRingWithRegion({ entries: 16, region: { size: 4096 } });
   * using kmod = KernelModule.open(r.ring);
   * const p = kmod.probe();
   * console.log(p.version, p.bvec, p.bufsLive); // 1 true 0
   * ```
   */
  probe(options?: CommandOptions): ModuleProbe {
    commandOptions(options, "probe");
    this.#assertOpen();
    const F = jsk_probe.fields, dv = this.#dv;
    this.slice.bytes.fill(0, 0, jsk_probe.size);
    this.#call(JskCmd.PROBE, jsk_probe.size, options);
    const features = dv.getUint32(F.features[0], true);
    return {
      version: dv.getUint32(F.version[0], true),
      features,
      commands: getU64(dv, F.commands[0]),
      bvec: (features & JskFeature.BVEC_REG) !== 0,
      bufsAllocated: getU64(dv, F.bufs_allocated[0]),
      bufsFreed: getU64(dv, F.bufs_freed[0]),
      bufsRegistered: getU64(dv, F.bufs_registered[0]),
      bufsReleased: getU64(dv, F.bufs_released[0]),
      bufsLive: getU64(dv, F.bufs_live[0]),
      maxPages: dv.getUint32(F.max_pages[0], true),
      pageSize: dv.getUint32(F.page_size[0], true),
    };
  }

  /**
   * `JSK_CMD_BUF_REGISTER`: allocate `pages` zeroed kernel pages and register
   * them at slot `index` of the ring's fixed-buffer table. Then
   * `prepReadFixed` / `prepWriteFixed` with that index and addresses
   * 0..size move file data to and from them.
   *
   * @param request slot, pages, directions (at least one)
   * @returns the module's buffer id and the size
   * @throws {RangeError|TypeError} bad arguments, before the kernel sees them
   * @throws {UringError} EINVAL (index past the table), EBUSY (slot occupied), EOPNOTSUPP (no bvec registration)
   *
   * @example
   * ```ts
   * import { createRingWithRegion, FixedBuffers, KernelModule } from "@jsuring/jsuring";
   * using r = createRingWithRegion({ entries: 16, region: { size: 4096 } });
   * using table = FixedBuffers.sparse(r.ring, 4);
   * using kmod = KernelModule.open(r.ring);
   * const b = kmod.registerBuffer({ index: 0, pages: 1, dest: true });
   * console.log(b.size); // 4096
   * ```
   */
  registerBuffer(request: RegisterBufferOptions, options?: CommandOptions): KernelBuffer {
    commandOptions(options, "registerBuffer");
    if (request === null || typeof request !== "object") {
      throw typeError("registerBuffer request", "an object { index, pages, dest?, source? }", request);
    }
    checkOptions(request, "registerBuffer request", ["index", "pages", "dest", "source"]);
    this.#assertOpen();
    const index = u32("registerBuffer request.index", request.index);
    const pages = checkInt(request.pages, "registerBuffer request.pages", 1, JskConst.MAX_PAGES);
    const flags = (bool("registerBuffer request.dest", request.dest) ? JskBufFlag.DEST : 0) |
      (bool("registerBuffer request.source", request.source) ? JskBufFlag.SOURCE : 0);
    if (!flags) {
      throw new TypeError("a kernel buffer needs a direction: dest (READ_FIXED) and/or source (WRITE_FIXED)");
    }
    const F = jsk_buf_register.fields, dv = this.#dv;
    this.slice.bytes.fill(0, 0, jsk_buf_register.size);
    dv.setUint32(F.index[0], index, true);
    dv.setUint32(F.nr_pages[0], pages, true);
    dv.setUint32(F.flags[0], flags, true);
    this.#call(JskCmd.BUF_REGISTER, jsk_buf_register.size, options);
    return { bufId: getU64(dv, F.buf_id[0]), size: getU64(dv, F.size[0]), index };
  }

  /**
   * `JSK_CMD_BUF_UNREGISTER`: remove the kernel buffer at slot `index`. Its
   * pages are freed once in-flight I/O using them completes. The SQE names
   * the slot in `buf_index` too (`IORING_URING_CMD_FIXED`), so io_uring looks
   * it up and the module refuses a buffer it did not register through this
   * open file.
   *
   * @throws {RangeError} index above 65535 (the SQE's u16 buf_index)
   * @throws {UringError} EINVAL (slot empty or past the table), EBUSY (a user buffer), EPERM (not this open file's kernel buffer)
   *
   * @example
   * ```ts
   * import { createRingWithRegion, FixedBuffers, KernelModule } from "@jsuring/jsuring";
   * using r = createRingWithRegion({ entries: 16, region: { size: 4096 } });
   * using table = FixedBuffers.sparse(r.ring, 4);
   * using kmod = KernelModule.open(r.ring);
   * kmod.registerBuffer({ index: 1, pages: 1, source: true });
   * kmod.unregisterBuffer(1);
   * ```
   */
  unregisterBuffer(index: number, options?: CommandOptions): void {
    commandOptions(options, "unregisterBuffer");
    checkInt(index, "unregisterBuffer index (the SQE's u16 buf_index)", 0, 0xffff);
    this.#assertOpen();
    const F = jsk_buf_unregister.fields, dv = this.#dv;
    this.slice.bytes.fill(0, 0, jsk_buf_unregister.size);
    dv.setUint32(F.index[0], index, true);
    this.#call(JskCmd.BUF_UNREGISTER, jsk_buf_unregister.size, options, index);
  }

  #bufOp(cmdOp: number, id: number, range: BufferRange, fill: boolean, options?: CommandOptions): bigint {
    const what = fill ? "fill" : "checksum";
    commandOptions(options, what);
    bufId(id);
    if (range === null || typeof range !== "object") {
      throw typeError(`${what} range`, "an object { offset?, length, seed? }", range);
    }
    checkOptions(range, `${what} range`, ["offset", "length", "seed"]);
    this.#assertOpen();
    const offset = u32(`${what} range.offset`, range.offset ?? 0);
    const length = checkInt(range.length, `${what} range.length`, 1, U32_MAX);
    if (offset + length > 2 ** 32) throw new RangeError(`offset + length (${offset + length}) is past 2^32`);
    const seed = fill ? u32("seed", range.seed ?? 0) : 0;
    const F = jsk_buf_op.fields, dv = this.#dv;
    this.slice.bytes.fill(0, 0, jsk_buf_op.size);
    putU64(dv, F.buf_id[0], id);
    dv.setUint32(F.offset[0], offset, true);
    dv.setUint32(F.length[0], length, true);
    dv.setUint32(F.seed[0], seed, true);
    this.#call(cmdOp, jsk_buf_op.size, options);
    return dv.getBigUint64(F.fnv1a[0], true);
  }

  /**
   * `JSK_CMD_BUF_FILL`: write the pattern {@linkcode expectedFill} describes
   * into `[offset, offset + length)` of a kernel buffer.
   *
   * @param id the buffer id from {@linkcode KernelModule.registerBuffer}
   * @param range offset (default 0), length, seed
   * @returns the FNV-1a 64 of the range after filling ({@linkcode fnv1a64})
   * @throws {UringError} ENOENT (no such buffer of this open file), EINVAL (range past its end)
   *
   * @example
   * ```ts
   * import { createRingWithRegion, expectedFill, FixedBuffers, fnv1a64, KernelModule } from "@jsuring/jsuring";
   * using r = createRingWithRegion({ entries: 16, region: { size: 4096 } });
   * using table = FixedBuffers.sparse(r.ring, 4);
   * using kmod = KernelModule.open(r.ring);
   * const b = kmod.registerBuffer({ index: 0, pages: 1, source: true });
   * const h = kmod.fill(b.bufId, { offset: 100, length: 200, seed: 9 });
   * console.log(h === fnv1a64(expectedFill(9, 100, 200))); // true
   * ```
   */
  fill(id: number, range: BufferRange, options?: CommandOptions): bigint {
    return this.#bufOp(JskCmd.BUF_FILL, id, range, true, options);
  }

  /**
   * `JSK_CMD_BUF_CHECKSUM`: the FNV-1a 64 of `[offset, offset + length)` of a
   * kernel buffer (`seed` is ignored).
   *
   * @throws {UringError} ENOENT (no such buffer of this open file), EINVAL (range past its end)
   *
   * @example
   * ```ts
   * import { createRingWithRegion, FixedBuffers, fnv1a64, KernelModule } from "@jsuring/jsuring";
   * using r = createRingWithRegion({ entries: 16, region: { size: 4096 } });
   * using table = FixedBuffers.sparse(r.ring, 4);
   * using kmod = KernelModule.open(r.ring);
   * const b = kmod.registerBuffer({ index: 0, pages: 1, dest: true });
   * console.log(kmod.checksum(b.bufId, { length: 4096 }) === fnv1a64(new Uint8Array(4096))); // true: fresh pages are zero
   * ```
   */
  checksum(id: number, range: BufferRange, options?: CommandOptions): bigint {
    return this.#bufOp(JskCmd.BUF_CHECKSUM, id, range, false, options);
  }

  /**
   * Close the device fd. Kernel buffers stay registered in the ring's table
   * (they belong to the ring, and are released when it closes).
   *
   * @example
   * ```ts
   * import { createRingWithRegion, KernelModule } from "@jsuring/jsuring";
   * using r = createRingWithRegion({ entries: 16, region: { size: 4096 } });
   * const kmod = KernelModule.open(r.ring);
   * kmod.close();
   * ```
   */
  close(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    if (this.#owner) return; // the fd is the sharing client's
    if (this.ring.fd >= 0) {
      // Through the ring: no companion-library call needed.
      const token = {};
      this.ring.closeFd(fd, { tag: token });
      this.#await(token, "close");
    } else {
      closeFdSync(fd);
    }
  }

  /** Close the device fd (see {@linkcode KernelModule.close}). */
  [Symbol.dispose](): void {
    this.close();
  }
}
