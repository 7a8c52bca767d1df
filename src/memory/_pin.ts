/**
 * Buffer lifetime: "a buffer handed to the kernel is safe until its
 * completion, whatever the caller does" — made true by letting the kernel do
 * I/O only into memory the library owns.
 *
 * Why. Keeping a caller's ArrayBuffer referenced is not enough: the caller can
 * detach it (`buffer.transfer(n)`, `structuredClone(…, { transfer })`,
 * `postMessage`), and both runtimes then free or reallocate the old heap
 * memory at once, while the kernel still has its address: a pending read later
 * writes into whatever the runtime put there (heap corruption, issue 16 #4).
 *
 * How (checked on Deno 2.9 and Bun 1.4, see tests/reliability_test.ts):
 * - A view over *library memory* (an {@linkcode Arena}: mmap'ed by the
 *   companion library, wrapped by `UnsafePointerView.getArrayBuffer` / bun:ffi
 *   `toArrayBuffer` without a deleter) is used in place, zero-copy: detaching
 *   or transferring such an ArrayBuffer never frees or moves the mapping (the
 *   runtimes only drop their reference; a transfer to another length copies
 *   out of it), and its arena is retained until the completion, so even
 *   disposing the arena waits.
 * - Any other buffer goes through a library-owned *staging* slot (size
 *   classes up to 1 MiB carved from arenas and reused; beyond, a private
 *   array nobody else can reach): what the kernel reads (write, send)
 *   is copied in when the operation is queued; what it writes (read, recv) is
 *   copied out at the completion, before anyone sees the result, if the
 *   caller's buffer is still attached — otherwise dropped.
 *
 * One entry point, {@linkcode pin}, used by every buffer-taking operation of
 * `Ring` and `AsyncRing` (the op table calls {@linkcode Pin.finish} from the
 * reap, and never for an operation that did not complete: its staging stays
 * allocated for good).
 *
 * @module
 */
import { Arena } from "./arena.ts";
import { getNative } from "../runtime/_ffi.ts";
import { isDetached } from "./detached.ts";

/** The kernel reads the buffer (write, send): its bytes are staged when queued. */
export const TO_KERNEL = 1;
/** The kernel writes the buffer (read, recv): staged bytes are copied back at completion. */
export const FROM_KERNEL = 2;
/** Which way data moves: {@linkcode TO_KERNEL}, {@linkcode FROM_KERNEL} or both (3). */
export type Direction = 1 | 2 | 3;

/** Library memory: ArrayBuffers over arenas, and the arena to retain while the kernel uses them. */
const OWNED = new WeakMap<ArrayBufferLike, Arena>();

/** Record that `buffer` is a view of `arena`'s memory (done by the arena itself). */
export function markOwned(buffer: ArrayBufferLike, arena: Arena): void {
  OWNED.set(buffer, arena);
}

/** Whether `view` lies in memory the library owns (an arena), so I/O into it needs no staging. */
export function isLibraryMemory(view: ArrayBufferView): boolean {
  return OWNED.has(view.buffer);
}

/**
 * A buffer as the kernel sees it for one operation: the address and length
 * to write into the SQE, and what to do at the completion.
 */
export abstract class Pin {
  /** The address the SQE gets. */
  abstract readonly addr: number;
  /** The length the SQE gets. */
  abstract readonly len: number;
  /** The operation completed with `res`: copy out what the kernel wrote, give staging memory back. */
  abstract finish(res: number): void;
}

/** A view over library memory: used in place; its arena stays mapped until the completion. */
class Direct extends Pin {
  readonly addr: number;
  readonly len: number;
  #arena: Arena | undefined;
  // The view itself stays referenced too (the caller's object, for nothing else).
  readonly view: ArrayBufferView;

  constructor(view: ArrayBufferView, arena: Arena) {
    super();
    this.view = view;
    this.addr = getNative().addressOf(view);
    this.len = view.byteLength;
    arena.retain();
    this.#arena = arena;
  }

  finish(): void {
    this.#arena?.release();
    this.#arena = undefined;
  }
}

// ---------------------------------------------------------------- staging

const MIN_SHIFT = 8; // 256 B
const MAX_SHIFT = 20; // 1 MiB: larger buffers get an arena of their own
const CHUNK = 2 << 20; // arenas of 2 MiB for the small classes

interface Slot {
  readonly addr: number;
  readonly bytes: Uint8Array;
  readonly cls: number; // size class, or -1 for a private array of its own
}

