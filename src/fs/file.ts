/**
 * Open files over an {@linkcode AsyncRing}: `open`, the {@linkcode File}
 * handle (positional read and write, stat, sync, close), `stat`, and the
 * process-wide default ring the fs and net functions share.
 *
 * @module
 */
import { constants } from "node:fs";
import { type AsyncOpOptions, AsyncRing } from "../async/async_ring.ts";
import type { Statx } from "../ring/ring.ts";
import { UringError } from "../errors/uring_error.ts";
import { FileTable } from "./_files.ts";
import { Errno } from "../errors/errno.ts";
import {
  fadvise as fadviseOp,
  fallocate as fallocateOp,
  openat2 as openat2Op,
  type Prepared,
  syncFileRange as syncFileRangeOp,
} from "./_ops.ts";
import { checkPath, fsOptions, opt, withPath } from "./_check.ts";
import { checkBuffer, checkFd, show } from "../ring/_args.ts";
import { ftruncate, run as runOp } from "./meta.ts";

export type { Statx } from "../ring/ring.ts";

let shared: AsyncRing | undefined;

/**
 * The process-wide ring the fs and net functions use when none is given.
 *
 * @example
 * ```ts
 * import { defaultRing } from "@jsuring/jsuring";
 * console.log(await defaultRing().nop()); // 0
 * ```
 */
export function defaultRing(): AsyncRing {
  if (!shared || shared.closed) shared = AsyncRing.create({ entries: 256 });
  return shared;
}

/**
 * Options common to the fs functions.
 *
 * @example
 * ```ts
 * import { AsyncRing, readFile, type FsOptions } from "@jsuring/jsuring";
 * await using ring = AsyncRing.create();
 * const opts: FsOptions = { ring, signal: AbortSignal.timeout(5000) };
 * await readFile("/etc/hostname", opts);
 * ```
 */
export interface FsOptions {
  /** The ring to use (default: {@linkcode defaultRing}). */
  ring?: AsyncRing;
  /** Abort the operation. */
  signal?: AbortSignal;
}

/**
 * How to open: `"r"`, `"r+"`, `"w"`, `"w+"`, `"a"`, `"a+"`, `"wx"`, `"wx+"`, or `O_*` flags.
 *
 * @example
 * ```ts
 * import { open, type OpenFlags } from "@jsuring/jsuring";
 * const flags: OpenFlags = "a";
 * await using f = await open("/tmp/jsuring-openflags", flags);
 * ```
 */
export type OpenFlags = "r" | "r+" | "w" | "w+" | "a" | "a+" | "wx" | "wx+" | number;

const O = constants;
const FLAGS: Record<string, number> = {
  "r": O.O_RDONLY,
  "r+": O.O_RDWR,
  "w": O.O_WRONLY | O.O_CREAT | O.O_TRUNC,
  "w+": O.O_RDWR | O.O_CREAT | O.O_TRUNC,
  "a": O.O_WRONLY | O.O_CREAT | O.O_APPEND,
  "a+": O.O_RDWR | O.O_CREAT | O.O_APPEND,
  "wx": O.O_WRONLY | O.O_CREAT | O.O_EXCL,
  "wx+": O.O_RDWR | O.O_CREAT | O.O_EXCL,
};
export const O_CLOEXEC = 0o2000000;
const OPEN = fsOptions("open", { mode: opt.mode, register: opt.bool, resolve: opt.u32, dirfd: opt.dirfd });
const ALLOCATE = fsOptions("allocate");
const ADVISE = fsOptions("advise");
const SYNC_RANGE = fsOptions("syncRange");
const FIXED: AsyncOpOptions = Object.freeze({ fixedFile: true });
const AT_EMPTY_PATH = 0x1000;
const EMPTY_PATH = new Uint8Array(1);

