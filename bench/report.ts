/**
 * Render the JSON lines of a `bench/run.sh` run (bench/out/results.jsonl) as
 * the markdown of bench/RESULTS.md: the machine and the run's conditions,
 * then one table per benchmark with ratios against the C liburing program,
 * fio and `node:fs` readSync, and the targets of the issue checked.
 *
 * usage: deno run -A bench/report.ts [bench/out/results.jsonl] > bench/RESULTS.md
 *        (also runs under bun)
 *
 * @module
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import process from "node:process";

interface Line {
  bench: string;
  impl: string;
  variant?: string;
  memory?: string;
  batch?: number;
  qd?: number;
  ops_per_sec: number;
  sweep?: boolean;
  key?: string;
  value?: string;
}

const file = process.argv[2] ?? new URL("./out/results.jsonl", import.meta.url).pathname;
const lines: Line[] = readFileSync(file, "utf8").split("\n").filter((l) => l.trim().startsWith("{"))
  .map((l) => JSON.parse(l));
const meta = new Map<string, string>();
for (const l of lines) if (l.bench === "meta" && l.key) meta.set(l.key, l.value ?? "");
const all = lines.filter((l) => l.bench !== "meta");
/** The main tables' results; the memory sweep of (c) is kept apart. */
const rows = all.filter((l) => !l.sweep);
const sweep = all.filter((l) => l.sweep);

/** The first result matching every field of `q`. */
function find(q: Partial<Line>): Line | undefined {
  return rows.find((r) =>
    Object.entries(q).every(([k, v]) => (r as unknown as Record<string, unknown>)[k] === v)
  );
}
function rate(q: Partial<Line>): number | undefined {
  return find(q)?.ops_per_sec;
}

const fmtM = (v: number | undefined) => v === undefined ? "—" : `${(v / 1e6).toFixed(2)} M/s`;
const fmtK = (v: number | undefined) => v === undefined ? "—" : `${Math.round(v / 1e3)} k/s`;
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || b === 0 ? "—" : `${(a / b).toFixed(2)}×`;
const table = (head: string[], body: string[][], align = "---:") =>
  [
    `| ${head.join(" | ")} |`,
    `|${head.map((_, i) => i === 0 ? "---" : align).join("|")}|`,
    ...body.map((r) => `| ${r.join(" | ")} |`),
  ]
    .join("\n");

function cpuModel(): string {
  try {
    const m = readFileSync("/proc/cpuinfo", "utf8").match(/^model name\s*:\s*(.*)$/m);
    if (m) return m[1].trim();
  } catch { /* not Linux */ }
  return os.cpus()[0]?.model ?? "unknown";
}

const runtimes = ["deno", "bun"] as const;
const out: string[] = [];
const p = (s = "") => out.push(s);

p("# jsuring benchmark results");
p();
p(
  `Rendered by \`bench/report.ts\` from one \`bench/run.sh\` run (${meta.get("mode") ?? "full"} mode, ` +
    `${meta.get("seconds") ?? "?"} s per measurement after a warm-up): ${meta.get("started") ?? "?"} → ${
      meta.get("finished") ?? "?"
    }.`,
);
p(
  "**These figures are from a single run**: on this machine kind they move by ±20 % between runs; compare ratios " +
    "within the run (each baseline ran seconds before the jsuring figures it is compared with), not absolute rates across runs.",
);
if (meta.get("note")) p(`\nRun conditions: ${meta.get("note")}`);
p();
p("## Machine");
p();
p(table(["", ""], [
  ["CPU", `${cpuModel()}, ${os.cpus().length} cores visible`],
  ["memory", `${Math.round(os.totalmem() / 2 ** 30)} GiB`],
  ["kernel", `Linux ${os.release()}`],
  [
    "load average (1/5/15 min)",
    `${meta.get("loadavg_start") ?? "?"} at start, ${meta.get("loadavg_end") ?? "?"} at end`,
  ],
  ["hugetlb pages", meta.get("hugepages") ?? "?"],
  ["transparent hugepages", meta.get("thp") ?? "?"],
  ["Deno", meta.get("deno") ?? "?"],
  ["Bun", meta.get("bun") ?? "?"],
  ["liburing (C baselines)", meta.get("liburing") ?? "?"],
  ["fio", meta.get("fio") ?? "?"],
  ["test file", `${meta.get("file") ?? "?"}, random data, in the page cache`],
], "---"));
p();

// ------------------------------------------------------------------ targets
const nop128C = rate({ bench: "nop", impl: "c-liburing", batch: 128 });
const fioBest = rate({ bench: "randread", impl: "fio-io_uring", qd: 64, batch: 32 });
const verdict = (r: number | undefined, min: number, aim?: number) =>
  r === undefined
    ? "no data"
    : r >= (aim ?? Infinity)
    ? "**met (aim too)**"
    : r >= min
    ? "**met**"
    : "**missed**";
