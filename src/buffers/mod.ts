/**
 * `@jsuring/jsuring/buffers`: buffers the kernel picks or knows by index:
 * provided-buffer groups (`BufferGroup`, `ProvidedBuffers`), buffer rings
 * (`BufferRing`, incremental on 6.12+), registered buffers (`FixedBuffers`),
 * and the synchronous whole-file reader (`readFileSync`, `FileBuffer`).
 * Everything here is also exported by the package root, `@jsuring/jsuring`.
 *
 * @example
 * ```ts
 * import { readFileSync } from "@jsuring/jsuring/buffers";
 * using file = readFileSync("/etc/os-release");
 * console.log(file.bytes.byteLength);
 * ```
 *
 * @module
 */
export {
  BufferGroup,
  type BufferMemory,
  cqeBufferId,
  type SelectOptions,
  type TakenBuffer,
} from "./_group.ts";
export {
  checkProvide,
  MAX_PROVIDED_BUFFERS,
  ProvidedBuffers,
  type ProvidedBuffersOptions,
} from "./provided.ts";
export {
  BUF_DESC_SIZE,
  BufferRing,
  type BufferRingOptions,
  MAX_RING_ENTRIES,
  type RingMemoryArea,
} from "./buf_ring.ts";
export {
  type FixedBuffer,
  FixedBuffers,
  type FixedOptions,
  MAX_FIXED_BUFFER_SIZE,
  MAX_FIXED_BUFFERS,
} from "./fixed.ts";
// The synchronous whole-file reader (hugepage-backed); `readFile` is the async one in src/fs.
export { FileBuffer, readFile as readFileSync, type ReadFileOptions } from "./read_file.ts";
