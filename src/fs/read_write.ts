/**
 * Whole-file `readFile` and `writeFile` over an {@linkcode AsyncRing}.
 *
 * Why they are fast (each measured in bench/readfile.ts and bench/writefile.ts):
 * reading a page-cached file costs page faults and zeroing of the fresh
 * destination, not the copy. So the destination is one `ArrayBuffer` whose
 * untouched interior is advised to transparent hugepages (one fault per 2 MiB
 * instead of 512), and the reads are large, few, and started in the kernel's
 * worker threads (IOSQE_ASYNC): the faulting and copying run on several CPUs
 * off the JS thread, which only waits for a handful of completions. The
 * result is exactly the file's bytes (no over-allocation, no final copy).
 *
 * @module
 */
import { constants } from "node:fs";
import { Buffer } from "node:buffer";
import type { AsyncOpOptions, AsyncRing } from "../async/async_ring.ts";
import { Errno } from "../errors/errno.ts";
import { UringError } from "../errors/uring_error.ts";
import { adviseHugepages, errno, fstatSize, libc } from "./_libc.ts";
import { getNative } from "../runtime/_ffi.ts";
import { defaultRing, type FsOptions, O_CLOEXEC, open, opts } from "./file.ts";
import { readMany, readSmall } from "./_small.ts";
import { prepRead } from "../ops/sqe.ts";
import { checkChunking, checkPath, FsError, fsOptions, opt, withPath } from "./_check.ts";
import { typeError } from "../ring/_args.ts";
import { isDetached } from "../memory/detached.ts";

/**
 * Options of {@linkcode readFile}.
 *
 * @example
 * ```ts
 * import { readFile, type ReadFileAsyncOptions } from "@jsuring/jsuring";
 * const o: ReadFileAsyncOptions = { chunk: 8 << 20, depth: 4 };
 * await readFile("/etc/hostname", o);
 * ```
 */
export interface ReadFileAsyncOptions extends FsOptions {
  /** Bytes per read (default 4 MiB; 4096 ≤ chunk ≤ 2 GiB − 4 KiB). */
  chunk?: number;
  /** Reads in flight (default 8). */
  depth?: number;
}

const O = constants;
const READ_OPTIONS = fsOptions("readFile", { chunk: opt.number, depth: opt.number });
const READ_CHUNK = 4 << 20;
const READ_DEPTH = 8;
/** Reads of files whose size statx does not know (procfs says 0). */
const PROBE = 64 * 1024;

const ASYNC: AsyncOpOptions = Object.freeze({ async: true });
const FIXED: AsyncOpOptions = Object.freeze({ fixedFile: true });
const FIXED_ASYNC: AsyncOpOptions = Object.freeze({ fixedFile: true, async: true });

/**
 * Read a whole file (like `fs.promises.readFile` / `Deno.readFile`).
 *
 * A file shorter than 64 KiB (most are) costs one linked chain: openat into
 * a fixed-file slot, a read from it and a 1-byte read confirming the end,
 * submitted together and completed inside one io_uring_enter for a cached
 * file; many concurrent calls share that enter, and the slot's close rides
 * with the next submission (src/fs/_small.ts). A regular file the chain did
 * not exhaust is read the general way (not with `signal`, which always takes
 * it): one openat through the ring (completed inline for a cached path); the size
 * from statx(2) on the new descriptor (a microsecond; io_uring's statx always
 * goes to a worker thread, whose wake-up costs more than reading a small file
 * whole); then the reads, all submitted in one enter together with a read
 * past the end that confirms EOF (a file that grew is read to its end). Files
 * from 2 MiB up are read in `chunk`-byte pieces, `depth` at a time, by the
 * kernel's workers (IOSQE_ASYNC) straight into the returned buffer, which is
 * page aligned and advised to transparent hugepages before anything touches
 * it: the faulting and copying run on several CPUs off the JS thread. The
 * close is submitted without waiting for it.
 *
 * @throws {FsError} `ENOENT` (with the path), `EISDIR`, `EACCES`…
 *
 * @example
 * ```ts
 * import { readFile } from "@jsuring/jsuring";
 * const bytes = await readFile("/etc/hostname");
 * console.log(new TextDecoder().decode(bytes));
 * ```
 */
