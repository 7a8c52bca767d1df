/**
 * Validators and preconditions (RFC 9110 §8.8, §13): the ETag of a file,
 * and the evaluation order of §13.2.2 — If-Match, If-Unmodified-Since,
 * If-None-Match, If-Modified-Since — that decides between answering,
 * 304 Not Modified and 412 Precondition Failed. If-Range is in `range.ts`.
 *
 * @module
 */
import { parseHttpDate } from "./date.ts";
import { finite, int, str } from "./_check.ts";
import { typeError } from "../ring/_args.ts";

/**
 * A strong ETag for a file version: inode, size and modification time in
 * microseconds (what changes when the content does, short of a same-size
 * write within one timestamp tick).
 *
 * @example
 * ```ts
 * import { fileEtag } from "@jsuring/jsuring";
 * console.log(fileEtag(12, 4096, 1700000000123.456)); // "\"c-1000-60a2418202240\""
 * ```
 */
export function fileEtag(ino: number, size: number, mtimeMs: number): string {
  int(ino, "fileEtag: ino", 0, 2 ** 64); // a u64 inode number, as statx gives it (may pass 2^53)
  int(size, "fileEtag: size", 0, 2 ** 64);
  finite(mtimeMs, "fileEtag: mtimeMs");
  return `"${ino.toString(16)}-${size.toString(16)}-${Math.round(mtimeMs * 1000).toString(16)}"`;
}

/** The entity-tags of an If-Match / If-None-Match value ("*" → ["*"]). */
function tags(value: string): string[] {
  const out: string[] = [];
  const re = /\s*(\*|(?:W\/)?"[^"]*")\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < value.length && (m = re.exec(value))) out.push(m[1]);
  return out;
}

/** Weak comparison: opaque tags equal, W/ ignored (RFC 9110 §8.8.3.2). */
function weakMatch(a: string, b: string): boolean {
  return (a.startsWith("W/") ? a.slice(2) : a) === (b.startsWith("W/") ? b.slice(2) : b);
}

/**
 * Strong comparison of two entity-tags: both strong and equal (RFC 9110 §8.8.3.2).
 *
 * @example
 * ```ts
 * import { strongMatch } from "@jsuring/jsuring";
 * console.log(strongMatch("\"a\"", "\"a\""), strongMatch("W/\"a\"", "W/\"a\"")); // true false
 * ```
 */
export function strongMatch(a: string, b: string): boolean {
  str(a, "strongMatch: a");
  str(b, "strongMatch: b");
  return !a.startsWith("W/") && a === b;
}

/**
 * The request's precondition headers (undefined when absent).
 *
 * @example
 * ```ts
 * import type { Preconditions } from "@jsuring/jsuring";
 * const pre: Preconditions = { ifNoneMatch: '"abc"' };
 * ```
 */
export interface Preconditions {
  /** If-Match. */
  ifMatch?: string;
  /** If-Unmodified-Since. */
  ifUnmodifiedSince?: string;
  /** If-None-Match. */
  ifNoneMatch?: string;
  /** If-Modified-Since. */
  ifModifiedSince?: string;
}

/**
 * Evaluate preconditions for a GET or HEAD of a representation with `etag`
 * and last modification `mtimeMs`, in the order of RFC 9110 §13.2.2.
 *
 * @returns 200 (go on: serve, or look at Range), 304 or 412
 *
 * @example
 * ```ts
 * import { evaluatePreconditions } from "@jsuring/jsuring";
 * console.log(evaluatePreconditions({ ifNoneMatch: '"a"' }, '"a"', 0)); // 304
 * console.log(evaluatePreconditions({ ifMatch: '"b"' }, '"a"', 0)); // 412
 * ```
 */
export function evaluatePreconditions(pre: Preconditions, etag: string, mtimeMs: number): 200 | 304 | 412 {
  if (pre === null || typeof pre !== "object") {
    throw typeError("evaluatePreconditions: pre", "an object { ifMatch?, ifNoneMatch?, ... }", pre);
  }
  str(etag, "evaluatePreconditions: etag");
  finite(mtimeMs, "evaluatePreconditions: mtimeMs");
  const lastModified = Math.floor(mtimeMs / 1000) * 1000; // HTTP dates have second resolution
  // 1. If-Match: strong comparison; false → 412.
  if (pre.ifMatch !== undefined) {
    const list = tags(pre.ifMatch);
    if (!(list.includes("*") || list.some((t) => strongMatch(t, etag)))) return 412;
  } else if (pre.ifUnmodifiedSince !== undefined) {
    // 2. If-Unmodified-Since (only without If-Match; an invalid date is ignored).
    const d = parseHttpDate(pre.ifUnmodifiedSince);
    if (d !== undefined && lastModified > d) return 412;
  }
  // 3. If-None-Match: weak comparison; a match → 304 for GET/HEAD.
  if (pre.ifNoneMatch !== undefined) {
    const list = tags(pre.ifNoneMatch);
    if (list.includes("*") || list.some((t) => weakMatch(t, etag))) return 304;
  } else if (pre.ifModifiedSince !== undefined) {
    // 4. If-Modified-Since (only without If-None-Match).
    const d = parseHttpDate(pre.ifModifiedSince);
    if (d !== undefined && lastModified <= d) return 304;
  }
  return 200;
}
