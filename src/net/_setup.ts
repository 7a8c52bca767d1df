/**
 * Making sockets: through the ring where the kernel has the opcodes
 * (IORING_OP_SOCKET 5.19; IORING_OP_BIND and IORING_OP_LISTEN 6.11; socket
 * options through the socket `uring_cmd` SETSOCKOPT, 6.7), else through the
 * libc system calls (`src/runtime/sockets.ts`). Chosen per ring by probe
 * (and by the kernel version, so `pretendKernelVersion` exercises the
 * fallback); `setup: "syscalls"` forces the fallback, `setup: "ring"`
 * insists on the ring (an {@linkcode UnsupportedOpError} where it cannot).
 *
 * @module
 */
import type { AsyncRing } from "../async/async_ring.ts";
import { AF, SOCK } from "../abi/linux.ts";
import { Op } from "../abi/opcodes.ts";
import { SocketCmd } from "../abi/flags.ts";
import { prepBind, prepCmdSock, prepListen, prepSocket } from "../ops/net.ts";
import { opSupported, requireOp } from "../ops/require.ts";
import { kernelAtLeast } from "../errors/hints.ts";
import { UringError } from "../errors/uring_error.ts";
import { Errno } from "../errors/errno.ts";
import { getNative } from "../runtime/_ffi.ts";
import { sysBind, sysClose, sysListen, sysSetsockoptInt, sysSocket } from "../runtime/sockets.ts";
import type { Addr } from "./address.ts";
import { SocketError, socketError } from "./errors.ts";

/**
 * How sockets are made: `"auto"` (default: the ring where the kernel has
 * the opcodes, chosen by probe), `"ring"` (insist: fails where the kernel
 * lacks them) or `"syscalls"` (socket(2), setsockopt(2), bind(2), listen(2)
 * through libc, as on kernels before 6.11).
 *
 * @example
 * ```ts
 * import { listen, type SocketSetup } from "@jsuring/jsuring";
 * const setup: SocketSetup = "syscalls";
 * await using server = await listen({ port: 0, setup });
 * ```
 */
export type SocketSetup = "auto" | "ring" | "syscalls";

/** The accepted values of {@linkcode SocketSetup}. */
export const SOCKET_SETUPS: readonly SocketSetup[] = ["auto", "ring", "syscalls"];

/** An `int` socket option: level, name, value. */
export type IntOption = readonly [level: number, name: number, value: number];

const LISTEN_BY_RING = new WeakMap<AsyncRing, boolean>();

/** Whether `ring` makes listeners itself: SOCKET, URING_CMD, BIND and LISTEN probed, and Linux 6.11. */
function ringListens(ring: AsyncRing): boolean {
  let yes = LISTEN_BY_RING.get(ring);
  if (yes === undefined) {
    const r = ring.ring;
    yes = kernelAtLeast("6.11") && opSupported(r, Op.SOCKET) && opSupported(r, Op.URING_CMD) &&
      opSupported(r, Op.BIND) && opSupported(r, Op.LISTEN);
    LISTEN_BY_RING.set(ring, yes);
  }
  return yes;
}

/** Whether `ring` makes sockets itself: IORING_OP_SOCKET (5.19). */
function ringSockets(ring: AsyncRing): boolean {
  return kernelAtLeast("5.19") && opSupported(ring.ring, Op.SOCKET);
}

/**
 * A new `SOCK_STREAM | SOCK_CLOEXEC` (or `type`) socket of `domain`.
 *
 * @example
 * ```ts ignore
 * const fd = await openSocket(ring, AF.INET6, SOCK.STREAM, "auto", addr);
 * ```
 */
export async function openSocket(
  ring: AsyncRing,
  domain: number,
  type: number,
  setup: SocketSetup,
  addr: Addr,
): Promise<number> {
  if (setup === "ring") requireOp(ring.ring, Op.SOCKET, 'socket through the ring (setup: "ring")');
  if (setup === "syscalls" || !ringSockets(ring)) {
    const fd = sysSocket(domain, type | SOCK.CLOEXEC, 0);
    if (fd < 0) throw new SocketError(-fd, "socket", addr);
    return fd;
  }
  try {
    return await ring.op("socket", (s, at) => prepSocket(s, at, domain, type | SOCK.CLOEXEC, 0, 0));
  } catch (e) {
    throw socketError(e, "socket", addr);
  }
}

