/**
 * TCP echo with direct descriptors against the same server with regular
 * ones, in one run: `server.directConnections()` (accept_direct into the
 * ring's file table, every recv/send with IOSQE_FIXED_FILE) vs
 * `server.connections()` (a descriptor per connection). Each on its own
 * default `AsyncRing`; load from `bench/echo_client.c` (C + epoll, built
 * into bench/out/), N connections each echoing one message at a time,
 * verified. `--rounds=R` alternates the order and keeps each point's median.
 *
 * usage: deno run -A bench/direct.ts [--seconds=S] [--conns=64,1000] [--sizes=1024] [--rounds=3]
 *        bun bench/direct.ts ...
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { AsyncRing, listen } from "../mod.ts";
import { emit, IMPL, note, parseArgs, RUNTIME } from "./_util.ts";

const own = new Map<string, string>();
const argv = process.argv.slice(2).filter((a) => {
  const m = /^--(conns|sizes|rounds)=(.*)$/.exec(a);
  if (m) own.set(m[1], m[2]);
  return !m;
});
const args = parseArgs(argv);
const list = (s: string) => s.split(",").filter(Boolean).map(Number);
const CONNS = list(own.get("conns") ?? "64,1000");
const SIZES = list(own.get("sizes") ?? "1024");
const ROUNDS = Number(own.get("rounds") ?? 3);

const src = fileURLToPath(new URL("./echo_client.c", import.meta.url));
const outDir = fileURLToPath(new URL("./out/", import.meta.url));
const client = `${outDir}echo_client`;
if (!existsSync(client) || statSync(client).mtimeMs < statSync(src).mtimeMs) {
  mkdirSync(outDir, { recursive: true });
  const r = spawnSync("cc", ["-O2", "-Wall", "-Wextra", "-Werror", "-o", client, src], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`building echo_client: ${r.stderr}`);
}

function runClient(port: number, conns: number, size: number): Promise<{ round_trips_per_sec: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(client, [String(port), String(conns), String(size), String(args.seconds)]);
    let out = "", err = "";
    p.stdout.on("data", (d: Uint8Array) => (out += new TextDecoder().decode(d)));
    p.stderr.on("data", (d: Uint8Array) => (err += new TextDecoder().decode(d)));
    p.on(
      "close",
      (code: number) => code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`client: ${code} ${err}`)),
    );
  });
}

const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

async function server(direct: boolean) {
  const ring = AsyncRing.create();
  const srv = await listen({ ring });
  const echo = async (conn: {
    chunks(): AsyncIterable<Uint8Array>;
    sendAll(b: Uint8Array): Promise<unknown>;
    close(): Promise<void>;
  }) => {
    try {
      for await (const chunk of conn.chunks()) await conn.sendAll(chunk);
    } catch { /* the client went away */ }
    await conn.close();
  };
  const loop = (async () => {
    for await (
      const conn of direct ? srv.directConnections({ fileTable: { size: 4096 } }) : srv.connections()
    ) {
      void echo(conn);
    }
  })().catch((e) => note(`accept loop: ${e}`));
  return {
    impl: direct ? `${IMPL}-direct` : IMPL,
    port: srv.port,
    stop: async () => {
      await srv.close();
      await loop;
      ring.close();
    },
  };
}

const servers = [await server(false), await server(true)];
note(`runtime ${RUNTIME}, ${args.seconds} s per point, ${ROUNDS} rounds, load ${loadavg()}`);
const results = new Map<string, number[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (const conns of CONNS) {
    for (const size of SIZES) {
      const order = round % 2 ? [...servers].reverse() : servers;
      for (const s of order) {
        const r = await runClient(s.port, conns, size);
        emit({ bench: "echo-direct", impl: s.impl, conns, msg_bytes: size, round, ...r, load: loadavg() });
        const key = `${conns}|${size}|${s.impl}`;
        results.set(key, [...(results.get(key) ?? []), r.round_trips_per_sec]);
      }
    }
  }
}
for (const s of servers) await s.stop();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.error(
  "\n| conns | bytes | regular fds (median) | direct (median) | direct ÷ regular |\n|---|---|---|---|---|",
);
for (const conns of CONNS) {
  for (const size of SIZES) {
    const a = median(results.get(`${conns}|${size}|${IMPL}`)!),
      b = median(results.get(`${conns}|${size}|${IMPL}-direct`)!);
    console.error(`| ${conns} | ${size} | ${a} | ${b} | ${(b / a).toFixed(2)} |`);
  }
}
