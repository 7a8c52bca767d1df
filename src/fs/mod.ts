/**
 * Files over an {@linkcode AsyncRing}: open, positional read and write,
 * readFile, writeFile, copyFile, stat. Every function takes an optional
 * `ring`; without one they share a process-wide default ring (created on
 * first use; it never keeps the process alive when idle).
 *
 * What goes into one `io_uring_enter`: readFile submits its openat and statx
 * together, then all of a file's chunk reads; copyFile submits each chunk as
 * a linked read → write chain (IOSQE_IO_LINK), several chains at once.
 *
 * @module
 */
import { constants } from "node:fs";
import { type AsyncOpOptions, AsyncRing } from "../async/async_ring.ts";
import type { Statx } from "../ring/ring.ts";
import { UringError } from "../errors/uring_error.ts";
import { FileTable } from "./_files.ts";
import { Errno } from "../errors/errno.ts";

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
const O_CLOEXEC = 0o2000000;
const FIXED: AsyncOpOptions = Object.freeze({ fixedFile: true });
const AT_EMPTY_PATH = 0x1000;
const EMPTY_PATH = new Uint8Array(1);

function openFlags(flags: OpenFlags): number {
  if (typeof flags === "number") return flags | O_CLOEXEC;
  const f = FLAGS[flags];
  if (f === undefined) throw new TypeError(`unknown open flags ${JSON.stringify(flags)}`);
  return f | O_CLOEXEC;
}

function opts(o: FsOptions | undefined): AsyncOpOptions | undefined {
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
 * Open `path` (IORING_OP_OPENAT). Unless `register: false`, the file also
 * takes a slot in the ring's registered file table (a sparse table of 1024,
 * IORING_REGISTER_FILES2): its reads and writes carry IOSQE_FIXED_FILE.
 *
 * @param flags `"r"` (default), `"w"`, `"a"`, ... or numeric `O_*` flags
 *
 * @example
 * ```ts
 * import { open } from "@jsuring/jsuring";
 * await using f = await open("/etc/hostname", "r");
 * ```
 */
export async function open(
  path: string,
  flags: OpenFlags = "r",
  options: FsOptions & { mode?: number; register?: boolean } = {},
): Promise<File> {
  const ring = options.ring ?? defaultRing();
  const fd = await ring.openat(path, openFlags(flags), options.mode ?? 0o666, opts(options));
  const f = new File(fd, ring);
  if (options.register ?? true) f.register();
  return f;
}

/**
 * statx of `path`.
 *
 * @example
 * ```ts
 * import { stat } from "@jsuring/jsuring";
 * console.log((await stat("/etc/hostname")).size);
 * ```
 */
export function stat(path: string, options: FsOptions = {}): Promise<Statx> {
  return (options.ring ?? defaultRing()).statx(path, opts(options));
}

const CHUNK = 1 << 20;

/**
 * Read a whole file. The openat and statx go in one submission, then every
 * chunk's read in the next; a file that grows while being read is read to
 * its end.
 *
 * @example
 * ```ts
 * import { readFile } from "@jsuring/jsuring";
 * const bytes = await readFile("/etc/hostname");
 * console.log(new TextDecoder().decode(bytes));
 * ```
 */
export async function readFile(path: string, options: FsOptions = {}): Promise<Uint8Array> {
  const ring = options.ring ?? defaultRing();
  const o = opts(options);
  const [fdR, stR] = await Promise.allSettled([
    ring.openat(path, O.O_RDONLY | O_CLOEXEC, 0, o),
    ring.statx(path, o),
  ]);
  if (fdR.status === "rejected") throw fdR.reason;
  const fd = fdR.value;
  try {
    if (stR.status === "rejected") throw stR.reason;
    let size = stR.value.size;
    let out = new Uint8Array(size);
    const reads: Promise<number>[] = [];
    for (let at = 0; at < size; at += CHUNK) {
      reads.push(ring.read(fd, out.subarray(at, Math.min(size, at + CHUNK)), at, o));
    }
    const got = await Promise.all(reads);
    let total = 0;
    for (let i = 0; i < got.length; i++) {
      const want = Math.min(size, (i + 1) * CHUNK) - i * CHUNK;
      if (got[i] < want) {
        // Short: the file shrank (or a short read). Read on sequentially.
        total = i * CHUNK + got[i];
        break;
      }
      total += got[i];
    }
    // Read on until EOF (grown files, short reads).
    for (;;) {
      if (total === out.length) {
        const bigger = new Uint8Array(Math.max(out.length * 2, 64 * 1024));
        bigger.set(out);
        out = bigger;
      }
      const n = await ring.read(fd, out.subarray(total), total, o);
      if (n === 0) break;
      total += n;
    }
    size = total;
    return size === out.length ? out : out.slice(0, size);
  } finally {
    await ring.closeFd(fd).catch(() => {});
  }
}