export function openFlags(flags: OpenFlags): number {
  if (typeof flags === "number") {
    // u32 (open_how.flags is u64, openat's SQE field 32 bits): -1 would set every flag.
    if (!Number.isInteger(flags) || flags < 0 || flags > 0xffffffff) {
      throw new RangeError(
        `open: flags must be "r", "w", ... or O_* bits (0..4294967295), got ${show(flags)}`,
      );
    }
    return (flags | O_CLOEXEC) >>> 0;
  }
  const f = Object.hasOwn(FLAGS, flags) ? FLAGS[flags] : undefined;
  if (f === undefined) {
    throw new TypeError(
      `open: flags must be one of ${
        Object.keys(FLAGS).map((k) => JSON.stringify(k)).join(", ")
      } or O_* bits, got ${show(flags)}`,
    );
  }
  return f | O_CLOEXEC;
}

export function opts(o: FsOptions | undefined): AsyncOpOptions | undefined {
  return o?.signal ? { signal: o.signal } : undefined;
}

/**
 * An open file: positional reads and writes through the ring.
 *
 * @example
 * ```ts
 * import { open } from "@jsuring/jsuring";
 * await using f = await open("/etc/hostname");
 * const buf = new Uint8Array(64);
 * const n = await f.read(buf, 0);
 * ```
 */
export class File implements AsyncDisposable {
  /** The file descriptor (-1 once closed). */
  fd: number;
  /** The ring its operations go through. */
  readonly ring: AsyncRing;
  /** Its slot in the ring's registered file table, or -1 (reads and writes then use the fd). */
  index: number = -1;
  /** The path it was opened by (for errors), if known. */
  path?: string;

  /**
   * Wrap an open file descriptor (the File closes it).
   *
   * @example
   * ```ts
   * import { File, defaultRing } from "@jsuring/jsuring";
   * import { openSync } from "node:fs";
   * const f = new File(openSync("/etc/hostname", "r"), defaultRing());
   * await f.close();
   * ```
   */
  constructor(fd: number, ring: AsyncRing) {
    checkFd(fd, "File: fd");
    opt.ring(ring, "File: ring");
    this.fd = fd;
    this.ring = ring;
  }

  /**
   * Put the file in the ring's registered file table (see `open`'s
   * `register`): reads and writes then skip the kernel's per-op file lookup.
   *
   * @returns whether it got a slot (false: table full or not available)
   *
   * @example
   * ```ts
   * import { File, defaultRing } from "@jsuring/jsuring";
   * import { openSync } from "node:fs";
   * await using f = new File(openSync("/etc/hostname", "r"), defaultRing());
   * console.log(f.register(), f.index);
   * ```
   */
  register(): boolean {
    if (this.index >= 0) return true;
    if (this.fd < 0) throw new TypeError("file is closed");
    this.index = FileTable.of(this.ring)?.add(this.fd) ?? -1;
    return this.index >= 0;
  }

