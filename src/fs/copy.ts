/**
 * `copyFile` over an {@linkcode AsyncRing}, by one of three methods, chosen
 * by measurement (bench/copyfile.ts) unless the caller says:
 *
 * - `"copy_file_range"`: the kernel copies page cache to page cache with no
 *   trip through user memory, and reflinks on filesystems that can (Btrfs,
 *   XFS, since Linux 5.3 copy_file_range falls back across them). It is a
 *   blocking syscall, so it runs off the event loop: on Deno as `nonblocking`
 *   FFI calls on the runtime's blocking threads, `depth` ranges at once; on
 *   Bun (whose FFI has no such calls) in `chunk`-byte steps with the event
 *   loop running between them.
 * - `"readwrite"`: linked IORING_OP_READ → IORING_OP_WRITE pairs through
 *   `depth` buffers of `chunk` bytes.
 *
 * Files up to `syncUpTo` bytes (default 1 MiB) are copied by one synchronous
 * copy_file_range: measured, that is over before one round trip through the
 * ring would be, and it is what the runtimes' own copies do. The opens,
 * close and rename are plain synchronous syscalls for the same reason (an
 * O_CREAT openat through io_uring always goes to a worker thread).
 *
 * By default the destination is written under a temporary name beside it and
 * swapped in once complete (renameat2 RENAME_EXCHANGE, then the old file is
 * unlinked; a plain rename when `dst` does not exist): an abort or error
 * leaves `dst` as it was (`atomic: false` writes `dst` in place). The swap
 * avoids rename-over-a-file, which makes ext4 write the new data back
 * before returning (auto_da_alloc); like the runtimes' copies, this is not a
 * durability guarantee against a crash (that takes an fsync).
 *
 * @module
 */
import { constants } from "node:fs";
import { dirname, join } from "node:path";
import type { AsyncOpOptions, AsyncRing } from "../async/async_ring.ts";
import { UringError } from "../errors/uring_error.ts";
import { Errno } from "../errors/errno.ts";
import { getNative } from "../runtime/_ffi.ts";
import { defaultRing, type FsOptions, O_CLOEXEC, opts } from "./file.ts";
import { checkChunking, checkPath, FsError, fsOptions, opt, withPath } from "./_check.ts";
import { cString, errno, fstatSize, libc } from "./_libc.ts";
import { show } from "../ring/_args.ts";

/**
 * How {@linkcode copyFile} moves the bytes.
 *
 * @example
 * ```ts
 * import { copyFile, type CopyMethod } from "@jsuring/jsuring";
 * const method: CopyMethod = "copy_file_range";
 * await copyFile("/etc/os-release", "/tmp/jsuring-copymethod", { method });
 * ```
 */
export type CopyMethod = "auto" | "copy_file_range" | "readwrite";

/**
 * Options of {@linkcode copyFile}.
 *
 * @example
 * ```ts
 * import { copyFile, type CopyFileOptions } from "@jsuring/jsuring";
 * const o: CopyFileOptions = { method: "readwrite", chunk: 1 << 20, depth: 4 };
 * await copyFile("/etc/hostname", "/tmp/jsuring-copy-options", o);
 * ```
 */
export interface CopyFileOptions extends FsOptions {
  /** How to copy (default `"auto"`: copy_file_range, see the module doc). */
  method?: CopyMethod;
  /** Bytes per step (default 8 MiB for copy_file_range, 1 MiB otherwise). */
  chunk?: number;
  /** Steps in flight (default 2 for copy_file_range, 4 otherwise). */
  depth?: number;
  /**
   * Write a temporary file beside `dst` and rename it over `dst` at the end
   * (default true): an abort or error leaves `dst` untouched. With `false`,
   * `dst` is overwritten in place and cut to length at the end (an abort
   * leaves it partial).
   */
  atomic?: boolean;
  /** Fail with `EEXIST` if `dst` exists (like `fs.constants.COPYFILE_EXCL`). */
  exclusive?: boolean;
  /**
   * Copy files up to this many bytes with one synchronous copy_file_range
   * (default 1 MiB; -1: never): faster than any round trip for small files,
   * as the runtimes' own copies do.
   */
  syncUpTo?: number;
}

