/**
 * The HTTP/1.1 request head parser (RFC 9112 §2–5). It works in place on the
 * received bytes: nothing is copied, fields are offsets into the buffer, and
 * strings are made only for the few headers a static server reads. Strict
 * where leniency lets requests be smuggled or paths be confused (obs-fold,
 * space before a colon, bare CR, control bytes, conflicting lengths), lenient
 * where RFC 9112 allows it (a bare LF as line end, empty lines before the
 * request line).
 *
 * @module
 */
import { int } from "./_check.ts";
import { typeError } from "../ring/_args.ts";

/**
 * Methods the parser knows (any other token is 501 Not Implemented).
 *
 * @example
 * ```ts
 * import { Method } from "@jsuring/jsuring";
 * console.log(Method.GET, Method.HEAD); // 1 2
 * ```
 */
export const Method = {
  GET: 1,
  HEAD: 2,
  POST: 3,
  PUT: 4,
  DELETE: 5,
  OPTIONS: 6,
  PATCH: 7,
  TRACE: 8,
  CONNECT: 9,
} as const;

const METHOD_NAMES = ["", "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT"];

/**
 * Size limits of a request head (defaults in {@linkcode DEFAULT_LIMITS}).
 *
 * @example
 * ```ts
 * import type { HeadLimits } from "@jsuring/jsuring";
 * const limits: HeadLimits = { maxRequestLine: 8192, maxHeaderBytes: 16384, maxHeaders: 100, maxBody: 1 << 20 };
 * ```
 */
export interface HeadLimits {
  /** Bytes of the request line (method, target, version); longer → 414. */
  maxRequestLine: number;
  /** Bytes of the whole head, request line included; longer → 431. */
  maxHeaderBytes: number;
  /** Header fields; more → 431. */
  maxHeaders: number;
  /** Bytes of a request body (Content-Length); more → 413. */
  maxBody: number;
}

/**
 * The parser's default limits (nginx's are 8 KiB lines, 32 KiB heads; these
 * are a little tighter for a static server, whose requests are small).
 *
 * @example
 * ```ts
 * import { DEFAULT_LIMITS } from "@jsuring/jsuring";
 * console.log(DEFAULT_LIMITS.maxHeaders); // 100
 * ```
 */
export const DEFAULT_LIMITS: Readonly<HeadLimits> = Object.freeze({
  maxRequestLine: 8 * 1024,
  maxHeaderBytes: 16 * 1024,
  maxHeaders: 100,
  maxBody: 1024 * 1024,
});

// Character classes: 1 = tchar (RFC 9110 §5.6.2), 2 = field-value byte
// (VCHAR, SP, HTAB, obs-text), 4 = request-target byte.
const CLASS = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const vchar = c >= 0x21 && c <= 0x7e;
  const tchar = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ||
    "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c));
  CLASS[c] = (tchar ? 1 : 0) | (vchar || c === 0x20 || c === 0x09 || c >= 0x80 ? 2 : 0) |
    (vchar || c >= 0x80 ? 4 : 0);
}

const CR = 13, LF = 10, SP = 32, HT = 9, COLON = 58;

/**
 * Known header slots in {@linkcode RequestHead.known} (the headers a static
 * server reads; others are reachable through the field list).
 *
 * @example
 * ```ts
 * import { Header } from "@jsuring/jsuring";
 * console.log(Header.RANGE); // 6
 * ```
 */
export const Header = {
  HOST: 0,
  CONNECTION: 1,
  IF_NONE_MATCH: 2,
  IF_MODIFIED_SINCE: 3,
  IF_MATCH: 4,
  IF_UNMODIFIED_SINCE: 5,
  RANGE: 6,
  IF_RANGE: 7,
  CONTENT_LENGTH: 8,
  TRANSFER_ENCODING: 9,
  EXPECT: 10,
  ORIGIN: 11,
} as const;
const KNOWN_NAMES = [
  "host",
  "connection",
  "if-none-match",
  "if-modified-since",
  "if-match",
  "if-unmodified-since",
  "range",
  "if-range",
  "content-length",
  "transfer-encoding",
  "expect",
  "origin",
];
const KNOWN_BYTES = KNOWN_NAMES.map((n) => Uint8Array.from(n, (c) => c.charCodeAt(0)));

