/**
 * Linux errno numbers (x86-64 and aarch64 share asm-generic's) and their names and messages, for
 * turning the kernel's `-errno` results into words.
 *
 * @module
 */
import { checkInt } from "../ring/_args.ts";

/**
 * errno name to number: every Linux errno (1-133), and the kernel-internal
 * ENOTSUPP (524) that some drivers leak through io_uring.
 *
 * @example
 * ```ts
 * import { Errno } from "@jsuring/jsuring";
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
  ENOEXEC: 8,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  ENOTBLK: 15,
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
  ETXTBSY: 26,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  EPIPE: 32,
  EDOM: 33,
  ERANGE: 34,
  EDEADLK: 35,
  ENAMETOOLONG: 36,
  ENOLCK: 37,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ELOOP: 40,
  ENOMSG: 42,
  EIDRM: 43,
  ECHRNG: 44,
  EL2NSYNC: 45,
  EL3HLT: 46,
  EL3RST: 47,
  ELNRNG: 48,
  EUNATCH: 49,
  ENOCSI: 50,
  EL2HLT: 51,
  EBADE: 52,
  EBADR: 53,
  EXFULL: 54,
  ENOANO: 55,
  EBADRQC: 56,
  EBADSLT: 57,
  EBFONT: 59,
  ENOSTR: 60,
  ENODATA: 61,
  ETIME: 62,
  ENOSR: 63,
  ENONET: 64,
  ENOPKG: 65,
  EREMOTE: 66,
  ENOLINK: 67,
  EADV: 68,
  ESRMNT: 69,
  ECOMM: 70,
  EPROTO: 71,
  EMULTIHOP: 72,
  EDOTDOT: 73,
  EBADMSG: 74,
  EOVERFLOW: 75,
  ENOTUNIQ: 76,
  EBADFD: 77,
  EREMCHG: 78,
  ELIBACC: 79,
  ELIBBAD: 80,
  ELIBSCN: 81,
  ELIBMAX: 82,
  ELIBEXEC: 83,
  EILSEQ: 84,
  ERESTART: 85,
  ESTRPIPE: 86,
  EUSERS: 87,
  ENOTSOCK: 88,
  EDESTADDRREQ: 89,
  EMSGSIZE: 90,
  EPROTOTYPE: 91,
  ENOPROTOOPT: 92,
  EPROTONOSUPPORT: 93,
  ESOCKTNOSUPPORT: 94,
  EOPNOTSUPP: 95,
  EPFNOSUPPORT: 96,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETDOWN: 100,
  ENETUNREACH: 101,
  ENETRESET: 102,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOBUFS: 105,
  EISCONN: 106,
  ENOTCONN: 107,
  ESHUTDOWN: 108,
  ETOOMANYREFS: 109,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTDOWN: 112,
  EHOSTUNREACH: 113,
  EALREADY: 114,
  EINPROGRESS: 115,
  ESTALE: 116,
  EUCLEAN: 117,
  ENOTNAM: 118,
  ENAVAIL: 119,
  EISNAM: 120,
  EREMOTEIO: 121,
  EDQUOT: 122,
  ENOMEDIUM: 123,
  EMEDIUMTYPE: 124,
  ECANCELED: 125,
  ENOKEY: 126,
  EKEYEXPIRED: 127,
  EKEYREVOKED: 128,
  EKEYREJECTED: 129,
  EOWNERDEAD: 130,
  ENOTRECOVERABLE: 131,
  ERFKILL: 132,
  EHWPOISON: 133,
  ENOTSUPP: 524,
} as const;

/**
 * An errno name, e.g. `"EINVAL"`.
 *
 * @example
 * ```ts
 * import { Errno, type ErrnoName } from "@jsuring/jsuring";
 * const name: ErrnoName = "ENOENT";
 * console.log(Errno[name]); // 2
 * ```
 */
export type ErrnoName = keyof typeof Errno;

const NAMES: string[] = [];
for (const [name, n] of Object.entries(Errno)) NAMES[n] = name;

