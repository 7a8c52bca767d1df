/**
 * Argument checks and conversions shared by the operation methods of the
 * sync and async rings: every bad argument becomes a RangeError or TypeError
 * here, before anything reaches the kernel.
 *
 * @module
 */
import { __kernel_timespec, iovec } from "../abi/layout.ts";
import { getNative } from "../runtime/_ffi.ts";
import { putU64 } from "../ops/sqe.ts";

/** A timeout: milliseconds, or seconds and nanoseconds. */
export type Timeout = number | { sec: number; nsec?: number };

/** A buffer the kernel reads from or writes into. */
export type IoBuffer = ArrayBufferView;

const TEXT = new TextEncoder();

/** Validate a timeout and split it into seconds and nanoseconds. */
export function timespecParts(t: Timeout): [sec: number, nsec: number] {
  if (typeof t === "number") {
    if (!(t >= 0) || !Number.isFinite(t)) throw new RangeError(`timeout must be ≥ 0 ms, got ${t}`);
    const sec = Math.floor(t / 1000);
    return [sec, Math.round((t - sec * 1000) * 1e6)];
  }
  const sec = t.sec, nsec = t.nsec ?? 0;
  if (!Number.isSafeInteger(sec) || sec < 0 || !Number.isInteger(nsec) || nsec < 0 || nsec >= 1e9) {
    throw new RangeError(`timeout must have sec ≥ 0 and 0 ≤ nsec < 1e9, got ${sec}/${nsec}`);
  }
  return [sec, nsec];
}

/** A `__kernel_timespec` for an operation (kept alive with it). */
export function timespec(t: Timeout): Uint8Array {
  const [sec, nsec] = timespecParts(t);
  const w = new Uint32Array(__kernel_timespec.size / 4);
  putU64(w, 0, sec);
  putU64(w, 2, nsec);
  return new Uint8Array(w.buffer);
}

export function cString(path: string | Uint8Array): Uint8Array {
  if (typeof path !== "string") {
    if (path.at(-1) !== 0) throw new TypeError("a path given as bytes must end with a NUL byte");
    return path;
  }
  if (path.includes("\0")) throw new TypeError("path contains a NUL character");
  const bytes = new Uint8Array(path.length * 3 + 1);
  const { written } = TEXT.encodeInto(path, bytes);
  return bytes.subarray(0, written + 1);
}

export function checkBuffer(buf: unknown, what = "buffer"): asserts buf is IoBuffer {
  if (!ArrayBuffer.isView(buf)) {
    throw new TypeError(`${what} must be a TypedArray or DataView, got ${typeof buf}`);
  }
  // A detached view reads as byteLength 0: only then pay for `.buffer.detached`.
  // deno-lint-ignore no-explicit-any
  if (buf.byteLength === 0 && (buf.buffer as any).detached) {
    throw new TypeError(`${what} is detached (transferred)`);
  }
}

export function checkFd(fd: number): void {
  if (!Number.isInteger(fd) || fd < -100 || fd > 0x7fffffff) {
    throw new RangeError(`file descriptor must be an integer, got ${fd}`);
  }
}

export function checkOffset(offset: number): void {
  if (!Number.isSafeInteger(offset) || offset < -1) {
    throw new RangeError(`offset must be a safe integer ≥ 0, or -1 for the file position; got ${offset}`);
  }
}

/** A `struct iovec` array over `buffers` (1 to 1024 of them, checked), kept alive by the caller. */
export function iovecs(buffers: readonly IoBuffer[], max = 1024): Uint32Array {
  if (!Array.isArray(buffers) || buffers.length === 0 || buffers.length > max) {
    throw new RangeError(`buffers must be an array of 1 to ${max} buffers`);
  }
  const native = getNative();
  const iov = new Uint32Array((buffers.length * iovec.size) / 4);
  buffers.forEach((b, i) => {
    checkBuffer(b, `buffers[${i}]`);
    putU64(iov, i * 4, native.addressOf(b));
    putU64(iov, i * 4 + 2, b.byteLength);
  });
  return iov;
}
