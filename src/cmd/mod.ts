/**
 * `@jsuring/jsuring/kmod`: the client of jsuring's kernel module
 * (`kernel-module/` in the repository, Linux 7.3+): `KernelModule` and its
 * uring_cmd commands, the module's uapi (`JskCmd`, structs) and the FNV-1a
 * helpers its fill commands use. Everything here is also exported by the
 * package root, `@jsuring/jsuring`.
 *
 * @example
 * ```ts
 * import { JSK_DEVICE_PATH, KernelModule } from "@jsuring/jsuring/kmod";
 * console.log(JSK_DEVICE_PATH, typeof KernelModule.open);
 * ```
 *
 * @module
 */
export {
  type BufferRange,
  type CommandOptions,
  type KernelBuffer,
  KernelModule,
  type KernelModuleOptions,
  KMOD_SLICE,
  type ModuleProbe,
  type RawCommandOptions,
  type RegisterBufferOptions,
  type SqePatch,
} from "./kmod.ts";
export { checkKmod, kmodHint, kmodOpenHint } from "./kmod_errors.ts";
export { expectedFill, fillByte, fnv1a64 } from "./fnv.ts";
export {
  IORING_URING_CMD_FIXED,
  jsk_buf_op,
  jsk_buf_register,
  jsk_buf_unregister,
  JSK_CMD_STRUCT,
  JSK_DEVICE_PATH,
  JSK_FNV1A,
  JSK_IOC_TYPE,
  jsk_probe,
  JskBufFlag,
  JskCmd,
  type JskCmdName,
  jskCmdName,
  JskConst,
  JskFeature,
  KMOD_STRUCTS,
} from "./uapi.ts";
