/**
 * TCP echo with `reusePort`: N worker processes (this runtime, each with its
 * own default AsyncRing and a `reusePort` listener on the same port) against
 * one, under the same load (`bench/echo_client.c`, as in bench/echo.ts). The
 * kernel spreads connections over the listeners of a SO_REUSEPORT group.
 * Rounds alternate 1 and N workers; the table keeps each point's median and
 * the ratio N/1, with the core count (the client shares the cores).
 *
 * usage: deno run -A bench/echo_reuseport.ts [--seconds=S] [--conns=64,1000]
 *          [--sizes=1024] [--workers=2] [--rounds=R]
 *        bun bench/echo_reuseport.ts ...
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { listen } from "../mod.ts";
import { emit, IMPL, note, parseArgs, RUNTIME } from "./_util.ts";

const own = new Map<string, string>();
const argv = process.argv.slice(2).filter((a) => {
  const m = /^--(conns|sizes|workers|rounds|worker)=(.*)$/.exec(a);
  if (m) own.set(m[1], m[2]);
  return !m;
});

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

if (own.has("worker")) {
  // A worker: listen with reusePort on the given port, echo until killed.
  const server = await listen({ port: Number(own.get("worker")), reusePort: true });
  (async () => {
    for await (const conn of server) {
      (async () => {
        try {
          for await (const chunk of conn.chunks()) await conn.sendAll(chunk);
        } catch { /* client went away */ }
        await conn.close();
      })();
    }
  })();
  console.log("ready");
} else {
  const args = parseArgs(argv);
  const list = (s: string) => s.split(",").filter(Boolean).map(Number);
  const CONNS = list(own.get("conns") ?? "64,1000");
  const SIZES = list(own.get("sizes") ?? "1024");
  const WORKERS = Number(own.get("workers") ?? 2);
  const ROUNDS = Number(own.get("rounds") ?? 2);

  const src = fileURLToPath(new URL("./echo_client.c", import.meta.url));
  const outDir = fileURLToPath(new URL("./out/", import.meta.url));
  const client = `${outDir}echo_client`;
  if (!existsSync(client) || statSync(client).mtimeMs < statSync(src).mtimeMs) {
    mkdirSync(outDir, { recursive: true });
    const r = spawnSync("cc", ["-O2", "-Wall", "-Wextra", "-Werror", "-o", client, src], {
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`building echo_client: ${r.stderr}`);
  }
  const self = fileURLToPath(import.meta.url);
  const exe = RUNTIME === "deno" ? g.Deno.execPath() : process.execPath;
  const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

  // A free port: bind one with reusePort, note it, close it.
  const probe = await listen({ port: 0, reusePort: true });
  const port = probe.port;
  await probe.close();

  const startWorkers = async (n: number) => {
    const procs = Array.from(
      { length: n },
      () =>
        spawn(
          exe,
          RUNTIME === "deno" ? ["run", "-A", self, `--worker=${port}`] : [self, `--worker=${port}`],
          {
            stdio: ["ignore", "pipe", "inherit"],
          },
        ),
    );
    await Promise.all(procs.map((p) =>
      new Promise<void>((resolve, reject) => {
        p.stdout!.on("data", (d: Uint8Array) => {
          if (new TextDecoder().decode(d).includes("ready")) resolve();
        });
        p.on("exit", (code) => reject(new Error(`worker exited with ${code}`)));
      })
    ));
    return procs;
  };

  const runClient = (
    conns: number,
    size: number,
  ): Promise<{ round_trips_per_sec: number; errors: number }> => {
    return new Promise((resolve, reject) => {
      const p = spawn(client, [String(port), String(conns), String(size), String(args.seconds)]);
      let out = "";
      p.stdout.on("data", (d: Uint8Array) => (out += new TextDecoder().decode(d)));
      p.on(
        "close",
        (code: number) => code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`client: ${code}`)),
      );
    });
  };

  const results = new Map<string, number[]>();
  note(`cores: ${os.cpus().length}, load average at start: ${loadavg()}`);
  for (let round = 0; round < ROUNDS; round++) {
    for (const workers of round % 2 ? [WORKERS, 1] : [1, WORKERS]) {
      const procs = await startWorkers(workers);
      for (const conns of CONNS) {
        for (const size of SIZES) {
          const load = loadavg();
          const r = await runClient(conns, size);
          emit({
            bench: "echo_reuseport",
            impl: IMPL,
            workers,
            cores: os.cpus().length,
            conns,
            msg_bytes: size,
            ...r,
            loadavg: load,
          });
          const k = `${workers}|${conns}|${size}`;
          results.set(k, [...(results.get(k) ?? []), r.round_trips_per_sec]);
        }
      }
      for (const p of procs) p.kill();
      await Promise.all(procs.map((p) => new Promise((r) => p.exitCode !== null ? r(0) : p.on("exit", r))));
    }
  }
  note(`load average at end: ${loadavg()}`);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  const lines = [
    `| ${RUNTIME}, ${os.cpus().length} cores | conns | bytes | 1 worker | ${WORKERS} workers | ratio |`,
    "|---|---:|---:|---:|---:|---:|",
  ];
  for (const conns of CONNS) {
    for (const size of SIZES) {
      const one = median(results.get(`1|${conns}|${size}`)!);
      const many = median(results.get(`${WORKERS}|${conns}|${size}`)!);
      lines.push(
        `| ${IMPL} | ${conns} | ${size} | ${Math.round(one)} | ${Math.round(many)} | ${
          (many / one).toFixed(2)
        } |`,
      );
    }
  }
  console.error(lines.join("\n"));
  process.exit(0);
}
