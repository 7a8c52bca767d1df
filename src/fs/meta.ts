/**
 * The metadata operations a script or server needs, through the ring, named
 * and shaped like `node:fs/promises` (and Deno's): `stat`/`lstat` (with the
 * statx mask you ask for), `rename` (with `RENAME_*` flags), `unlink`,
 * `rmdir`, `mkdir` (recursive too), `symlink`, `link`, `getxattr`,
 * `setxattr`, `madvise`, and `openat2`-based `openBeneath`. The per-file ones
 * (fsync, sync_file_range, fallocate and punch hole, fadvise, ftruncate) are
 * methods of {@linkcode File} and functions taking an fd here.
 *
 * Every failure is an {@linkcode FsError}: the errno name (`ENOENT`,
 * `EEXIST`, `EISDIR`, `ENOTDIR`, `EACCES`, `EXDEV` with a hint to copy), the
 * operation, and the path(s) (`err.path`, `err.dest`). Bad arguments reject
 * with a TypeError/RangeError before anything reaches the kernel.
 *
 * An operation the running kernel lacks (probed once per ring) rejects with
 * `EOPNOTSUPP` and a hint naming the kernel version; `ftruncate` (6.9) falls
 * back to a synchronous ftruncate(2) instead.
 *
 * @module
 */
import type { AsyncRing } from "../async/async_ring.ts";
import type { Ring } from "../ring/ring.ts";
import type { Statx } from "../ring/ring.ts";
import { OP_NAMES } from "../abi/opcodes.ts";
import { RENAME } from "../abi/linux.ts";
import { Errno } from "../errors/errno.ts";
import { UringError } from "../errors/uring_error.ts";
import { defaultRing, type FsOptions, opts } from "./file.ts";
import { FsError, fsOptions, opt } from "./_check.ts";
import * as d from "./_ops.ts";
import { errno, libc } from "./_libc.ts";

const SINCE: Record<string, string> = {
  STATX: "5.6",
  RENAMEAT: "5.11",
  UNLINKAT: "5.11",
  MKDIRAT: "5.15",
  SYMLINKAT: "5.15",
  LINKAT: "5.15",
  FSYNC: "5.1",
  SYNC_FILE_RANGE: "5.2",
  FALLOCATE: "5.6",
  FADVISE: "5.6",
  MADVISE: "5.6",
  FTRUNCATE: "6.9",
  GETXATTR: "5.19",
  SETXATTR: "5.19",
  OPENAT2: "5.6",
  CLOSE: "5.6",
};

const forced = new Set<number>();

/**
 * Tests only: act as if the kernel lacked `opcode` (to exercise a fallback).
 *
 * @example
 * ```ts
 * import { _forceMissingOpcode } from "./meta.ts";
 * _forceMissingOpcode(55, true); // IORING_OP_FTRUNCATE
 * _forceMissingOpcode(55, false);
 * ```
 */
export function _forceMissingOpcode(opcode: number, missing: boolean): void {
  if (missing) forced.add(opcode);
  else forced.delete(opcode);
}

/** Whether `ring` supports `opcode` (IORING_REGISTER_PROBE, cached by the ring). */
export function supports(ring: Ring, opcode: number): boolean {
  if (forced.has(opcode)) return false;
  const name = OP_NAMES[opcode];
  try {
    return name !== undefined && ring.probe().has(name);
  } catch {
    return true; // no probe (before 5.6): let the kernel say
  }
}

function missing(p: d.Prepared<unknown>): FsError {
  const op = OP_NAMES[p.opcode] ?? String(p.opcode);
  return new FsError(
    Errno.EOPNOTSUPP,
    p.name,
    p.path,
    p.dest,
    `this kernel has no IORING_OP_${op} (requires Linux ${SINCE[op] ?? "newer"})`,
  );
}

/** Run one prepared operation on an AsyncRing; reject with an FsError. */
export async function run<T>(ring: AsyncRing, p: d.Prepared<T>, options?: FsOptions): Promise<T> {
  if (!supports(ring.ring, p.opcode)) throw missing(p);
  try {
    const res = await ring.op(p.name, p.write, p.keep, opts(options));
    return p.value(res);
  } catch (e) {
    if (e instanceof UringError && !(e instanceof FsError)) {
      throw new FsError(e.errno, p.name, p.path, p.dest, undefined, { cause: e });
    }
    throw e;
  }
}

