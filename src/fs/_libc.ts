/**
 * The few libc functions the fs layer calls directly (glibc 2.30+ exports
 * `getdents64`; bookworm has 2.36). Loaded on first use; `null` where the
 * C library cannot be opened, and callers then go without (madvise is only a
 * hint) or say what is missing.
 *
 * @module
 */
import type { SymbolTable } from "../../ffi/symbols.ts";
import { getNative, type NativeLibrary } from "../runtime/_ffi.ts";

const LIBC = {
  /** int madvise(void *addr, size_t len, int advice) */
  madvise: { args: ["u64", "u64", "i32"], returns: "i32" },
  /** ssize_t getdents64(int fd, void *dirp, size_t count); read as i32 (counts stay < 2 GiB) */
  getdents64: { args: ["i32", "u64", "u64"], returns: "i32" },
  /** The same, on a runtime thread (Deno `nonblocking`: returns a Promise). */
  getdents64_nb: { args: ["i32", "u64", "u64"], returns: "i32", nonblocking: true },
  /** int statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *buf) (glibc 2.28) */
  statx: { args: ["i32", "u64", "i32", "u32", "u64"], returns: "i32" },
  /** ssize_t copy_file_range(int fd_in, off64_t *off_in, int fd_out, off64_t *off_out, size_t len, unsigned flags) (glibc 2.27); i32: len < 2 GiB */
  copy_file_range: { args: ["i32", "u64", "i32", "u64", "u64", "u32"], returns: "i32" },
  /** The same on a runtime thread (Deno `nonblocking`). */
  copy_file_range_nb: { args: ["i32", "u64", "i32", "u64", "u64", "u32"], returns: "i32", nonblocking: true },
  /** int open(const char *path, int flags, mode_t mode) */
  open: { args: ["u64", "i32", "u32"], returns: "i32" },
  /** ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset); i32: counts stay small */
  pwrite: { args: ["i32", "u64", "u64", "u64"], returns: "i32" },
  /** ssize_t write(int fd, const void *buf, size_t count) (O_APPEND) */
  write: { args: ["i32", "u64", "u64"], returns: "i32" },
  /** int ftruncate(int fd, off_t length) */
  ftruncate: { args: ["i32", "u64"], returns: "i32" },
  /** int close(int fd) */
  close: { args: ["i32"], returns: "i32" },
  /** int rename(const char *old, const char *new) */
  rename: { args: ["u64", "u64"], returns: "i32" },
  /** int renameat2(int olddirfd, const char *old, int newdirfd, const char *new, unsigned flags) (glibc 2.28) */
  renameat2: { args: ["i32", "u64", "i32", "u64", "u32"], returns: "i32" },
  /** int unlink(const char *path) */
  unlink: { args: ["u64"], returns: "i32" },
  /** int *__errno_location(void) */
  __errno_location: { args: [], returns: "u64" },
} as const satisfies SymbolTable;

let lib: NativeLibrary | null | undefined;

/** libc, or null if it cannot be opened here. */
export function libc(): NativeLibrary | null {
  if (lib !== undefined) return lib;
  try {
    lib = getNative().open("libc.so.6", LIBC, {
      getdents64_nb: "getdents64",
      copy_file_range_nb: "copy_file_range",
    });
  } catch {
    lib = null;
  }
  return lib;
}

/** The calling thread's errno (valid right after a failed synchronous call). */
export function errno(): number {
  const l = libc();
  if (!l) return 0;
  const at = Number(l.symbols.__errno_location());
  return new Int32Array(getNative().view(at, 4))[0];
}

const HUGE = 2 << 20;
const MADV_HUGEPAGE = 14;

/**
 * Ask for transparent hugepages under the 2 MiB-aligned interior of `bytes`
 * (madvise MADV_HUGEPAGE, Linux 2.6.38): when the kernel first touches that
 * memory (the reads filling it), it faults in and zeroes one 2 MiB page at a
 * time instead of 512 small ones. Only a hint: memory already touched, or a
 * system with THP disabled, just keeps small pages.
 */
export function adviseHugepages(bytes: Uint8Array): void {
  if (bytes.byteLength < 2 * HUGE) return;
  const l = libc();
  if (!l) return;
  const addr = getNative().addressOf(bytes);
  const start = Math.ceil(addr / HUGE) * HUGE;
  const end = Math.floor((addr + bytes.byteLength) / HUGE) * HUGE;
  if (end > start) l.symbols.madvise(start, end - start, MADV_HUGEPAGE);
}

const AT_EMPTY_PATH = 0x1000;
const STATX_TYPE_SIZE = 0x1 | 0x200; // STATX_TYPE | STATX_SIZE
const EMPTY = new Uint8Array(1);
const statxBuf = new Uint8Array(256);
const statxView = new DataView(statxBuf.buffer);

/**
 * Type bits and size of the open file `fd`, by statx(2) on the descriptor,
 * synchronously: it reads the in-memory inode (no I/O on local filesystems),
 * where io_uring's IORING_OP_STATX always goes through a worker thread
 * (io_statx_prep forces async) whose wake-up costs more than a small file's
 * whole read. Returns `-errno` on failure.
 */
export function fstatSize(fd: number): { mode: number; size: number } | number {
  const l = libc();
  if (!l) return -38; // ENOSYS: no libc to call
  const n = getNative();
  const r = l.symbols.statx(fd, n.addressOf(EMPTY), AT_EMPTY_PATH, STATX_TYPE_SIZE, n.addressOf(statxBuf));
  if (r !== 0) return -errno();
  // struct statx: stx_mode (u16) at 28, stx_size (u64) at 40 (include/uapi/linux/stat.h).
  return { mode: statxView.getUint16(28, true), size: Number(statxView.getBigUint64(40, true)) };
}

/** `s` as a NUL-terminated C string (kept alive by the caller for the call). */
export function cString(s: string): Uint8Array {
  const b = new TextEncoder().encode(s + "\0");
  return b;
}

/**
 * Type bits of the file at the NUL-terminated path at address `path`
 * (statx(2) following symlinks, synchronous), or `-errno`.
 */
export function statMode(path: number): number {
  const l = libc();
  if (!l) return -38;
  const r = l.symbols.statx(-100, path, 0, 0x1, getNative().addressOf(statxBuf)); // AT_FDCWD, STATX_TYPE
  if (r !== 0) return -errno();
  return statxView.getUint16(28, true);
}

/**
 * Type bits and size of the file at the NUL-terminated path at address
 * `path` (statx(2) following symlinks, synchronous), or `-errno`.
 */
export function statTypeSize(path: number): { mode: number; size: number } | number {
  const l = libc();
  if (!l) return -38;
  const r = l.symbols.statx(-100, path, 0, STATX_TYPE_SIZE, getNative().addressOf(statxBuf)); // AT_FDCWD
  if (r !== 0) return -errno();
  return { mode: statxView.getUint16(28, true), size: Number(statxView.getBigUint64(40, true)) };
}
