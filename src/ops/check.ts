/**
 * Field-width checks for the SQE writers: every value a writer stores is
 * checked against the width of the SQE field it lands in (u8, u16, u32, s32,
 * u64), so a bad argument is a RangeError naming the writer, the argument and
 * the value with its type, never silent truncation by a typed array.
 *
 * Each check is a type test and one comparison on the fast path
 * (`v >>> 0 === v` is false for fractions, NaN, negatives and values past
 * 2^32; the type test keeps strings and BigInts out, which `>>>` would
 * coerce or throw on), cheap enough for the per-op hot path.
 *
 * @module
 */

/**
 * A value as error messages quote it: strings in double quotes, then its
 * type, e.g. `"64" (string)`, `1.5 (number)`, `64n (bigint)`.
 *
 * @example
 * ```ts
 * import { quote } from "@jsuring/jsuring";
 * console.log(quote("64")); // "64" (string)
 * ```
 */
export function quote(v: unknown): string {
  let shown: string;
  if (typeof v === "string") shown = JSON.stringify(v);
  else if (typeof v === "bigint") shown = `${v}n`;
  else if (typeof v === "number" || typeof v === "boolean" || v === undefined) shown = String(v);
  else if (v === null) return "null";
  else if (typeof v === "symbol") shown = v.toString();
  else if (typeof v === "function") shown = `[function ${v.name || "anonymous"}]`;
  else shown = Array.isArray(v) ? "[array]" : `[${v.constructor?.name ?? "object"}]`;
  return `${shown} (${typeof v})`;
}

/**
 * The RangeError every check throws: `where: field must be kind, got value (type)`.
 *
 * @example
 * ```ts
 * import { fieldError } from "@jsuring/jsuring";
 * console.log(fieldError("prepRead", "len", "a u32", "64").message);
 * // prepRead: len must be a u32, got "64" (string)
 * ```
 */
export function fieldError(where: string, field: string, kind: string, v: unknown): RangeError {
  return new RangeError(`${where}: ${field} must be ${kind}, got ${quote(v)}`);
}

const bad = fieldError;

/**
 * Throw unless `v` fits a `__u8` (0..255).
 *
 * @example
 * ```ts
 * import { checkU8 } from "@jsuring/jsuring";
 * checkU8(46, "prepRw", "op");
 * ```
 */
export function checkU8(v: number, where: string, field: string): void {
  if (typeof v !== "number" || (v & 0xff) !== v) throw bad(where, field, "a u8 (0..255)", v);
}

/**
 * Throw unless `v` fits a `__u16` (0..65535).
 *
 * @example
 * ```ts
 * import { checkU16 } from "@jsuring/jsuring";
 * checkU16(0xfff0, "setBufGroup", "bgid");
 * ```
 */
export function checkU16(v: number, where: string, field: string): void {
  if (typeof v !== "number" || (v & 0xffff) !== v) throw bad(where, field, "a u16 (0..65535)", v);
}

/**
 * Throw unless `v` fits a `__u32` (0..4294967295).
 *
 * @example
 * ```ts
 * import { checkU32 } from "@jsuring/jsuring";
 * checkU32(4096, "prepRead", "len");
 * ```
 */
export function checkU32(v: number, where: string, field: string): void {
  if (typeof v !== "number" || v >>> 0 !== v) throw bad(where, field, "a u32 (0..4294967295)", v);
}

/**
 * Throw unless `v` fits a `__s32` (-2147483648..2147483647): file
 * descriptors, `AT_FDCWD` (-100) and -1 included.
 *
 * @example
 * ```ts
 * import { checkS32 } from "@jsuring/jsuring";
 * checkS32(-100, "prepOpenat", "dirfd");
 * ```
 */
export function checkS32(v: number, where: string, field: string): void {
  if (typeof v !== "number" || (v | 0) !== v) throw bad(where, field, "an s32 (-2147483648..2147483647)", v);
}

/**
 * Throw unless `v` is a `__u64` the writers can store: an integer 0..2^53-1,
 * or -1 for all ones (liburing's `(__u64)-1`: "the file position").
 *
 * @example
 * ```ts
 * import { checkU64 } from "@jsuring/jsuring";
 * checkU64(-1, "prepRead", "offset");
 * ```
 */
export function checkU64(v: number, where: string, field: string): void {
  // One range test and one integer test (Math.floor is inlined; NaN and
  // non-numbers fail the range test): this runs for every address and offset.
  if (typeof v !== "number" || !(v >= -1 && v <= 9007199254740991 && Math.floor(v) === v)) {
    throw bad(where, field, "a u64 (0..2^53-1, or -1 for all ones)", v);
  }
}

/**
 * Throw unless `v` is a `__u64` 0..2^53-1 (no -1): lengths and sizes.
 *
 * @example
 * ```ts
 * import { checkSize } from "@jsuring/jsuring";
 * checkSize(1 << 30, "prepFallocate", "len");
 * ```
 */
export function checkSize(v: number, where: string, field: string): void {
  if (typeof v !== "number" || !(v >= 0 && v <= 9007199254740991 && Math.floor(v) === v)) {
    throw bad(where, field, "a u64 (0..2^53-1)", v);
  }
}
