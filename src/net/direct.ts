/**
 * Direct descriptors: connections that live only in the ring's registered
 * file table. An accept with `IORING_FILE_INDEX_ALLOC` (Linux 5.19,
 * `io_uring_prep_accept_direct`) puts each new socket in a free slot and
 * completes with the slot; every operation on the connection then names the
 * slot with IOSQE_FIXED_FILE, which spares the kernel the fd-table lookup and
 * reference count of each request (`io_file_get_fixed` instead of `fget`).
 * No regular descriptor exists until the user asks for one
 * ({@linkcode DirectConn.installFd}, IORING_OP_FIXED_FD_INSTALL, 6.8).
 *
 * Accepting: by default a few single-shot accepts kept in flight, never more
 * than the free slots. A multishot direct accept (`multishot: true`) costs
 * one SQE for all connections but is lossy at the edge: it accepts the whole
 * listen backlog in one go, and a connection accepted when no slot is free is
 * dropped by the kernel (io_accept → io_fixed_fd_install fails with ENFILE →
 * the socket is released; seen here: 6 pending connections, 4 free slots, 1
 * lost).
 *
 * The table ({@linkcode FileTable}, src/async/file_table.ts) is one per ring,
 * shared with fs, registered sparse (IORING_REGISTER_FILES2 +
 * IORING_RSRC_REGISTER_SPARSE, 5.19) on first use; accepts get the slots
 * above fs's reserved range (IORING_REGISTER_FILE_ALLOC_RANGE, 6.0).
 * Its size: the `size` option, else the soft RLIMIT_NOFILE capped at 4096
 * (the kernel refuses a table larger than RLIMIT_NOFILE: EMFILE). When few
 * slots are left (an eighth, at least 8) the accepts in flight are cancelled
 * and the table doubles, up to RLIMIT_NOFILE: each live slot is installed as
 * a regular descriptor, the larger table registered and the descriptors put
 * back in the same slots (Linux 6.13+; before, accepting waits for a slot to
 * be released). A slot is released when its connection closes (IORING_OP_CLOSE
 * with `file_index`).
 *
 * @module
 */
import type { AsyncOpOptions, AsyncRing, Multishot } from "../async/async_ring.ts";
import { Misc } from "../abi/flags.ts";
import { FileTable, type FileTableOptions, nofile } from "../async/file_table.ts";
import { Op } from "../abi/opcodes.ts";
import { prepAcceptDirect } from "../ops/net.ts";
import { ACCEPT_DIRECT_MULTISHOT } from "../ring/operations_multishot.ts";
import { requireOp } from "../ops/require.ts";
import { OPERATIONS } from "../ring/operations.ts";
import { checkBool, checkOptions, checkSignal } from "../ring/_args.ts";
import { UringError } from "../errors/uring_error.ts";
import { Errno } from "../errors/errno.ts";
import type { TcpListener } from "./listener.ts";
import { chunkStream } from "./conn.ts";
import type { RecvStream } from "./_recv_stream.ts";

export { FileTable, type FileTableOptions } from "../async/file_table.ts";

/**
 * Options of {@linkcode TcpListener.directConnections}.
 *
 * @example
 * ```ts
 * import type { DirectAcceptOptions } from "@jsuring/jsuring";
 * const opts: DirectAcceptOptions = { fileTable: { size: 16384 } };
 * ```
 */
export interface DirectAcceptOptions {
  /** Stop accepting: the iterator ends. */
  signal?: AbortSignal;
  /** The ring's file table, when this call registers it. */
  fileTable?: FileTableOptions;
  /**
   * One multishot accept for every connection (`io_uring_prep_multishot_accept_direct`)
   * instead of a few single-shot ones kept in flight (default false). The
   * kernel drops a connection it accepted while the table was full (ENFILE:
   * io_fixed_fd_install fails, the socket is released), and a multishot
   * accepts the whole listen backlog at once: use it only with a table
   * larger than the connections you will hold plus the backlog. It does not
   * grow the table.
   */
  multishot?: boolean;
}

/** Single-shot accepts kept in flight: each takes at most one slot, so no accept ever finds the table full. */
const DEPTH = 8;

function fullError(table: FileTable, cause: unknown): UringError {
  return new UringError(
    Errno.ENFILE,
    "accept_direct",
    `the ring's file table is full (${table._directSlots} slots for direct descriptors, ${table.used} in use) and cannot grow ` +
      `(RLIMIT_NOFILE ${nofile()}; growing needs Linux 6.13): pass fileTable: { size } or raise ulimit -n`,
    { cause },
  );
}

/**
 * @internal The direct accept behind `TcpListener.directConnections`;
 * `track` registers a stopper with the listener (which calls its `return()` on close).
 */