const targetRows: string[][] = [];
for (const rt of runtimes) {
  const api = rate({ bench: "nop", impl: `jsuring-${rt}`, variant: "api", batch: 128 });
  const raw = rate({ bench: "nop", impl: `jsuring-${rt}`, variant: "raw", batch: 128 });
  const best = Math.max(api ?? 0, raw ?? 0) || undefined;
  targetRows.push([
    `NOP batch 128, ${rt}: ≥ 0.5× C (aim 0.8×)`,
    `${fmtM(api)} nop() / ${fmtM(raw)} raw vs ${fmtM(nop128C)}`,
    `${ratio(api, nop128C)} / ${ratio(raw, nop128C)}`,
    verdict(best && nop128C ? best / nop128C : undefined, 0.5, 0.8),
  ]);
}
for (const rt of runtimes) {
  // The best jsuring configuration at QD 64 (any batch, any variant of the main table).
  const cands = rows.filter((r) =>
    r.bench === "randread" && r.impl === `jsuring-${rt}` && r.qd === 64 &&
    (r.variant === "read" || r.variant === "fixed")
  );
  const best = cands.reduce<Line | undefined>(
    (a, b) => (!a || b.ops_per_sec > a.ops_per_sec ? b : a),
    undefined,
  );
  const rs = rate({ bench: "randread", impl: `readsync-${rt}` });
  const r1 = best && fioBest ? best.ops_per_sec / fioBest : undefined;
  const r2 = best && rs ? best.ops_per_sec / rs : undefined;
  targetRows.push([
    `4 KiB randread QD 64, ${rt}: ≥ 0.8× fio best and > readSync`,
    best
      ? `${fmtK(best.ops_per_sec)} (${best.variant}, batch ${best.batch}) vs fio ${fmtK(fioBest)}, readSync ${
        fmtK(rs)
      }`
      : "—",
    `${ratio(best?.ops_per_sec, fioBest)} fio, ${ratio(best?.ops_per_sec, rs)} readSync`,
    r1 === undefined || r2 === undefined ? "no data" : r1 >= 0.8 && r2 > 1 ? "**met**" : "**missed**",
  ]);
}
p("## Targets");
p();
p(
  "fio's best configuration: `--iodepth=64 --fixedbufs --registerfiles --iodepth_batch_submit=32 " +
    "--iodepth_batch_complete_min=32 --invalidate=0` (bench/fio.sh). The jsuring figure is the best of the " +
    "`read` and `fixed` API variants over the batch sizes at QD 64 (the raw variants are listed below, not counted).",
);
p();
p(table(["target", "figures", "ratio", "verdict"], targetRows));
p();

// ------------------------------------------------------------------ (a) NOP
p("## (a) NOP submit+reap");
p();
p(
  "Each round queues B NOPs, one `io_uring_enter` submits them and waits for B completions, one reap takes " +
    "them and stores the CQ head once. C: `bench/c/nop.c` (liburing `io_uring_get_sqe` + `io_uring_prep_nop`, " +
    "`io_uring_submit_and_wait`, `io_uring_peek_batch_cqe` + `io_uring_cq_advance`, a plain 256-entry ring). " +
    "jsuring: a 256-entry ring in its default memory; `nop()` is the method with no options object, `raw` is " +
    "`getSqe()` + `prepNop()` + `track()`. Ratios are against C at the same batch.",
);
p();
{
  const batches = [
    ...new Set(rows.filter((r) => r.bench === "nop" && r.impl === "c-liburing").map((r) => r.batch!)),
  ]
    .sort((a, b) => a - b);
  const head = ["batch", "C liburing"];
  for (const rt of runtimes) head.push(`${rt} nop()`, `${rt} raw`);
  const body = batches.map((b) => {
    const c = rate({ bench: "nop", impl: "c-liburing", batch: b });
    const r = [String(b), fmtM(c)];
    for (const rt of runtimes) {
      for (const variant of ["api", "raw"]) {
        const v = rate({ bench: "nop", impl: `jsuring-${rt}`, variant, batch: b });
        r.push(`${fmtM(v)} (${ratio(v, c)})`);
      }
    }
    return r;
  });
  p(table(head, body));
  const mem = find({ bench: "nop", impl: "jsuring-deno", variant: "api" })?.memory ??
    find({ bench: "nop", impl: "jsuring-bun", variant: "api" })?.memory;
  if (mem) p(`\njsuring ring memory in this table: ${mem}.`);
}
p();

