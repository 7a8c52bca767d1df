/**
 * Linux errno numbers (x86-64, asm-generic) and their names and messages, for
 * turning the kernel's `-errno` results into words.
 *
 * @module
 */

/**
 * errno name to number, for the errors io_uring returns or passes through.
 *
 * @example
 * ```ts
 * import { Errno } from "./errno.ts";
 * console.log(Errno.ECANCELED); // 125
 * ```
 */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EPIPE: 32,
  ERANGE: 34,
  EDEADLK: 35,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ELOOP: 40,
  ENODATA: 61,
  ETIME: 62,
  EOVERFLOW: 75,
  EBADFD: 77,
  ENOTSOCK: 88,
  EDESTADDRREQ: 89,
  EMSGSIZE: 90,
  EPROTOTYPE: 91,
  ENOPROTOOPT: 92,
  EOPNOTSUPP: 95,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOBUFS: 105,
  EISCONN: 106,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  EALREADY: 114,
  EINPROGRESS: 115,
  ECANCELED: 125,
  EOWNERDEAD: 130,
} as const;

/** An errno name, e.g. `"EINVAL"`. */
export type ErrnoName = keyof typeof Errno;

const NAMES: string[] = [];
for (const [name, n] of Object.entries(Errno)) NAMES[n] = name;

const MESSAGES: Readonly<Partial<Record<ErrnoName, string>>> = {
  EPERM: "operation not permitted",
  ENOENT: "no such file or directory",
  EINTR: "interrupted system call",
  EIO: "input/output error",
  E2BIG: "argument list too long",
  EBADF: "bad file descriptor",
  EAGAIN: "resource temporarily unavailable",
  ENOMEM: "cannot allocate memory",
  EACCES: "permission denied",
  EFAULT: "bad address",
  EBUSY: "device or resource busy",
  EEXIST: "file exists",
  EINVAL: "invalid argument",
  EMFILE: "too many open files",
  ENOSPC: "no space left on device",
  ENOSYS: "function not implemented",
  ETIME: "timer expired",
  EOVERFLOW: "value too large",
  EOPNOTSUPP: "operation not supported",
  ECONNRESET: "connection reset by peer",
  ENOBUFS: "no buffer space available",
  ETIMEDOUT: "connection timed out",
  ECONNREFUSED: "connection refused",
  EALREADY: "operation already in progress",
  ECANCELED: "operation canceled",
};

/**
 * The name of an errno number, `"E<n>"` for ones jsuring does not know.
 * Accepts `-errno` as the kernel returns it.
 *
 * @example
 * ```ts
 * import { errnoName } from "./errno.ts";
 * console.log(errnoName(-22)); // "EINVAL"
 * ```
 */
export function errnoName(errno: number): string {
  const n = Math.abs(errno);
  return NAMES[n] ?? `E${n}`;
}

/**
 * A short message for an errno, as strerror would say it.
 *
 * @example
 * ```ts
 * import { errnoMessage } from "./errno.ts";
 * console.log(errnoMessage(125)); // "operation canceled"
 * ```
 */
export function errnoMessage(errno: number): string {
  return MESSAGES[errnoName(errno) as ErrnoName] ?? `error ${Math.abs(errno)}`;
}
