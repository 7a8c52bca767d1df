/**
 * Use the package the way people who install it do (issue 10): no checkout,
 * no compiler, no JSURING_* variables.
 *
 *   deno run -A scripts/consumer_test.ts consumer-deno   jsr: the publish set served over HTTP with jsr's
 *                                                        layout, `deno add jsr:@jsuring/jsuring` in an
 *                                                        empty directory, then `deno run --allow-ffi`
 *   deno run -A scripts/consumer_test.ts consumer-bun    jsr's npm layout: node_modules/@jsr/jsuring__jsuring
 *                                                        (transpiled to .js as jsr does), then `bun run`
 *   deno run -A scripts/consumer_test.ts readme-deno     every code block of README.md, verbatim, as a
 *   deno run -A scripts/consumer_test.ts readme-bun      program in such a directory, with the README's flags
 *   deno run -A scripts/consumer_test.ts permissions     the README's Deno flags give what -A gives
 *
 * Deno's own registry settings are set for the children (JSR_URL pointing at
 * the local server, and a fresh DENO_DIR): the stand-in for jsr.io, which is
 * not reachable from here. Prints what it did; exits non-zero on a failure.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";

const root = fileURLToPath(new URL("..", import.meta.url));
const deno = join(root, "node_modules/.bin/deno");
const bun = join(root, "node_modules/.bin/bun");
const config = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
const [scope, name] = config.name.slice(1).split("/");
const version: string = config.version;
const what = process.argv[2] ?? "consumer-deno";
const timeoutMs = 60_000;

// Asynchronous: the stand-in registry is served from this same process.
function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}, timeout = timeoutMs): Promise<{
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  ok: boolean;
}> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd,
      timeout,
      // A clean environment: PATH and HOME only, plus what the caller names.
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: cwd, NO_COLOR: "1", ...env },
    });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => stdout += d);
    child.stderr.on("data", (d) => stderr += d);
    child.on("close", (status) => {
      resolve({ status, stdout, stderr, ms: performance.now() - started, ok: status === 0 });
    });
  });
}

function fail(message: string): never {
  console.error(`FAIL ${what}: ${message}`);
  process.exit(1);
}

/** The files `deno publish` would upload, relative to the package root ("/mod.ts"). */
async function publishSet(): Promise<string[]> {
  // It type-checks the package first: minutes on a loaded machine.
  const denoDir: Record<string, string> = process.env.DENO_DIR ? { DENO_DIR: process.env.DENO_DIR } : {};
  const r = await run(deno, ["publish", "--dry-run", "--allow-dirty"], root, { HOME: process.env.HOME ?? root, ...denoDir }, 600_000);
  if (!r.ok) fail(`deno publish --dry-run exited ${r.status}:\n${r.stderr}`);
  const files = [...(r.stdout + r.stderr).matchAll(/^\s+file:\/\/(\S+) \(/gm)].map((m) =>
    m[1].slice(root.length - 1)
  );
  if (!files.includes("/mod.ts")) fail(`no mod.ts in the publish set:\n${r.stderr}`);
  return files;
}

const files = await publishSet();
const TYPES: Record<string, string> = {
  ts: "application/typescript; charset=utf-8",
  json: "application/json",
  md: "text/markdown",
  c: "text/x-c",
  h: "text/x-c",
};

/** A stand-in for jsr.io: meta.json, <version>_meta.json with the manifest, and the files. */
function serveJsr(): { url: string; close(): Promise<void> } {
  const manifest: Record<string, { size: number; checksum: string }> = {};
  for (const f of files) {
    const bytes = readFileSync(join(root, f));
    manifest[f] = { size: bytes.length, checksum: `sha256-${createHash("sha256").update(bytes).digest("hex")}` };
  }
  const base = `/@${scope}/${name}`;
  const exports = typeof config.exports === "string" ? { ".": config.exports } : config.exports;
  // deno-lint-ignore no-explicit-any
  const server = (globalThis as any).Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req: Request) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    if (path === `${base}/meta.json`) {
      return Response.json({ scope, name, latest: version, versions: { [version]: {} } });
    }
    if (path === `${base}/${version}_meta.json`) return Response.json({ manifest, exports });
    const prefix = `${base}/${version}`;
    if (path.startsWith(prefix) && manifest[path.slice(prefix.length)]) {
      const f = path.slice(prefix.length);
      return new Response(readFileSync(join(root, f)), {
        headers: { "content-type": TYPES[f.split(".").pop()!] ?? "application/octet-stream" },
      });
    }
    return new Response("not found", { status: 404 });
  });
  return { url: `http://127.0.0.1:${server.addr.port}/`, close: () => server.shutdown() };
}