// ------------------------------------------------------------- (b) randread
p("## (b) 4 KiB random reads of a page-cached file");
p();
p(
  "QD reads in flight, 4 KiB-aligned offsets from one fixed-seed xorshift64 (the same sequence in C and TS), " +
    "each slot reading into its own preallocated buffer. **batch** is reads per `io_uring_enter`: fio's " +
    "`iodepth_batch_submit` = `iodepth_batch_complete_min`; for jsuring, every B re-queued reads one `submit()` " +
    "enters the kernel (page-cached reads complete inline, so completions come back in the same batches). " +
    "`bench/c/randread.c` waits for min(QD, 32) completions and then submits every re-queued read in one enter " +
    "(so about QD reads per enter at QD 64). `read`: `ring.read(fd, buf, offset, opts)` with one reused options " +
    "object; `fixed`: `ring.readFixed()` with a registered file and registered buffers (as fio " +
    "`--registerfiles --fixedbufs`). readSync: `node:fs` `readSync(fd, buf, 0, 4096, pos)` (pread) in the same " +
    "runtime.",
);
p();
{
  const body: string[][] = [];
  const add = (label: string, v: number | undefined, rs: number | undefined) =>
    body.push([label, fmtK(v), ratio(v, fioBest), rs === undefined ? "—" : ratio(v, rs)]);
  for (const l of rows.filter((r) => r.bench === "randread" && r.impl === "fio-io_uring")) {
    add(`fio io_uring QD ${l.qd}, batch ${l.batch}`, l.ops_per_sec, undefined);
  }
  for (const impl of ["c-liburing", "c-liburing-fixed"]) {
    for (const l of rows.filter((r) => r.bench === "randread" && r.impl === impl)) {
      add(
        `C liburing${impl.endsWith("fixed") ? " fixed" : ""} QD ${l.qd}, wait ${l.batch}`,
        l.ops_per_sec,
        undefined,
      );
    }
  }
  add("C pread", rate({ bench: "randread", impl: "c-pread" }), undefined);
  for (const rt of runtimes) {
    const rs = rate({ bench: "randread", impl: `readsync-${rt}` });
    add(`**${rt}** readSync`, rs, rs);
    for (const variant of ["read", "fixed", "read-raw", "fixed-raw"]) {
      for (
        const l of rows.filter((r) =>
          r.bench === "randread" && r.impl === `jsuring-${rt}` && r.variant === variant
        )
      ) {
        add(`**${rt}** jsuring ${variant} QD ${l.qd}, batch ${l.batch}`, l.ops_per_sec, rs);
      }
    }
  }
  p(table(["implementation", "reads/s", "× fio best (QD 64, batch 32)", "× readSync (same runtime)"], body));
}
p();

// ---------------------------------------------------------------- (c) memory
p("## (c) Ring memory: mmap'ed (kernel) vs NO_MMAP (application memory)");
p();
p(
  "The same loops with the ring's SQ/CQ and SQEs in kernel memory mapped from the ring fd (classic), or in " +
    "application memory handed to the kernel with IORING_SETUP_NO_MMAP (6.5) on a hugetlb page, on transparent " +
    "hugepages, or on ordinary pages. NOP at batch 128 (`nop()`); random reads `fixed` at QD 64, batch 64.",
);
p();
{
  const kinds = ["kernel", "user-hugetlb", "user-thp", "user-pages"];
  const head = ["ring memory"];
  for (const rt of runtimes) head.push(`${rt} NOP b128`, `${rt} randread QD 64`);
  const memRows = (rt: string, bench: string, m: string) =>
    sweep.find((r) => r.bench === bench && r.impl === `jsuring-${rt}` && r.memory === m)?.ops_per_sec;
  const body = kinds.map((m) => {
    const r = [m];
    for (const rt of runtimes) {
      const n = memRows(rt, "nop", m), k = memRows(rt, "randread", m);
      const n0 = memRows(rt, "nop", "kernel"), k0 = memRows(rt, "randread", "kernel");
      r.push(`${fmtM(n)} (${ratio(n, n0)})`, `${fmtK(k)} (${ratio(k, k0)})`);
    }
    return r;
  });
  p(table(head, body));
  p(
    "\nRatios are against the kernel-memory ring in the same runtime. A missing row means that memory kind " +
      "was not available (for hugetlb: no hugepages reserved, see the machine table).",
  );
}
p();
p("## Reproduce");
p();
p("```sh\nbash scripts/setup.sh   # once: deno, bun, the companion library\nbash bench/run.sh       # ~3-4 minutes; BENCH_QUICK=1 for a ~1-minute smoke run\n```");
p();
p("Raw JSON lines of this run: `bench/out/results.jsonl` (not committed).");

// The feature benchmarks (param region waits, buffers, async API): every line,
// grouped by benchmark, with the fields each one reports.
const core = new Set(["nop", "randread"]);
const extra = all.filter((l) => !core.has(String(l.bench)));
if (extra.length) {
  p("## Feature benchmarks");
  p();
  p("Registered waits (`bench/wait.ts`), streaming and whole-file reads (`bench/stream.ts`, `bench/readfile.ts`, `bench/c/stream.c`), the async API (`bench/async_read.ts`, `bench/echo.ts`, `bench/idle.ts`), as each printed them in this run.");
  for (const bench of [...new Set(extra.map((l) => String(l.bench)))]) {
    const group = extra.filter((l) => l.bench === bench);
    const keys = [...new Set(group.flatMap((l) => Object.keys(l)))].filter((k) => k !== "bench");
    p();
    p(`### ${bench}`);
    p();
    p(table(keys, group.map((l) => keys.map((k) => {
      const v = (l as unknown as Record<string, unknown>)[k];
      return typeof v === "number" && !Number.isInteger(v) ? v.toFixed(3) : String(v ?? "");
    })), "---"));
  }
  p();
}
console.log(out.join("\n"));
