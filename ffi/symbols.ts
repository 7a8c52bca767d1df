/**
 * FFI symbol tables, one per native library, each parameter commented with its
 * C type. Types are runtime-neutral; `src/runtime/_ffi.ts` maps them to Deno's
 * and Bun's spellings. Addresses are passed as `u64` numbers (not pointer
 * objects) so the hot path never allocates.
 *
 * @module
 */

/** A parameter or result type, runtime-neutral. `buffer` is a TypedArray or null. */
export type FfiType = "i32" | "u32" | "i64" | "u64" | "buffer" | "void";

/** One C function's signature. */
export interface FfiSignature {
  readonly args: readonly FfiType[];
  readonly returns: FfiType;
  /** Symbol added by a later library version: absent is not an error. */
  readonly optional?: boolean;
  /**
   * Deno only: run the call on a blocking thread and return a Promise
   * (`nonblocking: true`). Bun has no such calls: there the symbol is bound
   * as an ordinary synchronous one, which jsuring never calls.
   */
  readonly nonblocking?: boolean;
}

/** A library's symbols by name. */
export type SymbolTable = Readonly<Record<string, FfiSignature>>;

/**
 * liburing 2.3+ (`liburing.so.2`): the raw syscall wrappers. They return
 * `-errno` (liburing's own syscall layer, not libc's `-1`/errno).
 *
 * @example
 * ```ts
 * import { LIBURING } from "./symbols.ts";
 * console.log(Object.keys(LIBURING));
 * ```
 */
export const LIBURING = {
  // int io_uring_setup(unsigned entries, struct io_uring_params *p)
  io_uring_setup: { args: ["u32", "buffer"], returns: "i32" },
  // int io_uring_enter(unsigned fd, unsigned to_submit, unsigned min_complete,
  //                    unsigned flags, sigset_t *sig)
  // (fd declared signed: same register, and a closed ring's -1 reaches the
  // kernel as EBADF instead of a conversion error)
  io_uring_enter: { args: ["i32", "u32", "u32", "u32", "buffer"], returns: "i32" },
  // int io_uring_enter2(unsigned fd, unsigned to_submit, unsigned min_complete,
  //                     unsigned flags, sigset_t *sig /* or the ext arg */, size_t sz)
  io_uring_enter2: { args: ["i32", "u32", "u32", "u32", "buffer", "u64"], returns: "i32" },
  // Same, with the argument as a plain number: for IORING_ENTER_EXT_ARG_REG the
  // "pointer" is an offset into the registered region (6.13), not an address.
  io_uring_enter2_raw: {
    args: ["i32", "u32", "u32", "u32", "u64", "u64"],
    returns: "i32",
  },
  // int io_uring_register(unsigned fd, unsigned opcode, const void *arg, unsigned nr_args)
  io_uring_register: { args: ["i32", "u32", "buffer", "u32"], returns: "i32" },
} as const satisfies SymbolTable;

/** Symbols whose C name differs from the key (aliases of one C function). */
export const LIBURING_ALIASES: Readonly<Record<string, string>> = {
  io_uring_enter2_raw: "io_uring_enter2",
};

/**
 * The companion library (`ffi/jsuring.c`, built to `ffi/build/libjsuring.so`).
 * Every function returns `0`/a count or `-errno`.
 *
 * @example
 * ```ts
 * import { COMPANION } from "./symbols.ts";
 * console.log(COMPANION.jsu_alloc.args);
 * ```
 */
