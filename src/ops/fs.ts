/**
 * SQE writers for files and paths: metadata (rename, unlink, mkdir,
 * symlink, link, xattr), data management (sync_file_range, fallocate,
 * fadvise, madvise, ftruncate), opening (openat2, direct variants), pipes
 * (pipe, splice, tee) and the fixed-file table (files_update,
 * fixed_fd_install, close_direct). Each matches the liburing
 * `io_uring_prep_*` function it names byte for byte (tests/sqe_test.ts
 * against tests/c/sqe_golden.c) and checks every argument for its field.
 *
 * Paths are addresses of NUL-terminated names the caller keeps alive until
 * the completion.
 *
 * @module
 */
import { Op } from "../abi/opcodes.ts";
import { SqeFlag } from "../abi/flags.ts";
import { open_how } from "../abi/layout.ts";
import { checkS32, checkSize, checkU16, checkU32, checkU64, fieldError } from "./check.ts";
import { B_FLAGS, fill, H_BUF_INDEX, put64, W_ADDR3, W_FILE_INDEX, W_OP_FLAGS } from "./_fill.ts";
import { prepClose, prepOpenat, setFileIndex, type SqeViews } from "./sqe.ts";

// ---------------------------------------------------------------- paths

/**
 * `io_uring_prep_renameat` (5.11): renameat2(2) from `oldPath` (relative to
 * `oldDirfd`) to `newPath` (relative to `newDirfd`); `flags` are `RENAME.*`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepRenameat, AT_FDCWD, RENAME } from "@jsuring/jsuring";
 * prepRenameat(sqeViews(new ArrayBuffer(64)), 0, AT_FDCWD, 0x1000, AT_FDCWD, 0x2000, RENAME.NOREPLACE);
 * ```
 */
export function prepRenameat(
  s: SqeViews,
  at: number,
  oldDirfd: number,
  oldPath: number,
  newDirfd: number,
  newPath: number,
  flags: number,
): void {
  checkS32(oldDirfd, "prepRenameat", "oldDirfd");
  checkU64(oldPath, "prepRenameat", "oldPath");
  checkS32(newDirfd, "prepRenameat", "newDirfd");
  checkU64(newPath, "prepRenameat", "newPath");
  checkU32(flags, "prepRenameat", "flags");
  fill(s, at, Op.RENAMEAT, oldDirfd, oldPath, newDirfd >>> 0, newPath);
  s.u32[(at >>> 2) + W_OP_FLAGS] = flags;
}

/**
 * `io_uring_prep_unlinkat` (5.11): unlink `path`, or with
 * `AT.REMOVEDIR` rmdir it.
 *
 * @example
 * ```ts
 * import { sqeViews, prepUnlinkat, AT } from "@jsuring/jsuring";
 * prepUnlinkat(sqeViews(new ArrayBuffer(64)), 0, AT.FDCWD, 0x1000, AT.REMOVEDIR);
 * ```
 */
export function prepUnlinkat(s: SqeViews, at: number, dirfd: number, path: number, flags: number): void {
  checkS32(dirfd, "prepUnlinkat", "dirfd");
  checkU64(path, "prepUnlinkat", "path");
  checkU32(flags, "prepUnlinkat", "flags");
  fill(s, at, Op.UNLINKAT, dirfd, path, 0, 0);
  s.u32[(at >>> 2) + W_OP_FLAGS] = flags;
}

/**
 * `io_uring_prep_mkdirat` (5.15): mkdir `path` with permission bits `mode`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepMkdirat, AT_FDCWD } from "@jsuring/jsuring";
 * prepMkdirat(sqeViews(new ArrayBuffer(64)), 0, AT_FDCWD, 0x1000, 0o755);
 * ```
 */
export function prepMkdirat(s: SqeViews, at: number, dirfd: number, path: number, mode: number): void {
  checkS32(dirfd, "prepMkdirat", "dirfd");
  checkU64(path, "prepMkdirat", "path");
  checkU32(mode, "prepMkdirat", "mode");
  fill(s, at, Op.MKDIRAT, dirfd, path, mode, 0);
}

/**
 * `io_uring_prep_symlinkat` (5.15): make `linkPath` (relative to
 * `newDirfd`) a symbolic link to `target`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepSymlinkat, AT_FDCWD } from "@jsuring/jsuring";
 * prepSymlinkat(sqeViews(new ArrayBuffer(64)), 0, 0x1000, AT_FDCWD, 0x2000);
 * ```
 */