/** `prepare()` then run, all inside the promise (bad arguments reject, never throw). */
async function go<T>(
  check: (o: unknown) => void,
  options: FsOptions | undefined,
  prepare: () => d.Prepared<T>,
): Promise<T> {
  check(options);
  const p = prepare();
  return await run(options?.ring ?? defaultRing(), p, options);
}

// Each function's options check (src/fs/_check.ts): unknown keys and wrong types reject.
const STAT = fsOptions("stat", { mask: opt.u32 });
const LSTAT = fsOptions("lstat", { mask: opt.u32 });
const RENAME_OPTS = fsOptions("rename", { noReplace: opt.bool, exchange: opt.bool, whiteout: opt.bool });
const UNLINK = fsOptions("unlink");
const RMDIR = fsOptions("rmdir");
const MKDIR = fsOptions("mkdir", { mode: opt.mode, recursive: opt.bool });
const SYMLINK = fsOptions("symlink");
const LINK = fsOptions("link");
const GETXATTR = fsOptions("getxattr", { size: opt.u32 });
const SETXATTR = fsOptions("setxattr", { create: opt.bool, replace: opt.bool });
const MADVISE = fsOptions("madvise");
const FTRUNCATE = fsOptions("truncate", { path: opt.string });

/**
 * Options of {@linkcode stat} and {@linkcode lstat}.
 *
 * @example
 * ```ts
 * import { stat, type StatOptions } from "@jsuring/jsuring";
 * const o: StatOptions = { mask: 0x200 }; // STATX_SIZE only
 * console.log((await stat("/etc/hostname", o)).size);
 * ```
 */
export interface StatOptions extends FsOptions {
  /** `STATX_*` fields wanted (default `STATX_BASIC_STATS`, 0x7ff); the result's `mask` says which came. */
  mask?: number;
}

/**
 * statx(2) of `path`, following symlinks (like `fs.promises.stat` /
 * `Deno.stat`), asking the filesystem only for the `mask` fields.
 *
 * @example
 * ```ts
 * import { stat } from "@jsuring/jsuring";
 * const s = await stat("/etc/hostname");
 * console.log(s.size, s.mode.toString(8));
 * ```
 */
export function stat(path: string, options: StatOptions = {}): Promise<Statx & { mask: number }> {
  return go(STAT, options, () => d.statx(path, options.mask ?? 0x7ff, true));
}

/**
 * statx(2) of `path` itself, not what a symlink points to (like `fs.promises.lstat`).
 *
 * @example
 * ```ts
 * import { lstat } from "@jsuring/jsuring";
 * console.log(((await lstat("/proc/self")).mode & 0o170000) === 0o120000); // a symlink
 * ```
 */
export function lstat(path: string, options: StatOptions = {}): Promise<Statx & { mask: number }> {
  return go(LSTAT, options, () => d.statx(path, options.mask ?? 0x7ff, false));
}

/**
 * Options of {@linkcode rename}.
 *
 * @example
 * ```ts
 * import type { RenameOptions } from "@jsuring/jsuring";
 * const o: RenameOptions = { noReplace: true };
 * ```
 */
export interface RenameOptions extends FsOptions {
  /** Fail with `EEXIST` instead of replacing `newPath` (RENAME_NOREPLACE). */
  noReplace?: boolean;
  /** Swap the two paths atomically; both must exist (RENAME_EXCHANGE). */
  exchange?: boolean;
  /** Leave a whiteout at `oldPath` (RENAME_WHITEOUT, overlay filesystems; needs CAP_MKNOD). */
  whiteout?: boolean;
}

/**
 * Rename `oldPath` to `newPath` (renameat2(2), IORING_OP_RENAMEAT, 5.11),
 * like `fs.promises.rename` / `Deno.rename`, plus the `RENAME_*` flags.
 * Across filesystems it rejects with `EXDEV` and a hint to copy.
 *
 * @example
 * ```ts
 * import { rename, writeFile } from "@jsuring/jsuring";
 * await writeFile("/tmp/jsuring-rename-a", "a");
 * await rename("/tmp/jsuring-rename-a", "/tmp/jsuring-rename-b", { noReplace: false });
 * ```
 */
