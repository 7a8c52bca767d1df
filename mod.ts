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
export { Arena, type ArenaOptions, type MemoryKind, type MemoryRequest, PAGE_SIZE, type Slice } from "./src/memory/arena.ts";
export { check, UringError } from "./src/errors/uring_error.ts";
export { Errno, errnoName } from "./src/errors/errno.ts";
export { kernelAtLeast, kernelVersion } from "./src/errors/hints.ts";
export * from "./src/ops/sqe.ts";
export {
  CancelFlag,
  CqeFlag,
  EnterFlag,
  Feature,
  Op,
  type OpName,
  PbufFlag,
  Register,
  RingFlag,
  SetupFlag,
  SqeFlag,
  TimeoutFlag,
} from "./src/abi/mod.ts";
export { NativeUnavailableError, type RuntimeName } from "./src/runtime/libs.ts";
