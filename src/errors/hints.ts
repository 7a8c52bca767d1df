/**
 * Hints for the errors whose cause is usually the system, not the call:
 * io_uring disabled by sysctl, seccomp, a memlock limit, no hugepages, a flag
 * the running kernel is too old for.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { SETUP_FLAG_SINCE, SetupFlag } from "../abi/mod.ts";
import { libc } from "../runtime/libs.ts";
import { Errno } from "./errno.ts";
import { checkChoice, checkInt, rangeError, typeError } from "../ring/_args.ts";

// Hints only: a file the process may not read (Deno without --allow-read)
// gives undefined, and the hint then says it does not know. Deno is asked
// first so that a terminal never shows a permission prompt for a hint.
function readProc(path: string): string | undefined {
  // deno-lint-ignore no-explicit-any
  const D = (globalThis as any).Deno;
  if (!D?.permissions?.querySync || D.permissions.querySync({ name: "read", path }).state === "granted") {
    try {
      return readFileSync(path, "utf8").trim();
    } catch {
      // below: through libc
    }
  }
  // Deno reads /proc/sys only with --allow-all: read it through libc, which
  // --allow-ffi (needed anyway) reaches, so a hint states the real value
  // instead of guessing (as the kernel version comes from uname(2)).
  try {
    const l = libc();
    const fd = l.open(new TextEncoder().encode(`${path}\0`), 0o2000000); // O_RDONLY | O_CLOEXEC
    if (fd < 0) return undefined;
    try {
      const buf = new Uint8Array(256);
      const n = Number(l.read(fd, buf, buf.length));
      return n >= 0 ? new TextDecoder().decode(buf.subarray(0, n)).trim() : undefined;
    } finally {
      l.close(fd);
    }
  } catch {
    return undefined; // no FFI either
  }
}

let release: string | undefined;
let pretended: [number, number] | undefined;

/**
 * Tests only (not exported from mod.ts): judge features as if Linux `version`
 * ran, so the fallbacks and "requires Linux X.Y" refusals for older kernels
 * run on a new one. `undefined` goes back to the real version.
 *
 * @example
 * ```ts
 * import { kernelAtLeast, pretendKernelVersion } from "./hints.ts";
 * pretendKernelVersion("6.1");
 * console.log(kernelAtLeast("6.5")); // false
 * pretendKernelVersion(undefined);
 * ```
 */
export function pretendKernelVersion(version: string | undefined): void {
  const m = version === undefined ? undefined : /^(\d+)\.(\d+)$/.exec(version);
  if (version !== undefined && !m) {
    throw new TypeError(`version must look like "6.1", got ${JSON.stringify(version)}`);
  }
  pretended = m ? [Number(m[1]), Number(m[2])] : undefined;
}

/**
 * The running kernel's release string (`"6.18.0-1-amd64"`), from `uname(2)`
 * through libc: it needs only FFI permission (Deno 2.9 lets
 * `/proc/sys/kernel/osrelease` be read only with `--allow-all`).
 *
 * @example
 * ```ts
 * import { kernelRelease } from "@jsuring/jsuring";
 * console.log(kernelRelease()); // e.g. "6.18.0-1-amd64"
 * ```
 */
export function kernelRelease(): string {
  if (release !== undefined) return release;
  // struct utsname on Linux: six char[65] fields; release is the third.
  const uts = new Uint8Array(6 * 65);
  const ret = libc().uname(uts);
  if (ret !== 0) throw new Error(`uname(2) failed (${ret}): cannot tell the kernel version`);
  const field = uts.subarray(2 * 65, 3 * 65);
  return release = new TextDecoder().decode(field.subarray(0, field.indexOf(0)));
}

/**
 * The running kernel's version as `[major, minor]`, from `uname(2)` (see
 * {@linkcode kernelRelease}).
 *
 * @example
 * ```ts
 * import { kernelVersion } from "@jsuring/jsuring";
 * const [major, minor] = kernelVersion();
 * console.log(`Linux ${major}.${minor}`);
 * ```
 */
