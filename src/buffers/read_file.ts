/**
 * `readFile` (exported from `mod.ts` as `readFileSync`; `readFile` there is
 * the async one of `src/fs/`): a whole file into new memory, fast. Reading a page-cached file
 * is dominated by the page faults and zeroing of the fresh destination memory,
 * not by the copy (C manages 4.6 GiB/s into touched memory, 1.35 GiB/s into
 * fresh `malloc` memory here). So the destination is an arena backed by
 * hugepages where available (one fault and one zeroing per 2 MiB instead of
 * 512 faults), and the file is read with large io_uring reads, several in
 * flight, handed to the kernel's workers (`IOSQE_ASYNC`) so the copying (and
 * the faulting of any memory not yet touched) is spread over the CPUs.
 *
 * The memory belongs to the returned {@linkcode FileBuffer}: dispose it (or
 * let the garbage collector find its `bytes.buffer` unreachable) to unmap it.
 *
 * @module
 */
import { closeSync, fstatSync, openSync } from "node:fs";
import { SqeFlag } from "../abi/mod.ts";
import { Arena, createArena, type MemoryKind, type MemoryRequest } from "../memory/arena.ts";
import { getNative } from "../runtime/_ffi.ts";
import { UringError } from "../errors/uring_error.ts";
import { Ring } from "../ring/ring.ts";
import * as sqe from "../ops/sqe.ts";
import { Op } from "../abi/opcodes.ts";
import { checkBool, checkChoice, checkInt, checkOptions, show, typeError } from "../ring/_args.ts";

/**
 * Options of {@linkcode readFile}.
 *
 * @example
 * ```ts
 * import { readFileSync, type ReadFileOptions } from "@jsuring/jsuring";
 * const options: ReadFileOptions = { chunk: 1 << 20, depth: 8 };
 * using file = readFileSync("/etc/os-release", options);
 * ```
 */
export interface ReadFileOptions {
  /** Bytes per read (default 4 MiB). */
  chunk?: number;
  /** Reads in flight (default 8). */
  depth?: number;
  /** Hand the reads to the kernel's workers, spreading the copy over CPUs (default true). */
  async?: boolean;
  /**
   * Memory for the contents. Default: transparent hugepages, else pages
   * (pages for files under 2 MiB); the reserved hugetlb pool only if asked.
   */
  hugepages?: MemoryRequest;
}

const registry = new FinalizationRegistry<Arena>((arena) => arena[Symbol.dispose]());

/**
 * A file's contents in memory jsuring owns.
 *
 * @example
 * ```ts
 * import { type FileBuffer, readFileSync } from "@jsuring/jsuring";
 * using file: FileBuffer = readFileSync("/etc/os-release");
 * console.log(file.size, file.memoryKind);
 * ```
 */
export class FileBuffer implements Disposable {
  /** The contents. Do not use them after disposing. */
  readonly bytes: Uint8Array;
  /** What backs the memory. */
  readonly memoryKind: MemoryKind;
  #arena: Arena | undefined;

  /** @internal */
  constructor(bytes: Uint8Array, arena: Arena | undefined) {
    if (!(bytes instanceof Uint8Array)) throw typeError("FileBuffer: bytes", "a Uint8Array", bytes);
    if (arena !== undefined && !(arena instanceof Arena)) {
      throw typeError("FileBuffer: arena", "an Arena", arena);
    }
    this.bytes = bytes;
    this.memoryKind = arena?.kind ?? "pages";
    this.#arena = arena;
    if (arena) registry.register(bytes.buffer, arena, this);
  }

  /** Bytes read. */
  get size(): number {
    return this.bytes.byteLength;
  }

