/**
 * The jsuring kernel module's user-space ABI, mirrored from
 * `kernel-module/include/uapi/jsuring_kmod.h` (the source of truth):
 * command numbers, struct layouts, flags, limits and the FNV-1a constants.
 * `tests/kmod_uapi_test.ts` compiles a C program generated from these tables
 * against that header and compares every value.
 *
 * Transport (see the header): `IORING_OP_URING_CMD` on an fd of
 * `/dev/jsuring`, `cmd_op` = a `JSK_CMD_*` number, `addr` = byte offset of the
 * command's struct in the ring's param region (a multiple of 8), `len` =
 * its exact size, every other SQE field zero (UNREGISTER also names its slot
 * in `buf_index` with `IORING_URING_CMD_FIXED`).
 *
 * @module
 */
import type { Field, Struct } from "../abi/layout.ts";
import { show } from "../ring/_args.ts";

function struct<F extends string>(cName: string, size: number, fields: Record<F, Field>): Struct<F> {
  return Object.freeze({ cName, size, fields: Object.freeze(fields) });
}

/**
 * `struct jsk_probe` (64 bytes): every field is "out"; the struct must be
 * zero on input.
 *
 * @example
 * ```ts
 * import { jsk_probe } from "@jsuring/jsuring";
 * console.log(jsk_probe.size, jsk_probe.fields.page_size[0]); // 64 60
 * ```
 */
export const jsk_probe: Struct<
  | "version"
  | "features"
  | "commands"
  | "bufs_allocated"
  | "bufs_freed"
  | "bufs_registered"
  | "bufs_released"
  | "bufs_live"
  | "max_pages"
  | "page_size"
> = struct("jsk_probe", 64, {
  version: [0, 4],
  features: [4, 4],
  commands: [8, 8],
  bufs_allocated: [16, 8],
  bufs_freed: [24, 8],
  bufs_registered: [32, 8],
  bufs_released: [40, 8],
  bufs_live: [48, 8],
  max_pages: [56, 4],
  page_size: [60, 4],
});

/**
 * `struct jsk_buf_register` (32 bytes): `index`, `nr_pages`, `flags` in;
 * `buf_id`, `size` out; `__resv` zero.
 *
 * @example
 * ```ts
 * import { jsk_buf_register } from "@jsuring/jsuring";
 * console.log(jsk_buf_register.fields.buf_id[0]); // 16
 * ```
 */
export const jsk_buf_register: Struct<"index" | "nr_pages" | "flags" | "__resv" | "buf_id" | "size"> = struct(
  "jsk_buf_register",
  32,
  {
    index: [0, 4],
    nr_pages: [4, 4],
    flags: [8, 4],
    __resv: [12, 4],
    buf_id: [16, 8],
    size: [24, 8],
  },
);

/**
 * `struct jsk_buf_unregister` (8 bytes): `index` in, `flags` zero.
 *
 * @example
 * ```ts
 * import { jsk_buf_unregister } from "@jsuring/jsuring";
 * console.log(jsk_buf_unregister.size); // 8
 * ```
 */
export const jsk_buf_unregister: Struct<"index" | "flags"> = struct("jsk_buf_unregister", 8, {
  index: [0, 4],
  flags: [4, 4],
});

/**
 * `struct jsk_buf_op` (32 bytes), for FILL and CHECKSUM: `buf_id`, `offset`,
 * `length`, `seed` in (seed 0 for CHECKSUM), `flags` zero, `fnv1a` out.
 *
 * @example
 * ```ts
 * import { jsk_buf_op } from "@jsuring/jsuring";
 * console.log(jsk_buf_op.fields.fnv1a[0]); // 24
 * ```
 */
export const jsk_buf_op: Struct<"buf_id" | "offset" | "length" | "seed" | "flags" | "fnv1a"> = struct(
  "jsk_buf_op",
  32,
  {
    buf_id: [0, 8],
    offset: [8, 4],
    length: [12, 4],
    seed: [16, 4],
    flags: [20, 4],
    fnv1a: [24, 8],
  },
);