export function prepSymlinkat(
  s: SqeViews,
  at: number,
  target: number,
  newDirfd: number,
  linkPath: number,
): void {
  checkU64(target, "prepSymlinkat", "target");
  checkS32(newDirfd, "prepSymlinkat", "newDirfd");
  checkU64(linkPath, "prepSymlinkat", "linkPath");
  fill(s, at, Op.SYMLINKAT, newDirfd, target, 0, linkPath);
}

/**
 * `io_uring_prep_linkat` (5.15): hard link `newPath` to `oldPath`; `flags`
 * may be `AT.SYMLINK_FOLLOW` / `AT.EMPTY_PATH`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepLinkat, AT_FDCWD } from "@jsuring/jsuring";
 * prepLinkat(sqeViews(new ArrayBuffer(64)), 0, AT_FDCWD, 0x1000, AT_FDCWD, 0x2000, 0);
 * ```
 */
export function prepLinkat(
  s: SqeViews,
  at: number,
  oldDirfd: number,
  oldPath: number,
  newDirfd: number,
  newPath: number,
  flags: number,
): void {
  checkS32(oldDirfd, "prepLinkat", "oldDirfd");
  checkU64(oldPath, "prepLinkat", "oldPath");
  checkS32(newDirfd, "prepLinkat", "newDirfd");
  checkU64(newPath, "prepLinkat", "newPath");
  checkU32(flags, "prepLinkat", "flags");
  fill(s, at, Op.LINKAT, oldDirfd, oldPath, newDirfd >>> 0, newPath);
  s.u32[(at >>> 2) + W_OP_FLAGS] = flags;
}

// ---------------------------------------------------------------- xattr

/**
 * `io_uring_prep_getxattr` (5.19): read extended attribute `name` of `path`
 * into the `len`-byte buffer at `value` (res: the attribute's size).
 *
 * @example
 * ```ts
 * import { sqeViews, prepGetxattr } from "@jsuring/jsuring";
 * prepGetxattr(sqeViews(new ArrayBuffer(64)), 0, 0x1000, 0x2000, 0x3000, 256);
 * ```
 */
export function prepGetxattr(
  s: SqeViews,
  at: number,
  name: number,
  value: number,
  path: number,
  len: number,
): void {
  checkU64(name, "prepGetxattr", "name");
  checkU64(value, "prepGetxattr", "value");
  checkU64(path, "prepGetxattr", "path");
  checkU32(len, "prepGetxattr", "len");
  fill(s, at, Op.GETXATTR, 0, name, len, value);
  put64(s.u32, (at >>> 2) + W_ADDR3, path);
}

/**
 * `io_uring_prep_setxattr` (5.19): set extended attribute `name` of `path`
 * to the `len` bytes at `value`; `flags` are `XATTR.*`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepSetxattr, XATTR } from "@jsuring/jsuring";
 * prepSetxattr(sqeViews(new ArrayBuffer(64)), 0, 0x1000, 0x2000, 0x3000, XATTR.CREATE, 5);
 * ```
 */
export function prepSetxattr(
  s: SqeViews,
  at: number,
  name: number,
  value: number,
  path: number,
  flags: number,
  len: number,
): void {
  checkU64(name, "prepSetxattr", "name");
  checkU64(value, "prepSetxattr", "value");
  checkU64(path, "prepSetxattr", "path");
  checkU32(flags, "prepSetxattr", "flags");
  checkU32(len, "prepSetxattr", "len");
  fill(s, at, Op.SETXATTR, 0, name, len, value);
  put64(s.u32, (at >>> 2) + W_ADDR3, path);
  s.u32[(at >>> 2) + W_OP_FLAGS] = flags;
}

/**
 * `io_uring_prep_fgetxattr` (5.19): {@linkcode prepGetxattr} on open file `fd`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepFgetxattr } from "@jsuring/jsuring";
 * prepFgetxattr(sqeViews(new ArrayBuffer(64)), 0, 3, 0x1000, 0x2000, 256);
 * ```
 */
export function prepFgetxattr(
  s: SqeViews,
  at: number,
  fd: number,
  name: number,
  value: number,
  len: number,
): void {
  checkS32(fd, "prepFgetxattr", "fd");
  checkU64(name, "prepFgetxattr", "name");
  checkU64(value, "prepFgetxattr", "value");
  checkU32(len, "prepFgetxattr", "len");
  fill(s, at, Op.FGETXATTR, fd, name, len, value);
}

