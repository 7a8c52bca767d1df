/**
 * The file-system family of the description table ({@linkcode OPERATIONS}
 * merges it in): path operations (rename, unlink, mkdir, symlink, link),
 * extended attributes, and the fd operations on ranges (sync_file_range,
 * fallocate, fadvise, madvise, ftruncate). Paths are relative to AT_FDCWD.
 * The promise functions of `src/fs/` and its batch run these entries (after
 * their own argument checks, whose messages name the fs function).
 *
 * Adding one: as in `operations.ts` (a `prep*` writer with its golden case,
 * an entry here, its test) and a line in {@linkcode FS_OPERATIONS}.
 *
 * @module
 */
import { Op, statx as statxLayout } from "../abi/mod.ts";
import { getNative } from "../runtime/_ffi.ts";
import * as fs from "../ops/fs.ts";
import { prepStatx } from "../ops/sqe.ts";
import {
  AT_FDCWD,
  checkBuffer,
  checkDirfd,
  checkFd,
  checkU32,
  checkU64,
  cString,
  rangeError,
  typeError,
} from "./_args.ts";
import type { OpDescription } from "./operations.ts";

const addressOf = (v: ArrayBufferView): number => getNative().addressOf(v);
const NO_KEYS: readonly string[] = [];
const U32 = 0xffffffff;

type Paths = readonly [Uint8Array, Uint8Array];

/** IORING_OP_RENAMEAT (5.11): renameat2(2) of `oldPath` to `newPath` with `RENAME_*` flags. */
export const RENAMEAT: OpDescription<
  [oldPath: string | Uint8Array, newPath: string | Uint8Array, flags: number]
> = {
  name: "renameat",
  opcode: Op.RENAMEAT,
  optionKeys: NO_KEYS,
  check: ([oldPath, newPath, flags]) => {
    const paths: Paths = [cString(oldPath, "oldPath"), cString(newPath, "newPath")];
    checkU32(flags, "renameat flags");
    return paths;
  },
  write: (s, at, [, , flags], _o, keep) => {
    const [a, b] = keep as Paths;
    fs.prepRenameat(s, at, AT_FDCWD, addressOf(a), AT_FDCWD, addressOf(b), flags);
  },
};

/** IORING_OP_UNLINKAT (5.11): unlink a file, or with `AT.REMOVEDIR` an empty directory. */
export const UNLINKAT: OpDescription<[path: string | Uint8Array, flags: number]> = {
  name: "unlinkat",
  opcode: Op.UNLINKAT,
  optionKeys: NO_KEYS,
  check: ([path, flags]) => {
    const p = cString(path);
    checkU32(flags, "unlinkat flags");
    return p;
  },
  write: (s, at, [, flags], _o, p) => fs.prepUnlinkat(s, at, AT_FDCWD, addressOf(p as Uint8Array), flags),
};

/** IORING_OP_MKDIRAT (5.15): mkdir(2) with `mode`. */
export const MKDIRAT: OpDescription<[path: string | Uint8Array, mode: number]> = {
  name: "mkdirat",
  opcode: Op.MKDIRAT,
  optionKeys: NO_KEYS,
  check: ([path, mode]) => {
    const p = cString(path);
    checkU32(mode, "mkdirat mode");
    return p;
  },
  write: (s, at, [, mode], _o, p) => fs.prepMkdirat(s, at, AT_FDCWD, addressOf(p as Uint8Array), mode),
};

/** IORING_OP_SYMLINKAT (5.15): a symbolic link at `linkPath` pointing to `target`. */
export const SYMLINKAT: OpDescription<[target: string | Uint8Array, linkPath: string | Uint8Array]> = {
  name: "symlinkat",
  opcode: Op.SYMLINKAT,
  optionKeys: NO_KEYS,
  check: ([target, linkPath]): Paths => [cString(target, "target"), cString(linkPath)],
  write: (s, at, _a, _o, keep) => {
    const [t, p] = keep as Paths;
    fs.prepSymlinkat(s, at, addressOf(t), AT_FDCWD, addressOf(p));
  },
};

/** IORING_OP_LINKAT (5.15): hard link `newPath` to `existingPath`; `AT.SYMLINK_FOLLOW` in flags. */
export const LINKAT: OpDescription<
  [existingPath: string | Uint8Array, newPath: string | Uint8Array, flags: number]
> = {
  name: "linkat",
  opcode: Op.LINKAT,
  optionKeys: NO_KEYS,
  check: ([existing, newPath, flags]) => {
    const paths: Paths = [cString(existing, "existingPath"), cString(newPath, "newPath")];
    checkU32(flags, "linkat flags");
    return paths;
  },
  write: (s, at, [, , flags], _o, keep) => {
    const [a, b] = keep as Paths;
    fs.prepLinkat(s, at, AT_FDCWD, addressOf(a), AT_FDCWD, addressOf(b), flags);
  },
};

