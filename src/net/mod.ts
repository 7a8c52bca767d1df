/**
 * Sockets over an {@linkcode AsyncRing}: TCP over IPv4 and IPv6
 * (dual-stack on `"::"`), Unix stream sockets (paths and abstract names);
 * listen + multishot accept, connect, multishot recv into a buffer ring,
 * ordered sends (plain SEND; SEND_ZC on request), shutdown, close. Shaped for an HTTP
 * server: a listener is an async iterable of connections, a connection's
 * `chunks()` an async iterable of received bytes (views into ring-provided
 * buffers, valid until the next iteration, so a server parses in place and
 * copies only what it keeps).
 *
 * Sockets are made through the ring where the kernel has the opcodes
 * (IORING_OP_SOCKET 5.19, IORING_OP_BIND / IORING_OP_LISTEN 6.11, socket
 * options through the socket `uring_cmd`, 6.7), chosen by probe, else with
 * the system calls through libc (`setup: "syscalls"` forces that).
 * Everything per connection goes through the ring.
 *
 * Addresses: IPv4 and IPv6 literals are parsed strictly and never touch
 * DNS; host names resolve through `node:dns`. Bad input (a malformed
 * literal, a port outside 0..65535, a Unix path longer than 107 bytes, an
 * unknown option) is a TypeError or RangeError before any system call; the
 * kernel's refusals are {@linkcode SocketError}s naming the address.
 *
 * Receive buffers: one {@linkcode BufferRing} per AsyncRing (group 0xfff0,
 * from `src/buffers/`), shared by every connection's multishot recv. When it
 * runs dry the kernel ends the multishot with ENOBUFS; the stream re-arms
 * once the consumer has given buffers back. A multishot the kernel stops
 * because the CQ is full (a valid result without F_MORE) is re-armed by
 * {@linkcode Multishot} itself: only 0 (peer closed), an error, close or
 * abort end a stream or a listener.
 *
 * @module
 */
export { type RecvOptions, SEND_ZC_THRESHOLD, type SendOptions, TcpConn } from "./conn.ts";
export { connect, type ConnectOptions } from "./connect.ts";
export { listen, type ListenOptions, TcpListener } from "./listener.ts";
export { type Addr, formatAddr, ipVersion, type NetAddr, ResolveError, type UnixAddr } from "./address.ts";
export { SocketError } from "./errors.ts";
export type { SocketSetup } from "./_setup.ts";
