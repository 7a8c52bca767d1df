/**
 * The one registered file table of an AsyncRing, shared by direct
 * descriptors (src/net/direct.ts) and fs (src/fs/_files.ts): a ring can
 * register only one file table (a second IORING_REGISTER_FILES2 is EBUSY).
 *
 * Registered sparse (IORING_REGISTER_FILES2 + IORING_RSRC_REGISTER_SPARSE,
 * 5.19) on first use, in two ranges:
 * - `[0, reserved)`: slots managed here in JS for fs (`take`/`give` for
 *   openat-direct chains, `add`/`remove` for registered {@link File}s);
 * - `[reserved, size)`: slots the kernel picks for `IORING_FILE_INDEX_ALLOC`
 *   (direct accepts), restricted with IORING_REGISTER_FILE_ALLOC_RANGE (6.0).
 *
 * The fs range is at the bottom so that growing (which only adds slots at
 * the top) never moves an index fs handed out. `reserved` is a quarter of
 * the table, at most 1024 (the default table of 4096 gives fs the 1024 it
 * had on its own; fs needs a slot per chain in flight, bounded by the SQ,
 * plus one per registered open file, and falls back to plain fds when none
 * is free); 0 for a table under 64 slots or when the kernel lacks
 * FILE_ALLOC_RANGE (before 6.0 a kernel-picked slot could land in fs's range).
 *
 * @module
 */
import type { AsyncRing } from "./async_ring.ts";
import { Misc, Register } from "../abi/flags.ts";
import { io_uring_file_index_range, io_uring_rsrc_register, io_uring_rsrc_update2 } from "../abi/layout.ts";
import { Op } from "../abi/opcodes.ts";
import { opSupported } from "../ops/require.ts";
import { OPERATIONS } from "../ring/operations.ts";
import { checkBool, checkInt, checkOptions, typeError } from "../ring/_args.ts";
import { AsyncRingCore } from "./_core.ts";
import { getNative } from "../runtime/_ffi.ts";
import { kernelAtLeast } from "../errors/hints.ts";
import { libc, libjsuring } from "../runtime/libs.ts";
import { putU64 } from "../memory/u64.ts";
import { UringError } from "../errors/uring_error.ts";
import { Errno } from "../errors/errno.ts";

const RLIMIT_NOFILE = 7;
/** IORING_MAX_FIXED_FILES (1 << 20). */
const MAX_FILES = 1 << 20;
const DEFAULT_CAP = 4096;

/** @internal The soft RLIMIT_NOFILE (at most IORING_MAX_FIXED_FILES). */
export function nofile(): number {
  const lim = new BigUint64Array(2);
  if (libc().getrlimit(RLIMIT_NOFILE, lim) !== 0) return 1024;
  return lim[0] > BigInt(MAX_FILES) ? MAX_FILES : Number(lim[0]);
}

/** The fs range of a table of `size` slots (see the module doc). */
const reservedFor = (size: number): number => size < 64 ? 0 : Math.min(1024, size >> 2);

/**
 * Options of {@linkcode FileTable.of}.
 *
 * @example
 * ```ts
 * import type { FileTableOptions } from "@jsuring/jsuring";
 * const opts: FileTableOptions = { size: 16384 };
 * ```
 */
export interface FileTableOptions {
  /**
   * Slots (1..1048576, at most RLIMIT_NOFILE). Default: the soft
   * RLIMIT_NOFILE, at most 4096; the table grows when full (Linux 6.13+).
   * From 64 slots on, a quarter (at most 1024) is kept for fs's own use
   * (`open`, `readFile`); the rest is for direct descriptors.
   */
  size?: number;
}

const TABLES = new WeakMap<AsyncRing, FileTable>();

/**
 * A ring's registered file table, managed: registered sparse on first use,
 * grown when full, slots released when their connections close. fs
 * (`open`, `readFile`) uses a reserved part of the same table.
 *
 * @example
 * ```ts
 * import { AsyncRing, FileTable } from "@jsuring/jsuring";
 * await using ring = AsyncRing.create();
 * const table = FileTable.of(ring, { size: 256 });
 * console.log(table.size, table.used); // 256 0
 * ```
 */
