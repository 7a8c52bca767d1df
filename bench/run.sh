#!/usr/bin/env bash
# bench/run.sh — every benchmark in one run, side by side, rendered to
# bench/RESULTS.md:
#   (a) NOP submit+reap at batch 1 8 32 128: C liburing (bench/c/nop.c) vs
#       jsuring on Deno and on Bun;
#   (b) 4 KiB random reads of a page-cached 1 GiB file at QD 1 32 64 (and the
#       batch curve at QD 64): fio --ioengine=io_uring, C liburing, C pread,
#       jsuring on Deno and Bun, and node:fs readSync in each runtime;
#   (c) both with the ring in kernel memory (mmap'ed) vs application memory
#       (NO_MMAP) on hugetlb, transparent hugepages and ordinary pages.
# Each part runs its C/fio baseline and both runtimes back to back, so the
# figures compared were measured within seconds of each other.
#
# usage: bash bench/run.sh                 full run (~3-4 minutes), writes bench/RESULTS.md
#        BENCH_QUICK=1 bash bench/run.sh   smoke run (~1 minute, 64 MiB file): proves the
#                                          benchmarks run; writes bench/out/RESULTS.quick.md
# Environment: BENCH_FILE (default /var/tmp/jsuring-bench.dat), BENCH_FILE_MB
# (1024), BENCH_SECONDS (per measurement, 1.5), BENCH_NOTE (a sentence on the
# run's conditions, copied into the report).
# Assumes `bash scripts/setup.sh` has run (deno and bun in node_modules, the
# companion library built); builds bench/c itself. Reserves 64 hugetlb pages
# when root and fewer are reserved (and gives them back at the end), so the
# NO_MMAP ring can sit on a hugepage. Raw JSON lines: bench/out/results.jsonl.
set -euo pipefail

here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
root=$(dirname -- "$here")
out=$here/out
deno=$root/node_modules/.bin/deno
bun=$root/node_modules/.bin/bun

quick=${BENCH_QUICK:-0}
[ "$quick" = 0 ] && quick=
if [ -n "$quick" ]; then
  file=${BENCH_FILE:-/var/tmp/jsuring-bench-quick.dat}
  mb=${BENCH_FILE_MB:-64}
  secs=${BENCH_SECONDS:-0.2}
  fio_runtime=1
  report=$out/RESULTS.quick.md
else
  file=${BENCH_FILE:-/var/tmp/jsuring-bench.dat}
  mb=${BENCH_FILE_MB:-1024}
  secs=${BENCH_SECONDS:-1.5}
  fio_runtime=2
  report=$here/RESULTS.md
fi
results=$out/results.jsonl

log() { printf 'bench: %s\n' "$*" >&2; }

for rt in "$deno" "$bun"; do
  [ -x "$rt" ] || { log "$rt missing: run bash scripts/setup.sh first"; exit 1; }
done
[ -f "$root/ffi/build/libjsuring.so" ] || make -s -C "$root/ffi" >&2

mkdir -p "$out"
: >"$results"
# meta KEY VALUE: a line of run conditions for report.ts (VALUE without quotes or backslashes).
meta() { printf '{"bench":"meta","key":"%s","value":"%s"}\n' "$1" "${2//\"/}" >>"$results"; }

# Hugepages for the NO_MMAP ring (restored on exit if we changed them).
hp=/proc/sys/vm/nr_hugepages
hp_before=$(cat "$hp" 2>/dev/null || echo 0)
hp_set=
if [ "$hp_before" -lt 64 ] && [ -w "$hp" ]; then
  if echo 64 >"$hp" 2>/dev/null; then hp_set=64; fi
