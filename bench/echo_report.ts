/**
 * Tables for bench/NET.md from the JSON lines of `bench/echo.ts` runs: per
 * runtime and point (connections × message size), each server's median
 * round trips per second with its ratio to the fastest runtime API of that
 * point, and the median round trips per server CPU-second (the figure a
 * loaded machine moves least) with the same ratio.
 *
 * usage: deno run -A bench/echo_report.ts bench/results/echo-*.jsonl
 *
 * @module
 */
import { readFileSync } from "node:fs";
import process from "node:process";

interface Line {
  bench: string;
  impl: string;
  variant?: string;
  conns: number;
  msg_bytes: number;
  round_trips_per_sec: number;
  round_trips_per_cpu_sec: number;
  loadavg?: string;
}

const lines: Line[] = process.argv.slice(2).flatMap((f) =>
  readFileSync(f, "utf8").split("\n").filter((l) => l.startsWith('{"bench":"echo"')).map((l) => JSON.parse(l))
);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const runtimeOf = (l: Line) => l.impl.endsWith("bun") || l.impl.startsWith("bun") ? "bun" : "deno";
const label = (l: Line) => l.variant ? `${l.impl} ${l.variant}` : l.impl;
const k = (n: number) => n >= 10000 ? `${(n / 1000).toFixed(0)} k` : `${(n / 1000).toFixed(1)} k`;

for (const rt of ["deno", "bun"]) {
  const mine = lines.filter((l) => runtimeOf(l) === rt);
  if (!mine.length) continue;
  const loads = mine.map((l) => Number(l.loadavg?.split(" ")[0])).filter((n) => !Number.isNaN(n));
  console.log(
    `\n#### ${rt} (${mine.length} runs, 1-min load average ${Math.min(...loads)}–${Math.max(...loads)})\n`,
  );
  console.log("| server | conns | bytes | round trips/s (median) | × fastest API | per CPU-s | × API's |");
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  const points = [...new Set(mine.map((l) => `${l.conns}|${l.msg_bytes}`))];
  for (const p of points) {
    const [conns, bytes] = p.split("|").map(Number);
    const at = mine.filter((l) => l.conns === conns && l.msg_bytes === bytes);
    const servers = [...new Set(at.map(label))];
    const stat = (s: string) => {
      const xs = at.filter((l) => label(l) === s);
      return {
        rate: median(xs.map((l) => l.round_trips_per_sec)),
        cpu: median(xs.map((l) => l.round_trips_per_cpu_sec)),
      };
    };
    const apis = servers.filter((s) => !s.startsWith("jsuring"));
    const best = apis.map((s) => ({ s, ...stat(s) })).sort((a, b) => b.rate - a.rate)[0];
    for (const s of servers) {
      const st = stat(s);
      console.log(
        `| ${s} | ${conns} | ${bytes} | ${k(st.rate)} | ${best ? (st.rate / best.rate).toFixed(2) : "–"} | ${
          k(st.cpu)
        } | ${best ? (st.cpu / best.cpu).toFixed(2) : "–"} |`,
      );
    }
  }
}
