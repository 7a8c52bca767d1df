/**
 * TCP over an {@linkcode AsyncRing}: listen + multishot accept, connect,
 * multishot recv into a buffer ring, send (SEND_ZC for large payloads),
 * shutdown, close. Shaped for an HTTP server: a listener is an async
 * iterable of connections, a connection's `chunks()` an async iterable of
 * received bytes (views into ring-provided buffers, valid until the next
 * iteration, so a server parses in place and copies only what it keeps).
 *
 * Listening sockets are made with a companion call (socket, SO_REUSEADDR,
 * bind, listen: set-up only); everything per connection goes through the ring.
 *
 * Receive buffers: one {@linkcode BufferRing} per AsyncRing (group 0xfff0,
 * from `src/buffers/`), shared by every connection's multishot recv. When it
 * runs dry the kernel ends the multishot with ENOBUFS; the stream re-arms
 * once the consumer has given buffers back. A multishot the kernel stops
 * because the CQ is full (a valid result without F_MORE) is re-armed by
 * {@linkcode Multishot} itself: only 0 (peer closed), an error, close or
 * abort end a stream or a listener.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import type { AsyncOpOptions, AsyncRing, Multishot } from "../async/async_ring.ts";
import { BufferRing } from "../buffers/buf_ring.ts";
import { CqeFlag } from "../abi/flags.ts";
import { AF, SOCK, SOL, TCP } from "../abi/linux.ts";
import { setBufferSelect } from "../ops/sqe.ts";
import {
  prepAccept,
  prepConnect,
  prepMultishotAccept,
  prepRecvMultishot,
  prepShutdown,
  prepSocket,
} from "../ops/net.ts";
import { getNative } from "../runtime/_ffi.ts";
import { libjsuring } from "../runtime/libs.ts";
import { UringError } from "../errors/uring_error.ts";
import { Errno } from "../errors/errno.ts";
import { defaultRing } from "../fs/mod.ts";
import { typeError } from "../ring/_args.ts";

const AF_INET = AF.INET, SOCK_STREAM = SOCK.STREAM, SOCK_CLOEXEC = SOCK.CLOEXEC;
const IPPROTO_TCP = SOL.TCP, TCP_NODELAY = TCP.NODELAY;
const RECV_GROUP = 0xfff0;

/**
 * Payloads at least this big go out with IORING_OP_SEND_ZC by default.
 *
 * @example
 * ```ts
 * import { SEND_ZC_THRESHOLD } from "@jsuring/jsuring";
 * console.log(SEND_ZC_THRESHOLD); // 65536
 * ```
 */
export const SEND_ZC_THRESHOLD = 64 * 1024;

function ipv4(host: string): number {
  const h = host === "localhost" ? "127.0.0.1" : host;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  if (!m || m.slice(1).some((p) => Number(p) > 255)) {
    throw new TypeError(`host must be a dotted IPv4 address (or "localhost"), got ${JSON.stringify(host)}`);
  }
  return ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
}

function sockaddrIn(ip: number, port: number): Uint8Array {
  const sa = new Uint8Array(16);
  sa[0] = AF_INET;
  sa[2] = port >> 8;
  sa[3] = port & 0xff;
  sa[4] = ip >>> 24;
  sa[5] = (ip >>> 16) & 0xff;
  sa[6] = (ip >>> 8) & 0xff;
  sa[7] = ip & 0xff;
  return sa;
}

const RECV_RINGS = new WeakMap<AsyncRing, BufferRing>();

function recvRing(ring: AsyncRing, size: number, count: number): BufferRing {
  let br = RECV_RINGS.get(ring);
  if (!br || br.isClosed) {
    br = BufferRing.create(ring.ring, { group: RECV_GROUP, entries: count, size });
    RECV_RINGS.set(ring, br);
  }
  return br;
}

/**
 * Options of {@linkcode listen}.
 *
 * @example
 * ```ts
 * import { listen, type ListenOptions } from "@jsuring/jsuring";
 * const opts: ListenOptions = { host: "127.0.0.1", port: 0, backlog: 128 };
 * await using server = listen(opts);
 * ```
 */
export interface ListenOptions {
  /** IPv4 address to bind (default `"127.0.0.1"`). */
  host?: string;
  /** Port (default 0: any free port; see {@linkcode TcpListener.port}). */
  port?: number;
  /** listen(2) backlog (default 511). */
  backlog?: number;
  /** The ring (default: {@linkcode defaultRing}). */
  ring?: AsyncRing;
}

/**
 * Options of a connection's receive buffers (the first `chunks()` call on a
 * ring decides: the buffer ring is shared by all connections of the ring).
 *
 * @example
 * ```ts
 * import type { RecvOptions } from "@jsuring/jsuring";
 * const opts: RecvOptions = { bufferSize: 64 * 1024, buffers: 256 };
 * ```
 */
