/**
 * The fs metadata operations as prepared calls of the one description table
 * (`src/ring/operations.ts` and its fs family, `operations_fs.ts`): each
 * builder checks the fs function's arguments (TypeError/RangeError naming
 * the fs function, before anything is reserved), runs the table entry's
 * check (path encoding; what the kernel reads, kept alive until the
 * completion), and keeps the entry's SQE writer and how to turn the result
 * into a value. The promise functions (`meta.ts`) and the batch on a
 * synchronous `Ring` (`batch.ts`) both run these, so the two forms cannot
 * drift apart, and no SQE knowledge lives here.
 *
 * @module
 */
import { AT, AT_FDCWD } from "../abi/linux.ts";
import { statx as statxLayout } from "../abi/layout.ts";
import { decodeStatx, type Statx } from "../ring/statx.ts";
import { getNative } from "../runtime/_ffi.ts";
import type { SqeViews } from "../ops/sqe.ts";
import { CLOSE, FSYNC, type OpDescription, OPENAT2 } from "../ring/operations.ts";
import * as t from "../ring/operations_fs.ts";
import { checkUint } from "./_check.ts";
import { cString } from "../ring/_args.ts";
import { isDetached } from "../memory/detached.ts";

/** A checked operation, ready to be written into an SQE. */
export interface Prepared<T> {
  /** Error and message name (`"rename"`). */
  readonly name: string;
  /** The `IORING_OP_*`: what a probe must report. */
  readonly opcode: number;
  /** The path(s) for errors. */
  readonly path: string;
  readonly dest?: string;
  /** Memory the kernel reads or writes until the completion. */
  readonly keep: unknown;
  /** Write the SQE. */
  readonly write: (s: SqeViews, at: number) => void;
  /** The value from a result ≥ 0. */
  readonly value: (res: number) => T;
}

const addr = (b: ArrayBufferView): number => getNative().addressOf(b);
const none = (): void => {};
const same = (res: number): number => res;

/**
 * The prepared call of table entry `op`: its check runs now (after the fs
 * checks), its writer at SQE time.
 */
function prepared<A extends readonly unknown[], O extends object, T>(
  op: OpDescription<A, O>,
  args: A,
  options: Partial<O> | undefined,
  call: { name: string; path: string; dest?: string; value: (res: number) => T },
): Prepared<T> {
  const keep = op.check(args, options);
  return {
    name: call.name,
    opcode: op.opcode,
    path: call.path,
    dest: call.dest,
    keep,
    write: (s, at) => op.write(s, at, args, options, keep),
    value: call.value,
  };
}

function show(p: string | Uint8Array): string {
  if (typeof p === "string") return p;
  // Not a string: the path check's TypeError ("path must be a string ..., got 42 (number)")
  // before the bytes are decoded (was "p.subarray is not a function").
  cString(p);
  return new TextDecoder().decode(p.subarray(0, p.length - 1));
}

/** The type of `v` quoted as the argument checks do: `"64" (string)`. */
function quote(v: unknown): string {
  return `${typeof v === "string" ? JSON.stringify(v) : String(v)} (${typeof v})`;
}

function checkFlags(name: string, what: string, v: unknown, allowed: number): number {
  const n = checkUint(name, what, v);
  if (n & ~allowed) {
    throw new RangeError(`${name}: unknown ${what} bits in ${quote(v)} (allowed: 0x${allowed.toString(16)})`);
  }
  return n;
}

function fdOf(name: string, fd: unknown): number {
  if (!Number.isInteger(fd) || (fd as number) < 0 || (fd as number) > 0x7fffffff) {
    throw new RangeError(
      `${name}: fd must be an open file descriptor (an integer 0..2147483647), got ${quote(fd)}`,
    );
  }
  return fd as number;
}

