/**
 * Idle CPU: a process holding an AsyncRing with a pending multishot accept
 * (a listener nobody connects to) for 5 s (`--seconds=S` to change). CPU time
 * (user + system, from /proc/self/stat, 10 ms ticks, so the resolution over
 * 5 s is 0.2 %) over wall time, per waker this runtime supports, on a plain
 * and a DEFER_TASKRUN ring.
 *
 * usage: deno run -A bench/idle.ts [--seconds=S]
 *        bun bench/idle.ts [--seconds=S]
 *
 * Output:
 *   {"bench":"idle_cpu","impl":"jsuring-deno","waker":"thread","defer_taskrun":false,"seconds":5,"cpu_percent":0}
 *
 * @module
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { AsyncRing, listen, type WakerKind } from "../mod.ts";
import { emit, IMPL, now, RUNTIME } from "./_util.ts";

const arg = process.argv.find((a) => a.startsWith("--seconds="));
const seconds = arg ? Number(arg.slice(10)) : 5;
const kinds: WakerKind[] = RUNTIME === "deno" ? ["thread", "nonblocking"] : ["thread", "stream"];

function cpuSeconds(): number {
  const f = readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

for (const waker of kinds) {
  for (const defer of [false, true]) {
    const ring = AsyncRing.create({ entries: 64, waker, singleIssuer: defer, deferTaskrun: defer });
    const server = await listen({ ring });
    const loop = (async () => {
      for await (const c of server) await c.close();
    })();
    await new Promise((r) => setTimeout(r, 200)); // settle: the accept is armed
    const c0 = cpuSeconds(), t0 = now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const pct = ((cpuSeconds() - c0) / ((now() - t0) / 1000)) * 100;
    emit({
      bench: "idle_cpu",
      impl: IMPL,
      waker,
      defer_taskrun: defer,
      pending: "multishot accept",
      seconds,
      cpu_percent: +pct.toFixed(2),
    });
    await server.close();
    await loop;
    ring.close();
  }
}