/**
 * `io_uring_prep_fsetxattr` (5.19): {@linkcode prepSetxattr} on open file `fd`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepFsetxattr } from "@jsuring/jsuring";
 * prepFsetxattr(sqeViews(new ArrayBuffer(64)), 0, 3, 0x1000, 0x2000, 0, 5);
 * ```
 */
export function prepFsetxattr(
  s: SqeViews,
  at: number,
  fd: number,
  name: number,
  value: number,
  flags: number,
  len: number,
): void {
  checkS32(fd, "prepFsetxattr", "fd");
  checkU64(name, "prepFsetxattr", "name");
  checkU64(value, "prepFsetxattr", "value");
  checkU32(flags, "prepFsetxattr", "flags");
  checkU32(len, "prepFsetxattr", "len");
  fill(s, at, Op.FSETXATTR, fd, name, len, value);
  s.u32[(at >>> 2) + W_OP_FLAGS] = flags;
}

// ---------------------------------------------------------- file data

/**
 * `io_uring_prep_sync_file_range` (5.2): sync_file_range(2) of `len` bytes
 * at `offset`; `flags` are `SYNC_FILE_RANGE.*`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepSyncFileRange, SYNC_FILE_RANGE } from "@jsuring/jsuring";
 * prepSyncFileRange(sqeViews(new ArrayBuffer(64)), 0, 3, 4096, 0, SYNC_FILE_RANGE.WRITE);
 * ```
 */
export function prepSyncFileRange(
  s: SqeViews,
  at: number,
  fd: number,
  len: number,
  offset: number,
  flags: number,
): void {
  checkS32(fd, "prepSyncFileRange", "fd");
  checkU32(len, "prepSyncFileRange", "len");
  checkSize(offset, "prepSyncFileRange", "offset");
  checkU32(flags, "prepSyncFileRange", "flags");
  fill(s, at, Op.SYNC_FILE_RANGE, fd, 0, len, offset);
  s.u32[(at >>> 2) + W_OP_FLAGS] = flags;
}

/**
 * `io_uring_prep_fallocate` (5.6): fallocate(2) `len` bytes at `offset`;
 * `mode` is 0 or `FALLOC_FL.*` (punch a hole: `PUNCH_HOLE | KEEP_SIZE`).
 *
 * @example
 * ```ts
 * import { sqeViews, prepFallocate, FALLOC_FL } from "@jsuring/jsuring";
 * prepFallocate(sqeViews(new ArrayBuffer(64)), 0, 3, FALLOC_FL.PUNCH_HOLE | FALLOC_FL.KEEP_SIZE, 0, 4096);
 * ```
 */
export function prepFallocate(
  s: SqeViews,
  at: number,
  fd: number,
  mode: number,
  offset: number,
  len: number,
): void {
  checkS32(fd, "prepFallocate", "fd");
  checkU32(mode, "prepFallocate", "mode");
  checkSize(offset, "prepFallocate", "offset");
  checkSize(len, "prepFallocate", "len");
  fill(s, at, Op.FALLOCATE, fd, len, mode, offset); // the length goes in addr
}

/**
 * `io_uring_prep_fadvise` (5.6): posix_fadvise(2) on `len` bytes (u32; 0:
 * to the end) at `offset`; `advice` is `POSIX_FADV.*`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepFadvise, POSIX_FADV } from "@jsuring/jsuring";
 * prepFadvise(sqeViews(new ArrayBuffer(64)), 0, 3, 0, 0, POSIX_FADV.SEQUENTIAL);
 * ```
 */
export function prepFadvise(
  s: SqeViews,
  at: number,
  fd: number,
  offset: number,
  len: number,
  advice: number,
): void {
  checkS32(fd, "prepFadvise", "fd");
  checkSize(offset, "prepFadvise", "offset");
  checkU32(len, "prepFadvise", "len");
  checkU32(advice, "prepFadvise", "advice");
  fill(s, at, Op.FADVISE, fd, 0, len, offset);
  s.u32[(at >>> 2) + W_OP_FLAGS] = advice;
}

/**
 * `io_uring_prep_fadvise64` (6.7: the kernel reads a 64-bit length from
 * `addr` when `len` is 0): {@linkcode prepFadvise} for ranges past 4 GiB.
 *
 * @example
 * ```ts
 * import { sqeViews, prepFadvise64, POSIX_FADV } from "@jsuring/jsuring";
 * prepFadvise64(sqeViews(new ArrayBuffer(64)), 0, 3, 0, 2 ** 33, POSIX_FADV.DONTNEED);
 * ```
 */
