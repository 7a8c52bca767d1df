/**
 * IPv4 and IPv6 socket addresses for UDP: literal parsing (RFC 4291 text
 * forms, IPv4-mapped, numeric zone ids), RFC 5952 formatting, and
 * `struct sockaddr_in` / `sockaddr_in6` encoding and decoding, in the shape
 * UDP reports them. The literal parsing and formatting are `address.ts`'s
 * (one strict parser for TCP, Unix and UDP).
 *
 * @module
 */
import { AF } from "../abi/linux.ts";
import { formatIPv6 as rfc5952, parseIPv4 as strictIPv4, parseIPv6 as strictIPv6 } from "./address.ts";
import { sockaddr_in6 } from "../abi/layout.ts";

/**
 * A socket address: host (an IPv4 or IPv6 literal), port, family.
 *
 * @example
 * ```ts
 * import type { NetAddress } from "@jsuring/jsuring";
 * const to: NetAddress = { host: "::1", port: 5353, family: "IPv6" };
 * ```
 */
export interface NetAddress {
  /** The address as text: `"127.0.0.1"`, `"::1"`, `"::ffff:10.0.0.1"` (an IPv4 peer of a dual-stack socket). */
  readonly host: string;
  /** The port, 0..65535. */
  readonly port: number;
  /** `"IPv4"` or `"IPv6"`. */
  readonly family: "IPv4" | "IPv6";
}

/** The 4 bytes of a dotted IPv4 literal, or null (the one strict parser, `address.ts`). */
export function parseIPv4(s: string): Uint8Array | null {
  return strictIPv4(s);
}

/**
 * The 16 bytes and zone of an IPv6 literal (optionally in brackets; `%N`
 * or `%ifname`), or null: `address.ts`'s parser, the one TCP uses too.
 */
export function parseIPv6(text: string): { bytes: Uint8Array; scope: number } | null {
  const s = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  let p;
  try {
    p = strictIPv6(s);
  } catch {
    return null; // a zone naming no interface
  }
  return p && { bytes: p.bytes, scope: p.scopeId };
}

/** RFC 5952 text of 16 address bytes (lower case, the longest zero run as `::`, IPv4-mapped dotted). */
export function formatIPv6(b: Uint8Array): string {
  return rfc5952(b, 0);
}

function badHost(host: unknown): TypeError {
  return new TypeError(
    `host must be an IPv4 or IPv6 literal (or "localhost"), got ${
      typeof host === "string" ? JSON.stringify(host) : `${String(host)} (${typeof host})`
    }`,
  );
}

/** Check a port (0..65535): RangeError/TypeError quoting it. */
export function checkPort(port: unknown, what = "port"): number {
  if (typeof port !== "number") {
    throw new TypeError(`${what} must be an integer from 0 to 65535, got ${String(port)} (${typeof port})`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`${what} must be an integer from 0 to 65535, got ${port}`);
  }
  return port;
}

/** Encode `host:port` as a `struct sockaddr_in` (16 bytes) or `sockaddr_in6` (28 bytes). */
export function encodeSockaddr(host: unknown, port: unknown, what = "host"): Uint8Array {
  const p = checkPort(port);
  if (typeof host !== "string") throw badHost(host);
  const h = host === "localhost" ? "127.0.0.1" : host;
  const v4 = parseIPv4(h);
  if (v4) {
    const sa = new Uint8Array(16);
    sa[0] = AF.INET;
    sa[2] = p >> 8;
    sa[3] = p & 0xff;
    sa.set(v4, 4);
    return sa;
  }
  const v6 = parseIPv6(h);
  if (!v6) {
    const e = badHost(host);
    e.message = e.message.replace(/^host/, what);
    throw e;
  }
  const sa = new Uint8Array(sockaddr_in6.size);
  sa[0] = AF.INET6;
  sa[2] = p >> 8;
  sa[3] = p & 0xff;
  sa.set(v6.bytes, 8);
  new DataView(sa.buffer).setUint32(24, v6.scope, true);
  return sa;
}

/** Decode a `struct sockaddr_in` / `sockaddr_in6` (`len` bytes filled); null for another family. */
export function decodeSockaddr(sa: Uint8Array, len = sa.length): NetAddress | null {
  if (len < 2) return null;
  const family = sa[0] | (sa[1] << 8);
  const port = (sa[2] << 8) | sa[3];
  if (family === AF.INET && len >= 8) {
    return { host: `${sa[4]}.${sa[5]}.${sa[6]}.${sa[7]}`, port, family: "IPv4" };
  }
  if (family === AF.INET6 && len >= 24) {
    const scope = len >= 28 ? new DataView(sa.buffer, sa.byteOffset).getUint32(24, true) : 0;
    const host = formatIPv6(sa.subarray(8, 24)) + (scope ? `%${scope}` : "");
    return { host, port, family: "IPv6" };
  }
  return null;
}