export async function readFile(path: string, options: ReadFileAsyncOptions = {}): Promise<Uint8Array> {
  READ_OPTIONS(options);
  const chunk = options.chunk ?? READ_CHUNK;
  const depth = options.depth ?? READ_DEPTH;
  checkChunking("readFile", chunk, depth);
  checkPath("readFile", path);
  const ring = options.ring ?? defaultRing();
  const o = opts(options);
  if (options.signal === undefined) {
    // Most files are small: one linked open → read → probe per file (_small.ts).
    const small = await readSmall(ring, path, (index, have, size) => {
      const big = size >= ASYNC_FROM;
      return readFd(
        ring,
        index,
        size,
        big ? chunk : Math.max(size, 1),
        big ? depth : 1,
        big ? FIXED_ASYNC : FIXED,
        path,
        have,
      );
    });
    if (small !== undefined) return small;
  }
  let fd: number;
  try {
    fd = await ring.openat(path, O.O_RDONLY | O_CLOEXEC, 0, o);
  } catch (e) {
    throw withPath(e, "readFile", path);
  }
  try {
    const st = fstatSize(fd);
    if (typeof st === "number") throw new FsError(-st, "readFile (fstat)", path);
    if ((st.mode & 0o170000) === 0o040000) throw new FsError(Errno.EISDIR, "readFile", path);
    const size = st.size;
    const big = size >= ASYNC_FROM;
    return await readFd(
      ring,
      fd,
      size,
      big ? chunk : Math.max(size, 1),
      big ? depth : 1,
      rw(options, big),
      path,
    );
  } finally {
    ring.closeFd(fd).catch(() => {});
  }
}

const READFILES_OPTIONS = fsOptions("readFiles");

/**
 * Read many files whole: the same bytes as `Promise.all(paths.map((p) =>
 * readFile(p)))`, with one promise per window of files instead of one per
 * file. Each small file is one linked chain (openat into a fixed-file slot →
 * read → a 1-byte read confirming the end), a window of up to ~60 chains and
 * the previous window's closes go to the kernel in one `io_uring_enter`, and
 * the results are copied out of library memory once. Files of 64 KiB or
 * more, FIFOs and devices are read by {@linkcode readFile}, 64 at a time
 * (and every file is, with `signal`).
 *
 * @throws {FsError} the first failing file's error (`ENOENT` with its path…); the other reads still complete
 *
 * @example
 * ```ts
 * import { readFiles } from "@jsuring/jsuring";
 * const [hostname, osRelease] = await readFiles(["/etc/hostname", "/etc/os-release"]);
 * console.log(hostname.length, osRelease.length);
 * ```
 */
export async function readFiles(paths: readonly string[], options: FsOptions = {}): Promise<Uint8Array[]> {
  READFILES_OPTIONS(options);
  if (!Array.isArray(paths)) throw typeError("readFiles: paths", "an array of string paths", paths);
  for (let i = 0; i < paths.length; i++) checkPath("readFiles", paths[i], `paths[${i}]`);
  const ring = options.ring ?? defaultRing();
  const out: (Uint8Array | undefined)[] = new Array(paths.length).fill(undefined);
  if (options.signal === undefined) await readMany(ring, paths, out);
  const rest: number[] = [];
  for (let i = 0; i < out.length; i++) if (out[i] === undefined) rest.push(i);
  let next = 0;
  const worker = async () => {
    while (next < rest.length) {
      const i = rest[next++];
      out[i] = await readFile(paths[i], { ring, signal: options.signal });
    }
  };
  await Promise.all(Array.from({ length: Math.min(64, rest.length) }, worker));
  return out as Uint8Array[];
}

