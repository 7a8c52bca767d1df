/**
 * Argument checks shared by the fs functions (before anything is submitted)
 * and the fs error type: a {@linkcode UringError} that carries the path(s),
 * as `node:fs` errors do, with a hint for the errors a caller can act on.
 *
 * @module
 */
import { UringError } from "../errors/uring_error.ts";
import { Errno } from "../errors/errno.ts";
import { AsyncRing } from "../async/async_ring.ts";
import {
  checkBool,
  checkDirfd,
  checkFn,
  checkInt,
  checkSignal,
  show as quote,
  typeError,
} from "../ring/_args.ts";

/** The largest byte count one read or write moves (Linux MAX_RW_COUNT). */
export const MAX_RW = 0x7ffff000;

/** Check a `chunk` (4096..MAX_RW bytes) and `depth` (1..4096) option. */
export function checkChunking(op: string, chunk: unknown, depth: unknown): void {
  const bad = (v: unknown) => typeof v === "number" ? RangeError : TypeError;
  if (!Number.isInteger(chunk) || (chunk as number) < 4096 || (chunk as number) > MAX_RW) {
    throw new (bad(chunk))(`${op}: chunk must be an integer 4096..${MAX_RW} bytes, got ${quote(chunk)}`);
  }
  if (!Number.isInteger(depth) || (depth as number) < 1 || (depth as number) > 4096) {
    throw new (bad(depth))(`${op}: depth must be an integer 1..4096, got ${quote(depth)}`);
  }
}

/** One option's check: throws a TypeError or RangeError naming `what`. */
export type OptionCheck = (value: unknown, what: string) => unknown;

/** The option checks the fs functions share. */
export const opt = {
  ring: (v: unknown, what: string): void => {
    if (!(v instanceof AsyncRing)) throw typeError(what, "an AsyncRing (from AsyncRing.create())", v);
  },
  signal: (v: unknown, what: string): void => checkSignal(v, what),
  bool: (v: unknown, what: string): void => void checkBool(v, what),
  u32: (v: unknown, what: string): void => void checkInt(v, what, 0, 0xffffffff),
  mode: (v: unknown, what: string): void => void checkInt(v, what, 0, 0o7777),
  dirfd: (v: unknown, what: string): void => void checkDirfd(v, what),
  fn: (v: unknown, what: string): void => checkFn(v, what),
  /** A number whose range the function checks itself (chunk, depth). */
  number: (v: unknown, what: string): void => {
    if (typeof v !== "number") throw typeError(what, "a number", v);
  },
  string: (v: unknown, what: string): void => {
    if (typeof v !== "string") throw typeError(what, "a string", v);
  },
} satisfies Record<string, OptionCheck>;

/**
 * The options check of fs operation `op`: `undefined` or an object whose
 * every key is `ring`, `signal` or one of `extra`, each value (unless
 * undefined) of its type. A misspelt key is a TypeError that lists the
 * known ones, before anything is opened or queued.
 */
export function fsOptions(op: string, extra: Record<string, OptionCheck> = {}): (options: unknown) => void {
  const checks: Record<string, OptionCheck> = { ring: opt.ring, signal: opt.signal, ...extra };
  const known = Object.keys(checks);
  return (options) => {
    if (options === undefined) return;
    if (options === null || typeof options !== "object" || Array.isArray(options)) {
      throw typeError(`${op}: options`, "an options object", options);
    }
    for (const key in options) {
      const check = checks[key];
      if (check === undefined) {
        throw new TypeError(
          `${op}: unknown option ${JSON.stringify(key)}; known options: ${known.join(", ")}`,
        );
      }
      const v = (options as Record<string, unknown>)[key];
      if (v !== undefined) check(v, `${op}: options.${key}`);
    }
  };
}

/** Check that `path` is a string without NUL bytes. */
export function checkPath(op: string, path: unknown, what = "path"): string {
  if (typeof path !== "string") {
    throw new TypeError(`${op}: ${what} must be a string path, got ${quote(path)}`);
  }
  if (path.includes("\0")) {
    throw new TypeError(`${op}: ${what} must not contain NUL bytes, got ${quote(path)}`);
  }
  return path;
}

/** Check an integer option that goes into an SQE field of `bits` bits (unsigned). */
export function checkUint(op: string, name: string, v: unknown, bits: 32 | 53 = 32): number {
  const max = bits === 32 ? 0xffffffff : Number.MAX_SAFE_INTEGER;
  if (typeof v !== "number") {
    throw new TypeError(`${op}: ${name} must be an integer 0..${max}, got ${quote(v)}`);
  }
  if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > max) {
    throw new RangeError(`${op}: ${name} must be an integer 0..${max}, got ${quote(v)}`);
  }
  return v as number;
}

const HINTS: Partial<Record<number, string>> = {
  [Errno.EXDEV]:
    "source and destination are on different filesystems: copy with copyFile() and then remove()",
  [Errno.ENOENT]: undefined,
};

/**
 * A failed fs operation: the errno (`code` `"ENOENT"`…), the operation and
 * the path(s) it was given, like `node:fs` errors (`err.path`, `err.dest`,
 * `err.syscall`).
 *
 * @example
 * ```ts
 * import { FsError, stat } from "@jsuring/jsuring";
 * try {
 *   await stat("/nonexistent");
 * } catch (e) {
 *   if (e instanceof FsError && e.code === "ENOENT") console.log("missing:", e.path);
 * }
 * ```
 */
export class FsError extends UringError {
  /** The path the operation was given. */
  readonly path: string;
  /** The second path (rename, link, symlink, copy). */
  readonly dest?: string;
  /** The operation (`"stat"`, `"rename"`…). */
  readonly syscall: string;

  /**
   * Make the error.
   *
   * @param errno positive errno
   * @param syscall the operation
   * @param path the path it was given
   * @param dest the second path, if any
   * @param hint what to do (default: a hint for errors with an obvious remedy)
   */
  constructor(
    errno: number,
    syscall: string,
    path: string,
    dest?: string,
    hint?: string,
    options?: ErrorOptions,
  ) {
    super(
      errno,
      `${syscall} ${JSON.stringify(path)}${dest !== undefined ? ` -> ${JSON.stringify(dest)}` : ""}`,
      hint ?? HINTS[Math.abs(errno)],
      options,
    );
    this.name = "FsError";
    this.path = path;
    if (dest !== undefined) this.dest = dest;
    this.syscall = syscall;
  }
}

/** A UringError from the ring, re-made as an FsError with the path(s); anything else unchanged. */
export function withPath(e: unknown, syscall: string, path: string, dest?: string): unknown {
  if (e instanceof UringError && !(e instanceof FsError)) {
    return new FsError(e.errno, syscall, path, dest, e.hint, { cause: e });
  }
  return e;
}
