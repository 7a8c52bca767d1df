/**
 * Plain file-descriptor helpers beside the ring: eventfd(2) for
 * `Ring.registerEventfd`, and a blocking close(2).
 *
 * @module
 */
import { EFD } from "../abi/linux.ts";
import { libjsuring } from "../runtime/libs.ts";
import { check } from "../errors/uring_error.ts";
import { checkFd, checkU32 } from "./_args.ts";

/**
 * Create an eventfd (for `Ring.registerEventfd`).
 *
 * @example
 * ```ts
 * import { eventfd } from "@jsuring/jsuring";
 * const fd = eventfd();
 * ```
 */
export function eventfd(initval = 0, flags: number = EFD.CLOEXEC): number {
  checkU32(initval, "eventfd initval");
  checkU32(flags, "eventfd flags");
  return check(libjsuring().jsu_eventfd(initval, flags), "eventfd");
}

/**
 * Close a file descriptor (close(2)), throwing a `UringError` on failure.
 *
 * @example
 * ```ts
 * import { closeFd, eventfd } from "@jsuring/jsuring";
 * closeFd(eventfd());
 * ```
 */
export function closeFd(fd: number): void {
  checkFd(fd);
  check(libjsuring().jsu_close(fd), "close");
}
