/**
 * UDP over an {@linkcode AsyncRing}: datagram sockets bound to an IPv4 or
 * IPv6 address, {@linkcode UdpSocket.sendTo} (IORING_OP_SENDMSG with the
 * destination in `msg_name`, 5.3), {@linkcode UdpSocket.receiveFrom}
 * (IORING_OP_RECVMSG, the source address back in `msg_name`) and
 * {@linkcode UdpSocket.messages}: one multishot recvmsg (Linux 6.0) into a
 * buffer ring, each buffer holding a `struct io_uring_recvmsg_out`, the
 * source address and the payload (liburing's `io_uring_recvmsg_validate` /
 * `_name` / `_payload` layout). No connect: every send names its peer.
 *
 * The socket is made through the ring (IORING_OP_SOCKET, 5.19); bind(2)
 * and getsockname(2) go through libc (the bound port of port 0 is only
 * known from getsockname, which io_uring lacks before 6.19).
 *
 * @module
 */
import type { AsyncOpOptions, AsyncRing } from "../async/async_ring.ts";
import { AF, IPV6, MSG, SO, SOCK, SOL } from "../abi/linux.ts";
import { io_uring_recvmsg_out, msghdr } from "../abi/layout.ts";
import { RECVMSG_MULTISHOT } from "../ring/operations_multishot.ts";
import { sysBind, sysClose, sysSetsockoptInt, sysSockName } from "../runtime/sockets.ts";
import { UringError } from "../errors/uring_error.ts";
import { Errno } from "../errors/errno.ts";
import { defaultRing } from "../fs/mod.ts";
import { kernelAtLeast, kernelVersion } from "../errors/hints.ts";
import { checkBool, checkBuffer, checkInt, checkOptions, checkSignal, typeError } from "../ring/_args.ts";
import { OPERATIONS } from "../ring/operations.ts";
import type { MessageHeader } from "./_msg.ts";
import { RecvGroups, RecvStream } from "./_recv_stream.ts";
import {
  checkPort,
  decodeSockaddr,
  encodeInet,
  formatIPv6,
  type IpAddress,
  type NetAddr,
  parseHost,
  resolveHost,
} from "./address.ts";
import { SocketError, socketError } from "./errors.ts";
import { openSocket, SOCKET_SETUPS, type SocketSetup } from "./_setup.ts";

/** Buffer group of the per-ring datagram buffer ring (TCP's is 0xfff0). */
const UDP_GROUP = 0xfff1;
const NAME_ROOM = 28; // sizeof(struct sockaddr_in6)
/** What precedes the payload in a multishot recvmsg buffer: io_uring_recvmsg_out (16) + the name room. */
const HEAD = io_uring_recvmsg_out.size + NAME_ROOM;
/** The largest UDP payload (65535 − 8-byte UDP header − 20-byte IPv4 header). */
const MAX_DATAGRAM = 65507;

/**
 * Options of {@linkcode udpSocket}.
 *
 * @example
 * ```ts
 * import { type UdpSocketOptions, udpSocket } from "@jsuring/jsuring";
 * const opts: UdpSocketOptions = { hostname: "::1", port: 0 };
 * await using sock = await udpSocket(opts);
 * ```
 */
export interface UdpSocketOptions {
  /**
   * The local address: an IPv4 or IPv6 literal or a host name (the first
   * address it resolves to); `"0.0.0.0"` every IPv4 address, `"::"` every
   * IPv6 and IPv4 one (dual stack). Default `"127.0.0.1"`.
   */
  hostname?: string;
  /** `node:dgram`'s name for {@linkcode UdpSocketOptions.hostname}. */
  host?: string;
  /** The local port (default 0: any free one, see {@linkcode UdpSocket.port}). */
  port?: number;
  /** SO_REUSEPORT: several sockets share the port, the kernel spreads datagrams over them. */
  reusePort?: boolean;
  /** IPV6_V6ONLY: on `"::"`, IPv6 peers only (default false: dual stack). */
  ipv6Only?: boolean;
  /** The ring (default: `defaultRing()`). */
  ring?: AsyncRing;
  /** How the socket is made: IORING_OP_SOCKET or socket(2) (see `SocketSetup`, default `"auto"`). */
  setup?: SocketSetup;
}

/**
 * One received datagram.
 *
 * @example
 * ```ts
 * import type { Datagram } from "@jsuring/jsuring";
 * const show = (d: Datagram) => `${d.data.length} bytes from ${d.from.hostname}:${d.from.port}`;
 * ```
 */
