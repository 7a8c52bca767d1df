/**
 * Linux (not io_uring) constants the operations take as arguments: socket
 * families, types, levels and options, `MSG_*`, `O_*`, `AT_*`, `RENAME_*`,
 * `FALLOC_FL_*`, `POSIX_FADV_*`, `MADV_*`, `RESOLVE_*`, `XATTR_*`,
 * `SYNC_FILE_RANGE_*`, `SPLICE_F_*`, `POLL*`, `SHUT_*`, `EFD_*` (x86-64
 * values; each pinned against the C headers by tests/abi_test.ts through
 * `LINUX_CONSTANT_GROUPS`). Where the kernel added a flag late, the comment
 * says when.
 *
 * @module
 */

/**
 * Address families (`AF_*`, `<sys/socket.h>`).
 *
 * @example
 * ```ts
 * import { AF } from "@jsuring/jsuring";
 * console.log(AF.INET6); // 10
 * ```
 */
export const AF = { UNSPEC: 0, UNIX: 1, INET: 2, INET6: 10 } as const;

/**
 * Socket types and their creation flags (`SOCK_*`).
 *
 * @example
 * ```ts
 * import { SOCK } from "@jsuring/jsuring";
 * console.log(SOCK.STREAM | SOCK.CLOEXEC);
 * ```
 */
export const SOCK = {
  STREAM: 1,
  DGRAM: 2,
  RAW: 3,
  SEQPACKET: 5,
  NONBLOCK: 0o4000,
  CLOEXEC: 0o2000000,
} as const;

/**
 * Protocol levels for get/setsockopt (`SOL_SOCKET` and `IPPROTO_*`).
 *
 * @example
 * ```ts
 * import { SOL } from "@jsuring/jsuring";
 * console.log(SOL.SOCKET, SOL.TCP); // 1 6
 * ```
 */
export const SOL = { SOCKET: 1, IP: 0, TCP: 6, UDP: 17, IPV6: 41 } as const;

/**
 * Socket-level options (`SO_*`, level `SOL.SOCKET`).
 *
 * @example
 * ```ts
 * import { SO } from "@jsuring/jsuring";
 * console.log(SO.REUSEADDR); // 2
 * ```
 */
export const SO = {
  DEBUG: 1,
  REUSEADDR: 2,
  TYPE: 3,
  ERROR: 4,
  DONTROUTE: 5,
  BROADCAST: 6,
  SNDBUF: 7,
  RCVBUF: 8,
  KEEPALIVE: 9,
  OOBINLINE: 10,
  LINGER: 13,
  REUSEPORT: 15,
  RCVLOWAT: 18,
  SNDLOWAT: 19,
  ZEROCOPY: 60,
} as const;

/**
 * TCP options (`TCP_*`, level `SOL.TCP`).
 *
 * @example
 * ```ts
 * import { TCP } from "@jsuring/jsuring";
 * console.log(TCP.NODELAY); // 1
 * ```
 */
export const TCP = {
  NODELAY: 1,
  MAXSEG: 2,
  CORK: 3,
  KEEPIDLE: 4,
  KEEPINTVL: 5,
  KEEPCNT: 6,
  QUICKACK: 12,
  FASTOPEN: 23,
} as const;

/**
 * send/recv flags (`MSG_*`): the SQE's `msg_flags`.
 *
 * @example
 * ```ts
 * import { MSG } from "@jsuring/jsuring";
 * console.log(MSG.NOSIGNAL); // 16384
 * ```
 */
export const MSG = {
  OOB: 0x1,
  PEEK: 0x2,
  DONTROUTE: 0x4,
  CTRUNC: 0x8,
  TRUNC: 0x20,
  DONTWAIT: 0x40,
  EOR: 0x80,
  WAITALL: 0x100,
  NOSIGNAL: 0x4000,
  MORE: 0x8000,
  WAITFORONE: 0x10000,
  ZEROCOPY: 0x4000000,
  CMSG_CLOEXEC: 0x40000000,
} as const;

/**
 * shutdown(2)'s `how` (`SHUT_*`).
 *
 * @example
 * ```ts
 * import { SHUT } from "@jsuring/jsuring";
 * console.log(SHUT.WR); // 1
 * ```
 */
