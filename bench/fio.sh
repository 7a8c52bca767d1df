#!/bin/sh
# bench/fio.sh FILE [QD ...] — fio's io_uring engine as the reference for
# 4 KiB random reads of a page-cached file (default QD 1 32 64).
#
# For each QD, fio's best configuration here: registered file and buffers,
# submitting and completing in batches of B = min(32, QD) per io_uring_enter.
# Then, for comparison, QD 64 with B = 1 (about one enter per read): the
# difference is what batching buys (DESIGN.md: ~400 k/s vs 631 k/s).
# --invalidate=0 matters: without it fio drops the file's page cache first.
# Prepare FILE with bench/mkfile.sh (random data, warmed into the cache).
#
# Output: one JSON line per run on stdout,
#   {"bench":"randread","impl":"fio-io_uring","qd":N,"batch":B,"ops_per_sec":X}
# fio's own output goes to stderr only if it fails. FIO_RUNTIME (seconds,
# default 3) overrides the run time.
set -eu

[ $# -ge 1 ] || { echo "usage: $0 FILE [QD ...]" >&2; exit 2; }
file=$1; shift
[ -f "$file" ] || { echo "fio.sh: $file: no such file (make it with bench/mkfile.sh)" >&2; exit 1; }
[ $# -ge 1 ] || set -- 1 32 64
runtime=${FIO_RUNTIME:-3}

# fio and jq (to read fio's JSON) from the host's ordinary apt sources.
missing=
command -v fio >/dev/null 2>&1 || missing="$missing fio"
command -v jq >/dev/null 2>&1 || missing="$missing jq"
if [ -n "$missing" ]; then
  echo "fio.sh: installing$missing" >&2
  # shellcheck disable=SC2086 # word splitting intended
  { apt-get -q update && DEBIAN_FRONTEND=noninteractive apt-get -q install -y $missing; } >&2
fi

# run QD BATCH: one fio job, prints one JSON line.
run() {
  qd=$1; b=$2
  out=$(mktemp)
  if ! fio --name=randread --filename="$file" --output-format=json \
      --ioengine=io_uring --iodepth="$qd" --fixedbufs --registerfiles \
      --iodepth_batch_submit="$b" --iodepth_batch_complete_min="$b" \
      --invalidate=0 --direct=0 --rw=randread --bs=4k \
      --time_based --runtime="$runtime" --norandommap --randrepeat=0 >"$out" 2>&1; then
    cat "$out" >&2; rm -f "$out"
    echo "fio.sh: fio failed (qd $qd, batch $b)" >&2
    return 1
  fi
  # fio may print warnings before the JSON document: start at the first "{".
  sed -n '/^{/,$p' "$out" | jq -c --argjson qd "$qd" --argjson b "$b" \
    '{bench: "randread", impl: "fio-io_uring", qd: $qd, batch: $b,
      ops_per_sec: (.jobs[0].read.iops | round)}'
  rm -f "$out"
}

for qd in "$@"; do
  case "$qd" in ''|*[!0-9]*|0) echo "fio.sh: bad QD: $qd" >&2; exit 2 ;; esac
  run "$qd" $((qd < 32 ? qd : 32))
done
run 64 1 # one enter per I/O, for comparison
