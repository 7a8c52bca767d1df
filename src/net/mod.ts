/**
 * TCP over an {@linkcode AsyncRing}: listen + multishot accept, connect,
 * multishot recv into a buffer ring, send (SEND_ZC for large payloads),
 * shutdown, close. Shaped for an HTTP server: a listener is an async
 * iterable of connections, a connection's `chunks()` an async iterable of
 * received bytes (views into ring-provided buffers, valid until the next
 * iteration, so a server parses in place and copies only what it keeps).
 *
 * Listening sockets are made with a companion call (socket, SO_REUSEADDR,
 * bind, listen: set-up only); everything per connection goes through the ring.
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
export { type ConnectOptions, connect } from "./connect.ts";
export { listen, type ListenOptions, TcpListener } from "./listener.ts";