/** IORING_OP_SYNC_FILE_RANGE (5.2): sync_file_range(2); `len` is 32 bits in the SQE. */
export const SYNC_FILE_RANGE: OpDescription<[fd: number, offset: number, len: number, flags: number]> = {
  name: "syncFileRange",
  opcode: Op.SYNC_FILE_RANGE,
  optionKeys: NO_KEYS,
  check: ([fd, offset, len, flags]) => {
    checkFd(fd);
    checkU64(offset, "syncFileRange offset");
    checkU32(len, "syncFileRange length");
    checkU32(flags, "syncFileRange flags");
    return undefined;
  },
  write: (s, at, [fd, offset, len, flags]) => fs.prepSyncFileRange(s, at, fd, len, offset, flags),
};

/** IORING_OP_FALLOCATE (5.6): fallocate(2) with `FALLOC_FL_*` mode. */
export const FALLOCATE: OpDescription<[fd: number, mode: number, offset: number, len: number]> = {
  name: "fallocate",
  opcode: Op.FALLOCATE,
  optionKeys: NO_KEYS,
  check: ([fd, mode, offset, len]) => {
    checkFd(fd);
    checkU32(mode, "fallocate mode");
    checkU64(offset, "fallocate offset");
    checkU64(len, "fallocate length");
    return undefined;
  },
  write: (s, at, [fd, mode, offset, len]) => fs.prepFallocate(s, at, fd, mode, offset, len),
};

/**
 * IORING_OP_FADVISE (5.6): posix_fadvise(2). A length over 4 GiB is written
 * in 6.7's 64-bit form (liburing `io_uring_prep_fadvise64`).
 */
export const FADVISE: OpDescription<[fd: number, offset: number, len: number, advice: number]> = {
  name: "fadvise",
  opcode: Op.FADVISE,
  optionKeys: NO_KEYS,
  check: ([fd, offset, len, advice]) => {
    checkFd(fd);
    checkU64(offset, "fadvise offset");
    checkU64(len, "fadvise length");
    checkU32(advice, "fadvise advice");
    return undefined;
  },
  write: (s, at, [fd, offset, len, advice]) =>
    len > U32
      ? fs.prepFadvise64(s, at, fd, offset, len, advice)
      : fs.prepFadvise(s, at, fd, offset, len, advice),
};

/**
 * IORING_OP_MADVISE (5.6): madvise(2) over the memory of `bytes`, which must
 * start on a page boundary. Over 4 GiB: 6.7's 64-bit form.
 */
export const MADVISE: OpDescription<[bytes: ArrayBufferView, advice: number]> = {
  name: "madvise",
  opcode: Op.MADVISE,
  optionKeys: NO_KEYS,
  check: ([bytes, advice]) => {
    if (!ArrayBuffer.isView(bytes)) throw typeError("madvise bytes", "a TypedArray or DataView", bytes);
    checkU32(advice, "madvise advice");
    const misaligned = addressOf(bytes) % 4096;
    if (misaligned !== 0) throw rangeError("madvise bytes address % 4096", "0 (page aligned)", misaligned);
    return bytes;
  },
  write: (s, at, [bytes, advice]) => {
    const a = addressOf(bytes), len = bytes.byteLength;
    if (len > U32) fs.prepMadvise64(s, at, a, len, advice);
    else fs.prepMadvise(s, at, a, len, advice);
  },
};

/** IORING_OP_FTRUNCATE (6.9): ftruncate(2) of `fd` to `len` bytes. */
export const FTRUNCATE: OpDescription<[fd: number, len: number]> = {
  name: "ftruncate",
  opcode: Op.FTRUNCATE,
  optionKeys: NO_KEYS,
  check: ([fd, len]) => {
    checkFd(fd);
    checkU64(len, "ftruncate length");
    return undefined;
  },
  write: (s, at, [fd, len]) => fs.prepFtruncate(s, at, fd, len),
};

type XattrKeep = readonly [path: Uint8Array, name: Uint8Array, value: Uint8Array];

/**
 * IORING_OP_GETXATTR (5.19): getxattr(2) of attribute `name` of `path` into
 * the first `size` bytes of `out` (`out` at least 1 byte, even for size 0).
 * Like {@linkcode STATX_OWNED}, `out` is memory the calling layer allocated
 * for this call and hands out only after the completion (fs `getxattr`), so
 * it is not staged and the entry is not in `OPERATIONS`.
 */
export const GETXATTR_OWNED: OpDescription<
  [path: string | Uint8Array, name: string | Uint8Array, out: Uint8Array, size: number]
