#!/usr/bin/env bash
# bench/ab.sh — the per-op hot path of two trees, interleaved in one run:
# NOP submit+reap (bench/nop.ts, api and raw), 4 KiB random reads
# (bench/randread.ts, read and raw) and async 4 KiB reads (bench/async_read.ts,
# async) on Deno and Bun, from BASE then from this tree, ROUNDS times (A B A B
# ...), so both see the same machine load. Prints, per measurement, the median
# ops/s of each tree and the ratio this/base. For refactors of the ring
# (bench/run.sh measures one tree against C and fio, not two trees).
#
# usage: bash bench/ab.sh BASE_DIR [ROUNDS]
#   BASE_DIR: a checkout of the baseline (e.g. `git archive <commit> | tar -x -C DIR`,
#             with node_modules linked and `make -C ffi` run)
#   AB_THIS:  the tree compared with it (default: this checkout)
#   AB_PARTS: which of "nop randread async" to run (default: all three)
# Environment: BENCH_FILE (default /var/tmp/jsuring-bench.dat, made if missing),
# BENCH_FILE_MB (256), BENCH_SECONDS (per measurement, 1).
set -euo pipefail

here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
root=$(dirname -- "$here")
base=${1:?usage: bench/ab.sh BASE_DIR [ROUNDS]}
rounds=${2:-3}
file=${BENCH_FILE:-/var/tmp/jsuring-bench.dat}
mb=${BENCH_FILE_MB:-256}
secs=${BENCH_SECONDS:-1}
deno=$root/node_modules/.bin/deno
bun=$root/node_modules/.bin/bun
out=$here/out
mkdir -p "$out"
lines=$out/ab.jsonl
: >"$lines"
[ -f "$file" ] || "$here/mkfile.sh" "$file" "$mb" >/dev/null

run() { # run TREE LABEL: one pass of every measurement from TREE
  local tree=$1 label=$2
  local b=$tree/bench
  local parts=" ${AB_PARTS:-nop randread async} "
  {
    if [[ $parts == *" nop "* ]]; then
      "$deno" run -A "$b/nop.ts" --seconds="$secs" --only=api,raw 1 32
      "$bun" "$b/nop.ts" --seconds="$secs" --only=api,raw 1 32
    fi
    if [[ $parts == *" randread "* ]]; then
      "$deno" run -A "$b/randread.ts" --seconds="$secs" --only=read,raw "$file"
      "$bun" "$b/randread.ts" --seconds="$secs" --only=read,raw "$file"
    fi
    if [[ $parts == *" async "* ]]; then
      "$deno" run -A "$b/async_read.ts" --seconds="$secs" --only=async "$file"
      "$bun" "$b/async_read.ts" --seconds="$secs" --only=async "$file"
    fi
  } 2>/dev/null | grep '^{' | sed "s/^{/{\"tree\":\"$label\",/" >>"$lines"
}

for ((i = 1; i <= rounds; i++)); do
  echo "ab: round $i of $rounds" >&2
  run "$base" base
  run "${AB_THIS:-$root}" this
done

"$deno" run -A - "$lines" <<'EOF'
import { readFileSync } from "node:fs";
import process from "node:process";
const rows = readFileSync(process.argv[2] ?? Deno.args[0], "utf8").trim().split("\n").map((l) => JSON.parse(l));
const groups = new Map<string, { base: number[]; this: number[] }>();
for (const r of rows) {
  const key = [r.bench, r.impl, r.variant ?? "", r.qd !== undefined ? `qd${r.qd}` : "", `b${r.batch ?? ""}`].join(" ");
  const g = groups.get(key) ?? { base: [], this: [] };
  (r.tree === "base" ? g.base : g.this).push(r.ops_per_sec);
  groups.set(key, g);
}
const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? (s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
console.log("| measurement | base ops/s | this ops/s | this/base |\n|---|---|---|---|");
for (const [key, g] of groups) {
  const b = median(g.base), t = median(g.this);
  console.log(`| ${key} | ${Math.round(b)} | ${Math.round(t)} | ${(t / b).toFixed(3)} |`);
}
EOF