export interface RecvOptions {
  /** Bytes per receive buffer (default 16 KiB). */
  bufferSize?: number;
  /** Buffers in the ring's shared receive buffer ring (a power of two, default 512). */
  buffers?: number;
}

/**
 * A listening TCP socket. Iterate it for connections (multishot accept);
 * closing it (or `break`) stops accepting.
 *
 * @example
 * ```ts
 * import { listen, connect } from "@jsuring/jsuring";
 * await using server = listen({ port: 0 });
 * const client = connect({ port: server.port });
 * for await (const conn of server) {
 *   await conn.close();
 *   break;
 * }
 * await (await client).close();
 * ```
 */
export class TcpListener implements AsyncIterable<TcpConn>, AsyncDisposable {
  /** The listening socket (-1 once closed). */
  fd: number;
  /** The port bound. */
  readonly port: number;
  /** The ring accepts go through. */
  readonly ring: AsyncRing;
  #accepts = new Set<Multishot>();

  /** @internal */
  constructor(fd: number, port: number, ring: AsyncRing) {
    this.fd = fd;
    this.port = port;
    this.ring = ring;
  }

  /**
   * Accept one connection (single-shot IORING_OP_ACCEPT).
   *
   * @example
   * ```ts
   * import { listen, connect } from "@jsuring/jsuring";
   * await using server = listen();
   * const [conn, client] = await Promise.all([server.accept(), connect({ port: server.port })]);
   * await conn.close(); await client.close();
   * ```
   */
  async accept(options?: AsyncOpOptions): Promise<TcpConn> {
    const fd = await this.ring.op(
      "accept",
      (s, at) => {
        prepAccept(s, at, this.fd, 0, 0, SOCK_CLOEXEC);
      },
      undefined,
      options,
    );
    return TcpConn.adopt(fd, this.ring);
  }

  /**
   * Connections as they arrive (multishot accept, one SQE for all of them).
   *
   * @example
   * ```ts
   * import { listen } from "@jsuring/jsuring";
   * await using server = listen();
   * const ac = new AbortController();
   * ac.abort();
   * for await (const conn of server.connections({ signal: ac.signal })) await conn.close();
   * ```
   */
  async *connections(options: { signal?: AbortSignal } = {}): AsyncGenerator<TcpConn> {
    if (this.fd < 0) return;
    const ring = this.ring;
    const ms = ring.multishot((s, at) => {
      prepMultishotAccept(s, at, this.fd, 0, 0, SOCK_CLOEXEC);
    }, {
      signal: options.signal,
      name: "accept",
      // Accepted after the consumer stopped: nobody will use them.
      discard: (fd) => void ring.closeFd(fd).catch(() => {}),
    });
    this.#accepts.add(ms);
    try {
      for await (const { res } of ms) yield TcpConn.adopt(res, ring);
    } finally {
      this.#accepts.delete(ms);
      await ms.return();
    }
  }

  /** Same as {@linkcode TcpListener.connections}. */
  [Symbol.asyncIterator](): AsyncIterator<TcpConn> {
    return this.connections();
  }

