/**
 * `serveDir`: the static file server. One AsyncRing per server thread
 * (SINGLE_ISSUER + DEFER_TASKRUN where the kernel has them): multishot
 * accept, multishot receive into the ring's buffer ring with requests parsed
 * in place in the received bytes, a per-path cache of open files with their
 * prebuilt heads (304, HEAD, 404 and 416 need no file I/O), small files sent
 * with the head in front in one send, large ones read and sent in chunks.
 * Header-read, idle and send timeouts are swept by ONE multishot timer.
 *
 * @module
 */
import { AsyncRing } from "../async/async_ring.ts";
import { listen, type TcpConn, type TcpListener } from "../net/mod.ts";
import { type Entry, FileCache } from "./_cache.ts";
import { evaluatePreconditions } from "./conditional.ts";
import { DEFAULT_LIMITS, Header, type HeadLimits, Method, parseRequest, RequestHead } from "./parse.ts";
import { resolvePath } from "./path.ts";
import { ifRangeMatches, parseRange } from "./range.ts";
import { encodePath, errorResponse, responseHead } from "./response.ts";
import { listDirectory } from "./_listing.ts";
import { callFetch, type FetchHandler } from "./_fetch.ts";
import { realpathSync } from "node:fs";

export type { FetchHandler } from "./_fetch.ts";

/**
 * Limits of {@linkcode serveDir}, with safe defaults for the open internet.
 *
 * @example
 * ```ts
 * import type { ServerLimits } from "@jsuring/jsuring";
 * const limits: Partial<ServerLimits> = { headerTimeout: 5000, maxConnections: 2000 };
 * ```
 */
export interface ServerLimits extends HeadLimits {
  /** Open connections; more are closed at accept (default 10000). */
  maxConnections: number;
  /** Requests on one connection before it is closed (default 1000, as nginx's keepalive_requests). */
  maxRequestsPerConnection: number;
  /** ms from a request's first byte (or the accept) to its complete head; then the connection is closed (default 10000). */
  headerTimeout: number;
  /** ms a keep-alive connection may wait for its next request (default 60000). */
  idleTimeout: number;
  /** ms a send may make no progress before the connection is closed (default 30000). */
  sendTimeout: number;
}

/**
 * The defaults of {@linkcode ServerLimits}.
 *
 * @example
 * ```ts
 * import { DEFAULT_SERVER_LIMITS } from "@jsuring/jsuring";
 * console.log(DEFAULT_SERVER_LIMITS.headerTimeout); // 10000
 * ```
 */
export const DEFAULT_SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze({
  ...DEFAULT_LIMITS,
  maxConnections: 10_000,
  maxRequestsPerConnection: 1000,
  headerTimeout: 10_000,
  idleTimeout: 60_000,
  sendTimeout: 30_000,
});

/**
 * Options of {@linkcode serveDir}.
 *
 * @example
 * ```ts
 * import type { ServeDirOptions } from "@jsuring/jsuring";
 * const opts: ServeDirOptions = { root: "./public", port: 8080, cors: true, limits: { idleTimeout: 5000 } };
 * ```
 */
export interface ServeDirOptions {
  /** The directory served. */
  root: string;
  /** Port (default 8000; 0: any free port, see {@linkcode FileServer.port}). */
  port?: number;
  /** IPv4 address to bind (default "0.0.0.0"). */
  hostname?: string;
  /** Stops the server gracefully when aborted (as {@linkcode FileServer.shutdown}). */
  signal?: AbortSignal;
  /** The file served for a directory (default "index.html"; false: none). */
  index?: string | false;
  /** Serve files and directories whose name starts with "." (default false: 404). */
  dotfiles?: boolean;
  /** CORS: true adds `Access-Control-Allow-Origin: *`; a string names the allowed origin. */
  cors?: boolean | string;
  /** An HTML listing for directories without an index (default false). */
  listing?: boolean;
  /** Handler for what the static layer does not serve (other methods, missing files). */
  fetch?: FetchHandler;
  /** Limits (defaults: {@linkcode DEFAULT_SERVER_LIMITS}). */
  limits?: Partial<ServerLimits>;
  /** Called once per response with an access-log line. */
  onLog?: (line: string) => void;
  /** Files up to this size are kept in memory and sent with their head in one send (default 64 KiB). */
  smallFileSize?: number;
  /** Ring entries (default 1024). */
  entries?: number;
  /** Server threads, each with its own ring, accepting on the same socket (default 1). */
  workers?: number;
  /** ms a cached file is trusted before a statx checks it again (default 1000; 0: every request). */
  revalidate?: number;
}