export class FileTable {
  /** The ring whose table this is. */
  readonly ring: AsyncRing;
  #size: number;
  /** The size the table was registered with (before any grow). */
  #registered: number;
  /** Kernel-allocated slots holding a live connection. */
  #live = new Set<number>();
  /** The fs range [0, #reserved). */
  #reserved = 0;
  #free: number[] = [];
  /** fs slots filled by `add`, with the fd (the File keeps it open while registered). */
  #added = new Map<number, number>();
  /** fs slots handed out by `take` and not given back yet. */
  #taken = 0;
  #growing = false;
  #drained: (() => void) | undefined;
  /** How often the table grew. */
  grown = 0;

  private constructor(ring: AsyncRing, size: number) {
    this.ring = ring;
    this.#size = size;
    this.#registered = size;
  }

  /**
   * The ring's table, registered on first use (`options` apply then; later
   * calls return the same table).
   *
   * @throws {RangeError} `options.size` differs from the size the ring's table
   * was already registered with (by fs, `directConnections` or an earlier call)
   *
   * @example
   * ```ts
   * import { AsyncRing, FileTable } from "@jsuring/jsuring";
   * await using ring = AsyncRing.create();
   * console.log(FileTable.of(ring) === FileTable.of(ring)); // true
   * ```
   */
  static of(ring: AsyncRing, options: FileTableOptions = {}): FileTable {
    if (!(ring instanceof AsyncRingCore)) throw typeError("FileTable.of: ring", "an AsyncRing", ring);
    checkOptions(options, "FileTable options", ["size"]);
    const asked = options.size === undefined
      ? undefined
      : checkInt(options.size, "FileTable options.size", 1, MAX_FILES);
    const have = TABLES.get(ring);
    if (have) {
      // A ring has one table (the kernel refuses a second registration, EBUSY),
      // so an explicit size that cannot be honoured is an error, not a silent
      // other size. The size it was registered with stays accepted after a grow,
      // so passing the same options on every call keeps working.
      if (asked !== undefined && asked !== have.#registered && asked !== have.#size) {
        const now = have.#size === have.#registered ? "" : `, grown to ${have.#size} since`;
        throw new RangeError(
          `FileTable options.size is ${asked}, but this ring's table is already registered with ` +
            `${have.#registered} slots${now} (by fs's open/readFile, directConnections or an earlier FileTable.of): ` +
            `pass the size (fileTable: { size }) on the ring's first use of the table, or use another ring`,
        );
      }
      return have;
    }
    const limit = nofile();
    const size = asked ?? Math.min(limit, DEFAULT_CAP);
    if (size > limit) {
      throw new RangeError(
        `FileTable options.size is ${size}, above RLIMIT_NOFILE (${limit}), which the kernel refuses (EMFILE): ` +
          `raise the limit (ulimit -n) or ask for fewer slots`,
      );
    }
    const t = new FileTable(ring, size);
    t.#register(size);
    const reserved = reservedFor(size);
    if (reserved > 0 && t.#allocRange(reserved, size)) {
      t.#reserved = reserved;
      for (let i = reserved - 1; i >= 0; i--) t.#free.push(i);
    }
    TABLES.set(ring, t);
    ring.ring.onClose(() => {
      TABLES.delete(ring);
      t.#wake(); // a grow waiting for fs's chains: they will not come back
    });
    return t;
  }

