/**
 * Compile and run small C programs from tests, with node:child_process so the
 * same code runs under `deno test` and `bun test`. Binaries are cached in the
 * git-ignored `.cache/cbuild/`, keyed by a hash of the source, the compiler
 * command line and the contents of any header files the caller names.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** The repository root (this file is in tests/). */
export const ROOT: string = fileURLToPath(new URL("..", import.meta.url));

const CACHE = join(ROOT, ".cache", "cbuild");

/** Whether `gcc` can be run. */
export function hasGcc(): boolean {
  const r = spawnSync("gcc", ["--version"], { encoding: "utf8" });
  return r.status === 0;
}

/** Result of {@linkcode buildC}: the executable, or the compiler's errors. */
export type BuildResult =
  | { readonly ok: true; readonly exe: string; readonly cached: boolean }
  | { readonly ok: false; readonly stderr: string; readonly source: string };

/** Options of {@linkcode buildC}. */
export interface BuildOptions {
  /** Flags before the source file, e.g. `-I` dirs. */
  cflags?: readonly string[];
  /** Flags after the source file, e.g. `-luring`. */
  libs?: readonly string[];
  /** Files whose contents also key the cache (headers outside the system dirs). */
  deps?: readonly string[];
}

/**
 * Compile `source` (C) to an executable named after `name` in `.cache/cbuild/`,
 * reusing an earlier build of the same inputs.
 */
export function buildC(name: string, source: string, options: BuildOptions = {}): BuildResult {
  const cflags = ["-O1", "-Wall", ...(options.cflags ?? [])];
  const libs = options.libs ?? [];
  const h = createHash("sha256");
  h.update(source).update("\0").update(cflags.join(" ")).update("\0").update(libs.join(" "));
  for (const dep of options.deps ?? []) h.update("\0").update(readFileSync(dep));
  const key = h.digest("hex").slice(0, 16);
  mkdirSync(CACHE, { recursive: true });
  const exe = join(CACHE, `${name}-${key}`);
  if (existsSync(exe)) return { ok: true, exe, cached: true };
  // Private temporary names, renamed into place: concurrent test runs (deno
  // and bun at once) never see a half-written binary.
  const tmp = `${exe}.${process.pid}.${Date.now()}`;
  const src = `${tmp}.c`;
  writeFileSync(src, source);
  const r = spawnSync("gcc", [...cflags, "-o", tmp, src, ...libs], { encoding: "utf8" });
  if (r.status !== 0) {
    // Keep the source for reading gcc's line numbers, under one name per input.
    rmSync(tmp, { force: true });
    renameSync(src, `${exe}.failed.c`);
    return {
      ok: false,
      stderr: `${r.stderr ?? ""}${r.error ? String(r.error) : ""}`,
      source: `${exe}.failed.c`,
    };
  }
  rmSync(src, { force: true });
  renameSync(tmp, exe);
  return { ok: true, exe, cached: false };
}

/** Run `exe` and return its stdout; throws with its stderr if it fails. */
export function runExe(exe: string, args: readonly string[] = []): string {
  const r = spawnSync(exe, args, { encoding: "utf8" });
  if (r.status !== 0) {
    throw new Error(`${exe} exited with ${r.status ?? r.signal}: ${r.stderr ?? ""}${r.error ?? ""}`);
  }
  return r.stdout;
}

/** Parse `key value` lines into a map (the format the test programs print). */
export function parseLines(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    if (!line) continue;
    const sp = line.indexOf(" ");
    out.set(line.slice(0, sp), line.slice(sp + 1));
  }
  return out;
}

/** Run a shell script (e.g. `scripts/uapi.sh`); stdout's last line, or the failure as text. */
export function runScript(
  script: string,
  args: readonly string[] = [],
): { ok: true; line: string } | { ok: false; reason: string } {
  const r = spawnSync("sh", [script, ...args], { encoding: "utf8" });
  if (r.status !== 0) {
    const err = (r.stderr ?? "").trim().split("\n").slice(-3).join(" | ");
    return { ok: false, reason: `${script} failed (${r.status ?? r.signal}): ${err || r.error}` };
  }
  const lines = r.stdout.trim().split("\n");
  return { ok: true, line: lines[lines.length - 1] };
}
