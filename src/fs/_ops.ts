/**
 * The fs metadata operations, one description each: the opcode (for probe
 * gating) and its first kernel, and `prepare`, which checks the arguments
 * (TypeError/RangeError, before anything is reserved), encodes the paths, and
 * returns what the kernel reads during the operation (kept alive until its
 * completion), the SQE writer from `src/ops/`, and how to turn the result
 * into a value. The promise functions (`meta.ts`) and the batch on a
 * synchronous `Ring` (`batch.ts`) both run these descriptions, so the two
 * forms cannot drift apart.
 *
 * @module
 */
import { AT, AT_FDCWD } from "../abi/linux.ts";
import { Op } from "../abi/opcodes.ts";
import { open_how, statx as statxLayout } from "../abi/layout.ts";
import { cString } from "../ring/_args.ts";
import { decodeStatx, type Statx } from "../ring/ring.ts";
import { getNative } from "../runtime/_ffi.ts";
import * as ops from "../ops/mod.ts";
import type { SqeViews } from "../ops/sqe.ts";
import { checkUint } from "./_check.ts";

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

function show(p: string | Uint8Array): string {
  return typeof p === "string" ? p : new TextDecoder().decode(p.subarray(0, p.length - 1));
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
  const p = cString(path);
  checkUint("stat", "mask", mask);
  const out = new Uint8Array(statxLayout.size);
  const flags = follow ? 0 : AT.SYMLINK_NOFOLLOW;
  const dv = new DataView(out.buffer);
  return {
    name: follow ? "stat" : "lstat",
    opcode: Op.STATX,
    path: show(path),
    keep: [p, out],
    write: (s, at) => ops.prepStatx(s, at, dirfd, addr(p), flags, mask, addr(out)),
    // stx_mask (u32 at 0): which fields the filesystem filled.
    value: () => ({ ...decodeStatx(out), mask: dv.getUint32(0, true) }),
  };
}

/** renameat2(2) (IORING_OP_RENAMEAT, 5.11) with `RENAME_*` flags. */
export function renameat(oldPath: string, newPath: string, flags = 0): Prepared<void> {
  const a = cString(oldPath, "oldPath"), b = cString(newPath, "newPath");
  checkFlags("rename", "flags", flags, 0x7);
  return {
    name: "rename",
    opcode: Op.RENAMEAT,
    path: oldPath,
    dest: newPath,
    keep: [a, b],
    write: (s, at) => ops.prepRenameat(s, at, AT_FDCWD, addr(a), AT_FDCWD, addr(b), flags),
    value: none,
  };
}

/** unlinkat(2) (IORING_OP_UNLINKAT, 5.11): a file, or with `dir` an empty directory. */
export function unlinkat(path: string, dir: boolean): Prepared<void> {
  const p = cString(path);
  return {
    name: dir ? "rmdir" : "unlink",
    opcode: Op.UNLINKAT,
    path,
    keep: p,
    write: (s, at) => ops.prepUnlinkat(s, at, AT_FDCWD, addr(p), dir ? AT.REMOVEDIR : 0),
    value: none,
  };
}

/** mkdirat(2) (IORING_OP_MKDIRAT, 5.15). */
export function mkdirat(path: string, mode = 0o777): Prepared<void> {
  const p = cString(path);
  checkFlags("mkdir", "mode", mode, 0o7777);
  return {
    name: "mkdir",
    opcode: Op.MKDIRAT,
    path,
    keep: p,
    write: (s, at) => ops.prepMkdirat(s, at, AT_FDCWD, addr(p), mode),
    value: none,
  };
}

/** symlinkat(2) (IORING_OP_SYMLINKAT, 5.15): `path` → `target`. */
export function symlinkat(target: string, path: string): Prepared<void> {
  const t = cString(target, "target"), p = cString(path);
  return {
    name: "symlink",
    opcode: Op.SYMLINKAT,
    path: target,
    dest: path,
    keep: [t, p],
    write: (s, at) => ops.prepSymlinkat(s, at, addr(t), AT_FDCWD, addr(p)),
    value: none,
  };
}

/** linkat(2) (IORING_OP_LINKAT, 5.15): hard link `newPath` to `existing`. */
export function linkat(existing: string, newPath: string, follow = false): Prepared<void> {
  const a = cString(existing, "existingPath"), b = cString(newPath, "newPath");
  return {
    name: "link",
    opcode: Op.LINKAT,
    path: existing,
    dest: newPath,
    keep: [a, b],
    write: (s, at) =>
      ops.prepLinkat(s, at, AT_FDCWD, addr(a), AT_FDCWD, addr(b), follow ? AT.SYMLINK_FOLLOW : 0),
    value: none,
  };
}