function latin1(buf: Uint8Array, s: number, e: number): string {
  // Short ASCII values: fromCharCode over the bytes, no decoder object.
  let out = "";
  for (let i = s; i < e; i++) out += String.fromCharCode(buf[i]);
  return out;
}

/**
 * A parsed request head: offsets into the buffer it was parsed from (valid
 * while that buffer is), reused from request to request on a connection.
 *
 * @example
 * ```ts
 * import { parseRequest, RequestHead } from "@jsuring/jsuring";
 * const bytes = new TextEncoder().encode("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
 * const head = new RequestHead();
 * console.log(parseRequest(bytes, 0, bytes.length, head), head.target()); // 28 "/a"
 * ```
 */
export class RequestHead {
  /** The bytes the offsets point into. */
  buf: Uint8Array = new Uint8Array(0);
  /** A {@linkcode Method} code. */
  method = 0;
  /** Offsets of the request-target. */
  targetStart = 0;
  /** End of the request-target. */
  targetEnd = 0;
  /** The HTTP minor version (0 or 1). */
  minor = 1;
  /** Whether the connection stays open after the response. */
  keepAlive = true;
  /** The body length announced (Content-Length), 0 when none. */
  contentLength = 0;
  /** Header fields: name start, name end, value start, value end for each. */
  fields: Int32Array;
  /** Number of header fields. */
  count = 0;
  /** For each {@linkcode Header} slot, the field index or -1. */
  readonly known: Int32Array = new Int32Array(KNOWN_NAMES.length);

  /**
   * An empty head.
   *
   * @param maxHeaders the most fields it holds
   */
  constructor(maxHeaders = DEFAULT_LIMITS.maxHeaders) {
    int(maxHeaders, "RequestHead: maxHeaders", 1, 1 << 16);
    this.fields = new Int32Array(maxHeaders * 4);
  }

  /** The method's name. */
  methodName(): string {
    return METHOD_NAMES[this.method] ?? "";
  }

  /** The request-target as a string (latin1: bytes are decoded later, by the path layer). */
  target(): string {
    return latin1(this.buf, this.targetStart, this.targetEnd);
  }

  /** A known header's value ({@linkcode Header} slot), or undefined. */
  get(slot: number): string | undefined {
    const i = this.known[slot];
    return i < 0 ? undefined : this.value(i);
  }

  /** Field `i`'s name (as sent). */
  name(i: number): string {
    return latin1(this.buf, this.fields[i * 4], this.fields[i * 4 + 1]);
  }

  /** Field `i`'s value (surrounding whitespace removed). */
  value(i: number): string {
    return latin1(this.buf, this.fields[i * 4 + 2], this.fields[i * 4 + 3]);
  }
}

function lowerEquals(buf: Uint8Array, s: number, e: number, want: Uint8Array): boolean {
  if (e - s !== want.length) return false;
  for (let i = 0; i < want.length; i++) if ((buf[s + i] | 0x20) !== want[i]) return false;
  return true;
}

function knownSlot(buf: Uint8Array, s: number, e: number): number {
  const first = buf[s] | 0x20;
  for (let k = 0; k < KNOWN_BYTES.length; k++) {
    if (KNOWN_BYTES[k][0] === first && lowerEquals(buf, s, e, KNOWN_BYTES[k])) return k;
  }
  return -1;
}