/**
 * Every struct of the header, for the ABI test.
 *
 * @example
 * ```ts
 * import { KMOD_STRUCTS } from "@jsuring/jsuring";
 * console.log(KMOD_STRUCTS.map((s) => s.cName)); // ["jsk_probe", ...]
 * ```
 */
export const KMOD_STRUCTS: readonly Struct[] = Object.freeze([
  jsk_probe,
  jsk_buf_register,
  jsk_buf_unregister,
  jsk_buf_op,
]);

/** `_IOC_READ | _IOC_WRITE` (3) in bits 30-31, size in 16-29, type in 8-15, nr in 0-7. */
function iowr(type: number, nr: number, size: number): number {
  return ((3 << 30) | (size << 16) | (type << 8) | nr) >>> 0;
}

/**
 * `JSK_IOC_TYPE`: the ioctl-style type byte of every command, `'j'`.
 *
 * @example
 * ```ts
 * import { JSK_IOC_TYPE, JskCmd } from "@jsuring/jsuring";
 * console.log(((JskCmd.PROBE >>> 8) & 0xff) === JSK_IOC_TYPE); // true
 * ```
 */
export const JSK_IOC_TYPE: number = 0x6a;

/**
 * The `JSK_CMD_*` command numbers (`_IOWR('j', nr, struct)`), the SQE's `cmd_op`.
 *
 * @example
 * ```ts
 * import { JskCmd } from "@jsuring/jsuring";
 * console.log(JskCmd.PROBE.toString(16)); // "c0406a00"
 * ```
 */
export const JskCmd: Readonly<{
  PROBE: number;
  BUF_REGISTER: number;
  BUF_UNREGISTER: number;
  BUF_FILL: number;
  BUF_CHECKSUM: number;
}> = Object.freeze({
  /** Version, features, supported commands, module-global buffer counters. */
  PROBE: iowr(JSK_IOC_TYPE, 0, jsk_probe.size),
  /** Allocate zeroed pages and register them in the ring's fixed-buffer table. */
  BUF_REGISTER: iowr(JSK_IOC_TYPE, 1, jsk_buf_register.size),
  /** `io_buffer_unregister()` of a table slot. */
  BUF_UNREGISTER: iowr(JSK_IOC_TYPE, 2, jsk_buf_unregister.size),
  /** Write the fill pattern into a range of a kernel buffer; returns its FNV-1a. */
  BUF_FILL: iowr(JSK_IOC_TYPE, 3, jsk_buf_op.size),
  /** FNV-1a of a range of a kernel buffer. */
  BUF_CHECKSUM: iowr(JSK_IOC_TYPE, 4, jsk_buf_op.size),
});

/**
 * A command name: `"PROBE"`, `"BUF_REGISTER"`, ...
 *
 * @example
 * ```ts
 * import { JskCmd, type JskCmdName } from "@jsuring/jsuring";
 * const name: JskCmdName = "BUF_FILL";
 * console.log(JskCmd[name].toString(16)); // "c0206a03"
 * ```
 */
export type JskCmdName = "PROBE" | "BUF_REGISTER" | "BUF_UNREGISTER" | "BUF_FILL" | "BUF_CHECKSUM";

/**
 * The struct each command exchanges through the region, by command name.
 *
 * @example
 * ```ts
 * import { JSK_CMD_STRUCT } from "@jsuring/jsuring";
 * console.log(JSK_CMD_STRUCT.BUF_FILL.size); // 32
 * ```
 */
export const JSK_CMD_STRUCT: Readonly<Record<JskCmdName, Struct>> = Object.freeze({
  PROBE: jsk_probe,
  BUF_REGISTER: jsk_buf_register,
  BUF_UNREGISTER: jsk_buf_unregister,
  BUF_FILL: jsk_buf_op,
  BUF_CHECKSUM: jsk_buf_op,
});

/**
 * The name of a command number (`"PROBE"`), or its hex form for unknown ones.
 *
 * @example
 * ```ts
 * import { jskCmdName, JskCmd } from "@jsuring/jsuring";
 * console.log(jskCmdName(JskCmd.BUF_FILL), jskCmdName(0x1234)); // "BUF_FILL" "0x1234"
 * ```
 */