export interface Datagram {
  /** The payload (from {@linkcode UdpSocket.messages}: a view into a ring buffer, valid until the next iteration). */
  readonly data: Uint8Array;
  /** The sender (`transport: "udp"`). */
  readonly from: NetAddr;
  /** The datagram was longer than the buffer: `data` holds its start only (MSG_TRUNC). */
  readonly truncated: boolean;
}

/**
 * Options of {@linkcode UdpSocket.messages}.
 *
 * @example
 * ```ts
 * import type { MessagesOptions } from "@jsuring/jsuring";
 * const opts: MessagesOptions = { maxDatagram: 1500, buffers: 256 };
 * ```
 */
export interface MessagesOptions {
  /**
   * Room per datagram, 1..65507 (default 65507: any UDP datagram). The
   * first `messages()` call on a ring sizes the ring's datagram buffer
   * groups; longer datagrams arrive `truncated`.
   */
  maxDatagram?: number;
  /**
   * Buffers per datagram buffer group (a power of two, default 64; also
   * decided by the first call). A group serves the streams of up to a
   * quarter as many sockets; more sockets get another group.
   */
  buffers?: number;
  /** Stop receiving: the iterator ends. */
  signal?: AbortSignal;
}

/** Datagram buffer groups: ids from 0xfff1 upwards to 0xfffe (TCP's go down from 0xfff0). */
const DGRAM_GROUPS = new RecvGroups("datagram buffers", UDP_GROUP, 0xfffe);

/**
 * A bound UDP socket.
 *
 * @example
 * ```ts
 * import { udpSocket } from "@jsuring/jsuring";
 * await using a = await udpSocket();
 * await using b = await udpSocket();
 * await a.sendTo(new TextEncoder().encode("ping"), b.addr);
 * const { data, from } = await b.receiveFrom(new Uint8Array(1500));
 * console.log(new TextDecoder().decode(data), from.port === a.port); // "ping" true
 * ```
 */
export class UdpSocket implements AsyncDisposable {
  /** The socket (-1 once closed). */
  fd: number;
  /** The ring its operations go through. */
  readonly ring: AsyncRing;
  /** The local address (with the port the kernel chose for port 0). */
  readonly addr: NetAddr;
  readonly #v6: boolean;
  #streams = new Set<RecvStream<Datagram>>();

  /** @internal Use {@linkcode udpSocket}. */
  constructor(fd: number, ring: AsyncRing, addr: NetAddr) {
    this.fd = fd;
    this.ring = ring;
    this.addr = addr;
    this.#v6 = addr.family === "IPv6";
  }

  /** The local port. */
  get port(): number {
    return this.addr.port;
  }

