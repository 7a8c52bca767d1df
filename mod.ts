/**
 * jsuring: io_uring for Deno and Bun.
 *
 * ```sh
 * deno add jsr:@jsuring/jsuring      # Deno 2, then: deno run --allow-ffi main.ts
 * bunx jsr add @jsuring/jsuring      # Bun 1.x, then: bun run main.ts
 * ```
 *
 * Nothing to compile: the package carries its companion C library for x86_64
 * and aarch64 Linux (built reproducibly from `ffi/`) and loads it from memory
 * (`memfd_create`), so Deno needs `--allow-ffi` and nothing else. The machine
 * needs the runtime and its distribution's liburing.
 *
 * Rings live in application memory (IORING_SETUP_NO_MMAP, on a hugepage when
 * one is available); SQEs are written straight into ring memory, the SQ tail
 * is published once per batch, one `io_uring_enter` submits and waits, and
 * CQEs are reaped in batches. No FFI call per operation.
 *
 * ## Requirements
 *
 * | what | needs |
 * |---|---|
 * | core ring, files | Linux 5.19+ |
 * | TCP (`listen`, `connect`) | Linux 6.0+ |
 * | rings in your memory (NO_MMAP, the default where available) | Linux 6.5+, else kernel memory (`ring.fallback` says so) |
 * | incremental buffer rings | Linux 6.12+ |
 * | param region, registered waits | Linux 6.13+, else EXT_ARG waits (`fallback` says so) |
 * | the kernel module (`kernel-module/` in the repository) | Linux 7.3+ |
 * | liburing 2.3+ | Debian/Ubuntu `liburing2`, Fedora `liburing`, Arch `liburing`, Alpine `liburing` |
 * | C library | glibc 2.34+ for the bundled companion; elsewhere build it and set `JSURING_COMPANION` |
 * | Deno permissions | `--allow-ffi` (plus `--allow-read` for `readFileSync`'s path; `--allow-env=JSURING_COMPANION,JSURING_LIBURING` only if you set them) |
 * | Bun permissions | none |
 * | locked memory (`RLIMIT_MEMLOCK`) | about 28 KiB per default `Ring`, 84 KiB per default `AsyncRing`, 92 KiB with TCP; the usual 8 MiB default covers it |
 * | hugepages | optional (`sysctl vm.nr_hugepages=16`); without, `ring.fallback` says what the ring got instead |
 *
 * ## Troubleshooting
 *
 * | error | cause | fix |
 * |---|---|---|
 * | `NativeUnavailableError: jsuring needs FFI` | Deno without `--allow-ffi` | add `--allow-ffi` |
 * | `NativeUnavailableError: cannot load liburing` | liburing not installed | install `liburing2` (Debian, Ubuntu) or `liburing` |
 * | `NativeUnavailableError: JSURING_COMPANION is set, but Deno may not read it` | override set, no `--allow-env` | `--allow-env=JSURING_COMPANION`, or unset it |
 * | `NativeUnavailableError: … JSURING_COMPANION=… is version N, this jsuring expects M` | override built from another version | rebuild it (command in the message), or unset it |
 * | `NativeUnavailableError: jsuring bundles its companion library for x86_64 and aarch64` | another CPU | run the build command in the message |
 * | `NotCapable: Requires read access` (Deno) | `readFileSync` without `--allow-read` | `--allow-read=<path>` (the ring's `readFile` needs none) |
 * | `UringError EPERM` from `io_uring_setup` | `kernel.io_uring_disabled` or seccomp (Docker's default profile) | `sysctl kernel.io_uring_disabled=0`, or allow `io_uring_*` |
 * | `UringError ENOMEM` naming `RLIMIT_MEMLOCK` | locked-memory limit (the message gives bytes needed and limit) | `ulimit -l`, `LimitMEMLOCK=`, `--ulimit memlock=-1` |
 * | `UringError ENOMEM` from `mmap(hugetlb, …)` | no free hugepage | `sysctl vm.nr_hugepages=16`, or `hugepages: "auto"` |
 * | `UringError EINVAL … needs Linux X.Y` | option too new for the kernel | drop it, or a newer kernel |
 * | `TypeError` / `RangeError` | a bad argument, quoted in the message | pass what it asks for |
 * | `TypeError: … unknown option "x"; known options: …` | a misspelt option key | use one of those listed |
 *
 * @example Read a file through a ring
 * ```ts
 * import { Ring } from "@jsuring/jsuring";
 *
 * using ring = Ring.create({ entries: 64 });
 * console.log(ring.memory, ring.memoryKind, ring.fallback); // "user" "hugetlb" []
 * ring.openat("/etc/os-release");
 * ring.submitAndWait(1);
 * const [{ res: fd }] = ring.completions();
 * const buf = new Uint8Array(4096);
 * ring.read(fd, buf, 0, { tag: "os-release" });
 * ring.submitAndWait(1);
 * ring.reap((res, _flags, tag) => console.log(tag, res, "bytes"));
 * ring.closeFd(fd);
 * ring.submitAndWait(1);
 * ```
 *
 * @example Files and TCP with `await`
 * ```ts
 * import { AsyncRing, connect, listen, readFile } from "@jsuring/jsuring";
 *
 * await using ring = AsyncRing.create();
 * const bytes = await readFile("/etc/os-release", { ring });
 * await using server = await listen({ port: 0, ring });
 * await using client = await connect({ port: server.port, ring });
 * await client.sendAll(bytes.subarray(0, 16));
 * ```
 *
 * @module
 */
