/**
 * Socket errors with the address involved: a {@linkcode SocketError} is a
 * {@linkcode UringError} (errno name, its words, the operation) that also
 * carries the address and a hint for the errors users meet when listening
 * and connecting.
 *
 * @module
 */
import { UringError } from "../errors/uring_error.ts";
import { Errno } from "../errors/errno.ts";
import { type Addr, formatAddr } from "./address.ts";

/**
 * A failed socket operation (`socket`, `setsockopt`, `bind`, `listen`,
 * `connect`, `accept`): the errno, the operation, and the address it was
 * for, in the message and as `address`.
 *
 * @example
 * ```ts
 * import { connect, listen, SocketError } from "@jsuring/jsuring";
 * const server = await listen({ port: 0 });
 * const port = server.port;
 * await server.close();
 * try {
 *   await connect({ port });
 * } catch (e) {
 *   if (e instanceof SocketError) console.log(e.code, e.address); // ECONNREFUSED 127.0.0.1:<port>
 * }
 * ```
 */
export class SocketError extends UringError {
  /** The address as shown in the message: `127.0.0.1:80`, `[::1]:80`, a path, `@abstract`. */
  readonly address: string;
  /** The address itself. */
  readonly addr: Addr;

  /**
   * Make the error for `errno` from `op` on `addr`.
   *
   * @param errno the error (positive, or the kernel's negative result)
   * @param op the operation, e.g. `"bind"`
   * @param addr the address it was for
   * @param options the cause
   */
  constructor(errno: number, op: string, addr: Addr, options?: ErrorOptions) {
    const address = formatAddr(addr);
    super(errno, `${op} ${address}`, socketHint(Math.abs(errno), op, addr), options);
    this.name = "SocketError";
    this.address = address;
    this.addr = addr;
  }
}

function socketHint(errno: number, op: string, addr: Addr): string | undefined {
  const unix = addr.transport === "unix";
  switch (errno) {
    case Errno.EADDRINUSE:
      if (unix) {
        return addr.path.startsWith("\0")
          ? "another socket holds this abstract name: pick another name"
          : "a live socket listens on this path, or the path is not a socket: pick another path or stop the other server";
      }
      return "another socket is bound to this address and port: pick another port, port 0 for any free one, " +
        "or reusePort: true on every listener that shares it";
    case Errno.EACCES:
      if (unix) {
        return "no permission to create or reach the socket file: check the directory's write permission";
      }
      if (op === "bind" && addr.port > 0 && addr.port < 1024) {
        return `port ${addr.port} is privileged: run as root, grant CAP_NET_BIND_SERVICE, ` +
          "lower sysctl net.ipv4.ip_unprivileged_port_start, or use a port from 1024 on";
      }
      return "forbidden (a firewall, a security module, or a broadcast address)";
    case Errno.EADDRNOTAVAIL:
      return op === "bind"
        ? "no network interface here has this address: use 0.0.0.0 or :: for all, 127.0.0.1 or ::1 for loopback"
        : "the address cannot be used here (no local address of its family, or out of ephemeral ports)";
    case Errno.ECONNREFUSED:
      return unix
        ? "the socket file exists but nothing listens on it (a server that exited)"
        : "nothing listens on this address and port (or a firewall rejected it)";
    case Errno.ENOENT:
      return unix ? "no socket file at this path (is the server running? is the path right?)" : undefined;
    case Errno.ENETUNREACH:
    case Errno.EHOSTUNREACH:
      return "no route to this address (for IPv6: does this host have IPv6 connectivity?)";
    case Errno.EAFNOSUPPORT:
      return "this kernel has no support for the address family (IPv6 disabled?)";
    case Errno.ETIMEDOUT:
      return "the peer did not answer";
    default:
      return undefined;
  }
}

/**
 * `e` as a {@linkcode SocketError} for `addr` when it is a kernel error;
 * other errors (an abort's reason, a TimeoutError) pass through unchanged.
 */
export function socketError(e: unknown, op: string, addr: Addr): unknown {
  // ECANCELED is the ring closing or an abort: its own error says so.
  if (
    e instanceof UringError && !(e instanceof SocketError) && e.name === "UringError" &&
    e.errno !== Errno.ECANCELED
  ) {
    return new SocketError(e.errno, op, addr, { cause: e });
  }
  return e;
}