fi
restore() {
  if [ -n "$hp_set" ] && [ "$(cat "$hp")" = "$hp_set" ]; then echo "$hp_before" >"$hp" 2>/dev/null || true; fi
}
trap restore EXIT
meta hugepages "$(cat "$hp" 2>/dev/null || echo 0) reserved (HugePages_Free $(awk '/HugePages_Free/ {print $2}' /proc/meminfo)) of $(awk '/Hugepagesize/ {print $2 " " $3}' /proc/meminfo)"
meta thp "$(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo unknown)"
meta mode "$([ -n "$quick" ] && echo quick || echo full)"
meta seconds "$secs"
meta file "$file ($mb MiB)"
meta deno "$("$deno" --version | head -1)"
meta bun "$("$bun" --version)"
meta liburing "$(dpkg-query -W -f '${Version}' liburing2 2>/dev/null || echo unknown)"
meta fio "$(fio --version 2>/dev/null || echo missing)"
meta note "${BENCH_NOTE:-}"
meta loadavg_start "$(cut -d' ' -f1-3 /proc/loadavg)"
meta started "$(date -u '+%Y-%m-%d %H:%M:%S UTC')"

log "building bench/c"
make -s -C "$here/c" >&2
log "preparing $file ($mb MiB, page-cached)"
"$here/mkfile.sh" "$file" "$mb" >/dev/null

# collect CMD...: run it, its JSON lines to the results (and the terminal).
collect() { "$@" | tee -a "$results"; }
ts() { # ts RUNTIME SCRIPT ARGS...: a TypeScript bench under deno or bun
  local rt=$1 script=$2; shift 2
  if [ "$rt" = deno ]; then collect "$deno" run -A "$here/$script" --seconds="$secs" "$@"
  else collect "$bun" "$here/$script" --seconds="$secs" "$@"; fi
}

log "(a) NOP submit+reap"
collect "$out/nop" -t "$secs"
ts deno nop.ts
ts bun nop.ts

log "(b, c) 4 KiB random reads"
collect "$out/randread" -t "$secs" "$file" 1 32 64
collect "$out/randread" -t "$secs" --fixed "$file" 1 32 64
collect "$out/randread" -t "$secs" --pread "$file"
if ! collect env FIO_RUNTIME="$fio_runtime" "$here/fio.sh" "$file" 1 32 64; then
  log "fio failed or is unavailable: the report shows no fio figures"
fi
ts deno randread.ts "$file"
ts bun randread.ts "$file"

# The feature benchmarks of the region, buffer and async issues: their JSON
# lines land in the same results file; report.ts lists them after the tables.
if [ "${BENCH_FEATURES:-1}" = 1 ]; then
  log "registered waits (param region)"
  collect "$deno" run -A "$here/wait.ts" --seconds="$secs"
  collect "$bun" "$here/wait.ts" --seconds="$secs"
  log "streaming and whole-file reads (buffers)"
  collect "$out/stream" "$file"
  collect "$deno" run -A "$here/stream.ts" "$file"
  collect "$bun" "$here/stream.ts" "$file"
  collect "$out/stream" --readfile "$file"
  collect "$deno" run -A --v8-flags=--expose-gc "$here/readfile.ts" "$file"
  collect "$bun" "$here/readfile.ts" "$file"
  log "async reads, TCP echo, idle CPU (async API)"
  collect "$deno" run -A "$here/async_read.ts" "$file"
  collect "$bun" "$here/async_read.ts" "$file"
  collect "$deno" run -A "$here/echo.ts"
  collect "$bun" "$here/echo.ts"
  collect "$deno" run -A "$here/idle.ts"
  collect "$bun" "$here/idle.ts"
fi

meta loadavg_end "$(cut -d' ' -f1-3 /proc/loadavg)"
meta finished "$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
log "rendering $report"
"$deno" run -A "$here/report.ts" "$results" >"$report"
# Two-tree comparisons (bench/ab.sh, e.g. before and after a refactor) are
# kept in bench/AB.md and carried into the full report.
if [ -z "$quick" ] && [ -f "$here/AB.md" ]; then { echo; cat "$here/AB.md"; } >>"$report"; fi
log "done: $results, $report"
