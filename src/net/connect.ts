/**
 * Outgoing connections: {@linkcode connect} to a TCP address (IPv4, IPv6, a
 * host name through `node:dns`) or a Unix socket path. The socket is made
 * through the ring (IORING_OP_SOCKET, 5.19) where the kernel has it, else
 * with socket(2); the connect is always IORING_OP_CONNECT.
 *
 * @module
 */
import type { AsyncRing } from "../async/async_ring.ts";
import { AsyncRing as AsyncRingClass } from "../async/async_ring.ts";
import type { Timeout } from "../ring/_args.ts";
import { checkOptions, typeError } from "../ring/_args.ts";
import { SOCK } from "../abi/linux.ts";
import { prepConnect } from "../ops/net.ts";
import { getNative } from "../runtime/_ffi.ts";
import { defaultRing } from "../fs/mod.ts";
import {
  type Addr,
  checkPort,
  encodeInet,
  encodeUnix,
  formatIPv6,
  type IpAddress,
  resolveHost,
} from "./address.ts";
import { checkTransport, domainOf, openSocket, SOCKET_SETUPS, type SocketSetup } from "./_setup.ts";
import { SocketError, socketError } from "./errors.ts";
import { TcpConn } from "./conn.ts";

/**
 * Options of {@linkcode connect}: a TCP address (`hostname`, `port`) or a
 * Unix socket `path`.
 *
 * @example
 * ```ts
 * import { connect, listen, type ConnectOptions } from "@jsuring/jsuring";
 * await using server = await listen();
 * const opts: ConnectOptions = { hostname: "127.0.0.1", port: server.port, timeout: 1000 };
 * await (await connect(opts)).close();
 * ```
 */
export interface ConnectOptions {
  /**
   * An IPv4 or IPv6 literal or a host name (looked up with `node:dns`; each
   * address is tried in turn until one accepts). Default `"127.0.0.1"`.
   */
  hostname?: string;
  /** `node:net`'s name for {@linkcode ConnectOptions.hostname}. */
  host?: string;
  /** The port, 1..65535 (required for TCP). */
  port?: number;
  /** A Unix socket path, or `"\0name"` for an abstract name, instead of TCP. */
  path?: string;
  /** Abort the connect; it rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Give up on each address after this long (milliseconds, or `{ sec, nsec }`); rejects with a `TimeoutError`. */
  timeout?: Timeout;
  /** The ring (default: {@linkcode defaultRing}). */
  ring?: AsyncRing;
  /** How the socket is made: see {@linkcode SocketSetup} (default `"auto"`). */
  setup?: SocketSetup;
  /**
   * `"tcp"` or `"unix"`, as `Deno.connect` takes it: optional (a `path` means
   * Unix); when given it must agree with the other options.
   */
  transport?: "tcp" | "unix";
}

const CONNECT_KEYS = ["hostname", "host", "port", "path", "signal", "timeout", "ring", "setup", "transport"];

/**
 * Connect to a TCP address or a Unix socket. Bad options reject with a
 * TypeError or RangeError before any system call; a refusal (ECONNREFUSED,
 * ENOENT for a Unix path, ENETUNREACH) rejects with a {@linkcode SocketError}
 * naming the address.
 *
 * @example
 * ```ts
 * import { connect, listen } from "@jsuring/jsuring";
 * await using server = await listen();
 * const conn = await connect({ port: server.port });
 * await conn.close();
 * ```
 */
export async function connect(options: ConnectOptions): Promise<TcpConn> {
  if (options === undefined) throw new TypeError("connect: options must give a port (TCP) or a path (Unix)");
  const o = checkOptions(options, "connect options", CONNECT_KEYS)!;
  const ring = o.ring ?? defaultRing();
  if (!(ring instanceof AsyncRingClass)) throw typeError("connect: ring", "an AsyncRing", ring);
  const setup = o.setup ?? "auto";
  if (!SOCKET_SETUPS.includes(setup)) {
    throw typeError("connect: setup", `one of ${SOCKET_SETUPS.join(", ")}`, setup);
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw typeError("connect: signal", "an AbortSignal", o.signal);
  }
  if (o.host !== undefined && o.hostname !== undefined && o.host !== o.hostname) {
    throw new TypeError(
      `connect: host and hostname name the same thing; pass one, got ${JSON.stringify(o.host)} and ${
        JSON.stringify(o.hostname)
      }`,
    );
  }
  const opts = { signal: o.signal, timeout: o.timeout };
  checkTransport(o.transport, o.path !== undefined, "connect");
  if (o.path !== undefined) {
    for (const k of ["hostname", "host", "port"] as const) {
      if (o[k] !== undefined) {
        throw new TypeError(`connect: ${k} is for TCP; a Unix socket (path) takes none`);
      }
    }
    const sa = encodeUnix(o.path, "connect: path");
    return await attempt(ring, sa, { transport: "unix", path: o.path }, setup, opts);
  }
  if (o.port === undefined) throw new TypeError("connect: options must give a port (TCP) or a path (Unix)");
  const port = checkPort(o.port, "connect: port");
  const ips = await resolveHost(o.hostname ?? o.host ?? "127.0.0.1", "connect: hostname");
  let last: unknown;
  for (const ip of ips) {
    o.signal?.throwIfAborted();
    try {
      return await attempt(ring, encodeInet(ip, port), netAddr(ip, port), setup, opts);
    } catch (e) {
      // Another address only after a refusal by the network, not an abort or a timeout.
      if (!(e instanceof SocketError)) throw e;
      last = e;
    }
  }
  throw last;
}

function netAddr(ip: IpAddress, port: number): Addr {
  return ip.version === 6
    ? { transport: "tcp", hostname: formatIPv6(ip.bytes, ip.scopeId), port, family: "IPv6" }
    : { transport: "tcp", hostname: ip.bytes.join("."), port, family: "IPv4" };
}

async function attempt(
  ring: AsyncRing,
  sa: Uint8Array,
  addr: Addr,
  setup: SocketSetup,
  opts: { signal?: AbortSignal; timeout?: Timeout },
): Promise<TcpConn> {
  opts.signal?.throwIfAborted();
  const fd = await openSocket(ring, domainOf(addr), SOCK.STREAM, setup, addr);
  try {
    await ring.op(
      "connect",
      (s, at) => prepConnect(s, at, fd, getNative().addressOf(sa), sa.byteLength),
      sa,
      opts,
    );
  } catch (e) {
    await ring.closeFd(fd).catch(() => {});
    throw socketError(e, "connect", addr);
  }
  return TcpConn.adopt(fd, ring, addr.transport === "unix");
}
