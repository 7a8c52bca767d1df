/**
 * Shared test helpers: temporary files with known contents, forced GC, and
 * skips that say why. Tests use only node:test and node:assert/strict so the
 * same files run under `deno test` and `bun test`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getNative } from "../src/runtime/_ffi.ts";
import { kernelAtLeast } from "../src/errors/hints.ts";

/** A fresh temporary directory, removed by the returned dispose. */
export function tempDir(): { path: string } & Disposable {
  const path = mkdtempSync(join(tmpdir(), "jsuring-test-"));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

/** Deterministic pseudo-random bytes (xorshift32), so data can be verified. */
export function pattern(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Write `data` to a new file in `dir` and return its path. */
export function fileWith(dir: string, name: string, data: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

/** Force a full garbage collection; throws if the runtime was not started with one available. */
export function forceGc(): void {
  if (!getNative().gc()) {
    throw new Error("no forced GC: run deno test with --v8-flags=--expose-gc");
  }
}

/** Skip reason ("requires Linux X.Y: what") if the running kernel is older than `version`, else false. */
export function needsKernel(version: string, what: string): string | false {
  return kernelAtLeast(version) ? false : `requires Linux ${version}: ${what}`;
}

/** Whether we run as root (tests that change sysctls need it). */
export function isRoot(): boolean {
  // deno-lint-ignore no-explicit-any
  const p = (globalThis as any).process;
  return typeof p?.getuid === "function" && p.getuid() === 0;
}

/** Current value of a sysctl under /proc/sys, or undefined. */
export { readFileSync } from "node:fs";

/**
 * Use as `test(name, { skip: skipIf(reason) }, fn)`: prints the reason (deno
 * test does not) and returns it for the runner. `false`/`undefined` runs the test.
 */
export function skipIf(reason: string | false | undefined): string | false {
  if (reason) console.log(`# skip: ${reason}`);
  return reason || false;
}
