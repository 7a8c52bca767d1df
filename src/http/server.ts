/**
 * `serveDir`: the static file server, in one thread or in one worker thread
 * per core, each with its own ring (see `_engine.ts` for what one thread
 * does). Workers accept on one listening socket the calling thread made
 * (threads share descriptors, so no SO_REUSEPORT group is needed) and count
 * into a shared array the calling thread sums on demand.
 *
 * @module
 */
import { realpathSync, statSync } from "node:fs";
import { listen } from "../net/mod.ts";
import { defaultRing, FsError } from "../fs/mod.ts";
import { DEFAULT_LIMITS, type HeadLimits } from "./parse.ts";
import type { FetchHandler } from "./_fetch.ts";
import { startEngine } from "./_engine.ts";
import { FIELDS, SlotCounters, SumCounters } from "./_counters.ts";
import { checkBool, checkFn, checkInt, checkSignal, rangeError, typeError } from "../ring/_args.ts";

export type { FetchHandler } from "./_fetch.ts";

/**
 * Limits of {@linkcode serveDir}, with safe defaults for the open internet.
 *
 * @example
 * ```ts
 * import type { ServerLimits } from "@jsuring/jsuring";
 * const limits: Partial<ServerLimits> = { headerTimeout: 5000, maxConnections: 2000 };
 * ```
 */
export interface ServerLimits extends HeadLimits {
  /** Open connections; more are closed at accept (default 10000). */
  maxConnections: number;
  /** Requests on one connection before it is closed (default 1000, as nginx's keepalive_requests). */
  maxRequestsPerConnection: number;
  /** ms from a request's first byte (or the accept) to its complete head; then the connection is closed (default 10000). */
  headerTimeout: number;
  /** ms a keep-alive connection may wait for its next request (default 60000). */
  idleTimeout: number;
  /** ms a send may make no progress before the connection is closed (default 30000). */
  sendTimeout: number;
}

/**
 * The defaults of {@linkcode ServerLimits}.
 *
 * @example
 * ```ts
 * import { DEFAULT_SERVER_LIMITS } from "@jsuring/jsuring";
 * console.log(DEFAULT_SERVER_LIMITS.headerTimeout); // 10000
 * ```
 */
export const DEFAULT_SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze({
  ...DEFAULT_LIMITS,
  maxConnections: 10_000,
  maxRequestsPerConnection: 1000,
  headerTimeout: 10_000,
  idleTimeout: 60_000,
  sendTimeout: 30_000,
});

/**
 * Options of {@linkcode serveDir}.
 *
 * @example
 * ```ts
 * import type { ServeDirOptions } from "@jsuring/jsuring";
 * const opts: ServeDirOptions = { root: "./public", port: 8080, cors: true, limits: { idleTimeout: 5000 } };
 * ```
 */
export interface ServeDirOptions {
  /** The directory served. */
  root: string;
  /** Port (default 8000; 0: any free port, see {@linkcode FileServer.port}). */
  port?: number;
  /** IPv4 address to bind (default "0.0.0.0"). */
  hostname?: string;
  /** Stops the server gracefully when aborted (as {@linkcode FileServer.shutdown}). */
  signal?: AbortSignal;
  /** The file served for a directory (default "index.html"; false: none). */
  index?: string | false;
  /**
   * Follow symlinks that stay inside the root (default false: no symlink is
   * followed; one leading outside the root is refused either way).
   */
  followSymlinks?: boolean;
  /** Serve files and directories whose name starts with "." (default false: 404). */
  dotfiles?: boolean;
  /** CORS: true adds `Access-Control-Allow-Origin: *`; a string names the allowed origin. */
  cors?: boolean | string;
  /** An HTML listing for directories without an index (default false). */
  listing?: boolean;
  /** Handler for what the static layer does not serve (other methods, missing files). */
  fetch?: FetchHandler;
  /** Limits (defaults: {@linkcode DEFAULT_SERVER_LIMITS}). */
  limits?: Partial<ServerLimits>;
  /** Called once per response with an access-log line: `ADDR:PORT ISO-TIME "METHOD TARGET HTTP/1.x" STATUS BYTES`. */
  onLog?: (line: string) => void;
  /** Files up to this size are kept in memory and sent with their head in one send (default 64 KiB). */
  smallFileSize?: number;
  /**
   * Pipes per server thread for sending large files by splice (file → pipe →
   * socket, no copy through user memory; default 64, 0: never splice). Each
   * asks for 1 MiB (`fs.pipe-max-size`); while all are busy, large files are
   * read and sent through a buffer instead.
   */
  splicePipes?: number;
  /** Ring entries (default 1024). */
  entries?: number;
  /** Server threads, each with its own ring, accepting on the same socket (default 1). */
  workers?: number;
  /** ms a cached file is trusted before a statx checks it again (default 1000; 0: every request). */
  revalidate?: number;
}

