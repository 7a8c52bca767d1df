/**
 * Listening sockets: {@linkcode listen} (TCP over IPv4 and IPv6, dual-stack
 * on `"::"`, Unix paths and abstract names) and {@linkcode TcpListener}
 * (single-shot and multishot accept). The socket is made through the ring
 * where the kernel can (see `_setup.ts`), else through libc.
 *
 * @module
 */
import type { AsyncOpOptions, AsyncRing, Multishot } from "../async/async_ring.ts";
import { AsyncRing as AsyncRingClass } from "../async/async_ring.ts";
import { AF, IPV6, S_IF, SO, SOCK, SOL, TCP } from "../abi/linux.ts";
import { prepAccept } from "../ops/net.ts";
import { ACCEPT_MULTISHOT } from "../ring/operations_multishot.ts";
import { libjsuring } from "../runtime/libs.ts";
import { sysClose, sysConnect, sysGetsockoptInt, sysSocket, sysSockName } from "../runtime/sockets.ts";
import { Errno } from "../errors/errno.ts";
import { defaultRing } from "../fs/mod.ts";
import { lstat, unlink } from "../fs/meta.ts";
import { checkInt, checkOptions, typeError } from "../ring/_args.ts";
import {
  type Addr,
  checkPort,
  decodeSockaddr,
  encodeInet,
  encodeUnix,
  formatIPv6,
  type NetAddr,
  resolveHost,
  type UnixAddr,
} from "./address.ts";
import { checkTransport, type IntOption, makeListener, SOCKET_SETUPS, type SocketSetup } from "./_setup.ts";
import { SocketError, socketError } from "./errors.ts";
import { TcpConn } from "./conn.ts";
import { acceptDirect, type DirectAcceptOptions, type DirectConn } from "./direct.ts"; // netio: direct descriptors

const SOCK_CLOEXEC = SOCK.CLOEXEC;

/**
 * Options of {@linkcode listen}: a TCP address (`hostname`, `port`) or a
 * Unix socket `path`, as `Deno.listen` / `Bun.listen` / `node:net` take them.
 *
 * @example
 * ```ts
 * import { listen, type ListenOptions } from "@jsuring/jsuring";
 * const opts: ListenOptions = { hostname: "127.0.0.1", port: 0, backlog: 128 };
 * await using server = await listen(opts);
 * ```
 */
export interface ListenOptions {
  /**
   * The address to bind: an IPv4 or IPv6 literal or a host name (looked up
   * with `node:dns`; the first address is bound). `"::"` listens on every
   * IPv6 and IPv4 address (dual-stack), `"0.0.0.0"` on every IPv4 one.
   * Default `"127.0.0.1"` (loopback only, unlike `Deno.listen`'s
   * `"0.0.0.0"`: nothing is exposed unless asked for).
   */
  hostname?: string;
  /** `node:net`'s name for {@linkcode ListenOptions.hostname}. */
  host?: string;
  /** Port (default 0: any free port; the one bound is {@linkcode TcpListener.port}). */
  port?: number;
  /**
   * A Unix-domain socket instead of TCP: a filesystem path (at most 107
   * bytes) or `"\0name"` for an abstract name (no file). A socket file
   * left by a server that exited (connecting to it is refused) is replaced;
   * anything else at the path is an EADDRINUSE error (a live server there
   * sees the check as one connection that closes at once, as with any
   * connect-based probe). The file is removed on
   * `close()` (as `node:net` does).
   */
  path?: string;
  /** listen(2) backlog (default 511; the kernel caps it at `net.core.somaxconn`). */
  backlog?: number;
  /**
   * SO_REUSEPORT: several listeners (threads, processes) bind the same
   * address and port, and the kernel spreads connections across them.
   * Every one of them must set it. TCP only.
   */
  reusePort?: boolean;
  /** IPV6_V6ONLY: on `"::"`, accept IPv6 connections only (default false: dual-stack). */
  ipv6Only?: boolean;
  /** Close the listener (its iterators end) when this aborts; an aborted signal rejects `listen()`. */
  signal?: AbortSignal;
  /** The ring (default: {@linkcode defaultRing}). */
  ring?: AsyncRing;
  /** How the socket is made: see {@linkcode SocketSetup} (default `"auto"`). */
  setup?: SocketSetup;
  /**
   * `"tcp"` or `"unix"`, as `Deno.listen` takes it: optional (a `path` means
   * Unix); when given it must agree with the other options.
   */
  transport?: "tcp" | "unix";
}