export const SHUT = { RD: 0, WR: 1, RDWR: 2 } as const;

/**
 * open(2) flags (`O_*`, x86-64). `O_LARGEFILE` is left out: glibc defines it
 * as 0 on 64-bit and io_uring's openat sets it itself.
 *
 * @example
 * ```ts
 * import { O } from "@jsuring/jsuring";
 * console.log(O.WRONLY | O.CREAT | O.TRUNC | O.CLOEXEC);
 * ```
 */
export const O = {
  RDONLY: 0,
  WRONLY: 0o1,
  RDWR: 0o2,
  CREAT: 0o100,
  EXCL: 0o200,
  NOCTTY: 0o400,
  TRUNC: 0o1000,
  APPEND: 0o2000,
  NONBLOCK: 0o4000,
  DSYNC: 0o10000,
  DIRECT: 0o40000,
  DIRECTORY: 0o200000,
  NOFOLLOW: 0o400000,
  NOATIME: 0o1000000,
  CLOEXEC: 0o2000000,
  SYNC: 0o4010000,
  PATH: 0o10000000,
  TMPFILE: 0o20200000,
} as const;

/**
 * `*at()` flags and `AT_FDCWD` (`AT_*`).
 *
 * @example
 * ```ts
 * import { AT } from "@jsuring/jsuring";
 * console.log(AT.FDCWD, AT.REMOVEDIR); // -100 512
 * ```
 */
export const AT = {
  FDCWD: -100,
  SYMLINK_NOFOLLOW: 0x100,
  REMOVEDIR: 0x200,
  SYMLINK_FOLLOW: 0x400,
  NO_AUTOMOUNT: 0x800,
  EMPTY_PATH: 0x1000,
  STATX_SYNC_AS_STAT: 0,
  STATX_FORCE_SYNC: 0x2000,
  STATX_DONT_SYNC: 0x4000,
} as const;

/**
 * `AT_FDCWD` (-100): paths relative to the working directory.
 *
 * @example
 * ```ts
 * import { AT_FDCWD } from "@jsuring/jsuring";
 * console.log(AT_FDCWD); // -100
 * ```
 */
export const AT_FDCWD: -100 = -100;

/**
 * renameat2(2) flags (`RENAME_*`, 3.15+).
 *
 * @example
 * ```ts
 * import { RENAME } from "@jsuring/jsuring";
 * console.log(RENAME.NOREPLACE); // 1
 * ```
 */
export const RENAME = { NOREPLACE: 1, EXCHANGE: 2, WHITEOUT: 4 } as const;

/**
 * fallocate(2) modes (`FALLOC_FL_*`): punch a hole with
 * `PUNCH_HOLE | KEEP_SIZE`.
 *
 * @example
 * ```ts
 * import { FALLOC_FL } from "@jsuring/jsuring";
 * console.log(FALLOC_FL.PUNCH_HOLE | FALLOC_FL.KEEP_SIZE); // 3
 * ```
 */
export const FALLOC_FL = {
  KEEP_SIZE: 0x01,
  PUNCH_HOLE: 0x02,
  NO_HIDE_STALE: 0x04,
  COLLAPSE_RANGE: 0x08,
  ZERO_RANGE: 0x10,
  INSERT_RANGE: 0x20,
  UNSHARE_RANGE: 0x40,
} as const;

/**
 * posix_fadvise(2) advice (`POSIX_FADV_*`, x86-64 values).
 *
 * @example
 * ```ts
 * import { POSIX_FADV } from "@jsuring/jsuring";
 * console.log(POSIX_FADV.SEQUENTIAL); // 2
 * ```
 */
export const POSIX_FADV = {
  NORMAL: 0,
  RANDOM: 1,
  SEQUENTIAL: 2,
  WILLNEED: 3,
  DONTNEED: 4,
  NOREUSE: 5,
} as const;

/**
 * madvise(2) advice (`MADV_*`).
 *
 * @example
 * ```ts
 * import { MADV } from "@jsuring/jsuring";
 * console.log(MADV.WILLNEED); // 3
 * ```
 */
