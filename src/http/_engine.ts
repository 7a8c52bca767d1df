/**
 * One server thread: its AsyncRing (SINGLE_ISSUER + DEFER_TASKRUN where the
 * kernel has them), multishot accept, multishot receive into the ring's
 * buffer ring with requests parsed in place in the received bytes, the
 * per-path file cache (304, HEAD, 404 and 416 need no file I/O), small files
 * sent with the head in front in one send, large ones read and sent in
 * chunks. Header-read, idle and send timeouts are swept by ONE multishot
 * timer. `serveDir` runs one engine, or one per worker thread.
 *
 * @module
 */
import { AsyncRing } from "../async/async_ring.ts";
import { MSG } from "../abi/linux.ts";
import { kernelAtLeast } from "../errors/hints.ts";
import { listen, type TcpConn, TcpListener } from "../net/mod.ts";
import { type Entry, FileCache } from "./_cache.ts";
import { evaluatePreconditions } from "./conditional.ts";
import { Header, Method, parseRequest, RequestHead } from "./parse.ts";
import { type ResolvedPath, resolvePath } from "./path.ts";
import { ifRangeMatches, parseRange } from "./range.ts";
import { encodePath, errorResponse, responseHead } from "./response.ts";
import { listDirectory } from "./_listing.ts";
import { callFetch } from "./_fetch.ts";
import { ChunkBuffers, PipePool, spliceBody } from "./_splice.ts";
import type { ServeDirOptions, ServerCounters, ServerLimits } from "./server.ts";

const ENC = new TextEncoder();
const FILE_CHUNK = 256 * 1024;
// Receive buffers: src/net shares a buffer group among connections, about
// four buffers each, and makes another group as connections grow. A
// connection holds one from the moment its request arrives until the
// response is sent, so with too few in all, 5,000 connections ran them dry
// (ENOBUFS starved connections for seconds). 2 KiB each (nginx's header
// buffer is 1 KiB): 8 KiB of buffers per connection; a longer head spans
// buffers (the carry path). Groups of 1,024 (2 MiB, 256 connections).
const RECV_BUFFER = 2048;
const RECV_BUFFERS = 1024;
// listen(2) backlog (the kernel caps it at net.core.somaxconn, 4096 since
// Linux 5.4): with 511, some of 5,000 connections opened at once waited for
// SYN retransmits (seconds) before they were accepted.
const LISTEN_BACKLOG = 4096;
// Plain IORING_OP_SEND: SEND_ZC measured slower here for every size
// (bench/HTTP.md): over loopback the data is copied anyway and each send
// waits for its notification too.
const MSG_WAITALL = MSG.WAITALL;

class Conn {
  tcp: TcpConn;
  deadline: number;
  busy = false;
  idle = false;
  killed = false;
  requests = 0;
  carry: Uint8Array | undefined;
  carryLen = 0;
  status = 0;
  sent = 0;
  /** The client's address for the access log (read on the first line logged). */
  peer: string | undefined;
  /**
   * The request being parsed/answered (offsets into this connection's
   * bytes): taken from the engine's pool when bytes arrive, given back when
   * the connection goes idle, so 10,000 idle connections hold none.
   */
  head: RequestHead | undefined;
  constructor(tcp: TcpConn, deadline: number) {
    this.tcp = tcp;
    this.deadline = deadline;
  }
}

/** One server thread's engine: its ring, listener, cache and connections. */
export class Engine {
  readonly hostname: string;
  readonly port: number;
  readonly counters: ServerCounters;
  #ownsListener: boolean;
  #ring: AsyncRing;
  #listener: TcpListener;
  #cache: FileCache;
  #o: ServeDirOptions;
  #limits: ServerLimits;
  #conns = new Set<Conn>();
  #paths = new Map<string, ResolvedPath>();
  #handlers = new Set<Promise<void>>();
  #stopping = false;
  #stopTicks = new AbortController();
  #stopAccept = new AbortController();
  #shutdown: Promise<void> | undefined;
  #extra: string;
  #pipes: PipePool;
  #heads: RequestHead[] = [];
  #chunks = new ChunkBuffers(16, FILE_CHUNK);

  /** @internal */
  constructor(
    ring: AsyncRing,
    listener: TcpListener,
    cache: FileCache,
    o: ServeDirOptions,
    limits: ServerLimits,
    extra: string,
    counters: ServerCounters,
    ownsListener: boolean,
  ) {
    this.counters = counters;
    this.#ownsListener = ownsListener;
    this.#ring = ring;
    this.#listener = listener;
    this.#cache = cache;
    this.#o = o;
    this.#limits = limits;
    this.#extra = extra;
    this.#pipes = new PipePool(o.splicePipes ?? 64);
    this.hostname = o.hostname ?? "0.0.0.0";
    this.port = listener.port;
    this.#acceptLoop();
    this.#sweepLoop();
  }

