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
import { setImmediate } from "node:timers";
import type { AsyncOpOptions, AsyncRing, Multishot } from "../async/async_ring.ts";
import { BufferRing } from "../buffers/buf_ring.ts";
import { CqeFlag } from "../abi/flags.ts";
import { AF, MSG, SO, SOCK, SOL } from "../abi/linux.ts";
import { io_uring_recvmsg_out, msghdr } from "../abi/layout.ts";
import { setBufferSelect } from "../ops/sqe.ts";
import { prepRecvmsgMultishot, prepSocket } from "../ops/net.ts";
import { getNative, type NativeLibrary } from "../runtime/_ffi.ts";
import { libjsuring } from "../runtime/libs.ts";
import { UringError } from "../errors/uring_error.ts";
import { Errno } from "../errors/errno.ts";
import { defaultRing } from "../fs/mod.ts";
import { checkBool, checkBuffer, checkInt, checkOptions, checkSignal, typeError } from "../ring/_args.ts";
import { OPERATIONS } from "../ring/operations.ts";
import type { MessageHeader } from "./_msg.ts";
import { checkPort, decodeSockaddr, encodeSockaddr, type NetAddress } from "./_sockaddr.ts";

/** Buffer group of the per-ring datagram buffer ring (TCP's is 0xfff0). */
const UDP_GROUP = 0xfff1;
const NAME_ROOM = 28; // sizeof(struct sockaddr_in6)
/** What precedes the payload in a multishot recvmsg buffer: io_uring_recvmsg_out (16) + the name room. */
const HEAD = io_uring_recvmsg_out.size + NAME_ROOM;
/** The largest UDP payload (65535 − 8-byte UDP header − 20-byte IPv4 header). */
const MAX_DATAGRAM = 65507;

const LIBC_SOCK = {
  /** int bind(int fd, const struct sockaddr *addr, socklen_t len) */
  bind: { args: ["i32", "u64", "u32"], returns: "i32" },
  /** int getsockname(int fd, struct sockaddr *addr, socklen_t *len) */
  getsockname: { args: ["i32", "u64", "u64"], returns: "i32" },
  /** int setsockopt(int fd, int level, int name, const void *val, socklen_t len) */
  setsockopt: { args: ["i32", "i32", "i32", "u64", "u32"], returns: "i32" },
  /** int *__errno_location(void) */
  __errno_location: { args: [], returns: "u64" },
} as const;

let libc: NativeLibrary | undefined;

function sys(): NativeLibrary {
  return libc ??= getNative().open("libc.so.6", LIBC_SOCK);
}

function errno(): number {
  const at = Number(sys().symbols.__errno_location());
  return new Int32Array(getNative().view(at, 4))[0] || Errno.EIO;
}

const BIND_HINTS: Partial<Record<number, (where: string) => string>> = {
  [Errno.EADDRINUSE]: (w) =>
    `${w} is taken by another socket: pick another port, 0 for any, or reusePort: true on every socket sharing it`,
  [Errno.EACCES]: (w) =>
    `${w}: ports below 1024 need CAP_NET_BIND_SERVICE (or sysctl net.ipv4.ip_unprivileged_port_start)`,
  [Errno.EADDRNOTAVAIL]: (w) =>
    `${w} is not an address of this machine: bind to one of its addresses, "0.0.0.0" or "::"`,
};

function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Options of {@linkcode udpSocket}.
 *
 * @example
 * ```ts
 * import { type UdpSocketOptions, udpSocket } from "@jsuring/jsuring";
 * const opts: UdpSocketOptions = { host: "::1", port: 0 };
 * await using sock = await udpSocket(opts);
 * ```
 */
export interface UdpSocketOptions {
  /** The local address: an IPv4 or IPv6 literal, `"0.0.0.0"`, `"::"` (dual stack) (default `"127.0.0.1"`). */
  host?: string;
  /** The local port (default 0: any free one, see {@linkcode UdpSocket.port}). */
  port?: number;
  /** SO_REUSEPORT: several sockets share the port, the kernel spreads datagrams over them. */
  reusePort?: boolean;
  /** The ring (default: `defaultRing()`). */
  ring?: AsyncRing;
}

/**
 * One received datagram.
 *
 * @example
 * ```ts
 * import type { Datagram } from "@jsuring/jsuring";
 * const show = (d: Datagram) => `${d.data.length} bytes from ${d.from.host}:${d.from.port}`;
 * ```
 */
export interface Datagram {
  /** The payload (from {@linkcode UdpSocket.messages}: a view into a ring buffer, valid until the next iteration). */
  readonly data: Uint8Array;
  /** The sender. */
  readonly from: NetAddress;
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
   * first `messages()` call on a ring sizes the ring's shared datagram
   * buffer ring; longer datagrams arrive `truncated`.
   */
  maxDatagram?: number;
  /** Buffers in the ring's shared datagram buffer ring (a power of two, default 64). */
  buffers?: number;
  /** Stop receiving: the iterator ends. */
  signal?: AbortSignal;
}

const DGRAM_RINGS = new WeakMap<AsyncRing, BufferRing>();

