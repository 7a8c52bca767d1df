/**
 * The one detached-buffer check: an ArrayBuffer that was transferred
 * (`structuredClone(b, { transfer })`, `postMessage`, `.transfer()`) is
 * detached, and the memory the kernel would write is gone from under the
 * view, so it is refused before an SQE points at it.
 *
 * @module
 */

/**
 * Whether `b` (a view, an ArrayBuffer, or a list of views) is or holds a
 * detached buffer. A detached TypedArray reads as byteLength 0, so the
 * `.detached` getter is only consulted then (it is the slower call); a
 * DataView's byteLength throws instead, so its buffer is asked directly.
 *
 * @example
 * ```ts
 * import { isDetached } from "./detached.ts";
 * const b = new Uint8Array(8);
 * structuredClone(b.buffer, { transfer: [b.buffer] });
 * console.log(isDetached(b)); // true
 * ```
 */
export function isDetached(b: ArrayBufferView | ArrayBufferLike | readonly ArrayBufferView[]): boolean {
  if (ArrayBuffer.isView(b)) return viewDetached(b);
  if (Array.isArray(b)) {
    for (const x of b as readonly ArrayBufferView[]) if (viewDetached(x)) return true;
    return false;
  }
  return (b as ArrayBufferLike).byteLength === 0 && detached(b as ArrayBufferLike);
}

// A DataView's byteLength getter throws on a detached buffer (a TypedArray's
// reads 0), so a DataView goes straight to the buffer.
const viewDetached = (v: ArrayBufferView): boolean =>
  v instanceof DataView ? detached(v.buffer) : v.byteLength === 0 && detached(v.buffer);

// deno-lint-ignore no-explicit-any
const detached = (buffer: ArrayBufferLike): boolean => (buffer as any).detached === true;
