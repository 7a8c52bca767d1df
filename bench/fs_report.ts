/**
 * Render bench/results/fs-*.jsonl (bench/fs_run.sh) as Markdown tables: per
 * benchmark and size, each variant's median, CPU time per call and peak
 * memory, then the ratios that the targets of issue 14 ask for, and the CPU
 * per call of the leanest baseline over ours (which the machine's load does
 * not skew).
 *
 * usage: deno run -A bench/fs_report.ts > bench/FS_RESULTS.md   (or bun bench/fs_report.ts)
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";

const here = new URL(".", import.meta.url).pathname;
const label = (n: number) =>
  n >= 1 << 30
    ? `${n / 2 ** 30} GiB`
    : n >= 1 << 20
    ? `${(n / 2 ** 20).toFixed(n % (1 << 20) ? 1 : 0)} MiB`
    : n >= 1024
    ? `${n / 1024} KiB`
    : `${n}`;
for (const bench of ["readfile", "writefile", "copyfile", "copyfile-small", "walk", "smallfiles"]) {
  for (const rt of ["deno", "bun"]) {
    const path = `${here}results/fs-${bench}-${rt}.jsonl`;
    if (!existsSync(path)) continue;
    const recs = readFileSync(path, "utf8").split("\n").filter((l) => l.startsWith("{")).map((l) =>
      JSON.parse(l)
    );
    if (!recs.length) continue;
    console.log(`\n### ${bench} — ${rt}\n`);
    console.log("| size | variant | median GiB/s | calls/s | CPU µs/call | peak (× size) |");
    console.log("|---|---|---:|---:|---:|---:|");
    for (const r of recs.filter((r) => r.variant)) {
      console.log(
        `| ${
          bench === "walk" ? "tree" : label(r.size)
        } | ${r.variant} | ${r.gib_per_sec} | ${r.ops_per_sec} | ${r.cpu_us_per_call ?? ""} | ${
          r.peak_ratio ?? ""
        } |`,
      );
    }
    const ratios = recs.filter((r) => r.ratio || r.cpu_ratio);
    if (ratios.length) {
      console.log("\n| size | ratio (medians) | value | target |");
      console.log("|---|---|---:|---|");
      for (const r of ratios) {
        const verdict = r.target ? `≥ ${r.target}×: ${r.value >= r.target ? "met" : "**missed**"}` : "";
        const what = r.ratio ?? `CPU per call ${r.cpu_ratio}`;
        console.log(
          `| ${bench === "walk" ? "tree" : label(r.size)} | ${what} | ${r.value}× | ${verdict} |`,
        );
      }
    }
  }
}