export function jskCmdName(cmdOp: number): string {
  if (typeof cmdOp !== "number" || !Number.isInteger(cmdOp) || cmdOp < 0 || cmdOp > 0xffffffff) {
    throw new (typeof cmdOp === "number" ? RangeError : TypeError)(
      `jskCmdName: cmdOp must be a u32 (JskCmd.*), got ${show(cmdOp)}`,
    );
  }
  for (const [name, value] of Object.entries(JskCmd)) if (value === cmdOp >>> 0) return name;
  return `0x${(cmdOp >>> 0).toString(16)}`;
}

/**
 * `JSK_FEAT_*`: what {@linkcode JskCmd.PROBE} reports in `features`.
 *
 * @example
 * ```ts
 * import { JskFeature } from "@jsuring/jsuring";
 * console.log(JskFeature.BVEC_REG); // 2
 * ```
 */
export const JskFeature: Readonly<{ REGION: number; BVEC_REG: number }> = Object.freeze({
  /** The param-region lookup (always). */
  REGION: 1 << 0,
  /** `io_buffer_register_bvec()` exists: the buffer commands work (Linux 7.3). */
  BVEC_REG: 1 << 1,
});

/**
 * `JSK_BUF_*`: the directions of a kernel buffer (`jsk_buf_register.flags`).
 *
 * @example
 * ```ts
 * import { JskBufFlag } from "@jsuring/jsuring";
 * console.log(JskBufFlag.DEST | JskBufFlag.SOURCE); // 3
 * ```
 */
export const JskBufFlag: Readonly<{ DEST: number; SOURCE: number }> = Object.freeze({
  /** I/O may write into it: READ_FIXED. */
  DEST: 1 << 0,
  /** I/O may read from it: WRITE_FIXED. */
  SOURCE: 1 << 1,
});

/**
 * The other constants of the header, by their C names without the `JSK_` prefix.
 *
 * @example
 * ```ts
 * import { JskConst } from "@jsuring/jsuring";
 * console.log(JskConst.VERSION, JskConst.MAX_PAGES); // 2 256
 * ```
 */
export const JskConst: Readonly<{ VERSION: number; MAX_PAGES: number }> = Object.freeze({
  /** `JSK_VERSION`: what PROBE reports in `version` (2: per-open ids and counters, UNREGISTER names its slot). */
  VERSION: 2,
  /** `JSK_MAX_PAGES`: upper bound of `nr_pages`. */
  MAX_PAGES: 256,
});

/**
 * `JSK_DEVICE_PATH`: where the module's misc device appears.
 *
 * @example
 * ```ts
 * import { JSK_DEVICE_PATH } from "@jsuring/jsuring";
 * console.log(JSK_DEVICE_PATH); // "/dev/jsuring"
 * ```
 */
export const JSK_DEVICE_PATH: string = "/dev/jsuring";

/**
 * `JSK_FNV1A_BASIS` and `JSK_FNV1A_PRIME`: the 64-bit FNV-1a parameters of
 * FILL and CHECKSUM, as BigInts.
 *
 * @example
 * ```ts
 * import { JSK_FNV1A } from "@jsuring/jsuring";
 * console.log(JSK_FNV1A.PRIME.toString(16)); // "100000001b3"
 * ```
 */
export const JSK_FNV1A: Readonly<{ BASIS: bigint; PRIME: bigint }> = Object.freeze({
  BASIS: 0xcbf29ce484222325n,
  PRIME: 0x100000001b3n,
});

/**
 * `IORING_URING_CMD_FIXED` (include/uapi/linux/io_uring.h, Linux 6.1): the
 * `uring_cmd_flags` bit saying the command uses fixed buffer `buf_index`.
 * `JSK_CMD_BUF_UNREGISTER` sets it to name its slot to io_uring.
 *
 * @example
 * ```ts
 * import { IORING_URING_CMD_FIXED } from "@jsuring/jsuring";
 * console.log(IORING_URING_CMD_FIXED); // 1
 * ```
 */
export const IORING_URING_CMD_FIXED = 1;