  #target(options: AsyncOpOptions | undefined): [number, AsyncOpOptions | undefined] {
    if (this.index < 0) return [this.fd, options];
    return [this.index, options ? { ...options, fixedFile: true } : FIXED];
  }

  /**
   * Read into `buffer` at `position` (-1 or omitted: the file position).
   *
   * @returns the bytes read (0 at end of file)
   *
   * @example
   * ```ts
   * import { open } from "@jsuring/jsuring";
   * await using f = await open("/etc/hostname");
   * console.log(await f.read(new Uint8Array(16), 0));
   * ```
   */
  read(buffer: ArrayBufferView, position = -1, options?: AsyncOpOptions): Promise<number> {
    const [fd, o] = this.#target(options);
    return this.ring.read(fd, buffer, position, o);
  }

  /**
   * Write `buffer` at `position` (-1 or omitted: the file position / append).
   *
   * @returns the bytes written
   *
   * @example
   * ```ts
   * import { open } from "@jsuring/jsuring";
   * await using f = await open("/tmp/jsuring-file-write", "w");
   * await f.write(new TextEncoder().encode("hi"), 0);
   * ```
   */
  write(buffer: ArrayBufferView, position = -1, options?: AsyncOpOptions): Promise<number> {
    const [fd, o] = this.#target(options);
    return this.ring.write(fd, buffer, position, o);
  }

  /**
   * Write all of `buffer` at `position`, continuing after short writes.
   *
   * @example
   * ```ts
   * import { open } from "@jsuring/jsuring";
   * await using f = await open("/tmp/jsuring-file-writeall", "w");
   * await f.writeAll(new Uint8Array(100_000), 0);
   * ```
   */
  async writeAll(buffer: ArrayBufferView, position = 0, options?: AsyncOpOptions): Promise<void> {
    checkBuffer(buffer, "writeAll: buffer");
    const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    let done = 0;
    while (done < bytes.length) {
      const n = await this.write(bytes.subarray(done), position < 0 ? -1 : position + done, options);
      if (n === 0) throw new UringError(Errno.EIO, "write", "the file accepted no bytes");
      done += n;
    }
  }

  /**
   * statx of the open file.
   *
   * @example
   * ```ts
   * import { open } from "@jsuring/jsuring";
   * await using f = await open("/etc/hostname");
   * console.log((await f.stat()).size);
   * ```
   */
  stat(options?: AsyncOpOptions): Promise<Statx> {
    return this.ring.statx(EMPTY_PATH, { ...options, dirfd: this.fd, atFlags: AT_EMPTY_PATH });
  }

  /**
   * fsync (or fdatasync) the file.
   *
   * @example
   * ```ts
   * import { open } from "@jsuring/jsuring";
   * await using f = await open("/tmp/jsuring-file-sync", "w");
   * await f.sync();
   * ```
   */
  async sync(how: { datasync?: boolean } = {}): Promise<void> {
    const [fd, o] = this.#target(undefined);
    await this.ring.fsync(fd, how, o);
  }

  /**
   * Truncate or extend the file to `length` bytes (IORING_OP_FTRUNCATE, 6.9;
   * a synchronous ftruncate(2) on older kernels).
   *
   * @example
   * ```ts
   * import { open } from "@jsuring/jsuring";
   * await using f = await open("/tmp/jsuring-file-truncate", "w");
   * await f.truncate(1000);
   * ```
   */
  truncate(length = 0, options?: FsOptions): Promise<void> {
    return ftruncate(this.fd, length, { ...options, ring: this.ring, path: this.path });
  }

  /**
   * fallocate(2) (IORING_OP_FALLOCATE, 5.6): reserve `length` bytes at
   * `offset` (`FALLOC_FL_*` mode; 0 also extends the size), e.g.
   * {@linkcode File.punchHole}.
   *
   * @example
   * ```ts
   * import { open } from "@jsuring/jsuring";
   * await using f = await open("/tmp/jsuring-file-allocate", "w");
   * await f.allocate(0, 1 << 20);
   * ```
   */
  allocate(offset: number, length: number, mode = 0, options?: FsOptions): Promise<void> {
    return this.#run(ALLOCATE, () => fallocateOp(this.fd, mode, offset, length, this.path), options);
  }

  /**
   * Deallocate `length` bytes at `offset`, keeping the size: reads there
   * return zeros (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE).
   *
   * @example
   * ```ts
   * import { open } from "@jsuring/jsuring";
   * await using f = await open("/tmp/jsuring-file-punch", "w+");
   * await f.writeAll(new Uint8Array(65536).fill(1), 0);
   * await f.punchHole(0, 4096);
   * ```
   */
  punchHole(offset: number, length: number, options?: FsOptions): Promise<void> {
    return this.allocate(offset, length, 0x3, options);
  }

  /**
   * posix_fadvise(2) (IORING_OP_FADVISE, 5.6): `POSIX_FADV_*` advice for
   * `length` bytes at `offset` (0: to the end).
   *
   * @example
   * ```ts
   * import { open, POSIX_FADV } from "@jsuring/jsuring";
   * await using f = await open("/etc/hostname");
   * await f.advise(0, 0, POSIX_FADV.SEQUENTIAL);
   * ```
   */
  advise(offset: number, length: number, advice: number, options?: FsOptions): Promise<void> {
    return this.#run(ADVISE, () => fadviseOp(this.fd, offset, length, advice, this.path), options);
  }

  /**
   * sync_file_range(2) (IORING_OP_SYNC_FILE_RANGE, 5.2): start or wait for
   * writeback of `length` bytes at `offset` (`SYNC_FILE_RANGE_*` flags:
   * 1 WAIT_BEFORE, 2 WRITE, 4 WAIT_AFTER).
   *
   * @example
   * ```ts
   * import { open } from "@jsuring/jsuring";
   * await using f = await open("/tmp/jsuring-file-syncrange", "w");
   * await f.writeAll(new Uint8Array(4096), 0);
   * await f.syncRange(0, 4096, 2);
   * ```
   */
  syncRange(offset: number, length: number, flags = 2, options?: FsOptions): Promise<void> {
    return this.#run(SYNC_RANGE, () => syncFileRangeOp(this.fd, offset, length, flags, this.path), options);
  }

  async #run(
    check: (o: unknown) => void,
    prepare: () => Prepared<void>,
    options: FsOptions | undefined,
  ): Promise<void> {
    check(options);
    if (this.fd < 0) throw new TypeError("file is closed");
    await runOp(this.ring, prepare(), options);
  }

  /**
   * Close the file (through the ring).
   *
   * @example
   * ```ts
   * import { open } from "@jsuring/jsuring";
   * const f = await open("/etc/hostname");
   * await f.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    if (this.index >= 0) {
      const index = this.index;
      this.index = -1;
      FileTable.of(this.ring)?.remove(index);
    }
    await this.ring.closeFd(fd);
  }

  /** Close the file. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Options of {@linkcode open}.
 *
 * @example
 * ```ts
 * import { open, RESOLVE, type OpenOptions } from "@jsuring/jsuring";
 * const o: OpenOptions = { resolve: RESOLVE.NO_SYMLINKS, mode: 0o600 };
 * await using f = await open("/tmp/jsuring-open-options", "w", o);
 * ```
 */