/** statx(2) (IORING_OP_STATX, 5.6) with the caller's mask; `follow: false` is lstat. */
export function statx(
  path: string | Uint8Array,
  mask = 0x7ff,
  follow = true,
  dirfd: number = AT_FDCWD,
): Prepared<Statx & { mask: number }> {
  checkUint("stat", "mask", mask);
  const out = new Uint8Array(statxLayout.size);
  const dv = new DataView(out.buffer);
  return prepared(t.STATX_OWNED, [path, out, mask, follow ? 0 : AT.SYMLINK_NOFOLLOW], { dirfd }, {
    name: follow ? "stat" : "lstat",
    path: show(path),
    // stx_mask (u32 at 0): which fields the filesystem filled.
    value: () => ({ ...decodeStatx(out), mask: dv.getUint32(0, true) }),
  });
}

/** renameat2(2) (IORING_OP_RENAMEAT, 5.11) with `RENAME_*` flags. */
export function renameat(oldPath: string, newPath: string, flags = 0): Prepared<void> {
  checkFlags("rename", "flags", flags, 0x7);
  return prepared(t.RENAMEAT, [oldPath, newPath, flags], undefined, {
    name: "rename",
    path: oldPath,
    dest: newPath,
    value: none,
  });
}

/** unlinkat(2) (IORING_OP_UNLINKAT, 5.11): a file, or with `dir` an empty directory. */
export function unlinkat(path: string, dir: boolean): Prepared<void> {
  return prepared(t.UNLINKAT, [path, dir ? AT.REMOVEDIR : 0], undefined, {
    name: dir ? "rmdir" : "unlink",
    path,
    value: none,
  });
}

/** mkdirat(2) (IORING_OP_MKDIRAT, 5.15). */
export function mkdirat(path: string, mode = 0o777): Prepared<void> {
  checkFlags("mkdir", "mode", mode, 0o7777);
  return prepared(t.MKDIRAT, [path, mode], undefined, { name: "mkdir", path, value: none });
}

/** symlinkat(2) (IORING_OP_SYMLINKAT, 5.15): `path` → `target`. */
export function symlinkat(target: string, path: string): Prepared<void> {
  return prepared(t.SYMLINKAT, [target, path], undefined, {
    name: "symlink",
    path: target,
    dest: path,
    value: none,
  });
}

/** linkat(2) (IORING_OP_LINKAT, 5.15): hard link `newPath` to `existing`. */
export function linkat(existing: string, newPath: string, follow = false): Prepared<void> {
  return prepared(t.LINKAT, [existing, newPath, follow ? AT.SYMLINK_FOLLOW : 0], undefined, {
    name: "link",
    path: existing,
    dest: newPath,
    value: none,
  });
}

/** fsync(2) / fdatasync(2) (IORING_OP_FSYNC, 5.1). */
export function fsync(fd: number, datasync: boolean, path = `fd ${fd}`): Prepared<void> {
  fdOf("fsync", fd);
  return prepared(FSYNC, [fd, { datasync }], undefined, {
    name: datasync ? "fdatasync" : "fsync",
    path,
    value: none,
  });
}

/** sync_file_range(2) (IORING_OP_SYNC_FILE_RANGE, 5.2); `SYNC_FILE_RANGE_*` flags. */
export function syncFileRange(
  fd: number,
  offset: number,
  len: number,
  flags: number,
  path = `fd ${fd}`,
): Prepared<void> {
  fdOf("syncFileRange", fd);
  checkUint("syncFileRange", "offset", offset, 53);
  checkUint("syncFileRange", "length", len); // the SQE's len field is 32 bits
  checkFlags("syncFileRange", "flags", flags, 0x7);
  return prepared(t.SYNC_FILE_RANGE, [fd, offset, len, flags], undefined, {
    name: "syncFileRange",
    path,
    value: none,
  });
}

/** fallocate(2) (IORING_OP_FALLOCATE, 5.6); `FALLOC_FL_*` mode. */
export function fallocate(
  fd: number,
  mode: number,
  offset: number,
  len: number,
  path = `fd ${fd}`,
): Prepared<void> {
  fdOf("fallocate", fd);
  checkFlags("fallocate", "mode", mode, 0x7f);
  checkUint("fallocate", "offset", offset, 53);
  checkUint("fallocate", "length", len, 53);
  return prepared(t.FALLOCATE, [fd, mode, offset, len], undefined, { name: "fallocate", path, value: none });
}