export function prepFadvise64(
  s: SqeViews,
  at: number,
  fd: number,
  offset: number,
  len: number,
  advice: number,
): void {
  checkS32(fd, "prepFadvise64", "fd");
  checkSize(offset, "prepFadvise64", "offset");
  checkSize(len, "prepFadvise64", "len");
  checkU32(advice, "prepFadvise64", "advice");
  fill(s, at, Op.FADVISE, fd, len, 0, offset);
  s.u32[(at >>> 2) + W_OP_FLAGS] = advice;
}

/**
 * `io_uring_prep_madvise` (5.6): madvise(2) on `length` bytes (u32) at
 * address `addr`; `advice` is `MADV.*`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepMadvise, MADV } from "@jsuring/jsuring";
 * prepMadvise(sqeViews(new ArrayBuffer(64)), 0, 0x200000, 0x200000, MADV.WILLNEED);
 * ```
 */
export function prepMadvise(s: SqeViews, at: number, addr: number, length: number, advice: number): void {
  checkU64(addr, "prepMadvise", "addr");
  checkU32(length, "prepMadvise", "length");
  checkU32(advice, "prepMadvise", "advice");
  fill(s, at, Op.MADVISE, -1, addr, length, 0);
  s.u32[(at >>> 2) + W_OP_FLAGS] = advice;
}

/**
 * `io_uring_prep_madvise64` (6.7: 64-bit length in `off` when `len` is 0).
 *
 * @example
 * ```ts
 * import { sqeViews, prepMadvise64, MADV } from "@jsuring/jsuring";
 * prepMadvise64(sqeViews(new ArrayBuffer(64)), 0, 0x200000, 2 ** 33, MADV.WILLNEED);
 * ```
 */
export function prepMadvise64(s: SqeViews, at: number, addr: number, length: number, advice: number): void {
  checkU64(addr, "prepMadvise64", "addr");
  checkSize(length, "prepMadvise64", "length");
  checkU32(advice, "prepMadvise64", "advice");
  fill(s, at, Op.MADVISE, -1, addr, 0, length);
  s.u32[(at >>> 2) + W_OP_FLAGS] = advice;
}

/**
 * `io_uring_prep_ftruncate` (6.9): ftruncate(2) `fd` to `len` bytes.
 *
 * @example
 * ```ts
 * import { sqeViews, prepFtruncate } from "@jsuring/jsuring";
 * prepFtruncate(sqeViews(new ArrayBuffer(64)), 0, 3, 4096);
 * ```
 */
export function prepFtruncate(s: SqeViews, at: number, fd: number, len: number): void {
  checkS32(fd, "prepFtruncate", "fd");
  checkSize(len, "prepFtruncate", "len");
  fill(s, at, Op.FTRUNCATE, fd, 0, 0, len);
}

// ---------------------------------------------------------------- open

/**
 * `io_uring_prep_openat2` (5.6): openat2(2) with the 24-byte
 * `struct open_how` at `how` (layout `open_how`: flags `O.*`, mode,
 * resolve `RESOLVE.*`).
 *
 * @example
 * ```ts
 * import { sqeViews, prepOpenat2, AT_FDCWD } from "@jsuring/jsuring";
 * prepOpenat2(sqeViews(new ArrayBuffer(64)), 0, AT_FDCWD, 0x1000, 0x2000);
 * ```
 */
export function prepOpenat2(s: SqeViews, at: number, dirfd: number, path: number, how: number): void {
  checkS32(dirfd, "prepOpenat2", "dirfd");
  checkU64(path, "prepOpenat2", "path");
  checkU64(how, "prepOpenat2", "how");
  fill(s, at, Op.OPENAT2, dirfd, path, open_how.size, how);
}

/**
 * `io_uring_prep_openat_direct` (5.15): {@linkcode prepOpenat} into
 * fixed-file slot `fileIndex` (`Misc.FILE_INDEX_ALLOC`: a free one, 5.19).
 *
 * @example
 * ```ts
 * import { sqeViews, prepOpenatDirect, AT_FDCWD } from "@jsuring/jsuring";
 * prepOpenatDirect(sqeViews(new ArrayBuffer(64)), 0, AT_FDCWD, 0x1000, 0, 0, 3);
 * ```
 */
export function prepOpenatDirect(
  s: SqeViews,
  at: number,
  dirfd: number,
  path: number,
  flags: number,
  mode: number,
  fileIndex: number,
): void {
  prepOpenat(s, at, dirfd, path, flags, mode);
  setFileIndex(s, at, fileIndex);
}