  /**
   * Stop accepting (pending multishot accepts end cleanly) and close the socket.
   *
   * @example
   * ```ts
   * import { listen } from "@jsuring/jsuring";
   * const server = listen();
   * await server.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.fd < 0) return;
    const fd = this.fd;
    // Stop every accept first, synchronously: a re-arm queued by a stopped
    // multishot is dropped, so none is ever written with a closed (or
    // reused) descriptor.
    for (const ms of this.#accepts) void ms.return();
    this.fd = -1;
    if (!this.ring.closed) await this.ring.closeFd(fd).catch(() => {});
    else libjsuring().jsu_close(fd);
  }

  /** Close. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Listen on a TCP/IPv4 address (SO_REUSEADDR).
 *
 * @example
 * ```ts
 * import { listen } from "@jsuring/jsuring";
 * await using server = listen({ host: "127.0.0.1", port: 0 });
 * console.log(server.port);
 * ```
 */
export function listen(options: ListenOptions = {}): TcpListener {
  const ring = options.ring ?? defaultRing();
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be 0..65535, got ${port}`);
  }
  const out = new BigUint64Array(1);
  const fd = libjsuring().jsu_tcp_listen(
    ipv4(options.host ?? "127.0.0.1"),
    port,
    options.backlog ?? 511,
    out,
  );
  if (fd < 0) throw new UringError(-fd, "listen");
  return new TcpListener(fd, Number(out[0]), ring);
}

/**
 * Options of {@linkcode connect}.
 *
 * @example
 * ```ts
 * import { connect, listen, type ConnectOptions } from "@jsuring/jsuring";
 * await using server = listen();
 * const opts: ConnectOptions = { host: "127.0.0.1", port: server.port, timeout: 1000 };
 * await (await connect(opts)).close();
 * ```
 */
export interface ConnectOptions extends AsyncOpOptions {
  /** IPv4 address (default `"127.0.0.1"`). */
  host?: string;
  /** Port. */
  port: number;
  /** The ring (default: {@linkcode defaultRing}). */
  ring?: AsyncRing;
}

/**
 * Connect to a TCP/IPv4 address: IORING_OP_SOCKET then IORING_OP_CONNECT.
 *
 * @example
 * ```ts
 * import { connect, listen } from "@jsuring/jsuring";
 * await using server = listen();
 * const conn = await connect({ port: server.port });
 * await conn.close();
 * ```
 */
export async function connect(options: ConnectOptions): Promise<TcpConn> {
  const ring = options.ring ?? defaultRing();
  const sa = sockaddrIn(ipv4(options.host ?? "127.0.0.1"), options.port);
  const fd = await ring.op("socket", (s, at) => {
    prepSocket(s, at, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, 0);
  });
  try {
    await ring.op(
      "connect",
      (s, at) => prepConnect(s, at, fd, getNative().addressOf(sa), 16),
      sa,
      { signal: options.signal, timeout: options.timeout },
    );
  } catch (e) {
    await ring.closeFd(fd).catch(() => {});
    throw e;
  }
  return TcpConn.adopt(fd, ring);
}

/**
 * A TCP connection.
 *
 * @example
 * ```ts
 * import { connect, listen } from "@jsuring/jsuring";
 * await using server = listen();
 * const [a, b] = await Promise.all([server.accept(), connect({ port: server.port })]);
 * await b.sendAll(new TextEncoder().encode("ping"));
 * for await (const chunk of a.chunks()) { console.log(chunk.length); break; }
 * await a.close(); await b.close();
 * ```
 */
export class TcpConn implements AsyncDisposable {
  /** The socket (-1 once closed). */
  fd: number;
  /** The ring its operations go through. */
  readonly ring: AsyncRing;
  #streams = new Set<RecvStream>();

  /** @internal */
  constructor(fd: number, ring: AsyncRing) {
    this.fd = fd;
    this.ring = ring;
  }

  /** @internal An accepted or connected socket: TCP_NODELAY on. */
  static adopt(fd: number, ring: AsyncRing): TcpConn {
    libjsuring().jsu_setsockopt_int(fd, IPPROTO_TCP, TCP_NODELAY, 1);
    return new TcpConn(fd, ring);
  }

  /**
   * Receive into `buffer` (single-shot IORING_OP_RECV).
   *
   * @returns the bytes received; 0 when the peer closed its side
   *
   * @example
   * ```ts ignore
   * const n = await conn.recv(new Uint8Array(4096));
   * ```
   */
  recv(buffer: ArrayBufferView, options?: AsyncOpOptions): Promise<number> {
    return this.ring.recv(this.fd, buffer, 0, options);
  }

  /**
   * Received bytes as they arrive: a multishot recv into the ring's shared
   * buffer ring. Each chunk is a view into a ring buffer that is given back
   * when the next chunk is asked for: copy what you keep. Ends when the peer
   * closes; throws on errors (ECONNRESET); `break` cancels the receive.
   *
   * @example
   * ```ts ignore
   * for await (const chunk of conn.chunks()) await conn.sendAll(chunk);
   * ```
   */
  chunks(options: RecvOptions & { signal?: AbortSignal } = {}): AsyncIterableIterator<Uint8Array> {
    const br = recvRing(this.ring, options.bufferSize ?? 16 * 1024, options.buffers ?? 512);
    const s = new RecvStream(this, br, options.signal, () => this.#streams.delete(s));
    this.#streams.add(s);
    return s;
  }

  /**
   * Send `buffer` once (IORING_OP_SEND, or SEND_ZC when `zeroCopy`); may be short.
   *
   * @returns the bytes sent
   *
   * @example
   * ```ts ignore
   * const n = await conn.send(bytes);
   * ```
   */
  send(buffer: ArrayBufferView, options?: AsyncOpOptions & { zeroCopy?: boolean }): Promise<number> {
    if (options === undefined) {
      return this.ring.send(this.fd, buffer, 0, buffer.byteLength >= SEND_ZC_THRESHOLD);
    }
    const { zeroCopy, ...rest } = options;
    if (zeroCopy !== undefined && typeof zeroCopy !== "boolean") {
      return Promise.reject(typeError("zeroCopy", "a boolean", zeroCopy));
    }
    return this.ring.send(this.fd, buffer, 0, zeroCopy ?? buffer.byteLength >= SEND_ZC_THRESHOLD, rest);
  }

  /**
   * Send all of `buffer`, continuing after short sends. Payloads of 64 KiB
   * or more use SEND_ZC (the promise settles when the kernel has let go of
   * the buffer), unless `zeroCopy: false`.
   *
   * @example
   * ```ts ignore
   * await conn.sendAll(new TextEncoder().encode("hello"));
   * ```
   */
  sendAll(buffer: ArrayBufferView, options?: AsyncOpOptions & { zeroCopy?: boolean }): Promise<void> {
    const len = buffer.byteLength;
    // One send is the common case: no async frame, no copy of the view.
    return this.send(buffer, options).then((n) => n === len ? undefined : this.#sendRest(buffer, n, options));
  }

  async #sendRest(
    buffer: ArrayBufferView,
    sent: number,
    options?: AsyncOpOptions & { zeroCopy?: boolean },
  ): Promise<void> {
    let bytes = new Uint8Array(buffer.buffer, buffer.byteOffset + sent, buffer.byteLength - sent);
    while (bytes.length > 0) {
      const n = await this.send(bytes, options);
      bytes = bytes.subarray(n);
    }
  }

  /**
   * shutdown(2): `"write"` (default, send FIN), `"read"` or `"both"`.
   *
   * @example
   * ```ts ignore
   * await conn.shutdown("write");
   * ```
   */
  async shutdown(how: "read" | "write" | "both" = "write"): Promise<void> {
    const h = how === "read" ? 0 : how === "write" ? 1 : 2;
    await this.ring.op("shutdown", (s, at) => prepShutdown(s, at, this.fd, h));
  }

  /**
   * Close the connection: receive streams end, then the socket is closed
   * through the ring.
   *
   * @example
   * ```ts ignore
   * await conn.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.fd < 0) return;
    const fd = this.fd;
    for (const s of this.#streams) await s.return();
    this.fd = -1;
    if (!this.ring.closed) await this.ring.closeFd(fd).catch(() => {});
    else libjsuring().jsu_close(fd);
  }