export const MADV = {
  NORMAL: 0,
  RANDOM: 1,
  SEQUENTIAL: 2,
  WILLNEED: 3,
  DONTNEED: 4,
  FREE: 8,
  REMOVE: 9,
  DONTFORK: 10,
  DOFORK: 11,
  MERGEABLE: 12,
  UNMERGEABLE: 13,
  HUGEPAGE: 14,
  NOHUGEPAGE: 15,
  DONTDUMP: 16,
  DODUMP: 17,
  COLD: 20, // 5.4
  PAGEOUT: 21, // 5.4
} as const;

/**
 * openat2(2) `struct open_how.resolve` flags (`RESOLVE_*`, 5.6; CACHED 5.12).
 *
 * @example
 * ```ts
 * import { RESOLVE } from "@jsuring/jsuring";
 * console.log(RESOLVE.BENEATH | RESOLVE.NO_SYMLINKS); // 12
 * ```
 */
export const RESOLVE = {
  NO_XDEV: 0x01,
  NO_MAGICLINKS: 0x02,
  NO_SYMLINKS: 0x04,
  BENEATH: 0x08,
  IN_ROOT: 0x10,
  CACHED: 0x20,
} as const;

/**
 * setxattr(2) flags (`XATTR_*`).
 *
 * @example
 * ```ts
 * import { XATTR } from "@jsuring/jsuring";
 * console.log(XATTR.CREATE); // 1
 * ```
 */
export const XATTR = { CREATE: 1, REPLACE: 2 } as const;

/**
 * sync_file_range(2) flags (`SYNC_FILE_RANGE_*`).
 *
 * @example
 * ```ts
 * import { SYNC_FILE_RANGE } from "@jsuring/jsuring";
 * console.log(SYNC_FILE_RANGE.WRITE); // 2
 * ```
 */
export const SYNC_FILE_RANGE = { WAIT_BEFORE: 1, WRITE: 2, WAIT_AFTER: 4 } as const;

/**
 * splice(2)/tee(2) flags (`SPLICE_F_*`); io_uring adds
 * `SPLICE_F_FD_IN_FIXED` (1 << 31, 5.7): `fd_in` is a fixed-file slot.
 *
 * @example
 * ```ts
 * import { SPLICE_F } from "@jsuring/jsuring";
 * console.log(SPLICE_F.MOVE); // 1
 * ```
 */
export const SPLICE_F = {
  MOVE: 1,
  NONBLOCK: 2,
  MORE: 4,
  GIFT: 8,
  FD_IN_FIXED: 0x80000000,
} as const;

/**
 * poll(2) events (`POLL*`): the SQE's `poll32_events`.
 *
 * @example
 * ```ts
 * import { POLL } from "@jsuring/jsuring";
 * console.log(POLL.IN | POLL.OUT); // 5
 * ```
 */
export const POLL = {
  IN: 0x001,
  PRI: 0x002,
  OUT: 0x004,
  ERR: 0x008,
  HUP: 0x010,
  NVAL: 0x020,
  RDHUP: 0x2000,
} as const;

/**
 * eventfd(2) flags (`EFD_*`).
 *
 * @example
 * ```ts
 * import { EFD } from "@jsuring/jsuring";
 * console.log(EFD.CLOEXEC | EFD.NONBLOCK);
 * ```
 */
export const EFD = { SEMAPHORE: 1, NONBLOCK: 0o4000, CLOEXEC: 0o2000000 } as const;

/**
 * Signal numbers (`SIG*`, x86-64; real-time signals are 34..64).
 *
 * @example
 * ```ts
 * import { SIG } from "@jsuring/jsuring"; // internal: not exported by the package
 * console.log(SIG.USR1); // 10
 * ```
 */
export const SIG = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  ILL: 4,
  TRAP: 5,
  ABRT: 6,
  BUS: 7,
  FPE: 8,
  KILL: 9,
  USR1: 10,
  SEGV: 11,
  USR2: 12,
  PIPE: 13,
  ALRM: 14,
  TERM: 15,
  STKFLT: 16,
  CHLD: 17,
  CONT: 18,
  STOP: 19,
  TSTP: 20,
  TTIN: 21,
  TTOU: 22,
  URG: 23,
  XCPU: 24,
  XFSZ: 25,
  VTALRM: 26,
  PROF: 27,
  WINCH: 28,
  IO: 29,
  PWR: 30,
  SYS: 31,
} as const;

