/**
 * A TCP connection: send, receive (single-shot and multishot into the ring's
 * shared buffer ring), shutdown, close.
 *
 * @module
 */
import type { AsyncOpOptions, AsyncRing } from "../async/async_ring.ts";
import { SOL, TCP } from "../abi/linux.ts";
import { prepShutdown } from "../ops/net.ts";
import { RECV_MULTISHOT } from "../ring/operations_multishot.ts";
import { libjsuring } from "../runtime/libs.ts";
import { checkBuffer, checkInt, checkOptions, checkSignal, typeError } from "../ring/_args.ts";
import { UringError } from "../errors/uring_error.ts";
import { Errno } from "../errors/errno.ts";
import { SendQueue } from "./_send.ts";
import { sysSetsockoptInt, sysSockName } from "../runtime/sockets.ts";
import { type Addr, decodeSockaddr } from "./address.ts";
import { RecvGroups, RecvStream } from "./_recv_stream.ts";

const IPPROTO_TCP = SOL.TCP, TCP_NODELAY = TCP.NODELAY;
/** Receive buffer groups: ids from 0xfff0 downwards to 0xff00 (UDP's go up from 0xfff1). */
const RECV_GROUPS = new RecvGroups("receive buffers", 0xfff0, 0xff00);

/**
 * Payloads at least this big would go out with IORING_OP_SEND_ZC under a
 * size-only policy; jsuring no longer sends zero-copy by default. On
 * loopback the kernel copies zero-copy payloads anyway and each send costs
 * an extra notification completion: TCP echo measured SEND_ZC 20–40× slower
 * at 16 KiB and no faster at 64 KiB (`bench/NET.md`). Pass
 * `zeroCopy: true` to a send where it measures faster (large payloads to a
 * real NIC).
 *
 * @example
 * ```ts
 * import { SEND_ZC_THRESHOLD } from "@jsuring/jsuring";
 * console.log(SEND_ZC_THRESHOLD); // 65536
 * ```
 */
export const SEND_ZC_THRESHOLD = 64 * 1024;


/**
 * @internal The receive stream of a byte-stream socket (a TCP or Unix fd, or
 * a direct descriptor's slot when `fixed`): options checked, a shared
 * receive group, the stream counted in `streams` until it ends.
 */