/**
 * Live counters of a server (read them any time).
 *
 * @example
 * ```ts
 * import type { ServerCounters } from "@jsuring/jsuring";
 * const c: ServerCounters = { requests: 0, bytes: 0, connections: 0, errors: 0, timeouts: 0, accepted: 0 };
 * ```
 */
export interface ServerCounters {
  /** Requests answered. */
  requests: number;
  /** Bytes sent. */
  bytes: number;
  /** Connections open now. */
  connections: number;
  /** Responses with status ≥ 400, and connections ended by an I/O error. */
  errors: number;
  /** Connections closed by the header, idle or send timeout. */
  timeouts: number;
  /** Connections accepted in all. */
  accepted: number;
}

const ENC = new TextEncoder();
const FILE_CHUNK = 256 * 1024;

class Conn {
  tcp: TcpConn;
  deadline: number;
  busy = false;
  idle = false;
  killed = false;
  requests = 0;
  carry: Uint8Array | undefined;
  carryLen = 0;
  fileBuf: Uint8Array | undefined;
  status = 0;
  sent = 0;
  /** The request being parsed/answered (offsets into this connection's bytes). */
  head: RequestHead;
  constructor(tcp: TcpConn, deadline: number, maxHeaders: number) {
    this.tcp = tcp;
    this.deadline = deadline;
    this.head = new RequestHead(maxHeaders);
  }
}

/**
 * A running file server (from {@linkcode serveDir}).
 *
 * @example
 * ```ts
 * import { serveDir } from "@jsuring/jsuring";
 * await using server = await serveDir({ root: ".", port: 0, hostname: "127.0.0.1" });
 * console.log(server.url, server.counters.requests);
 * await server.shutdown();
 * ```
 */
export class FileServer implements AsyncDisposable {
  /** The address bound. */
  readonly hostname: string;
  /** The port bound. */
  readonly port: number;
  /** Counters, live. */
  readonly counters: ServerCounters = {
    requests: 0,
    bytes: 0,
    connections: 0,
    errors: 0,
    timeouts: 0,
    accepted: 0,
  };
  /** Resolves once the server has stopped. */
  readonly finished: Promise<void>;
  #ring: AsyncRing;
  #listener: TcpListener;
  #cache: FileCache;
  #o: ServeDirOptions;
  #limits: ServerLimits;
  #conns = new Set<Conn>();
  #handlers = new Set<Promise<void>>();
  #stopping = false;
  #stopTicks = new AbortController();
  #stopAccept = new AbortController();
  #done!: () => void;
  #shutdown: Promise<void> | undefined;
  #extra: string;

  /** @internal */
  constructor(
    ring: AsyncRing,
    listener: TcpListener,
    cache: FileCache,
    o: ServeDirOptions,
    limits: ServerLimits,
    extra: string,
  ) {
    this.#ring = ring;
    this.#listener = listener;
    this.#cache = cache;
    this.#o = o;
    this.#limits = limits;
    this.#extra = extra;
    this.hostname = o.hostname ?? "0.0.0.0";
    this.port = listener.port;
    this.finished = new Promise((r) => this.#done = r);
    this.#acceptLoop();
    this.#sweepLoop();
    o.signal?.addEventListener("abort", () => void this.shutdown(), { once: true });
  }

  /** `http://HOST:PORT/`. */
  get url(): string {
    return `http://${this.hostname === "0.0.0.0" ? "127.0.0.1" : this.hostname}:${this.port}/`;
  }

  /** The file cache's counters (opens, statx revalidations, files found changed). */
  get cacheStats(): { opens: number; statx: number; changed: number } {
    return this.#cache.stats;
  }

  async #acceptLoop(): Promise<void> {
    try {
      for await (const tcp of this.#listener.connections({ signal: this.#stopAccept.signal })) {
        this.counters.accepted++;
        if (this.#stopping || this.#conns.size >= this.#limits.maxConnections) {
          await tcp.close();
          continue;
        }
        const p = this.#serveConn(tcp);
        this.#handlers.add(p);
        p.finally(() => this.#handlers.delete(p));
      }
    } catch {
      this.counters.errors++;
    }
  }

  async #sweepLoop(): Promise<void> {
    const l = this.#limits;
    // One multishot timer for every connection's deadline; its period is a
    // quarter of the shortest timeout (50 ms to 1 s).
    const tick = Math.max(
      50,
      Math.min(1000, Math.floor(Math.min(l.headerTimeout, l.idleTimeout, l.sendTimeout) / 4)),
    );
    while (!this.#stopTicks.signal.aborted && !this.#ring.closed) {
      try {
        for await (const _ of this.#ring.ticks(tick, { signal: this.#stopTicks.signal })) {
          const now = Date.now();
          for (const c of this.#conns) {
            if (!c.killed && c.deadline < now) {
              this.counters.timeouts++;
              this.#kill(c);
            }
          }
        }
      } catch {
        // The kernel ended the timer (CQ overflow): arm it again.
      }
    }
  }

