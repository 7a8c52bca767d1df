/**
 * The socket system calls through libc (glibc `libc.so.6`), for what the
 * ring cannot do on this kernel or at all: socket(2), setsockopt(2), bind(2),
 * listen(2) before Linux 6.11 (IORING_OP_BIND / IORING_OP_LISTEN) and 6.7
 * (the socket `uring_cmd` SETSOCKOPT); getsockname(2) / getpeername(2),
 * which have no opcode on 6.18; a non-blocking connect(2) probe for stale
 * Unix socket files; if_nametoindex(3) for IPv6 zone names. Each returns
 * the result, or `-errno` on failure (the liburing convention), never the
 * libc `-1`.
 *
 * @module
 */
import type { SymbolTable } from "../../ffi/symbols.ts";
import { getNative, type NativeLibrary } from "./_ffi.ts";

const SOCKET_LIBC = {
  // int socket(int domain, int type, int protocol)
  socket: { args: ["i32", "i32", "i32"], returns: "i32" },
  // int setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen)
  setsockopt: { args: ["i32", "i32", "i32", "buffer", "u32"], returns: "i32" },
  // int getsockopt(int fd, int level, int optname, void *optval, socklen_t *optlen)
  getsockopt: { args: ["i32", "i32", "i32", "buffer", "buffer"], returns: "i32" },
  // int bind(int fd, const struct sockaddr *addr, socklen_t addrlen)
  bind: { args: ["i32", "buffer", "u32"], returns: "i32" },
  // int listen(int fd, int backlog)
  listen: { args: ["i32", "i32"], returns: "i32" },
  // int connect(int fd, const struct sockaddr *addr, socklen_t addrlen)
  connect: { args: ["i32", "buffer", "u32"], returns: "i32" },
  // int getsockname(int fd, struct sockaddr *addr, socklen_t *addrlen)
  getsockname: { args: ["i32", "buffer", "buffer"], returns: "i32" },
  // int getpeername(int fd, struct sockaddr *addr, socklen_t *addrlen)
  getpeername: { args: ["i32", "buffer", "buffer"], returns: "i32" },
  // unsigned int if_nametoindex(const char *ifname)
  if_nametoindex: { args: ["buffer"], returns: "u32" },
  // int close(int fd)
  close: { args: ["i32"], returns: "i32" },
  // int *__errno_location(void)
  __errno_location: { args: [], returns: "u64" },
} as const satisfies SymbolTable;

let lib: NativeLibrary | undefined;

function sym(): NativeLibrary["symbols"] {
  lib ??= getNative().open("libc.so.6", SOCKET_LIBC);
  return lib.symbols;
}

/** `result`, or `-errno` when libc said -1 (errno read right after the call, on this thread). */
function ret(result: number): number {
  if (result !== -1) return result;
  const at = Number(sym().__errno_location());
  return -new Int32Array(getNative().view(at, 4))[0];
}

/**
 * socket(2).
 *
 * @example
 * ```ts ignore
 * const fd = sysSocket(AF.INET, SOCK.STREAM | SOCK.CLOEXEC, 0);
 * ```
 */
export function sysSocket(domain: number, type: number, protocol: number): number {
  return ret(sym().socket(domain, type, protocol));
}

/**
 * setsockopt(2) of an `int` option.
 *
 * @example
 * ```ts ignore
 * sysSetsockoptInt(fd, SOL.SOCKET, SO.REUSEADDR, 1);
 * ```
 */
export function sysSetsockoptInt(fd: number, level: number, name: number, value: number): number {
  return ret(sym().setsockopt(fd, level, name, new Int32Array([value]), 4));
}

/**
 * getsockopt(2) of an `int` option: the value, or `-errno`.
 *
 * @example
 * ```ts ignore
 * console.log(sysGetsockoptInt(fd, SOL.TCP, TCP.NODELAY));
 * ```
 */
export function sysGetsockoptInt(fd: number, level: number, name: number): number {
  const v = new Int32Array(1), len = new Uint32Array([4]);
  const r = ret(sym().getsockopt(fd, level, name, v, len));
  return r < 0 ? r : v[0];
}

/**
 * bind(2) to the encoded `struct sockaddr` `addr` (its whole length).
 *
 * @example
 * ```ts ignore
 * sysBind(fd, sockaddr);
 * ```
 */
export function sysBind(fd: number, addr: Uint8Array): number {
  return ret(sym().bind(fd, addr, addr.byteLength));
}

/**
 * listen(2).
 *
 * @example
 * ```ts ignore
 * sysListen(fd, 511);
 * ```
 */
export function sysListen(fd: number, backlog: number): number {
  return ret(sym().listen(fd, backlog));
}

/**
 * connect(2); blocks unless `fd` is non-blocking (only used that way).
 *
 * @example
 * ```ts ignore
 * sysConnect(fd, sockaddr);
 * ```
 */
export function sysConnect(fd: number, addr: Uint8Array): number {
  return ret(sym().connect(fd, addr, addr.byteLength));
}

/**
 * getsockname(2) (`peer` false) or getpeername(2): the address bytes
 * (up to 128, `struct sockaddr_storage`), or `-errno`.
 *
 * @example
 * ```ts ignore
 * const sa = sysSockName(fd, false);
 * ```
 */
export function sysSockName(fd: number, peer: boolean): Uint8Array | number {
  const buf = new Uint8Array(128), len = new Uint32Array([128]);
  const r = ret(peer ? sym().getpeername(fd, buf, len) : sym().getsockname(fd, buf, len));
  return r < 0 ? r : buf.subarray(0, Math.min(len[0], 128));
}

/**
 * if_nametoindex(3): the interface's index, 0 if there is none so named.
 *
 * @example
 * ```ts ignore
 * console.log(sysIfIndex("lo")); // 1
 * ```
 */
export function sysIfIndex(name: string): number {
  return sym().if_nametoindex(new TextEncoder().encode(`${name}\0`)) >>> 0;
}

/**
 * close(2).
 *
 * @example
 * ```ts ignore
 * sysClose(fd);
 * ```
 */
export function sysClose(fd: number): number {
  return ret(sym().close(fd));
}
