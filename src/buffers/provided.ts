/**
 * Legacy provided buffers (IORING_OP_PROVIDE_BUFFERS / REMOVE_BUFFERS, Linux
 * 5.7, seed 001): a buffer group the kernel keeps as a list of (address,
 * length, id), filled and refilled by SQEs. Reads, readv and recv with
 * `IOSQE_BUFFER_SELECT` take a buffer from the list; the completion names it.
 *
 * Arguments are checked here exactly as the kernel's
 * `io_provide_buffers_prep` checks them (see {@linkcode checkProvide}), so a
 * bad call is a `RangeError` at the call, not a failed CQE later.
 *
 * Duplicate ids: the kernel does not check them (the seed: "the application
 * will have a hard time telling which buffer ID was used"). A group owns its
 * ids and hands each to the kernel at most once: recycling a buffer the
 * kernel already has is a `RangeError`, and two groups with the same group
 * id on one ring are refused.
 *
 * @module
 */
import type { MemoryRequest } from "../memory/arena.ts";
import { UringError } from "../errors/uring_error.ts";
import type { Completion, Ring } from "../ring/ring.ts";
import { checkInt, typeError } from "../ring/_args.ts";

const KEYS = ["group", "count", "size", "firstId", "memory", "hugepages"];
import * as sqe from "../ops/sqe.ts";
import {
  assertGroupFree,
  BufferGroup,
  type BufferMemory,
  checkGroupOptions,
  claimGroup,
  resolveMemory,
  type TakenBuffer,
  TASK_SIZE,
  waitUntil,
} from "./_group.ts";

/**
 * Most buffers one group can hold: the kernel refuses the 65536th (EOVERFLOW), ids are 16-bit.
 *
 * @example
 * ```ts
 * import { MAX_PROVIDED_BUFFERS } from "@jsuring/jsuring";
 * console.log(MAX_PROVIDED_BUFFERS); // 65535
 * ```
 */
export const MAX_PROVIDED_BUFFERS = 65535;

/**
 * Check one PROVIDE_BUFFERS request as the kernel does, throwing a
 * `RangeError` that names the errno the kernel would have returned:
 * `nbufs` 1..65535 (E2BIG for 0 or more than 65536; the group's list holds at
 * most 65535, EOVERFLOW), `bid` 0..65535 (E2BIG) with `bid + nbufs` ≤ 65536
 * (EINVAL), `len` 1..2^32-1 (EINVAL for 0), and `addr + len·nbufs` inside the
 * user address space (EOVERFLOW / EFAULT).
 *
 * @example
 * ```ts
 * import { checkProvide } from "@jsuring/jsuring";
 * checkProvide(0x10000, 4096, 8, 0); // fine
 * try { checkProvide(0x10000, 4096, 0, 0); } catch (e) { console.log((e as Error).message); }
 * ```
 */
export function checkProvide(addr: number, len: number, nbufs: number, bid: number): void {
  checkInt(
    nbufs,
    "buffer count (kernel: E2BIG, or EOVERFLOW past 65535 in one group)",
    1,
    MAX_PROVIDED_BUFFERS,
  );
  checkInt(bid, "buffer id (kernel: E2BIG)", 0, 0xffff);
  if (bid + nbufs > 65536) {
    throw new RangeError(`buffer ids ${bid}..${bid + nbufs - 1} run past 65535 (kernel: EINVAL)`);
  }
  checkInt(len, "buffer length in bytes (kernel: EINVAL)", 1, 0xffffffff);
  if (typeof addr !== "number") throw typeError("buffer address", "an integer", addr);
  if (!Number.isSafeInteger(addr) || addr <= 0 || addr + len * nbufs > TASK_SIZE) {
    throw new RangeError(
      `buffers at 0x${
        addr.toString(16)
      } + ${nbufs}×${len} bytes are outside the user address space (kernel: EFAULT/EOVERFLOW)`,
    );
  }
}

/**
 * Options of {@linkcode ProvidedBuffers.create}.
 *
 * @example
 * ```ts
 * import { ProvidedBuffers, type ProvidedBuffersOptions, Ring } from "@jsuring/jsuring";
 * using ring = Ring.create({ entries: 8 });
 * const options: ProvidedBuffersOptions = { group: 1, count: 16, size: 4096 };
 * using group = ProvidedBuffers.create(ring, options);
 * ```
 */
export interface ProvidedBuffersOptions {
  /** Buffer group id, 0..65535 (`sqe.buf_group`). */
  group: number;
  /** Number of buffers, 1..65535. */
  count: number;
  /** Bytes per buffer, ≥ 1. */
  size: number;
  /** Id of the first buffer (default 0); `firstId + count` ≤ 65536. */
  firstId?: number;
  /** Where the buffers live (default: a new arena, hugepages where available). */
  memory?: BufferMemory;
  /** Kind of memory for the arena the group creates (default `"auto"`). */
  hugepages?: MemoryRequest;
}

/**
 * A legacy provided-buffer group on a ring.
 *
 * @example
 * ```ts
 * import { ProvidedBuffers, Ring } from "@jsuring/jsuring";
 * import { openSync } from "node:fs";
 * using ring = Ring.create({ entries: 16 });
 * using group = ProvidedBuffers.create(ring, { group: 1, count: 4, size: 4096 });
 * const fd = openSync("/etc/os-release", "r");
 * group.read(fd, 0, { tag: "os-release" });
 * ring.submitAndWait(1);
 * ring.reap((res, flags) => {
 *   const buf = group.take(res, flags)!;
 *   console.log(buf.id, new TextDecoder().decode(buf.bytes).split("\n")[0]);
 *   group.recycle(buf.id);
 * });
 * ```
 */
