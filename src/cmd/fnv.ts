/**
 * The data formulas of the jsuring kernel module, as pure functions, so data
 * moved through kernel buffers can be verified in JavaScript: the module's
 * fill pattern and its 64-bit FNV-1a checksum (`JSK_CMD_BUF_FILL`,
 * `JSK_CMD_BUF_CHECKSUM` in `kernel-module/include/uapi/jsuring_kmod.h`).
 *
 * @module
 */
import { checkInt, typeError } from "../ring/_args.ts";
import { isDetached } from "../memory/detached.ts";

/**
 * The byte the module's FILL writes at buffer offset `o`:
 * `(u8)(seed + o + (o >> 8) + (o >> 16))`, with `seed` and `o` as u32.
 *
 * @example
 * ```ts
 * import { fillByte } from "@jsuring/jsuring";
 * console.log(fillByte(0x5a, 0x10203)); // (0x5a + 0x10203 + 0x102 + 0x1) & 0xff = 0x60
 * ```
 */
export function fillByte(seed: number, o: number): number {
  checkInt(seed, "fillByte: seed", 0, 0xffffffff);
  checkInt(o, "fillByte: offset", 0, 0xffffffff);
  o >>>= 0;
  return ((seed >>> 0) + o + (o >>> 8) + (o >>> 16)) & 0xff;
}

/**
 * The bytes FILL writes into `[offset, offset + length)` of a kernel buffer.
 *
 * @param seed the FILL seed (u32)
 * @param offset byte offset in the buffer (u32)
 * @param length bytes wanted
 * @returns a new array of `length` bytes
 *
 * @example
 * ```ts
 * import { expectedFill, fnv1a64 } from "@jsuring/jsuring";
 * const want = expectedFill(0x5a, 0, 8192);
 * console.log(fnv1a64(want).toString(16)); // what kmod.fill(id, { length: 8192, seed: 0x5a }) returns
 * ```
 */
export function expectedFill(seed: number, offset: number, length: number): Uint8Array {
  checkInt(seed, "expectedFill: seed", 0, 0xffffffff);
  checkInt(offset, "expectedFill: offset", 0, 0xffffffff);
  checkInt(length, "expectedFill: length", 0, 2 ** 32);
  const out = new Uint8Array(length);
  const s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    const o = (offset + i) >>> 0;
    out[i] = (s + o + (o >>> 8) + (o >>> 16)) & 0xff;
  }
  return out;
}

/**
 * 64-bit FNV-1a of `bytes` (offset basis 0xcbf29ce484222325, prime
 * 0x100000001b3, one byte at a time), as the module computes it. Runs on two
 * u32 halves (no BigInt per byte); pass a previous result as `h` to continue
 * a hash over several pieces.
 *
 * @param bytes the data
 * @param h the hash so far (default: the offset basis)
 * @returns the hash as an unsigned 64-bit BigInt
 *
 * @example
 * ```ts
 * import { fnv1a64 } from "@jsuring/jsuring";
 * console.log(fnv1a64(new Uint8Array(0)).toString(16)); // "cbf29ce484222325"
 * console.log(fnv1a64(new TextEncoder().encode("a")).toString(16)); // "af63dc4c8601ec8c"
 * ```
 */
export function fnv1a64(bytes: Uint8Array, h: bigint = 0xcbf29ce484222325n): bigint {
  if (!(bytes instanceof Uint8Array)) throw typeError("fnv1a64: bytes", "a Uint8Array", bytes);
  if (isDetached(bytes)) throw new TypeError("fnv1a64: bytes is detached (transferred)");
  if (typeof h !== "bigint") throw typeError("fnv1a64: h", "a bigint (the running hash)", h);
  let lo = Number(h & 0xffffffffn), hi = Number((h >> 32n) & 0xffffffffn);
  for (let i = 0; i < bytes.length; i++) {
    lo = (lo ^ bytes[i]) >>> 0;
    // h * (2^40 + 0x1b3) mod 2^64: lo * 0x1b3 < 2^41 is exact in a double.
    const t = lo * 0x1b3;
    hi = (Math.imul(hi, 0x1b3) + Math.floor(t / 4294967296) + (lo << 8)) >>> 0;
    lo = t >>> 0;
  }
  return (BigInt(hi) << 32n) | BigInt(lo);
}
