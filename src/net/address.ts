/**
 * Socket addresses: parsing host strings and encoding `struct sockaddr_*`.
 *
 * @module
 */
import { AF } from "../abi/linux.ts";

const AF_INET = AF.INET;

/** Parse a dotted IPv4 address (or "localhost") into a host-order number. */
export function ipv4(host: string): number {
  const h = host === "localhost" ? "127.0.0.1" : host;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  if (!m || m.slice(1).some((p) => Number(p) > 255)) {
    throw new TypeError(`host must be a dotted IPv4 address (or "localhost"), got ${JSON.stringify(host)}`);
  }
  return ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
}

/** Encode a `struct sockaddr_in` (16 bytes, port and address in network order). */
export function sockaddrIn(ip: number, port: number): Uint8Array {
  const sa = new Uint8Array(16);
  sa[0] = AF_INET;
  sa[2] = port >> 8;
  sa[3] = port & 0xff;
  sa[4] = ip >>> 24;
  sa[5] = (ip >>> 16) & 0xff;
  sa[6] = (ip >>> 8) & 0xff;
  sa[7] = ip & 0xff;
  return sa;
}
