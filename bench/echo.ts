/**
 * TCP echo on loopback: jsuring's net layer against the runtime's own
 * servers, in one run. The servers all run in this process (each jsuring
 * variant on its own ring and port); the load comes from
 * `bench/echo_client.c` (C + epoll, built here with `cc` into bench/out/),
 * the same client for every server: N connections, each sending a message
 * and reading it back (verified), for each message size. For each
 * (connections, size) point every server is measured back to back, so the
 * ratios compare runs seconds apart on a shared machine; `--rounds=R`
 * repeats the whole sweep R times, alternating the order, and the table
 * keeps each point's median.
 *
 * usage: deno run -A bench/echo.ts [--seconds=S] [--only=PARTS] [--conns=64,1000]
 *          [--sizes=1024,65536] [--variants=default,plain,...] [--rounds=R]
 *        bun bench/echo.ts ...
 *
 * Parts: jsuring (every variant in --variants), runtime (Deno.listen /
 * Bun.listen), nodenet (node:net). Variants (see VARIANTS below): one ring
 * configuration and send policy each, so every default is measured with and
 * without it. A variant whose option this version does not have is skipped.
 *
 * Output, one JSON line per point, then a markdown table (stderr) of each
 * point's median with its ratio to the fastest runtime API of that point:
 *   {"bench":"echo","impl":"jsuring-bun","variant":"default","conns":64,"msg_bytes":1024,"round_trips_per_sec":N,...}
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import * as nodeNet from "node:net";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { AsyncRing, type AsyncRingOptions, listen, type TcpListener } from "../mod.ts";
import { RING_OPTION_KEYS } from "../src/ring/setup.ts";
import { setRegisterRingFd } from "../src/ring/_enter.ts";
import { setSpinTurns } from "../src/async/_core.ts";
import { emit, IMPL, note, parseArgs, RUNTIME, wanted } from "./_util.ts";

// Own flags first (parseArgs refuses unknown ones).
const own = new Map<string, string>();
const argv = process.argv.slice(2).filter((a) => {
  const m = /^--(conns|sizes|variants|rounds)=(.*)$/.exec(a);
  if (m) own.set(m[1], m[2]);
  return !m;
});
const args = parseArgs(argv);
const list = (s: string) => s.split(",").filter(Boolean);
const CONNS = list(own.get("conns") ?? "64,1000").map(Number);
const SIZES = list(own.get("sizes") ?? "1024,65536").map(Number);
const ROUNDS = Number(own.get("rounds") ?? 1);
// deno-lint-ignore no-explicit-any
const g = globalThis as any;

interface Variant {
  /** The ring's options (explicit, so the variant means the same whatever the defaults are). */
  ring: AsyncRingOptions & Record<string, unknown>;
  /** Send options (`undefined`: the library's default policy). */
  send?: { zeroCopy: boolean };
  /** Register the ring fd (IORING_REGISTER_RING_FDS; `undefined`: the library's default). */
  regfd?: boolean;
  /** Event-loop turns a busy ring polls its CQ before arming the waker (`undefined`: the default). */
  spin?: number;
  /** Receive options (`undefined`: the library's defaults). */
  recv?: { bufferSize?: number; buffers?: number };
  /** Only at these sizes (SEND_ZC is pointless at 1 KiB). */
  sizes?: number[];
}

const DEFER = { singleIssuer: true, deferTaskrun: true };
/**
 * Each ring option and send policy on and off. `default` is what a user who
 * passes nothing gets; the others say every flag explicitly.
 */