export function kernelVersion(): [number, number] {
  if (pretended) return [...pretended];
  const m = /^(\d+)\.(\d+)/.exec(kernelRelease());
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

/**
 * Whether the running kernel is at least `version` (`"6.13"`).
 *
 * @example
 * ```ts
 * import { kernelAtLeast } from "@jsuring/jsuring";
 * if (!kernelAtLeast("6.5")) console.log("no NO_MMAP rings here");
 * ```
 */
export function kernelAtLeast(version: string, running: [number, number] = kernelVersion()): boolean {
  if (typeof version !== "string") {
    throw typeError("kernelAtLeast: version", 'a string such as "6.13"', version);
  }
  if (!/^\d+\.\d+$/.test(version)) {
    throw rangeError("kernelAtLeast: version", 'a version such as "6.13"', version);
  }
  checkRunning(running, "kernelAtLeast");
  const [want, wantMinor] = version.split(".").map(Number);
  const [major, minor] = running;
  return major > want || (major === want && minor >= wantMinor);
}

/** A `[major, minor]` kernel version argument. */
function checkRunning(running: unknown, where: string): void {
  if (
    !Array.isArray(running) || running.length !== 2 || !running.every((n) => Number.isInteger(n) && n >= 0)
  ) {
    throw typeError(`${where}: running`, "[major, minor], as kernelVersion() returns", running);
  }
}

const RLIMIT_MEMLOCK = 8;
const RLIM_INFINITY = 0xffffffffffffffffn;

/**
 * The locked-memory limit (`RLIMIT_MEMLOCK`), soft and hard, in bytes
 * (`Infinity` when unlimited), from `getrlimit(2)` through libc.
 *
 * @example
 * ```ts
 * import { memlockLimit } from "@jsuring/jsuring";
 * const { soft } = memlockLimit();
 * console.log(`locked memory limit: ${soft} bytes`);
 * ```
 */
export function memlockLimit(): { soft: number; hard: number } {
  const lim = new BigUint64Array(2);
  if (libc().getrlimit(RLIMIT_MEMLOCK, lim) !== 0) return { soft: NaN, hard: NaN };
  const n = (v: bigint) => v === RLIM_INFINITY ? Infinity : Number(v);
  return { soft: n(lim[0]), hard: n(lim[1]) };
}

function bytes(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? "unknown" : "unlimited";
  const units = [[1 << 30, "GiB"], [1 << 20, "MiB"], [1 << 10, "KiB"]] as const;
  for (const [size, unit] of units) if (n >= size) return `${n} bytes (${+(n / size).toFixed(1)} ${unit})`;
  return `${n} bytes`;
}

/**
 * A hint for ENOMEM from memory the kernel pins and charges to
 * `RLIMIT_MEMLOCK` (registered buffers, param regions, buffer rings in user
 * memory; ring memory itself before Linux 5.12).
 *
 * @param needed bytes the failed operation tried to pin, when known
 * @returns a sentence naming the bytes needed, the current limit and how to raise it
 *
 * @example
 * ```ts
 * import { memlockHint } from "@jsuring/jsuring";
 * console.log(memlockHint(1 << 20));
 * ```
 */
export function memlockHint(needed?: number): string {
  if (needed !== undefined) checkInt(needed, "memlockHint: needed (bytes)", 0, Number.MAX_SAFE_INTEGER);
  const { soft, hard } = memlockLimit();
  const need = needed === undefined ? "" : `this needs ${bytes(needed)} of locked memory, `;
  return `io_uring charges pinned memory to RLIMIT_MEMLOCK unless the process has CAP_IPC_LOCK: ${need}` +
    `the limit is ${bytes(soft)}, hard limit ${
      bytes(hard)
    }, shared with the process's other registrations; ` +
    "raise it (ulimit -l, LimitMEMLOCK= in systemd, --ulimit memlock=-1 in Docker)";
}

// The Ring.create option behind each setup flag, and how to do without it.
const RING_OPTION_OF: Partial<Record<keyof typeof SetupFlag, readonly [string, string]>> = {
  SQPOLL: ["sqpoll", "drop sqpoll"],
  CQSIZE: ["cqEntries", "drop cqEntries"],
  R_DISABLED: ["disabled: true", "drop disabled"],
  SUBMIT_ALL: ["submitAll: true", "drop submitAll"],
  COOP_TASKRUN: ["coopTaskrun: true", "drop coopTaskrun"],
  TASKRUN_FLAG: ["taskrunFlag: true", "drop taskrunFlag"],
  SQE128: ["sqe128: true", "drop sqe128"],
  CQE32: ["cqe32: true", "drop cqe32"],
  SINGLE_ISSUER: ["singleIssuer: true", "drop singleIssuer"],
  DEFER_TASKRUN: ["deferTaskrun: true", "drop deferTaskrun"],
  NO_MMAP: [
    'memory: "user"',
    'pass memory: "kernel" (or leave memory unset: the default follows the kernel)',
  ],
  NO_SQARRAY: ["noSqArray: true", "drop noSqArray (unset, it follows the kernel)"],
};

/**
 * A hint for an `io_uring_setup` failure with `flags`.
 *
 * @param errno positive errno
 * @param flags the setup flags that were passed
 * @param running the kernel version to judge flags against (default: this one)
 * @returns a sentence, or undefined when nothing useful can be said
 *
 * @example
 * ```ts
 * import { setupHint } from "@jsuring/jsuring";
 * console.log(setupHint(1, 0));
 * ```
 */
export function setupHint(
  errno: number,
  flags: number,
  running: [number, number] = kernelVersion(),
): string | undefined {
  checkInt(errno, "setupHint: errno", -4095, 4095);
  checkInt(flags, "setupHint: flags (IORING_SETUP_*)", 0, 0xffffffff);
  checkRunning(running, "setupHint");
  if (errno === Errno.EPERM) {
    const disabled = readProc("/proc/sys/kernel/io_uring_disabled");
    if (disabled === "2") {
      return "io_uring is disabled on this system by sysctl kernel.io_uring_disabled=2 (set it to 0 to enable)";
    }
    if (disabled === "1") {
      return "sysctl kernel.io_uring_disabled=1 limits io_uring to members of kernel.io_uring_group and CAP_SYS_ADMIN";
    }
    const sysctl = disabled === undefined
      ? "the sysctl kernel.io_uring_disabled (6.6+; unreadable here: check it with `sysctl kernel.io_uring_disabled`), "
      : "";
    return `io_uring_setup was refused: ${sysctl}a seccomp filter (container runtimes' default profiles block io_uring) ` +
      "or an LSM policy denies it";
  }
  if (errno === Errno.ENOSYS) {
    return "the kernel has no io_uring (CONFIG_IO_URING off, or a seccomp filter answers ENOSYS)";
  }
  if (errno === Errno.ENOMEM) return memlockHint();
  if (errno === Errno.EINVAL) {
    const names = Object.keys(SetupFlag) as (keyof typeof SetupFlag)[];
    const reasons = names
      .filter((name) => flags & SetupFlag[name] && !kernelAtLeast(SETUP_FLAG_SINCE[name], running))
      .map((name) => {
        const option = RING_OPTION_OF[name];
        return `IORING_SETUP_${name} needs Linux ${SETUP_FLAG_SINCE[name]} (this is Linux ${running[0]}.${
          running[1]
        })` +
          (option ? `: ${option[0]} asks for it; ${option[1]}, or run a newer kernel` : "");
      });
    const known = names.reduce((all, name) => all | SetupFlag[name], 0);
    const unknown = (flags & ~known) >>> 0;
    if (unknown) {
      reasons.push(`setup flag bits 0x${unknown.toString(16)} are unknown to jsuring and this kernel`);
    }
    if (reasons.length) return reasons.join("; ");
  }
  return undefined;
}

/**
 * A hint for a registration (`io_uring_register`) failure.
 *
 * @param errno positive errno
 * @param needed bytes the registration pins, when known (for ENOMEM)
 *
 * @example
 * ```ts
 * import { registerHint } from "@jsuring/jsuring";
 * console.log(registerHint(12, 65536));
 * ```
 */
export function registerHint(errno: number, needed?: number): string | undefined {
  checkInt(errno, "registerHint: errno", -4095, 4095);
  return errno === Errno.ENOMEM ? memlockHint(needed) : undefined;
}

/**
 * A hint when hugetlb memory could not be had.
 *
 * @param knob the option, on the object the caller holds, that picks another
 *   kind of memory: `"memory"` for `Arena.create`, `"hugepages"`
 *   for `Ring.create`, `AsyncRing.create` and `createRingWithRegion`
 *
 * @example
 * ```ts
 * import { hugepageHint } from "@jsuring/jsuring";
 * console.log(hugepageHint("hugepages"));
 * ```
 */
export function hugepageHint(knob: "memory" | "hugepages" = "memory"): string {
  checkChoice(knob, "hugepageHint: knob", ["memory", "hugepages"]);
  return `${hugepageShortage()}, or pass ${knob}: "auto" (falls back to transparent hugepages, then pages), "thp" or "pages"`;
}

/**
 * Why no hugetlb page could be had and how to get one (without the
 * alternative knob: for a fallback that already took it).
 *
 * @example
 * ```ts
 * import { hugepageShortage } from "@jsuring/jsuring";
 * console.log(hugepageShortage());
 * ```
 */
export function hugepageShortage(): string {
  const n = readProc("/proc/sys/vm/nr_hugepages");
  if (n === undefined) return "no free hugetlb page: reserve some (as root: sysctl vm.nr_hugepages=16)";
  return n === "0"
    ? "no hugepages are reserved (vm.nr_hugepages=0): reserve some (as root: sysctl vm.nr_hugepages=16)"
    : `all ${n} reserved hugepages are in use: reserve more (sysctl vm.nr_hugepages)`;
}
