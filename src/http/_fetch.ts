/**
 * The bridge to a web-standard `fetch(request)` handler: what the static
 * layer does not serve becomes a `Request`; the `Response` (body a string,
 * bytes, a Blob/file or a ReadableStream) is written back. A body that ends
 * within 64 KiB goes out with a Content-Length in one send; a longer stream is
 * sent chunked (HTTP/1.1) or delimited by closing the connection (HTTP/1.0).
 *
 * @module
 */
import { Method, type RequestHead } from "./parse.ts";
import { responseHead } from "./response.ts";

/**
 * A handler for what the static layer does not serve.
 *
 * @example
 * ```ts
 * import type { FetchHandler } from "@jsuring/jsuring";
 * const api: FetchHandler = (req) => new Response(`hello ${new URL(req.url).pathname}`);
 * ```
 */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** What callFetch needs from the connection. */
export interface FetchContext {
  head: RequestHead;
  url: string;
  body: Uint8Array;
  keepAlive: boolean;
  extra: string;
  send: (bytes: Uint8Array) => Promise<void>;
  setStatus: (status: number) => void;
}

const ENC = new TextEncoder();
const HOP = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "date", "upgrade"]);
const BUFFERED = 64 * 1024;

function concat(parts: Uint8Array[], total: number, prefix: string): Uint8Array {
  const out = new Uint8Array(prefix.length + total);
  let at = ENC.encodeInto(prefix, out).written;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out.subarray(0, at);
}

/** Run the handler for one request and send its response; whether the connection stays open. */
export async function callFetch(handler: FetchHandler, x: FetchContext): Promise<boolean> {
  const h = x.head;
  // Pairs, not Headers + append(): a third less time per request in both
  // runtimes (measured: Deno's Request constructor is 10-20 µs either way).
  const pairs: [string, string][] = [];
  for (let i = 0; i < h.count; i++) pairs.push([h.name(i), h.value(i)]);
  let headers: [string, string][] | Headers = pairs;
  const hasBody = h.method !== Method.GET && h.method !== Method.HEAD && x.body.length > 0;
  let res: Response;
  try {
    let req: Request;
    try {
      req = h.method === Method.GET
        ? new Request(x.url, { headers })
        : new Request(x.url, { method: h.methodName(), headers, body: hasBody ? x.body.slice() : undefined });
    } catch {
      // A value Headers refuses (it validated as HTTP): leave that one out.
      headers = new Headers();
      for (const [k, v] of pairs) {
        try {
          headers.append(k, v);
        } catch {
          // dropped
        }
      }
      req = new Request(x.url, {
        method: h.methodName(),
        headers,
        body: hasBody ? x.body.slice() : undefined,
      });
    }
    res = await handler(req);
    if (!(res instanceof Response)) throw new TypeError("the fetch handler must return a Response");
  } catch {
    res = new Response("500 Internal Server Error\n", {
      status: 500,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
  x.setStatus(res.status);
  let lines = x.extra;
  res.headers.forEach((v, k) => {
    if (!HOP.has(k)) lines += `${k}: ${v}\r\n`;
  });
  const noBody = h.method === Method.HEAD || res.status === 204 || res.status === 304 || res.status < 200;
  let keepAlive = x.keepAlive;
  if (noBody || res.body === null) {
    await res.body?.cancel().catch(() => {});
    const len = res.status === 204 || res.status === 304 ? -1 : 0;
    await x.send(ENC.encode(responseHead(res.status, h.minor, keepAlive, lines, len)));
    return keepAlive;
  }
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  let done = false;
  try {
    while (total <= BUFFERED) {
      const r = await reader.read();
      if (r.done) {
        done = true;
        break;
      }
      const v = r.value instanceof Uint8Array ? r.value : ENC.encode(String(r.value));
      parts.push(v);
      total += v.length;
    }
    if (done) {
      await x.send(concat(parts, total, responseHead(res.status, h.minor, keepAlive, lines, total)));
      return keepAlive;
    }
    // A long stream: chunked on HTTP/1.1, close-delimited on HTTP/1.0.
    const chunked = h.minor === 1;
    if (!chunked) keepAlive = false;
    const head = responseHead(
      res.status,
      h.minor,
      keepAlive,
      lines + (chunked ? "Transfer-Encoding: chunked\r\n" : ""),
      -1,
    );
    // chunk = size in hex CRLF data CRLF (RFC 9112 §7.1)
    const frame = (b: Uint8Array) =>
      chunked ? concat([b, CRLF], b.length + 2, `${b.length.toString(16)}\r\n`) : b;
    const first = frame(concat(parts, total, ""));
    await x.send(concat([first], first.length, head));
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      const v = r.value instanceof Uint8Array ? r.value : ENC.encode(String(r.value));
      if (v.length) await x.send(frame(v));
    }
    if (chunked) await x.send(ENC.encode("0\r\n\r\n"));
    return keepAlive;
  } catch (e) {
    await reader.cancel().catch(() => {});
    throw e;
  }
}

const CRLF = new Uint8Array([13, 10]);