function methodCode(buf: Uint8Array, s: number, e: number): number {
  // Methods are case-sensitive (RFC 9110 §9.1).
  outer: for (let m = 1; m < METHOD_NAMES.length; m++) {
    const name = METHOD_NAMES[m];
    if (name.length !== e - s) continue;
    for (let i = 0; i < name.length; i++) if (buf[s + i] !== name.charCodeAt(i)) continue outer;
    return m;
  }
  return 0;
}

/** Whether a comma-separated header value holds `token` (case-insensitive). */
function hasToken(value: string, token: string): boolean {
  for (const part of value.split(",")) if (part.trim().toLowerCase() === token) return true;
  return false;
}

/**
 * Parse one request head from `buf[start, end)` into `head`.
 *
 * @returns the head's length in bytes (the body, if any, follows), 0 when
 *   the head is not complete yet (read more; the limits are checked against
 *   what is there), or a negative HTTP status: -400 malformed, -411 chunked
 *   body, -413 body too large, -414 request line too long, -431 head too
 *   large or too many fields, -501 unknown method or transfer coding,
 *   -505 HTTP version other than 1.0 and 1.1
 *
 * @example
 * ```ts
 * import { parseRequest, RequestHead, Header } from "@jsuring/jsuring";
 * const head = new RequestHead();
 * const req = new TextEncoder().encode("GET / HTTP/1.1\r\nHost: a\r\nRange: bytes=0-9\r\n\r\n");
 * parseRequest(req, 0, req.length, head);
 * console.log(head.get(Header.RANGE)); // "bytes=0-9"
 * const bad = new TextEncoder().encode("GET / HTTP/2.0\r\n\r\n");
 * console.log(parseRequest(bad, 0, bad.length, head)); // -505
 * ```
 */
