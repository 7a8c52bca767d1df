/**
 * Whole reads of small files as one linked chain each: openat into a
 * fixed-file slot (openat direct, 5.15) → read from that slot → a 1-byte
 * read that confirms end of file, all in one submission (IOSQE_IO_LINK from
 * the open, IOSQE_IO_HARDLINK between the reads, so a short first read — the
 * usual case — does not cancel the probe). On a page-cached file the whole
 * chain completes inside the one io_uring_enter; the close_direct follows
 * without being waited for, with the next submission. No statx: the size is
 * what the read returned, confirmed by the probe's 0 (any file type, procfs
 * included). Many files read at once share one enter.
 *
 * Why (bench/smallfiles.ts, bench/readfile.ts at 4 KiB): the general path
 * costs an enter for the open, a statx, an enter for the read and one for
 * the close, each with a promise; a 4 KiB read is a microsecond of kernel
 * work, so those were most of its time.
 *
 * The bytes land in library memory (an arena slot, no staging copy) and are
 * copied once into the exact-size result. A regular file the first read did
 * not exhaust (64 KiB or more) is sized by statx and read on from the same
 * slot by the caller (readFile's parallel reads into a buffer of that size);
 * anything else (a FIFO, a character device) is read on here from the slot,
 * so nothing it produced is lost.
 *
 * @module
 */
import type { AsyncRing } from "../async/async_ring.ts";
import { SqeFlag } from "../abi/flags.ts";
import { Arena } from "../memory/arena.ts";
import { prepCloseDirect, prepOpenatDirect } from "../ops/fs.ts";
import { prepRead, type SqeViews } from "../ops/sqe.ts";
import { setImmediate } from "node:timers";
import { UringError } from "../errors/uring_error.ts";
import { Errno } from "../errors/errno.ts";
import { FileTable } from "./_files.ts";
import { statTypeSize } from "./_libc.ts";
import { FsError, withPath } from "./_check.ts";

/** Bytes of the first read: a file shorter than this is read by the chain alone. */
export const SMALL = 64 * 1024;
const PATH_AT = SMALL;
const PATH_MAX = 4096;
const PROBE_AT = SMALL + PATH_MAX;
const SLOT = SMALL + 2 * PATH_MAX;
const PER_ARENA = 32;
/** At most this many chains in flight (then the general path): 512 × 72 KiB of address space. */
const MAX_ARENAS = 16;

/** A chain's memory (an arena slot) and its completion handlers, made once and reused. */
class Slot {
  readonly path: Uint8Array;
  index = -1;
  open = NaN;
  read = NaN;
  constructor(readonly addr: number, readonly bytes: Uint8Array) {
    this.path = bytes.subarray(PATH_AT, PATH_AT + PATH_MAX - 1);
  }
  onOpen = (res: number): void => {
    this.open = res;
  };
  onRead = (res: number): void => {
    this.read = res;
  };
  probe = (s: SqeViews, at: number): void => prepRead(s, at, this.index, this.addr + PROBE_AT, 1, -1);
  /** readMany: the probe's result, and what to call once it is in. */
  probed = NaN;
  done: () => void = () => {};
  onProbe = (res: number): void => {
    this.probed = res;
    this.done();
  };
}

/** Counts for the tests: chains submitted, files read on from the slot by the caller, calls left to the general path. */
export const smallStats = { chains: 0, rest: 0, general: 0 };

/**
 * Read the rest of a regular file of `size` bytes (0: procfs, unknown) open
 * in fixed-file slot `index` (file position just past `have`), whose first
 * `have.length` bytes the chain read.
 */
export type ReadRest = (index: number, have: Uint8Array, size: number) => Promise<Uint8Array>;

const free: Slot[] = [];
let arenas = 0;
const encoder = new TextEncoder();

function takeSlot(): Slot | undefined {
  const s = free.pop();
  if (s !== undefined || arenas >= MAX_ARENAS) return s;
  // Plain pages: only the bytes a read touches become resident.
  const arena = Arena.create({ memory: "pages", size: SLOT * PER_ARENA });
  arenas++;
  for (let i = 0; i < PER_ARENA; i++) {
    const sl = arena.alloc(SLOT);
    free.push(new Slot(sl.address, sl.bytes));
  }
  return free.pop();
}

/**
 * Per ring: the file table, and the close_direct of finished chains not yet
 * written. They are written in front of the next chain (so they cost no
 * enter of their own); if no chain follows within the current turn of the
 * event loop, a setImmediate submits them.
 */
class Closer {
  readonly closes: number[] = [];
  #armed = false;
  readonly #give: ((res: number) => void)[] = [];
  constructor(readonly ring: AsyncRing, readonly table: FileTable) {}

