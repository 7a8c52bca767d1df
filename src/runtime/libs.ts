/**
 * Loading the native libraries: the system's liburing, libc (for the few calls
 * needed before anything else, and `uname(2)`), and jsuring's companion.
 *
 * The companion ships inside the package (`_companion_<arch>.ts`, built by
 * `scripts/build-companion.sh`, checked byte for byte in CI): its bytes are
 * written into a `memfd_create(2)` file and loaded from `/proc/self/fd/N`, so
 * a consumer needs no checkout, no compiler and no permission beyond FFI.
 * `JSURING_COMPANION` (a path) overrides it, as `JSURING_LIBURING` overrides
 * liburing's. An override that is set but cannot be read (Deno without
 * `--allow-env`) is an error, never silently skipped. Each library is loaded
 * once, on first use; failures say what failed, from where, and what to do.
 *
 * @module
 */
import process from "node:process";
import { createHash } from "node:crypto";
import {
  COMPANION,
  COMPANION_ALIASES,
  COMPANION_VERSION,
  LIBC,
  LIBURING,
  LIBURING_ALIASES,
  type SymbolTable,
} from "../../ffi/symbols.ts";
import { getNative, type NativeLibrary, NativeUnavailableError } from "./_ffi.ts";
import { MFD } from "../abi/linux.ts";
import * as x86_64 from "./_companion_x86_64.ts";
import * as aarch64 from "./_companion_aarch64.ts";

/** Environment variable naming liburing's path (default: `liburing.so.2` from the loader path). */
export const LIBURING_ENV = "JSURING_LIBURING";
/** Environment variable naming a companion library to load instead of the bundled one. */
export const COMPANION_ENV = "JSURING_COMPANION";

const BUNDLED: Readonly<Record<string, { BASE64: string; SHA256: string }>> = {
  x64: x86_64,
  arm64: aarch64,
};

/** Typed view of a loaded table: each key becomes a callable. */
export type Bound<T extends SymbolTable> = {
  // deno-lint-ignore no-explicit-any
  readonly [K in keyof T]: (...args: any[]) => any;
};

type Loaded<T extends SymbolTable> = Bound<T> & { readonly library: NativeLibrary };

// The loader's own words, once: Deno says "Could not open library: Could not
// open library: <path>: <dlerror>", Bun 'Failed to open library "<path>": <path>: <dlerror>';
// the message around it already names the path.
function dlerror(e: unknown, path: string): string {
  let m = String((e as Error)?.message ?? e)
    .replace(/^(Could not open library: )+/, "")
    .replace(/^Failed to open library "[^"]*": /, "");
  if (m.startsWith(`${path}: `)) m = m.slice(path.length + 2);
  return m;
}

function load<T extends SymbolTable>(
  path: string,
  table: T,
  what: string,
  hint: string,
  aliases?: Readonly<Record<string, string>>,
): Loaded<T> {
  let lib: NativeLibrary;
  try {
    lib = getNative().open(path, table, aliases);
  } catch (e) {
    if (e instanceof NativeUnavailableError) throw e;
    throw new NativeUnavailableError(`cannot load ${what}: ${dlerror(e, path)}. ${hint}`, { cause: e });
  }
  return Object.assign(Object.create(null), lib.symbols, { library: lib });
}

let libcLib: Loaded<typeof LIBC> | undefined;

/**
 * glibc's `libc.so.6`: memfd_create, write, uname, getenv, getrlimit.
 *
 * @example
 * ```ts
 * import { libc } from "./libs.ts";
 * console.log(libc().getenv(new TextEncoder().encode("HOME\0")) !== 0);
 * ```
 */
export function libc(): Bound<typeof LIBC> {
  return libcLib ??= load(
    "libc.so.6",
    LIBC,
    "the C library (libc.so.6)",
    "jsuring needs a glibc-based Linux (glibc 2.34 or newer); on musl (Alpine) build the companion " +
      `library yourself and set ${COMPANION_ENV}`,
  );
}

/** The calling thread's errno, read right after a failed libc call. */
export function lastErrno(): number {
  const at = Number(libc().__errno_location());
  return new Int32Array(getNative().view(at, 4))[0];
}

const enc = new TextEncoder();
function cString(s: string): Uint8Array {
  return enc.encode(`${s}\0`);
}

/**
 * An environment override's value: undefined when unset. Deno without
 * `--allow-env` cannot read it; then libc's `getenv` (FFI only) tells whether
 * it is set at all, and a set-but-unreadable override is an error, so the
 * caller never silently gets something other than what they asked for.
 */
function override(name: string): string | undefined {
  // deno-lint-ignore no-explicit-any
  const D = (globalThis as any).Deno;
  if (getNative().name === "deno" && D?.permissions?.querySync) {
    const state = D.permissions.querySync({ name: "env", variable: name }).state;
    if (state !== "granted") {
      if (!Number(libc().getenv(cString(name)))) return undefined;
      throw new NativeUnavailableError(
        `${name} is set, but Deno may not read it: run Deno with --allow-env=${name} ` +
          `to use it, or unset it to use jsuring's default`,
      );
    }
  }
  return process.env[name] || undefined;
}

let uring: Loaded<typeof LIBURING> | undefined;

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
  if (uring) return uring;
  const path = override(LIBURING_ENV);
  return uring = load(
    path ?? "liburing.so.2",
    LIBURING,
    path ? `liburing from ${LIBURING_ENV}=${path}` : "liburing (liburing.so.2)",
    path
      ? `Point ${LIBURING_ENV} at liburing.so.2 (2.3 or newer), or unset it`
      : "Install your distribution's liburing package: liburing2 (Debian, Ubuntu), liburing (Fedora, Arch, Alpine)",
    LIBURING_ALIASES,
  );
}