export function rename(oldPath: string, newPath: string, options: RenameOptions = {}): Promise<void> {
  return go(RENAME_OPTS, options, () => {
    const flags = (options.noReplace ? RENAME.NOREPLACE : 0) | (options.exchange ? RENAME.EXCHANGE : 0) |
      (options.whiteout ? RENAME.WHITEOUT : 0);
    return d.renameat(oldPath, newPath, flags);
  });
}

/**
 * Remove a file (unlinkat(2), IORING_OP_UNLINKAT, 5.11), like `fs.promises.unlink`.
 *
 * @example
 * ```ts
 * import { unlink, writeFile } from "@jsuring/jsuring";
 * await writeFile("/tmp/jsuring-unlink", "x");
 * await unlink("/tmp/jsuring-unlink");
 * ```
 */
export function unlink(path: string, options: FsOptions = {}): Promise<void> {
  return go(UNLINK, options, () => d.unlinkat(path, false));
}

/**
 * Remove an empty directory (unlinkat(2) with AT_REMOVEDIR), like `fs.promises.rmdir`.
 *
 * @example
 * ```ts
 * import { mkdir, rmdir } from "@jsuring/jsuring";
 * await mkdir("/tmp/jsuring-rmdir");
 * await rmdir("/tmp/jsuring-rmdir");
 * ```
 */
export function rmdir(path: string, options: FsOptions = {}): Promise<void> {
  return go(RMDIR, options, () => d.unlinkat(path, true));
}

/**
 * Options of {@linkcode mkdir}.
 *
 * @example
 * ```ts
 * import type { MkdirOptions } from "@jsuring/jsuring";
 * const o: MkdirOptions = { recursive: true, mode: 0o755 };
 * ```
 */
export interface MkdirOptions extends FsOptions {
  /** Permission bits (default 0o777, less the umask). */
  mode?: number;
  /** Create missing parents; an existing directory is not an error. */
  recursive?: boolean;
}

/**
 * Make a directory (mkdirat(2), IORING_OP_MKDIRAT, 5.15), like
 * `fs.promises.mkdir` / `Deno.mkdir`, `recursive` too.
 *
 * @example
 * ```ts
 * import { mkdir } from "@jsuring/jsuring";
 * await mkdir("/tmp/jsuring-mkdir/a/b", { recursive: true });
 * ```
 */
export async function mkdir(path: string, options: MkdirOptions = {}): Promise<void> {
  MKDIR(options);
  const mode = options.mode ?? 0o777;
  if (!options.recursive) return await go(MKDIR, options, () => d.mkdirat(path, mode));
  d.mkdirat(path, mode); // check the arguments first
  const ring = options.ring ?? defaultRing();
  // Walk up to the first existing ancestor, then create downwards.
  const parts: string[] = [];
  for (
    let p = path.replace(/\/+$/, "") || "/";
    p && p !== "/" && p !== ".";
    p = p.slice(0, Math.max(p.lastIndexOf("/"), 0))
  ) {
    parts.unshift(p);
  }
  for (const p of parts) {
    try {
      await run(ring, d.mkdirat(p, mode), options);
    } catch (e) {
      if (!(e instanceof FsError && e.code === "EEXIST")) throw e;
      const st = await run(ring, d.statx(p, 0x1, true), options);
      if ((st.mode & 0o170000) !== 0o040000) throw new FsError(Errno.ENOTDIR, "mkdir", p);
    }
  }
}

/**
 * Make `path` a symbolic link to `target` (symlinkat(2), IORING_OP_SYMLINKAT,
 * 5.15), like `fs.promises.symlink` / `Deno.symlink`.
 *
 * @example
 * ```ts
 * import { symlink } from "@jsuring/jsuring";
 * await symlink("/etc/hostname", "/tmp/jsuring-symlink").catch(() => {});
 * ```
 */
export function symlink(target: string, path: string, options: FsOptions = {}): Promise<void> {
  return go(SYMLINK, options, () => d.symlinkat(target, path));
}

/**
 * Make `newPath` a hard link to `existingPath` (linkat(2), IORING_OP_LINKAT,
 * 5.15), like `fs.promises.link` / `Deno.link`.
 *
 * @example
 * ```ts
 * import { link, writeFile } from "@jsuring/jsuring";
 * await writeFile("/tmp/jsuring-link-a", "a");
 * await link("/tmp/jsuring-link-a", "/tmp/jsuring-link-b").catch(() => {});
 * ```
 */
