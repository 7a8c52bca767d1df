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

/** Which runtime we are on. */
export type RuntimeName = "deno" | "bun";

/** A loaded library: its functions, typed loosely (the tables give the shapes). */
export interface NativeLibrary {
  // deno-lint-ignore no-explicit-any
  readonly symbols: Record<string, (...args: any[]) => any>;
  close(): void;
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
}

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/** Thrown when jsuring cannot reach the native layer at all. */
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
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [key, sig] of Object.entries(table)) {
    const def: Record<string, unknown> = {
      [argsKey]: sig.args.map(map),
      [retKey]: map(sig.returns),
    };
    if (aliases[key]) def.name = aliases[key];
    if (sig.optional && optionalKey) def[optionalKey] = true;
    out[key] = def;
  }
  return out;
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
          symbolsFor(table, aliases, denoType, "parameters", "result", "optional"),
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
      const buffer = ArrayBuffer.isView(v) ? v.buffer : v;
      const offset = ArrayBuffer.isView(v) ? v.byteOffset : 0;
      let base = cache.get(buffer);
      if (base === undefined) {
        base = Number(D.UnsafePointer.value(D.UnsafePointer.of(buffer)));
        cache.set(buffer, base);
      }
      return base + offset;
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
      return ffi.ptr(v);
    },
    view(address, length) {
      return ffi.toArrayBuffer(address, 0, length);
    },
    gc() {
      g.Bun.gc(true);
      return true;
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
