/**
 * Outgoing TCP connections: {@linkcode connect}.
 *
 * @module
 */
import type { AsyncOpOptions, AsyncRing } from "../async/async_ring.ts";
import { AF, SOCK } from "../abi/linux.ts";
import { prepConnect, prepSocket } from "../ops/net.ts";
import { getNative } from "../runtime/_ffi.ts";
import { defaultRing } from "../fs/mod.ts";
import { ipv4, sockaddrIn } from "./address.ts";
import { TcpConn } from "./conn.ts";

const AF_INET = AF.INET, SOCK_STREAM = SOCK.STREAM, SOCK_CLOEXEC = SOCK.CLOEXEC;

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
