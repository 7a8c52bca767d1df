// The `./serve` command line, run as users run it: Deno with only
// --allow-ffi and --allow-read=<root>, and Bun; SIGTERM/SIGINT stop it gracefully.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { Buffer } from "node:buffer";
import process from "node:process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { curl, fixture } from "./_http.ts";

// bun runs node:test with a 5 s default: these start servers, threads and processes under load.
const T = { timeout: 120_000 };

const SERVE = fileURLToPath(new URL("../src/http/serve.ts", import.meta.url));
const DENO = fileURLToPath(new URL("../node_modules/.bin/deno", import.meta.url));
const BUN = fileURLToPath(new URL("../node_modules/.bin/bun", import.meta.url));

function run(cmd: string, args: string[]) {
  const child = spawn(cmd, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  let out = "", err = "";
  child.stdout.on("data", (d) => out += d);
  child.stderr.on("data", (d) => err += d);
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const listening = new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no listening line; stdout ${out} stderr ${err}`)), 110_000);
    const check = () => {
      const m = /listening on (http:\/\/[^\s]+\/)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    };
    child.stdout.on("data", check);
    exited.then(() => {
      clearTimeout(t);
      reject(new Error(`exited: ${err}`));
    });
  });
  listening.catch(() => {}); // awaited only where the server is expected to start
  // process.kill, not child.kill: Deno's child_process reports a signal it sent
  // itself as the exit cause even when the child caught it and exited 0.
  const signal = (sig: "SIGTERM" | "SIGINT") => process.kill(child.pid!, sig);
  return { child, exited, listening, signal, output: () => out, errors: () => err };
}

/** GET `path` over a raw socket; `onFirstBytes` runs when the response starts; resolves with the body. */
function getWhileSignalled(url: string, path: string, onFirstBytes: () => void): Promise<Uint8Array> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = connect({ host: hostname, port: Number(port) }, () => {
      sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    });
    sock.once("data", onFirstBytes);
    sock.on("data", (d: Buffer) => chunks.push(d));
    sock.on("error", reject);
    sock.on("end", () => {
      const all = Buffer.concat(chunks);
      const head = all.indexOf("\r\n\r\n");
      if (head < 0) return reject(new Error(`no response head: ${all.subarray(0, 200)}`));
      resolve(new Uint8Array(all.subarray(head + 4)));
    });
  });
}

const RUNTIMES: [string, (root: string, flags: string[]) => [string, string[]]][] = [
  ["deno", (root, flags) => [DENO, ["run", "--allow-ffi", `--allow-read=${root}`, SERVE, root, ...flags]]],
  ["bun", (root, flags) => [BUN, ["run", SERVE, root, ...flags]]],
];

for (const [name, argv] of RUNTIMES) {
  test(`serve CLI on ${name}: listening line, flags, access log, graceful SIGTERM`, T, async () => {
    const fx = fixture();
    try {
      const [cmd, args] = argv(fx.root, ["--port", "0", "--host", "127.0.0.1", "--cors", "--log"]);
      const p = run(cmd, args);
      const url = await p.listening;
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const r = await curl([`${url}a.txt`]);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get("access-control-allow-origin"), "*");
      assert.equal((await curl([`${url}.env`])).status, 404, "dotfiles hidden by default");
      assert.deepEqual((await curl([`${url}big.bin`])).body, fx.big);
      // SIGTERM once the response has begun (its first bytes arrived), not after a
      // fixed delay: under load a delay can fire before the request is even sent.
      const inflight = await getWhileSignalled(url, "/big.bin", () => p.signal("SIGTERM"));
      assert.deepEqual(inflight, fx.big, "the request in flight completed");
      assert.equal(await p.exited, 0, p.errors());
      // One line per response: client address, time, request line, status, bytes.
      assert.match(
        p.output(),
        /^127\.0\.0\.1:\d+ \d{4}-\d\d-\d\dT[\d:.]+Z "GET \/a\.txt HTTP\/1\.1" 200 \d+$/m,
      );
    } finally {
      rmSync(fx.base, { recursive: true, force: true });
    }
  });

  test(`serve CLI on ${name}: --dotfiles, --no-index, --listing; SIGINT; bad flags`, T, async () => {
    const fx = fixture();
    try {
      const [cmd, args] = argv(fx.root, [
        "--port",
        "0",
        "--host",
        "127.0.0.1",
        "--dotfiles",
        "--no-index",
        "--listing",
        "--quiet",
      ]);
      const p = run(cmd, args);
      const url = await p.listening;
      assert.equal((await curl([`${url}.env`])).status, 200);
      const list = await curl([url]);
      assert.match(new TextDecoder().decode(list.body), /Index of \//);
      p.signal("SIGINT");
      assert.equal(await p.exited, 0);
      const [c2, a2] = argv(fx.root, ["--port", "99999"]);
      const bad = run(c2, a2);
      assert.equal(await bad.exited, 2);
      assert.match(bad.errors(), /--port must be 0\.\.65535, got "99999"/);
    } finally {
      rmSync(fx.base, { recursive: true, force: true });
    }
  });
}
