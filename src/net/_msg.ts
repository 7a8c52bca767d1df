/**
 * `struct msghdr` for IORING_OP_SENDMSG / IORING_OP_RECVMSG, in library
 * memory. The kernel copies the header and the iovec array when it prepares
 * the request (io_sendmsg_prep / io_recvmsg_prep, `copy_msghdr_from_user`),
 * but a recvmsg writes the source address, the control data and the
 * header's `msg_namelen` / `msg_controllen` / `msg_flags` back when it
 * completes (`____sys_recvmsg`: `move_addr_to_user`, `__put_user`), possibly
 * from an io-wq worker. So the header block (header, name, control) lives
 * in a staging slot (src/memory/_pin.ts) that nobody can detach, is copied
 * back at the completion, and only then is copied into the caller's
 * `name` / `control` buffers; the data buffers are pinned as readv/writev's.
 *
 * @module
 */
import { type Direction, FROM_KERNEL, Pin, pin, PinVector, TO_KERNEL } from "../memory/_pin.ts";
import { msghdr } from "../abi/layout.ts";
import { getNative } from "../runtime/_ffi.ts";
import { putU64 } from "../memory/u64.ts";
import { checkBuffer, checkOptions, type IoBuffer, typeError } from "../ring/_args.ts";
import { isDetached } from "../memory/detached.ts";

/**
 * A message for `sendmsg` / `recvmsg` (`OPERATIONS.SENDMSG` /
 * `OPERATIONS.RECVMSG`): the data buffers, and optionally an address and
 * control (ancillary) data. For a receive, `name` and `control` are room the
 * kernel fills; the completion copies them in and sets `nameLength`,
 * `controlLength` and `flags` on this object.
 *
 * @example
 * ```ts
 * import type { MessageHeader } from "@jsuring/jsuring";
 * const msg: MessageHeader = { buffers: [new Uint8Array(1500)], name: new Uint8Array(28) };
 * ```
 */
export interface MessageHeader {
  /** The data: sent from, or received into (1 to 1024 buffers). */
  buffers: readonly IoBuffer[];
  /** sendmsg: the destination `struct sockaddr`; recvmsg: room for the source's (at most 128 bytes). */
  name?: Uint8Array;
  /** sendmsg: control messages (`struct cmsghdr`s) to send; recvmsg: room for them (at most 64 KiB). */
  control?: Uint8Array;
  /** recvmsg, set at the completion: bytes of `name` the kernel filled (the address's length). */
  nameLength?: number;
  /** recvmsg, set at the completion: bytes of `control` the kernel filled. */
  controlLength?: number;
  /** recvmsg, set at the completion: `msg_flags` (`MSG.TRUNC`: the datagram was longer than the buffers). */
  flags?: number;
}

const KEYS = ["buffers", "name", "control", "nameLength", "controlLength", "flags"];
/** sizeof(struct sockaddr_storage). */
export const SOCKADDR_MAX = 128;
/** Room for control data: far above what any cmsg a socket sends needs (SCM_RIGHTS of 253 fds is ~1 KiB). */
export const CONTROL_MAX = 65536;

const NAME_AT = msghdr.size; // 56
const F = msghdr.fields;

/** Check a message header (TypeError/RangeError quoting the value). */
export function checkMessage(msg: unknown, what: string): MessageHeader {
  if (msg === null || typeof msg !== "object" || Array.isArray(msg)) {
    throw typeError(what, "a message header { buffers, name?, control? }", msg);
  }
  const m = checkOptions(msg as MessageHeader, what, KEYS)!;
  if (!Array.isArray(m.buffers)) {
    throw typeError(`${what}.buffers`, "an array of 1 to 1024 buffers", m.buffers);
  }
  if (m.buffers.length === 0 || m.buffers.length > 1024) {
    throw new RangeError(`${what}.buffers must be an array of 1 to 1024 buffers, got ${m.buffers.length}`);
  }
  m.buffers.forEach((b, i) => checkBuffer(b, `${what}.buffers[${i}]`));
  if (m.name !== undefined) {
    if (!(m.name instanceof Uint8Array)) {
      throw typeError(`${what}.name`, "a Uint8Array (a struct sockaddr)", m.name);
    }
    checkBuffer(m.name, `${what}.name`);
    if (m.name.byteLength > SOCKADDR_MAX) {
      throw new RangeError(
        `${what}.name is ${m.name.byteLength} bytes; a socket address takes at most ${SOCKADDR_MAX} (sockaddr_storage)`,
      );
    }
  }
  if (m.control !== undefined) {
    if (!(m.control instanceof Uint8Array)) throw typeError(`${what}.control`, "a Uint8Array", m.control);
    checkBuffer(m.control, `${what}.control`);
    if (m.control.byteLength > CONTROL_MAX) {
      throw new RangeError(`${what}.control is ${m.control.byteLength} bytes; at most ${CONTROL_MAX}`);
    }
  }
  return m;
}

