/**
 * The one set of argument checks every public entry point uses (Ring,
 * AsyncRing, buffers, fs, net, region): each bad argument becomes a
 * TypeError (wrong type) or RangeError (right type, out of range) here,
 * before anything is reserved, tracked or queued and before the kernel sees
 * it. Messages quote the value with its type (`got "64" (string)`), so a
 * string that looks like a number cannot make a message contradict itself.
 *
 * Each check is sized for the SQE field the value ends in (s32 fd, u32 len,
 * u64 offset, u16 buffer group/index), as liburing's `io_uring_prep_*`
 * arguments are typed.
 *
 * @module
 */
import { AT_FDCWD as LINUX_AT_FDCWD } from "../abi/linux.ts";
import { isDetached } from "../memory/detached.ts";
import { __kernel_timespec, iovec } from "../abi/layout.ts";
import { getNative } from "../runtime/_ffi.ts";
import { putU64 } from "../ops/sqe.ts";

/**
 * A timeout: milliseconds, or seconds and nanoseconds.
 *
 * @example
 * ```ts
 * import { AsyncRing, type Timeout } from "@jsuring/jsuring";
 * const fiveMs: Timeout = { sec: 0, nsec: 5_000_000 }; // or 5 (milliseconds)
 * await using ring = AsyncRing.create();
 * await ring.sleep(fiveMs);
 * ```
 */
export type Timeout = number | { sec: number; nsec?: number };

/**
 * A buffer the kernel reads from or writes into.
 *
 * @example
 * ```ts
 * import { type IoBuffer, Ring } from "@jsuring/jsuring";
 * const buf: IoBuffer = new Uint8Array(4096); // any ArrayBufferView
 * using ring = Ring.create({ entries: 8 });
 * ring.read(0, buf, -1);
 * ```
 */
export type IoBuffer = ArrayBufferView;

/** AT_FDCWD (include/uapi/linux/fcntl.h): paths relative to the current directory. */
export const AT_FDCWD: -100 = LINUX_AT_FDCWD;

/** Largest value of a u32 SQE field (`len`, `op_flags`). */
export const U32_MAX = 0xffffffff;
/** Largest value of a u16 SQE field (`buf_index`, `buf_group`). */
export const U16_MAX = 0xffff;

const TEXT = new TextEncoder();

/**
 * `value` as a message shows it: strings quoted, every value with its type
 * (`"64" (string)`, `-1 (number)`, `a function`), never more than ~60 characters.
 */
export function show(value: unknown): string {
  switch (typeof value) {
    case "string": {
      const s = value.length > 40 ? value.slice(0, 40) + "…" : value;
      return `${JSON.stringify(s)} (string)`;
    }
    case "number":
      return `${Object.is(value, -0) ? "-0" : String(value)} (number)`;
    case "bigint":
      return `${value}n (bigint)`;
    case "boolean":
      return `${value} (boolean)`;
    case "undefined":
      return "undefined";
    case "symbol":
      return `${String(value)} (symbol)`;
    case "function":
      return "a function";
  }
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  const name = (value as object).constructor?.name;
  return name && name !== "Object" ? `a ${name} (object)` : "an object";
}

/** A TypeError "`what` must be `expected`, got `value`". */
export function typeError(what: string, expected: string, value: unknown): TypeError {
  return new TypeError(`${what} must be ${expected}, got ${show(value)}`);
}

/** A RangeError "`what` must be `expected`, got `value`". */
export function rangeError(what: string, expected: string, value: unknown): RangeError {
  return new RangeError(`${what} must be ${expected}, got ${show(value)}`);
}

/**
 * An integer in `min..max`: a TypeError for a non-number, a RangeError for
 * NaN, a fraction or a value out of range.
 */
export function checkInt(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== "number") throw typeError(what, `an integer from ${min} to ${max}`, value);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw rangeError(what, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

/** A u32 (SQE `len`, `op_flags`, counts). */
export function checkU32(value: unknown, what: string): number {
  return checkInt(value, what, 0, U32_MAX);
}

/** A u16 (SQE `buf_index`, `buf_group`, buffer ids). */
export function checkU16(value: unknown, what: string): number {
  return checkInt(value, what, 0, U16_MAX);
}

/** A u64 that JavaScript numbers hold exactly (0..2^53-1). */
export function checkU64(value: unknown, what: string): number {
  return checkInt(value, what, 0, Number.MAX_SAFE_INTEGER);
}

/**
 * A file descriptor for an SQE's s32 `fd`: 0..2^31-1, or, where the
 * operation resolves paths (`dirfd`), AT_FDCWD. One rule for every entry
 * point: `fd + 2**32` is refused, never truncated to `fd`.
 */
export function checkFd(value: unknown, what = "fd", atFdcwd = false): number {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 0x7fffffff) return value;
  if (atFdcwd && value === AT_FDCWD) return value;
  const expected = atFdcwd
    ? "a file descriptor (an integer from 0 to 2147483647) or AT_FDCWD (-100)"
    : "a file descriptor (an integer from 0 to 2147483647)";
  throw typeof value === "number" ? rangeError(what, expected, value) : typeError(what, expected, value);
}

/** A directory fd for path operations: a file descriptor or AT_FDCWD. */
export function checkDirfd(value: unknown, what = "dirfd"): number {
  return checkFd(value, what, true);
}

/** A file offset for the SQE's u64 `off`: 0..2^53-1, or -1 for the file position. */
export function checkOffset(value: unknown, what = "offset"): number {
  const expected = "an integer from 0 to 2^53-1, or -1 for the file position";
  if (typeof value !== "number") throw typeError(what, expected, value);
  if (!Number.isSafeInteger(value) || value < -1) throw rangeError(what, expected, value);
  return value;
}

