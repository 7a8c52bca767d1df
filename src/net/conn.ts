/**
 * A TCP connection: send, receive (single-shot and multishot into the ring's
 * shared buffer ring), shutdown, close.
 *
 * @module
 */
import type { AsyncOpOptions, AsyncRing } from "../async/async_ring.ts";
import { BufferRing } from "../buffers/buf_ring.ts";
import { SOL, TCP } from "../abi/linux.ts";
import { prepShutdown } from "../ops/net.ts";
import { libjsuring } from "../runtime/libs.ts";
import { sysSetsockoptInt } from "../runtime/sockets.ts";
import { typeError } from "../ring/_args.ts";
import { RecvStream } from "./_recv_stream.ts";

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
 * A connection: TCP, or a Unix stream socket (the same class, made by
 * {@linkcode connect} or accepted by a listener).
 *
 * @example
 * ```ts
 * import { connect, listen } from "@jsuring/jsuring";
 * await using server = await listen();
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
  /** Sends at least this big default to SEND_ZC. */
  #zcThreshold = SEND_ZC_THRESHOLD;

  /** @internal */
  constructor(fd: number, ring: AsyncRing) {
    this.fd = fd;
    this.ring = ring;
  }

  /**
   * @internal An accepted or connected socket. TCP: TCP_NODELAY on, unless
   * `noDelaySet` (accepted sockets inherit it from their listener). Unix:
   * no TCP options, and no SEND_ZC by default (the kernel refuses zero-copy
   * sends on Unix sockets with EOPNOTSUPP).
   */
  static adopt(fd: number, ring: AsyncRing, unix = false, noDelaySet = false): TcpConn {
    if (!unix && !noDelaySet) sysSetsockoptInt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
    const conn = new TcpConn(fd, ring);
    if (unix) conn.#zcThreshold = Infinity;
    return conn;
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
      return this.ring.send(this.fd, buffer, 0, buffer.byteLength >= this.#zcThreshold);
    }
    const { zeroCopy, ...rest } = options;
    if (zeroCopy !== undefined && typeof zeroCopy !== "boolean") {
      return Promise.reject(typeError("zeroCopy", "a boolean", zeroCopy));
    }
    return this.ring.send(this.fd, buffer, 0, zeroCopy ?? buffer.byteLength >= this.#zcThreshold, rest);
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
