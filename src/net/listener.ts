/**
 * Listening TCP sockets: {@linkcode listen} and {@linkcode TcpListener}
 * (single-shot and multishot accept).
 *
 * @module
 */
import type { AsyncOpOptions, AsyncRing, Multishot } from "../async/async_ring.ts";
import { SOCK } from "../abi/linux.ts";
import { prepAccept, prepMultishotAccept } from "../ops/net.ts";
import { libjsuring } from "../runtime/libs.ts";
import { UringError } from "../errors/uring_error.ts";
import { defaultRing } from "../fs/mod.ts";
import { ipv4 } from "./address.ts";
import { TcpConn } from "./conn.ts";

const SOCK_CLOEXEC = SOCK.CLOEXEC;

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