/** A boolean (no truthy strings: `"false"` would otherwise mean true). */
export function checkBool(value: unknown, what: string): boolean {
  if (typeof value !== "boolean") throw typeError(what, "a boolean", value);
  return value;
}

/** A callback. */
export function checkFn(value: unknown, what: string): void {
  if (typeof value !== "function") throw typeError(what, "a function", value);
}

/** An AbortSignal. */
export function checkSignal(value: unknown, what = "signal"): void {
  if (!(value instanceof AbortSignal)) throw typeError(what, "an AbortSignal", value);
}

/** One of `choices` (a TypeError otherwise, as Web IDL enums: a wrong name is a wrong type). */
export function checkChoice<T extends string>(value: unknown, what: string, choices: readonly T[]): T {
  if (!choices.includes(value as T)) {
    throw typeError(what, `one of ${choices.map((c) => JSON.stringify(c)).join(", ")}`, value);
  }
  return value as T;
}

/**
 * An options argument: `undefined`, or an object with no key outside `known`
 * (a misspelt option is an error, not silently ignored). Returns it typed.
 */
export function checkOptions<T extends object>(
  value: T | undefined,
  what: string,
  known: readonly string[],
): T | undefined {
  if (value === undefined) return value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw typeError(what, "an options object", value);
  }
  for (const key in value) {
    if (!known.includes(key)) {
      throw new TypeError(
        `${what}: unknown option ${JSON.stringify(key)}; known options: ${known.join(", ")}`,
      );
    }
  }
  return value;
}

/**
 * A buffer for an SQE: a TypedArray or DataView, not detached, and at most
 * 2^32-1 bytes, which the u32 `len` field holds. A larger buffer is REFUSED
 * (not clamped): written unchecked, 2^32 bytes became len 0, a read of 0
 * bytes that looked like end of file. Pass a subarray to read in parts.
 */
export function checkBuffer(buf: unknown, what = "buffer"): asserts buf is IoBuffer {
  if (!ArrayBuffer.isView(buf)) throw typeError(what, "a TypedArray or DataView", buf);
  if (isDetached(buf)) throw new TypeError(`${what} is detached (transferred)`);
  if (buf.byteLength > U32_MAX) {
    throw new RangeError(
      `${what} is ${buf.byteLength} bytes; one operation takes at most ${U32_MAX} (the SQE's 32-bit length): pass a subarray`,
    );
  }
}

/** Validate a timeout and split it into seconds and nanoseconds (nsec always < 1e9). */
export function timespecParts(t: Timeout, what = "timeout"): [sec: number, nsec: number] {
  if (typeof t === "number") {
    if (!(t >= 0) || !Number.isFinite(t)) {
      throw rangeError(what, "a finite number of milliseconds ≥ 0", t);
    }
    let sec = Math.floor(t / 1000);
    let nsec = Math.round((t - sec * 1000) * 1e6);
    // 999.9999999 ms rounds to 1e9 ns: carry into the seconds, as the kernel
    // rejects tv_nsec ≥ NSEC_PER_SEC (timespec64_valid()).
    if (nsec >= 1e9) {
      sec += 1;
      nsec -= 1e9;
    }
    return [sec, nsec];
  }
  if (t === null || typeof t !== "object") {
    throw typeError(what, "milliseconds (a number) or { sec, nsec }", t);
  }
  for (const key in t) {
    if (key !== "sec" && key !== "nsec") {
      throw new TypeError(`${what}: unknown field ${JSON.stringify(key)}; known fields: sec, nsec`);
    }
  }
  const sec = checkU64(t.sec, `${what}.sec`);
  const nsec = checkInt(t.nsec ?? 0, `${what}.nsec`, 0, 999_999_999);
  return [sec, nsec];
}

/** A `__kernel_timespec` for an operation (kept alive with it). */
export function timespec(t: Timeout, what = "timeout"): Uint8Array {
  const [sec, nsec] = timespecParts(t, what);
  const w = new Uint32Array(__kernel_timespec.size / 4);
  putU64(w, 0, sec);
  putU64(w, 2, nsec);
  return new Uint8Array(w.buffer);
}

/** A NUL-terminated path: a string without NUL, or bytes that end with one. */
export function cString(path: unknown, what = "path"): Uint8Array {
  if (typeof path !== "string") {
    if (!(path instanceof Uint8Array)) {
      throw typeError(what, "a string or a NUL-terminated Uint8Array", path);
    }
    if (path.length === 0 || path[path.length - 1] !== 0) {
      throw new TypeError(`${what} given as bytes must end with a NUL byte`);
    }
    return path;
  }
  if (path.includes("\0")) throw new TypeError(`${what} contains a NUL character: ${show(path)}`);
  const bytes = new Uint8Array(path.length * 3 + 1);
  const { written } = TEXT.encodeInto(path, bytes);
  return bytes.subarray(0, written + 1);
}

/** A `struct iovec` array over `buffers` (1 to `max` of them, checked), kept alive by the caller. */
export function iovecs(buffers: readonly IoBuffer[], max = 1024, what = "buffers"): Uint32Array {
  if (!Array.isArray(buffers)) throw typeError(what, `an array of 1 to ${max} buffers`, buffers);
  if (buffers.length === 0 || buffers.length > max) {
    throw new RangeError(`${what} must be an array of 1 to ${max} buffers, got ${buffers.length}`);
  }
  const native = getNative();
  const iov = new Uint32Array((buffers.length * iovec.size) / 4);
  for (let i = 0; i < buffers.length; i++) {
    const b = buffers[i];
    checkBuffer(b, `${what}[${i}]`);
    putU64(iov, i * 4, native.addressOf(b));
    putU64(iov, i * 4 + 2, b.byteLength);
  }
  return iov;
}