  /** Slot `index` is done with: close it soon. */
  close(index: number): void {
    this.closes.push(index);
    if (!this.#armed) {
      this.#armed = true;
      setImmediate(this.#late);
    }
  }

  #late = (): void => {
    this.#armed = false;
    if (this.closes.length === 0 || this.ring.closed) return;
    this.write(0);
    this.ring.nop().catch(() => {}); // submits them
    if (this.closes.length) {
      this.#armed = true; // the SQ was full: the rest next turn
      setImmediate(this.#late);
    }
  };

  /** Write the pending close_direct SQEs, leaving `keep` SQEs free; call before an op that submits. */
  write(keep: number): void {
    const r = this.ring.ring, q = this.closes;
    let room = r.sqSpace - keep;
    while (q.length && room-- > 0) {
      const index = q.pop()!;
      const at = r.getSqe();
      prepCloseDirect(r.sqes, at, index);
      const table = this.table;
      r.trackInternal(at, this.#give[index] ??= () => table.give(index));
    }
  }
}

const closers = new WeakMap<AsyncRing, Closer | null>();

function closerOf(ring: AsyncRing): Closer | null {
  let c = closers.get(ring);
  if (c === undefined) {
    const table = FileTable.of(ring);
    closers.set(ring, c = table && new Closer(ring, table));
  }
  return c;
}

const O_RDONLY = 0;
const LINK = SqeFlag.IO_LINK;
const READ_FLAGS = SqeFlag.FIXED_FILE | SqeFlag.IO_HARDLINK;
const FIXED = Object.freeze({ fixedFile: true });
const S_IFMT = 0o170000, S_IFREG = 0o100000;

/**
 * Read `path` whole by the linked chain; `undefined` when this path does not
 * apply (no free slot, a path longer than PATH_MAX, the ring's file table
 * taken by someone else, a regular file of 64 KiB or more): the caller then
 * reads it the general way.
 *
 * @throws {FsError} `ENOENT` (with the path), `EISDIR`, `EACCES`…
 */
export async function readSmall(
  ring: AsyncRing,
  path: string,
  readRest?: ReadRest,
): Promise<Uint8Array | undefined> {
  const closer = closerOf(ring);
  const slot = closer === null ? undefined : takeSlot();
  if (slot === undefined || closer === null) {
    smallStats.general++;
    return undefined;
  }
  const { read, written } = encoder.encodeInto(path, slot.path);
  const index = read === path.length && written < PATH_MAX - 1 ? closer.table.take() : -1;
  if (index < 0) {
    free.push(slot);
    smallStats.general++;
    return undefined;
  }
  let opened = false;
  try {
    slot.bytes[PATH_AT + written] = 0;
    slot.index = index;
    slot.open = slot.read = NaN;
    // The three SQEs must go in one submission (a chain ends at a submit).
    while (ring.ring.sqSpace < 3) await ring.nop();
    closer.write(3);
    const r = ring.ring, s = r.sqes;
    let at = r.getSqe();
    prepOpenatDirect(s, at, -100, slot.addr + PATH_AT, O_RDONLY, 0, index); // AT_FDCWD; O_CLOEXEC is EINVAL for a slot
    r.trackInternal(at, slot.onOpen, LINK);
    at = r.getSqe();
    prepRead(s, at, index, slot.addr, SMALL, -1);
    r.trackInternal(at, slot.onRead, READ_FLAGS);
    smallStats.chains++;
    let extra = 0, failure: unknown;
    try {
      extra = await ring.op("read", slot.probe, undefined, FIXED);
    } catch (e) {
      failure = e;
    }
    if (!(slot.open >= 0)) {
      // Open failed (the reads were cancelled) or never ran (the ring closed).
      throw slot.open < 0 ? withPath(new UringError(-slot.open, "openat"), "readFile", path) : failure;
    }
    opened = true;
    if (slot.read < 0) throw new FsError(-slot.read, "readFile", path);
    if (failure !== undefined || !(slot.read >= 0)) throw withPath(failure, "readFile", path);
    const n = slot.read;
    if (extra === 0) return slot.bytes.slice(0, n);
    const st = statTypeSize(slot.addr + PATH_AT);
    if (typeof st !== "number" && (st.mode & S_IFMT) === S_IFREG) {
      // A regular file of 64 KiB or more: the caller sizes the buffer and
      // reads the rest from the open slot, keeping what the chain read.
      if (readRest !== undefined && (st.size >= n + 1 || st.size === 0)) {
        const have = new Uint8Array(n + 1);
        have.set(slot.bytes.subarray(0, n));
        have[n] = slot.bytes[PROBE_AT];
        smallStats.rest++;
        // Exactly one byte past the first read: the probe got it, nothing is left.
        return st.size === n + 1 ? have : await readRest(index, have, st.size);
      }
      smallStats.general++;
      return undefined; // the general path sizes it and reads in parallel
    }
    if (typeof st === "number") {
      smallStats.general++;
      return undefined;
    }
    return await readOn(ring, index, slot, n, path);
  } finally {
    free.push(slot);
    if (opened) closer.close(index);
    else closer.table.give(index);
  }
}

/** A non-regular file with more to give: read on from the open slot to end of file. */
async function readOn(
  ring: AsyncRing,
  index: number,
  slot: Slot,
  n: number,
  path: string,
): Promise<Uint8Array> {
  const parts = [slot.bytes.slice(0, n), slot.bytes.slice(PROBE_AT, PROBE_AT + 1)];
  let total = n + 1;
  for (let piece = SMALL;; piece = Math.min(piece * 2, 4 << 20)) {
    const b = new Uint8Array(piece);
    let got: number;
    try {
      got = await ring.read(index, b, -1, FIXED);
    } catch (e) {
      throw withPath(e, "readFile", path);
    }
    if (got === 0) break;
    parts.push(b.subarray(0, got));
    total += got;
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

/**
 * One file of a {@linkcode readMany} window: its slot and where its result goes.
 */
interface Job {
  slot: Slot;
  index: number;
  i: number;
}

/**
 * Read `paths[i]` whole into `out[i]`, many chains per submission and no
 * promise per file: each window of files (up to the free slots and SQ room)
 * is written as chains (openat direct → read → probe, the probe tracked too)
 * plus the close_direct of the previous window, one `ring.nop()` makes the
 * AsyncRing submit them all in one enter, and the completions settle one
 * promise per window. Files the chain cannot finish (regular files of 64 KiB
 * or more, FIFOs, paths it cannot take) are left `undefined` in `out` for the
 * caller's general path. Throws the first file's error (an FsError with its
 * path) once its window completed.
 */
export async function readMany(
  ring: AsyncRing,
  paths: readonly string[],
  out: (Uint8Array | undefined)[],
): Promise<void> {
  const closer = closerOf(ring);
  if (closer === null) return;
  let next = 0;
  while (next < paths.length) {
    const jobs: Job[] = [];
    let pending = 0, noSlot = false;
    let wake!: () => void;
    const done = new Promise<void>((r) => (wake = r));
    const finish = () => {
      if (--pending === 0) wake();
    };
    const r = ring.ring, s = r.sqes;
    // The closes owed by the last window ride in front of this one.
    closer.write(4);
    // Room for a chain (3 SQEs) and the nop that submits the window.
    while (next < paths.length && r.sqSpace >= 4) {
      const path = paths[next];
      const slot = takeSlot();
      if (slot === undefined) break;
      const { read, written } = encoder.encodeInto(path, slot.path);
      const index = read === path.length && written < PATH_MAX - 1 ? closer.table.take() : -1;
      if (index < 0) {
        free.push(slot);
        if (read === path.length && written < PATH_MAX - 1) {
          noSlot = true;
          break; // no free file slot: after this window
        }
        next++; // a path too long for the slot: the caller's general path says why
        continue;
      }
      slot.bytes[PATH_AT + written] = 0;
      slot.index = index;
      slot.open = slot.read = slot.probed = NaN;
      slot.done = finish;
      let at = r.getSqe();
      prepOpenatDirect(s, at, -100, slot.addr + PATH_AT, O_RDONLY, 0, index);
      r.trackInternal(at, slot.onOpen, LINK);
      at = r.getSqe();
      prepRead(s, at, index, slot.addr, SMALL, -1);
      r.trackInternal(at, slot.onRead, READ_FLAGS);
      at = r.getSqe();
      slot.probe(s, at);
      r.trackInternal(at, slot.onProbe, SqeFlag.FIXED_FILE);
      smallStats.chains++;
      jobs.push({ slot, index, i: next++ });
      pending++;
    }
    if (jobs.length === 0) {
      // No fs slot and none in flight to come back (all held by open files,
      // or the shared table is growing): the rest go the general way.
      if (noSlot && closer.table.taken === 0) return;
      if (next < paths.length) await ring.nop(); // no slot or SQ room: let what is in flight finish
      continue;
    }
    // Submits the window (and the closes before it); the probes' completions wake us.
    let refused: unknown;
    ring.nop().catch((e) => {
      refused = e; // the ring was closed: nothing was submitted
      wake();
    });
    await done;
    if (refused !== undefined) throw refused;
    let failure: unknown;
    for (const { slot, index, i } of jobs) {
      const path = paths[i];
      if (!(slot.open >= 0)) {
        failure ??= withPath(new UringError(-slot.open || Errno.ECANCELED, "openat"), "readFile", path);
        closer.table.give(index);
      } else {
        if (slot.read < 0) failure ??= new FsError(-slot.read, "readFile", path);
        else if (slot.probed < 0) {
          failure ??= withPath(new UringError(-slot.probed, "read"), "readFile", path);
        } else if (slot.probed === 0) out[i] = slot.bytes.slice(0, slot.read);
        // else more to read: left to the caller's general path
        closer.close(index);
      }
      free.push(slot);
    }
    if (failure !== undefined) throw failure;
  }
}