  /** The destination as this socket's family needs it (IPv4 peers of an IPv6 socket as IPv4-mapped). */
  #encode(ip: IpAddress, port: number, hostname: string): Uint8Array {
    if (ip.version === 4 && this.#v6) {
      const mapped = new Uint8Array(16);
      mapped[10] = mapped[11] = 0xff;
      mapped.set(ip.bytes, 12);
      return encodeInet({ version: 6, bytes: mapped, scopeId: 0 }, port);
    }
    if (ip.version === 6 && !this.#v6) {
      throw new TypeError(
        `sendTo: an IPv4 socket cannot send to the IPv6 address ${
          JSON.stringify(hostname)
        }: make the socket with hostname "::" (dual stack) or an IPv6 address`,
      );
    }
    return encodeInet(ip, port);
  }

  /**
   * Send one datagram to `to` (`data`, or several buffers sent as one
   * datagram); `to.hostname` is an IP literal (no lookup) or a host name
   * (looked up with `node:dns`). Resolves with the bytes sent.
   *
   * @example
   * ```ts
   * import { udpSocket } from "@jsuring/jsuring";
   * await using sock = await udpSocket();
   * await sock.sendTo(new Uint8Array([1, 2, 3]), { hostname: "127.0.0.1", port: sock.port });
   * ```
   */
  sendTo(
    data: ArrayBufferView | readonly ArrayBufferView[],
    to: { hostname: string; port: number },
    options?: AsyncOpOptions,
  ): Promise<number> {
    // An address this socket received from (Datagram.from): its sockaddr as
    // the kernel gave it, no parsing; one buffer: sendto without a msghdr.
    const known = SOCKADDRS.get(to);
    if (
      known !== undefined && this.fd >= 0 && SEND_ADDR && !Array.isArray(data) &&
      (known[0] === AF.INET6) === this.#v6
    ) {
      return this.ring.run(OPERATIONS.SENDTO, [this.fd, data as ArrayBufferView, known, 0], options);
    }
    let buffers: readonly ArrayBufferView[], port: number, host: IpAddress | { name: string };
    try {
      if (this.fd < 0) throw new TypeError("sendTo: the socket is closed");
      if (Array.isArray(data)) buffers = data;
      else {
        checkBuffer(data, "sendTo data");
        buffers = [data as ArrayBufferView];
      }
      if (to === null || typeof to !== "object") {
        throw typeError("sendTo: to", "an address { hostname, port }", to);
      }
      port = checkPort(to.port, "sendTo: to.port");
      host = parseHost(to.hostname, "sendTo: to.hostname");
    } catch (e) {
      return Promise.reject(e);
    }
    // A literal (the common case) costs no await; a name is looked up first.
    if ("version" in host) return this.#send(buffers, host, port, to.hostname, options);
    return resolveHost(to.hostname, "sendTo: to.hostname").then(([ip]) =>
      this.#send(buffers, ip, port, to.hostname, options)
    );
  }

  #send(
    buffers: readonly ArrayBufferView[],
    ip: IpAddress,
    port: number,
    hostname: string,
    options: AsyncOpOptions | undefined,
  ): Promise<number> {
    let name: Uint8Array;
    try {
      name = this.#encode(ip, port, hostname);
    } catch (e) {
      return Promise.reject(e);
    }
    if (SEND_ADDR && buffers.length === 1) {
      return this.ring.run(OPERATIONS.SENDTO, [this.fd, buffers[0], name, 0], options);
    }
    return this.ring.run(OPERATIONS.SENDMSG, [this.fd, { buffers, name }, 0], options);
  }

  /**
   * Receive one datagram into `buffer` (IORING_OP_RECVMSG). `data` is the
   * part of `buffer` filled; `truncated` says the datagram was longer.
   *
   * @example
   * ```ts
   * import { udpSocket } from "@jsuring/jsuring";
   * await using sock = await udpSocket();
   * await sock.sendTo(new Uint8Array(3), sock.addr);
   * const d = await sock.receiveFrom(new Uint8Array(1500));
   * console.log(d.data.length, d.from.port === sock.port); // 3 true
   * ```
   */
  async receiveFrom(buffer: Uint8Array, options?: AsyncOpOptions): Promise<Datagram> {
    if (this.fd < 0) throw new TypeError("receiveFrom: the socket is closed");
    if (!(buffer instanceof Uint8Array)) throw typeError("receiveFrom buffer", "a Uint8Array", buffer);
    const msg: MessageHeader = { buffers: [buffer], name: new Uint8Array(NAME_ROOM) };
    const n = await this.ring.run(OPERATIONS.RECVMSG, [this.fd, msg, 0], options);
    const from = addrOf(msg.name!, msg.nameLength ?? 0);
    if (!from) {
      throw new UringError(Errno.EAFNOSUPPORT, "recvmsg", "the sender's address is neither IPv4 nor IPv6");
    }
    return { data: buffer.subarray(0, n), from, truncated: ((msg.flags ?? 0) & MSG.TRUNC) !== 0 };
  }

  /**
   * Datagrams as they arrive: one multishot recvmsg (Linux 6.0) into the
   * ring's shared datagram buffer ring. Each `data` is a view into a ring
   * buffer given back at the next iteration: copy what you keep. `break`,
   * the signal or `close()` end it; an error throws.
   *
   * @example
   * ```ts
   * import { udpSocket } from "@jsuring/jsuring";
   * await using sock = await udpSocket();
   * await sock.sendTo(new TextEncoder().encode("hi"), sock.addr);
   * for await (const d of sock.messages({ maxDatagram: 1500 })) {
   *   console.log(new TextDecoder().decode(d.data), d.from.hostname); // "hi" "127.0.0.1"
   *   break;
   * }
   * ```
   */
  messages(options: MessagesOptions = {}): AsyncIterableIterator<Datagram> {
    checkOptions(options, "messages options", ["maxDatagram", "buffers", "signal"]);
    if (!kernelAtLeast("6.0")) {
      // RECVMSG itself is older (5.3), so the probe cannot tell; the kernel would answer EINVAL.
      throw new UringError(
        Errno.EINVAL,
        "messages",
        `multishot recvmsg (IORING_RECV_MULTISHOT) requires Linux 6.0 (this is ${
          kernelVersion().join(".")
        }): use receiveFrom()`,
      );
    }
    const room = checkInt(
      options.maxDatagram ?? MAX_DATAGRAM,
      "messages options.maxDatagram",
      1,
      MAX_DATAGRAM,
    );
    const count = checkInt(options.buffers ?? 64, "messages options.buffers", 1, 32768);
    if ((count & (count - 1)) !== 0) {
      throw new RangeError(`messages options.buffers must be a power of two, got ${count}`);
    }
    if (options.signal !== undefined) checkSignal(options.signal, "messages options.signal");
    if (this.fd < 0) throw new TypeError("messages: the socket is closed");
    const g = DGRAM_GROUPS.for(this.ring, HEAD + room, count);
    g.streams++;
    // The msghdr multishot recvmsg reads at each arm: name room, no control, no iovec.
    const hdr = new Uint8Array(msghdr.size);
    new DataView(hdr.buffer).setUint32(msghdr.fields.msg_namelen[0], NAME_ROOM, true);
    const s: RecvStream<Datagram> = new RecvStream<Datagram>({
      ring: this.ring,
      name: "recvmsg",
      open: () => this.fd >= 0,
      // The fd as it is at arm time; the description keeps hdr for the operation's life.
      arm: (bgid, options) => this.ring.multishotOf(RECVMSG_MULTISHOT, [this.fd, hdr, bgid], options),
      // A datagram of 0 bytes is still a CQE of at least the header: only errors end it.
      ends: (res) => res < 0,
      // Not an IPv4/IPv6 sender: nothing a UDP socket of ours gets.
      value: (bytes) => parseRecvmsgOut(bytes),
    }, g, options.signal, () => {
      g.streams--;
      this.#streams.delete(s);
    });
    this.#streams.add(s);
    return s;
  }

  /**
   * Close: receive iterators end, then the socket is closed through the ring.
   *
   * @example
   * ```ts
   * import { udpSocket } from "@jsuring/jsuring";
   * const sock = await udpSocket();
   * await sock.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.fd < 0) return;
    const fd = this.fd;
    for (const s of this.#streams) await s.return();
    this.fd = -1;
    if (!this.ring.closed) await this.ring.closeFd(fd).catch(() => {});
    else sysClose(fd);
  }

  /** Close. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Make a UDP socket bound to `hostname:port` (IPv4 or IPv6; `"::"` receives
 * IPv4 too, as IPv4-mapped addresses). Bad options reject with a TypeError or
 * RangeError before any socket is made; the kernel's refusals (EADDRINUSE,
 * EACCES, EADDRNOTAVAIL) with a `SocketError` naming the address.
 *
 * @example
 * ```ts
 * import { udpSocket } from "@jsuring/jsuring";
 * await using sock = await udpSocket({ hostname: "::1", port: 0 });
 * console.log(sock.addr); // { transport: "udp", hostname: "::1", port: <port>, family: "IPv6" }
 * ```
 */