/**
 * `io_uring_prep_openat2_direct` (5.15): {@linkcode prepOpenat2} into
 * fixed-file slot `fileIndex`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepOpenat2Direct, AT_FDCWD, Misc } from "@jsuring/jsuring";
 * prepOpenat2Direct(sqeViews(new ArrayBuffer(64)), 0, AT_FDCWD, 0x1000, 0x2000, Misc.FILE_INDEX_ALLOC);
 * ```
 */
export function prepOpenat2Direct(
  s: SqeViews,
  at: number,
  dirfd: number,
  path: number,
  how: number,
  fileIndex: number,
): void {
  prepOpenat2(s, at, dirfd, path, how);
  setFileIndex(s, at, fileIndex);
}

/**
 * `io_uring_prep_close_direct` (5.15): empty fixed-file slot `fileIndex`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepCloseDirect } from "@jsuring/jsuring";
 * prepCloseDirect(sqeViews(new ArrayBuffer(64)), 0, 3);
 * ```
 */
export function prepCloseDirect(s: SqeViews, at: number, fileIndex: number): void {
  if (typeof fileIndex !== "number" || fileIndex >>> 0 !== fileIndex || fileIndex === 0xffffffff) {
    throw fieldError("prepCloseDirect", "fileIndex", "a slot (0..4294967294)", fileIndex);
  }
  prepClose(s, at, 0);
  s.u32[(at >>> 2) + W_FILE_INDEX] = fileIndex + 1;
}

// ------------------------------------------------------- pipes and splice

/**
 * `io_uring_prep_splice` (5.7): move `nbytes` from `fdIn` (at `offIn`, -1
 * for a pipe or the file position) to `fdOut` (at `offOut`); one side must
 * be a pipe. `flags` are `SPLICE_F.*` (`FD_IN_FIXED`: `fdIn` is a slot).
 *
 * @example
 * ```ts
 * import { sqeViews, prepSplice } from "@jsuring/jsuring";
 * prepSplice(sqeViews(new ArrayBuffer(64)), 0, 3, 0, 5, -1, 65536, 0);
 * ```
 */
export function prepSplice(
  s: SqeViews,
  at: number,
  fdIn: number,
  offIn: number,
  fdOut: number,
  offOut: number,
  nbytes: number,
  flags: number,
): void {
  checkS32(fdIn, "prepSplice", "fdIn");
  checkU64(offIn, "prepSplice", "offIn");
  checkS32(fdOut, "prepSplice", "fdOut");
  checkU64(offOut, "prepSplice", "offOut");
  checkU32(nbytes, "prepSplice", "nbytes");
  checkU32(flags, "prepSplice", "flags");
  fill(s, at, Op.SPLICE, fdOut, offIn, nbytes, offOut); // splice_off_in is addr
  s.u32[(at >>> 2) + W_FILE_INDEX] = fdIn; // splice_fd_in
  s.u32[(at >>> 2) + W_OP_FLAGS] = flags;
}

/**
 * `io_uring_prep_tee` (5.8): duplicate `nbytes` from pipe `fdIn` to pipe
 * `fdOut` without consuming them.
 *
 * @example
 * ```ts
 * import { sqeViews, prepTee } from "@jsuring/jsuring";
 * prepTee(sqeViews(new ArrayBuffer(64)), 0, 3, 5, 65536, 0);
 * ```
 */
export function prepTee(
  s: SqeViews,
  at: number,
  fdIn: number,
  fdOut: number,
  nbytes: number,
  flags: number,
): void {
  checkS32(fdIn, "prepTee", "fdIn");
  checkS32(fdOut, "prepTee", "fdOut");
  checkU32(nbytes, "prepTee", "nbytes");
  checkU32(flags, "prepTee", "flags");
  fill(s, at, Op.TEE, fdOut, 0, nbytes, 0);
  s.u32[(at >>> 2) + W_FILE_INDEX] = fdIn;
  s.u32[(at >>> 2) + W_OP_FLAGS] = flags;
}

/**
 * `io_uring_prep_pipe` (6.16): pipe2(2) into the two-int array at `fds`;
 * `flags` are `O.CLOEXEC` / `O.NONBLOCK` / `O.DIRECT`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepPipe, O } from "@jsuring/jsuring";
 * prepPipe(sqeViews(new ArrayBuffer(64)), 0, 0x1000, O.CLOEXEC);
 * ```
 */