/**
 * A listening socket: socket, the `int` options, bind to `sa`, listen. On
 * the ring, the options, bind and listen go as one linked chain (one
 * submission, each step only after the previous succeeded).
 *
 * @returns the descriptor and the path taken
 *
 * @example
 * ```ts ignore
 * const { fd } = await makeListener(ring, AF.INET, sa, [[SOL.SOCKET, SO.REUSEADDR, 1]], 511, "auto", addr);
 * ```
 */
export async function makeListener(
  ring: AsyncRing,
  domain: number,
  sa: Uint8Array,
  options: readonly IntOption[],
  backlog: number,
  setup: SocketSetup,
  addr: Addr,
): Promise<{ fd: number; via: "ring" | "syscalls" }> {
  if (setup === "ring") {
    for (const op of [Op.SOCKET, Op.URING_CMD, Op.BIND, Op.LISTEN]) {
      requireOp(ring.ring, op, 'listen through the ring (setup: "ring")');
    }
  }
  const byRing = setup === "ring" || (setup === "auto" && ringListens(ring));
  const fd = await openSocket(ring, domain, SOCK.STREAM, byRing ? "ring" : "syscalls", addr);
  try {
    if (byRing) {
      const ok = await ringBindListen(ring, fd, sa, options, backlog, addr, setup === "ring");
      if (ok) return { fd, via: "ring" };
    }
    sysBindListen(fd, sa, options, backlog, addr);
    return { fd, via: "syscalls" };
  } catch (e) {
    if (byRing && !ring.closed) await ring.closeFd(fd).catch(() => {});
    else sysClose(fd);
    throw e;
  }
}

/**
 * The options, bind and listen as one chain. False (nothing bound) when
 * the kernel refused the socket `uring_cmd` (EOPNOTSUPP/EINVAL: a kernel
 * without it, whatever its version says), unless `strict`.
 */
async function ringBindListen(
  ring: AsyncRing,
  fd: number,
  sa: Uint8Array,
  options: readonly IntOption[],
  backlog: number,
  addr: Addr,
  strict: boolean,
): Promise<boolean> {
  const native = getNative();
  // One int per option, alive until its CQE (kept by the op).
  const values = options.map(([, , v]) => new Int32Array([v]));
  try {
    await ring.chain((r) => [
      ...options.map(([level, name], i) =>
        r.op(
          "setsockopt",
          (s, at) =>
            prepCmdSock(s, at, SocketCmd.SETSOCKOPT, fd, level, name, native.addressOf(values[i]), 4),
          values[i],
        )
      ),
      r.op("bind", (s, at) => prepBind(s, at, fd, native.addressOf(sa), sa.byteLength), sa),
      r.op("listen", (s, at) => prepListen(s, at, fd, backlog)),
    ]);
    return true;
  } catch (e) {
    const op = e instanceof UringError ? e.op : "listen";
    if (
      !strict && op === "setsockopt" && e instanceof UringError &&
      (e.errno === Errno.EOPNOTSUPP || e.errno === Errno.EINVAL)
    ) {
      return false;
    }
    throw socketError(e, op, addr);
  }
}

function sysBindListen(
  fd: number,
  sa: Uint8Array,
  options: readonly IntOption[],
  backlog: number,
  addr: Addr,
): void {
  for (const [level, name, value] of options) {
    const r = sysSetsockoptInt(fd, level, name, value);
    if (r < 0) throw new SocketError(-r, "setsockopt", addr);
  }
  let r = sysBind(fd, sa);
  if (r < 0) throw new SocketError(-r, "bind", addr);
  r = sysListen(fd, backlog);
  if (r < 0) throw new SocketError(-r, "listen", addr);
}

/** The `AF_*` of an address. */
export function domainOf(addr: Addr): number {
  return addr.transport === "unix" ? AF.UNIX : addr.family === "IPv6" ? AF.INET6 : AF.INET;
}

/** A `transport` option (Deno's spelling) agrees with the address given: `"unix"` with a `path`. */
export function checkTransport(transport: unknown, hasPath: boolean, where: string): void {
  if (transport === undefined) return;
  if (transport !== "tcp" && transport !== "unix") {
    throw new TypeError(
      `${where}: transport must be "tcp" or "unix", got ${JSON.stringify(transport)} (${typeof transport})`,
    );
  }
  if (transport === "unix" && !hasPath) throw new TypeError(`${where}: transport "unix" needs a path`);
  if (transport === "tcp" && hasPath) {
    throw new TypeError(`${where}: transport "tcp" does not take a path (a path is a Unix socket)`);
  }
}