/**
 * The memory of one sendmsg/recvmsg: the header block (staged) and the data
 * buffers (pinned). `addr` is the `struct msghdr *` for the SQE.
 */
export class MsgPin extends Pin {
  readonly addr: number;
  readonly len: number;
  readonly #msg: MessageHeader;
  readonly #block: Uint8Array;
  readonly #head: Pin;
  readonly #data: PinVector;
  readonly #recv: boolean;
  readonly #ctlAt: number;

  /** Pin `msg` (checked) for a send (`recv` false) or a receive. */
  constructor(msg: MessageHeader, recv: boolean) {
    super();
    const dir = recv ? FROM_KERNEL : TO_KERNEL;
    const nameLen = msg.name?.byteLength ?? 0;
    const ctlLen = msg.control?.byteLength ?? 0;
    const ctlAt = NAME_AT + ((nameLen + 7) & ~7); // cmsg data is 8-byte aligned
    const block = new Uint8Array(ctlAt + ctlLen);
    if (!recv) {
      if (msg.name) block.set(msg.name, NAME_AT);
      if (msg.control) block.set(msg.control, ctlAt);
    }
    this.#data = new PinVector(msg.buffers.slice(), dir);
    // Staged (both ways): the header is read at prep, written back at the end.
    const head = pin(block, (TO_KERNEL | FROM_KERNEL) as Direction, true);
    const base = head.addr;
    // Fill the header in the staging memory itself: its pointers are staging addresses.
    const words = new Uint32Array(getNative().view(base, msghdr.size));
    if (nameLen) putU64(words, F.msg_name[0] / 4, base + NAME_AT);
    words[F.msg_namelen[0] / 4] = nameLen;
    putU64(words, F.msg_iov[0] / 4, this.#data.addr);
    putU64(words, F.msg_iovlen[0] / 4, msg.buffers.length);
    if (ctlLen) putU64(words, F.msg_control[0] / 4, base + ctlAt);
    putU64(words, F.msg_controllen[0] / 4, ctlLen);
    this.#msg = msg;
    this.#block = block;
    this.#head = head;
    this.#recv = recv;
    this.#ctlAt = ctlAt;
    this.addr = base;
    this.len = 1;
  }

  /** The completion: data buffers filled (recv), the name, control and flags copied out. */
  finish(res: number): void {
    this.#data.finish(res);
    this.#head.finish(res);
    if (!this.#recv || res < 0) return;
    const msg = this.#msg, block = this.#block;
    const dv = new DataView(block.buffer, block.byteOffset, msghdr.size);
    const nameLen = Math.min(dv.getUint32(F.msg_namelen[0], true), msg.name?.byteLength ?? 0);
    const ctlLen = Math.min(Number(dv.getBigUint64(F.msg_controllen[0], true)), msg.control?.byteLength ?? 0);
    if (msg.name && nameLen && !isDetached(msg.name)) {
      msg.name.set(block.subarray(NAME_AT, NAME_AT + nameLen));
    }
    if (msg.control && ctlLen && !isDetached(msg.control)) {
      msg.control.set(block.subarray(this.#ctlAt, this.#ctlAt + ctlLen));
    }
    msg.nameLength = nameLen;
    msg.controlLength = ctlLen;
    msg.flags = dv.getInt32(F.msg_flags[0], true) >>> 0;
  }
}