export async function udpSocket(options: UdpSocketOptions = {}): Promise<UdpSocket> {
  const o = checkOptions(options, "udpSocket options", UDP_KEYS) ?? {};
  if (o.host !== undefined && o.hostname !== undefined && o.host !== o.hostname) {
    throw new TypeError(
      `udpSocket: host and hostname name the same thing; pass one, got ${JSON.stringify(o.host)} and ${
        JSON.stringify(o.hostname)
      }`,
    );
  }
  const port = checkPort(o.port ?? 0, "udpSocket: port");
  const reusePort = o.reusePort !== undefined && checkBool(o.reusePort, "udpSocket: reusePort");
  const ipv6Only = o.ipv6Only !== undefined && checkBool(o.ipv6Only, "udpSocket: ipv6Only");
  const setup = o.setup ?? "auto";
  if (!SOCKET_SETUPS.includes(setup)) {
    throw typeError("udpSocket: setup", `one of ${SOCKET_SETUPS.join(", ")}`, setup);
  }
  const ring = o.ring ?? defaultRing();
  const [ip] = await resolveHost(o.hostname ?? o.host ?? "127.0.0.1", "udpSocket: hostname");
  const v6 = ip.version === 6;
  const want: NetAddr = {
    transport: "udp",
    hostname: v6 ? formatIPv6(ip.bytes, ip.scopeId) : ip.bytes.join("."),
    port,
    family: v6 ? "IPv6" : "IPv4",
  };
  const fd = await openSocket(ring, v6 ? AF.INET6 : AF.INET, SOCK.DGRAM, setup, want);
  try {
    const opts: [number, number, number][] = [];
    if (reusePort) opts.push([SOL.SOCKET, SO.REUSEPORT, 1]);
    // Explicit, so net.ipv6.bindv6only=1 does not silently make "::" IPv6-only.
    if (v6) opts.push([SOL.IPV6, IPV6.V6ONLY, ipv6Only ? 1 : 0]);
    for (const [level, name, value] of opts) {
      const r = sysSetsockoptInt(fd, level, name, value);
      if (r < 0) throw new SocketError(-r, "setsockopt", want);
    }
    const r = sysBind(fd, encodeInet(ip, port));
    if (r < 0) throw new SocketError(-r, "bind", want);
    const sa = sysSockName(fd, false);
    const addr = typeof sa === "number" ? want : decodeSockaddr(sa, "udp") as NetAddr;
    return new UdpSocket(fd, ring, addr);
  } catch (e) {
    if (!ring.closed) await ring.closeFd(fd).catch(() => {});
    else sysClose(fd);
    throw socketError(e, "bind", want);
  }
}