/**
 * memfd_create(2) flags (`MFD_*`; EXEC and NOEXEC_SEAL 6.3).
 *
 * @example
 * ```ts
 * import { MFD } from "@jsuring/jsuring"; // internal: not exported by the package
 * console.log(MFD.CLOEXEC); // 1
 * ```
 */
export const MFD = {
  CLOEXEC: 0x1,
  ALLOW_SEALING: 0x2,
  HUGETLB: 0x4,
  NOEXEC_SEAL: 0x8,
  EXEC: 0x10,
} as const;

/**
 * File type bits of `st_mode` / `stx_mode` (`S_IF*`).
 *
 * @example
 * ```ts
 * import { S_IF } from "@jsuring/jsuring"; // internal: not exported by the package
 * const isDir = (mode: number) => (mode & S_IF.MT) === S_IF.DIR;
 * console.log(isDir(0o40755)); // true
 * ```
 */
export const S_IF = {
  MT: 0o170000,
  SOCK: 0o140000,
  LNK: 0o120000,
  REG: 0o100000,
  BLK: 0o060000,
  DIR: 0o040000,
  CHR: 0o020000,
  IFO: 0o010000,
} as const;

/**
 * IPv6 socket options (`IPV6_*`, level `SOL.IPV6`, `<netinet/in.h>`).
 *
 * @example
 * ```ts
 * import { IPV6 } from "@jsuring/jsuring";
 * console.log(IPV6.V6ONLY); // 26
 * ```
 */
export const IPV6 = { V6ONLY: 26 } as const;

/**
 * fcntl(2) commands on pipes (`F_SETPIPE_SZ` / `F_GETPIPE_SZ`, Linux 2.6.35,
 * `<fcntl.h>` with `_GNU_SOURCE`): the file server sizes its splice pipes.
 *
 * @example
 * ```ts
 * import { F_PIPE } from "./linux.ts"; // internal: not exported by the package
 * console.log(F_PIPE.SETPIPE_SZ); // 1031
 * ```
 */
export const F_PIPE = { SETPIPE_SZ: 1031, GETPIPE_SZ: 1032 } as const;

/**
 * Each table with the C prefix of its keys and the header that defines
 * them, for tests/abi_test.ts.
 *
 * @example
 * ```ts
 * import { LINUX_CONSTANT_GROUPS } from "./linux.ts"; // internal: not exported by the package
 * for (const [prefix] of LINUX_CONSTANT_GROUPS) console.log(prefix);
 * ```
 */
export const LINUX_CONSTANT_GROUPS: ReadonlyArray<
  readonly [prefix: string, table: Readonly<Record<string, number>>]
> = [
  ["AF_", AF],
  ["SOCK_", SOCK],
  ["SO_", SO],
  ["TCP_", TCP],
  ["MSG_", MSG],
  ["SHUT_", SHUT],
  ["O_", O],
  ["AT_", AT],
  ["RENAME_", RENAME],
  ["FALLOC_FL_", FALLOC_FL],
  ["POSIX_FADV_", POSIX_FADV],
  ["MADV_", MADV],
  ["RESOLVE_", RESOLVE],
  ["XATTR_", XATTR],
  ["SYNC_FILE_RANGE_", SYNC_FILE_RANGE],
  ["POLL", POLL],
  ["EFD_", EFD],
  ["SIG", SIG],
  ["MFD_", MFD],
  ["S_IF", S_IF],
  ["IPV6_", IPV6],
  ["F_", F_PIPE],
  [
    "",
    {
      SOL_SOCKET: SOL.SOCKET,
      IPPROTO_IP: SOL.IP,
      IPPROTO_TCP: SOL.TCP,
      SOL_TCP: SOL.TCP,
      IPPROTO_UDP: SOL.UDP,
      IPPROTO_IPV6: SOL.IPV6,
      SPLICE_F_MOVE: SPLICE_F.MOVE,
      SPLICE_F_NONBLOCK: SPLICE_F.NONBLOCK,
      SPLICE_F_MORE: SPLICE_F.MORE,
      SPLICE_F_GIFT: SPLICE_F.GIFT,
      SPLICE_F_FD_IN_FIXED: SPLICE_F.FD_IN_FIXED,
    },
  ],
];