const LISTEN_KEYS = [
  "hostname",
  "host",
  "port",
  "path",
  "backlog",
  "reusePort",
  "ipv6Only",
  "signal",
  "ring",
  "setup",
  "transport",
];

/**
 * A listening socket (TCP, or Unix when made with `path`: the same class,
 * as `Deno.Listener` serves both). Iterate it for connections (multishot
 * accept); closing it, its `signal` aborting, or `break` stops accepting.
 *
 * @example
 * ```ts
 * import { listen, connect } from "@jsuring/jsuring";
 * await using server = await listen({ port: 0 });
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
  /** The port bound (the one the kernel chose for port 0); 0 for a Unix socket. */
  readonly port: number;
  /** The address bound: a {@linkcode NetAddr} (the real port) or a {@linkcode UnixAddr}. */
  readonly addr: Addr;
  /** The ring accepts go through. */
  readonly ring: AsyncRing;
  /** @internal The inode of the socket file this listener made (removed on close). */
  _file: number | undefined;
  /** @internal How the socket was made (tests check the fallback is taken when forced). */
  _via: "ring" | "syscalls" | undefined;
  #accepts = new Set<Multishot>();
  #unwatch: (() => void) | undefined;

  /**
   * @internal Adopt listening socket `fd` (e.g. one another thread made).
   * Without `addr`, a TCP address on `port` is assumed.
   */
  constructor(fd: number, port: number, ring: AsyncRing, addr?: Addr) {
    this.fd = fd;
    this.ring = ring;
    this.addr = addr ?? adoptedAddr(fd, port);
    this.port = port || (this.addr.transport === "unix" ? 0 : this.addr.port);
    // A socket made elsewhere (a server's worker gets its parent's): accepted
    // sockets inherit TCP_NODELAY if the listener has it.
    if (!addr && this.addr.transport === "tcp") {
      this._noDelayInherited = sysGetsockoptInt(fd, SOL.TCP, TCP.NODELAY) === 1;
    }
  }

  /** @internal Close when `signal` aborts. */
  _watch(signal: AbortSignal): void {
    const onAbort = () => void this.close();
    signal.addEventListener("abort", onAbort, { once: true });
    this.#unwatch = () => signal.removeEventListener("abort", onAbort);
  }

  /** @internal Set by {@linkcode listen}: TCP_NODELAY is on the listener, so accepted sockets have it. */
  _noDelayInherited = false;

  #adopt(fd: number): TcpConn {
    // Linux copies TCP_NODELAY from the listener into each accepted socket
    // (inet_csk_clone_lock copies the whole sock): no setsockopt per accept.
    return TcpConn.adopt(fd, this.ring, this.addr.transport === "unix", this._noDelayInherited);
  }

  /**
   * Accept one connection (single-shot IORING_OP_ACCEPT).
   *
   * @example
   * ```ts
   * import { listen, connect } from "@jsuring/jsuring";
   * await using server = await listen();
   * const [conn, client] = await Promise.all([server.accept(), connect({ port: server.port })]);
   * await conn.close(); await client.close();
   * ```
   */
  async accept(options?: AsyncOpOptions): Promise<TcpConn> {
    if (this.fd < 0) throw new SocketError(Errno.EBADF, "accept", this.addr);
    const lfd = this.fd;
    let fd: number;
    try {
      fd = await this.ring.op(
        "accept",
        (s, at) => prepAccept(s, at, lfd, 0, 0, SOCK_CLOEXEC),
        undefined,
        options,
      );
    } catch (e) {
      throw socketError(e, "accept", this.addr);
    }
    return this.#adopt(fd);
  }

  /**
   * Connections as they arrive (multishot accept, one SQE for all of them).
   *
   * @example
   * ```ts
   * import { listen } from "@jsuring/jsuring";
   * await using server = await listen();
   * const ac = new AbortController();
   * ac.abort();
   * for await (const conn of server.connections({ signal: ac.signal })) await conn.close();
   * ```
   */
  async *connections(options: { signal?: AbortSignal } = {}): AsyncGenerator<TcpConn> {
    checkOptions(options, "connections options", ["signal"]);
    if (this.fd < 0) return;
    const ring = this.ring, lfd = this.fd;
    const ms = ring.multishotOf(ACCEPT_MULTISHOT, [lfd, SOCK_CLOEXEC], {
      signal: options.signal,
      // Accepted after the consumer stopped: nobody will use them.
      discard: (fd) => void ring.closeFd(fd).catch(() => {}),
    });
    this.#accepts.add(ms);
    try {
      for await (const { res } of ms) yield this.#adopt(res);
    } finally {
      this.#accepts.delete(ms);
      await ms.return();
    }
  }

  /**
   * Connections accepted straight into the ring's registered file table
   * (multishot accept_direct, Linux 5.19; see `FileTable`): each is a
   * {@linkcode DirectConn} on a fixed-file slot, with no regular descriptor
   * unless asked for (`installFd`). Closing the listener ends it.
   *
   * @example
   * ```ts
   * import { connect, listen } from "@jsuring/jsuring";
   * await using server = await listen();
   * const client = await connect({ port: server.port });
   * for await (const conn of server.directConnections()) {
   *   console.log(conn.slot); // 0
   *   await conn.close();
   *   break;
   * }
   * await client.close();
   * ```
   */
  directConnections(options: DirectAcceptOptions = {}): AsyncGenerator<DirectConn> {
    return acceptDirect(this, options, (ms) => {
      this.#accepts.add(ms);
      return () => this.#accepts.delete(ms);
    });
  }

  /** Same as {@linkcode TcpListener.connections}. */
  [Symbol.asyncIterator](): AsyncIterator<TcpConn> {
    return this.connections();
  }

  /**
   * Stop accepting (pending multishot accepts end cleanly), remove the
   * Unix socket file this listener made (if it is still that file), and
   * close the socket. Calling it again does nothing.
   *
   * @example
   * ```ts
   * import { listen } from "@jsuring/jsuring";
   * const server = await listen();
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
    this.#unwatch?.();
    const ring = this.ring;
    // Unlink before closing: while we hold the socket, no other server can
    // have replaced the file through the stale-socket check.
    if (this._file !== undefined && this.addr.transport === "unix" && !ring.closed) {
      const path = this.addr.path;
      const st = await lstat(path, { ring }).catch(() => undefined);
      if (st && st.ino === this._file && (st.mode & S_IF.MT) === S_IF.SOCK) {
        await unlink(path, { ring }).catch(() => {});
      }
    }
    if (!ring.closed) await ring.closeFd(fd).catch(() => {});
    else libjsuring().jsu_close(fd);
  }

  /** Close. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Listen for connections: on a TCP address (IPv4 or IPv6; `"::"` is
 * dual-stack) or a Unix socket `path`. Sets SO_REUSEADDR (a restarted
 * server can bind while old connections linger in TIME_WAIT) and
 * TCP_NODELAY (accepted connections inherit it). Bad options reject with a
 * TypeError or RangeError before any system call; the kernel's refusals
 * (EADDRINUSE, EACCES, EADDRNOTAVAIL) reject with a {@linkcode SocketError}
 * naming the address.
 *
 * @example
 * ```ts
 * import { listen } from "@jsuring/jsuring";
 * await using server = await listen({ hostname: "::", port: 0 });
 * console.log(server.addr); // { transport: "tcp", hostname: "::", port: <port>, family: "IPv6" }
 * ```
 */
