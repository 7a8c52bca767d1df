/**
 * TCP echo on loopback: jsuring's net layer against the runtime's own
 * servers, in one run. The server runs in this process; the load comes from
 * `bench/echo_client.c` (C + epoll, built here with `cc` into bench/out/),
 * the same client for every server: 64 connections, each sending a message
 * and reading it back, for 1 KiB and 64 KiB messages.
 *
 * usage: deno run -A bench/echo.ts [--seconds=S] [--only=PARTS]
 *        bun bench/echo.ts ...
 *
 * Parts: jsuring, jsuring-defer (SINGLE_ISSUER|DEFER_TASKRUN ring),
 * runtime (Deno.listen / Bun.listen), nodenet (node:net).
 *
 * Output:
 *   {"bench":"echo","impl":"jsuring-bun","variant":"plain","conns":64,"msg_bytes":1024,"round_trips_per_sec":N,"mb_per_sec":N}
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import * as nodeNet from "node:net";
import { fileURLToPath } from "node:url";
import { AsyncRing, listen, type TcpListener, type WakerKind } from "../mod.ts";
import { emit, IMPL, note, parseArgs, RUNTIME, wanted } from "./_util.ts";

const args = parseArgs();
const CONNS = 64;
const SIZES = [1024, 64 * 1024];
// deno-lint-ignore no-explicit-any
const g = globalThis as any;

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
  size: number,
): Promise<{ round_trips_per_sec: number; mb_per_sec: number; errors: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(client, [String(port), String(CONNS), String(size), String(args.seconds)]);
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

async function bench(impl: string, variant: string | undefined, port: number) {
  for (const size of SIZES) {
    const c0 = cpuSeconds(), t0 = performance.now();
    const r = await runClient(port, size);
    // The server's CPU over the client's run (warm-up included): round trips
    // per server CPU-second is the figure least moved by a noisy machine.
    const cpu = cpuSeconds() - c0, wall = (performance.now() - t0) / 1000;
    if (r.errors) note(`${impl} ${size}: ${r.errors} errors`);
    emit({
      bench: "echo",
      impl,
      ...(variant ? { variant } : {}),
      conns: CONNS,
      msg_bytes: size,
      ...r,
      server_cpu_percent: +((cpu / wall) * 100).toFixed(1),
      round_trips_per_cpu_sec: Math.round(r.round_trips_per_sec / Math.max(cpu / wall, 0.01)),
    });
  }
}

for (
  const [part, opts] of [["jsuring", {}], ["jsuring-defer", {
    singleIssuer: true,
    deferTaskrun: true,
  }]] as const
) {
  if (!wanted(args, part)) continue;
  const ring = AsyncRing.create({
    entries: 256,
    ...opts,
    waker: g.process?.env?.JSURING_WAKER as WakerKind | undefined,
  });
  const server: TcpListener = await listen({ ring });
  const loop = (async () => {
    for await (const conn of server) {
      (async () => {
        try {
          for await (const chunk of conn.chunks({ bufferSize: 64 * 1024, buffers: 256 })) {
            await conn.sendAll(chunk, { zeroCopy: false });
          }
        } catch { /* client went away */ }
        await conn.close();
      })();
    }
  })();
  await bench(IMPL, part === "jsuring" ? "plain" : "defer", server.port);
  await server.close();
  await loop;
  ring.close();
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
    await bench("deno-listen", undefined, l.addr.port);
    l.close();
    await loop;
  } else {
    const server = g.Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        // Bun.listen write() may be partial: queue the rest until drain.
        open(s: { data: unknown }) {
          s.data = { pending: [] as Uint8Array[] };
        },
        data(s: { write(b: Uint8Array): number; data: { pending: Uint8Array[] } }, chunk: Uint8Array) {
          const st = s.data;
          if (st.pending.length) {
            st.pending.push(chunk.slice());
            return;
          }
          const n = s.write(chunk);
          if (n < chunk.length) st.pending.push(chunk.slice(n));
        },
        drain(s: { write(b: Uint8Array): number; data: { pending: Uint8Array[] } }) {
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
    await bench("bun-listen", undefined, server.port);
    server.stop(true);
  }
}

if (wanted(args, "nodenet")) {
  const server = nodeNet.createServer({ noDelay: true }, (s) => {
    s.on("data", (d) => s.write(d));
    s.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as nodeNet.AddressInfo).port;
  await bench(`nodenet-${RUNTIME}`, undefined, port);
  await new Promise((r) => server.close(r));
}
note("echo done");
g.process?.exit?.(0); // servers' sockets may linger
