/**
 * Socket addresses: strict parsing of IPv4 and IPv6 literals, host names
 * through `node:dns` (both runtimes ship it; literals never touch DNS),
 * ports, Unix socket paths (filesystem and abstract), and encoding and
 * decoding `struct sockaddr_in`, `sockaddr_in6` and `sockaddr_un`.
 *
 * Bad input is refused here, before any system call: a TypeError for a
 * value of the wrong kind or shape (a malformed literal), a RangeError for a
 * number out of range (a port) or a path too long for `sun_path`.
 *
 * @module
 */
import { lookup } from "node:dns/promises";
import { AF } from "../abi/linux.ts";
import { checkInt, show, typeError } from "../ring/_args.ts";
import { sysIfIndex } from "../runtime/sockets.ts";

/**
 * A TCP or UDP address, as `Deno.NetAddr` (plus the family, as `node:net`'s
 * `server.address()`).
 *
 * @example
 * ```ts
 * import { listen, type NetAddr } from "@jsuring/jsuring";
 * await using server = await listen({ hostname: "127.0.0.1", port: 0 });
 * const addr = server.addr as NetAddr;
 * console.log(addr.hostname, addr.port, addr.family); // 127.0.0.1 <port> IPv4
 * ```
 */
export interface NetAddr {
  /** `"tcp"` or `"udp"`. */
  transport: "tcp" | "udp";
  /** The address, `"127.0.0.1"` or `"::1"` (IPv6 without brackets; a zone as `"fe80::1%2"`). */
  hostname: string;
  /** The port, 0..65535. */
  port: number;
  /** `"IPv4"` or `"IPv6"`. */
  family: "IPv4" | "IPv6";
}

/**
 * A Unix-domain socket address, as `Deno.UnixAddr`: a filesystem `path`, or
 * an abstract name written with a leading NUL (`"\0name"`, shown `@name` in
 * messages as `ss(8)` does); `""` for an unnamed socket.
 *
 * @example
 * ```ts
 * import { listen, type UnixAddr } from "@jsuring/jsuring";
 * await using server = await listen({ path: "\0jsuring-doc-example" });
 * console.log((server.addr as UnixAddr).path.slice(1)); // jsuring-doc-example
 * ```
 */
export interface UnixAddr {
  /** Always `"unix"`. */
  transport: "unix";
  /** The socket path, or `"\0"` + an abstract name. */
  path: string;
}

/**
 * Any socket address jsuring reports.
 *
 * @example
 * ```ts
 * import type { Addr } from "@jsuring/jsuring";
 * const show = (a: Addr) => a.transport === "unix" ? a.path : `${a.hostname}:${a.port}`;
 * ```
 */
export type Addr = NetAddr | UnixAddr;

/** `sizeof(((struct sockaddr_un *)0)->sun_path)`: the path and its NUL. */
export const UNIX_PATH_MAX = 108;

const TEXT = new TextEncoder();
const UTF8 = new TextDecoder();

/**
 * A port, 0..65535: a TypeError for a non-number, a RangeError otherwise.
 *
 * @example
 * ```ts ignore
 * checkPort(8080, "listen: port");
 * ```
 */
export function checkPort(port: unknown, what: string): number {
  return checkInt(port, what, 0, 65535);
}

/**
 * A dotted-quad IPv4 literal as 4 bytes, or null when `s` is not one.
 * Strict, as inet_pton(3): exactly four decimal parts 0..255, no leading
 * zeros (`"010.0.0.1"` would be octal to inet_aton), no shorthand
 * (`"127.1"`), no spaces.
 *
 * @example
 * ```ts ignore
 * parseIPv4("192.168.0.1"); // Uint8Array [192, 168, 0, 1]
 * ```
 */
export function parseIPv4(s: string): Uint8Array | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