export async function listen(options: ListenOptions = {}): Promise<TcpListener> {
  const o = checkOptions(options, "listen options", LISTEN_KEYS) ?? {};
  const ring = o.ring ?? defaultRing();
  if (!(ring instanceof AsyncRingClass)) throw typeError("listen: ring", "an AsyncRing", ring);
  const setup = o.setup ?? "auto";
  if (!SOCKET_SETUPS.includes(setup)) {
    throw typeError("listen: setup", `one of ${SOCKET_SETUPS.join(", ")}`, setup);
  }
  const backlog = checkInt(o.backlog ?? 511, "listen: backlog", 0, 0x7fffffff);
  for (const k of ["reusePort", "ipv6Only"] as const) {
    if (o[k] !== undefined && typeof o[k] !== "boolean") throw typeError(`listen: ${k}`, "a boolean", o[k]);
  }
  const signal = o.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw typeError("listen: signal", "an AbortSignal", signal);
  }
  if (o.host !== undefined && o.hostname !== undefined && o.host !== o.hostname) {
    throw new TypeError(
      `listen: host and hostname name the same thing; pass one, got ${JSON.stringify(o.host)} and ${
        JSON.stringify(o.hostname)
      }`,
    );
  }
  const hostname = o.hostname ?? o.host;
  let made: { fd: number; addr: Addr; file?: number; via: "ring" | "syscalls" };
  checkTransport(o.transport, o.path !== undefined, "listen");
  if (o.path !== undefined) {
    for (const k of ["hostname", "host", "port", "reusePort", "ipv6Only"] as const) {
      if (o[k] !== undefined) throw new TypeError(`listen: ${k} is for TCP; a Unix socket (path) takes none`);
    }
    const sa = encodeUnix(o.path, "listen: path");
    signal?.throwIfAborted();
    made = await listenUnix(ring, o.path, sa, backlog, setup);
  } else {
    const port = checkPort(o.port ?? 0, "listen: port");
    const [ip] = await resolveHost(hostname ?? "127.0.0.1", "listen: hostname");
    signal?.throwIfAborted();
    const v6 = ip.version === 6;
    const want: NetAddr = {
      transport: "tcp",
      hostname: v6 ? formatIPv6(ip.bytes, ip.scopeId) : ip.bytes.join("."),
      port,
      family: v6 ? "IPv6" : "IPv4",
    };
    const opts: IntOption[] = [[SOL.SOCKET, SO.REUSEADDR, 1]];
    if (o.reusePort) opts.push([SOL.SOCKET, SO.REUSEPORT, 1]);
    // Explicit, so net.ipv6.bindv6only=1 does not silently make "::" IPv6-only.
    if (v6) opts.push([SOL.IPV6, IPV6.V6ONLY, o.ipv6Only ? 1 : 0]);
    opts.push([SOL.TCP, TCP.NODELAY, 1]);
    const { fd, via } = await makeListener(
      ring,
      v6 ? AF.INET6 : AF.INET,
      encodeInet(ip, port),
      opts,
      backlog,
      setup,
      want,
    );
    made = { fd, addr: boundAddr(fd, want), via };
  }
  const listener = new TcpListener(
    made.fd,
    made.addr.transport === "unix" ? 0 : made.addr.port,
    ring,
    made.addr,
  );
  listener._file = made.file;
  listener._noDelayInherited = made.addr.transport !== "unix";
  listener._via = made.via;
  if (signal) {
    if (signal.aborted) {
      await listener.close();
      throw signal.reason;
    }
    listener._watch(signal);
  }
  return listener;
}