  /** The file cache's counters (opens, statx revalidations, files found changed). */
  get cacheStats(): { opens: number; statx: number; changed: number } {
    return this.#cache.stats;
  }

  async #acceptLoop(): Promise<void> {
    while (!this.#stopping) {
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
        return; // the listener ended
      } catch {
        if (this.#stopping) return;
        // EMFILE/ENFILE (out of descriptors) and the like: the listener is
        // still good. Count it, pause, accept again (nginx pauses 500 ms);
        // ending the loop here left the server alive but deaf (found with
        // 10,000 connections after a 5,000-connection run).
        this.counters.errors++;
        await new Promise((r) => setTimeout(r, 100));
      }
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
    if (!kernelAtLeast("6.4")) {
      // No multishot timeouts before 6.4 (ticks() refuses them): one timeout
      // per tick; a refused one waits a tick on the JS clock, never spins.
      while (!this.#stopTicks.signal.aborted && !this.#ring.closed) {
        try {
          await this.#ring.sleep(tick, { signal: this.#stopTicks.signal });
        } catch {
          if (this.#stopTicks.signal.aborted || this.#ring.closed) break;
          await new Promise((r) => setTimeout(r, tick));
        }
        this.#sweep();
      }
      return;
    }
    while (!this.#stopTicks.signal.aborted && !this.#ring.closed) {
      try {
        for await (const _ of this.#ring.ticks(tick, { signal: this.#stopTicks.signal })) this.#sweep();
      } catch {
        // The kernel ended the timer (CQ overflow): arm it again.
      }
    }
  }

  #sweep(): void {
    const now = Date.now();
    for (const c of this.#conns) {
      if (!c.killed && c.deadline < now) {
        this.counters.timeouts++;
        this.#kill(c);
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
    const c = new Conn(tcp, Date.now() + l.headerTimeout);
    this.#conns.add(c);
    this.counters.connections++;
    try {
      for await (const chunk of tcp.chunks({ bufferSize: RECV_BUFFER, buffers: RECV_BUFFERS })) {
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
          const head = c.head ??= this.#heads.pop() ?? new RequestHead(l.maxHeaders);
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
          // Idle: its head goes back to the pool, its carry (rare) to the GC.
          c.carry = undefined;
          this.#releaseHead(c);
          c.idle = true;
          c.deadline = Date.now() + l.idleTimeout;
        }
      }
    } catch {
      if (!c.killed && !this.#stopping) this.counters.errors++;
    } finally {
      this.#releaseHead(c);
      this.#conns.delete(c);
      this.counters.connections--;
      await tcp.close().catch(() => {});
    }
  }

  #releaseHead(c: Conn): void {
    if (c.head === undefined) return;
    if (this.#heads.length < 1024) this.#heads.push(c.head);
    c.head = undefined;
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
    // MSG_WAITALL: the kernel retries a partial send itself (5.19+) instead
    // of a completion and a new SQE per socket-buffer's worth.
    let sent = await this.#ring.send(c.tcp.fd, bytes, MSG_WAITALL, false);
    while (sent < bytes.length) {
      c.deadline = Date.now() + this.#limits.sendTimeout;
      sent += await this.#ring.send(c.tcp.fd, bytes.subarray(sent), MSG_WAITALL, false);
    }
    c.sent += bytes.length;
    this.counters.bytes += bytes.length;
  }

  #log(c: Conn, head: RequestHead, target: string): void {
    // The client's address: getpeername(2) once per connection, only when logging.
    if (c.peer === undefined) {
      try {
        const a = c.tcp.remoteAddr;
        c.peer = "hostname" in a
          ? (a.hostname.includes(":") ? `[${a.hostname}]:${a.port}` : `${a.hostname}:${a.port}`)
          : "unix";
      } catch {
        c.peer = "-";
      }
    }
    this.#o.onLog?.(
      `${c.peer} ${
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
    let r = this.#paths.get(target);
    if (r === undefined) {
      r = resolvePath(target);
      // Decoding is pure: remember the last few thousand targets.
      if (this.#paths.size >= 4096) this.#paths.clear();
      this.#paths.set(target, r);
    }
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
    if (status === 200 && e.body && !isHead && minor === 1 && keepAlive && len > 0) {
      // The common case: the whole response, head and bytes, built once per
      // second (its Date) and shared by every connection; never mutated, so
      // sends in flight can all point at it.
      const now = Math.floor(Date.now() / 1000);
      if (e.response === undefined || e.responseSecond !== now) {
        const h = responseHead(200, 1, true, e.headers, len);
        const out = new Uint8Array(h.length + len);
        ENC.encodeInto(h, out);
        out.set(e.body, h.length);
        e.response = out;
        e.responseSecond = now;
      }
      await this.#send(c, e.response);
      return keepAlive;
    }
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
    c.deadline = Date.now() + this.#limits.sendTimeout; // bounds the wait for a pipe too
    let pipe = this.#pipes.acquire();
    if (pipe instanceof Promise) pipe = await pipe;
    if (pipe && c.killed) {
      this.#pipes.release(pipe);
      throw new Error("connection closed while waiting for a pipe");
    }
    if (pipe) {
      const headBytes = ENC.encode(h);
      const r = await spliceBody(this.#ring, this.#pipes, pipe, c.tcp.fd, headBytes, e.fd, start, len, () => {
        c.deadline = Date.now() + this.#limits.sendTimeout;
      });
      if (r === "done") {
        c.sent += headBytes.length + len;
        this.counters.bytes += headBytes.length + len;
        return keepAlive;
      }
    }
    // Large file: the head with the first chunk, then chunk by chunk, the
    // next chunk read (page cache, fast) while the previous one is sent.
    let bufs = this.#chunks.acquire();
    if (bufs instanceof Promise) bufs = await bufs;
    try {
      return await this.#readSend(c, e, h, minor, start, end, keepAlive, bufs);
    } finally {
      this.#chunks.release(bufs);
    }
  }

  async #readSend(
    c: Conn,
    e: Entry,
    h: string,
    minor: number,
    start: number,
    end: number,
    keepAlive: boolean,
    bufs: Uint8Array[],
  ): Promise<boolean> {
    ENC.encodeInto(h, bufs[0]);
    let at = start, which = 0, off = h.length;
    let sending: Promise<void> | undefined;
    try {
      while (at <= end) {
        const buf = bufs[which];
        const want = Math.min(FILE_CHUNK - off, end + 1 - at);
        const n = await this.#ring.read(e.fd, buf.subarray(off, off + want), at);
        if (n <= 0) {
          // The file shrank under us: the promised length cannot be sent.
          this.#cache.invalidate(e);
          this.counters.errors++;
          if (at === start) return this.#error(c, 500, minor, false, false); // nothing sent yet
          throw new Error("file shrank while being sent");
        }
        if (sending) await sending;
        sending = this.#send(c, buf.subarray(0, off + n));
        sending.catch(() => {}); // handled: awaited below (a rejection must not go unhandled meanwhile)
        at += n;
        off = 0;
        which ^= 1;
      }
      await sending;
    } finally {
      // A send still in flight holds its buffer: never hand it to the next request early.
      if (sending) await sending.catch(() => {});
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

  /** Stop gracefully: stop accepting, finish requests in flight, close idle connections. */
  shutdown(): Promise<void> {
    return this.#shutdown ??= this.#stop();
  }

  async #stop(): Promise<void> {
    this.#stopping = true;
    this.#stopAccept.abort();
    // Workers share one listening socket: its owner closes it, the others only stop accepting.
    if (this.#ownsListener) await this.#listener.close();
    for (const c of this.#conns) if (!c.busy) this.#kill(c);
    while (this.#handlers.size) await Promise.allSettled([...this.#handlers]);
    this.#stopTicks.abort();
    this.#cache.close();
    this.#pipes.close();
    // Let the closes above reach the kernel before the ring goes.
    await this.#ring.nop().catch(() => {});
    this.#ring.close();
  }
}

/** Where an engine gets its listening socket: a new one, or a worker's share of the owner's. */
export type ListenOn = { port: number } | { fd: number; port: number };

/**
 * Start an engine for options already checked by serveDir (`root` real, `limits` whole).
 */
export async function startEngine(
  o: ServeDirOptions,
  limits: ServerLimits,
  extra: string,
  counters: ServerCounters,
  on: ListenOn,
): Promise<Engine> {
  let ring: AsyncRing;
  try {
    ring = AsyncRing.create({ entries: o.entries ?? 1024, singleIssuer: true, deferTaskrun: true });
  } catch {
    ring = AsyncRing.create({ entries: o.entries ?? 1024 }); // kernels before 6.1
  }
  try {
    const cache = new FileCache({
      ring,
      root: o.root,
      extraHeaders: extra,
      smallFile: o.smallFileSize ?? 64 * 1024,
      validMs: o.revalidate ?? 1000,
      maxEntries: 4096,
      followSymlinks: o.followSymlinks === true,
    });
    await cache.open();
    const listener = "fd" in on
      ? new TcpListener(on.fd, on.port, ring)
      : await listen({ host: o.hostname ?? "0.0.0.0", port: on.port, ring, backlog: LISTEN_BACKLOG });
    return new Engine(ring, listener, cache, o, limits, extra, counters, !("fd" in on));
  } catch (e) {
    ring.close();
    throw e;
  }
}
