/**
 * What the kernel module's errnos mean: the hints of the client's errors
 * (`kmodHint` per command, `kmodOpenHint` for opening the device) and
 * `checkKmod`, which turns a negative CQE result into the `UringError` the
 * client throws. Split from `kmod.ts` (#11: one job per file).
 *
 * @module
 */
import { Errno } from "../errors/errno.ts";
import { UringError } from "../errors/uring_error.ts";
import { checkInt, typeError } from "../ring/_args.ts";
import { jskCmdName } from "./uapi.ts";

/**
 * The hint for a failed command: what the module's errno means for `cmdOp`.
 *
 * @param cmdOp the command number
 * @param errno the positive errno
 * @returns an explanation, or undefined
 *
 * @example
 * ```ts
 * import { kmodHint } from "@jsuring/jsuring";
 * import { JskCmd } from "@jsuring/jsuring";
 * console.log(kmodHint(JskCmd.PROBE, 6)); // "the ring has no param region ..."
 * ```
 */
export function kmodHint(cmdOp: number, errno: number): string | undefined {
  checkInt(errno, "kmodHint: errno", -4095, 4095);
  return kmodHintFor(jskCmdName(cmdOp), errno);
}

/** Where the module's caps are set (root): kernel-module/README.md "Module parameters". */
const PARAMS = "/sys/module/jsuring/parameters";

function kmodHintFor(name: string, errno: number): string | undefined {
  const buf = name.startsWith("BUF_");
  switch (errno) {
    case Errno.ENXIO:
      return "the ring has no param region (IORING_REGISTER_MEM_REGION, Linux 6.13): create the ring with createRingWithRegion()";
    case Errno.EOPNOTSUPP:
      return buf
        ? "this kernel has no io_buffer_register_bvec() (the bvec form is in Linux 7.3): probe() reports bvec: false"
        : `unknown command ${name} for this module (probe().commands lists the supported ones)`;
    case Errno.EFAULT:
      return "the request struct is not inside the ring's param region (offset or length out of bounds)";
    case Errno.EINVAL:
      switch (name) {
        case "BUF_REGISTER":
          return "bad request (pages 0 or above the maximum, no direction flag, unknown flag, non-zero reserved field), or the index is past the ring's fixed-buffer table (register one first: FixedBuffers.sparse(ring, n))";
        case "BUF_UNREGISTER":
          return "the slot is empty or past the ring's fixed-buffer table, flags are not 0, or the SQE does not name the same slot in buf_index with IORING_URING_CMD_FIXED";
        case "BUF_FILL":
        case "BUF_CHECKSUM":
          return "length 0, a range past the buffer's end, flags not 0, or a seed given to CHECKSUM";
      }
      return "bad request: wrong struct size, region offset not a multiple of 8, a non-zero reserved or unused SQE field";
    case Errno.EBUSY:
      return name === "BUF_UNREGISTER"
        ? "the slot holds a user buffer, not a kernel buffer"
        : "the table slot is occupied (unregister it first)";
    case Errno.EPERM:
      return name === "BUF_UNREGISTER"
        ? "the slot holds a kernel buffer not registered through this open file of the device (another driver's or another opener's): the module only removes its own"
        : undefined;
    case Errno.ENOENT:
      return "no live kernel buffer with this id registered through this open file of the device (unregistered and released, or registered through another open: share the client with KernelModule.open(ring, { share }))";
    case Errno.ENOMEM:
      return name === "BUF_REGISTER"
        ? "the pages would exceed the opener's RLIMIT_MEMLOCK (ulimit -l; kernel buffers are charged like io_uring's registered buffers, unless the opener has CAP_IPC_LOCK), or the kernel is out of memory: unregister buffers or raise the limit"
        : "the kernel is out of memory";
    case Errno.ENOBUFS:
      return `the module's page cap would be exceeded: max_pages_per_open (per open file) or max_pages_total (all openers), set by root in ${PARAMS}/`;
    case Errno.ENOSPC:
      return "this open file of the device used up its buffer ids (2^53 - 1; ids are never reused): open the device again";
    default:
      return undefined;
  }
}

/**
 * Return `res` if it is not negative, else throw the `UringError` the client
 * throws: op `"jsuring_kmod.<CMD>"`, errno name, {@linkcode kmodHint}.
 *
 * @param res the CQE result
 * @param cmdOp the command number
 * @returns `res`
 * @throws {UringError} when `res < 0`
 *
 * @example
 * ```ts
 * import { checkKmod } from "@jsuring/jsuring";
 * import { JskCmd } from "@jsuring/jsuring";
 * try {
 *   checkKmod(-16, JskCmd.BUF_REGISTER);
 * } catch (e) {
 *   console.log((e as Error).message); // jsuring_kmod.BUF_REGISTER: EBUSY (...): the table slot is occupied ...
 * }
 * ```
 */
export function checkKmod(res: number, cmdOp: number): number {
  if (typeof res !== "number") throw typeError("checkKmod: res", "a completion's result (a number)", res);
  checkInt(cmdOp, "checkKmod: cmdOp", 0, 0xffffffff);
  if (res >= 0) return res;
  throw new UringError(-res, `jsuring_kmod.${jskCmdName(cmdOp)}`, kmodHint(cmdOp, -res));
}

/**
 * The hint for a failed open of the device: load the module (ENOENT), or
 * the security model (EACCES / EPERM: the device is root-only by design).
 *
 * @param errno the positive errno of the open
 * @param path the device path
 * @returns an explanation, or undefined
 *
 * @example
 * ```ts
 * import { kmodOpenHint } from "@jsuring/jsuring";
 * console.log(kmodOpenHint(13, "/dev/jsuring")); // "no permission to open /dev/jsuring: the device is root-only ..."
 * ```
 */
export function kmodOpenHint(errno: number, path: string): string | undefined {
  checkInt(errno, "kmodOpenHint: errno", -4095, 4095);
  if (typeof path !== "string") throw typeError("kmodOpenHint: path", "a string", path);
  switch (errno) {
    case Errno.ENOENT:
    case Errno.ENXIO:
    case Errno.ENODEV:
      return `${path} does not exist: load the module: insmod jsuring.ko (kernel-module/, needs Linux 7.3 for the buffer commands)`;
    case Errno.EACCES:
    case Errno.EPERM:
      return `no permission to open ${path}: the device is root-only (mode 0600) by design, because whoever opens it can pin kernel memory (up to their RLIMIT_MEMLOCK and the module's max_pages_per_open cap) and move file data through it; run as root, or have the administrator grant one trusted group access (never everyone), as kernel-module/README.md "Security model" explains`;
    default:
      return undefined;
  }
}
