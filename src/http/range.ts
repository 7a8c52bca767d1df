/**
 * Range requests (RFC 9110 §14): one byte range — `a-b`, `a-` or the suffix
 * `-n` — is answered 206 with Content-Range; an unsatisfiable one 416 with
 * `Content-Range: bytes *\/size`; several ranges are answered 200 with the
 * whole body, as nginx may (a server may ignore Range, §14.2); so is a Range
 * header that does not parse, and one whose If-Range does not match.
 *
 * @module
 */
import { parseHttpDate } from "./date.ts";
import { strongMatch } from "./conditional.ts";
import { finite, int, str } from "./_check.ts";

/**
 * What to send: the whole body, one range, or 416.
 *
 * @example
 * ```ts
 * import { parseRange, type RangeResult } from "@jsuring/jsuring";
 * const r: RangeResult = parseRange("bytes=0-99", 1000);
 * console.log(r); // { kind: "range", start: 0, end: 99 }
 * ```
 */
export type RangeResult =
  | { kind: "full" }
  | { kind: "range"; start: number; end: number }
  | { kind: "unsatisfiable" };

const FULL: RangeResult = Object.freeze({ kind: "full" });
const UNSATISFIABLE: RangeResult = Object.freeze({ kind: "unsatisfiable" });
const SPEC = /^\s*(\d*)\s*-\s*(\d*)\s*$/;

/**
 * Parse a `Range` header against a representation of `size` bytes.
 *
 * @example
 * ```ts
 * import { parseRange } from "@jsuring/jsuring";
 * console.log(parseRange("bytes=-10", 1000)); // { kind: "range", start: 990, end: 999 }
 * console.log(parseRange("bytes=500-", 1000)); // { kind: "range", start: 500, end: 999 }
 * console.log(parseRange("bytes=2000-", 1000)); // { kind: "unsatisfiable" }
 * console.log(parseRange("bytes=0-1,5-6", 1000)); // { kind: "full" }
 * ```
 */
export function parseRange(header: string, size: number): RangeResult {
  str(header, "parseRange: header");
  int(size, "parseRange: size", 0, Number.MAX_SAFE_INTEGER);
  const eq = header.indexOf("=");
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== "bytes") return FULL; // unknown unit: ignore
  const specs = header.slice(eq + 1).split(",").filter((s) => s.trim() !== "");
  if (specs.length !== 1) {
    if (specs.length === 0) return FULL;
    // Several ranges: 200 with everything — unless none is satisfiable.
    for (const s of specs) {
      const r = one(s, size);
      if (r === undefined) return FULL;
      if (r.kind !== "unsatisfiable") return FULL;
    }
    return UNSATISFIABLE;
  }
  return one(specs[0], size) ?? FULL;
}

function one(spec: string, size: number): RangeResult | undefined {
  const m = SPEC.exec(spec);
  if (!m || (m[1] === "" && m[2] === "")) return undefined; // not a range-spec: ignore the header
  if (m[1] === "") {
    // suffix-range: the last n bytes.
    const n = Number(m[2]);
    if (n === 0 || size === 0) return UNSATISFIABLE;
    return { kind: "range", start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  if (m[2] !== "" && Number(m[2]) < start) return undefined; // invalid: ignore
  if (start >= size) return UNSATISFIABLE;
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  return { kind: "range", start, end };
}

/**
 * Whether a Range header should be honoured given the request's `If-Range`
 * (RFC 9110 §13.1.5): an entity-tag must match strongly; a date must equal
 * the Last-Modified date exactly (and the ETag must then not be weak).
 *
 * @example
 * ```ts
 * import { ifRangeMatches } from "@jsuring/jsuring";
 * console.log(ifRangeMatches('"v1"', '"v1"', 0)); // true
 * console.log(ifRangeMatches('"v0"', '"v1"', 0)); // false
 * ```
 */
export function ifRangeMatches(ifRange: string | undefined, etag: string, mtimeMs: number): boolean {
  if (ifRange !== undefined) str(ifRange, "ifRangeMatches: ifRange");
  str(etag, "ifRangeMatches: etag");
  finite(mtimeMs, "ifRangeMatches: mtimeMs");
  if (ifRange === undefined) return true;
  const v = ifRange.trim();
  if (v.startsWith('"') || v.startsWith("W/")) return strongMatch(v, etag);
  const d = parseHttpDate(v);
  return d !== undefined && d === Math.floor(mtimeMs / 1000) * 1000;
}