/** posix_fadvise(2) (IORING_OP_FADVISE, 5.6; lengths over 4 GiB need 6.7's 64-bit form). */
export function fadvise(
  fd: number,
  offset: number,
  len: number,
  advice: number,
  path = `fd ${fd}`,
): Prepared<void> {
  fdOf("fadvise", fd);
  checkUint("fadvise", "offset", offset, 53);
  checkUint("fadvise", "length", len, 53);
  checkFlags("fadvise", "advice", advice, 0x7);
  return prepared(t.FADVISE, [fd, offset, len, advice], undefined, { name: "fadvise", path, value: none });
}

/** madvise(2) (IORING_OP_MADVISE, 5.6) over the memory of `bytes` (page-aligned start). */
export function madvise(bytes: ArrayBufferView, advice: number): Prepared<void> {
  if (!ArrayBuffer.isView(bytes)) {
    throw new TypeError(`madvise: bytes must be a typed array, got ${quote(bytes)}`);
  }
  if (isDetached(bytes)) throw new TypeError("madvise: bytes is detached (transferred)");
  checkUint("madvise", "advice", advice);
  const a = addr(bytes);
  if (a % 4096 !== 0) {
    throw new RangeError(
      `madvise: the memory must start on a page boundary (4096), got address % 4096 = ${a % 4096}`,
    );
  }
  return prepared(t.MADVISE, [bytes, advice], undefined, { name: "madvise", path: "memory", value: none });
}

/** ftruncate(2) (IORING_OP_FTRUNCATE, 6.9). */
export function ftruncate(fd: number, len: number, path = `fd ${fd}`): Prepared<void> {
  fdOf("truncate", fd);
  checkUint("truncate", "length", len, 53);
  return prepared(t.FTRUNCATE, [fd, len], undefined, { name: "truncate", path, value: none });
}

/** getxattr(2) (IORING_OP_GETXATTR, 5.19) into `size` bytes; the value is the bytes read. */
export function getxattr(path: string, name: string, size: number): Prepared<Uint8Array> {
  checkUint("getxattr", "size", size);
  const out = new Uint8Array(Math.max(size, 1));
  return prepared(t.GETXATTR_OWNED, [path, name, out, size], undefined, {
    name: "getxattr",
    path,
    value: (res) => out.slice(0, res),
  });
}

/** setxattr(2) (IORING_OP_SETXATTR, 5.19); `XATTR_CREATE` / `XATTR_REPLACE` flags. */
export function setxattr(path: string, name: string, value: Uint8Array, flags = 0): Prepared<void> {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`setxattr: value must be a Uint8Array, got ${quote(value)}`);
  }
  // A detached array reads as empty: the attribute would be set to nothing.
  if (isDetached(value)) throw new TypeError("setxattr: value is detached (transferred)");
  checkFlags("setxattr", "flags", flags, 0x3);
  return prepared(t.SETXATTR, [path, name, value, flags], undefined, { name: "setxattr", path, value: none });
}

/** openat2(2) (IORING_OP_OPENAT2, 5.6) with `RESOLVE_*` flags; the value is the fd. */
export function openat2(
  path: string,
  flags: number,
  mode: number,
  resolve: number,
  dirfd: number = AT_FDCWD,
): Prepared<number> {
  checkUint("open", "flags", flags);
  checkFlags("open", "mode", mode, 0o7777);
  checkFlags("open", "resolve", resolve, 0x3f);
  return prepared(OPENAT2, [path, { flags, mode, resolve }], { dirfd }, { name: "open", path, value: same });
}

/** close(2) (IORING_OP_CLOSE, 5.6). */
export function close(fd: number): Prepared<void> {
  fdOf("close", fd);
  return prepared(CLOSE, [fd], undefined, { name: "close", path: `fd ${fd}`, value: none });
}