const VARIANTS: Record<string, Variant> = {
  default: { ring: {} },
  // No setup flags: the AsyncRing default before this bench chose one.
  plain: { ring: { singleIssuer: false, deferTaskrun: false, taskrunFlag: false, coopTaskrun: false } },
  "single-issuer": { ring: { singleIssuer: true, deferTaskrun: false } },
  defer: { ring: { ...DEFER, taskrunFlag: false } },
  "defer+taskrun-flag": { ring: { ...DEFER, taskrunFlag: true } },
  "defer+coop": { ring: { ...DEFER, coopTaskrun: true, taskrunFlag: true } },
  "default-no-regfd": { ring: {}, regfd: false },
  "default+spin1": { ring: {}, spin: 1 },
  "default+spin4": { ring: {}, spin: 4 },
  "default-spin": { ring: {}, spin: 0 },
  "plain+regfd": { ring: { singleIssuer: false, deferTaskrun: false }, regfd: true },
  "plain-no-regfd": { ring: { singleIssuer: false, deferTaskrun: false }, regfd: false },
  "default+zc": { ring: {}, send: { zeroCopy: true }, sizes: [65536] },
  "default-zc": { ring: {}, send: { zeroCopy: false }, sizes: [65536] },
  "default+bufs4096": { ring: {}, recv: { buffers: 4096 } },
  "default+64k-bufs1024": { ring: {}, recv: { bufferSize: 65536, buffers: 1024 } },
  "defer+recv64k": { ring: DEFER, recv: { bufferSize: 65536, buffers: 256 } },
  "defer+recv64k+zc": {
    ring: DEFER,
    recv: { bufferSize: 65536, buffers: 256 },
    send: { zeroCopy: true },
    sizes: [65536],
  },
  "plain+zc": {
    ring: { singleIssuer: false, deferTaskrun: false },
    send: { zeroCopy: true },
    sizes: [65536],
  },
};
const VARIANT_NAMES = list(
  own.get("variants") ?? "default,plain,defer,defer+taskrun-flag,default-no-regfd,default+zc",
);

const src = fileURLToPath(new URL("./echo_client.c", import.meta.url));
const outDir = fileURLToPath(new URL("./out/", import.meta.url));
const client = `${outDir}echo_client`;
if (!existsSync(client) || statSync(client).mtimeMs < statSync(src).mtimeMs) {
  mkdirSync(outDir, { recursive: true });
  const r = spawnSync("cc", ["-O2", "-Wall", "-Wextra", "-Werror", "-o", client, src], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`building echo_client: ${r.stderr}`);
}

function runClient(
  port: number,
  conns: number,
  size: number,
): Promise<{ round_trips_per_sec: number; mb_per_sec: number; errors: number }> {
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

function cpuSeconds(): number {
  const f = readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

interface Server {
  impl: string;
  variant?: string;
  port: number;
  sizes?: number[];
  stop(): Promise<void>;
}

const servers: Server[] = [];

if (wanted(args, "jsuring")) {
  for (const name of VARIANT_NAMES) {
    const v = VARIANTS[name];
    if (!v) throw new TypeError(`unknown variant ${name}: one of ${Object.keys(VARIANTS).join(", ")}`);
    const missing = Object.keys(v.ring).filter((k) => !RING_OPTION_KEYS.includes(k));
    if (missing.length) {
      note(`variant ${name} skipped: this version has no ring option ${missing.join(", ")}`);
      continue;
    }
    let ring: AsyncRing;
    let spinWas: number | undefined;
    try {
      if (v.regfd !== undefined) setRegisterRingFd(v.regfd);
      if (v.spin !== undefined) spinWas = setSpinTurns(v.spin);
      ring = AsyncRing.create({ entries: 256, ...v.ring });
    } catch (e) {
      note(`variant ${name} skipped: ${(e as Error).message}`);
      continue;
    } finally {
      setRegisterRingFd(true);
      if (spinWas !== undefined) setSpinTurns(spinWas);
    }
    const server: TcpListener = await listen({ ring });
    const send = v.send, recv = v.recv;
    const loop = (async () => {
      for await (const conn of server) {
        (async () => {
          try {
            for await (const chunk of conn.chunks(recv)) {
              await (send ? conn.sendAll(chunk, send) : conn.sendAll(chunk));
            }
          } catch { /* client went away */ }
          await conn.close();
        })();
      }
    })();
    servers.push({
      impl: IMPL,
      variant: name,
      port: server.port,
      sizes: v.sizes,
      stop: async () => {
        await server.close();
        await loop;
        ring.close();
      },
    });
  }
}

if (wanted(args, "runtime")) {
  if (RUNTIME === "deno") {
    const l = g.Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const loop = (async () => {
      for await (const c of l) {
        c.setNoDelay(true);
        (async () => {
          const buf = new Uint8Array(64 * 1024);
          try {
            for (;;) {
              const n = await c.read(buf);
              if (n === null) break;
              let off = 0;
              while (off < n) off += await c.write(buf.subarray(off, n));
            }
          } catch { /* reset */ }
          try {
            c.close();
          } catch { /* closed */ }
        })();
      }
    })().catch(() => {});
    servers.push({
      impl: "deno-listen",
      port: l.addr.port,
      stop: async () => {
        l.close();
        await loop;
      },
    });
  } else {
    type S = { write(b: Uint8Array): number; data: { pending: Uint8Array[] } };
    const server = g.Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        // Bun.listen write() may be partial: queue the rest until drain.
        open(s: { data: unknown }) {
          s.data = { pending: [] as Uint8Array[] };
        },
        data(s: S, chunk: Uint8Array) {
          const st = s.data;
          if (st.pending.length) {
            st.pending.push(chunk.slice());
            return;
          }
          const n = s.write(chunk);
          if (n < chunk.length) st.pending.push(chunk.slice(n));
        },
        drain(s: S) {
          const st = s.data;
          while (st.pending.length) {
            const b = st.pending[0];
            const n = s.write(b);
            if (n < b.length) {
              st.pending[0] = b.subarray(n);
              return;
            }
            st.pending.shift();
          }
        },
      },
    });
    servers.push({
      impl: "bun-listen",
      port: server.port,
      stop: () => {
        server.stop(true);
        return Promise.resolve();
      },
    });
  }
}

