/**
 * The one u64 splitter: kernel `__u64` fields as JS numbers (< 2^53), stored
 * as two little-endian u32 words, because BigInt reads and writes are several
 * times slower. -1 stands for all ones (`(__u64)-1`). Unchecked: callers
 * check their values (the SQE writers in src/ops/ do, for every field).
 *
 * @module
 */

const TWO32 = 4294967296;

/**
 * Write `value` (0..2^53-1, or -1 for all ones) as two u32 words at word
 * index `w` of `u32`.
 *
 * @example
 * ```ts
 * import { putU64 } from "@jsuring/jsuring";
 * const words = new Uint32Array(2);
 * putU64(words, 0, 2 ** 32 + 5); // words: [5, 1]
 * ```
 */
export function putU64(u32: Uint32Array, w: number, value: number): void {
  if (value === -1) {
    u32[w] = 0xffffffff;
    u32[w + 1] = 0xffffffff;
  } else {
    u32[w] = value >>> 0;
    u32[w + 1] = (value / TWO32) >>> 0;
  }
}

/**
 * Read the u64 at word index `w` of `u32` as a number (exact below 2^53).
 *
 * @example
 * ```ts
 * import { getU64 } from "./u64.ts";
 * console.log(getU64(new Uint32Array([5, 1]), 0)); // 4294967301
 * ```
 */
export function getU64(u32: Uint32Array, w: number): number {
  return u32[w] + u32[w + 1] * TWO32;
}

/**
 * {@linkcode putU64} through a DataView at byte offset `at` (little-endian).
 *
 * @example
 * ```ts
 * import { setU64 } from "./u64.ts";
 * setU64(new DataView(new ArrayBuffer(8)), 0, 2 ** 40);
 * ```
 */
export function setU64(dv: DataView, at: number, value: number): void {
  if (value === -1) {
    dv.setUint32(at, 0xffffffff, true);
    dv.setUint32(at + 4, 0xffffffff, true);
  } else {
    dv.setUint32(at, value >>> 0, true);
    dv.setUint32(at + 4, (value / TWO32) >>> 0, true);
  }
}

/**
 * {@linkcode getU64} through a DataView at byte offset `at` (little-endian).
 *
 * @example
 * ```ts
 * import { readU64 } from "./u64.ts";
 * console.log(readU64(new DataView(new ArrayBuffer(8)), 0)); // 0
 * ```
 */
export function readU64(dv: DataView, at: number): number {
  return dv.getUint32(at, true) + dv.getUint32(at + 4, true) * TWO32;
}