/**
 * Live counters of a server (read them any time).
 *
 * @example
 * ```ts
 * import type { ServerCounters } from "@jsuring/jsuring";
 * const c: ServerCounters = { requests: 0, bytes: 0, connections: 0, errors: 0, timeouts: 0, accepted: 0 };
 * ```
 */
export interface ServerCounters {
  /** Requests answered. */
  requests: number;
  /** Bytes sent. */
  bytes: number;
  /** Connections open now. */
  connections: number;
  /** Responses with status ≥ 400, and connections ended by an I/O error. */
  errors: number;
  /** Connections closed by the header, idle or send timeout. */
  timeouts: number;
  /** Connections accepted in all. */
  accepted: number;
}

/**
 * A running file server (from {@linkcode serveDir}).
 *
 * @example
 * ```ts
 * import { serveDir } from "@jsuring/jsuring";
 * await using server = await serveDir({ root: ".", port: 0, hostname: "127.0.0.1" });
 * console.log(server.url, server.counters.requests);
 * ```
 */
export class FileServer implements AsyncDisposable {
  /** The address bound. */
  readonly hostname: string;
  /** The port bound. */
  readonly port: number;
  /** Counters, live (summed over the worker threads). */
  readonly counters: ServerCounters;
  /** Server threads. */
  readonly workers: number;
  /** Resolves once the server has stopped. */
  readonly finished: Promise<void>;
  #stop: () => Promise<void>;
  #shutdown: Promise<void> | undefined;
  #done!: () => void;