export function parseRequest(
  buf: Uint8Array,
  start: number,
  end: number,
  head: RequestHead,
  limits: HeadLimits = DEFAULT_LIMITS,
): number {
  if (!(buf instanceof Uint8Array)) throw typeError("parseRequest: buf", "a Uint8Array", buf);
  int(start, "parseRequest: start", 0, buf.length);
  int(end, "parseRequest: end", start, buf.length);
  if (!(head instanceof RequestHead)) throw typeError("parseRequest: head", "a RequestHead", head);
  if (limits === null || typeof limits !== "object") {
    throw typeError("parseRequest: limits", "an object (see DEFAULT_LIMITS)", limits);
  }
  let p = start;
  // Empty lines before the request line are ignored (RFC 9112 §2.2).
  while (p < end && (buf[p] === CR || buf[p] === LF)) {
    if (buf[p] === CR && p + 1 < end && buf[p + 1] !== LF) return -400;
    p++;
  }
  if (p - start > 64) return -400;
  const lineStart = p;
  const headMax = Math.min(end, start + limits.maxHeaderBytes + 2);
  // --- request line: method SP target SP version CRLF
  const lineMax = Math.min(end, lineStart + limits.maxRequestLine + 2);
  let lf = -1;
  for (let i = lineStart; i < lineMax; i++) {
    if (buf[i] === LF) {
      lf = i;
      break;
    }
  }
  if (lf < 0) {
    if (lineMax - lineStart >= limits.maxRequestLine + 2) return -414;
    // Fail early on bytes that can never start a request (random data).
    for (let i = lineStart; i < end && buf[i] !== SP; i++) if (!(CLASS[buf[i]] & 1)) return -400;
    return 0;
  }
  let lineEnd = lf;
  if (lineEnd > lineStart && buf[lineEnd - 1] === CR) lineEnd--;
  if (lineEnd - lineStart > limits.maxRequestLine) return -414;
  let i = lineStart;
  while (i < lineEnd && CLASS[buf[i]] & 1) i++;
  if (i === lineStart || i >= lineEnd || buf[i] !== SP) return -400;
  const method = methodCode(buf, lineStart, i);
  const ts = ++i;
  while (i < lineEnd && CLASS[buf[i]] & 4) i++;
  if (i === ts || i >= lineEnd || buf[i] !== SP) return -400;
  const te = i++;
  // HTTP-version = "HTTP/" DIGIT "." DIGIT
  if (
    lineEnd - i !== 8 || buf[i] !== 72 || buf[i + 1] !== 84 || buf[i + 2] !== 84 || buf[i + 3] !== 80 ||
    buf[i + 4] !== 47 || buf[i + 6] !== 46 || !isDigit(buf[i + 5]) || !isDigit(buf[i + 7])
  ) {
    return -400;
  }
  if (buf[i + 5] !== 49 || (buf[i + 7] !== 48 && buf[i + 7] !== 49)) return -505;
  const minor = buf[i + 7] - 48;
  // --- header fields
  head.buf = buf;
  head.method = method;
  head.targetStart = ts;
  head.targetEnd = te;
  head.minor = minor;
  head.count = 0;
  head.contentLength = 0;
  head.known.fill(-1);
  const fields = head.fields;
  const maxFields = Math.min(limits.maxHeaders, fields.length >> 2);
  let hosts = 0, lengths = 0;
  p = lf + 1;
  for (;;) {
    // Find this line's end.
    let e = -1;
    for (let j = p; j < headMax; j++) {
      if (buf[j] === LF) {
        e = j;
        break;
      }
    }
    if (e < 0) return headMax - start >= limits.maxHeaderBytes + 2 ? -431 : 0;
    let le = e;
    if (le > p && buf[le - 1] === CR) le--;
    if (le === p) {
      p = e + 1;
      break; // the empty line: end of the head
    }
    if (buf[p] === SP || buf[p] === HT) return -400; // obs-fold (RFC 9112 §5.2)
    let j = p;
    while (j < le && CLASS[buf[j]] & 1) j++;
    if (j === p || j >= le || buf[j] !== COLON) return -400; // no name, or space before the colon
    const ne = j++;
    while (j < le && (buf[j] === SP || buf[j] === HT)) j++;
    const vs = j;
    let ve = le;
    for (let k = vs; k < le; k++) if (!(CLASS[buf[k]] & 2)) return -400; // CTLs, bare CR
    while (ve > vs && (buf[ve - 1] === SP || buf[ve - 1] === HT)) ve--;
    if (head.count >= maxFields) return -431;
    const f = head.count++ * 4;
    fields[f] = p;
    fields[f + 1] = ne;
    fields[f + 2] = vs;
    fields[f + 3] = ve;
    const slot = knownSlot(buf, p, ne);
    if (slot >= 0) {
      if (slot === Header.HOST) hosts++;
      if (slot === Header.CONTENT_LENGTH) {
        // Digits only; repeated fields must agree (RFC 9112 §6.3).
        if (ve === vs || ve - vs > 15) return ve === vs ? -400 : -413;
        let n = 0;
        for (let k = vs; k < ve; k++) {
          if (!isDigit(buf[k])) return -400;
          n = n * 10 + buf[k] - 48;
        }
        if (lengths++ && n !== head.contentLength) return -400;
        head.contentLength = n;
      }
      head.known[slot] = head.count - 1;
    }
    p = e + 1;
  }
  if (method === 0) return -501;
  if (minor === 1 && hosts !== 1) return -400; // RFC 9112 §3.2
  if (hosts > 1) return -400;
  if (head.known[Header.TRANSFER_ENCODING] >= 0) {
    // Both framings at once is how requests get smuggled.
    if (lengths || minor === 0) return -400;
    return hasToken(head.get(Header.TRANSFER_ENCODING)!, "chunked") ? -411 : -501;
  }
  if (head.contentLength > limits.maxBody) return -413;
  const conn = head.get(Header.CONNECTION);
  head.keepAlive = minor === 1
    ? !(conn && hasToken(conn, "close"))
    : conn !== undefined && hasToken(conn, "keep-alive");
  return p - start;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
