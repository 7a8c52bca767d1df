/**
 * Hints for the errors whose cause is usually the system, not the call:
 * io_uring disabled by sysctl, seccomp, a memlock limit, no hugepages, a flag
 * the running kernel is too old for.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { SETUP_FLAG_SINCE, SetupFlag } from "../abi/mod.ts";
import { Errno } from "./errno.ts";

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

/**
 * The running kernel's version as `[major, minor]`, from `/proc/sys/kernel/osrelease`.
 *
 * @example
 * ```ts
 * import { kernelVersion } from "./hints.ts";
 * const [major, minor] = kernelVersion();
 * ```
 */
export function kernelVersion(): [number, number] {
  const release = readProc("/proc/sys/kernel/osrelease") ?? "0.0";
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

/**
 * Whether the running kernel is at least `version` (`"6.13"`).
 *
 * @example
 * ```ts
 * import { kernelAtLeast } from "./hints.ts";
 * if (!kernelAtLeast("6.5")) console.log("no NO_MMAP rings here");
 * ```
 */
export function kernelAtLeast(version: string, running: [number, number] = kernelVersion()): boolean {
  const [want, wantMinor] = version.split(".").map(Number);
  const [major, minor] = running;
  return major > want || (major === want && minor >= wantMinor);
}

function memlockHint(): string {
  const limits = readProc("/proc/self/limits") ?? "";
  const line = limits.split("\n").find((l) => l.startsWith("Max locked memory"));
  const soft = line?.split(/\s{2,}/)[1];
  return `io_uring charges ring and registered memory to RLIMIT_MEMLOCK (now ${
    soft ?? "unknown"
  } bytes) unless the process has CAP_IPC_LOCK: raise it (ulimit -l, LimitMEMLOCK= in systemd, --ulimit memlock in Docker)`;
}

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
 * import { setupHint } from "./hints.ts";
 * console.log(setupHint(1, 0));
 * ```
 */
export function setupHint(
  errno: number,
  flags: number,
  running: [number, number] = kernelVersion(),
): string | undefined {
  if (errno === Errno.EPERM) {
    const disabled = readProc("/proc/sys/kernel/io_uring_disabled");
    if (disabled === "2") {
      return "io_uring is disabled on this system by sysctl kernel.io_uring_disabled=2 (set it to 0 to enable)";
    }
    if (disabled === "1") {
      return "sysctl kernel.io_uring_disabled=1 limits io_uring to members of kernel.io_uring_group and CAP_SYS_ADMIN";
    }
    return "io_uring_setup was refused: a seccomp filter (container runtimes' default profiles block io_uring) or an LSM policy denies it";
  }
  if (errno === Errno.ENOSYS) {
    return "the kernel has no io_uring (CONFIG_IO_URING off, or a seccomp filter answers ENOSYS)";
  }
  if (errno === Errno.ENOMEM) return memlockHint();
  if (errno === Errno.EINVAL) {
    const names = Object.keys(SetupFlag) as (keyof typeof SetupFlag)[];
    const reasons = names
      .filter((name) => flags & SetupFlag[name] && !kernelAtLeast(SETUP_FLAG_SINCE[name], running))
      .map((name) => `IORING_SETUP_${name} needs Linux ${SETUP_FLAG_SINCE[name]}`);
    const known = names.reduce((all, name) => all | SetupFlag[name], 0);
    const unknown = (flags & ~known) >>> 0;
    if (unknown) reasons.push(`setup flag bits 0x${unknown.toString(16)} are unknown to jsuring and this kernel`);
    if (reasons.length) return `${reasons.join("; ")} (this is Linux ${running[0]}.${running[1]})`;
  }
  return undefined;
}

/**
 * A hint for a registration (`io_uring_register`) failure.
 *
 * @example
 * ```ts
 * import { registerHint } from "./hints.ts";
 * console.log(registerHint(12));
 * ```
 */
export function registerHint(errno: number): string | undefined {
  return errno === Errno.ENOMEM ? memlockHint() : undefined;
}

/**
 * A hint when hugetlb memory could not be had.
 *
 * @example
 * ```ts
 * import { hugepageHint } from "./hints.ts";
 * console.log(hugepageHint());
 * ```
 */
export function hugepageHint(): string {
  const n = readProc("/proc/sys/vm/nr_hugepages");
  return n === "0" || n === undefined
    ? "no hugepages are reserved: reserve some with `echo 16 > /proc/sys/vm/nr_hugepages` (root), or use memory: \"thp\"/\"pages\""
    : `all ${n} reserved hugepages are in use: reserve more in /proc/sys/vm/nr_hugepages`;
}