/** fsync(2) / fdatasync(2) (IORING_OP_FSYNC, 5.1). */
export function fsync(fd: number, datasync: boolean, path = `fd ${fd}`): Prepared<void> {
  fdOf("fsync", fd);
  return {
    name: datasync ? "fdatasync" : "fsync",
    opcode: Op.FSYNC,
    path,
    keep: undefined,
    write: (s, at) => ops.prepFsync(s, at, fd, datasync ? 1 : 0),
    value: none,
  };
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
  return {
    name: "syncFileRange",
    opcode: Op.SYNC_FILE_RANGE,
    path,
    keep: undefined,
    write: (s, at) => ops.prepSyncFileRange(s, at, fd, len, offset, flags),
    value: none,
  };
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
  return {
    name: "fallocate",
    opcode: Op.FALLOCATE,
    path,
    keep: undefined,
    write: (s, at) => ops.prepFallocate(s, at, fd, mode, offset, len),
    value: none,
  };
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
  return {
    name: "fadvise",
    opcode: Op.FADVISE,
    path,
    keep: undefined,
    write: (s, at) =>
      len > 0xffffffff
        ? ops.prepFadvise64(s, at, fd, offset, len, advice)
        : ops.prepFadvise(s, at, fd, offset, len, advice),
    value: none,
  };
}

/** madvise(2) (IORING_OP_MADVISE, 5.6) over the memory of `bytes` (page-aligned start). */
export function madvise(bytes: ArrayBufferView, advice: number): Prepared<void> {
  if (!ArrayBuffer.isView(bytes)) {
    throw new TypeError(`madvise: bytes must be a typed array, got ${quote(bytes)}`);
  }
  checkUint("madvise", "advice", advice);
  const a = addr(bytes);
  if (a % 4096 !== 0) {
    throw new RangeError(
      `madvise: the memory must start on a page boundary (4096), got address % 4096 = ${a % 4096}`,
    );
  }
  const len = bytes.byteLength;
  return {
    name: "madvise",
    opcode: Op.MADVISE,
    path: "memory",
    keep: bytes,
    write: (s, at) =>
      len > 0xffffffff ? ops.prepMadvise64(s, at, a, len, advice) : ops.prepMadvise(s, at, a, len, advice),
    value: none,
  };
}

/** ftruncate(2) (IORING_OP_FTRUNCATE, 6.9). */
export function ftruncate(fd: number, len: number, path = `fd ${fd}`): Prepared<void> {
  fdOf("truncate", fd);
  checkUint("truncate", "length", len, 53);
  return {
    name: "truncate",
    opcode: Op.FTRUNCATE,
    path,
    keep: undefined,
    write: (s, at) => ops.prepFtruncate(s, at, fd, len),
    value: none,
  };
}

/** getxattr(2) (IORING_OP_GETXATTR, 5.19) into `size` bytes; the value is the bytes read. */
export function getxattr(path: string, name: string, size: number): Prepared<Uint8Array> {
  const p = cString(path), n = cString(name, "name");
  checkUint("getxattr", "size", size);
  const out = new Uint8Array(Math.max(size, 1));
  return {
    name: "getxattr",
    opcode: Op.GETXATTR,
    path,
    keep: [p, n, out],
    write: (s, at) => ops.prepGetxattr(s, at, addr(n), addr(out), addr(p), size),
    value: (res) => out.slice(0, res),
  };
}

/** setxattr(2) (IORING_OP_SETXATTR, 5.19); `XATTR_CREATE` / `XATTR_REPLACE` flags. */
export function setxattr(path: string, name: string, value: Uint8Array, flags = 0): Prepared<void> {
  const p = cString(path), n = cString(name, "name");
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`setxattr: value must be a Uint8Array, got ${quote(value)}`);
  }
  checkFlags("setxattr", "flags", flags, 0x3);
  const v = value.length ? value : new Uint8Array(1);
  return {
    name: "setxattr",
    opcode: Op.SETXATTR,
    path,
    keep: [p, n, v],
    write: (s, at) => ops.prepSetxattr(s, at, addr(n), addr(v), addr(p), flags, value.length),
    value: none,
  };
}

/** openat2(2) (IORING_OP_OPENAT2, 5.6) with `RESOLVE_*` flags; the value is the fd. */
export function openat2(
  path: string,
  flags: number,
  mode: number,
  resolve: number,
  dirfd: number = AT_FDCWD,
): Prepared<number> {
  const p = cString(path);
  checkUint("open", "flags", flags);
  checkFlags("open", "mode", mode, 0o7777);
  checkFlags("open", "resolve", resolve, 0x3f);
  // struct open_how { u64 flags; u64 mode; u64 resolve; }
  const how = new Uint32Array(open_how.size / 4);
  how[open_how.fields.flags[0] / 4] = flags;
  how[open_how.fields.mode[0] / 4] = mode;
  how[open_how.fields.resolve[0] / 4] = resolve;
  return {
    name: "open",
    opcode: Op.OPENAT2,
    path,
    keep: [p, how],
    write: (s, at) => ops.prepOpenat2(s, at, dirfd, addr(p), addr(how)),
    value: same,
  };
}

/** close(2) (IORING_OP_CLOSE, 5.6). */
export function close(fd: number): Prepared<void> {
  fdOf("close", fd);
  return {
    name: "close",
    opcode: Op.CLOSE,
    path: `fd ${fd}`,
    keep: undefined,
    write: (s, at) => ops.prepClose(s, at, fd),
    value: none,
  };
}
