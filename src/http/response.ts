/**
 * Response heads: the status line, `Date` (cached per second), `Connection`
 * as HTTP/1.0 and 1.1 need it, `Content-Length`, and the rest as a prebuilt
 * block (a file's cache entry keeps its Content-Type, ETag, Last-Modified and
 * Accept-Ranges lines ready). Errors are tiny text bodies, built with no file
 * I/O.
 *
 * @module
 */
import { httpDateNow } from "./date.ts";
import { bool, int, str } from "./_check.ts";

/**
 * Reason phrases for the statuses this server sends.
 *
 * @example
 * ```ts
 * import { STATUS_TEXT } from "@jsuring/jsuring";
 * console.log(STATUS_TEXT[431]); // "Request Header Fields Too Large"
 * ```
 */
export const STATUS_TEXT: Readonly<Record<number, string>> = Object.freeze({
  100: "Continue",
  200: "OK",
  201: "Created",
  204: "No Content",
  206: "Partial Content",
  301: "Moved Permanently",
  302: "Found",
  304: "Not Modified",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  411: "Length Required",
  412: "Precondition Failed",
  413: "Content Too Large",
  414: "URI Too Long",
  416: "Range Not Satisfiable",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
});

/**
 * The `Connection` line a response needs, if any: HTTP/1.1 keeps the
 * connection by default (says `close` when it will close), HTTP/1.0 closes
 * by default (says `keep-alive` when it will not).
 */
function connectionLine(minor: number, keepAlive: boolean): string {
  if (minor === 1) return keepAlive ? "" : "Connection: close\r\n";
  return keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
}

/**
 * A response head as text.
 *
 * @param headers prebuilt header lines, each ending in CRLF
 * @param contentLength the body length; -1 for none (1xx, 304)
 *
 * @example
 * ```ts
 * import { responseHead } from "@jsuring/jsuring";
 * const h = responseHead(200, 1, true, "Content-Type: text/plain\r\n", 5);
 * console.log(h.startsWith("HTTP/1.1 200 OK\r\n")); // true
 * ```
 */
export function responseHead(
  status: number,
  minor: number,
  keepAlive: boolean,
  headers: string,
  contentLength: number,
): string {
  int(status, "responseHead: status", 100, 999);
  int(minor, "responseHead: minor (HTTP/1.x)", 0, 1);
  bool(keepAlive, "responseHead: keepAlive");
  str(headers, "responseHead: headers");
  int(contentLength, "responseHead: contentLength (-1: none)", -1, Number.MAX_SAFE_INTEGER);
  return `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Unknown"}\r\nDate: ${httpDateNow()}\r\n${headers}${
    contentLength >= 0 ? `Content-Length: ${contentLength}\r\n` : ""
  }${connectionLine(minor, keepAlive)}\r\n`;
}

const ENCODER = new TextEncoder();

/**
 * A whole error response (head and a one-line text body; no body for HEAD),
 * as bytes.
 *
 * @param extra more header lines (`Allow: GET, HEAD\r\n`), each ending in CRLF
 *
 * @example
 * ```ts
 * import { errorResponse } from "@jsuring/jsuring";
 * const bytes = errorResponse(404, 1, true, false);
 * console.log(new TextDecoder().decode(bytes).split("\r\n")[0]); // "HTTP/1.1 404 Not Found"
 * ```
 */
export function errorResponse(
  status: number,
  minor: number,
  keepAlive: boolean,
  isHead: boolean,
  extra = "",
): Uint8Array {
  int(status, "errorResponse: status", 100, 999);
  bool(isHead, "errorResponse: isHead");
  str(extra, "errorResponse: extra");
  const body = `${status} ${STATUS_TEXT[status] ?? "Error"}\n`;
  const head = responseHead(
    status,
    minor,
    keepAlive,
    `Content-Type: text/plain; charset=utf-8\r\n${extra}`,
    body.length,
  );
  return ENCODER.encode(isHead ? head : head + body);
}

/**
 * Percent-encode a path for a `Location` header (RFC 3986 path characters
 * stay as they are).
 *
 * @example
 * ```ts
 * import { encodePath } from "@jsuring/jsuring";
 * console.log(encodePath("/a b/✓/")); // "/a%20b/%E2%9C%93/"
 * ```
 */
export function encodePath(path: string): string {
  str(path, "encodePath: path");
  return encodeURI(path).replace(/[?#]/g, (c) => c === "?" ? "%3F" : "%23");
}
