/**
 * jsuring: io_uring for Deno and Bun.
 *
 * Rings live in application memory (IORING_SETUP_NO_MMAP, on a hugepage when
 * one is available); SQEs are written straight into ring memory through
 * TypedArray views, the SQ tail is published once per batch, one
 * `io_uring_enter` submits and waits, and CQEs are reaped in batches. No FFI
 * call per operation.
 *
 * @example
 * ```ts
 * import { Ring } from "jsr:@jsuring/jsuring";
 * import { openSync } from "node:fs";
 *
 * using ring = Ring.create({ entries: 64 });
 * console.log(ring.memory, ring.memoryKind); // "user" "hugetlb" (or "thp", "pages")
 * const fd = openSync("/etc/os-release", "r");
 * const buf = new Uint8Array(4096);
 * ring.read(fd, buf, 0, { tag: "os-release" });
 * ring.submitAndWait(1);
 * ring.reap((res, _flags, tag) => console.log(tag, res, "bytes"));
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
  type Statx,
  type Timeout,
} from "./src/ring/ring.ts";
export { ringLayout, type RingLayout, type RingMemory, type RingOptions, setupFlags } from "./src/ring/setup.ts";
export { type OpDescription, OPERATIONS } from "./src/ring/operations.ts";
export { Arena, type ArenaOptions, type MemoryKind, type MemoryRequest, PAGE_SIZE, type Slice } from "./src/memory/arena.ts";
export { check, UringError } from "./src/errors/uring_error.ts";
export { Errno, errnoMessage, errnoName, type ErrnoName } from "./src/errors/errno.ts";
export {
  hugepageHint,
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
  SHUT,
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
  type AsyncOpOptions,
  type AsyncRingOptions,
  Multishot,
  type MultishotOptions,
  type MultishotResult,
  type WakerKind,
} from "./src/async/async_ring.ts";
export {
  copyFile,
  defaultRing,
  File,
  type FsOptions,
  open,
  type OpenFlags,
  readFile,
  stat,
  writeFile,
} from "./src/fs/mod.ts";
export {
  connect,
  type ConnectOptions,
  listen,
  type ListenOptions,
  type RecvOptions,
  SEND_ZC_THRESHOLD,
  TcpConn,
  TcpListener,
} from "./src/net/mod.ts";
export { NativeUnavailableError, type RuntimeName } from "./src/runtime/libs.ts";
export {
  createRingWithRegion,
  ParamRegion,
  REGION_SINCE,
  type RegionMemory,
  type RegionOptions,
  type RegionSlice,
  requireRegions,
  type RingWithRegion,
  type RingWithRegionOptions,
  SIGSET_SIZE,
  WAIT_SIGMASKS_SLICE,
  WAIT_SLOT_SIZE,
  WAIT_SLOTS_SLICE,
  waitAreaBytes,
} from "./src/region/region.ts";
export {
  type RawSlotFields,
  type Signal,
  type WaitOptions,
  type WaitPath,
  type WaitSlot,
  WaitSlots,
  type WaitSlotsOptions,
} from "./src/region/wait.ts";
export {
  BufferGroup,
  type BufferMemory,
  cqeBufferId,
  type SelectOptions,
  type TakenBuffer,
} from "./src/buffers/_group.ts";
export {
  checkProvide,
  MAX_PROVIDED_BUFFERS,
  ProvidedBuffers,
  type ProvidedBuffersOptions,
} from "./src/buffers/provided.ts";
export {
  BUF_DESC_SIZE,
  BufferRing,
  type BufferRingOptions,
  MAX_RING_ENTRIES,
  type RingMemoryArea,
} from "./src/buffers/buf_ring.ts";
export {
  type FixedBuffer,
  FixedBuffers,
  type FixedOptions,
  MAX_FIXED_BUFFER_SIZE,
  MAX_FIXED_BUFFERS,
} from "./src/buffers/fixed.ts";
// The synchronous whole-file reader (hugepage-backed); `readFile` is the async one in src/fs.
export { FileBuffer, readFile as readFileSync, type ReadFileOptions } from "./src/buffers/read_file.ts";
export {
  type BufferRange,
  checkKmod,
  type CommandOptions,
  type KernelBuffer,
  KernelModule,
  type KernelModuleOptions,
  KMOD_SLICE,
  kmodHint,
  type ModuleProbe,
  type RawCommandOptions,
  type RegisterBufferOptions,
  type SqePatch,
} from "./src/cmd/kmod.ts";
export { expectedFill, fillByte, fnv1a64 } from "./src/cmd/fnv.ts";
export {
  JSK_CMD_STRUCT,
  JSK_DEVICE_PATH,
  JSK_FNV1A,
  JSK_IOC_TYPE,
  jsk_buf_op,
  jsk_buf_register,
  jsk_buf_unregister,
  jsk_probe,
  JskBufFlag,
  JskCmd,
  jskCmdName,
  type JskCmdName,
  JskConst,
  JskFeature,
  KMOD_STRUCTS,
} from "./src/cmd/uapi.ts";
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