export function chunkStream(
  ring: AsyncRing,
  streams: Set<RecvStream>,
  target: () => number,
  fixed: boolean,
  options: RecvOptions & { signal?: AbortSignal },
): RecvStream {
  checkOptions(options, "chunks options", ["bufferSize", "buffers", "signal"]);
  const size = checkInt(options.bufferSize ?? 16 * 1024, "chunks options.bufferSize", 1, 0x7ffff000);
  const count = checkInt(options.buffers ?? 512, "chunks options.buffers", 1, 32768);
  if (options.signal !== undefined) checkSignal(options.signal, "chunks options.signal");
  const g = RECV_GROUPS.for(ring, size, count);
  g.streams++;
  const s: RecvStream = new RecvStream({
    ring,
    name: "recv",
    open: () => target() >= 0,
    // The fd or slot as it is at arm time.
    arm: (bgid, o) => ring.multishotOf(RECV_MULTISHOT, [target(), bgid, fixed], o),
    ends: (res) => res <= 0,
    value: (bytes) => bytes,
  }, g, options.signal, () => {
    g.streams--;
    streams.delete(s);
  });
  streams.add(s);
  return s;
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
 * Options of {@linkcode TcpConn.send} and {@linkcode TcpConn.sendAll}.
 *
 * @example
 * ```ts
 * import type { SendOptions } from "@jsuring/jsuring";
 * const opts: SendOptions = { zeroCopy: false, timeout: 5000 };
 * ```
 */
export interface SendOptions extends AsyncOpOptions {
  /** IORING_OP_SEND_ZC instead of SEND (default false; see {@linkcode SEND_ZC_THRESHOLD}). */
  zeroCopy?: boolean;
}

const SEND_KEYS = ["signal", "timeout", "fixedFile", "async", "zeroCopy"];

/** `options` split into the zero-copy choice and the ring's own options (checked there). */
function sendOptions(options: SendOptions | undefined): [boolean, AsyncOpOptions | undefined] {
  if (options === undefined) return [false, undefined];
  checkOptions(options, "send options", SEND_KEYS);
  const { zeroCopy, ...rest } = options;
  if (zeroCopy !== undefined && typeof zeroCopy !== "boolean") {
    throw typeError("zeroCopy", "a boolean", zeroCopy);
  }
  return [zeroCopy ?? false, Object.keys(rest).length ? rest : undefined];
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
  #sends: SendQueue;

  /** @internal */
  constructor(fd: number, ring: AsyncRing) {
    this.fd = fd;
    this.ring = ring;
    this.#sends = new SendQueue(ring, () => this.fd);
  }

  /**
   * @internal An accepted or connected socket. TCP: TCP_NODELAY on, unless
   * `noDelaySet` (accepted sockets inherit it from their listener). Unix:
   * no TCP options, and no SEND_ZC by default (the kernel refuses zero-copy
   * sends on Unix sockets with EOPNOTSUPP).
   */
  static adopt(fd: number, ring: AsyncRing, unix = false, noDelaySet = false): TcpConn {
    if (!unix && !noDelaySet) sysSetsockoptInt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
    // Sends are plain SEND unless a call asks for zero-copy (never on Unix
    // sockets: the kernel refuses it there with EOPNOTSUPP).
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
    return chunkStream(this.ring, this.#streams, () => this.fd, false, options);
  }

  /**
   * Send `buffer` once (IORING_OP_SEND, or SEND_ZC when `zeroCopy`); may be
   * short. Sends of one connection go out in call order (see `sendAll`).
   *
   * @returns the bytes sent
   *
   * @example
   * ```ts ignore
   * const n = await conn.send(bytes);
   * ```
   */
  send(buffer: ArrayBufferView, options?: SendOptions): Promise<number> {
    try {
      checkBuffer(buffer, "send buffer");
      const [zc, rest] = sendOptions(options);
      return this.#sends.push([buffer], true, zc, rest);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Send all of `data` (one buffer, or several sent back to back: a header
   * and a body go out in one vectored send). Calls are queued per connection
   * and sent in call order, one request in the kernel at a time (each with
   * MSG_WAITALL, so the kernel itself finishes short sends); calls queued
   * behind it go out together as one SENDMSG. The promise settles once the
   * bytes are in the socket: a slow reader makes it wait, and the library's
   * memory for the connection stays bounded (the queue holds your buffers,
   * not copies: leave them unchanged until the promise settles). A
   * connection error (EPIPE, ECONNRESET) rejects this call and every queued
   * one with that `UringError`. Plain IORING_OP_SEND unless
   * `zeroCopy: true` (see {@linkcode SEND_ZC_THRESHOLD} for why).
   *
   * @example
   * ```ts ignore
   * await conn.sendAll(new TextEncoder().encode("hello"));
   * await conn.sendAll([header, body]);
   * ```
   */
  sendAll(data: ArrayBufferView | readonly ArrayBufferView[], options?: SendOptions): Promise<void> {
    try {
      const views = Array.isArray(data) ? data : [data as ArrayBufferView];
      if (views.length > 1024) {
        throw new RangeError(`sendAll takes at most 1024 buffers, got ${views.length}`);
      }
      for (let i = 0; i < views.length; i++) {
        checkBuffer(views[i], Array.isArray(data) ? `sendAll data[${i}]` : "sendAll data");
      }
      const [zc, rest] = sendOptions(options);
      return this.#sends.push(views, false, zc, rest) as Promise<unknown> as Promise<void>;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Bytes accepted by `send`/`sendAll` and not yet in the socket. */
  get pendingSendBytes(): number {
    return this.#sends.pendingBytes;
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
    this.#sends.close(
      new UringError(Errno.ECANCELED, "send", "the connection was closed before the bytes were sent"),
    );
    this.fd = -1;
    if (!this.ring.closed) await this.ring.closeFd(fd).catch(() => {});
    else libjsuring().jsu_close(fd);
  }

  /**
   * The local address (getsockname(2), read on first use): a
   * {@linkcode NetAddr}, or a {@linkcode UnixAddr} (`path` `""` for an
   * unnamed client socket). Throws EBADF once the connection is closed and
   * the address was never read.
   *
   * @example
   * ```ts
   * import { connect, listen, type NetAddr } from "@jsuring/jsuring";
   * await using server = await listen();
   * await using conn = await connect({ port: server.port });
   * console.log((conn.localAddr as NetAddr).port > 0, conn.remoteAddr); // true { ..., port: server.port }
   * ```
   */
  get localAddr(): Addr {
    return this.#local ??= this.#name(false);
  }

  /** The peer's address (getpeername(2), read on first use); see {@linkcode TcpConn.localAddr}. */
  get remoteAddr(): Addr {
    return this.#remote ??= this.#name(true);
  }

  #local: Addr | undefined;
  #remote: Addr | undefined;

  #name(peer: boolean): Addr {
    const sa = sysSockName(this.fd, peer);
    if (typeof sa === "number") {
      throw new UringError(
        -sa,
        peer ? "getpeername" : "getsockname",
        this.fd < 0 ? "the connection is closed" : undefined,
      );
    }
    return decodeSockaddr(sa, "tcp");
  }

  /** Close. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