/** An empty directory where `deno add jsr:@jsuring/jsuring` was run against the local registry. */
async function denoProject(jsrUrl: string): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = mkdtempSync(join(tmpdir(), "jsuring-consumer-deno-"));
  const env = { JSR_URL: jsrUrl, DENO_DIR: join(dir, ".deno") };
  const add = await run(deno, ["add", `jsr:@${scope}/${name}`], dir, env);
  if (!add.ok) fail(`deno add jsr:@${scope}/${name} failed (${add.status}):\n${add.stdout}\n${add.stderr}`);
  return { dir, env };
}

/**
 * An empty directory with the package installed as jsr's npm compatibility
 * layer installs it: node_modules/@jsr/<scope>__<name>, .ts transpiled to .js
 * with the import specifiers rewritten, other files as they are; the
 * dependency under its own name, as `bunx jsr add` records it.
 */
async function bunProject(): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = mkdtempSync(join(tmpdir(), "jsuring-consumer-bun-"));
  const pkgName = `@jsr/${scope}__${name}`;
  const pkg = join(dir, "node_modules", pkgName);
  const list = join(dir, "files.json");
  writeFileSync(list, JSON.stringify(files));
  const t = await run(bun, [join(root, "scripts/_jsr_npm.ts"), root, list, pkg], dir);
  if (!t.ok) fail(`transpiling for the npm layout failed:\n${t.stderr}`);
  writeFileSync(
    join(pkg, "package.json"),
    JSON.stringify({ name: pkgName, version, type: "module", exports: { ".": { types: "./mod.d.ts", default: "./mod.js" } } }),
  );
  mkdirSync(join(dir, "node_modules", `@${scope}`), { recursive: true });
  symlinkSync(join("..", "@jsr", `${scope}__${name}`), join(dir, "node_modules", `@${scope}`, name));
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ type: "module", dependencies: { [`@${scope}/${name}`]: `npm:${pkgName}@^${version}` } }),
  );
  rmSync(list);
  return { dir, env: {} };
}

function check(cond: unknown, message: string): asserts cond {
  if (!cond) fail(message);
}

async function consumer(runtime: "deno" | "bun") {
  const server = runtime === "deno" ? serveJsr() : undefined;
  try {
    const { dir, env } = runtime === "deno" ? await denoProject(server!.url) : await bunProject();
    cpSync(join(root, "tests/consumer/main.ts"), join(dir, "main.ts"));
    const data = join(dir, "data.txt");
    writeFileSync(data, "jsuring consumer test\n".repeat(100));
    const args = runtime === "deno" ? ["run", "--allow-ffi", "main.ts", data] : ["run", "main.ts", data];
    const r = await run(runtime === "deno" ? deno : bun, args, dir, env);
    check(r.ok, `${runtime} ${args.join(" ")} exited ${r.status}:\n${r.stderr}`);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
    check(out.ringRead === 2200 && out.asyncRead === 2200, `read sizes: ${r.stdout}`);
    check(out.echo === "hello through io_uring", `echo: ${r.stdout}`);
    check(out.memory === "user" || out.fallback.length > 0, `kernel memory with no reason: ${r.stdout}`);
    console.log(`${what}: ok in ${r.ms.toFixed(0)} ms (${runtime} ${args.slice(0, -2).join(" ")}): ${r.stdout.trim()}`);
    rmSync(dir, { recursive: true, force: true });
  } finally {
    await server?.close();
  }
}

const DENO_RUN = /`deno run ((?:--[\w-]+(?:=\S+)? )*)main\.ts`/g;

/**
 * README.md's code blocks, each with the Deno flags the README states for it:
 * the last "`deno run <flags> main.ts`" between the previous block and this
 * one, else the first one in the README (the general rule).
 */
function readmeBlocks(): { lang: string; body: string; line: number; flags: string[] }[] {
  const text = readFileSync(join(root, "README.md"), "utf8");
  const general = [...text.matchAll(DENO_RUN)][0];
  if (!general) fail("README.md states no `deno run <flags> main.ts` line");
  const flagsOf = (m: RegExpMatchArray) => m[1].trim().split(/\s+/).filter(Boolean);
  const blocks = [];
  let last = 0;
  for (const m of text.matchAll(/^```(\w*)\n([\s\S]*?)^```/gm)) {
    const stated = [...text.slice(last, m.index).matchAll(DENO_RUN)].pop();
    blocks.push({
      lang: m[1],
      body: m[2],
      line: text.slice(0, m.index).split("\n").length,
      flags: flagsOf(stated ?? general),
    });
    last = m.index! + m[0].length;
  }
  return blocks;
}