> = {
  name: "getxattr",
  opcode: Op.GETXATTR,
  optionKeys: NO_KEYS,
  check: ([path, name, out, size]): XattrKeep => {
    const keep: XattrKeep = [cString(path), cString(name, "name"), out];
    checkBuffer(out, "getxattr out");
    checkU32(size, "getxattr size");
    if (out.byteLength < Math.max(size, 1)) {
      throw rangeError("getxattr out.byteLength", `at least size (${size}) and 1`, out.byteLength);
    }
    return keep;
  },
  write: (s, at, [, , , size], _o, keep) => {
    const [p, n, out] = keep as XattrKeep;
    fs.prepGetxattr(s, at, addressOf(n), addressOf(out), addressOf(p), size);
  },
};

/** IORING_OP_SETXATTR (5.19): setxattr(2) of `name` on `path` to `value`; `XATTR_CREATE`/`XATTR_REPLACE`. */
export const SETXATTR: OpDescription<
  [path: string | Uint8Array, name: string | Uint8Array, value: Uint8Array, flags: number]
> = {
  name: "setxattr",
  opcode: Op.SETXATTR,
  optionKeys: NO_KEYS,
  check: ([path, name, value, flags]): XattrKeep => {
    const p = cString(path), n = cString(name, "name");
    if (!(value instanceof Uint8Array)) throw typeError("setxattr value", "a Uint8Array", value);
    checkU32(flags, "setxattr flags");
    // An empty value still needs an address the kernel may read 0 bytes from.
    return [p, n, value.length ? value : new Uint8Array(1)];
  },
  write: (s, at, [, , value, flags], _o, keep) => {
    const [p, n, v] = keep as XattrKeep;
    fs.prepSetxattr(s, at, addressOf(n), addressOf(v), addressOf(p), flags, value.length);
  },
};

/**
 * IORING_OP_STATX (5.6) into `out`, a buffer the calling layer allocated for
 * this one call and hands out only after the completion (fs `stat`/`lstat`),
 * so no staging copy (src/memory/_pin.ts) is needed, unlike `STATX`, whose
 * `out` is the caller's. Flags: `AT.SYMLINK_NOFOLLOW` for lstat.
 */
export const STATX_OWNED: OpDescription<
  [path: string | Uint8Array, out: Uint8Array, mask: number, flags: number],
  { dirfd: number }
> = {
  name: "statx",
  opcode: Op.STATX,
  optionKeys: ["dirfd"],
  check: ([path, out, mask, flags], o) => {
    const p = cString(path);
    if (!(out instanceof Uint8Array) || out.byteLength < statxLayout.size) {
      throw typeError("statx out", `a Uint8Array of at least ${statxLayout.size} bytes`, out);
    }
    checkU32(mask, "statx mask");
    checkU32(flags, "statx flags");
    if (o?.dirfd !== undefined) checkDirfd(o.dirfd);
    return [p, out];
  },
  write: (s, at, [, , mask, flags], o, keep) => {
    const [p, out] = keep as Paths;
    prepStatx(s, at, o?.dirfd ?? AT_FDCWD, addressOf(p), flags, mask, addressOf(out));
  },
};

/**
 * The file-system entries, by name (merged into {@linkcode OPERATIONS}).
 *
 * @example
 * ```ts
 * import { AsyncRing, OPERATIONS } from "@jsuring/jsuring";
 * await using ring = AsyncRing.create();
 * await ring.run(OPERATIONS.MKDIRAT, ["/tmp/jsuring-fs-ops-example", 0o755]).catch(() => {});
 * await ring.run(OPERATIONS.UNLINKAT, ["/tmp/jsuring-fs-ops-example", 0x200]); // AT_REMOVEDIR
 * ```
 */
export const FS_OPERATIONS: Readonly<{
  RENAMEAT: typeof RENAMEAT;
  UNLINKAT: typeof UNLINKAT;
  MKDIRAT: typeof MKDIRAT;
  SYMLINKAT: typeof SYMLINKAT;
  LINKAT: typeof LINKAT;
  SYNC_FILE_RANGE: typeof SYNC_FILE_RANGE;
  FALLOCATE: typeof FALLOCATE;
  FADVISE: typeof FADVISE;
  MADVISE: typeof MADVISE;
  FTRUNCATE: typeof FTRUNCATE;
  SETXATTR: typeof SETXATTR;
}> = Object.freeze({
  RENAMEAT,
  UNLINKAT,
  MKDIRAT,
  SYMLINKAT,
  LINKAT,
  SYNC_FILE_RANGE,
  FALLOCATE,
  FADVISE,
  MADVISE,
  FTRUNCATE,
  SETXATTR,
});
