/**
 * `@jsuring/jsuring/ops`: every SQE writer and setter (`src/ops/` is the
 * only code that knows SQE offsets, as `liburing.h` is for liburing), the
 * field-width checks they use, and the probe gate. Everything here is also
 * exported by the package root, `@jsuring/jsuring`.
 *
 * Adding an opcode:
 * 1. its row in `OPCODES` (`src/abi/opcodes.ts`): number and first Linux
 *    release (tests/abi_test.ts pins the number, tests/opcodes_test.ts the
 *    release against the running kernel's probe);
 * 2. its writer in the file of its area (`sqe.ts` read/write/core, `net.ts`,
 *    `fs.ts`, `poll.ts`, `cmd.ts`), composed as the liburing prep it names,
 *    every argument checked with `check.ts` for its field's width, field
 *    offsets only from `_fill.ts`, JSDoc citing the liburing function and the
 *    kernel version, with an `@example`;
 * 3. a golden case of the same name in tests/c/sqe_golden.c (inside
 *    `#if NEW_PREPS` if liburing 2.3 lacks the prep) and tests/sqe_test.ts,
 *    which fails while an exported writer has none;
 * 4. callers gate it with `requireOp(ring, Op.X)` when it is newer than the
 *    library's floor.
 *
 * @example
 * ```ts
 * import { prepNop, sqeViews } from "@jsuring/jsuring/ops";
 * const s = sqeViews(new ArrayBuffer(64));
 * prepNop(s, 0);
 * ```
 *
 * @module
 */
export * from "./sqe.ts";
export * from "./net.ts";
export * from "./fs.ts";
export * from "./poll.ts";
export * from "./check.ts";
export * from "./cmd.ts";
export * from "./require.ts";