const UDP_KEYS = ["hostname", "host", "port", "reusePort", "ipv6Only", "ring", "setup"];

/** IORING_OP_SEND takes a destination (addr2) from Linux 6.0 (io_send_setup); before, sendmsg. */
const SEND_ADDR = kernelAtLeast("6.0");

/**
 * The sockaddr of each sender address handed out (`Datagram.from`), so a
 * reply to it needs no parsing or encoding.
 */
const SOCKADDRS = new WeakMap<object, Uint8Array>();
/** Recent IPv4 senders by address and port: a busy peer's datagrams share one frozen NetAddr. */
const V4_PEERS = new Map<number, NetAddr>();
const V4_PEERS_MAX = 4096;

/** The sender of a received datagram (`len` bytes of sockaddr), or null for a family other than IPv4/IPv6. */
function addrOf(sa: Uint8Array, len: number): NetAddr | null {
  const family = sa[0] | (sa[1] << 8);
  let key = -1;
  if (family === AF.INET && len >= 8) {
    key = (((sa[4] << 24) | (sa[5] << 16) | (sa[6] << 8) | sa[7]) >>> 0) * 65536 + ((sa[2] << 8) | sa[3]);
    const hit = V4_PEERS.get(key);
    if (hit !== undefined) return hit;
  } else if (family !== AF.INET6) {
    return null;
  }
  const addr = Object.freeze(decodeSockaddr(sa, "udp", len) as NetAddr);
  SOCKADDRS.set(addr, sa.slice(0, family === AF.INET ? 16 : Math.min(len, NAME_ROOM)));
  if (key >= 0) {
    if (V4_PEERS.size >= V4_PEERS_MAX) V4_PEERS.clear();
    V4_PEERS.set(key, addr);
  }
  return addr;
}

const OUT = io_uring_recvmsg_out.fields;


/**
 * One multishot recvmsg buffer (`res` bytes): `struct io_uring_recvmsg_out`,
 * `msg_namelen` (28) bytes of name room, no control, then the payload — as
 * liburing's `io_uring_recvmsg_name` / `io_uring_recvmsg_payload` /
 * `io_uring_recvmsg_payload_length` read it.
 */
export function parseRecvmsgOut(buf: Uint8Array): Datagram | null {
  const base = io_uring_recvmsg_out.size;
  if (buf.length < base + NAME_ROOM) return null; // io_uring_recvmsg_validate
  const dv = new DataView(buf.buffer, buf.byteOffset, base);
  const namelen = dv.getUint32(OUT.namelen[0], true);
  const payloadlen = dv.getUint32(OUT.payloadlen[0], true);
  const flags = dv.getUint32(OUT.flags[0], true);
  const from = addrOf(buf.subarray(base, base + NAME_ROOM), Math.min(namelen, NAME_ROOM));
  if (!from) return null;
  const at = base + NAME_ROOM;
  const data = buf.subarray(at, at + Math.min(payloadlen, buf.length - at));
  return { data, from, truncated: (flags & MSG.TRUNC) !== 0 || payloadlen > data.length };
}