export interface OpenOptions extends FsOptions {
  /** Permission bits of a file this creates (default 0o666, less the umask). */
  mode?: number;
  /** Take a slot in the ring's registered file table (default true). */
  register?: boolean;
  /**
   * `RESOLVE_*` flags: open with openat2(2) (IORING_OP_OPENAT2, 5.6), e.g.
   * `RESOLVE.BENEATH` with `dirfd` to refuse paths that escape a directory,
   * `RESOLVE.NO_SYMLINKS` to refuse any symlink on the way.
   */
  resolve?: number;
  /** The directory `path` is relative to (an fd; default the current directory). */
  dirfd?: number;
}

/**
 * Open `path` (IORING_OP_OPENAT, or IORING_OP_OPENAT2 with `resolve`), like
 * `fs.promises.open` / `Deno.open`. Unless `register: false`, the file also
 * takes a slot in the ring's registered file table (fs's reserved part of the
 * table it shares with direct descriptors, see `FileTable`): its reads and
 * writes carry IOSQE_FIXED_FILE.
 *
 * @param flags `"r"` (default), `"w"`, `"a"`, ... or numeric `O_*` flags
 * @throws {FsError} `ENOENT` with the path, `EACCES`, `EISDIR`, `ELOOP`/`EXDEV` (resolve)…
 *
 * @example
 * ```ts
 * import { open } from "@jsuring/jsuring";
 * await using f = await open("/etc/hostname", "r");
 * ```
 */
export async function open(path: string, flags: OpenFlags = "r", options: OpenOptions = {}): Promise<File> {
  checkPath("open", path);
  OPEN(options);
  const ring = options.ring ?? defaultRing();
  const f = openFlags(flags);
  const mode = options.mode ?? 0o666;
  let fd: number;
  if (options.resolve !== undefined || options.dirfd !== undefined) {
    // openat2 refuses a mode without O_CREAT / O_TMPFILE (EINVAL), where openat ignores it.
    const m = f & (O.O_CREAT | 0o20000000) ? mode : 0;
    fd = await runOp(ring, openat2Op(path, f, m, options.resolve ?? 0, options.dirfd), options);
  } else {
    try {
      fd = await ring.openat(path, f, mode, opts(options));
    } catch (e) {
      throw withPath(e, "open", path);
    }
  }
  const file = new File(fd, ring);
  file.path = path;
  if (options.register ?? true) file.register();
  return file;
}