const O = constants;
const COPY_OPTIONS = fsOptions("copyFile", {
  method: opt.string,
  chunk: opt.number,
  depth: opt.number,
  atomic: opt.bool,
  exclusive: opt.bool,
  syncUpTo: (v, what) => {
    if (typeof v !== "number") throw new TypeError(`${what} must be an integer ≥ -1, got ${show(v)}`);
  },
});
const FALLBACK = new Set<number>([Errno.EXDEV, Errno.EINVAL, Errno.EOPNOTSUPP, Errno.ENOSYS]);

/**
 * Copy `src` to `dst` (created or replaced, with `src`'s permission bits),
 * like `fs.promises.copyFile` / `Deno.copyFile`; see the module doc for the
 * methods and the atomic replace.
 *
 * @throws {FsError} `ENOENT` (with the path), `EISDIR`, `EEXIST` (exclusive)…
 *
 * @example
 * ```ts
 * import { copyFile, writeFile } from "@jsuring/jsuring";
 * await writeFile("/tmp/jsuring-copy-src", "data");
 * await copyFile("/tmp/jsuring-copy-src", "/tmp/jsuring-copy-dst");
 * ```
 */
export async function copyFile(src: string, dst: string, options: CopyFileOptions = {}): Promise<void> {
  checkPath("copyFile", src, "src");
  checkPath("copyFile", dst, "dst");
  COPY_OPTIONS(options);
  const method = options.method ?? "auto";
  if (!["auto", "copy_file_range", "readwrite"].includes(method)) {
    throw new TypeError(
      `copyFile: method must be "auto", "copy_file_range" or "readwrite", got ${
        JSON.stringify(method)
      } (${typeof method})`,
    );
  }
  let how = method === "auto" ? "copy_file_range" : method;
  const chunk = options.chunk ?? (how === "copy_file_range" ? 8 << 20 : 1 << 20);
  const depth = options.depth ?? (how === "copy_file_range" ? 2 : 4);
  checkChunking("copyFile", chunk, depth);
  const syncUpTo = options.syncUpTo ?? SYNC_UP_TO;
  if (!Number.isSafeInteger(syncUpTo) || syncUpTo < -1) {
    throw new RangeError(
      `copyFile: syncUpTo must be an integer ≥ -1, got ${String(syncUpTo)} (${typeof syncUpTo})`,
    );
  }
  const ring = options.ring ?? defaultRing();
  const signal = options.signal;
  signal?.throwIfAborted();
  const o = opts(options);
  const atomic = options.atomic ?? true;
  const l = libc();
  if (!l) throw new UringError(Errno.ENOSYS, "copyFile", "libc could not be loaded");
  const keep: Uint8Array[] = [];
  const c = (p: string) => {
    const b = cString(p);
    keep.push(b);
    return getNative().addressOf(b);
  };

  const input = l.symbols.open(c(src), O.O_RDONLY | O_CLOEXEC, 0);
  if (input < 0) throw new FsError(errno(), "copyFile", src, dst);
  let output = -1;
  let temp: string | undefined;
  try {
    const st = fstatSize(input);
    if (typeof st === "number") throw new FsError(-st, "copyFile (fstat)", src, dst);
    if ((st.mode & 0o170000) === 0o040000) throw new FsError(Errno.EISDIR, "copyFile", src, dst);
    const mode = st.mode & 0o7777;
    const size = st.size;
    if (atomic && options.exclusive) {
      // Claim the name now (so EEXIST comes first); the copy is renamed over the claim.
      const claim = l.symbols.open(c(dst), O.O_WRONLY | O.O_CREAT | O.O_EXCL | O_CLOEXEC, mode);
      if (claim < 0) throw new FsError(errno(), "copyFile", src, dst);
      l.symbols.close(claim);
    }
    const target = atomic ? tempName(dst) : dst;
    // In place: no O_TRUNC, the tail is cut by ftruncate at the end (ext4
    // flushes at close a file truncated to 0 and rewritten: auto_da_alloc).
    const flags = O.O_WRONLY | O.O_CREAT | O_CLOEXEC | (atomic || options.exclusive ? O.O_EXCL : 0);
    output = l.symbols.open(c(target), flags, mode);
    if (output < 0) throw new FsError(errno(), "copyFile", src, dst);
    if (atomic) temp = target;

    let done = -1, synced = false;
    if (how === "copy_file_range" && size <= syncUpTo && size > 0) {
      // Small: one synchronous copy_file_range is over before a round trip
      // through the ring would be (measured: bench/copyfile.ts).
      done = copyRangeSync(input, output, size);
      if (done < 0) {
        if (method !== "auto" || !FALLBACK.has(-done)) {
          throw new FsError(-done, "copyFile (copy_file_range)", src, dst);
        }
        how = "readwrite";
        done = -1;
      } else synced = true;
    }
    if (!synced) {
      try {
        if (done < 0 && how === "copy_file_range") {
          try {
            done = await viaCopyFileRange(input, output, size, chunk, depth, signal);
          } catch (e) {
            // Not between these files (EXDEV before 5.19 or across filesystem
            // types, EINVAL for special files, EOPNOTSUPP): copy through memory.
            if (method !== "auto" || !(e instanceof UringError) || !FALLBACK.has(e.errno)) throw e;
            done = await viaReadWrite(ring, input, output, size, 1 << 20, 4, o);
          }
        } else if (done < 0) {
          done = await viaReadWrite(ring, input, output, size, chunk, depth, o);
        }
        // The source may have grown meanwhile (or statx said 0): append the rest.
        done += await tail(ring, input, output, done, o);
      } catch (e) {
        throw withPath(e, "copyFile", src, dst);
      }
    }
    signal?.throwIfAborted();
    if (!atomic && !options.exclusive) {
      if (l.symbols.ftruncate(output, done) !== 0) {
        throw new FsError(errno(), "copyFile (ftruncate)", src, dst);
      }
    }
    const closed = l.symbols.close(output);
    output = -1;
    if (closed < 0) throw new FsError(errno(), "copyFile (close)", src, dst);
    if (temp !== undefined) {
      // Swap the copy in with RENAME_EXCHANGE (3.15) and unlink the old file
      // under the temporary name: rename(2) over an existing file makes ext4
      // (auto_da_alloc) start writing the new file's data back before the
      // rename returns, measured 54 µs CPU per 4 KiB copy and 500 per 1 MiB
      // against 7.5 and 77 in place; the exchange is just as atomic for
      // readers of `dst`. No `dst` yet (ENOENT), or a filesystem without
      // the exchange (EINVAL): plain rename.
      const t = c(temp), d = c(dst);
      if (l.symbols.renameat2(AT_FDCWD, t, AT_FDCWD, d, RENAME_EXCHANGE) === 0) {
        temp = undefined;
        l.symbols.unlink(t); // the old contents, now under the temporary name
      } else {
        const e = errno();
        if (e !== Errno.ENOENT && e !== Errno.EINVAL && e !== Errno.ENOSYS) {
          throw new FsError(e, "copyFile (rename)", src, dst);
        }
        if (l.symbols.rename(t, d) < 0) throw new FsError(errno(), "copyFile (rename)", src, dst);
        temp = undefined;
      }
    }
  } finally {
    if (output >= 0) l.symbols.close(output);
    l.symbols.close(input);
    if (temp !== undefined) l.symbols.unlink(c(temp));
  }
}

