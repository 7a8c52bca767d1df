/**
 * The only module that knows Deno from Bun: loading a native library, the
 * address of a buffer, an ArrayBuffer over a native address, and a forced GC
 * for tests. Everything else in jsuring calls these.
 *
 * `bun:ffi` is reached through `import.meta.require` so that Deno (and jsr's
 * module graph) never tries to resolve a `bun:` specifier.
 *
 * @module
 */
import type { FfiType, SymbolTable } from "../../ffi/symbols.ts";

/**
 * Which runtime we are on.
 *
 * @example
 * ```ts
 * import type { RuntimeName } from "@jsuring/jsuring";
 * const runtime: RuntimeName = "Bun" in globalThis ? "bun" : "deno";
 * ```
 */
export type RuntimeName = "deno" | "bun";

/** A loaded library: its functions, typed loosely (the tables give the shapes). */
export interface NativeLibrary {
  // deno-lint-ignore no-explicit-any
  readonly symbols: Record<string, (...args: any[]) => any>;
  close(): void;
}

/**
 * A C function pointer (`void (*)(void)`) that any native thread may call:
 * the runtime queues the call onto the JS thread and the native caller does
 * not wait for it. While referenced it keeps the process alive.
 */
export interface ThreadsafeCallback {
  /** The function pointer, for passing to C as a `u64`. */
  readonly pointer: number;
  /** Keep the process alive while a call may come (Deno; Bun: a timer does it). */
  ref(): void;
  /** Let the process exit even if a call could still come. */
  unref(): void;
  /** Free the trampoline; no native thread may call it afterwards. */
  close(): void;
}

/**
 * Reads of a file descriptor through the runtime's own event loop (its
 * epoll), for an eventfd: each `read()` settles when the fd had something.
 * A pending read keeps the process alive; `cancel()` ends it (the fd stays open).
 */
export interface FdReader {
  /** Resolves once the fd was readable (and has been read). */
  read(): Promise<unknown>;
  /** Stop reading; a pending read settles. */
  cancel(): void;
}

/** What the rest of the library needs from the runtime. */
export interface Native {
  readonly name: RuntimeName;
  /** dlopen `path` with `table`; `aliases` maps a key to its C name. */
  open(
    path: string,
    table: SymbolTable,
    aliases?: Readonly<Record<string, string>>,
  ): NativeLibrary;
  /** The address of `view`'s first byte; stable while the buffer is alive. */
  addressOf(view: ArrayBufferView | ArrayBuffer): number;
  /** An ArrayBuffer aliasing `length` bytes of native memory at `address`. */
  view(address: number, length: number): ArrayBuffer;
  /** A full garbage collection, or false if this process cannot force one. */
  gc(): boolean;
  /** A `void (*)(void)` that native threads may call; see {@linkcode ThreadsafeCallback}. */
  threadsafeCallback(fn: () => void): ThreadsafeCallback;
  /**
   * Whether symbols declared `nonblocking` really run off the JS thread and
   * return a Promise (Deno); on Bun they are plain synchronous calls.
   */
  readonly nonblockingCalls: boolean;
  /**
   * A handle that keeps the event loop alive while referenced and costs
   * nothing (a never-firing timer). For wakers whose native side does not.
   */
  keepAlive(): { ref(): void; unref(): void; close(): void };
  /**
   * Watch `fd` with the runtime's own fd polling, or undefined where the
   * runtime cannot (Deno has no public API for a raw fd; Bun reads a
   * non-regular fd such as an eventfd through its event loop).
   */
  fdReader(fd: number): FdReader | undefined;
}

function timerKeepAlive(): { ref(): void; unref(): void; close(): void } {
  // A ~12-day interval never fires in practice; ref()/unref() toggle whether
  // it holds the loop open (node:timers semantics, in Deno and in Bun).
  const t = setInterval(() => {}, 0x3fffffff) as unknown as {
    ref(): void;
    unref(): void;
  };
  t.unref();
  return {
    ref: () => t.ref(),
    unref: () => t.unref(),
    close: () => clearInterval(t as unknown as number),
  };
}

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/**
 * Thrown when jsuring cannot reach the native layer at all.
 *
 * @example
 * ```ts
 * import { NativeUnavailableError, Ring } from "@jsuring/jsuring";
 * try {
 *   using ring = Ring.create({ entries: 8 });
 * } catch (e) {
 *   if (!(e instanceof NativeUnavailableError)) throw e;
 *   console.error(e.message); // what is missing and what to do
 * }
 * ```
 */
