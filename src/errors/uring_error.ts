/**
 * `UringError`: every kernel error jsuring surfaces, with the errno name, the
 * operation that failed and, where it helps, a hint about the likely cause.
 *
 * @module
 */
import { errnoMessage, errnoName } from "./errno.ts";
import { typeError } from "../ring/_args.ts";

/**
 * A failed io_uring system call or operation.
 *
 * @example
 * ```ts
 * import { UringError } from "@jsuring/jsuring";
 * try {
 *   throw new UringError(-22, "io_uring_setup", "NO_MMAP needs Linux 6.5");
 * } catch (e) {
 *   if (e instanceof UringError && e.code === "EINVAL") console.log(e.hint);
 * }
 * ```
 */
export class UringError extends Error {
  /** Positive errno number. */
  readonly errno: number;
  /** errno name, e.g. `"EINVAL"`. */
  readonly code: string;
  /** The system call or operation, e.g. `"io_uring_setup"` or `"read"`. */
  readonly op: string;
  /** What probably caused it and what to do, when jsuring can tell. */
  readonly hint?: string;

  /**
   * Make an error for `errno` from `op`.
   *
   * @param errno the error, positive or as the kernel's negative result
   * @param op the system call or operation that failed
   * @param hint an optional explanation
   */
  constructor(errno: number, op: string, hint?: string, options?: ErrorOptions) {
    const code = errnoName(errno);
    if (typeof op !== "string") throw typeError("UringError: op", "a string naming the operation", op);
    if (hint !== undefined && typeof hint !== "string") throw typeError("UringError: hint", "a string", hint);
    super(`${op}: ${code} (${errnoMessage(errno)})${hint ? `: ${hint}` : ""}`, options);
    this.name = "UringError";
    this.errno = Math.abs(errno);
    this.code = code;
    this.op = op;
    if (hint) this.hint = hint;
  }
}

/**
 * Return `result` if it is not negative, else throw a `UringError` for it.
 *
 * @param result a syscall or CQE result (`-errno` on failure)
 * @param op the operation's name for the message
 * @param hint optional: computes a hint from the errno, only on failure
 * @returns `result`
 *
 * @example
 * ```ts
 * import { check } from "@jsuring/jsuring";
 * const n = check(4096, "read"); // 4096
 * ```
 */
export function check(
  result: number,
  op: string,
  hint?: (errno: number) => string | undefined,
): number {
  if (typeof result !== "number") throw typeError("check: result", "a syscall's result (a number)", result);
  if (result >= 0) return result;
  if (typeof op !== "string") throw typeError("check: op", "a string naming the operation", op);
  if (hint !== undefined && typeof hint !== "function") throw typeError("check: hint", "a function", hint);
  throw new UringError(-result, op, hint?.(-result));
}
