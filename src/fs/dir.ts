/**
 * Directory listing and tree walks.
 *
 * io_uring has no getdents, so {@linkcode readDir} opens the directory
 * through the ring and reads it with getdents64(2) in 32 KiB batches, without
 * blocking the event loop: on Deno each getdents64 is a `nonblocking` FFI
 * call, run on the runtime's blocking-thread pool while the event loop goes
 * on; on Bun (whose FFI has no such calls) each batch is one short
 * synchronous call (a cached directory's 32 KiB take tens of microseconds)
 * and the event loop runs between batches.
 *
 * {@linkcode walk} lists each directory that way and then stats all its
 * entries with one submission: one IORING_OP_STATX per entry, queued
 * together and flushed by a single `io_uring_enter`.
 *
 * @module
 */
import { constants } from "node:fs";
import type { Statx } from "../ring/ring.ts";
import { Errno } from "../errors/errno.ts";
import { getNative } from "../runtime/_ffi.ts";
import { defaultRing, type FsOptions, O_CLOEXEC, opts } from "./file.ts";
import { checkPath, FsError, fsOptions, opt, withPath } from "./_check.ts";
import { checkInt } from "../ring/_args.ts";
import { errno, libc } from "./_libc.ts";
import * as d from "./_ops.ts";
import { run } from "./meta.ts";

/**
 * One directory entry (the shape of `Deno.DirEntry`, plus the raw `d_type`).
 *
 * @example
 * ```ts
 * import { readDir, type DirEntry } from "@jsuring/jsuring";
 * for await (const e of readDir("/etc")) {
 *   const entry: DirEntry = e;
 *   if (entry.isFile) console.log(entry.name);
 * }
 * ```
 */
export interface DirEntry {
  /** The name (not the path). */
  name: string;
  /** A regular file. */
  isFile: boolean;
  /** A directory. */
  isDirectory: boolean;
  /** A symbolic link (not followed). */
  isSymlink: boolean;
  /** getdents64's `d_type` (`DT_*`; 0: the filesystem does not say). */
  type: number;
}

const DT_DIR = 4, DT_REG = 8, DT_LNK = 10;
const BATCH = 32 * 1024;
const DECODER = new TextDecoder();

function entry(name: string, type: number): DirEntry {
  return { name, isFile: type === DT_REG, isDirectory: type === DT_DIR, isSymlink: type === DT_LNK, type };
}

/** Parse `n` bytes of `struct linux_dirent64` records; skips `.` and `..`. */
function parse(buf: Uint8Array, dv: DataView, n: number, out: DirEntry[]): void {
  for (let at = 0; at < n;) {
    // d_ino u64 @0, d_off s64 @8, d_reclen u16 @16, d_type u8 @18, d_name @19 (include/linux/dirent.h)
    const reclen = dv.getUint16(at + 16, true);
    const type = buf[at + 18];
    let end = at + 19;
    while (buf[end] !== 0) end++;
    const name = DECODER.decode(buf.subarray(at + 19, end));
    if (name !== "." && name !== "..") out.push(entry(name, type));
    at += reclen;
  }
}

const READDIR = fsOptions("readDir");
const READDIR_NAMES = fsOptions("readdir", { withFileTypes: opt.bool });
const WALK = fsOptions("walk", {
  mask: opt.u32,
  onError: opt.fn,
  maxDepth: (v, what) => {
    if (v !== Infinity) checkInt(v, what, 0, 0xffffffff);
  },
});

async function list(path: string, options: FsOptions, check = READDIR): Promise<DirEntry[]> {
  checkPath("readDir", path);
  check(options);
  const l = libc();
  if (!l) {
    throw new FsError(Errno.ENOSYS, "readDir", path, undefined, "libc could not be loaded for getdents64");
  }
  const ring = options.ring ?? defaultRing();
  let fd: number;
  try {
    fd = await ring.openat(path, constants.O_RDONLY | constants.O_DIRECTORY | O_CLOEXEC, 0, opts(options));
  } catch (e) {
    throw withPath(e, "readDir", path);
  }
  const nonblocking = getNative().nonblockingCalls;
  const buf = new Uint8Array(BATCH);
  const dv = new DataView(buf.buffer);
  const at = getNative().addressOf(buf);
  const out: DirEntry[] = [];
  try {
    for (;;) {
      options.signal?.throwIfAborted();
      const n: number = nonblocking
        ? await l.symbols.getdents64_nb(fd, at, BATCH)
        : l.symbols.getdents64(fd, at, BATCH);
      if (n < 0) {
        // errno is the calling thread's: on Deno ask again here to learn it.
        const code = nonblocking ? (l.symbols.getdents64(fd, at, BATCH) < 0 ? errno() : Errno.EIO) : errno();
        throw new FsError(code, "readDir", path);
      }
      if (n === 0) return out;
      parse(buf, dv, n, out);
      if (!nonblocking) await new Promise((r) => setImmediate(r)); // the event loop runs between batches
    }
  } finally {
    ring.closeFd(fd).catch(() => {});
  }
}