export class NativeUnavailableError extends Error {
  /**
   * Make the error.
   *
   * @param message what is missing and what to do
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NativeUnavailableError";
  }
}

function denoType(t: FfiType): string {
  return t === "buffer" ? "buffer" : t;
}

function bunType(t: FfiType): string {
  return t === "buffer" ? "ptr" : t;
}

function symbolsFor(
  table: SymbolTable,
  aliases: Readonly<Record<string, string>>,
  map: (t: FfiType) => string,
  argsKey: string,
  retKey: string,
  optionalKey: string | undefined,
  nonblockingKey?: string,
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [key, sig] of Object.entries(table)) {
    const def: Record<string, unknown> = {
      [argsKey]: sig.args.map(map),
      [retKey]: map(sig.returns),
    };
    if (aliases[key]) def.name = aliases[key];
    if (sig.optional && optionalKey) def[optionalKey] = true;
    if (sig.nonblocking && nonblockingKey) def[nonblockingKey] = true;
    out[key] = def;
  }
  return out;
}

const ADDRESS = Symbol("jsuring.address");

/**
 * The address of a view, remembered on the view itself (a non-enumerable
 * symbol property): one property load per operation instead of 50-100 ns of
 * runtime pointer machinery. A backing store never moves once its address has
 * been taken; a detached view has byteLength 0 and is refused before this.
 */
function cachedAddress(
  v: ArrayBufferView | ArrayBuffer,
  compute: (v: ArrayBufferView | ArrayBuffer) => number,
): number {
  // deno-lint-ignore no-explicit-any
  const known = (v as any)[ADDRESS];
  if (known !== undefined) return known;
  const address = compute(v);
  Object.defineProperty(v, ADDRESS, { value: address });
  return address;
}

function denoNative(): Native {
  const D = g.Deno;
  // V8's UnsafePointer.of + value costs ~600 ns: cache per ArrayBuffer. A
  // backing store never moves once its address has been taken (Deno
  // externalizes on-heap typed arrays first).
  const cache = new WeakMap<ArrayBufferLike, number>();
  return {
    name: "deno",
    open(path, table, aliases = {}) {
      let lib;
      try {
        lib = D.dlopen(
          path,
          symbolsFor(table, aliases, denoType, "parameters", "result", "optional", "nonblocking"),
        );
      } catch (e) {
        if (e instanceof D.errors.NotCapable || e instanceof D.errors.PermissionDenied) {
          throw new NativeUnavailableError(
            `jsuring needs FFI: run Deno with --allow-ffi (loading ${path})`,
            { cause: e },
          );
        }
        throw e;
      }
      return lib;
    },
    addressOf(v) {
      return cachedAddress(v, (view) => {
        const buffer = ArrayBuffer.isView(view) ? view.buffer : view;
        const offset = ArrayBuffer.isView(view) ? view.byteOffset : 0;
        let base = cache.get(buffer);
        if (base === undefined) {
          base = Number(D.UnsafePointer.value(D.UnsafePointer.of(buffer)));
          cache.set(buffer, base);
        }
        return base + offset;
      });
    },
    view(address, length) {
      const ab = D.UnsafePointerView.getArrayBuffer(
        D.UnsafePointer.create(BigInt(address)),
        length,
      );
      cache.set(ab, address);
      return ab;
    },
    gc() {
      if (typeof g.gc !== "function") return false;
      g.gc();
      return true;
    },
    threadsafeCallback(fn) {
      // Deno queues calls from foreign threads on the event loop; a void
      // callback does not block the caller. ref() holds the loop open.
      const cb = D.UnsafeCallback.threadSafe({ parameters: [], result: "void" }, fn);
      cb.unref();
      return {
        pointer: Number(D.UnsafePointer.value(cb.pointer)),
        ref: () => cb.ref(),
        unref: () => cb.unref(),
        close: () => cb.close(),
      };
    },
    nonblockingCalls: true,
    keepAlive: timerKeepAlive,
    fdReader: () => undefined,
  };
}

function bunNative(): Native {
  // deno-lint-ignore no-explicit-any
  const ffi = (import.meta as any).require("bun:ffi");
  return {
    name: "bun",
    open(path, table, aliases = {}) {
      // Bun has no per-symbol alias or "optional": aliased symbols are bound
      // through a second handle under their C name, and optional symbols the
      // library lacks are dropped.
      const defs = symbolsFor(table, {}, bunType, "args", "returns", undefined);
      const plain: Record<string, unknown> = {};
      for (const key of Object.keys(defs)) if (!aliases[key]) plain[key] = defs[key];
      let lib;
      try {
        lib = ffi.dlopen(path, plain);
      } catch (e) {
        for (const key of Object.keys(plain)) if (table[key].optional) delete plain[key];
        lib = ffi.dlopen(path, plain);
        void e;
      }
      const symbols = { ...lib.symbols };
      const extra: { close(): void }[] = [];
      for (const [key, cName] of Object.entries(aliases)) {
        const handle = ffi.dlopen(path, { [cName]: defs[key] });
        symbols[key] = handle.symbols[cName];
        extra.push(handle);
      }
      return {
        symbols,
        close() {
          for (const h of extra) h.close();
          lib.close();
        },
      };
    },
    addressOf(v) {
      return cachedAddress(v, ffi.ptr);
    },
    view(address, length) {
      return ffi.toArrayBuffer(address, 0, length);
    },
    gc() {
      g.Bun.gc(true);
      return true;
    },
    threadsafeCallback(fn) {
      // threadsafe: calls from other threads are posted to the JS thread's
      // event loop. It does not keep the process alive: pair it with keepAlive().
      const cb = new ffi.JSCallback(fn, { args: [], returns: "void", threadsafe: true });
      return {
        pointer: Number(cb.ptr),
        ref() {},
        unref() {},
        close: () => cb.close(),
      };
    },
    nonblockingCalls: false,
    keepAlive: timerKeepAlive,
    fdReader(fd) {
      // Bun.file(fd).stream() on a pollable fd reads through Bun's epoll loop
      // (checked on 1.4: an eventfd yields one 8-byte chunk per signal; cancel
      // leaves the fd open; an idle pending read uses no CPU).
      const reader = g.Bun.file(fd).stream().getReader();
      return {
        read: () => reader.read(),
        cancel() {
          reader.cancel().catch(() => {});
        },
      };
    },
  };
}

function detect(): Native {
  if (typeof g.Bun !== "undefined") return bunNative();
  if (typeof g.Deno !== "undefined" && typeof g.Deno.dlopen === "function") {
    return denoNative();
  }
  throw new NativeUnavailableError(
    "jsuring runs on Deno (2.x, with --allow-ffi) or Bun (1.x); this runtime has no FFI it can use",
  );
}

let native: Native | undefined;

/** The runtime's native layer, detected once. */
export function getNative(): Native {
  return native ??= detect();
}