/** The Deno flags README.md states for programs in general. */
function readmeDenoFlags(): string[] {
  return readmeBlocks().find((b) => b.lang === "ts")!.flags;
}

async function readme(runtime: "deno" | "bun") {
  const blocks = readmeBlocks().filter((b) => b.lang === "ts" || b.lang === "js");
  check(blocks.length > 0, "README.md has no ts blocks");
  const server = runtime === "deno" ? serveJsr() : undefined;
  try {
    const { dir, env } = runtime === "deno" ? await denoProject(server!.url) : await bunProject();
    let worst = 0;
    for (const b of blocks) {
      const file = join(dir, "main.ts");
      writeFileSync(file, b.body);
      const args = runtime === "deno" ? ["run", ...b.flags, "main.ts"] : ["run", "main.ts"];
      const r = await run(runtime === "deno" ? deno : bun, args, dir, env);
      check(r.ok, `README.md block at line ${b.line}: ${runtime} ${args.join(" ")} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
      console.log(`  line ${b.line}: \`${runtime} ${args.join(" ")}\` ok in ${r.ms.toFixed(0)} ms`);
      worst = Math.max(worst, r.ms);
    }
    console.log(`${what}: ${blocks.length} code blocks ran verbatim, slowest ${worst.toFixed(0)} ms`);
    const skipped = readmeBlocks().filter((b) => b.lang !== "ts" && b.lang !== "js");
    const install = skipped[0];
    check(
      install?.body.includes(`deno add jsr:@${scope}/${name}\n`) || install?.body.includes(`deno add jsr:@${scope}/${name} `),
      "README.md's first block is not the install lines",
    );
    if (runtime === "deno") {
      console.log(`  line ${install.line}: its \`deno add jsr:@${scope}/${name}\` ran above, against the stand-in registry`);
    }
    for (const b of skipped) {
      console.log(`  not run: ${b.lang || "text"} block at line ${b.line} (${b.lang === "sh" ? "shell commands" : "a listing"})`);
    }
    rmSync(dir, { recursive: true, force: true });
  } finally {
    await server?.close();
  }
}

/** The README's Deno flags and -A give the same memory kind, region and registered waits. */
async function permissions() {
  const flags = readmeDenoFlags();
  const server = serveJsr();
  try {
    const { dir, env } = await denoProject(server.url);
    writeFileSync(
      join(dir, "main.ts"),
      `import { createRingWithRegion, Ring, WaitSlots } from "@${scope}/${name}";
using ring = Ring.create({ entries: 64 });
using r = createRingWithRegion({ entries: 64, waitSlots: 8 });
const waits = new WaitSlots(r.ring);
r.ring.nop();
waits.wait(1, { timeout: 1000 });
console.log(JSON.stringify({
  memory: ring.memory, memoryKind: ring.memoryKind, fallback: ring.fallback,
  region: r.region !== undefined, regionFallback: r.fallback ?? null, waits: waits.path,
}));`,
    );
    const results: Record<string, string> = {};
    for (const f of [flags, ["-A"]]) {
      const r = await run(deno, ["run", ...f, "main.ts"], dir, env);
      check(r.ok, `deno run ${f.join(" ")} exited ${r.status}:\n${r.stderr}`);
      results[f.join(" ")] = r.stdout.trim();
    }
    const [a, b] = Object.values(results);
    check(a === b, `README flags and -A differ:\n  ${Object.entries(results).map(([k, v]) => `${k}: ${v}`).join("\n  ")}`);
    const got = JSON.parse(a);
    const [major, minor] = readFileSync("/proc/sys/kernel/osrelease", "utf8").split(".").map(Number);
    if (major > 6 || major === 6 && minor >= 13) {
      check(got.memory === "user" && got.region && got.waits === "ext_arg_reg", `features missing on ${major}.${minor}: ${a}`);
    }
    console.log(`${what}: \`deno run ${flags.join(" ")}\` and -A agree: ${a}`);
    rmSync(dir, { recursive: true, force: true });
  } finally {
    await server.close();
  }
}

if (what === "consumer-deno") await consumer("deno");
else if (what === "consumer-bun") await consumer("bun");
else if (what === "readme-deno") await readme("deno");
else if (what === "readme-bun") await readme("bun");
else if (what === "permissions") await permissions();
else fail(`unknown test ${what}`);