/**
 * The entries of directory `path` (without `.` and `..`), as an async
 * iterable like `Deno.readDir`; see the module doc for how getdents64 stays
 * off the event loop.
 *
 * @throws {FsError} `ENOENT` (with the path), `ENOTDIR`, `EACCES`
 *
 * @example
 * ```ts
 * import { readDir } from "@jsuring/jsuring";
 * for await (const e of readDir("/etc")) console.log(e.name, e.isDirectory);
 * ```
 */
export async function* readDir(path: string, options: FsOptions = {}): AsyncGenerator<DirEntry> {
  yield* await list(path, options);
}

/**
 * The names in directory `path`, or with `withFileTypes` its entries, like
 * `fs.promises.readdir`.
 *
 * @example
 * ```ts
 * import { readdir } from "@jsuring/jsuring";
 * console.log((await readdir("/etc")).includes("hostname"));
 * ```
 */
export function readdir(path: string, options?: FsOptions & { withFileTypes?: false }): Promise<string[]>;
/**
 * The entries in directory `path`.
 *
 * @example
 * ```ts
 * import { readdir } from "@jsuring/jsuring";
 * for (const e of await readdir("/etc", { withFileTypes: true })) if (e.isDirectory) console.log(e.name);
 * ```
 */
export function readdir(path: string, options: FsOptions & { withFileTypes: true }): Promise<DirEntry[]>;
export async function readdir(
  path: string,
  options: FsOptions & { withFileTypes?: boolean } = {},
): Promise<string[] | DirEntry[]> {
  const entries = await list(path, options, READDIR_NAMES);
  return options.withFileTypes ? entries : entries.map((e) => e.name);
}

/**
 * One item of {@linkcode walk}.
 *
 * @example
 * ```ts
 * import { walk, type WalkEntry } from "@jsuring/jsuring";
 * for await (const w of walk("/etc/ssl")) {
 *   const item: WalkEntry = w;
 *   console.log(item.path, item.stat.size);
 * }
 * ```
 */
export interface WalkEntry extends DirEntry {
  /** The path (root joined with the names on the way). */
  path: string;
  /** statx of the entry itself (symlinks are not followed). */
  stat: Statx;
}

/**
 * Options of {@linkcode walk}.
 *
 * @example
 * ```ts
 * import type { WalkOptions } from "@jsuring/jsuring";
 * const o: WalkOptions = { mask: 0x200, onError: (path, e) => console.log(path, e.code) };
 * ```
 */
export interface WalkOptions extends FsOptions {
  /** `STATX_*` fields to ask for (default STATX_BASIC_STATS). */
  mask?: number;
  /** A directory that cannot be listed or an entry that cannot be stat'ed: call this and go on (default: reject). */
  onError?: (path: string, error: FsError) => void;
  /** Levels to descend below the root (default: all). */
  maxDepth?: number;
}

/**
 * Walk the tree under directory `root`, depth first, yielding every entry
 * (files, directories, symlinks — which are not followed) with its statx.
 * Each directory is listed by getdents64 (off the event loop, as
 * {@linkcode readDir}) and all its entries are stat'ed with one submission.
 *
 * @example
 * ```ts
 * import { walk } from "@jsuring/jsuring";
 * let bytes = 0;
 * for await (const e of walk("/etc/ssl")) if (e.isFile) bytes += e.stat.size;
 * console.log(bytes);
 * ```
 */
export async function* walk(root: string, options: WalkOptions = {}): AsyncGenerator<WalkEntry> {
  checkPath("walk", root);
  WALK(options);
  const ring = options.ring ?? defaultRing();
  const mask = options.mask ?? 0x7ff;
  const maxDepth = options.maxDepth ?? Infinity;
  const stack: [string, number][] = [[root.replace(/\/+$/, "") || "/", 0]];
  while (stack.length) {
    const [dir, depth] = stack.pop()!;
    let entries: DirEntry[];
    try {
      entries = await list(dir, { ring, signal: options.signal });
    } catch (e) {
      if (options.onError && e instanceof FsError) {
        options.onError(dir, e);
        continue;
      }
      throw e;
    }
    const base = dir === "/" ? "" : dir;
    // One statx per entry, all queued before the first await: one submission.
    const stats = await Promise.allSettled(
      entries.map((e) =>
        run(ring, d.statx(`${base}/${e.name}`, mask, false), { ring, signal: options.signal })
      ),
    );
    const subdirs: [string, number][] = [];
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i], s = stats[i], path = `${base}/${e.name}`;
      if (s.status === "rejected") {
        if (options.onError && s.reason instanceof FsError) {
          options.onError(path, s.reason);
          continue;
        }
        throw s.reason;
      }
      const st = s.value;
      // d_type 0 (the filesystem does not say): the statx mode does.
      const fmt = st.mode & 0o170000;
      const type = e.type ||
        (fmt === 0o040000 ? DT_DIR : fmt === 0o100000 ? DT_REG : fmt === 0o120000 ? DT_LNK : 0);
      const item: WalkEntry = { ...entry(e.name, type), path, stat: st };
      yield item;
      if (item.isDirectory && depth < maxDepth) subdirs.push([path, depth + 1]);
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]);
  }
}
