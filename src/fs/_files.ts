/**
 * fs's slots in the ring's one registered file table (src/async/file_table.ts,
 * shared with direct descriptors: a ring can register only one). An operation
 * on a registered file (IOSQE_FIXED_FILE) skips the kernel's per-operation
 * file lookup and reference count, an atomic in multithreaded processes such
 * as Deno and Bun. No table (the ring has files registered by someone else,
 * RLIMIT_NOFILE too low) or no free fs slot: plain fds.
 *
 * @module
 */
import type { AsyncRing } from "../async/async_ring.ts";
import { FileTable as Shared } from "../async/file_table.ts";

/** Rings where no table could be had: not retried on every open. */
const none = new WeakSet<AsyncRing>();

/** fs's view of a ring's registered file table. */
export class FileTable {
  private constructor(readonly shared: Shared) {}

  static #views = new WeakMap<Shared, FileTable>();

  /** The ring's table (registered on first use); null if none can be had. */
  static of(ring: AsyncRing): FileTable | null {
    if (none.has(ring) || ring.closed) return null;
    let t: Shared;
    try {
      t = Shared.of(ring);
    } catch {
      none.add(ring); // EBUSY (files registered by someone else), EMFILE…: plain fds then
      return null;
    }
    let v = FileTable.#views.get(t);
    if (v === undefined) FileTable.#views.set(t, v = new FileTable(t));
    return v;
  }

  /** Put `fd` in a free slot; its index, or -1 when none is free. */
  add(fd: number): number {
    return this.shared._add(fd);
  }

  /**
   * A free slot for an operation that fills it itself (openat direct,
   * 5.15); -1 when none is free. Give it back with
   * {@linkcode FileTable.give} once a close_direct of it completed.
   */
  take(): number {
    return this.shared._take();
  }

  /** Slot `index`, already empty in the kernel (close_direct done, or never filled), is free again. */
  give(index: number): void {
    this.shared._give(index);
  }

  /** Slots taken and not given back yet (their chains or close_direct in flight). */
  get taken(): number {
    return this.shared._takenCount;
  }

  /** Empty slot `index` (the kernel drops its reference once operations using it finish). */
  remove(index: number): void {
    this.shared._remove(index);
  }
}