  #register(size: number): void {
    const arg = new Uint32Array(io_uring_rsrc_register.size / 4);
    arg[io_uring_rsrc_register.fields.nr[0] / 4] = size;
    arg[io_uring_rsrc_register.fields.flags[0] / 4] = Misc.RSRC_REGISTER_SPARSE;
    try {
      this.ring.ring.register(
        Register.REGISTER_FILES2,
        arg,
        io_uring_rsrc_register.size,
        "FILES2 (sparse file table)",
      );
    } catch (e) {
      if (e instanceof UringError && e.errno === Errno.EBUSY) {
        throw new UringError(
          Errno.EBUSY,
          "FileTable",
          "this ring already has registered files (ring.registerFiles): direct descriptors need the table managed by FileTable, so use another ring or leave registration to it",
          { cause: e },
        );
      }
      throw e;
    }
  }

  /** Kernel-picked slots from [off, end) only (IORING_REGISTER_FILE_ALLOC_RANGE, 6.0); false if refused. */
  #allocRange(off: number, end: number): boolean {
    const arg = new Uint32Array(io_uring_file_index_range.size / 4);
    arg[io_uring_file_index_range.fields.off[0] / 4] = off;
    arg[io_uring_file_index_range.fields.len[0] / 4] = end - off;
    try {
      // nr_args must be 0 for this opcode.
      this.ring.ring.register(Register.REGISTER_FILE_ALLOC_RANGE, arg, 0, "FILE_ALLOC_RANGE");
      return true;
    } catch {
      return false; // before 6.0 (EINVAL): no fs range then
    }
  }

  /** Slots in the table. */
  get size(): number {
    return this.#size;
  }

  /** Slots holding a live connection. */
  get used(): number {
    return this.#live.size;
  }

  /** @internal Slots the kernel may pick for direct accepts. */
  get _directSlots(): number {
    return this.#size - this.#reserved;
  }

  /**
   * @internal Whether {@linkcode FileTable.grow} can grow it now. Growing
   * unregisters the table, and before Linux 6.13 (the rsrc node rework) that
   * quiesces it: io_sqe_files_unregister waits in io_rsrc_ref_quiesce for
   * every request holding the table, which an armed multishot recv on a slot
   * never stops doing; the 6.12 guest hung there. So 6.13+, not just
   * IORING_OP_FIXED_FD_INSTALL's 6.8.
   */
  _canGrow(): boolean {
    return Math.min(this.#size * 2, nofile(), MAX_FILES) > this.#size && kernelAtLeast("6.13") &&
      opSupported(this.ring.ring, Op.FIXED_FD_INSTALL);
  }

  /** @internal The kernel put a file in `slot`. */
  _took(slot: number): void {
    this.#live.add(slot);
  }

  /**
   * Double the table (up to RLIMIT_NOFILE and 1048576), keeping every live
   * slot's file in its slot. Returns false when it cannot grow (at the
   * limit, or a kernel before 6.13: see `_canGrow`).
   * Nothing may be accepting into the table meanwhile (the direct accept
   * calls it after its accepts in flight came back). fs gets no new slot
   * while it runs and its open-direct chains in flight finish first, so no
   * slot an operation names changes under it.
   *
   * @example
   * ```ts
   * import { AsyncRing, FileTable } from "@jsuring/jsuring";
   * await using ring = AsyncRing.create();
   * const t = FileTable.of(ring, { size: 8 });
   * console.log(await t.grow(), t.size); // true 16 (where the kernel allows)
   * ```
   */
  async grow(): Promise<boolean> {
    if (!this._canGrow() || this.#growing) return false;
    this.#growing = true;
    const fds: number[] = [];
    let installed = 0;
    try {
      // A chain's linked read looks its slot up when it runs: let them end.
      while (this.#taken > 0 && !this.ring.closed) await new Promise<void>((r) => this.#drained = r);
      if (this.ring.closed) return false;
      const next = Math.min(this.#size * 2, nofile(), MAX_FILES);
      const slots = [...this.#live];
      // Regular descriptors for the live kernel slots (each holds its own file reference).
      for (
        const fd of await Promise.all(slots.map((s) => this.ring.run(OPERATIONS.FIXED_FD_INSTALL, [s, 0])))
      ) {
        fds.push(fd);
      }
      installed = fds.length;
      // From here on synchronous: nothing is submitted in between.
      for (const [slot, fd] of this.#added) {
        slots.push(slot);
        fds.push(fd); // the File's own descriptor: not ours to close
      }
      this.ring.ring.unregisterFiles();
      this.#register(next);
      if (this.#reserved > 0 && !this.#allocRange(this.#reserved, next)) {
        throw new UringError(Errno.EINVAL, "FILE_ALLOC_RANGE", "the kernel refused a range it took before");
      }
      // Back into the same slots (IORING_REGISTER_FILES_UPDATE, 5.5).
      const one = new Int32Array(1);
      const upd = new Uint32Array(io_uring_rsrc_update2.size / 4);
      for (let i = 0; i < slots.length; i++) {
        one[0] = fds[i];
        upd[0] = slots[i];
        putU64(upd, 2, getAddress(one));
        this.ring.ring.register(Register.REGISTER_FILES_UPDATE, upd, 1, "FILES_UPDATE");
      }
      this.#size = next;
      this.grown++;
      return true;
    } finally {
      for (let i = 0; i < installed; i++) libjsuring().jsu_close(fds[i]);
      this.#growing = false;
    }
  }

  /**
   * A regular descriptor for `slot` (IORING_OP_FIXED_FD_INSTALL, Linux 6.8;
   * O_CLOEXEC unless `cloexec: false`); the slot stays.
   *
   * @example
   * ```ts ignore
   * const fd = await table.install(conn.slot);
   * ```
   */
  install(slot: number, options: { cloexec?: boolean } = {}): Promise<number> {
    try {
      checkOptions(options, "install options", ["cloexec"]);
      const cloexec = options.cloexec === undefined || checkBool(options.cloexec, "install options.cloexec");
      return this.ring.run(OPERATIONS.FIXED_FD_INSTALL, [slot, cloexec ? 0 : Misc.FIXED_FD_NO_CLOEXEC]);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Empty `slot` (IORING_OP_CLOSE with `file_index`, 5.15): the file closes
   * once nothing in flight uses it.
   *
   * @example
   * ```ts ignore
   * await table.release(slot);
   * ```
   */
  async release(slot: number): Promise<void> {
    if (!this.#live.delete(slot)) return;
    if (!this.ring.closed) await this.ring.run(OPERATIONS.CLOSE_DIRECT, [slot]).catch(() => {});
    for (const f of this.#onRelease) f();
  }

  #onRelease = new Set<() => void>();

  /** @internal Call `f` whenever a slot is released (a waiting accept may go on). */
  _onRelease(f: () => void): void {
    this.#onRelease.add(f);
  }

  /** @internal */
  _offRelease(f: () => void): void {
    this.#onRelease.delete(f);
  }

  // fs's range: slots managed in JS.

  #update(index: number, fd: number): void {
    const fds = Int32Array.of(fd);
    const arg = new Uint32Array(io_uring_rsrc_update2.size / 4);
    arg[io_uring_rsrc_update2.fields.offset[0] / 4] = index;
    putU64(arg, io_uring_rsrc_update2.fields.data[0] / 4, getAddress(fds));
    arg[io_uring_rsrc_update2.fields.nr[0] / 4] = 1;
    this.ring.ring.register(
      Register.REGISTER_FILES_UPDATE2,
      arg,
      io_uring_rsrc_update2.size,
      "FILES_UPDATE2",
    );
  }

  /** @internal Put `fd` (kept open by the caller until `_remove`) in a free fs slot; its index, or -1. */
  _add(fd: number): number {
    if (this.#growing) return -1;
    const index = this.#free.pop();
    if (index === undefined) return -1;
    try {
      this.#update(index, fd);
    } catch {
      this.#free.push(index);
      return -1;
    }
    this.#added.set(index, fd);
    return index;
  }

  /** @internal Empty fs slot `index` (the kernel drops its reference once operations using it finish). */
  _remove(index: number): void {
    if (!this.#added.delete(index)) return;
    try {
      if (!this.ring.closed) this.#update(index, -1);
    } finally {
      this.#free.push(index);
    }
  }

  /**
   * @internal A free fs slot for an operation that fills it itself (openat
   * direct, 5.15); -1 when none (or while the table grows). Give it back
   * with `_give` once a close_direct of it completed.
   */
  _take(): number {
    if (this.#growing) return -1;
    const index = this.#free.pop();
    if (index === undefined) return -1;
    this.#taken++;
    return index;
  }

  /** @internal Taken slot `index`, already empty in the kernel, is free again. */
  _give(index: number): void {
    this.#free.push(index);
    if (--this.#taken === 0) this.#wake();
  }

  #wake(): void {
    const w = this.#drained;
    this.#drained = undefined;
    w?.();
  }

  /** @internal Slots taken and not given back (their chains or closes are in flight). */
  get _takenCount(): number {
    return this.#taken;
  }
}

const getAddress = (v: ArrayBufferView): number => getNative().addressOf(v);
