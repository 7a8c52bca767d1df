/**
 * `io_uring_enter2` with its argument as a number: an address (EXT_ARG) or a
 * byte offset into the registered region (EXT_ARG_REG, 6.13), which is not a
 * pointer, so it cannot go through a `buffer` parameter. The symbol is
 * liburing's `io_uring_enter2` loaded a second time under the key
 * `io_uring_enter2_raw` with u64 parameters (an alias in `ffi/symbols.ts`);
 * only this file uses it.
 *
 * @module
 */
import { getNative } from "./_ffi.ts";
import { liburing } from "./libs.ts";

/** A u64 FFI argument in the form the running runtime passes fastest. */
export type U64Arg = number | bigint;

// Deno takes its FFI fast path for a u64 parameter only when given a BigInt
// (a number costs ~600 ns more per call, measured on Deno 2.9); Bun is faster
// with numbers. Convert once, where the value is made, not per call.
let bigintU64: boolean | undefined;

/**
 * `n` (an integer below 2^53) as the runtime passes a u64 fastest.
 *
 * @example
 * ```ts
 * import { u64Arg } from "./enter.ts";
 * const arg = u64Arg(4096); // 4096n on Deno, 4096 on Bun
 * ```
 */
export function u64Arg(n: number): U64Arg {
  bigintU64 ??= getNative().name === "deno";
  return bigintU64 ? BigInt(n) : n;
}

/**
 * `io_uring_enter2(fd, toSubmit, minComplete, flags, arg, argsz)`: returns
 * the kernel's result (`-errno` on failure), never throws.
 *
 * @example
 * ```ts
 * import { enter2, u64Arg } from "./enter.ts";
 * console.log(enter2(-1, 0, 0, 0, u64Arg(0), u64Arg(0))); // -9 (EBADF)
 * ```
 */
export function enter2(
  fd: number,
  toSubmit: number,
  minComplete: number,
  flags: number,
  arg: U64Arg,
  argsz: U64Arg,
): number {
  return liburing().io_uring_enter2_raw(fd, toSubmit, minComplete, flags, arg, argsz);
}