  /** Close. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

const yieldMacrotask = () => new Promise<void>((r) => setImmediate(r));

class RecvStream implements AsyncIterableIterator<Uint8Array> {
  #conn: TcpConn;
  #br: BufferRing;
  #ms: Multishot | undefined;
  #held = -1; // buffer id handed to the consumer
  #done = false;
  #signal: AbortSignal | undefined;
  #onEnd: () => void;
  /** Re-arms after ENOBUFS (visible to tests through the iterator). */
  rearms = 0;

  constructor(conn: TcpConn, br: BufferRing, signal: AbortSignal | undefined, onEnd: () => void) {
    this.#conn = conn;
    this.#br = br;
    this.#signal = signal;
    this.#onEnd = onEnd;
  }

  #giveBack(): void {
    if (this.#held >= 0) {
      if (!this.#br.isClosed) this.#br.recycle(this.#held);
      this.#held = -1;
    }
  }

  #arm(): Multishot {
    const br = this.#br, fd = this.#conn.fd;
    return this.#conn.ring.multishot((s, at) => {
      prepRecvMultishot(s, at, fd, 0, 0, 0);
      setBufferSelect(s, at, br.id);
    }, {
      signal: this.#signal,
      name: "recv",
      // 0 is the peer's close; a result > 0 without F_MORE only means the
      // kernel stopped the request (CQ full): re-armed by the multishot.
      ends: (res) => res <= 0,
      // Data that arrived after the consumer stopped: give the buffers back.
      discard: (_res, flags) => {
        if (flags & CqeFlag.F_BUFFER && !br.isClosed) br.recycle(flags >>> CqeFlag.BUFFER_SHIFT);
      },
    });
  }

  async next(): Promise<IteratorResult<Uint8Array>> {
    this.#giveBack();
    while (!this.#done) {
      if (this.#conn.fd < 0) break;
      this.#ms ??= this.#arm();
      let r: IteratorResult<{ res: number; flags: number }>;
      try {
        r = await this.#ms.next();
      } catch (e) {
        this.#ms = undefined;
        if (e instanceof UringError && e.errno === Errno.ENOBUFS) {
          // The shared buffers ran out: let other consumers give some back.
          this.rearms++;
          await yieldMacrotask();
          continue;
        }
        this.#end();
        throw e;
      }
      if (r.done) break;
      const { res, flags } = r.value;
      if (res === 0) break; // the peer closed its side
      const taken = this.#br.take(res, flags);
      if (!taken) continue;
      this.#held = taken.id;
      return { value: taken.bytes, done: false };
    }
    this.#end();
    return { value: undefined, done: true };
  }

  #end(): void {
    if (this.#done) return;
    this.#done = true;
    this.#giveBack();
    this.#onEnd();
  }

  async return(): Promise<IteratorResult<Uint8Array>> {
    const ms = this.#ms;
    this.#ms = undefined;
    this.#end();
    if (ms) await ms.return();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return this;
  }
}
