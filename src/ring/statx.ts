/**
 * Statx decoding (`struct statx`, for {@linkcode decodeStatx}).
 *
 * @module
 */
import { statx as statxLayout } from "../abi/mod.ts";
import { typeError } from "./_args.ts";

/**
 * Decoded fields of a `struct statx` (see `Ring.statx`).
 *
 * @example
 * ```ts
 * import { AsyncRing, type Statx } from "@jsuring/jsuring";
 * await using ring = AsyncRing.create();
 * const st: Statx = await ring.statx("/etc/os-release");
 * console.log(st.size);
 * ```
 */
export interface Statx {
  /** File size in bytes. */
  size: number;
  /** File type and mode bits. */
  mode: number;
  /** Inode number. */
  ino: number;
  /** Hard links. */
  nlink: number;
  /** Owner. */
  uid: number;
  /** Group. */
  gid: number;
  /** 512-byte blocks allocated. */
  blocks: number;
  /** Preferred I/O size. */
  blksize: number;
  /** Modification time, ms since the epoch. */
  mtimeMs: number;
}

/**
 * Decode the statx buffer `Ring.statx` filled.
 *
 * @example
 * ```ts
 * import { decodeStatx } from "@jsuring/jsuring";
 * const s = decodeStatx(new Uint8Array(256));
 * console.log(s.size); // 0
 * ```
 */
export function decodeStatx(buf: Uint8Array): Statx {
  if (!(buf instanceof Uint8Array)) throw typeError("decodeStatx: buf", "a Uint8Array (a struct statx)", buf);
  if (buf.byteLength < statxLayout.size) {
    throw new RangeError(
      `decodeStatx: buf must hold a struct statx (${statxLayout.size} bytes), got ${buf.byteLength}`,
    );
  }
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const f = statxLayout.fields;
  const u64 = (o: readonly [number, number]) => Number(dv.getBigUint64(o[0], true));
  return {
    size: u64(f.stx_size),
    mode: dv.getUint16(f.stx_mode[0], true),
    ino: u64(f.stx_ino),
    nlink: dv.getUint32(f.stx_nlink[0], true),
    uid: dv.getUint32(f.stx_uid[0], true),
    gid: dv.getUint32(f.stx_gid[0], true),
    blocks: u64(f.stx_blocks),
    blksize: dv.getUint32(f.stx_blksize[0], true),
    mtimeMs: Number(dv.getBigInt64(f["stx_mtime.tv_sec"][0], true)) * 1000 +
      dv.getUint32(f["stx_mtime.tv_nsec"][0], true) / 1e6,
  };
}