/** Files from this size up are read by the kernel's workers (measured: below, the wake-up costs more than the copy). */
const ASYNC_FROM = 2 << 20;

function rw(o: FsOptions, async: boolean): AsyncOpOptions | undefined {
  if (!async) return o.signal ? { signal: o.signal } : undefined;
  return o.signal ? { signal: o.signal, async: true } : ASYNC;
}

/**
 * `size` new bytes whose first byte is page aligned. The kernel copies into a
 * destination that is not 32-byte aligned about 3× slower (measured here:
 * 8 MiB reads into a page-cached file's pages at address % 4096 = 8 or 16
 * took 160–190 ms per 256 MiB, at 0, 32 or 64 55–60 ms); Deno's allocator
 * hands out large ArrayBuffers 16 bytes into a page (malloc's header), Bun's
 * page aligned. This was most of the gap between Deno and Bun.
 */
function alignedBytes(size: number): Uint8Array {
  if (size < ALIGN_FROM) return new Uint8Array(size);
  if (pageAligned !== false) {
    const exact = uninitialized(size);
    if (getNative().addressOf(exact) % 4096 === 0) return pageAligned = true, exact;
    // This runtime's large allocations are not page aligned (Deno's: 16 bytes
    // in, malloc's header): from now on allocate with room to align at once.
    pageAligned = false;
  }
  const raw = uninitialized(size + 4096);
  const skew = getNative().addressOf(raw) % 4096;
  return raw.subarray(skew === 0 ? 0 : 4096 - skew, (skew === 0 ? 0 : 4096 - skew) + size);
}

/**
 * `size` bytes the reads will overwrite, not zeroed first: `new
 * Uint8Array(1 MiB)` cost 55–80 µs here (zeroing, or faulting in fresh
 * pages), `Buffer.allocUnsafeSlow` 7–9 µs on Bun (reused allocator memory).
 * A plain Uint8Array over it (not a Buffer), and never returned with bytes
 * the file did not supply (a short file is sliced).
 */
function uninitialized(size: number): Uint8Array {
  const b = Buffer.allocUnsafeSlow(size);
  return new Uint8Array(b.buffer, b.byteOffset, size);
}
/** Whether large allocations came page aligned (undefined: not seen yet). */
let pageAligned: boolean | undefined;
/** Below this the alignment costs more than it saves. */
const ALIGN_FROM = 64 * 1024;

/**
 * A read into memory only this module holds (the buffer being built, which
 * nobody sees before every read into it completed): the SQE gets its address
 * as is. `ring.read` would stage it (src/memory/_pin.ts: a caller's buffer
 * could be detached while the kernel writes it), which costs a second copy of
 * every byte: measured on Bun at 1 MiB, 244 µs CPU per readFile against
 * `Bun.file().bytes()`'s 99. `keep` holds the buffer until the completion.
 */
function readOwn(
  ring: AsyncRing,
  fd: number,
  view: Uint8Array,
  offset: number,
  o: AsyncOpOptions | undefined,
): Promise<number> {
  const addr = getNative().addressOf(view), len = view.byteLength;
  return ring.op("read", (s, at) => prepRead(s, at, fd, addr, len, offset), view, o);
}

