/**
 * IPv4 and IPv6 socket addresses for UDP: literal parsing (RFC 4291 text
 * forms, IPv4-mapped, numeric zone ids), RFC 5952 formatting, and
 * `struct sockaddr_in` / `sockaddr_in6` encoding and decoding. Kept apart from
 * `address.ts` (the TCP side's) until both use one parser.
 *
 * @module
 */
import { AF } from "../abi/linux.ts";
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

/** The 4 bytes of a dotted IPv4 literal, or null. */
export function parseIPv4(s: string): Uint8Array | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = m[i + 1];
    // No leading zeros ("010" is octal to inet_aton, decimal to others: refuse both readings).
    if (p.length > 1 && p[0] === "0") return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

/** The 16 bytes and zone of an IPv6 literal (optionally in brackets, `%N` numeric zone), or null. */
export function parseIPv6(text: string): { bytes: Uint8Array; scope: number } | null {
  let s = text;
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  let scope = 0;
  const pct = s.indexOf("%");
  if (pct >= 0) {
    const z = s.slice(pct + 1);
    if (!/^\d{1,10}$/.test(z) || Number(z) > 0xffffffff) return null;
    scope = Number(z);
    s = s.slice(0, pct);
  }
  const lastColon = s.lastIndexOf(":");
  if (lastColon >= 0 && s.indexOf(".", lastColon) > 0) {
    // A trailing dotted quad stands for the last two groups.
    const v4 = parseIPv4(s.slice(lastColon + 1));
    if (!v4) return null;
    s = `${s.slice(0, lastColon + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${
      ((v4[2] << 8) | v4[3]).toString(16)
    }`;
  }
  const groupOk = (g: string) => /^[0-9a-fA-F]{1,4}$/.test(g);
  const words: number[] = [];
  const dbl = s.indexOf("::");
  if (dbl >= 0) {
    if (s.indexOf("::", dbl + 1) >= 0) return null;
    const left = s.slice(0, dbl), right = s.slice(dbl + 2);
    const l = left === "" ? [] : left.split(":");
    const r = right === "" ? [] : right.split(":");
    if (![...l, ...r].every(groupOk) || l.length + r.length > 7) return null;
    words.push(...l.map((g) => parseInt(g, 16)));
    for (let i = l.length + r.length; i < 8; i++) words.push(0);
    words.push(...r.map((g) => parseInt(g, 16)));
  } else {
    const g = s.split(":");
    if (g.length !== 8 || !g.every(groupOk)) return null;
    words.push(...g.map((x) => parseInt(x, 16)));
  }
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    bytes[i * 2] = words[i] >> 8;
    bytes[i * 2 + 1] = words[i] & 0xff;
  }
  return { bytes, scope };
}

/** RFC 5952 text of 16 address bytes (lower case, the longest zero run as `::`, IPv4-mapped dotted). */
export function formatIPv6(b: Uint8Array): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((b[i * 2] << 8) | b[i * 2 + 1]);
  if (w.slice(0, 5).every((x) => x === 0) && w[5] === 0xffff) {
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  }
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(":");
  if (best < 0) return hex(w);
  return `${hex(w.slice(0, best))}::${hex(w.slice(best + bestLen))}`;
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
