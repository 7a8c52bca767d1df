/**
 * A registered file table per AsyncRing: sparse (IORING_REGISTER_FILES2 with
 * IORING_RSRC_REGISTER_SPARSE, 5.19), slots filled and emptied in place
 * (IORING_REGISTER_FILES_UPDATE2, 5.13). An operation on a registered file
 * (IOSQE_FIXED_FILE) skips the kernel's per-operation file lookup and
 * reference count, an atomic in multithreaded processes such as Deno and Bun.
 *
 * @module
 */
import { Misc, Register } from "../abi/flags.ts";
import type { AsyncRing } from "../async/async_ring.ts";
import { getNative } from "../runtime/_ffi.ts";
import { putU64 } from "../ops/sqe.ts";

const RSRC_REGISTER_SPARSE = Misc.RSRC_REGISTER_SPARSE;
const SLOTS = 1024;

/** The registered file slots of one ring. */
export class FileTable {
  #ring: AsyncRing;
  #free: number[] = [];

  private constructor(ring: AsyncRing) {
    this.#ring = ring;
    for (let i = SLOTS - 1; i >= 0; i--) this.#free.push(i);
  }

  static #tables = new WeakMap<AsyncRing, FileTable | null>();

  /** The ring's table, registered on first use; null if the ring has files registered by someone else. */
  static of(ring: AsyncRing): FileTable | null {
    let t = FileTable.#tables.get(ring);
    if (t === undefined) {
      const arg = new Uint32Array(8); // struct io_uring_rsrc_register
      arg[0] = SLOTS;
      arg[1] = RSRC_REGISTER_SPARSE;
      try {
        ring.ring.register(Register.REGISTER_FILES2, arg, 32, "FILES2 (sparse)");
        t = new FileTable(ring);
      } catch {
        t = null; // EBUSY: a file table exists already; plain fds then
      }
      FileTable.#tables.set(ring, t);
    }
    return t;
  }

  #update(index: number, fd: number): void {
    const fds = Int32Array.of(fd);
    const arg = new Uint32Array(8); // struct io_uring_rsrc_update2
    arg[0] = index;
    putU64(arg, 2, getNative().addressOf(fds));
    arg[6] = 1;
    this.#ring.ring.register(Register.REGISTER_FILES_UPDATE2, arg, 32, "FILES_UPDATE2");
  }

  /** Put `fd` in a free slot; its index, or -1 when the table is full. */
  add(fd: number): number {
    const index = this.#free.pop();
    if (index === undefined) return -1;
    try {
      this.#update(index, fd);
    } catch {
      this.#free.push(index);
      return -1;
    }
    return index;
  }

  /**
   * A free slot for an operation that fills it itself (openat direct,
   * 5.15); -1 when the table is full. Give it back with
   * {@linkcode FileTable.give} once a close_direct of it completed.
   */
  take(): number {
    return this.#free.pop() ?? -1;
  }

  /** Slot `index`, already empty in the kernel (close_direct done, or never filled), is free again. */
  give(index: number): void {
    this.#free.push(index);
  }

  /** Empty slot `index` (the kernel drops its reference once operations using it finish). */
  remove(index: number): void {
    if (this.#ring.closed) return;
    try {
      this.#update(index, -1);
    } finally {
      this.#free.push(index);
    }
  }
}