export function prepPipe(s: SqeViews, at: number, fds: number, flags: number): void {
  checkU64(fds, "prepPipe", "fds");
  checkU32(flags, "prepPipe", "flags");
  fill(s, at, Op.PIPE, 0, fds, 0, 0);
  s.u32[(at >>> 2) + W_OP_FLAGS] = flags;
}

/**
 * `io_uring_prep_pipe_direct` (6.16): {@linkcode prepPipe} into fixed-file
 * slots from `fileIndex` (`Misc.FILE_INDEX_ALLOC`: free ones); `fds`
 * receives the slots.
 *
 * @example
 * ```ts
 * import { sqeViews, prepPipeDirect, Misc } from "@jsuring/jsuring";
 * prepPipeDirect(sqeViews(new ArrayBuffer(64)), 0, 0x1000, 0, Misc.FILE_INDEX_ALLOC);
 * ```
 */
export function prepPipeDirect(s: SqeViews, at: number, fds: number, flags: number, fileIndex: number): void {
  prepPipe(s, at, fds, flags);
  setFileIndex(s, at, fileIndex);
}

// ------------------------------------------------------ fixed-file table

/**
 * `io_uring_prep_files_update` (5.6): put the `nr` fds of the int array at
 * `fds` into fixed-file slots from `offset` (-1, `IORING_FILE_INDEX_ALLOC`:
 * free slots, 5.19; res is the count updated).
 *
 * @example
 * ```ts
 * import { sqeViews, prepFilesUpdate } from "@jsuring/jsuring";
 * prepFilesUpdate(sqeViews(new ArrayBuffer(64)), 0, 0x1000, 2, 0);
 * ```
 */
export function prepFilesUpdate(s: SqeViews, at: number, fds: number, nr: number, offset: number): void {
  checkU64(fds, "prepFilesUpdate", "fds");
  checkU32(nr, "prepFilesUpdate", "nr");
  if (typeof offset !== "number" || (offset | 0) !== offset || offset < -1) {
    throw fieldError("prepFilesUpdate", "offset", "a slot (0..2147483647) or -1 (FILE_INDEX_ALLOC)", offset);
  }
  fill(s, at, Op.FILES_UPDATE, -1, fds, nr, offset); // (__u64)(int)-1: all ones
}

/**
 * `io_uring_prep_fixed_fd_install` (6.8): make fixed-file slot `fd` a
 * regular file descriptor (res); `flags` `Misc.FIXED_FD_NO_CLOEXEC` leaves
 * out O_CLOEXEC. Sets `IOSQE_FIXED_FILE`, as liburing does.
 *
 * @example
 * ```ts
 * import { sqeViews, prepFixedFdInstall } from "@jsuring/jsuring";
 * prepFixedFdInstall(sqeViews(new ArrayBuffer(64)), 0, 2, 0);
 * ```
 */
export function prepFixedFdInstall(s: SqeViews, at: number, fd: number, flags: number): void {
  checkS32(fd, "prepFixedFdInstall", "fd");
  checkU32(flags, "prepFixedFdInstall", "flags");
  fill(s, at, Op.FIXED_FD_INSTALL, fd, 0, 0, 0);
  s.u8[at + B_FLAGS] = SqeFlag.FIXED_FILE;
  s.u32[(at >>> 2) + W_OP_FLAGS] = flags;
}

/**
 * `io_uring_prep_read_multishot` (6.7): read from `fd` (a pipe, socket or
 * other pollable file) into a provided buffer of group `bufGroup` each time
 * data arrives; `nbytes` 0: the buffer's size. Sets `IOSQE_BUFFER_SELECT`.
 *
 * @example
 * ```ts
 * import { sqeViews, prepReadMultishot } from "@jsuring/jsuring";
 * prepReadMultishot(sqeViews(new ArrayBuffer(64)), 0, 3, 0, -1, 1);
 * ```
 */
export function prepReadMultishot(
  s: SqeViews,
  at: number,
  fd: number,
  nbytes: number,
  offset: number,
  bufGroup: number,
): void {
  checkS32(fd, "prepReadMultishot", "fd");
  checkU32(nbytes, "prepReadMultishot", "nbytes");
  checkU64(offset, "prepReadMultishot", "offset");
  checkU16(bufGroup, "prepReadMultishot", "bufGroup");
  fill(s, at, Op.READ_MULTISHOT, fd, 0, nbytes, offset);
  s.u16[(at >>> 1) + H_BUF_INDEX] = bufGroup;
  s.u8[at + B_FLAGS] = SqeFlag.BUFFER_SELECT;
}
