/**
 * Loading the two native libraries: the system's liburing and jsuring's
 * companion. Load order (as `@db/sqlite` does): an environment override, then
 * the default. Each is loaded once, on first use; failures say what to do.
 *
 * @module
 */
import process from "node:process";
import {
  COMPANION,
  COMPANION_ALIASES,
  COMPANION_VERSION,
  LIBURING,
  LIBURING_ALIASES,
  type SymbolTable,
} from "../../ffi/symbols.ts";
import { getNative, type NativeLibrary, NativeUnavailableError } from "./_ffi.ts";

/** Environment variable naming liburing's path (default: `liburing.so.2` from the loader path). */
export const LIBURING_ENV = "JSURING_LIBURING";
/** Environment variable naming the companion library's path. */
export const COMPANION_ENV = "JSURING_COMPANION";

const SETUP_HINT = "run `bash scripts/setup.sh` from the jsuring checkout";

function env(name: string): string | undefined {
  try {
    return process.env[name] || undefined;
  } catch {
    return undefined; // Deno without --allow-env: use the defaults
  }
}

/** Typed view of a loaded table: each key becomes a callable. */
export type Bound<T extends SymbolTable> = {
  // deno-lint-ignore no-explicit-any
  readonly [K in keyof T]: (...args: any[]) => any;
};

function load<T extends SymbolTable>(
  path: string,
  table: T,
  what: string,
  hint: string,
  aliases?: Readonly<Record<string, string>>,
): Bound<T> & { readonly library: NativeLibrary } {
  let lib: NativeLibrary;
  try {
    lib = getNative().open(path, table, aliases);
  } catch (e) {
    if (e instanceof NativeUnavailableError) throw e;
    throw new NativeUnavailableError(
      `cannot load ${what} from ${path}: ${(e as Error).message}. ${hint}`,
      { cause: e },
    );
  }
  return Object.assign(Object.create(null), lib.symbols, { library: lib });
}

let uring: ReturnType<typeof load<typeof LIBURING>> | undefined;
let companion: ReturnType<typeof load<typeof COMPANION>> | undefined;

/**
 * liburing's raw syscall wrappers (liburing 2.3 or newer).
 *
 * @example
 * ```ts
 * import { liburing } from "./libs.ts";
 * console.log(liburing().io_uring_enter(-1, 0, 0, 0, null)); // -9 (EBADF)
 * ```
 */
export function liburing(): Bound<typeof LIBURING> {
  return uring ??= load(
    env(LIBURING_ENV) ?? "liburing.so.2",
    LIBURING,
    "liburing",
    `Install it (Debian/Ubuntu: apt-get install liburing2) or set ${LIBURING_ENV}; ${SETUP_HINT}.`,
    LIBURING_ALIASES,
  );
}

/**
 * The companion library (`ffi/build/libjsuring.so`).
 *
 * @example
 * ```ts
 * import { libjsuring } from "./libs.ts";
 * console.log(libjsuring().jsu_version());
 * ```
 */
export function libjsuring(): Bound<typeof COMPANION> {
  if (companion) return companion;
  const path = env(COMPANION_ENV) ??
    decodeURIComponent(new URL("../../ffi/build/libjsuring.so", import.meta.url).pathname);
  const lib = load(
    path,
    COMPANION,
    "the jsuring companion library",
    `Build it with \`make -C ffi\` or ${SETUP_HINT}; or set ${COMPANION_ENV}.`,
    COMPANION_ALIASES,
  );
  const version = lib.jsu_version();
  if (version !== COMPANION_VERSION) {
    throw new NativeUnavailableError(
      `companion library at ${path} is version ${version}, this jsuring expects ${COMPANION_VERSION}: rebuild it (make -C ffi)`,
    );
  }
  return companion = lib;
}

export { getNative, NativeUnavailableError } from "./_ffi.ts";
export type { Native, RuntimeName } from "./_ffi.ts";