export async function* acceptDirect(
  listener: TcpListener,
  options: DirectAcceptOptions,
  track: (ms: Multishot) => () => void,
): AsyncGenerator<DirectConn> {
  checkOptions(options, "directConnections options", ["signal", "fileTable", "multishot"]);
  if (options.signal !== undefined) checkSignal(options.signal, "directConnections options.signal");
  const multishot = options.multishot !== undefined &&
    checkBool(options.multishot, "directConnections options.multishot");
  const ring = listener.ring;
  // 5.19: IORING_FILE_INDEX_ALLOC (the SOCKET opcode came with it).
  requireOp(ring.ring, Op.SOCKET, "accept_direct with IORING_FILE_INDEX_ALLOC");
  const table = FileTable.of(ring, options.fileTable);
  if (listener.fd < 0) return;
  // TCP_NODELAY: listen() sets it on the listener; accepted sockets inherit it.
  if (multishot) {
    yield* acceptMultishot(listener, table, options.signal, track);
    return;
  }
  // A few single-shot accept_direct kept in flight, never more than the free
  // slots: lossless, and the table grows (with no accept in flight) when
  // nearly full. Connections wait in the listen backlog meanwhile.
  const fd = listener.fd;
  const ready: number[] = [];
  let inflight = 0, stopped = false, error: unknown, wake: (() => void) | undefined;
  let ac = new AbortController();
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const stop = () => {
    stopped = true;
    ac.abort();
    poke();
  };
  const untrack = track({ return: () => Promise.resolve(stop()) } as unknown as Multishot);
  options.signal?.addEventListener("abort", stop, { once: true });
  const reserve = () => Math.max(DEPTH, table._directSlots >> 3);
  let pausing = false;
  const arm = () => {
    while (!stopped && !pausing && error === undefined && inflight < DEPTH) {
      const free = table._directSlots - table.used - inflight;
      if (free <= reserve() && table._canGrow()) {
        pausing = true; // grow once the accepts in flight are back
        ac.abort();
        return;
      }
      if (free <= 0) return; // full for good: wait for a slot to be released
      inflight++;
      ring.op(
        "accept_direct",
        (s, at) => prepAcceptDirect(s, at, fd, 0, 0, 0, Misc.FILE_INDEX_ALLOC),
        undefined,
        {
          signal: ac.signal,
        },
      ).then((slot) => {
        table._took(slot);
        ready.push(slot);
      }, (e) => {
        // The ring closing ends accepting cleanly, as it ends a multishot.
        if (ring.closed) stopped = true;
        else if (!(e instanceof DOMException && e.name === "AbortError") && !(ac.signal.aborted || stopped)) {
          error ??= e;
        }
      }).finally(() => {
        inflight--;
        poke();
      });
    }
  };
  table._onRelease(poke);
  try {
    while (true) {
      if (ready.length && !stopped) {
        yield new DirectConn(ready.shift()!, table);
        continue;
      }
      if (stopped || listener.fd < 0) break;
      if (error !== undefined) {
        throw error instanceof UringError && error.errno === Errno.ENFILE ? fullError(table, error) : error;
      }
      if (pausing && inflight === 0) {
        await table.grow();
        pausing = false;
        ac = new AbortController();
      }
      arm();
      if (ready.length || stopped || error !== undefined || (pausing && inflight === 0)) continue;
      await new Promise<void>((r) => wake = r);
    }
  } finally {
    table._offRelease(poke);
    options.signal?.removeEventListener("abort", stop);
    untrack();
    stopped = true;
    ac.abort();
    // Accepted after the consumer stopped: nobody will use them.
    while (inflight > 0) await new Promise<void>((r) => wake = r);
    for (const slot of ready.splice(0)) await table.release(slot);
  }
}

async function* acceptMultishot(
  listener: TcpListener,
  table: FileTable,
  signal: AbortSignal | undefined,
  track: (ms: Multishot) => () => void,
): AsyncGenerator<DirectConn> {
  const fd = listener.fd, ring = listener.ring;
  const ms = ring.multishotOf(ACCEPT_DIRECT_MULTISHOT, [fd], {
    signal,
    // Accepted after the consumer stopped: release the slot.
    discard: (slot) => {
      table._took(slot);
      void table.release(slot);
    },
  });
  const untrack = track(ms);
  try {
    for await (const { res } of ms) {
      table._took(res);
      yield new DirectConn(res, table);
    }
  } catch (e) {
    throw e instanceof UringError && e.errno === Errno.ENFILE ? fullError(table, e) : e;
  } finally {
    untrack();
    await ms.return();
  }
}

/** `options` with `fixedFile: true` (the slot is the SQE's fd). */
function fixed(options: AsyncOpOptions | undefined): AsyncOpOptions {
  return options === undefined ? FIXED : { ...options, fixedFile: true };
}
const FIXED: AsyncOpOptions = Object.freeze({ fixedFile: true });