const AT_FDCWD = -100;
const RENAME_EXCHANGE = 2;

/** Files up to this size are copied by one synchronous copy_file_range. */
const SYNC_UP_TO = 1 << 20;

const syncOffs = new BigInt64Array(2);

/** copy_file_range from 0 to the end of the source, now; bytes copied, or -errno. */
function copyRangeSync(input: number, output: number, size: number): number {
  const l = libc()!;
  syncOffs[0] = 0n;
  syncOffs[1] = 0n;
  const inAt = getNative().addressOf(syncOffs);
  let copied = 0;
  // Until it returns 0: the end of the source, even if it grew meanwhile.
  for (let want = size;; want = 1 << 20) {
    const r = l.symbols.copy_file_range(input, inAt, output, inAt + 8, want, 0);
    if (r < 0) return copied === 0 ? -errno() : -errno();
    if (r === 0) return copied;
    copied += r;
  }
}

let tempCount = 0;

/** A name beside `dst` that no one else uses: `.name.jsuring-<pid>-<n>-<random>`. */
function tempName(dst: string): string {
  const base = dst.slice(dst.lastIndexOf("/") + 1);
  const rand = Math.floor(Math.random() * 0x7fffffff).toString(36);
  return join(dirname(dst), `.${base}.jsuring-${++tempCount}-${rand}`);
}