  /**
   * Unmap the memory now (any view of it becomes invalid).
   *
   * @example
   * ```ts
   * import { readFileSync } from "@jsuring/jsuring";
   * const f = readFileSync("/etc/os-release");
   * f[Symbol.dispose]();
   * ```
   */
  [Symbol.dispose](): void {
    if (!this.#arena) return;
    registry.unregister(this);
    this.#arena[Symbol.dispose]();
    this.#arena = undefined;
  }
}

let shared: Ring | undefined;

/**
 * Read the whole file at `path` into new hugepage-backed memory.
 *
 * @returns the contents; dispose to unmap them early
 * @throws {UringError} open/read failures (`ENOENT`, `EISDIR`…), with the path
 *
 * @example
 * ```ts
 * import { readFileSync } from "@jsuring/jsuring";
 * using f = readFileSync("/etc/os-release");
 * console.log(f.size, f.memoryKind, new TextDecoder().decode(f.bytes).split("\n")[0]);
 * ```
 */
export function readFile(path: string, options: ReadFileOptions = {}): FileBuffer {
  if (typeof path !== "string") throw typeError("readFileSync: path", "a string path", path);
  if (path.includes("\0")) throw new TypeError(`readFileSync: path contains a NUL character: ${show(path)}`);
  checkOptions(options, "readFileSync options", ["chunk", "depth", "async", "hugepages"]);
  const chunk = checkInt(options.chunk ?? 4 << 20, "readFileSync options.chunk (bytes)", 4096, 0x7ffff000);
  const depth = checkInt(options.depth ?? 8, "readFileSync options.depth", 1, 4096);
  if (options.async !== undefined) checkBool(options.async, "readFileSync options.async");
  if (options.hugepages !== undefined) {
    checkChoice(options.hugepages, "readFileSync options.hugepages", ["auto", "hugetlb", "thp", "pages"]);
  }
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    const errno = -((e as { errno?: number }).errno ?? 0);
    // No errno: not the kernel's refusal but the runtime's (Deno's NotCapable
    // without --allow-read): its own error says which flag; an EIO would lie.
    if (!(errno > 0)) throw e;
    throw new UringError(errno, `open ${path}`, undefined, { cause: e });
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new UringError(21, `readFile ${path}`);
    const size = st.size;
    if (size === 0) return new FileBuffer(new Uint8Array(0), undefined);
    // A private ring: reaping it never takes a caller's completions.
    const ring = shared && shared.fd >= 0 ? shared : (shared = Ring.create({ entries: 64 }));
    const arena = allocate(size, options.hugepages);
    try {
      const got = readInto(ring, fd, arena.address, size, chunk, depth, options.async ?? true, path);
      return new FileBuffer(new Uint8Array(getNative().view(arena.address, arena.size), 0, got), arena);
    } catch (e) {
      arena[Symbol.dispose]();
      throw e;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Memory for `size` bytes. By default transparent hugepages (one fault and one
 * zeroing per 2 MiB), not the reserved hugetlb pool that rings and regions
 * want, and ordinary pages for files under 2 MiB (no 2 MiB rounding).
 */
function allocate(size: number, kind: MemoryRequest | undefined): Arena {
  // The hint of a failure names readFileSync's knob (`hugepages`), not Arena's (`memory`).
  if (kind) return createArena({ size, memory: kind }, "hugepages");
  if (size < 2 << 20) return Arena.create({ size, memory: "pages" });
  try {
    return Arena.create({ size, memory: "thp" });
  } catch {
    return Arena.create({ size, memory: "pages" });
  }
}

/** Read `size` bytes of `fd` from 0 into `addr`; returns the bytes read (less at a premature EOF). */
function readInto(
  ring: Ring,
  fd: number,
  addr: number,
  size: number,
  chunk: number,
  depth: number,
  async: boolean,
  path: string,
): number {
  const pending: [number, number][] = []; // [offset, length] still to read
  for (let off = 0; off < size; off += chunk) pending.push([off, Math.min(chunk, size - off)]);
  pending.reverse();
  let inFlight = 0, got = 0, eof = size;
  let failure: UringError | undefined;
  const flags = async ? SqeFlag.ASYNC : 0;
  const done = (res: number, _flags: number, tag: unknown) => {
    inFlight--;
    const [off, len] = tag as [number, number];
    if (res < 0) {
      failure ??= new UringError(-res, `read ${path} at ${off}`);
    } else if (res === 0) {
      eof = Math.min(eof, off); // the file shrank under us
    } else {
      got += res;
      if (res < len) pending.push([off + res, len - res]);
    }
  };
  while ((pending.length || inFlight) && !failure) {
    while (inFlight < depth && pending.length) {
      const [off, len] = pending.pop()!;
      if (off >= eof) continue;
      const at = ring.getSqe();
      sqe.prepRw(ring.sqes, at, Op.READ, fd, addr + off, len, off);
      ring.trackInternal(at, (res, f) => done(res, f, [off, len]), flags);
      inFlight++;
    }
    ring.submitAndWait(1);
    ring.reap(() => {});
  }
  if (failure) {
    // Let reads still in flight finish before the memory can be freed.
    while (inFlight) {
      ring.submitAndWait(1);
      ring.reap(() => {});
    }
    throw failure;
  }
  return Math.min(got, eof);
}