const free: Slot[][] = Array.from({ length: MAX_SHIFT + 1 }, () => []);
let chunk: Arena | undefined;
let chunkUsed = 0;

function classOf(len: number): number {
  if (len <= 1 << MIN_SHIFT) return MIN_SHIFT;
  return 32 - Math.clz32(len - 1);
}

function take(len: number): Slot {
  if (len > 1 << MAX_SHIFT) {
    // A private array: nobody else holds it, so nobody can detach it, and
    // the runtime maps large ones lazily (an arena would populate them all).
    const bytes = new Uint8Array(len);
    return { addr: getNative().addressOf(bytes), bytes, cls: -1 };
  }
  const cls = classOf(len);
  const slot = free[cls].pop();
  if (slot) return slot;
  const size = 1 << cls;
  if (!chunk || chunkUsed + size > chunk.size) {
    // The old chunk stays mapped: its slots live on in the free lists.
    chunk = Arena.create({ memory: "pages", size: Math.max(CHUNK, size) });
    chunkUsed = 0;
  }
  const s = chunk.alloc(size, Math.min(size, 4096));
  chunkUsed = s.offset + size;
  return { addr: s.address, bytes: s.bytes, cls };
}

function give(slot: Slot): void {
  if (slot.cls >= 0) free[slot.cls].push(slot); // large ones: left to the GC
}

/**
 * A staged region of a caller's ArrayBuffer, shared by every live pin inside
 * it: a read linked to a write of the same buffer (copyFile's read → write
 * chain, recv then send of one buffer) must see one memory, and the write
 * must not copy in stale bytes over what the read will bring.
 */
class Stage {
  readonly slot: Slot;
  readonly start: number;
  readonly len: number;
  refs = 0;
  readers = 0; // live FROM_KERNEL pins: the kernel will fill this memory

  constructor(slot: Slot, start: number, len: number) {
    this.slot = slot;
    this.start = start;
    this.len = len;
  }
}