  #kill(c: Conn): void {
    if (c.killed) return;
    c.killed = true;
    // shutdown(2) wakes the pending receive (0 bytes) and any stuck send (EPIPE).
    if (c.tcp.fd >= 0) c.tcp.shutdown("both").catch(() => {});
  }

  async #serveConn(tcp: TcpConn): Promise<void> {
    const l = this.#limits;
    const c = new Conn(tcp, Date.now() + l.headerTimeout, l.maxHeaders);
    this.#conns.add(c);
    this.counters.connections++;
    try {
      for await (const chunk of tcp.chunks({ bufferSize: 16 * 1024, buffers: 512 })) {
        if (c.killed) break;
        if (c.idle) {
          c.idle = false;
          c.deadline = Date.now() + l.headerTimeout;
        }
        let buf = chunk, start = 0, end = chunk.length;
        if (c.carryLen) {
          this.#append(c, chunk);
          buf = c.carry!;
          end = c.carryLen;
        }
        let keep = true;
        while (start < end) {
          const head = c.head;
          const n = parseRequest(buf, start, end, head, l);
          if (n === 0) break;
          if (n < 0) {
            await this.#error(c, -n, head.minor, false, false);
            keep = false;
            break;
          }
          const bodyEnd = start + n + head.contentLength;
          if (bodyEnd > end) break; // the body is still arriving
          c.busy = true;
          keep = await this.#respond(c, head, buf.subarray(start + n, bodyEnd));
          c.busy = false;
          start = bodyEnd;
          if (!keep || this.#stopping || c.killed) {
            keep = false;
            break;
          }
          c.deadline = Date.now() + l.headerTimeout;
        }
        if (!keep || this.#stopping) break;
        if (start < end) {
          // A partial request: keep its bytes (the receive buffer goes back to the ring).
          if (buf === c.carry) {
            c.carry.copyWithin(0, start, end);
            c.carryLen = end - start;
          } else {
            c.carryLen = 0;
            this.#append(c, buf.subarray(start, end));
          }
        } else {
          c.carryLen = 0;
          c.idle = true;
          c.deadline = Date.now() + l.idleTimeout;
        }
      }
    } catch {
      if (!c.killed && !this.#stopping) this.counters.errors++;
    } finally {
      this.#conns.delete(c);
      this.counters.connections--;
      await tcp.close().catch(() => {});
    }
  }

  #append(c: Conn, bytes: Uint8Array): void {
    const need = c.carryLen + bytes.length;
    if (!c.carry || c.carry.length < need) {
      const grown = new Uint8Array(Math.max(need, 2 * (c.carry?.length ?? 0), 4096));
      if (c.carry) grown.set(c.carry.subarray(0, c.carryLen));
      c.carry = grown;
    }
    c.carry.set(bytes, c.carryLen);
    c.carryLen = need;
  }

  async #send(c: Conn, bytes: Uint8Array): Promise<void> {
    c.deadline = Date.now() + this.#limits.sendTimeout;
    await c.tcp.sendAll(bytes);
    c.sent += bytes.length;
    this.counters.bytes += bytes.length;
  }

  #log(c: Conn, head: RequestHead, target: string): void {
    this.#o.onLog?.(
      `${
        new Date().toISOString()
      } "${head.methodName()} ${target} HTTP/1.${head.minor}" ${c.status} ${c.sent}`,
    );
  }

  async #error(
    c: Conn,
    status: number,
    minor: number,
    keepAlive: boolean,
    isHead: boolean,
    extra = "",
  ): Promise<boolean> {
    c.status = status;
    if (status >= 400) this.counters.errors++;
    await this.#send(c, errorResponse(status, minor, keepAlive, isHead, extra));
    return keepAlive;
  }

  async #respond(c: Conn, head: RequestHead, body: Uint8Array): Promise<boolean> {
    this.counters.requests++;
    c.requests++;
    c.status = 0;
    c.sent = 0;
    const keepAlive = head.keepAlive && c.requests < this.#limits.maxRequestsPerConnection && !this.#stopping;
    const target = head.target();
    try {
      return await this.#route(c, head, target, body, keepAlive);
    } finally {
      if (this.#o.onLog) this.#log(c, head, target);
    }
  }

  async #route(
    c: Conn,
    head: RequestHead,
    target: string,
    body: Uint8Array,
    keepAlive: boolean,
  ): Promise<boolean> {
    const o = this.#o;
    const isHead = head.method === Method.HEAD;
    const r = resolvePath(target);
    // A target that does not decode is a malformed request: answer and close, as nginx does.
    if ("status" in r) return this.#error(c, r.status, head.minor, r.status === 404 && keepAlive, isHead);
    if (head.method !== Method.GET && !isHead) {
      if (o.fetch) return this.#fetch(c, head, target, body, keepAlive);
      if (head.method === Method.OPTIONS && o.cors) return this.#preflight(c, head, keepAlive);
      return this.#error(c, 405, head.minor, keepAlive, false, "Allow: GET, HEAD\r\n");
    }
    if (r.dotfile && !o.dotfiles) return this.#notFound(c, head, target, body, keepAlive, 404);
    let e = this.#cache.get(r.path, Date.now());
    if (e instanceof Promise) e = await e;
    if (typeof e === "number") return this.#notFound(c, head, target, body, keepAlive, e);
    try {
      if (!e.dir) {
        if (r.dir) return this.#notFound(c, head, target, body, keepAlive, 404);
        return await this.#serveFile(c, head, e, isHead, keepAlive);
      }
      if (!r.dir) {
        const loc = encodePath(r.path + "/") + (r.query ? "?" + r.query : "");
        return this.#error(c, 301, head.minor, keepAlive, isHead, `Location: ${loc}\r\n`);
      }
      if (o.index !== false) {
        let idx = this.#cache.get(r.path + (o.index ?? "index.html"), Date.now());
        if (idx instanceof Promise) idx = await idx;
        if (typeof idx !== "number") {
          try {
            if (!idx.dir) return await this.#serveFile(c, head, idx, isHead, keepAlive);
          } finally {
            this.#cache.release(idx);
          }
        }
      }
      if (o.listing) {
        const html = await listDirectory(this.#rootReal, r.path, !!o.dotfiles);
        if (html !== undefined) {
          return this.#sendBody(
            c,
            head,
            200,
            "Content-Type: text/html; charset=utf-8\r\n" + this.#extra,
            ENC.encode(html),
            isHead,
            keepAlive,
          );
        }
      }
      return this.#notFound(c, head, target, body, keepAlive, 404);
    } finally {
      this.#cache.release(e);
    }
  }

  get #rootReal(): string {
    return this.#o.root;
  }

  #notFound(
    c: Conn,
    head: RequestHead,
    target: string,
    body: Uint8Array,
    keepAlive: boolean,
    status: number,
  ): Promise<boolean> {
    if (this.#o.fetch) return this.#fetch(c, head, target, body, keepAlive);
    return this.#error(c, status, head.minor, keepAlive, head.method === Method.HEAD);
  }

  #preflight(c: Conn, head: RequestHead, keepAlive: boolean): Promise<boolean> {
    c.status = 204;
    const h = responseHead(
      204,
      head.minor,
      keepAlive,
      `${this.#extra}Access-Control-Allow-Methods: GET, HEAD, OPTIONS\r\nAccess-Control-Allow-Headers: Range, If-None-Match, If-Modified-Since, If-Range\r\nAccess-Control-Max-Age: 86400\r\n`,
      -1,
    );
    return this.#send(c, ENC.encode(h)).then(() => keepAlive);
  }

  async #sendBody(
    c: Conn,
    head: RequestHead,
    status: number,
    headers: string,
    body: Uint8Array,
    isHead: boolean,
    keepAlive: boolean,
  ): Promise<boolean> {
    c.status = status;
    const h = responseHead(status, head.minor, keepAlive, headers, body.length);
    if (isHead) {
      await this.#send(c, ENC.encode(h));
      return keepAlive;
    }
    const out = new Uint8Array(h.length + body.length);
    ENC.encodeInto(h, out);
    out.set(body, h.length);
    await this.#send(c, out);
    return keepAlive;
  }

  async #serveFile(
    c: Conn,
    head: RequestHead,
    e: Entry,
    isHead: boolean,
    keepAlive: boolean,
  ): Promise<boolean> {
    const minor = head.minor;
    const known = head.known;
    const pre = known[Header.IF_MATCH] < 0 && known[Header.IF_UNMODIFIED_SINCE] < 0 &&
        known[Header.IF_NONE_MATCH] < 0 && known[Header.IF_MODIFIED_SINCE] < 0
      ? 200
      : evaluatePreconditions(
        {
          ifMatch: head.get(Header.IF_MATCH),
          ifUnmodifiedSince: head.get(Header.IF_UNMODIFIED_SINCE),
          ifNoneMatch: head.get(Header.IF_NONE_MATCH),
          ifModifiedSince: head.get(Header.IF_MODIFIED_SINCE),
        },
        e.etag,
        e.mtimeMs,
      );
    if (pre === 304) {
      c.status = 304;
      const lm = e.headers.indexOf("ETag:");
      await this.#send(c, ENC.encode(responseHead(304, minor, keepAlive, e.headers.slice(lm), -1)));
      return keepAlive;
    }
    if (pre === 412) return this.#error(c, 412, minor, keepAlive, isHead);
    let start = 0, end = e.size - 1, status = 200, extra = "";
    const range = head.get(Header.RANGE);
    if (range !== undefined && ifRangeMatches(head.get(Header.IF_RANGE), e.etag, e.mtimeMs)) {
      const r = parseRange(range, e.size);
      if (r.kind === "unsatisfiable") {
        return this.#error(c, 416, minor, keepAlive, isHead, `Content-Range: bytes */${e.size}\r\n`);
      }
      if (r.kind === "range") {
        start = r.start;
        end = r.end;
        status = 206;
        extra = `Content-Range: bytes ${start}-${end}/${e.size}\r\n`;
      }
    }
    const len = end - start + 1;
    c.status = status;
    const h = responseHead(status, minor, keepAlive, e.headers + extra, len);
    if (isHead || len === 0) {
      await this.#send(c, ENC.encode(h));
      return keepAlive;
    }
    if (e.body) {
      // Small file: the head and the bytes in one send.
      const out = new Uint8Array(h.length + len);
      ENC.encodeInto(h, out);
      out.set(e.body.subarray(start, end + 1), h.length);
      await this.#send(c, out);
      return keepAlive;
    }
    // Large file: the head with the first chunk, then chunk by chunk.
    const buf = c.fileBuf ??= new Uint8Array(FILE_CHUNK);
    let at = start, first = true;
    while (at <= end) {
      const off = first ? h.length : 0;
      if (first) ENC.encodeInto(h, buf);
      const want = Math.min(FILE_CHUNK - off, end + 1 - at);
      const n = await this.#ring.read(e.fd, buf.subarray(off, off + want), at);
      if (n <= 0) {
        // The file shrank under us: the promised length cannot be sent.
        this.#cache.invalidate(e);
        this.counters.errors++;
        if (first) return this.#error(c, 500, minor, false, false); // nothing sent yet
        throw new Error("file shrank while being sent");
      }
      await this.#send(c, buf.subarray(0, off + n));
      at += n;
      first = false;
    }
    return keepAlive;
  }

  async #fetch(
    c: Conn,
    head: RequestHead,
    target: string,
    body: Uint8Array,
    keepAlive: boolean,
  ): Promise<boolean> {
    const host = head.get(Header.HOST) ?? `${this.hostname}:${this.port}`;
    return await callFetch(this.#o.fetch!, {
      head,
      url: `http://${host}${target.startsWith("/") ? target : "/"}`,
      body,
      keepAlive,
      extra: this.#extra,
      send: (b) => this.#send(c, b),
      setStatus: (s) => {
        c.status = s;
        if (s >= 400) this.counters.errors++;
      },
    });
  }

  /**
   * Stop gracefully: stop accepting, let requests in flight finish, close
   * idle connections; resolves once every connection is closed.
   *
   * @example
   * ```ts
   * import { serveDir } from "@jsuring/jsuring";
   * const server = await serveDir({ root: ".", port: 0 });
   * await server.shutdown();
   * ```
   */
  shutdown(): Promise<void> {
    return this.#shutdown ??= this.#stop();
  }

  async #stop(): Promise<void> {
    this.#stopping = true;
    this.#stopAccept.abort();
    await this.#listener.close();
    for (const c of this.#conns) if (!c.busy) this.#kill(c);
    while (this.#handlers.size) await Promise.allSettled([...this.#handlers]);
    this.#stopTicks.abort();
    this.#cache.close();
    // Let the closes above reach the kernel before the ring goes.
    await this.#ring.nop().catch(() => {});
    this.#ring.close();
    this.#done();
  }

  /** Same as {@linkcode FileServer.shutdown}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}

function corsHeaders(cors: boolean | string | undefined): string {
  if (!cors) return "";
  if (cors === true || cors === "*") return "Access-Control-Allow-Origin: *\r\n";
  if (/[\r\n]/.test(cors)) {
    throw new TypeError(`cors must be true or an origin, got ${JSON.stringify(cors)} (string)`);
  }
  return `Access-Control-Allow-Origin: ${cors}\r\nVary: Origin\r\n`;
}

const KNOWN_OPTIONS = new Set([
  "root",
  "port",
  "hostname",
  "signal",
  "index",
  "dotfiles",
  "cors",
  "listing",
  "fetch",
  "limits",
  "onLog",
  "smallFileSize",
  "entries",
  "workers",
  "revalidate",
]);

/**
 * Serve the files under `root` over HTTP/1.1.
 *
 * @example
 * ```ts
 * import { serveDir } from "@jsuring/jsuring";
 * const server = await serveDir({ root: ".", port: 0, hostname: "127.0.0.1" });
 * const res = await fetch(`${server.url}deno.json`);
 * console.log(res.status, res.headers.get("content-type"));
 * await res.arrayBuffer();
 * await server.shutdown();
 * ```
 */
export async function serveDir(options: ServeDirOptions): Promise<FileServer> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `serveDir options must be an object, got ${JSON.stringify(options)} (${typeof options})`,
    );
  }
  for (const k of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(k)) throw new TypeError(`unknown serveDir option ${JSON.stringify(k)}`);
  }
  if (typeof options.root !== "string" || options.root === "") {
    throw new TypeError(
      `root must be a directory path, got ${JSON.stringify(options.root)} (${typeof options.root})`,
    );
  }
  const limits: ServerLimits = { ...DEFAULT_SERVER_LIMITS };
  for (const [k, v] of Object.entries(options.limits ?? {})) {
    if (!(k in DEFAULT_SERVER_LIMITS)) throw new TypeError(`unknown limit ${JSON.stringify(k)}`);
    if (!Number.isInteger(v) || (v as number) < 1) {
      throw new RangeError(`limits.${k} must be a positive integer, got ${JSON.stringify(v)} (${typeof v})`);
    }
    (limits as unknown as Record<string, number>)[k] = v as number;
  }
  const index = options.index;
  if (
    index !== undefined && index !== false &&
    (typeof index !== "string" || index === "" || index.includes("/"))
  ) {
    throw new TypeError(`index must be a file name or false, got ${JSON.stringify(index)} (${typeof index})`);
  }
  const extra = corsHeaders(options.cors);
  const root = realpathSync(options.root);
  const o = { ...options, root };
  let ring: AsyncRing;
  try {
    ring = AsyncRing.create({ entries: options.entries ?? 1024, singleIssuer: true, deferTaskrun: true });
  } catch {
    ring = AsyncRing.create({ entries: options.entries ?? 1024 }); // kernels before 6.1
  }
  try {
    const cache = new FileCache({
      ring,
      root,
      extraHeaders: extra,
      smallFile: options.smallFileSize ?? 64 * 1024,
      validMs: options.revalidate ?? 1000,
      maxEntries: 4096,
    });
    await cache.open();
    const listener = listen({ host: options.hostname ?? "0.0.0.0", port: options.port ?? 8000, ring });
    return new FileServer(ring, listener, cache, o, limits, extra);
  } catch (e) {
    ring.close();
    throw e;
  }
}