/** What a listening socket made elsewhere is bound to (getsockname(2)). */
function adoptedAddr(fd: number, port: number): Addr {
  const sa = sysSockName(fd, false);
  try {
    if (typeof sa !== "number") return decodeSockaddr(sa, "tcp");
  } catch {
    // another family: fall through
  }
  return { transport: "tcp", hostname: "0.0.0.0", port, family: "IPv4" };
}

/** The address the kernel bound (the port chosen for port 0). */
function boundAddr(fd: number, fallback: Addr): Addr {
  const sa = sysSockName(fd, false);
  return typeof sa === "number" ? fallback : decodeSockaddr(sa, "tcp");
}

async function listenUnix(
  ring: AsyncRing,
  path: string,
  sa: Uint8Array,
  backlog: number,
  setup: SocketSetup,
): Promise<{ fd: number; addr: UnixAddr; file?: number; via: "ring" | "syscalls" }> {
  const addr: UnixAddr = { transport: "unix", path };
  const abstract = path.startsWith("\0");
  let made;
  try {
    made = await makeListener(ring, AF.UNIX, sa, [], backlog, setup, addr);
  } catch (e) {
    if (abstract || !(e instanceof SocketError) || e.errno !== Errno.EADDRINUSE) throw e;
    if (!(await removeStale(ring, path, sa))) throw e;
    made = await makeListener(ring, AF.UNIX, sa, [], backlog, setup, addr);
  }
  if (abstract) return { fd: made.fd, addr, via: made.via };
  // Remember which file is ours, so close() removes it and nothing else.
  const st = await lstat(path, { ring }).catch(() => undefined);
  return { fd: made.fd, addr, file: st?.ino, via: made.via };
}

/**
 * Remove `path` if it is a socket nobody listens on: what a server that
 * exited without cleaning up leaves. A non-blocking connect(2) tells: a
 * live listener accepts (or, its backlog full, says EAGAIN); a dead
 * socket file says ECONNREFUSED. Anything that is not a socket stays.
 */
async function removeStale(ring: AsyncRing, path: string, sa: Uint8Array): Promise<boolean> {
  const st = await lstat(path, { ring }).catch(() => undefined);
  if (!st || (st.mode & S_IF.MT) !== S_IF.SOCK) return false;
  const fd = sysSocket(AF.UNIX, SOCK.STREAM | SOCK.NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const r = sysConnect(fd, sa);
  sysClose(fd);
  if (r !== -Errno.ECONNREFUSED) return false;
  await unlink(path, { ring }).catch(() => {});
  return true;
}