/** A view's bytes as a Uint8Array (itself when it is one). */
function asBytes(v: ArrayBufferView): Uint8Array {
  return v instanceof Uint8Array ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** Live stages per caller ArrayBuffer (almost always one). */
const STAGES = new WeakMap<ArrayBufferLike, Stage[]>();

/** A caller's ordinary buffer, through a staging slot. */
class Staged extends Pin {
  readonly addr: number;
  readonly len: number;
  #stage: Stage | undefined;
  #off: number;
  #view: ArrayBufferView;
  #dir: Direction;
  #whole: boolean;

  constructor(view: ArrayBufferView, dir: Direction, whole: boolean) {
    super();
    this.#whole = whole;
    const len = view.byteLength, start = view.byteOffset, buffer = view.buffer;
    // The list stays with its ArrayBuffer (collected with it): a buffer that
    // is reused, the common case, costs one WeakMap lookup per operation.
    let list = STAGES.get(buffer);
    if (list === undefined) STAGES.set(buffer, list = []);
    let stage: Stage | undefined;
    for (let i = 0; i < list.length; i++) {
      const st = list[i];
      if (start >= st.start && start + len <= st.start + st.len) {
        stage = st;
        break;
      }
    }
    const fresh = stage === undefined;
    if (stage === undefined) list.push(stage = new Stage(take(len || 1), start, len));
    const off = start - stage.start;
    // Bytes for the kernel to read: the caller's, unless a pending read will
    // put the kernel's own there first (a linked read → write).
    if (dir & TO_KERNEL && len && (fresh || stage.readers === 0)) {
      stage.slot.bytes.set(asBytes(view), off);
    }
    stage.refs++;
    if (dir & FROM_KERNEL) stage.readers++;
    this.#stage = stage;
    this.#off = off;
    this.#view = view;
    this.#dir = dir;
    this.addr = stage.slot.addr + off;
    this.len = len;
  }

  finish(res: number): void {
    const stage = this.#stage;
    if (!stage) return;
    this.#stage = undefined;
    const v = this.#view;
    if (this.#dir & FROM_KERNEL) {
      stage.readers--;
      // A detached view: the bytes have nowhere to go.
      if ((res > 0 || (this.#whole && res === 0)) && !isDetached(v) && v.byteLength === this.len) {
        const n = this.#whole ? this.len : Math.min(res, this.len);
        const from = stage.slot.bytes;
        const src = this.#off === 0 && n === from.length ? from : from.subarray(this.#off, this.#off + n);
        if (n === this.len && v instanceof Uint8Array) v.set(src);
        else new Uint8Array(v.buffer, v.byteOffset, n).set(src);
      }
    }
    if (--stage.refs === 0) {
      const list = STAGES.get(v.buffer);
      if (list !== undefined) {
        if (list.length === 1 && list[0] === stage) list.pop();
        else {
          const i = list.indexOf(stage);
          if (i >= 0) list.splice(i, 1);
        }
      }
      give(stage.slot);
    }
  }
}

/**
 * The memory the kernel should use for `view` in one operation. Views over
 * library memory (arena slices, fixed and provided buffers in arenas) are
 * used in place; any other buffer is staged (copied in now for
 * {@linkcode TO_KERNEL}, copied back by `finish` for {@linkcode FROM_KERNEL}).
 * Keep the returned pin with the operation (as its table `keep`) and call
 * `finish(res)` exactly once, at its final completion; never for an operation
 * that did not complete.
 *
 * @param view an attached, checked buffer
 * @param dir which way the data moves
 * @param whole the kernel fills the whole buffer when the result is ≥ 0
 *   (statx), rather than `res` bytes
 *
 * @example
 * ```ts ignore
 * const p = pin(buf, FROM_KERNEL);
 * prepRw(ring.sqes, at, Op.READ, fd, p.addr, p.len, 0);
 * ring.track(at, tag, 0, p); // the reap calls p.finish(res)
 * ```
 */
export function pin(view: ArrayBufferView, dir: Direction, whole = false): Pin {
  const arena = OWNED.get(view.buffer);
  return arena !== undefined ? new Direct(view, arena) : new Staged(view, dir, whole);
}

/**
 * Staging memory for one send at most: a send on a stream socket may be
 * short anyway (callers loop, as `TcpConn.sendAll` does), and staging only a
 * prefix keeps a large payload sent in many short pieces from being copied
 * again whole for every piece.
 */
export const SEND_STAGE_MAX = 1 << 20;

/**
 * {@linkcode pin} for a send: library memory in place, whole; any other
 * buffer staged up to `max` bytes (the pin's `len`, which the SQE must use).
 *
 * @example
 * ```ts ignore
 * const p = pinSend(bytes);
 * prepSend(ring.sqes, at, fd, p.addr, p.len, flags);
 * ```
 */
export function pinSend(view: ArrayBufferView, max = SEND_STAGE_MAX): Pin {
  if (view.byteLength <= max || OWNED.has(view.buffer)) return pin(view, TO_KERNEL);
  return new Staged(new Uint8Array(view.buffer, view.byteOffset, max), TO_KERNEL, false);
}

/** A pin that also keeps other memory of the operation alive (a path name). */
export class PinWith extends Pin {
  readonly addr: number;
  readonly len: number;
  /** The pinned buffer. */
  readonly pin: Pin;
  /** Kept alive with it. */
  readonly extra: unknown;

  constructor(p: Pin, extra: unknown) {
    super();
    this.pin = p;
    this.extra = extra;
    this.addr = p.addr;
    this.len = p.len;
  }

  finish(res: number): void {
    this.pin.finish(res);
  }
}

/** Several buffers of one vectored operation; `finish` spreads `res` over them in order. */
export class PinVector extends Pin {
  /** The iovec array the SQE points at (kept with the pin). */
  readonly iov: Uint32Array;
  readonly addr: number;
  readonly len: number;
  readonly #pins: Pin[];

  constructor(views: readonly ArrayBufferView[], dir: Direction) {
    super();
    const pins = views.map((v) => pin(v, dir));
    const iov = new Uint32Array(pins.length * 4);
    for (let i = 0; i < pins.length; i++) {
      const p = pins[i];
      iov[i * 4] = p.addr >>> 0;
      iov[i * 4 + 1] = Math.floor(p.addr / 4294967296);
      iov[i * 4 + 2] = p.len >>> 0;
      iov[i * 4 + 3] = Math.floor(p.len / 4294967296);
    }
    this.#pins = pins;
    this.iov = iov;
    this.addr = getNative().addressOf(iov);
    this.len = pins.length;
  }

  finish(res: number): void {
    let left = res;
    for (const p of this.#pins) {
      const n = Math.max(0, Math.min(left, p.len));
      p.finish(n);
      left -= n;
    }
  }
}