const MESSAGES: Readonly<Record<ErrnoName, string>> = {
  EPERM: "operation not permitted",
  ENOENT: "no such file or directory",
  ESRCH: "no such process",
  EINTR: "interrupted system call",
  EIO: "input/output error",
  ENXIO: "no such device or address",
  E2BIG: "argument list too long",
  ENOEXEC: "exec format error",
  EBADF: "bad file descriptor",
  ECHILD: "no child processes",
  EAGAIN: "resource temporarily unavailable",
  ENOMEM: "cannot allocate memory",
  EACCES: "permission denied",
  EFAULT: "bad address",
  ENOTBLK: "block device required",
  EBUSY: "device or resource busy",
  EEXIST: "file exists",
  EXDEV: "invalid cross-device link",
  ENODEV: "no such device",
  ENOTDIR: "not a directory",
  EISDIR: "is a directory",
  EINVAL: "invalid argument",
  ENFILE: "too many open files in system",
  EMFILE: "too many open files",
  ENOTTY: "inappropriate ioctl for device",
  ETXTBSY: "text file busy",
  EFBIG: "file too large",
  ENOSPC: "no space left on device",
  ESPIPE: "illegal seek",
  EROFS: "read-only file system",
  EMLINK: "too many links",
  EPIPE: "broken pipe",
  EDOM: "numerical argument out of domain",
  ERANGE: "numerical result out of range",
  EDEADLK: "resource deadlock avoided",
  ENAMETOOLONG: "file name too long",
  ENOLCK: "no locks available",
  ENOSYS: "function not implemented",
  ENOTEMPTY: "directory not empty",
  ELOOP: "too many levels of symbolic links",
  ENOMSG: "no message of desired type",
  EIDRM: "identifier removed",
  ECHRNG: "channel number out of range",
  EL2NSYNC: "level 2 not synchronized",
  EL3HLT: "level 3 halted",
  EL3RST: "level 3 reset",
  ELNRNG: "link number out of range",
  EUNATCH: "protocol driver not attached",
  ENOCSI: "no CSI structure available",
  EL2HLT: "level 2 halted",
  EBADE: "invalid exchange",
  EBADR: "invalid request descriptor",
  EXFULL: "exchange full",
  ENOANO: "no anode",
  EBADRQC: "invalid request code",
  EBADSLT: "invalid slot",
  EBFONT: "bad font file format",
  ENOSTR: "device not a stream",
  ENODATA: "no data available",
  ETIME: "timer expired",
  ENOSR: "out of streams resources",
  ENONET: "machine is not on the network",
  ENOPKG: "package not installed",
  EREMOTE: "object is remote",
  ENOLINK: "link has been severed",
  EADV: "advertise error",
  ESRMNT: "srmount error",
  ECOMM: "communication error on send",
  EPROTO: "protocol error",
  EMULTIHOP: "multihop attempted",
  EDOTDOT: "rFS specific error",
  EBADMSG: "bad message",
  EOVERFLOW: "value too large for defined data type",
  ENOTUNIQ: "name not unique on network",
  EBADFD: "file descriptor in bad state",
  EREMCHG: "remote address changed",
  ELIBACC: "can not access a needed shared library",
  ELIBBAD: "accessing a corrupted shared library",
  ELIBSCN: ".lib section in a.out corrupted",
  ELIBMAX: "attempting to link in too many shared libraries",
  ELIBEXEC: "cannot exec a shared library directly",
  EILSEQ: "invalid or incomplete multibyte or wide character",
  ERESTART: "interrupted system call should be restarted",
  ESTRPIPE: "streams pipe error",
  EUSERS: "too many users",
  ENOTSOCK: "socket operation on non-socket",
  EDESTADDRREQ: "destination address required",
  EMSGSIZE: "message too long",
  EPROTOTYPE: "protocol wrong type for socket",
  ENOPROTOOPT: "protocol not available",
  EPROTONOSUPPORT: "protocol not supported",
  ESOCKTNOSUPPORT: "socket type not supported",
  EOPNOTSUPP: "operation not supported",
  EPFNOSUPPORT: "protocol family not supported",
  EAFNOSUPPORT: "address family not supported by protocol",
  EADDRINUSE: "address already in use",
  EADDRNOTAVAIL: "cannot assign requested address",
  ENETDOWN: "network is down",
  ENETUNREACH: "network is unreachable",
  ENETRESET: "network dropped connection on reset",
  ECONNABORTED: "software caused connection abort",
  ECONNRESET: "connection reset by peer",
  ENOBUFS: "no buffer space available",
  EISCONN: "transport endpoint is already connected",
  ENOTCONN: "transport endpoint is not connected",
  ESHUTDOWN: "cannot send after transport endpoint shutdown",
  ETOOMANYREFS: "too many references: cannot splice",
  ETIMEDOUT: "connection timed out",
  ECONNREFUSED: "connection refused",
  EHOSTDOWN: "host is down",
  EHOSTUNREACH: "no route to host",
  EALREADY: "operation already in progress",
  EINPROGRESS: "operation now in progress",
  ESTALE: "stale file handle",
  EUCLEAN: "structure needs cleaning",
  ENOTNAM: "not a XENIX named type file",
  ENAVAIL: "no XENIX semaphores available",
  EISNAM: "is a named type file",
  EREMOTEIO: "remote I/O error",
  EDQUOT: "disk quota exceeded",
  ENOMEDIUM: "no medium found",
  EMEDIUMTYPE: "wrong medium type",
  ECANCELED: "operation canceled",
  ENOKEY: "required key not available",
  EKEYEXPIRED: "key has expired",
  EKEYREVOKED: "key has been revoked",
  EKEYREJECTED: "key was rejected by service",
  EOWNERDEAD: "owner died",
  ENOTRECOVERABLE: "state not recoverable",
  ERFKILL: "operation not possible due to RF-kill",
  EHWPOISON: "memory page has hardware error",
  ENOTSUPP: "operation not supported (a kernel-internal code some drivers leak)",
};

/**
 * The name of an errno number, `"E<n>"` for ones jsuring does not know.
 * Accepts `-errno` as the kernel returns it.
 *
 * @example
 * ```ts
 * import { errnoName } from "@jsuring/jsuring";
 * console.log(errnoName(-22)); // "EINVAL"
 * ```
 */
export function errnoName(errno: number): string {
  const n = Math.abs(checkInt(errno, "errno", -4095, 4095));
  return NAMES[n] ?? `E${n}`;
}

/**
 * A short message for an errno, as glibc's strerror says it (C locale, lower case).
 *
 * @example
 * ```ts
 * import { errnoMessage } from "@jsuring/jsuring";
 * console.log(errnoMessage(125)); // "operation canceled"
 * ```
 */
export function errnoMessage(errno: number): string {
  return MESSAGES[errnoName(errno) as ErrnoName] ?? `unknown error ${Math.abs(errno)}`;
}