/**
 * An IPv6 literal as 16 bytes and a scope id, or null when `s` is not one.
 * Strict, as inet_pton(3) plus a zone: hex groups of 1–4 digits, at most
 * one `::`, an optional trailing dotted IPv4 (`"::ffff:1.2.3.4"`), an
 * optional `%zone` (a number, or an interface name, looked up with
 * if_nametoindex(3): an unknown name is a TypeError, not null).
 *
 * @example
 * ```ts ignore
 * parseIPv6("::1")?.bytes[15]; // 1
 * ```
 */
export function parseIPv6(s: string): { bytes: Uint8Array; scopeId: number } | null {
  let scopeId = 0;
  const pct = s.indexOf("%");
  let body = s;
  if (pct >= 0) {
    const zone = s.slice(pct + 1);
    body = s.slice(0, pct);
    if (!/^[A-Za-z0-9_.-]{1,15}$/.test(zone)) return null;
    if (/^\d+$/.test(zone)) {
      scopeId = Number(zone);
      if (scopeId > 0xffffffff) return null;
    } else {
      scopeId = sysIfIndex(zone);
      if (scopeId === 0) {
        throw new TypeError(`IPv6 zone ${JSON.stringify(zone)} names no network interface (in ${show(s)})`);
      }
    }
  }
  if (!/^[0-9A-Fa-f:.]+$/.test(body)) return null;
  const halves = body.split("::");
  if (halves.length > 2) return null;
  const groups = (part: string, last: boolean): number[] | null => {
    if (part === "") return [];
    const out: number[] = [];
    const items = part.split(":");
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (last && i === items.length - 1 && it.includes(".")) {
        const v4 = parseIPv4(it);
        if (!v4) return null;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(it)) {
        out.push(parseInt(it, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  let words: number[];
  if (halves.length === 2) {
    const head = groups(halves[0], false), tail = groups(halves[1], true);
    if (!head || !tail || head.length + tail.length > 7) return null;
    words = [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = groups(body, true);
    if (!all || all.length !== 8) return null;
    words = all;
  }
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    bytes[2 * i] = words[i] >> 8;
    bytes[2 * i + 1] = words[i] & 0xff;
  }
  return { bytes, scopeId };
}

/**
 * An IPv6 address in RFC 5952 form: lowercase, no leading zeros, the
 * longest run of two or more zero groups as `::`, IPv4-mapped addresses as
 * `::ffff:1.2.3.4`, a non-zero scope as `%N`.
 *
 * @example
 * ```ts ignore
 * formatIPv6(new Uint8Array(16).fill(0, 0, 15).fill(1, 15)); // "::1"
 * ```
 */
export function formatIPv6(bytes: Uint8Array, scopeId = 0): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((bytes[2 * i] << 8) | bytes[2 * i + 1]);
  const zone = scopeId ? `%${scopeId}` : "";
  if (w.slice(0, 5).every((x) => x === 0) && w[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}${zone}`;
  }
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(":");
  if (best < 0) return hex(w) + zone;
  return `${hex(w.slice(0, best))}::${hex(w.slice(best + bestLen))}${zone}`;
}

/**
 * 4 or 6 for an IPv4 or IPv6 literal (brackets around an IPv6 literal, as
 * in a URL's `hostname`, allowed), 0 for anything else.
 *
 * @example
 * ```ts
 * import { ipVersion } from "@jsuring/jsuring";
 * console.log(ipVersion("::1"), ipVersion("10.0.0.1"), ipVersion("example.com")); // 6 4 0
 * ```
 */
export function ipVersion(s: string): 0 | 4 | 6 {
  if (typeof s !== "string") return 0;
  if (parseIPv4(s)) return 4;
  const b = s.startsWith("[") && s.endsWith("]") ? s.slice(1, -1) : s;
  try {
    return parseIPv6(b) ? 6 : 0;
  } catch {
    return 0; // a zone naming no interface
  }
}

/** One resolved IP address. */
export interface IpAddress {
  /** 4 or 6. */
  version: 4 | 6;
  /** 4 or 16 bytes, network order. */
  bytes: Uint8Array;
  /** The IPv6 scope (interface index), else 0. */
  scopeId: number;
}

/** A DNS name: dot-separated labels of letters, digits, `-` and `_`, each 1–63, 253 in all. */
const HOST_NAME =
  /^(?=.{1,253}\.?$)([A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

/**
 * An IP literal parsed, or `{ name }` for a host name to look up; throws a
 * TypeError quoting `hostname` when it is neither: a malformed literal (it
 * has a `:`, or only digits and dots) never becomes a DNS query.
 *
 * @example
 * ```ts ignore
 * parseHost("::1", "connect: hostname"); // { version: 6, ... }
 * ```
 */
export function parseHost(hostname: unknown, what: string): IpAddress | { name: string } {
  if (typeof hostname !== "string") {
    throw typeError(what, "a string (an IP address or a host name)", hostname);
  }
  const v4 = parseIPv4(hostname);
  if (v4) return { version: 4, bytes: v4, scopeId: 0 };
  const inner = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  if (inner.includes(":") || hostname.startsWith("[")) {
    const v6 = parseIPv6(inner);
    if (v6) return { version: 6, ...v6 };
    throw typeError(what, 'a valid IPv6 address (as "::1" or "fe80::1%eth0")', hostname);
  }
  if (/^[\d.]+$/.test(hostname)) {
    throw typeError(what, 'a valid IPv4 address (four numbers 0..255, as "127.0.0.1")', hostname);
  }
  let name = hostname;
  // deno-lint-ignore no-control-regex
  if (/[^\x00-\x7f]/.test(name)) {
    // An internationalized name: its ASCII (punycode) form, as a URL has it.
    try {
      name = new URL(`http://${name}/`).hostname;
    } catch {
      throw typeError(what, "an IP address or a host name", hostname);
    }
  }
  if (!HOST_NAME.test(name)) throw typeError(what, "an IP address or a host name", hostname);
  return { name };
}

/**
 * A host name that did not resolve: `code` is node:dns's (`"ENOTFOUND"`,
 * `"EAI_AGAIN"`, ...), `hostname` the name asked for.
 *
 * @example
 * ```ts
 * import { connect, ResolveError } from "@jsuring/jsuring";
 * try {
 *   await connect({ hostname: "no-such-host.invalid", port: 80 });
 * } catch (e) {
 *   if (e instanceof ResolveError) console.log(e.code, e.hostname);
 * }
 * ```
 */
export class ResolveError extends Error {
  /** node:dns's error code, e.g. `"ENOTFOUND"`. */
  readonly code: string;
  /** The name that did not resolve. */
  readonly hostname: string;

  /**
   * Make the error for `hostname`.
   *
   * @param hostname the name looked up
   * @param code the resolver's code
   * @param options the cause
   */
  constructor(hostname: string, code: string, options?: ErrorOptions) {
    const why = code === "ENOTFOUND"
      ? " (no such name)"
      : code === "EAI_AGAIN"
      ? " (the DNS server did not answer; retry)"
      : code === "EPERM" || code === "NotCapable"
      // Deno resolves names only with the net permission for them.
      ? `: not permitted (Deno: run with --allow-net=${hostname}, or pass an IP address)`
      : "";
    super(`cannot resolve host name ${JSON.stringify(hostname)}: ${code}${why}`, options);
    this.name = "ResolveError";
    this.code = code;
    this.hostname = hostname;
  }
}

/**
 * The addresses of `hostname`: a literal as itself (no DNS), a name through
 * `node:dns` `lookup` (getaddrinfo: `/etc/hosts`, then DNS), in the
 * resolver's order. `"localhost"` is 127.0.0.1 without a lookup (RFC 6761).
 *
 * @example
 * ```ts ignore
 * const [first] = await resolveHost("localhost", "connect: hostname");
 * ```
 */
export async function resolveHost(hostname: unknown, what: string): Promise<IpAddress[]> {
  const h = parseHost(hostname, what);
  if ("version" in h) return [h];
  if (h.name.toLowerCase() === "localhost" || h.name.toLowerCase() === "localhost.") {
    return [{ version: 4, bytes: new Uint8Array([127, 0, 0, 1]), scopeId: 0 }];
  }
  let found: { address: string; family: number }[];
  try {
    found = await lookup(h.name, { all: true });
  } catch (e) {
    const code = String((e as { code?: unknown })?.code ?? (e as Error)?.name ?? "ENOTFOUND");
    throw new ResolveError(h.name, code, { cause: e });
  }
  const out: IpAddress[] = [];
  for (const f of found) {
    const p = parseHost(f.address, "resolved address");
    if ("version" in p) out.push(p);
  }
  if (out.length === 0) throw new ResolveError(h.name, "ENOTFOUND");
  return out;
}

/**
 * The `struct sockaddr_in` / `sockaddr_in6` for `ip` and `port`: 16 or 28
 * bytes, family in host order, port and address in network order.
 *
 * @example
 * ```ts ignore
 * encodeInet({ version: 4, bytes: new Uint8Array([127, 0, 0, 1]), scopeId: 0 }, 80).length; // 16
 * ```
 */
export function encodeInet(ip: IpAddress, port: number): Uint8Array {
  if (ip.version === 4) {
    const sa = new Uint8Array(16);
    sa[0] = AF.INET; // sa_family_t, host order (little-endian on x86-64 and arm64)
    sa[2] = port >> 8;
    sa[3] = port & 0xff;
    sa.set(ip.bytes, 4);
    return sa;
  }
  const sa = new Uint8Array(28);
  const dv = new DataView(sa.buffer);
  dv.setUint16(0, AF.INET6, true);
  dv.setUint16(2, port, false);
  // sin6_flowinfo (4..8) stays 0.
  sa.set(ip.bytes, 8);
  dv.setUint32(24, ip.scopeId, true);
  return sa;
}

/**
 * Check a Unix socket path: a non-empty string, no NUL but a leading one
 * (an abstract name), and short enough for `sun_path`: 107 bytes of UTF-8
 * and the NUL for a filesystem path, 107 bytes after the leading NUL for an
 * abstract name. Returns the path's bytes.
 *
 * @example
 * ```ts ignore
 * unixPathBytes("/run/app.sock", "listen: path");
 * ```
 */
export function unixPathBytes(path: unknown, what: string): Uint8Array {
  if (typeof path !== "string") throw typeError(what, 'a string (a socket path, or "\\0name")', path);
  if (path === "" || path === "\0") {
    throw typeError(what, 'a non-empty socket path (or "\\0" and an abstract name)', path);
  }
  if (path.indexOf("\0", 1) >= 0) {
    throw typeError(what, "a path without NUL bytes (a leading NUL only, for an abstract name)", path);
  }
  const bytes = TEXT.encode(path);
  const abstract = path.startsWith("\0");
  // A filesystem path needs room for its terminating NUL; an abstract name's
  // leading NUL is its first byte and nothing terminates it.
  const max = abstract ? UNIX_PATH_MAX : UNIX_PATH_MAX - 1;
  if (bytes.length > max) {
    throw new RangeError(
      `${what} must fit in sun_path: at most ${UNIX_PATH_MAX - 1} bytes ` +
        `${abstract ? "after the leading NUL" : "(108 with its NUL)"}, got ${
          bytes.length - (abstract ? 1 : 0)
        } ` +
        `bytes: ${show(path)}; use a shorter path, e.g. a relative one from a chdir'd directory`,
    );
  }
  return bytes;
}

/**
 * The `struct sockaddr_un` for a checked path (see {@linkcode unixPathBytes}):
 * exactly as long as the kernel needs (`offsetof(sun_path)` + the path and
 * its NUL; an abstract name without a NUL, since every byte of it counts).
 *
 * @example
 * ```ts ignore
 * encodeUnix("/run/app.sock", "listen: path").length; // 2 + 13 + 1
 * ```
 */
export function encodeUnix(path: unknown, what: string): Uint8Array {
  const bytes = unixPathBytes(path, what);
  const abstract = bytes[0] === 0;
  const sa = new Uint8Array(2 + bytes.length + (abstract ? 0 : 1));
  sa[0] = AF.UNIX;
  sa.set(bytes, 2);
  return sa;
}

/**
 * Decode a `struct sockaddr` of `len` bytes (from getsockname(2),
 * getpeername(2), accept(2) or recvmsg(2)); `transport` says what an IP
 * address is used for.
 *
 * @example
 * ```ts ignore
 * decodeSockaddr(encodeInet(ip, 80), "tcp"); // { transport: "tcp", hostname: "127.0.0.1", port: 80, family: "IPv4" }
 * ```
 */
export function decodeSockaddr(sa: Uint8Array, transport: "tcp" | "udp", len = sa.length): Addr {
  const dv = new DataView(sa.buffer, sa.byteOffset, sa.byteLength);
  const family = len >= 2 ? dv.getUint16(0, true) : AF.UNSPEC;
  if (family === AF.INET && len >= 8) {
    return {
      transport,
      hostname: `${sa[4]}.${sa[5]}.${sa[6]}.${sa[7]}`,
      port: dv.getUint16(2, false),
      family: "IPv4",
    };
  }
  if (family === AF.INET6 && len >= 24) {
    return {
      transport,
      hostname: formatIPv6(sa.subarray(8, 24), len >= 28 ? dv.getUint32(24, true) : 0),
      port: dv.getUint16(2, false),
      family: "IPv6",
    };
  }
  if (family === AF.UNIX) {
    if (len <= 2) return { transport: "unix", path: "" }; // unnamed (a connected client, autobind off)
    const p = sa.subarray(2, len);
    if (p[0] === 0) return { transport: "unix", path: UTF8.decode(p) }; // abstract: every byte counts
    const nul = p.indexOf(0);
    return { transport: "unix", path: UTF8.decode(nul >= 0 ? p.subarray(0, nul) : p) };
  }
  throw new TypeError(`unsupported socket address family ${family} (${len} bytes)`);
}

/**
 * An address as messages show it: `127.0.0.1:80`, `[::1]:80`, a path, or
 * `@name` for an abstract Unix name.
 *
 * @example
 * ```ts
 * import { formatAddr } from "@jsuring/jsuring";
 * console.log(formatAddr({ transport: "tcp", hostname: "::1", port: 80, family: "IPv6" })); // [::1]:80
 * ```
 */
export function formatAddr(addr: Addr): string {
  if (addr.transport === "unix") {
    if (addr.path === "") return "(unnamed)";
    return addr.path.startsWith("\0") ? `@${addr.path.slice(1)}` : addr.path;
  }
  return addr.family === "IPv6" ? `[${addr.hostname}]:${addr.port}` : `${addr.hostname}:${addr.port}`;
}

/**
 * The address family (`AF.INET`, `AF.INET6` or `AF.UNIX`) of an encoded
 * `struct sockaddr`.
 *
 * @example
 * ```ts ignore
 * sockaddrFamily(encodeUnix("/tmp/s", "path")); // 1
 * ```
 */
export function sockaddrFamily(sa: Uint8Array): number {
  return sa[0] | (sa[1] << 8);
}

/**
 * The `struct sockaddr_in` of a dotted IPv4 address (or `"localhost"`) and
 * `port`: kept for callers of the first TCP-only API.
 *
 * @example
 * ```ts ignore
 * sockaddrIn(0x7f000001, 80);
 * ```
 */
export function sockaddrIn(ip: number, port: number): Uint8Array {
  return encodeInet({
    version: 4,
    bytes: new Uint8Array([ip >>> 24, (ip >>> 16) & 0xff, (ip >>> 8) & 0xff, ip & 0xff]),
    scopeId: 0,
  }, port);
}

/**
 * A dotted IPv4 address (or `"localhost"`) as a host-order number: kept for
 * callers of the first TCP-only API; use {@linkcode parseHost}.
 *
 * @example
 * ```ts ignore
 * ipv4("127.0.0.1"); // 0x7f000001
 * ```
 */
export function ipv4(host: string): number {
  const b = parseIPv4(host === "localhost" ? "127.0.0.1" : host);
  if (!b) throw typeError("host", 'a dotted IPv4 address (or "localhost")', host);
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}