export {
  AT_FDCWD,
  closeFd,
  type Completion,
  type CompletionHandler,
  decodeStatx,
  eventfd,
  type IoBuffer,
  type OpOptions,
  Ring,
  RingCore,
  type Statx,
  type Timeout,
} from "./src/ring/ring.ts";
export { ringLayout, type RingLayout, type RingMemory, type RingOptions, setupFlags } from "./src/ring/setup.ts";
export { type OpDescription, OPERATIONS } from "./src/ring/operations.ts";
export { MULTISHOT_OPERATIONS, type MultishotDescription } from "./src/ring/operations_multishot.ts";
export { Arena, type ArenaOptions, type MemoryKind, type MemoryRequest, PAGE_SIZE, type Slice } from "./src/memory/arena.ts";
export { check, UringError } from "./src/errors/uring_error.ts";
export { Errno, errnoMessage, errnoName, type ErrnoName } from "./src/errors/errno.ts";
export {
  hugepageHint,
  hugepageShortage,
  kernelAtLeast,
  kernelRelease,
  kernelVersion,
  memlockHint,
  memlockLimit,
  registerHint,
  setupHint,
} from "./src/errors/hints.ts";
export * from "./src/ops/mod.ts";
export {
  AcceptFlag,
  AF,
  AT,
  CancelFlag,
  cmsghdr,
  CqeFlag,
  EFD,
  EnterFlag,
  FALLOC_FL,
  Feature,
  io_uring_recvmsg_out,
  MADV,
  MFD,
  Misc,
  MSG,
  msghdr,
  O,
  Op,
  OP_NAMES,
  OPCODES,
  open_how,
  opSince,
  POLL,
  PollFlag,
  POSIX_FADV,
  RecvSendFlag,
  RENAME,
  RESOLVE,
  S_IF,
  SHUT,
  SIG,
  SO,
  SOCK,
  sockaddr_in,
  sockaddr_in6,
  sockaddr_un,
  SocketCmd,
  SOL,
  SPLICE_F,
  SYNC_FILE_RANGE,
  TCP,
  XATTR,
  type OpName,
  PbufFlag,
  Register,
  RingFlag,
  SetupFlag,
  SqeFlag,
  TimeoutFlag,
} from "./src/abi/mod.ts";
export {
  AsyncRing,
  AsyncRingCore,
  type AsyncOpOptions,
  type AsyncRingOptions,
  Multishot,
  type MultishotOptions,
  type MultishotResult,
  type WakerKind,
} from "./src/async/async_ring.ts";
export {
  copyFile,
  type CopyFileOptions,
  type CopyMethod,
  defaultRing,
  type DirEntry,
  File,
  FsBatch,
  FsError,
  type FsOptions,
  type FsOutcome,
  ftruncate,
  getxattr,
  type GetxattrOptions,
  link,
  lstat,
  madvise,
  mkdir,
  type MkdirOptions,
  open,
  type OpenFlags,
  type OpenOptions,
  readDir,
  readdir,
  readFile,
  type ReadFileAsyncOptions,
  readFiles,
  rename,
  type RenameOptions,
  rmdir,
  setxattr,
  type SetxattrOptions,
  stat,
  type StatOptions,
  symlink,
  unlink,
  walk,
  type WalkEntry,
  type WalkOptions,
  writeFile,
  type WriteFileOptions,
} from "./src/fs/mod.ts";
export {
  connect,
  type ConnectOptions,
  listen,
  type ListenOptions,
  type RecvOptions,
  type SendOptions,
  SEND_ZC_THRESHOLD,
  TcpConn,
  TcpListener,
} from "./src/net/mod.ts";
// net (#12, socket kinds): addresses, errors, how sockets are made.
export {
  type Addr,
  formatAddr,
  ipVersion,
  type NetAddr,
  ResolveError,
  SocketError,
  type SocketSetup,
  type UnixAddr,
} from "./src/net/mod.ts";
export { IPV6 } from "./src/abi/linux.ts";
// Server operations, pipes (issue 12, netio).
export { type OpenHow } from "./src/ring/operations.ts";
export { type MessageHeader } from "./src/net/_msg.ts";
export { pipe, type PipeOptions } from "./src/net/pipe.ts";
export { type Datagram, type MessagesOptions, udpSocket, UdpSocket, type UdpSocketOptions } from "./src/net/udp.ts";
export { type DirectAcceptOptions, DirectConn, FileTable, type FileTableOptions } from "./src/net/direct.ts";
export { NativeUnavailableError, type RuntimeName } from "./src/runtime/libs.ts";
export * from "./src/region/mod.ts";
export * from "./src/buffers/mod.ts";
export * from "./src/cmd/mod.ts";
export type { Field, Struct } from "./src/abi/layout.ts";
// The static file server (issue 13) and its HTTP/1.1 pieces.
export {
  contentType,
  DEFAULT_CONTENT_TYPE,
  DEFAULT_LIMITS,
  DEFAULT_SERVER_LIMITS,
  encodePath,
  errorResponse,
  evaluatePreconditions,
  type FetchHandler,
  fileEtag,
  FileServer,
  formatHttpDate,
  Header,
  type HeadLimits,
  httpDateNow,
  ifRangeMatches,
  Method,
  parseHttpDate,
  parseRange,
  parseRequest,
  type Preconditions,
  type RangeResult,
  RequestHead,
  resolvePath,
  type ResolvedPath,
  responseHead,
  type ServeDirOptions,
  type ServerCounters,
  type ServerLimits,
  serveDir,
  STATUS_TEXT,
  strongMatch,
} from "./src/http/mod.ts";