if (wanted(args, "nodenet")) {
  const server = nodeNet.createServer({ noDelay: true }, (s) => {
    s.on("data", (d) => s.write(d));
    s.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen({ port: 0, host: "127.0.0.1", backlog: 2048 }, r));
  servers.push({
    impl: `nodenet-${RUNTIME}`,
    port: (server.address() as nodeNet.AddressInfo).port,
    stop: () => new Promise((r) => server.close(() => r())),
  });
}

const results = new Map<string, number[]>(); // "impl|variant|conns|size" → rates
note(`load average at start: ${loadavg()}`);
for (let round = 0; round < ROUNDS; round++) {
  for (const conns of CONNS) {
    for (const size of SIZES) {
      const order = round % 2 ? [...servers].reverse() : servers;
      for (const s of order) {
        if (s.sizes && !s.sizes.includes(size)) continue;
        const load = loadavg();
        const c0 = cpuSeconds(), t0 = performance.now();
        const r = await runClient(s.port, conns, size);
        // The server's CPU over the client's run (warm-up included): round
        // trips per server CPU-second is the figure least moved by a noisy machine.
        const cpu = cpuSeconds() - c0, wall = (performance.now() - t0) / 1000;
        if (r.errors) note(`${s.impl} ${s.variant ?? ""} ${conns}×${size}: ${r.errors} errors`);
        emit({
          bench: "echo",
          impl: s.impl,
          ...(s.variant ? { variant: s.variant } : {}),
          conns,
          msg_bytes: size,
          ...r,
          server_cpu_percent: +((cpu / wall) * 100).toFixed(1),
          round_trips_per_cpu_sec: Math.round(r.round_trips_per_sec / Math.max(cpu / wall, 0.01)),
          loadavg: load,
        });
        const key = `${s.impl}|${s.variant ?? ""}|${conns}|${size}`;
        results.set(key, [...(results.get(key) ?? []), r.round_trips_per_sec]);
      }
    }
  }
}
note(`load average at end: ${loadavg()}`);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const lines = [
  `| ${RUNTIME} | conns | bytes | round trips/s | × fastest runtime API |`,
  "|---|---:|---:|---:|---:|",
];
for (const conns of CONNS) {
  for (const size of SIZES) {
    const rate = (s: Server) => {
      const xs = results.get(`${s.impl}|${s.variant ?? ""}|${conns}|${size}`);
      return xs ? median(xs) : undefined;
    };
    const apis = servers.filter((s) => !s.impl.startsWith("jsuring"));
    const best = Math.max(0, ...apis.map((s) => rate(s) ?? 0));
    for (const s of servers) {
      const r = rate(s);
      if (r === undefined) continue;
      const label = s.variant ? `${s.impl} ${s.variant}` : s.impl;
      lines.push(
        `| ${label} | ${conns} | ${size} | ${Math.round(r)} | ${best ? (r / best).toFixed(2) : "–"} |`,
      );
    }
  }
}
console.error(lines.join("\n"));

for (const s of servers) await s.stop();
note("echo done");
g.process?.exit?.(0); // servers' sockets may linger