export function link(existingPath: string, newPath: string, options: FsOptions = {}): Promise<void> {
  return go(LINK, options, () => d.linkat(existingPath, newPath));
}

/**
 * Options of {@linkcode getxattr}.
 *
 * @example
 * ```ts
 * import type { GetxattrOptions } from "@jsuring/jsuring";
 * const o: GetxattrOptions = { size: 4096 };
 * ```
 */
export interface GetxattrOptions extends FsOptions {
  /** The largest value expected (default 64 KiB, the kernel's limit); `ERANGE` if larger. */
  size?: number;
}

/**
 * Read extended attribute `name` of `path` (getxattr(2),
 * IORING_OP_GETXATTR, 5.19). `ENODATA` if it is not set.
 *
 * @example
 * ```ts
 * import { getxattr } from "@jsuring/jsuring";
 * await getxattr("/tmp", "user.comment").catch((e) => console.log(e.code)); // ENODATA
 * ```
 */
export function getxattr(path: string, name: string, options: GetxattrOptions = {}): Promise<Uint8Array> {
  return go(GETXATTR, options, () => d.getxattr(path, name, options.size ?? 65536));
}

/**
 * Options of {@linkcode setxattr}.
 *
 * @example
 * ```ts
 * import type { SetxattrOptions } from "@jsuring/jsuring";
 * const o: SetxattrOptions = { create: true };
 * ```
 */
export interface SetxattrOptions extends FsOptions {
  /** Fail with `EEXIST` if the attribute exists (XATTR_CREATE). */
  create?: boolean;
  /** Fail with `ENODATA` if it does not (XATTR_REPLACE). */
  replace?: boolean;
}

/**
 * Set extended attribute `name` of `path` (setxattr(2),
 * IORING_OP_SETXATTR, 5.19); user attributes are `user.*`.
 *
 * @example
 * ```ts
 * import { setxattr, writeFile } from "@jsuring/jsuring";
 * await writeFile("/tmp/jsuring-xattr", "x");
 * await setxattr("/tmp/jsuring-xattr", "user.note", new TextEncoder().encode("hi")).catch(() => {});
 * ```
 */
export function setxattr(
  path: string,
  name: string,
  value: Uint8Array | string,
  options: SetxattrOptions = {},
): Promise<void> {
  return go(SETXATTR, options, () => {
    const v = typeof value === "string" ? new TextEncoder().encode(value) : value;
    return d.setxattr(path, name, v, (options.create ? 1 : 0) | (options.replace ? 2 : 0));
  });
}

/**
 * madvise(2) through the ring (IORING_OP_MADVISE, 5.6) over page-aligned
 * memory (`MADV_*` advice), e.g. the buffer a {@linkcode readFile} returned.
 *
 * @example
 * ```ts
 * import { madvise, MADV, readFile } from "@jsuring/jsuring";
 * const bytes = await readFile("/etc/hostname");
 * await madvise(bytes, MADV.WILLNEED).catch(() => {}); // small buffers may not be page aligned
 * ```
 */
export function madvise(bytes: ArrayBufferView, advice: number, options: FsOptions = {}): Promise<void> {
  return go(MADVISE, options, () => d.madvise(bytes, advice));
}

/**
 * ftruncate(2) of `fd` through the ring (IORING_OP_FTRUNCATE, 6.9); on
 * older kernels a synchronous ftruncate(2) (it touches only the inode).
 *
 * @example
 * ```ts
 * import { open } from "@jsuring/jsuring";
 * await using f = await open("/tmp/jsuring-ftruncate", "w");
 * await f.truncate(4096);
 * ```
 */
export async function ftruncate(
  fd: number,
  length: number,
  options: FsOptions & { path?: string } = {},
): Promise<void> {
  FTRUNCATE(options);
  const p = d.ftruncate(fd, length, options.path);
  const ring = options.ring ?? defaultRing();
  if (supports(ring.ring, p.opcode)) return await run(ring, p, options);
  const l = libc();
  if (!l) throw missing(p);
  if (l.symbols.ftruncate(fd, length) !== 0) throw new FsError(errno(), "truncate", p.path);
}