/**
 * copy_file_range(2) of `[0, size)`: on Deno `depth` ranges at once on the
 * runtime's blocking threads; elsewhere one `chunk` per event-loop turn.
 */
async function viaCopyFileRange(
  input: number,
  output: number,
  size: number,
  chunk: number,
  depth: number,
  signal: AbortSignal | undefined,
): Promise<number> {
  const l = libc();
  if (!l) {
    throw new UringError(Errno.ENOSYS, "copy_file_range", 'libc could not be loaded: use method "readwrite"');
  }
  const nonblocking = getNative().nonblockingCalls;
  let next = 0, eof = size, copied = 0, failure: unknown;
  const worker = async () => {
    const offs = new BigInt64Array(2); // off_in, off_out
    const inAt = getNative().addressOf(offs), outAt = inAt + 8;
    while (next < eof && failure === undefined) {
      if (signal?.aborted) {
        failure ??= signal.reason;
        break;
      }
      const at = next;
      const len = Math.min(chunk, eof - at);
      next = at + len;
      offs[0] = BigInt(at);
      offs[1] = BigInt(at);
      let left = len;
      while (left > 0) {
        const r: number = nonblocking
          ? await l.symbols.copy_file_range_nb(input, inAt, output, outAt, left, 0)
          : l.symbols.copy_file_range(input, inAt, output, outAt, left, 0);
        if (r < 0) {
          // errno belongs to the thread that made the call: on Deno ask again
          // here (the same call fails the same way) to learn it.
          const code = nonblocking && l.symbols.copy_file_range(input, inAt, output, outAt, left, 0) >= 0
            ? Errno.EIO
            : errno();
          failure ??= new UringError(code, "copy_file_range");
          return;
        }
        if (r === 0) {
          eof = Math.min(eof, Number(offs[0])); // the source shrank
          break;
        }
        left -= r;
        copied += r;
      }
      if (!nonblocking) await new Promise((r) => setImmediate(r)); // let the event loop run
    }
  };
  const workers: Promise<void>[] = [];
  const n = nonblocking ? depth : 1;
  for (let i = 0; i < n && i * chunk < size; i++) workers.push(worker());
  await Promise.all(workers);
  if (failure !== undefined) throw failure;
  return Math.min(copied, eof);
}

/** Linked read → write pairs, `depth` chains at once, each with its own buffer. */
async function viaReadWrite(
  ring: AsyncRing,
  input: number,
  output: number,
  size: number,
  chunk: number,
  depth: number,
  o: AsyncOpOptions | undefined,
): Promise<number> {
  let next = 0, eof = size, failure: unknown;
  const worker = async () => {
    const buf = new Uint8Array(Math.min(chunk, Math.max(size, 1)));
    while (next < eof && failure === undefined) {
      const at = next;
      const len = Math.min(chunk, eof - at);
      next = at + len;
      const b = buf.subarray(0, len);
      try {
        await ring.chain((r) => [r.read(input, b, at, o), r.write(output, b, at, o)]);
      } catch (e) {
        // A short read breaks the link (the write is cancelled): finish this chunk by hand.
        if (!(e instanceof UringError && e.errno === Errno.ECANCELED) || o?.signal?.aborted) {
          failure ??= e;
          return;
        }
        let got = 0;
        while (got < len) {
          const n = await ring.read(input, b.subarray(got), at + got, o);
          if (n === 0) break;
          got += n;
        }
        for (let put = 0; put < got;) put += await ring.write(output, b.subarray(put, got), at + put, o);
        if (got < len) eof = Math.min(eof, at + got);
      }
    }
  };
  const workers: Promise<void>[] = [];
  for (let i = 0; i < depth && i * chunk < size; i++) workers.push(worker());
  await Promise.all(workers);
  if (failure !== undefined) throw failure;
  return eof;
}

/** Append whatever the source has past `from` (it grew while being copied). */
async function tail(
  ring: AsyncRing,
  input: number,
  output: number,
  from: number,
  o: AsyncOpOptions | undefined,
): Promise<number> {
  const b = new Uint8Array(64 * 1024);
  let at = from;
  for (;;) {
    const n = await ring.read(input, b, at, o);
    if (n === 0) return at - from;
    for (let put = 0; put < n;) put += await ring.write(output, b.subarray(put, n), at + put, o);
    at += n;
  }
}