/** Read `fd` (statx said `size` bytes) into one new buffer. */
async function readFd(
  ring: AsyncRing,
  fd: number,
  size: number,
  chunk: number,
  depth: number,
  o: AsyncOpOptions | undefined,
  path: string,
  have?: Uint8Array,
): Promise<Uint8Array> {
  const out = alignedBytes(size);
  adviseHugepages(out);
  // The first bytes, already read (size 0: they come first in the parts below).
  let start = 0;
  if (have !== undefined && size > 0) {
    // Only whole pages of it: the reads below must start page aligned in
    // `out` (the kernel copies into a misaligned destination about 3× slower,
    // see alignedBytes), so the last partial page is read again.
    start = Math.min(have.length, size) & ~4095;
    out.set(have.subarray(0, start));
  }
  // The probe past the end: 0 (the usual case) confirms the size.
  const probe = new Uint8Array(size === 0 ? PROBE : 1);
  // Size 0 (procfs, sysfs): sequential reads at the file position; seq_file
  // regenerates the text up to the offset for every positional read.
  const seq = size === 0;
  const probeRead = readOwn(ring, fd, probe, seq ? -1 : size, o);
  probeRead.catch(() => {});
  let next = start, eof = size, failure: unknown;
  const worker = async () => {
    while (next < eof && failure === undefined) {
      const at = next;
      const len = Math.min(chunk, eof - at);
      next = at + len;
      let done = 0;
      try {
        while (done < len) {
          const n = await readOwn(ring, fd, out.subarray(at + done, at + len), at + done, o);
          if (n === 0) {
            eof = Math.min(eof, at + done); // the file shrank under us
            break;
          }
          done += n;
        }
      } catch (e) {
        failure ??= e;
      }
    }
  };
  const workers: Promise<void>[] = [];
  for (let i = 0; i < depth && start + i * chunk < size; i++) workers.push(worker());
  await Promise.all(workers);
  let extra: number;
  try {
    extra = await probeRead;
  } catch (e) {
    failure ??= e;
    extra = 0;
  }
  if (failure !== undefined) throw withPath(failure, "read", path);
  if (eof < size) return out.slice(0, eof);
  if (extra === 0) return have !== undefined && size === 0 ? have : out;
  // The file grew (or statx did not know its size): read on to EOF.
  const parts: Uint8Array[] = have !== undefined && size === 0
    ? [have, probe.subarray(0, extra)]
    : [out, probe.subarray(0, extra)];
  let total = (have !== undefined && size === 0 ? have.length : size) + extra;
  for (let piece = Math.max(PROBE, chunk >>> 4);; piece = Math.min(piece * 2, chunk)) {
    const b = new Uint8Array(piece);
    const n = await readOwn(ring, fd, b, seq ? -1 : total, o).catch((e) =>
      Promise.reject(withPath(e, "read", path))
    );
    if (n === 0) break;
    parts.push(b.subarray(0, n));
    total += n;
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

/**
 * Options of {@linkcode writeFile}.
 *
 * @example
 * ```ts
 * import { writeFile, type WriteFileOptions } from "@jsuring/jsuring";
 * const o: WriteFileOptions = { mode: 0o600, sync: "data" };
 * await writeFile("/tmp/jsuring-wf-options", "secret", o);
 * ```
 */
export interface WriteFileOptions extends FsOptions {
  /** Permission bits of a file this creates (default 0o666, less the umask). */
  mode?: number;
  /** Append instead of truncating. */
  append?: boolean;
  /** Fail with `EEXIST` if the file exists (`"wx"`). */
  exclusive?: boolean;
  /** Flush to the device before resolving: `true`/`"all"` fsync, `"data"` fdatasync. */
  sync?: boolean | "all" | "data";
  /** Bytes per write (default 4 MiB). */
  chunk?: number;
  /** Writes in flight (default 4). */
  depth?: number;
}

const WRITE_OPTIONS = fsOptions("writeFile", {
  mode: opt.mode,
  append: opt.bool,
  exclusive: opt.bool,
  sync: (v, what) => {
    if (typeof v !== "boolean" && v !== "all" && v !== "data") {
      throw typeError(what, 'true, false, "all" or "data"', v);
    }
  },
  chunk: opt.number,
  depth: opt.number,
});
const WRITE_CHUNK = 4 << 20;

/**
 * Writes up to this size without `sync` are made by direct calls (see
 * {@linkcode writeInline}).
 */
const INLINE_MAX = 64 * 1024;

/**
 * A small write made whole by direct calls on the JS thread: open(2),
 * pwrite(2), ftruncate(2), close(2), a few microseconds for a page-cached
 * file. Why not the ring: ext4 has no non-blocking buffered write, so
 * io_uring hands every such write to a kernel worker thread (and openat
 * with O_CREAT too, io_openat2 refuses to try it inline); a worker wake-up
 * per call cost 10–20 µs of CPU where the direct calls cost about 3 (bench/writefile.ts,
 * 4 KiB: 1–40 k calls/s against Bun.write's 100 k). The price: the calls
 * block the event loop while they run, as long as the kernel makes a
 * writer wait (dirty-page throttling under heavy writeback); `sync`,
 * `signal` or more than 64 KiB take the ring. Returns false (nothing done)
 * when libc is not loadable.
 */
const ENCODER = new TextEncoder();
const PATH_BUF = new Uint8Array(4096);
let PATH_AT: number | undefined;

function writeInline(path: string, bytes: Uint8Array, o: WriteFileOptions): boolean {
  const l = libc();
  if (!l) return false;
  const sym = l.symbols;
  const flags = O.O_WRONLY | O.O_CREAT | O_CLOEXEC | (o.append ? O.O_APPEND : o.exclusive ? O.O_EXCL : 0);
  // The path NUL-terminated in a buffer kept for the purpose (no allocation).
  const { read, written } = ENCODER.encodeInto(path, PATH_BUF);
  if (read !== path.length || written >= PATH_BUF.length - 1) return false; // long: the ring's path says ENAMETOOLONG
  PATH_BUF[written] = 0;
  const fd = sym.open(PATH_AT ??= getNative().addressOf(PATH_BUF), flags, o.mode ?? 0o666);
  if (fd < 0) throw new FsError(errno(), "writeFile", path);
  let ok = false;
  try {
    const at = bytes.length ? getNative().addressOf(bytes) : 0;
    for (let done = 0; done < bytes.length;) {
      const n = o.append
        ? sym.write(fd, at + done, bytes.length - done)
        : sym.pwrite(fd, at + done, bytes.length - done, done);
      if (n < 0) {
        const e = errno();
        if (e === Errno.EINTR) continue;
        throw new FsError(e, "writeFile", path);
      }
      done += n;
    }
    // The old tail, if the file was longer (see writeFile on why not O_TRUNC).
    if (!o.append && !o.exclusive && sym.ftruncate(fd, bytes.length) !== 0) {
      throw new FsError(errno(), "writeFile (ftruncate)", path);
    }
    ok = true;
  } finally {
    if (!ok) sym.close(fd); // the write's own error is the one to report
  }
  // A failed close (NFS reports write-back errors there) fails the call.
  if (sym.close(fd) !== 0) throw new FsError(errno(), "writeFile (close)", path);
  return true;
}
const WRITE_DEPTH = 4;

/**
 * Write `data` to `path` (created or replaced; `append: true` to append,
 * `exclusive: true` to refuse an existing file), like
 * `fs.promises.writeFile` / `Deno.writeFile`. Up to 64 KiB without `sync`
 * or `signal`: direct open/pwrite/ftruncate/close calls (ext4 makes io_uring
 * hand buffered writes to a worker thread, which costs more than the write;
 * see writeInline in the source). Larger: chunks of `chunk` bytes go to
 * the kernel's workers, `depth` at a time, each at its own offset; `sync`
 * adds an fsync or fdatasync before the file is closed. An existing file is
 * overwritten in place and then cut to the new length (ftruncate), not
 * truncated first: on ext4 a truncate-to-zero-and-rewrite makes close() wait
 * for a flush (auto_da_alloc), 20× the cost of a small write here. Ask for
 * `sync` when the new contents must be on disk.
 *
 * @throws {UringError} `ENOENT` (missing directory, with the path), `EISDIR`, `EEXIST` (exclusive)…
 *
 * @example
 * ```ts
 * import { writeFile } from "@jsuring/jsuring";
 * await writeFile("/tmp/jsuring-writefile", new TextEncoder().encode("hello"), { sync: "data" });
 * ```
 */
export async function writeFile(
  path: string,
  data: Uint8Array | string,
  options: WriteFileOptions = {},
): Promise<void> {
  WRITE_OPTIONS(options);
  if (typeof data !== "string" && !(data instanceof Uint8Array)) {
    throw typeError("writeFile: data", "a Uint8Array or a string", data);
  }
  // A detached array reads as empty: the file would be cut to 0 bytes.
  if (typeof data !== "string" && isDetached(data)) {
    throw new TypeError("writeFile: data is detached (transferred)");
  }
  const chunk = options.chunk ?? WRITE_CHUNK;
  const depth = options.depth ?? WRITE_DEPTH;
  checkChunking("writeFile", chunk, depth);
  checkPath("writeFile", path);
  const sync = options.sync;
  if (sync !== undefined && typeof sync !== "boolean" && sync !== "all" && sync !== "data") {
    throw new TypeError(
      `writeFile: sync must be true, false, "all" or "data", got ${JSON.stringify(sync)} (${typeof sync})`,
    );
  }
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  if (
    bytes.length <= INLINE_MAX && !sync && options.signal === undefined && writeInline(path, bytes, options)
  ) {
    return;
  }
  // Replacing: open without O_TRUNC, write, then cut the old tail with
  // ftruncate(2). ext4 (auto_da_alloc) starts a synchronous flush at close of
  // a file truncated to 0 and rewritten: measured here 5.6 ms for a 4 KiB
  // rewrite with O_TRUNC, 0.3 ms without (node:fs writeFile pays it too).
  const flags = options.append ? "a" : options.exclusive ? "wx" : O.O_WRONLY | O.O_CREAT;
  // Not registered: a file-table update per open and close costs more than
  // it saves on a handful of writes (IORING_REGISTER_FILES_UPDATE2 is a syscall each).
  const how = { ring: options.ring, signal: options.signal, mode: options.mode, register: false };
  // An existing file first without O_CREAT: io_uring runs that openat inline,
  // where any O_CREAT openat goes to a kernel worker (io_openat2 refuses to
  // try it non-blocking); ENOENT then creates it.
  const f =
    await (typeof flags !== "number"
      ? open(path, flags, how)
      : open(path, O.O_WRONLY, how).catch((e) =>
        e instanceof UringError && e.errno === Errno.ENOENT ? open(path, flags, how) : Promise.reject(e)
      )).catch((e) => Promise.reject(withPath(e, "writeFile", path)));
  try {
    const o = rw(options, bytes.length >= ASYNC_FROM);
    if (options.append) {
      await f.writeAll(bytes, -1, o);
    } else {
      let next = 0;
      const worker = async () => {
        while (next < bytes.length) {
          const at = next;
          next = Math.min(bytes.length, at + chunk);
          try {
            await f.writeAll(bytes.subarray(at, next), at, o);
          } catch (e) {
            next = bytes.length; // the other workers stop too
            throw e;
          }
        }
      };
      const workers: Promise<void>[] = [];
      for (let i = 0; i < depth && i * chunk < bytes.length; i++) workers.push(worker());
      // Wait for every write before closing, even after a failure.
      for (const r of await Promise.allSettled(workers)) {
        if (r.status === "rejected") throw withPath(r.reason, "writeFile", path);
      }
    }
    if (!options.append && !options.exclusive) {
      // Synchronous: it only sets the inode's size (no I/O), where
      // IORING_OP_FTRUNCATE always goes through a worker thread.
      const l = libc();
      if (l) {
        if (l.symbols.ftruncate(f.fd, bytes.length) !== 0) {
          throw new FsError(errno(), "writeFile (ftruncate)", path);
        }
      } else await f.truncate(bytes.length);
    }
    if (sync) await f.sync({ datasync: sync === "data" });
  } finally {
    await f.close();
  }
}