/**
 * A TCP connection on a fixed-file slot (from
 * {@linkcode TcpListener.directConnections}): every operation uses
 * IOSQE_FIXED_FILE. {@linkcode DirectConn.installFd} gives a regular
 * descriptor when something outside the ring needs one.
 *
 * @example
 * ```ts
 * import { connect, listen } from "@jsuring/jsuring";
 * await using server = await listen();
 * const client = await connect({ port: server.port });
 * for await (const conn of server.directConnections()) {
 *   await client.sendAll(new TextEncoder().encode("hi"));
 *   const buf = new Uint8Array(2);
 *   await conn.recv(buf);
 *   await conn.close();
 *   break;
 * }
 * await client.close();
 * ```
 */
export class DirectConn implements AsyncDisposable {
  /** The fixed-file slot (-1 once closed). */
  slot: number;
  /** The table the slot is in. */
  readonly table: FileTable;
  /** The ring its operations go through. */
  readonly ring: AsyncRing;
  #streams = new Set<RecvStream>();

  /** @internal */
  constructor(slot: number, table: FileTable) {
    this.slot = slot;
    this.table = table;
    this.ring = table.ring;
  }

  #closed(what: string): Promise<never> | undefined {
    return this.slot < 0 ? Promise.reject(new TypeError(`${what}: the connection is closed`)) : undefined;
  }

  /**
   * Receive into `buffer` (IORING_OP_RECV on the slot); 0: the peer closed its side.
   *
   * @example
   * ```ts ignore
   * const n = await conn.recv(new Uint8Array(4096));
   * ```
   */
  recv(buffer: ArrayBufferView, options?: AsyncOpOptions): Promise<number> {
    return this.#closed("recv") ?? this.ring.recv(this.slot, buffer, 0, fixed(options));
  }

  /**
   * Send `buffer` once (IORING_OP_SEND on the slot); may be short.
   *
   * @example
   * ```ts ignore
   * const n = await conn.send(bytes);
   * ```
   */
  send(buffer: ArrayBufferView, options?: AsyncOpOptions): Promise<number> {
    return this.#closed("send") ?? this.ring.send(this.slot, buffer, 0, false, fixed(options));
  }

  /**
   * Send all of `buffer`, continuing after short sends; calls on one
   * connection go out in call order, never interleaved.
   *
   * @example
   * ```ts ignore
   * await conn.sendAll(new TextEncoder().encode("hello"));
   * ```
   */
  sendAll(buffer: ArrayBufferView, options?: AsyncOpOptions): Promise<void> {
    // One sendAll after another: a short send's rest must go out before the
    // next call's bytes, or two concurrent calls would interleave on the stream.
    const run = () => this.#sendAll(buffer, options);
    const p = this.#sending.then(run, run);
    this.#sending = p.catch(() => {});
    return p;
  }

  #sending: Promise<void> = Promise.resolve();

  async #sendAll(buffer: ArrayBufferView, options?: AsyncOpOptions): Promise<void> {
    if (!ArrayBuffer.isView(buffer)) {
      throw new TypeError(`sendAll data must be a TypedArray or DataView, got ${typeof buffer}`);
    }
    let bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    while (bytes.length > 0) bytes = bytes.subarray(await this.send(bytes, options));
  }

  /**
   * Received bytes as they arrive: a multishot recv on the slot into the
   * ring's shared buffer ring for direct connections; each chunk is valid
   * until the next iteration. Ends when the peer closes.
   *
   * @example
   * ```ts ignore
   * for await (const chunk of conn.chunks()) await conn.sendAll(chunk);
   * ```
   */
  chunks(
    options: { bufferSize?: number; buffers?: number; signal?: AbortSignal } = {},
  ): AsyncIterableIterator<Uint8Array> {
    return chunkStream(this.ring, this.#streams, () => this.slot, true, options);
  }

  /**
   * shutdown(2) on the slot: `SHUT.WR` (default: send FIN), `SHUT.RD`, `SHUT.RDWR`.
   *
   * @example
   * ```ts ignore
   * await conn.shutdown();
   * ```
   */
  shutdown(how = 1, options?: AsyncOpOptions): Promise<number> {
    return this.#closed("shutdown") ?? this.ring.run(OPERATIONS.SHUTDOWN, [this.slot, how], fixed(options));
  }

  /**
   * A regular descriptor for this connection (IORING_OP_FIXED_FD_INSTALL,
   * Linux 6.8), O_CLOEXEC unless `cloexec: false`. The slot stays: close
   * both (the descriptor with `closeFd`, the connection with `close()`).
   *
   * @example
   * ```ts ignore
   * const fd = await conn.installFd();
   * ```
   */
  installFd(options: { cloexec?: boolean } = {}): Promise<number> {
    return this.#closed("installFd") ?? this.table.install(this.slot, options);
  }

  /**
   * Close: receive streams end, then the slot is emptied (the socket
   * closes once no operation uses it).
   *
   * @example
   * ```ts ignore
   * await conn.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.slot < 0) return;
    const slot = this.slot;
    for (const s of this.#streams) await s.return();
    this.slot = -1;
    await this.table.release(slot);
  }

  /** Close. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

