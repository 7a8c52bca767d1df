/**
 * Server counters in a Float64Array, one slot per server thread: worker
 * threads write their own slot of a SharedArrayBuffer, the owner reads the
 * sum at any time with no message passing.
 *
 * @module
 */
import type { ServerCounters } from "./server.ts";

/** Fields per slot, in this order. */
export const FIELDS = 6;

/** One thread's counters (its slot). */
export class SlotCounters implements ServerCounters {
  #a: Float64Array;
  #o: number;
  constructor(a: Float64Array, slot: number) {
    this.#a = a;
    this.#o = slot * FIELDS;
  }
  get requests(): number {
    return this.#a[this.#o];
  }
  set requests(v: number) {
    this.#a[this.#o] = v;
  }
  get bytes(): number {
    return this.#a[this.#o + 1];
  }
  set bytes(v: number) {
    this.#a[this.#o + 1] = v;
  }
  get connections(): number {
    return this.#a[this.#o + 2];
  }
  set connections(v: number) {
    this.#a[this.#o + 2] = v;
  }
  get errors(): number {
    return this.#a[this.#o + 3];
  }
  set errors(v: number) {
    this.#a[this.#o + 3] = v;
  }
  get timeouts(): number {
    return this.#a[this.#o + 4];
  }
  set timeouts(v: number) {
    this.#a[this.#o + 4] = v;
  }
  get accepted(): number {
    return this.#a[this.#o + 5];
  }
  set accepted(v: number) {
    this.#a[this.#o + 5] = v;
  }
  toJSON(): Record<string, number> {
    return { ...sumOf(this.#a, this.#o, 1) };
  }
}

function sumOf(a: Float64Array, from: number, slots: number) {
  const s = [0, 0, 0, 0, 0, 0];
  for (let k = 0; k < slots; k++) for (let f = 0; f < FIELDS; f++) s[f] += a[from + k * FIELDS + f];
  return { requests: s[0], bytes: s[1], connections: s[2], errors: s[3], timeouts: s[4], accepted: s[5] };
}

/** The sum over all slots (read-only view for the owner of worker threads). */
export class SumCounters implements ServerCounters {
  #a: Float64Array;
  #slots: number;
  constructor(a: Float64Array, slots: number) {
    this.#a = a;
    this.#slots = slots;
  }
  #f(f: number): number {
    let s = 0;
    for (let k = 0; k < this.#slots; k++) s += this.#a[k * FIELDS + f];
    return s;
  }
  get requests(): number {
    return this.#f(0);
  }
  get bytes(): number {
    return this.#f(1);
  }
  get connections(): number {
    return this.#f(2);
  }
  get errors(): number {
    return this.#f(3);
  }
  get timeouts(): number {
    return this.#f(4);
  }
  get accepted(): number {
    return this.#f(5);
  }
  toJSON(): Record<string, number> {
    return { ...sumOf(this.#a, 0, this.#slots) };
  }
}