  /** @internal */
  constructor(
    hostname: string,
    port: number,
    counters: ServerCounters,
    workers: number,
    stop: () => Promise<void>,
    signal: AbortSignal | undefined,
  ) {
    this.hostname = hostname;
    this.port = port;
    this.counters = counters;
    this.workers = workers;
    this.#stop = stop;
    this.finished = new Promise((r) => this.#done = r);
    if (signal?.aborted) void this.shutdown();
    else signal?.addEventListener("abort", () => void this.shutdown(), { once: true });
  }

  /** `http://HOST:PORT/` (127.0.0.1 when bound to every address). */
  get url(): string {
    return `http://${this.hostname === "0.0.0.0" ? "127.0.0.1" : this.hostname}:${this.port}/`;
  }

  /**
   * Stop gracefully: stop accepting, let requests in flight finish, close
   * idle connections; resolves once every connection is closed.
   *
   * @example
   * ```ts
   * import { serveDir } from "@jsuring/jsuring";
   * const server = await serveDir({ root: ".", port: 0 });
   * await server.shutdown();
   * ```
   */
  shutdown(): Promise<void> {
    return this.#shutdown ??= this.#stop().then(() => this.#done());
  }

  /** Same as {@linkcode FileServer.shutdown}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}

/** The types of the options serveDir does not check where it uses them (issue 10). */
function checkOptionTypes(o: ServeDirOptions): void {
  const what = (k: string) => `serveDir options.${k}`;
  if (o.hostname !== undefined && typeof o.hostname !== "string") {
    throw typeError(what("hostname"), 'an address such as "127.0.0.1" or "::"', o.hostname);
  }
  if (o.signal !== undefined) checkSignal(o.signal, what("signal"));
  for (const k of ["followSymlinks", "dotfiles", "listing"] as const) {
    if (o[k] !== undefined) checkBool(o[k], what(k));
  }
  if (o.cors !== undefined && typeof o.cors !== "boolean" && typeof o.cors !== "string") {
    throw typeError(what("cors"), "true, false or an origin string", o.cors);
  }
  if (o.fetch !== undefined) checkFn(o.fetch, what("fetch"));
  if (o.onLog !== undefined) checkFn(o.onLog, what("onLog"));
  if (o.smallFileSize !== undefined) checkInt(o.smallFileSize, what("smallFileSize"), 0, 0x7ffff000);
  if (o.entries !== undefined) checkInt(o.entries, what("entries"), 1, 32768);
  if (o.revalidate !== undefined) {
    if (typeof o.revalidate !== "number") {
      throw typeError(what("revalidate"), "milliseconds ≥ 0", o.revalidate);
    }
    if (!(o.revalidate >= 0)) throw rangeError(what("revalidate"), "milliseconds ≥ 0", o.revalidate);
  }
  if (o.limits !== undefined && (o.limits === null || typeof o.limits !== "object")) {
    throw typeError(what("limits"), "an object of limits (see DEFAULT_SERVER_LIMITS)", o.limits);
  }
  if (o.port !== undefined && typeof o.port !== "number") {
    throw typeError(what("port"), "an integer 0..65535", o.port);
  }
  if (o.workers !== undefined && typeof o.workers !== "number") {
    throw typeError(what("workers"), "an integer 1..256", o.workers);
  }
}

function corsHeaders(cors: boolean | string | undefined): string {
  if (!cors) return "";
  if (cors === true || cors === "*") return "Access-Control-Allow-Origin: *\r\n";
  if (/[\r\n]/.test(cors)) {
    throw new TypeError(`cors must be true or an origin, got ${JSON.stringify(cors)} (string)`);
  }
  return `Access-Control-Allow-Origin: ${cors}\r\nVary: Origin\r\n`;
}

const KNOWN_OPTIONS = new Set([
  "root",
  "port",
  "hostname",
  "signal",
  "index",
  "dotfiles",
  "cors",
  "listing",
  "fetch",
  "limits",
  "onLog",
  "smallFileSize",
  "splicePipes",
  "entries",
  "workers",
  "revalidate",
  "followSymlinks",
]);

/**
 * Serve the files under `root` over HTTP/1.1.
 *
 * @example
 * ```ts
 * import { serveDir } from "@jsuring/jsuring";
 * const server = await serveDir({ root: ".", port: 0, hostname: "127.0.0.1" });
 * const res = await fetch(`${server.url}deno.json`);
 * console.log(res.status, res.headers.get("content-type"));
 * await res.arrayBuffer();
 * await server.shutdown();
 * ```
 */
export async function serveDir(options: ServeDirOptions): Promise<FileServer> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `serveDir options must be an object, got ${JSON.stringify(options)} (${typeof options})`,
    );
  }
  for (const k of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(k)) {
      throw new TypeError(
        `unknown serveDir option ${JSON.stringify(k)}; known options: ${[...KNOWN_OPTIONS].join(", ")}`,
      );
    }
  }
  checkOptionTypes(options);
  if (typeof options.root !== "string" || options.root === "") {
    throw new TypeError(
      `root must be a directory path, got ${JSON.stringify(options.root)} (${typeof options.root})`,
    );
  }
  const limits: ServerLimits = { ...DEFAULT_SERVER_LIMITS };
  for (const [k, v] of Object.entries(options.limits ?? {})) {
    if (!(k in DEFAULT_SERVER_LIMITS)) {
      throw new TypeError(
        `unknown limit ${JSON.stringify(k)}; known limits: ${Object.keys(DEFAULT_SERVER_LIMITS).join(", ")}`,
      );
    }
    if (!Number.isInteger(v) || (v as number) < 1) {
      throw new (typeof v === "number" ? RangeError : TypeError)(
        `limits.${k} must be a positive integer, got ${JSON.stringify(v)} (${typeof v})`,
      );
    }
    (limits as unknown as Record<string, number>)[k] = v as number;
  }
  const index = options.index;
  if (
    index !== undefined && index !== false &&
    (typeof index !== "string" || index === "" || index.includes("/"))
  ) {
    throw new TypeError(`index must be a file name or false, got ${JSON.stringify(index)} (${typeof index})`);
  }
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
    throw new RangeError(
      `workers must be an integer 1..256, got ${JSON.stringify(workers)} (${typeof workers})`,
    );
  }
  if (workers > 1 && options.fetch) {
    throw new TypeError(
      "a fetch handler cannot cross to worker threads: use workers: 1, or start serveDir in each of your own workers",
    );
  }
  const pipes = options.splicePipes ?? 64;
  if (!Number.isInteger(pipes) || pipes < 0 || pipes > 4096) {
    throw new RangeError(
      `splicePipes must be an integer 0..4096, got ${JSON.stringify(pipes)} (${typeof pipes})`,
    );
  }
  const port = options.port ?? 8000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be an integer 0..65535, got ${JSON.stringify(port)} (${typeof port})`);
  }
  const extra = corsHeaders(options.cors);
  let root: string;
  try {
    root = realpathSync(options.root);
  } catch (e) {
    // ENOENT/ENOTDIR/EACCES as an FsError naming the root; Deno's NotCapable (no --allow-read) as it is.
    const errno = (e as { errno?: unknown }).errno;
    if (typeof errno !== "number") throw e;
    throw new FsError(-errno, "serveDir root", options.root, undefined, undefined, { cause: e });
  }
  if (!statSync(root).isDirectory()) throw new FsError(20, "serveDir root", options.root); // ENOTDIR
  const o: ServeDirOptions = { ...options, root };
  const hostname = o.hostname ?? "0.0.0.0";
  const shared = new Float64Array(new SharedArrayBuffer(8 * FIELDS * workers));
  if (workers === 1) {
    const engine = await startEngine(o, limits, extra, new SlotCounters(shared, 0), { port });
    return new FileServer(
      hostname,
      engine.port,
      new SumCounters(shared, 1),
      1,
      () => engine.shutdown(),
      o.signal,
    );
  }
  // Worker threads: the listening socket is made here and shared.
  const listener = await listen({ host: hostname, port, ring: defaultRing() });
  const { fetch: _f, signal: _s, onLog, ...plain } = o;
  const threads: Worker[] = [];
  const started: Promise<void>[] = [];
  for (let i = 0; i < workers; i++) {
    const w = new Worker(new URL("./_worker.ts", import.meta.url).href, { type: "module" });
    threads.push(w);
    started.push(
      new Promise<void>((resolve, reject) => {
        w.onmessage = (ev: MessageEvent) => {
          const m = ev.data;
          if (m.type === "ready") resolve();
          else if (m.type === "error") reject(new Error(`serveDir worker ${i}: ${m.message}`));
          else if (m.type === "log") onLog?.(m.line);
        };
        w.onerror = (e) => reject(new Error(`serveDir worker ${i}: ${(e as ErrorEvent).message ?? e}`));
      }),
    );
    w.postMessage({
      type: "start",
      options: plain,
      limits,
      extra,
      log: !!onLog,
      counters: shared.buffer,
      slot: i,
      fd: listener.fd,
      port: listener.port,
    });
  }
  const stopAll = async () => {
    await Promise.all(threads.map((w) =>
      new Promise<void>((resolve) => {
        const prev = w.onmessage;
        w.onmessage = (ev: MessageEvent) => {
          if (ev.data.type === "stopped") resolve();
          else prev?.call(w, ev);
        };
        w.postMessage({ type: "stop" });
      })
    ));
    for (const w of threads) w.terminate();
    await listener.close();
  };
  try {
    await Promise.all(started);
  } catch (e) {
    for (const w of threads) w.terminate();
    await listener.close();
    throw e;
  }
  return new FileServer(
    hostname,
    listener.port,
    new SumCounters(shared, workers),
    workers,
    stopAll,
    o.signal,
  );
}
