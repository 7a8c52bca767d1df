/**
 * Argument checks of the exported HTTP/1.1 helpers (issue 10): each is one
 * type test on the per-request path, so a caller's `"64"` or `undefined` is
 * a TypeError naming the function and quoting the value, never coerced into
 * a wrong header or leaked as `x.startsWith is not a function`.
 *
 * @module
 */
import { checkInt, rangeError, typeError } from "../ring/_args.ts";

/** A string argument. */
export function str(v: unknown, what: string): void {
  if (typeof v !== "string") throw typeError(what, "a string", v);
}

/** A boolean argument. */
export function bool(v: unknown, what: string): void {
  if (typeof v !== "boolean") throw typeError(what, "a boolean", v);
}

/** A finite number (times in ms, sizes). */
export function finite(v: unknown, what: string): void {
  if (typeof v !== "number") throw typeError(what, "a finite number", v);
  if (!Number.isFinite(v)) throw rangeError(what, "a finite number", v);
}

/** An integer in `min..max`. */
export function int(v: unknown, what: string, min: number, max: number): void {
  checkInt(v, what, min, max);
}
