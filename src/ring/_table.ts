/**
 * In-flight operations: each SQE's `user_data` names a slot holding the
 * caller's tag and whatever memory the kernel may touch (buffers, iovecs,
 * paths, timespecs). The slot is released only when its final CQE arrives, so
 * a buffer handed to the kernel stays reachable whatever the caller does.
 *
 * user_data = generation × 2^20 + slot: a stale or foreign CQE (a slot reused,
 * an internal cancel) never matches.
 *
 * @module
 */

import { Pin } from "../memory/_pin.ts";

const SLOT_BITS = 20;
const SLOT_SPAN = 2 ** SLOT_BITS;
const SLOT_MASK = SLOT_SPAN - 1;
/** At most this many operations in flight on one ring. */
export const MAX_IN_FLIGHT = SLOT_SPAN - 1;

/** user_data of internal SQEs (close's cancel-all): never a table entry. */
export const INTERNAL_USER_DATA = 0;

/** The table of in-flight operations. */
export class OpTable {
  #tags: unknown[] = [];
  #keeps: unknown[] = [];
  #userData = new Float64Array(64);
  #free: number[] = [];
  #next = 1; // slot 0 stays unused: user_data 0 is internal
  #live = 0;

  /** Operations submitted (or queued) and not yet finally completed. */
  get size(): number {
    return this.#live;
  }

  /** Record an operation; returns its user_data. */
  add(tag: unknown, keep: unknown): number {
    let slot = this.#free.pop();
    if (slot === undefined) {
      slot = this.#next++;
      if (slot > MAX_IN_FLIGHT) {
        this.#next--;
        throw new RangeError(`more than ${MAX_IN_FLIGHT} operations in flight on one ring`);
      }
      if (slot >= this.#userData.length) {
        const grown = new Float64Array(this.#userData.length * 2);
        grown.set(this.#userData);
        this.#userData = grown;
      }
    }
    // New generation on every reuse (a freed slot holds -user_data).
    const ud = (Math.floor(Math.abs(this.#userData[slot]) / SLOT_SPAN) + 1) * SLOT_SPAN + slot;
    this.#userData[slot] = ud;
    this.#tags[slot] = tag;
    this.#keeps[slot] = keep;
    this.#live++;
    return ud;
  }

  /**
   * The CQE with user_data `lo + hi·2^32` arrived. Returns the tag, or
   * `undefined` for a foreign CQE (check {@linkcode OpTable.owns} first when
   * tags may be undefined). With `more` (IORING_CQE_F_MORE) the slot stays.
   */
  complete(lo: number, hi: number, more: boolean, res = 0): unknown {
    const slot = lo & SLOT_MASK;
    if (this.#userData[slot] !== lo + hi * 4294967296 || slot === 0) return undefined;
    const tag = this.#tags[slot];
    if (!more) {
      // A staged buffer's bytes go back to the caller's before anyone sees
      // the completion (src/memory/_pin.ts).
      const keep = this.#keeps[slot];
      if (keep instanceof Pin) keep.finish(res);
      this.#release(slot);
    }
    return tag;
  }

  /** The tag of the live operation the CQE with user_data `lo + hi·2^32` is for, without completing it. */
  peek(lo: number, hi: number): unknown {
    const slot = lo & SLOT_MASK;
    return slot !== 0 && this.#userData[slot] === lo + hi * 4294967296 ? this.#tags[slot] : undefined;
  }

  /** Whether `userData` names a live operation. */
  owns(userData: number): boolean {
    const slot = userData % SLOT_SPAN;
    return slot !== 0 && this.#userData[slot] === userData;
  }

  #release(slot: number): void {
    this.#userData[slot] = -this.#userData[slot];
    this.#tags[slot] = undefined;
    this.#keeps[slot] = undefined;
    this.#free.push(slot);
    this.#live--;
  }
}
