/**
 * UDP echo (ping-pong) on loopback: jsuring's `udpSocket` against the
 * runtime's own datagram APIs, in one run. Every server runs in this process
 * on its own port; the load is `bench/udp_client.c` (C + epoll, built here
 * with `cc` into bench/out/): N sockets, one datagram in flight each, every
 * echo checked. Servers are measured back to back per point, so ratios
 * compare runs seconds apart on a shared machine.
 *
 * usage: deno run -A bench/udp.ts [--seconds=S] [--only=PARTS] [--socks=1,64] [--sizes=64,1024]
 *        bun bench/udp.ts ...
 *
 * Parts: jsuring (`messages()`: one multishot recvmsg into a buffer ring,
 * each echo an awaited `sendTo`), jsuring-single (`receiveFrom` per
 * datagram), dgram (`node:dgram`), bun (`Bun.udpSocket`, under Bun).
 *
 * Output: one JSON line per point, then a markdown table (stderr) with each
 * point's ratio to the runtime's fastest API.
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import * as dgram from "node:dgram";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { AsyncRing, udpSocket } from "../mod.ts";
import { emit, IMPL, note, parseArgs, RUNTIME, wanted } from "./_util.ts";

const own = new Map<string, string>();
const argv = process.argv.slice(2).filter((a) => {
  const m = /^--(socks|sizes)=(.*)$/.exec(a);
  if (m) own.set(m[1], m[2]);
  return !m;
});
const args = parseArgs(argv);
const list = (s: string) => s.split(",").filter(Boolean).map(Number);
const SOCKS = list(own.get("socks") ?? "1,64");
const SIZES = list(own.get("sizes") ?? "64,1024");
// deno-lint-ignore no-explicit-any
const g = globalThis as any;

const src = fileURLToPath(new URL("./udp_client.c", import.meta.url));
const outDir = fileURLToPath(new URL("./out/", import.meta.url));
const client = `${outDir}udp_client`;
if (!existsSync(client) || statSync(client).mtimeMs < statSync(src).mtimeMs) {
  mkdirSync(outDir, { recursive: true });
  const r = spawnSync("cc", ["-O2", "-Wall", "-Wextra", "-Werror", "-o", client, src], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`building udp_client: ${r.stderr}`);
}

function runClient(port: number, socks: number, size: number): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const p = spawn(client, [String(port), String(socks), String(size), String(args.seconds)]);
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

interface Server {
  impl: string;
  port: number;
  stop(): Promise<void>;
}
const servers: Server[] = [];

if (wanted(args, "jsuring")) {
  const ring = AsyncRing.create();
  const sock = await udpSocket({ ring });
  const loop = (async () => {
    // The echo is awaited: d.data is a ring buffer, given back at the next iteration.
    for await (const d of sock.messages({ maxDatagram: 2048, buffers: 256 })) {
      await sock.sendTo(d.data, d.from);
    }
  })();
  servers.push({
    impl: IMPL,
    port: sock.port,
    stop: async () => {
      await sock.close();
      await loop;
      ring.close();
    },
  });
}

if (wanted(args, "jsuring-single")) {
  const ring = AsyncRing.create();
  const sock = await udpSocket({ ring });
  const buf = new Uint8Array(2048);
  const loop = (async () => {
    try {
      while (sock.fd >= 0) {
        const d = await sock.receiveFrom(buf);
        await sock.sendTo(d.data, d.from);
      }
    } catch { /* closed */ }
  })();
  servers.push({
    impl: `${IMPL}-receiveFrom`,
    port: sock.port,
    stop: async () => {
      await sock.close();
      ring.close();
      await loop;
    },
  });
}

if (wanted(args, "dgram")) {
  const s = dgram.createSocket("udp4");
  s.on(
    "message",
    (msg: Uint8Array, rinfo: { port: number; address: string }) => s.send(msg, rinfo.port, rinfo.address),
  );
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  servers.push({
    impl: `node:dgram-${RUNTIME}`,
    port: s.address().port,
    stop: () => new Promise<void>((r) => s.close(() => r())),
  });
}

if (wanted(args, "bun") && RUNTIME === "bun") {
  const s = await g.Bun.udpSocket({
    hostname: "127.0.0.1",
    socket: {
      data(
        sock: { send(d: Uint8Array, port: number, addr: string): boolean },
        buf: Uint8Array,
        port: number,
        addr: string,
      ) {
        sock.send(buf, port, addr);
      },
    },
  });
  servers.push({ impl: "Bun.udpSocket", port: s.port, stop: () => Promise.resolve(s.close()) });
}

note(`runtime ${RUNTIME}, ${args.seconds} s per point, load ${loadavg()}, ${process.env.HOSTNAME ?? ""}`);
const rows: { socks: number; size: number; impl: string; rps: number; resent: number }[] = [];
for (const socks of SOCKS) {
  for (const size of SIZES) {
    for (const s of servers) {
      const r = await runClient(s.port, socks, size);
      emit({ bench: "udp-echo", impl: s.impl, socks, msg_bytes: size, ...r, load: loadavg() });
      if (r.errors) note(`${s.impl}: ${r.errors} bad echoes`);
      rows.push({ socks, size, impl: s.impl, rps: r.round_trips_per_sec, resent: r.resent });
    }
  }
}
for (const s of servers) await s.stop();

const base = (socks: number, size: number) =>
  Math.max(
    ...rows.filter((r) => r.socks === socks && r.size === size && !r.impl.startsWith("jsuring")).map((r) =>
      r.rps
    ),
  );
console.error(
  "\n| sockets | bytes | impl | round trips/s | × fastest runtime API | resent |\n|---|---|---|---|---|---|",
);
for (const r of rows) {
  const b = base(r.socks, r.size);
  console.error(
    `| ${r.socks} | ${r.size} | ${r.impl} | ${r.rps} | ${
      Number.isFinite(b) ? (r.rps / b).toFixed(2) : "-"
    } | ${r.resent} |`,
  );
}