/**
 * Write `data` to `path` (created or truncated; `append: true` to append).
 * All chunks are submitted at once, at their offsets.
 *
 * @example
 * ```ts
 * import { writeFile } from "@jsuring/jsuring";
 * await writeFile("/tmp/jsuring-writefile", new TextEncoder().encode("hello"));
 * ```
 */
export async function writeFile(
  path: string,
  data: Uint8Array | string,
  options: FsOptions & { mode?: number; append?: boolean } = {},
): Promise<void> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const f = await open(path, options.append ? "a" : "w", options);
  try {
    const o = opts(options);
    if (options.append) {
      await f.writeAll(bytes, -1, o);
      return;
    }
    const writes: Promise<void>[] = [];
    for (let at = 0; at < bytes.length; at += CHUNK) {
      const part = bytes.subarray(at, Math.min(bytes.length, at + CHUNK));
      writes.push(f.writeAll(part, at, o));
    }
    await Promise.all(writes);
  } finally {
    await f.close();
  }
}

const COPY_CHUNK = 256 * 1024;
const COPY_DEPTH = 8;

/**
 * Copy `src` to `dst` (created or truncated, with `src`'s permission bits).
 * Each chunk is a linked read → write pair (one awaited chain, the write
 * starts in the kernel as soon as the read finished); up to 8 chains are in
 * flight, each with its own buffer.
 *
 * @example
 * ```ts
 * import { copyFile, writeFile } from "@jsuring/jsuring";
 * await writeFile("/tmp/jsuring-copy-src", "data");
 * await copyFile("/tmp/jsuring-copy-src", "/tmp/jsuring-copy-dst");
 * ```
 */
export async function copyFile(src: string, dst: string, options: FsOptions = {}): Promise<void> {
  const ring = options.ring ?? defaultRing();
  const o = opts(options);
  const input = await open(src, "r", options);
  try {
    const st = await input.stat(o);
    const output = await open(dst, "w", { ...options, mode: st.mode & 0o7777 });
    try {
      const size = st.size;
      let next = 0;
      const worker = async () => {
        const buf = new Uint8Array(Math.min(COPY_CHUNK, Math.max(size, 1)));
        while (next < size) {
          const at = next;
          next += COPY_CHUNK;
          const len = Math.min(COPY_CHUNK, size - at);
          const b = buf.subarray(0, len);
          try {
            await ring.chain(() => [input.read(b, at, o), output.write(b, at, o)]);
          } catch (e) {
            // A short read breaks the link (the write is cancelled): finish
            // this chunk by hand.
            if (!(e instanceof UringError && e.errno === Errno.ECANCELED)) throw e;
            let done = 0;
            while (done < len) {
              const n = await input.read(b.subarray(done), at + done, o);
              if (n === 0) break;
              done += n;
            }
            await output.writeAll(b.subarray(0, done), at, o);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(COPY_DEPTH, Math.ceil(size / COPY_CHUNK)) }, worker));
      // The source may have grown meanwhile: append the rest.
      const tail = new Uint8Array(COPY_CHUNK);
      for (let at = size;;) {
        const n = await input.read(tail, at, o);
        if (n === 0) break;
        await output.writeAll(tail.subarray(0, n), at, o);
        at += n;
      }
    } finally {
      await output.close();
    }
  } finally {
    await input.close();
  }
}
