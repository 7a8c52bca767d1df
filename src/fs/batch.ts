/**
 * The synchronous, batched form of the fs metadata operations, on a
 * {@linkcode Ring}: queue any number of operations (each named like its
 * promise form), then `run()` submits them all with one `io_uring_enter`,
 * waits for every completion and returns each outcome in order. The same
 * descriptions (`_ops.ts`) as the promise functions, so both check the same
 * arguments and give the same {@linkcode FsError}s.
 *
 * @module
 */
import { Ring, type Statx } from "../ring/ring.ts";
import { checkBool, checkOptions, checkU32, typeError } from "../ring/_args.ts";
import { Errno } from "../errors/errno.ts";
import { FsError } from "./_check.ts";
import * as d from "./_ops.ts";
import { supports } from "./meta.ts";

/**
 * One operation's outcome in {@linkcode FsBatch.run}.
 *
 * @example
 * ```ts
 * import type { FsOutcome } from "@jsuring/jsuring";
 * const r: FsOutcome<number> = { ok: true, value: 3 };
 * ```
 */
export type FsOutcome<T> = { ok: true; value: T } | { ok: false; error: FsError };

/**
 * A batch of fs operations on a synchronous {@linkcode Ring}.
 *
 * @example
 * ```ts
 * import { FsBatch, Ring } from "@jsuring/jsuring";
 * using ring = Ring.create({ entries: 64 });
 * const batch = new FsBatch(ring);
 * batch.mkdir("/tmp/jsuring-batch");
 * batch.stat("/etc/hostname");
 * batch.unlink("/tmp/jsuring-batch/missing");
 * for (const r of batch.run()) console.log(r.ok ? "ok" : r.error.code);
 * ```
 */
export class FsBatch {
  /** The ring it runs on (not reaped by anyone else meanwhile). */
  readonly ring: Ring;
  #ops: d.Prepared<unknown>[] = [];

  /**
   * A batch on `ring`.
   *
   * @example
   * ```ts
   * import { FsBatch, Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const batch = new FsBatch(ring);
   * ```
   */
  constructor(ring: Ring) {
    if (!(ring instanceof Ring)) throw typeError("FsBatch: ring", "a Ring (from Ring.create())", ring);
    this.ring = ring;
  }

  /** Operations queued. */
  get size(): number {
    return this.#ops.length;
  }

