/**
 * Pipes for splice and tee: IORING_OP_PIPE where the kernel has it (Linux
 * 6.16, `io_uring_prep_pipe`), pipe2(2) through libc before, chosen by
 * probe. `via: "pipe2"` forces the fallback (tests run it on new kernels too).
 *
 * @module
 */
import type { AsyncRing } from "../async/async_ring.ts";
import { O } from "../abi/linux.ts";
import { Op } from "../abi/opcodes.ts";
import { opSupported } from "../ops/require.ts";
import { OPERATIONS } from "../ring/operations.ts";
import { checkChoice, checkOptions, checkSignal, checkU32 } from "../ring/_args.ts";
import { getNative, type NativeLibrary } from "../runtime/_ffi.ts";
import { UringError } from "../errors/uring_error.ts";
import { Errno } from "../errors/errno.ts";
import { defaultRing } from "../fs/mod.ts";

/**
 * Options of {@linkcode pipe}.
 *
 * @example
 * ```ts
 * import { O, type PipeOptions } from "@jsuring/jsuring";
 * const opts: PipeOptions = { flags: O.CLOEXEC | O.NONBLOCK, via: "auto" };
 * ```
 */
export interface PipeOptions {
  /** The ring (default: `defaultRing()`). */
  ring?: AsyncRing;
  /** `O.CLOEXEC` (the default), `O.NONBLOCK`, `O.DIRECT` (packet mode). */
  flags?: number;
  /**
   * `"auto"` (default): IORING_OP_PIPE where the kernel offers it (6.16),
   * else pipe2(2); `"ring"`: the opcode or an error saying which Linux has
   * it; `"pipe2"`: the system call, whatever the kernel.
   */
  via?: "auto" | "ring" | "pipe2";
  /** Abort the ring operation (the pipe2 call is immediate). */
  signal?: AbortSignal;
}

const VIA = ["auto", "ring", "pipe2"] as const;
const FLAGS = O.CLOEXEC | O.NONBLOCK | O.DIRECT;

const LIBC_PIPE = {
  /** int pipe2(int pipefd[2], int flags) (glibc 2.9) */
  pipe2: { args: ["u64", "i32"], returns: "i32" },
  /** int *__errno_location(void) */
  __errno_location: { args: [], returns: "u64" },
} as const;

let libc: NativeLibrary | undefined;

/** pipe2(2) through libc: `[readFd, writeFd]`, or a UringError with the errno. */
export function pipe2(flags: number): [number, number] {
  libc ??= getNative().open("libc.so.6", LIBC_PIPE);
  const fds = new Int32Array(2);
  const r = libc.symbols.pipe2(getNative().addressOf(fds), flags) as number;
  if (r !== 0) {
    const at = Number(libc.symbols.__errno_location());
    const errno = new Int32Array(getNative().view(at, 4))[0] || Errno.EIO;
    throw new UringError(
      errno,
      "pipe2",
      errno === Errno.EMFILE ? "too many open files: raise RLIMIT_NOFILE (ulimit -n)" : undefined,
    );
  }
  return [fds[0], fds[1]];
}

/**
 * A pipe: resolves with `[readFd, writeFd]`, made through the ring
 * (IORING_OP_PIPE, Linux 6.16) or pipe2(2) before that (see
 * {@linkcode PipeOptions.via}). Close both ends when done (`ring.closeFd`).
 *
 * @example
 * ```ts
 * import { AsyncRing, pipe } from "@jsuring/jsuring";
 * await using ring = AsyncRing.create();
 * const [r, w] = await pipe({ ring });
 * await ring.write(w, new TextEncoder().encode("hi"));
 * const buf = new Uint8Array(2);
 * await ring.read(r, buf);
 * await ring.closeFd(r); await ring.closeFd(w);
 * ```
 */
export async function pipe(options: PipeOptions = {}): Promise<[number, number]> {
  checkOptions(options, "pipe options", ["ring", "flags", "via", "signal"]);
  const flags = checkU32(options.flags ?? O.CLOEXEC, "pipe options.flags");
  if ((flags & ~FLAGS) !== 0) {
    throw new RangeError(
      `pipe options.flags must be O.CLOEXEC | O.NONBLOCK | O.DIRECT bits, got ${flags} (0o${
        flags.toString(8)
      })`,
    );
  }
  const via = checkChoice(options.via ?? "auto", "pipe options.via", VIA);
  if (options.signal !== undefined) checkSignal(options.signal, "pipe options.signal");
  const ring = options.ring ?? defaultRing();
  if (via === "pipe2" || (via === "auto" && !opSupported(ring.ring, Op.PIPE))) {
    options.signal?.throwIfAborted();
    return pipe2(flags);
  }
  const fds = new Int32Array(2);
  await ring.run(OPERATIONS.PIPE, [fds, flags], options.signal ? { signal: options.signal } : undefined);
  return [fds[0], fds[1]];
}
