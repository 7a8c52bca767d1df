#!/usr/bin/env bash
# The file benchmarks (issue 14) on both runtimes, one after the other:
# whole-file read and write, copy, tree walk, small files. JSON lines go to
# bench/results/fs-<bench>-<runtime>.jsonl, the readable notes to stderr.
# usage: bash bench/fs_run.sh [ROUNDS] [BIG] [WALK_FILES] [SMALL_FILES] [RUNTIMES]
#        (defaults 3, 1g, 100000, 10000, "deno bun")
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3} big=${2:-1g} walk=${3:-100000} small=${4:-10000} runtimes=${5:-deno bun}
dir=${BENCH_DIR:-/var/tmp}
mkdir -p bench/results "$dir"
deno="node_modules/.bin/deno run -A --v8-flags=--expose-gc"
bun="node_modules/.bin/bun"
df -h "${BENCH_DIR:-/var/tmp}" >&2
for rt in $runtimes; do
  run=${!rt}
  $run bench/readfile.ts --dir="$dir" --sizes=4k,1m,$big --rounds="$rounds" >"bench/results/fs-readfile-$rt.jsonl"
  $run bench/writefile.ts --dir="$dir" --sizes=4k,1m --rounds="$rounds" >"bench/results/fs-writefile-$rt.jsonl"
  $run bench/writefile.ts --dir="$dir" --sizes=$big --rounds="$rounds" \
    --only=jsuring.writeFile,fs.promises.writeFile,Deno.writeFile,Bun.write >>"bench/results/fs-writefile-$rt.jsonl"
  $run bench/copyfile.ts --dir="$dir" --sizes=4k,1m,$big --rounds="$rounds" >"bench/results/fs-copyfile-$rt.jsonl"
  $run bench/walk.ts --dir="$dir" --files="$walk" --rounds="$rounds" >"bench/results/fs-walk-$rt.jsonl"
  $run bench/smallfiles.ts --dir="$dir" --files="$small" --rounds="$rounds" >"bench/results/fs-smallfiles-$rt.jsonl"
done
