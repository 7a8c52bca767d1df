#!/bin/sh
# bench/_baseline.sh [FILE [SIZE_MB]] — every native baseline in one go:
# builds bench/c, prepares FILE (default /var/tmp/jsuring-bench.dat, 1024 MiB)
# with bench/mkfile.sh, then prints the JSON lines of
#   C liburing NOPs (batch 1 8 32 128),
#   C 4 KiB random reads: io_uring plain and registered (QD 1 32 64), pread,
#   fio io_uring (QD 1 32 64 batched, QD 64 one enter per I/O).
# The numbers on this VM kind move by ±20 % between runs: run it a few
# times and compare medians, not single lines.
set -eu

here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
file=${1:-/var/tmp/jsuring-bench.dat}
mb=${2:-1024}

make -s -C "$here/c" >&2
"$here/mkfile.sh" "$file" "$mb" >/dev/null
"$here/out/nop"
"$here/out/randread" "$file" 1 32 64
"$here/out/randread" --fixed "$file" 1 32 64
"$here/out/randread" --pread "$file"
"$here/fio.sh" "$file" 1 32 64