function dgramRing(ring: AsyncRing, room: number, count: number): BufferRing {
  let br = DGRAM_RINGS.get(ring);
  if (!br || br.isClosed) {
    br = BufferRing.create(ring.ring, { group: UDP_GROUP, entries: count, size: HEAD + room });
    DGRAM_RINGS.set(ring, br);
  }
  return br;
}

/**
 * A bound UDP socket.
 *
 * @example
 * ```ts
 * import { udpSocket } from "@jsuring/jsuring";
 * await using a = await udpSocket();
 * await using b = await udpSocket();
 * await a.sendTo(new TextEncoder().encode("ping"), b.address);
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
  readonly address: NetAddress;
  readonly #v6: boolean;
  #streams = new Set<DatagramStream>();

  /** @internal Use {@linkcode udpSocket}. */
  constructor(fd: number, ring: AsyncRing, address: NetAddress) {
    this.fd = fd;
    this.ring = ring;
    this.address = address;
    this.#v6 = address.family === "IPv6";
  }

  /** The local port. */
  get port(): number {
    return this.address.port;
  }

  /** The destination as this socket's family needs it (IPv4 peers of an IPv6 socket as IPv4-mapped). */
  #to(to: { host: string; port: number }): Uint8Array {
    if (to === null || typeof to !== "object") throw typeError("sendTo to", "an address { host, port }", to);
    const sa = encodeSockaddr(to.host, to.port, "sendTo to.host");
    if (sa[0] === AF.INET && this.#v6) {
      return encodeSockaddr(`::ffff:${to.host === "localhost" ? "127.0.0.1" : to.host}`, to.port);
    }
    if (sa[0] === AF.INET6 && !this.#v6) {
      throw new TypeError(
        `an IPv4 socket cannot send to the IPv6 address ${
          JSON.stringify(to.host)
        }: make it with host "::" (dual stack) or an IPv6 address`,
      );
    }
    return sa;
  }

  /**
   * Send one datagram to `to` (`data`, or several buffers sent as one
   * datagram). Resolves with the bytes sent.
   *
   * @example
   * ```ts
   * import { udpSocket } from "@jsuring/jsuring";
   * await using sock = await udpSocket();
   * await sock.sendTo(new Uint8Array([1, 2, 3]), { host: "127.0.0.1", port: sock.port });
   * ```
   */
  sendTo(
    data: ArrayBufferView | readonly ArrayBufferView[],
    to: { host: string; port: number },
    options?: AsyncOpOptions,
  ): Promise<number> {
    let msg: MessageHeader;
    try {
      if (this.fd < 0) throw new TypeError("sendTo: the socket is closed");
      const buffers = Array.isArray(data) ? data as readonly ArrayBufferView[] : [data as ArrayBufferView];
      if (!Array.isArray(data)) checkBuffer(data, "sendTo data");
      msg = { buffers, name: this.#to(to) };
    } catch (e) {
      return Promise.reject(e);
    }
    return this.ring.run(OPERATIONS.SENDMSG, [this.fd, msg, 0], options);
  }

  /**
   * Receive one datagram into `buffer` (IORING_OP_RECVMSG). `data` is the
   * part of `buffer` filled; `truncated` says the datagram was longer.
   *
   * @example
   * ```ts
   * import { udpSocket } from "@jsuring/jsuring";
   * await using sock = await udpSocket();
   * await sock.sendTo(new Uint8Array(3), sock.address);
   * const d = await sock.receiveFrom(new Uint8Array(1500));
   * console.log(d.data.length, d.from.port === sock.port); // 3 true
   * ```
   */
  async receiveFrom(buffer: Uint8Array, options?: AsyncOpOptions): Promise<Datagram> {
    if (this.fd < 0) throw new TypeError("receiveFrom: the socket is closed");
    if (!(buffer instanceof Uint8Array)) throw typeError("receiveFrom buffer", "a Uint8Array", buffer);
    const msg: MessageHeader = { buffers: [buffer], name: new Uint8Array(NAME_ROOM) };
    const n = await this.ring.run(OPERATIONS.RECVMSG, [this.fd, msg, 0], options);
    const from = decodeSockaddr(msg.name!, msg.nameLength);
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
   * await sock.sendTo(new TextEncoder().encode("hi"), sock.address);
   * for await (const d of sock.messages({ maxDatagram: 1500 })) {
   *   console.log(new TextDecoder().decode(d.data), d.from.host); // "hi" "127.0.0.1"
   *   break;
   * }
   * ```
   */
  messages(options: MessagesOptions = {}): AsyncIterableIterator<Datagram> {
    checkOptions(options, "messages options", ["maxDatagram", "buffers", "signal"]);
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
    const br = dgramRing(this.ring, room, count);
    const s = new DatagramStream(this, br, options.signal, () => this.#streams.delete(s));
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
    else libjsuring().jsu_close(fd);
  }

  /** Close. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Make a UDP socket bound to `host:port` (IPv4 or IPv6; `"::"` receives
 * IPv4 too, as IPv4-mapped addresses). Bad input is refused before any
 * socket is made; bind failures are `UringError`s naming the address
 * (EADDRINUSE, EACCES, EADDRNOTAVAIL).
 *
 * @example
 * ```ts
 * import { udpSocket } from "@jsuring/jsuring";
 * await using sock = await udpSocket({ host: "::1", port: 0 });
 * console.log(sock.address); // { host: "::1", port: 4xxxx, family: "IPv6" }
 * ```
 */
export async function udpSocket(options: UdpSocketOptions = {}): Promise<UdpSocket> {
  checkOptions(options, "udpSocket options", ["host", "port", "reusePort", "ring"]);
  const host = options.host ?? "127.0.0.1";
  const port = checkPort(options.port ?? 0, "udpSocket options.port");
  const sa = encodeSockaddr(host, port, "udpSocket options.host");
  const reusePort = options.reusePort !== undefined &&
    checkBool(options.reusePort, "udpSocket options.reusePort");
  const ring = options.ring ?? defaultRing();
  const family = sa[0];
  const fd = await ring.op("socket", (s, at) => prepSocket(s, at, family, SOCK.DGRAM | SOCK.CLOEXEC, 0, 0));
  try {
    const n = getNative(), l = sys().symbols;
    if (reusePort) {
      const one = new Int32Array([1]);
      if (l.setsockopt(fd, SOL.SOCKET, SO.REUSEPORT, n.addressOf(one), 4) !== 0) {
        throw new UringError(errno(), "setsockopt(SO_REUSEPORT)");
      }
    }
    if (l.bind(fd, n.addressOf(sa), sa.length) !== 0) {
      const e = errno(), where = hostPort(host, port);
      throw new UringError(e, `bind ${where}`, BIND_HINTS[e]?.(where));
    }
    const out = new Uint8Array(NAME_ROOM), len = new Uint32Array([NAME_ROOM]);
    if (l.getsockname(fd, n.addressOf(out), n.addressOf(len)) !== 0) {
      throw new UringError(errno(), "getsockname");
    }
    return new UdpSocket(fd, ring, decodeSockaddr(out, len[0])!);
  } catch (e) {
    await ring.closeFd(fd).catch(() => {});
    throw e;
  }
}

const yieldMacrotask = () => new Promise<void>((r) => setImmediate(r));
const OUT = io_uring_recvmsg_out.fields;

/** The multishot recvmsg behind {@linkcode UdpSocket.messages}. */
class DatagramStream implements AsyncIterableIterator<Datagram> {
  #sock: UdpSocket;
  #br: BufferRing;
  #ms: Multishot | undefined;
  #held = -1;
  #done = false;
  #signal: AbortSignal | undefined;
  #onEnd: () => void;
  // The msghdr multishot recvmsg reads at each arm: name room, no control, no iovec.
  #hdr = new Uint8Array(msghdr.size);
  /** Re-arms after ENOBUFS. */
  rearms = 0;

  constructor(sock: UdpSocket, br: BufferRing, signal: AbortSignal | undefined, onEnd: () => void) {
    this.#sock = sock;
    this.#br = br;
    this.#signal = signal;
    this.#onEnd = onEnd;
    new DataView(this.#hdr.buffer).setUint32(msghdr.fields.msg_namelen[0], NAME_ROOM, true);
  }

  #giveBack(): void {
    if (this.#held >= 0) {
      if (!this.#br.isClosed) this.#br.recycle(this.#held);
      this.#held = -1;
    }
  }

  #arm(): Multishot {
    const br = this.#br, fd = this.#sock.fd, hdr = this.#hdr;
    return this.#sock.ring.multishot((s, at) => {
      prepRecvmsgMultishot(s, at, fd, getNative().addressOf(hdr), 0);
      setBufferSelect(s, at, br.id);
    }, {
      signal: this.#signal,
      name: "recvmsg",
      keep: hdr,
      // A datagram of 0 bytes is still a CQE of at least the header: only errors end it.
      ends: (res) => res < 0,
      discard: (_res, flags) => {
        if (flags & CqeFlag.F_BUFFER && !br.isClosed) br.recycle(flags >>> CqeFlag.BUFFER_SHIFT);
      },
    });
  }

  async next(): Promise<IteratorResult<Datagram>> {
    this.#giveBack();
    while (!this.#done) {
      if (this.#sock.fd < 0) break;
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
      const taken = this.#br.take(r.value.res, r.value.flags);
      if (!taken) continue;
      this.#held = taken.id;
      const d = parseRecvmsgOut(taken.bytes);
      if (!d) continue; // not an IPv4/IPv6 sender: nothing a UDP socket of ours gets
      return { value: d, done: false };
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

  async return(): Promise<IteratorResult<Datagram>> {
    const ms = this.#ms;
    this.#ms = undefined;
    this.#end();
    if (ms) await ms.return();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Datagram> {
    return this;
  }
}

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
  const from = decodeSockaddr(buf.subarray(base, base + NAME_ROOM), Math.min(namelen, NAME_ROOM));
  if (!from) return null;
  const at = base + NAME_ROOM;
  const data = buf.subarray(at, at + Math.min(payloadlen, buf.length - at));
  return { data, from, truncated: (flags & MSG.TRUNC) !== 0 || payloadlen > data.length };
}
