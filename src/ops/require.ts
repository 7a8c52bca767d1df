/**
 * The probe gate: before an operation is queued, {@linkcode requireOp}
 * checks the opcode against the running kernel's `IORING_REGISTER_PROBE`
 * answer and the {@linkcode OPCODES} table, so an operation the kernel lacks
 * fails with "requires Linux X.Y (this is A.B)" instead of a bare EINVAL in
 * its completion.
 *
 * @module
 */
import { OP_NAMES, OPCODES, type OpName } from "../abi/opcodes.ts";
import { kernelAtLeast, kernelRelease } from "../errors/hints.ts";
import { UringError } from "../errors/uring_error.ts";
import { Errno } from "../errors/errno.ts";
import { show, typeError } from "../ring/_args.ts";

/**
 * Anything that can list the opcodes its kernel supports: a `Ring`.
 *
 * @example
 * ```ts
 * import { type Probeable, Ring } from "@jsuring/jsuring";
 * using ring = Ring.create({ entries: 8 });
 * const probed: Probeable = ring;
 * console.log(probed.probe().has("READ"));
 * ```
 */
export interface Probeable {
  /** The supported opcodes (`IORING_REGISTER_PROBE`, 5.6). */
  probe(): Set<OpName>;
}

/**
 * An operation the running kernel does not have: a {@linkcode UringError}
 * with code `EINVAL` (what the kernel would have answered), raised before
 * anything is queued.
 *
 * @example
 * ```ts
 * import { requireOp, Op, Ring, UnsupportedOpError } from "@jsuring/jsuring";
 * using ring = Ring.create();
 * try {
 *   requireOp(ring, Op.FTRUNCATE);
 * } catch (e) {
 *   if (e instanceof UnsupportedOpError) console.log(e.since, e.kernel);
 * }
 * ```
 */
export class UnsupportedOpError extends UringError {
  /** The opcode's name, e.g. `"FTRUNCATE"`. */
  readonly opName: OpName;
  /** The first Linux release with the opcode, e.g. `"6.9"`. */
  readonly since: string;
  /** The running kernel's release (`uname -r`). */
  readonly kernel: string;

  /**
   * Make the error for opcode `opName` missing from kernel `kernel`.
   *
   * @param opName the opcode
   * @param kernel the running kernel's release
   * @param what the operation as the caller names it (default `IORING_OP_<name>`)
   */
  constructor(opName: OpName, kernel: string, what?: string) {
    if (typeof opName !== "string" || !Object.hasOwn(OPCODES, opName)) {
      throw typeError("UnsupportedOpError: opName", 'an opcode name such as "FTRUNCATE"', opName);
    }
    if (typeof kernel !== "string") throw typeError("UnsupportedOpError: kernel", "a release string", kernel);
    const since = OPCODES[opName][1];
    const hint = kernelAtLeast(since, releaseVersion(kernel))
      ? `this kernel (${kernel}) does not offer it although Linux ${since} added it: ` +
        `it was built without it (e.g. CONFIG_FUTEX, CONFIG_NET) or io_uring restrictions forbid it`
      : `requires Linux ${since} (this is ${kernel})`;
    super(Errno.EINVAL, what ?? `IORING_OP_${opName}`, hint);
    this.name = "UnsupportedOpError";
    this.opName = opName;
    this.since = since;
    this.kernel = kernel;
  }
}

function releaseVersion(release: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

// One probe per ring: Ring.probe() builds a new Set per call.
const PROBED = new WeakMap<Probeable, Set<OpName> | null>();

function supported(ring: Probeable): Set<OpName> | null {
  if (ring === null || typeof ring !== "object" || typeof ring.probe !== "function") {
    throw typeError("ring", "a Ring or AsyncRing (anything with probe())", ring);
  }
  let set = PROBED.get(ring);
  if (set === undefined) {
    try {
      set = ring.probe();
    } catch {
      set = null; // no IORING_REGISTER_PROBE (before 5.6): judge by version alone
    }
    PROBED.set(ring, set);
  }
  return set;
}

function nameOf(op: number, where: string): OpName {
  const name = typeof op === "number" ? OP_NAMES[op] : undefined;
  if (name === undefined) {
    throw new (typeof op === "number" ? RangeError : TypeError)(
      `${where}: op must be an io_uring opcode (0..${OP_NAMES.length - 1}), got ${show(op)}`,
    );
  }
  return name;
}

/**
 * Whether `ring`'s kernel offers opcode `op` (probed once per ring; without
 * a probe, by the kernel version and {@linkcode OPCODES}).
 *
 * @example
 * ```ts
 * import { opSupported, Op, Ring } from "@jsuring/jsuring";
 * using ring = Ring.create();
 * console.log(opSupported(ring, Op.BIND) ? "bind through the ring" : "bind(2) directly");
 * ```
 */
export function opSupported(ring: Probeable, op: number): boolean {
  return has(ring, nameOf(op, "opSupported"));
}

function has(ring: Probeable, name: OpName): boolean {
  const set = supported(ring);
  if (set) return set.has(name);
  return kernelAtLeast(OPCODES[name][1], releaseVersion(kernelRelease()));
}

/**
 * Throw {@linkcode UnsupportedOpError} ("requires Linux X.Y (this is A.B)")
 * unless `ring`'s kernel offers opcode `op`; `what` names the operation in
 * the message (default `IORING_OP_<name>`).
 *
 * @example
 * ```ts
 * import { requireOp, Op, Ring } from "@jsuring/jsuring";
 * using ring = Ring.create();
 * requireOp(ring, Op.READ); // every kernel since 5.6
 * ```
 */
export function requireOp(ring: Probeable, op: number, what?: string): void {
  if (what !== undefined && typeof what !== "string") throw typeError("requireOp: what", "a string", what);
  const name = nameOf(op, "requireOp");
  if (!has(ring, name)) throw new UnsupportedOpError(name, kernelRelease(), what);
}