let companion: Loaded<typeof COMPANION> | undefined;
let companionFrom = "";

/** Where the companion library came from, for messages (empty until loaded). */
export function companionSource(): string {
  return companionFrom;
}

/** The command that builds the companion from the sources published beside this module. */
export function buildCommand(): string {
  const dir = new URL("../../ffi/", import.meta.url);
  if (dir.protocol === "file:") {
    const path = decodeURIComponent(dir.pathname);
    return `make -C ${path} && export ${COMPANION_ENV}=${path}build/libjsuring.so`;
  }
  return `mkdir -p jsuring-ffi && cd jsuring-ffi && curl -fsSLO ${dir.href}jsuring.c -fsSLO ${dir.href}jsuring.h && ` +
    `cc -O2 -fPIC -shared -pthread -o libjsuring.so jsuring.c && export ${COMPANION_ENV}=$PWD/libjsuring.so`;
}

const MFD_CLOEXEC = MFD.CLOEXEC;
const MFD_EXEC = MFD.EXEC; // Linux 6.3: ask for an executable memfd even if vm.memfd_noexec=1
const EINVAL = 22;

/**
 * Write the bundled library into an anonymous memory file and return the
 * `/proc/self/fd/N` path that dlopen reads it from. The fd stays open for
 * the life of the process: the loader knows the library by that path (the
 * companion re-opens itself by name to pin itself), so the number must not be
 * reused for anything else.
 */
function memfdCompanion(bytes: Uint8Array): string {
  const c = libc();
  const name = cString("jsuring-companion");
  let fd = c.memfd_create(name, MFD_CLOEXEC | MFD_EXEC);
  if (fd < 0 && lastErrno() === EINVAL) fd = c.memfd_create(name, MFD_CLOEXEC); // before 6.3
  if (fd < 0) {
    throw new NativeUnavailableError(
      `cannot create a memory file for jsuring's bundled companion library: memfd_create failed with errno ${lastErrno()} ` +
        `(vm.memfd_noexec=2, or a seccomp filter). Build the library and set ${COMPANION_ENV}: ${buildCommand()}`,
    );
  }
  for (let off = 0; off < bytes.length;) {
    const n = Number(c.write(fd, bytes.subarray(off), bytes.length - off));
    if (n <= 0) {
      const errno = lastErrno();
      c.close(fd);
      throw new NativeUnavailableError(
        `cannot write jsuring's bundled companion library into a memory file (errno ${errno}); set ${COMPANION_ENV} ` +
          `to a built copy: ${buildCommand()}`,
      );
    }
    off += n;
  }
  return `/proc/self/fd/${fd}`;
}

function fromBase64(text: string): Uint8Array {
  // deno-lint-ignore no-explicit-any
  const native = (Uint8Array as any).fromBase64; // Deno 2.9 and Bun 1.4 have it; faster than atob + a loop
  const clean = text.replace(/\s+/g, "");
  if (typeof native === "function") return native(clean);
  const binary = atob(clean);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function bundled(): { path: string; from: string } {
  const arch = process.arch === "x64" ? "x86_64" : process.arch === "arm64" ? "aarch64" : process.arch;
  const embedded = BUNDLED[process.arch];
  if (process.platform !== "linux" || !embedded) {
    throw new NativeUnavailableError(
      `jsuring bundles its companion library for x86_64 and aarch64 Linux; this is ${arch} ${process.platform}` +
        (process.platform === "linux"
          ? `. Build it from the published sources and point ${COMPANION_ENV} at it: ${buildCommand()}`
          : " (io_uring is Linux only)"),
    );
  }
  const bytes = fromBase64(embedded.BASE64);
  const sum = createHash("sha256").update(bytes).digest("hex");
  if (sum !== embedded.SHA256) {
    throw new NativeUnavailableError(
      `jsuring's bundled companion library for ${arch} is corrupt (sha256 ${sum}, expected ${embedded.SHA256}): reinstall the package`,
    );
  }
  return { path: memfdCompanion(bytes), from: `bundled with jsuring (${arch}, loaded from a memfd)` };
}

/**
 * The companion library: jsuring's own bundled build, or the one named by
 * `JSURING_COMPANION`.
 *
 * @example
 * ```ts
 * import { libjsuring } from "./libs.ts";
 * console.log(libjsuring().jsu_version());
 * ```
 */
export function libjsuring(): Bound<typeof COMPANION> {
  if (companion) return companion;
  const path = override(COMPANION_ENV);
  const { path: at, from } = path ? { path, from: `from ${COMPANION_ENV}=${path}` } : bundled();
  const lib = load(
    at,
    COMPANION,
    `the jsuring companion library ${from}`,
    path
      ? `Point ${COMPANION_ENV} at a library built from this version's ffi/ (${buildCommand()}), or unset it to use the bundled one`
      : `The bundled library needs glibc 2.34 or newer; or build it and set ${COMPANION_ENV}: ${buildCommand()}`,
    COMPANION_ALIASES,
  );
  const version = lib.jsu_version();
  if (version !== COMPANION_VERSION) {
    throw new NativeUnavailableError(
      `the jsuring companion library ${from} is version ${version}, this jsuring expects ${COMPANION_VERSION}: ` +
        (path ? `rebuild it from this version's sources (${buildCommand()}) or unset ${COMPANION_ENV}` : "reinstall the package"),
    );
  }
  companionFrom = from;
  return companion = lib;
}

export { getNative, NativeUnavailableError } from "./_ffi.ts";
export type { Native, RuntimeName } from "./_ffi.ts";