export const COMPANION = {
  // uint64_t jsu_hugepage_size(void)
  jsu_hugepage_size: { args: [], returns: "u64" },
  // int jsu_alloc(uint64_t size, uint32_t mode, uint64_t *out /* [4] */)
  jsu_alloc: { args: ["u64", "u32", "buffer"], returns: "i32" },
  // int jsu_free(uint64_t addr, uint64_t size)
  jsu_free: { args: ["u64", "u64"], returns: "i32" },
  // int jsu_mmap_fd(int fd, uint64_t offset, uint64_t size, uint64_t *out)
  jsu_mmap_fd: { args: ["i32", "u64", "u64", "buffer"], returns: "i32" },
  // int jsu_close(int fd)
  jsu_close: { args: ["i32"], returns: "i32" },
  // int jsu_eventfd(uint32_t initval, int32_t flags)
  jsu_eventfd: { args: ["u32", "i32"], returns: "i32" },
  // int jsu_eventfd_wait(int efd, int timeout_ms): 1 fired, 0 timeout, -errno
  jsu_eventfd_wait: { args: ["i32", "i32"], returns: "i32" },
  // The same C function as a Deno `nonblocking` call (src/async/_waker.ts).
  jsu_eventfd_wait_async: { args: ["i32", "i32"], returns: "i32", nonblocking: true },
  // int jsu_eventfd_clear(int efd): 1 consumed a count, 0 none, -errno
  jsu_eventfd_clear: { args: ["i32"], returns: "i32" },
  // int jsu_eventfd_signal(int efd)
  jsu_eventfd_signal: { args: ["i32"], returns: "i32" },
  // int jsu_waiter_start(int efd, uint64_t cb /* void (*)(void) */, uint64_t *out)
  jsu_waiter_start: { args: ["i32", "u64", "buffer"], returns: "i32" },
  // int jsu_waiter_arm(uint64_t handle)
  jsu_waiter_arm: { args: ["u64"], returns: "i32" },
  // int jsu_waiter_stop(uint64_t handle)
  jsu_waiter_stop: { args: ["u64"], returns: "i32" },
  // void jsu_memcpy(uint64_t dst, uint64_t src, uint64_t n)
  jsu_memcpy: { args: ["u64", "u64", "u64"], returns: "void" },
  // uint32_t jsu_version(void)
  jsu_version: { args: [], returns: "u32" },
} as const satisfies SymbolTable;

/** Companion symbols whose C name differs from the key. */
export const COMPANION_ALIASES: Readonly<Record<string, string>> = {
  jsu_eventfd_wait_async: "jsu_eventfd_wait",
};

/** The companion version this TypeScript expects (`JSU_VERSION` in jsuring.h). */
export const COMPANION_VERSION = 2;

/**
 * The few libc (glibc `libc.so.6`) functions jsuring calls before the
 * companion library is loaded, or instead of reading `/proc`: they need no
 * permission beyond FFI. Pointers come back as `u64` numbers.
 *
 * @example
 * ```ts
 * import { LIBC } from "./symbols.ts";
 * console.log(LIBC.uname.args);
 * ```
 */
export const LIBC = {
  // int memfd_create(const char *name, unsigned int flags)
  memfd_create: { args: ["buffer", "u32"], returns: "i32" },
  // ssize_t write(int fd, const void *buf, size_t count)
  write: { args: ["i32", "buffer", "u64"], returns: "i64" },
  // int close(int fd)
  close: { args: ["i32"], returns: "i32" },
  // int uname(struct utsname *buf) — 6 fields of 65 bytes on Linux
  uname: { args: ["buffer"], returns: "i32" },
  // char *getenv(const char *name)
  getenv: { args: ["buffer"], returns: "u64" },
  // int *__errno_location(void)
  __errno_location: { args: [], returns: "u64" },
  // int getrlimit(int resource, struct rlimit *rlim) — two u64
  getrlimit: { args: ["i32", "buffer"], returns: "i32" },
  // --- server (#13): the file server's pipe pool (splice file → pipe → socket)
  // int pipe2(int pipefd[2], int flags)
  pipe2: { args: ["buffer", "i32"], returns: "i32" },
  // int fcntl(int fd, int cmd, int arg) — F_SETPIPE_SZ / F_GETPIPE_SZ (variadic; an int is passed in a register)
  fcntl: { args: ["i32", "i32", "i32"], returns: "i32" },
  // --- args (#10): /proc/sys values for hints (nr_hugepages, io_uring_disabled) under --allow-ffi
  // only: Deno grants reads of /proc/sys only with --allow-all, so the hints guessed.
  // int open(const char *pathname, int flags) — O_RDONLY | O_CLOEXEC, no mode
  open: { args: ["buffer", "i32"], returns: "i32" },
  // ssize_t read(int fd, void *buf, size_t count)
  read: { args: ["i32", "buffer", "u64"], returns: "i64" },
} as const satisfies SymbolTable;