export class ProvidedBuffers extends BufferGroup {
  private constructor(ring: Ring, options: ProvidedBuffersOptions) {
    checkGroupOptions(ring, options, "ProvidedBuffers.create", KEYS);
    const { group, count, size } = options;
    const firstId = options.firstId ?? 0;
    // Validate the numbers before touching memory, then the address range.
    checkProvide(0x1000, size, count, firstId);
    assertGroupFree(ring, group);
    if (ring.fd < 0) throw new TypeError("ring is closed");
    const memory = resolveMemory(options.memory, count * size, options.hugepages, `buffer group ${group}`);
    try {
      checkProvide(memory.address, size, count, firstId);
    } catch (e) {
      memory.owned?.[Symbol.dispose]();
      throw e;
    }
    super(ring, group, count, size, firstId, memory);
    claimGroup(ring, group, this);
    this.#provide(0, count);
  }

  /**
   * Create a group and queue one PROVIDE_BUFFERS for all its buffers (it is
   * submitted with the next submit, ahead of any read queued after it).
   *
   * @throws {RangeError} bad counts, ids, lengths or memory (before the kernel sees them)
   * @throws {UringError} the arena could not be allocated
   *
   * @example
   * ```ts
   * import { ProvidedBuffers, Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * using group = ProvidedBuffers.create(ring, { group: 7, count: 16, size: 65536 });
   * console.log(group.available); // 16
   * ```
   */
  static create(ring: Ring, options: ProvidedBuffersOptions): ProvidedBuffers {
    return new ProvidedBuffers(ring, options);
  }

  /** The group's name in messages. */
  protected get label(): string {
    return `provided buffer group ${this.id}`;
  }

  /** Queue PROVIDE_BUFFERS for buffers `i .. i+n-1` (indexes, consecutive). */
  #provide(i: number, n: number): void {
    const ring = this.ring;
    const at = ring.getSqe();
    sqe.prepProvideBuffers(
      ring.sqes,
      at,
      this.address + i * this.size,
      this.size,
      n,
      this.id,
      this.firstId + i,
    );
    ring.trackInternal(
      at,
      (res) => {
        if (res < 0 && !this.closed) {
          // The kernel refused: those buffers are not in its list after all.
          for (let k = i; k < i + n; k++) this.state[k] = 1;
          this.kernelOwned -= n;
          this.error ??= new UringError(-res, `PROVIDE_BUFFERS (${this.label})`);
        }
      },
      0,
      this,
    );
  }

  /** Record that buffer `bid` came back with `res` bytes. */
  protected taken(bid: number, res: number, _flags: number, _consumed: number): TakenBuffer {
    const i = this.index(bid);
    this.toCaller(i, bid);
    const start = i * this.size;
    return { id: bid, bytes: this.bytes.subarray(start, start + res), offset: 0, more: false };
  }

  /**
   * Give buffer `bufferId` back: queues one PROVIDE_BUFFERS SQE for it
   * (submitted with the next submit). Use {@linkcode ProvidedBuffers.recycleMany}
   * to give back many with one SQE per run of consecutive ids.
   *
   * @throws {RangeError} not an id of this group, or the kernel has it already
   *
   * @example
   * ```ts ignore
   * group.recycle(buf.id);
   * ```
   */
  recycle(bufferId: number): void {
    this.assertOpen();
    const i = this.index(bufferId);
    this.toKernel(i, bufferId);
    this.#provide(i, 1);
  }

  /**
   * Give many buffers back, one PROVIDE_BUFFERS SQE per run of consecutive ids.
   *
   * @example
   * ```ts ignore
   * group.recycleMany([4, 5, 6, 9]); // two SQEs: 4..6 and 9
   * ```
   */
  recycleMany(bufferIds: readonly number[]): void {
    this.assertOpen();
    const idx = bufferIds.map((b) => this.index(b)).sort((a, b) => a - b);
    for (let k = 0; k < idx.length; k++) {
      if (k > 0 && idx[k] === idx[k - 1]) {
        throw new RangeError(`buffer id ${idx[k] + this.firstId} given twice`);
      }
      if (this.state[idx[k]] !== 1) {
        throw new RangeError(`buffer ${idx[k] + this.firstId} of ${this.label} is already with the kernel`);
      }
    }
    let run = 0;
    for (let k = 0; k < idx.length; k++) {
      this.toKernel(idx[k], idx[k] + this.firstId);
      if (k + 1 === idx.length || idx[k + 1] !== idx[k] + 1) {
        this.#provide(idx[run], k - run + 1);
        run = k + 1;
      }
    }
  }

  /** Make the kernel forget the group. */
  protected forget(out: Completion[]): boolean {
    const ring = this.ring;
    let done = false;
    const at = ring.getSqe();
    sqe.prepRemoveBuffers(ring.sqes, at, 65535, this.id);
    ring.trackInternal(
      at,
      () => {
        done = true;
      },
      0,
      this,
    );
    return waitUntil(ring, () => done, 5000, out);
  }
}