  #add(p: d.Prepared<unknown>): number {
    this.#ops.push(p);
    return this.#ops.length - 1;
  }

  /**
   * Queue statx of `path` (`mask`: `STATX_*` fields; `follow: false` is lstat). Returns its index.
   *
   * @example
   * ```ts
   * import { FsBatch, Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const b = new FsBatch(ring);
   * b.stat("/etc/hostname", { mask: 0x200 });
   * ```
   */
  stat(path: string, options: { mask?: number; follow?: boolean } = {}): number {
    checkOptions(options, "FsBatch.stat options", ["mask", "follow"]);
    if (options.mask !== undefined) checkU32(options.mask, "FsBatch.stat options.mask");
    if (options.follow !== undefined) checkBool(options.follow, "FsBatch.stat options.follow");
    return this.#add(d.statx(path, options.mask ?? 0x7ff, options.follow ?? true));
  }

  /**
   * Queue a rename (`flags`: `RENAME_*`).
   *
   * @example
   * ```ts
   * import { FsBatch, RENAME, Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * new FsBatch(ring).rename("/tmp/a", "/tmp/b", RENAME.NOREPLACE);
   * ```
   */
  rename(oldPath: string, newPath: string, flags = 0): number {
    return this.#add(d.renameat(oldPath, newPath, flags));
  }

  /**
   * Queue an unlink.
   *
   * @example
   * ```ts
   * import { FsBatch, Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * new FsBatch(ring).unlink("/tmp/jsuring-batch-gone");
   * ```
   */
  unlink(path: string): number {
    return this.#add(d.unlinkat(path, false));
  }

  /**
   * Queue an rmdir.
   *
   * @example
   * ```ts
   * import { FsBatch, Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * new FsBatch(ring).rmdir("/tmp/jsuring-batch-dir");
   * ```
   */
  rmdir(path: string): number {
    return this.#add(d.unlinkat(path, true));
  }

  /**
   * Queue a mkdir.
   *
   * @example
   * ```ts
   * import { FsBatch, Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * new FsBatch(ring).mkdir("/tmp/jsuring-batch-dir", 0o755);
   * ```
   */
  mkdir(path: string, mode = 0o777): number {
    return this.#add(d.mkdirat(path, mode));
  }

  /**
   * Queue a symlink `path` → `target`.
   *
   * @example
   * ```ts
   * import { FsBatch, Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * new FsBatch(ring).symlink("/etc/hostname", "/tmp/jsuring-batch-link");
   * ```
   */
  symlink(target: string, path: string): number {
    return this.#add(d.symlinkat(target, path));
  }

  /**
   * Queue a hard link.
   *
   * @example
   * ```ts
   * import { FsBatch, Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * new FsBatch(ring).link("/tmp/a", "/tmp/a-too");
   * ```
   */
  link(existingPath: string, newPath: string): number {
    return this.#add(d.linkat(existingPath, newPath));
  }

  /**
   * Queue an fsync (or fdatasync) of `fd`.
   *
   * @example
   * ```ts
   * import { FsBatch, Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * new FsBatch(ring).fsync(1, true);
   * ```
   */
  fsync(fd: number, datasync = false): number {
    return this.#add(d.fsync(fd, datasync));
  }

  /**
   * Queue a fallocate of `fd` (`FALLOC_FL_*` mode).
   *
   * @example
   * ```ts
   * import { FALLOC_FL, FsBatch, Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * new FsBatch(ring).fallocate(3, FALLOC_FL.PUNCH_HOLE | FALLOC_FL.KEEP_SIZE, 0, 4096);
   * ```
   */
  fallocate(fd: number, mode: number, offset: number, length: number): number {
    return this.#add(d.fallocate(fd, mode, offset, length));
  }

  /**
   * Queue a getxattr (the value: the attribute's bytes).
   *
   * @example
   * ```ts
   * import { FsBatch, Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * new FsBatch(ring).getxattr("/tmp", "user.note");
   * ```
   */
  getxattr(path: string, name: string, size = 65536): number {
    return this.#add(d.getxattr(path, name, size));
  }

  /**
   * Queue a setxattr (`flags`: `XATTR_*`).
   *
   * @example
   * ```ts
   * import { FsBatch, Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * new FsBatch(ring).setxattr("/tmp/f", "user.note", new Uint8Array([1]));
   * ```
   */
  setxattr(path: string, name: string, value: Uint8Array, flags = 0): number {
    return this.#add(d.setxattr(path, name, value, flags));
  }

  /**
   * Submit every queued operation (one enter per SQ-full of them), wait for
   * all, and return their outcomes in the order queued. The batch is empty
   * afterwards.
   *
   * @example
   * ```ts
   * import { FsBatch, Ring } from "@jsuring/jsuring";
   * using ring = Ring.create();
   * const b = new FsBatch(ring);
   * b.stat("/etc/hostname");
   * const [r] = b.run();
   * if (r.ok) console.log((r.value as { size: number }).size);
   * ```
   */
  run(): FsOutcome<unknown>[] {
    const list = this.#ops;
    this.#ops = [];
    const out: FsOutcome<unknown>[] = new Array(list.length);
    const ring = this.ring;
    let pending = 0;
    for (let i = 0; i < list.length; i++) {
      const p = list[i];
      if (!supports(ring, p.opcode)) {
        out[i] = {
          ok: false,
          error: new FsError(Errno.EOPNOTSUPP, p.name, p.path, p.dest, "this kernel lacks the opcode"),
        };
        continue;
      }
      while (ring.sqSpace === 0) {
        ring.submitAndWait(1);
        ring.reap(() => {});
      }
      const at = ring.getSqe();
      p.write(ring.sqes, at);
      pending++;
      ring.trackInternal(
        at,
        (res) => {
          pending--;
          out[i] = res >= 0
            ? { ok: true, value: p.value(res) }
            : { ok: false, error: new FsError(-res, p.name, p.path, p.dest) };
        },
        0,
        p.keep,
      );
    }
    while (pending > 0) {
      ring.submitAndWait(1);
      ring.reap(() => {});
    }
    return out;
  }
}

/** @internal keep the Statx type referenced for the docs of stat(). */
export type { Statx };
