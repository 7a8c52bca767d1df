#!/bin/sh
# bench/mkfile.sh PATH SIZE_MB — the test file for the random-read benchmarks.
#
# Creates PATH with SIZE_MB MiB of random data (random, so no filesystem or
# page-cache trick can shortcut the reads) unless a file of exactly that size
# is already there, then reads it once so it sits in the page cache: the
# benchmarks measure the io_uring / syscall path, not the disk.
# Progress goes to stderr; stdout gets PATH as its only line.
set -eu

[ $# -eq 2 ] || { echo "usage: $0 PATH SIZE_MB" >&2; exit 2; }
path=$1
mb=$2
case "$mb" in ''|*[!0-9]*|0) echo "mkfile.sh: SIZE_MB must be a positive integer" >&2; exit 2 ;; esac
bytes=$((mb * 1048576))

size=$(stat -c %s "$path" 2>/dev/null || echo -1)
if [ "$size" -eq "$bytes" ]; then
  echo "mkfile.sh: reusing $path ($mb MiB)" >&2
else
  dir=$(dirname -- "$path")
  mkdir -p "$dir"
  # Room for the file plus 1 GiB to spare (df -P: 1024-byte blocks).
  avail_kb=$(df -Pk "$dir" | awk 'NR == 2 { print $4 }')
  need_kb=$((mb * 1024 + 1048576))
  if [ "$avail_kb" -lt "$need_kb" ]; then
    echo "mkfile.sh: $dir has $((avail_kb / 1024)) MiB free, need $((need_kb / 1024))" >&2
    exit 1
  fi
  echo "mkfile.sh: writing $mb MiB of random data to $path" >&2
  # Into a temp name first, so an interrupted run never leaves a short file
  # that a later run would take for a finished one of another size.
  tmp="$path.tmp.$$"
  trap 'rm -f "$tmp"' EXIT INT TERM
  dd if=/dev/urandom of="$tmp" bs=1M count="$mb" iflag=fullblock status=none
  mv -f "$tmp" "$path"
  trap - EXIT INT TERM
fi

# Warm the page cache (a second read of a cached file costs ~0.2 s per GiB).
cat "$path" >/dev/null
if command -v fincore >/dev/null 2>&1; then
  echo "mkfile.sh: page cache: $(fincore -n -o RES "$path" | tr -d ' ') of $(numfmt --to=iec "$bytes" 2>/dev/null || echo "$bytes") resident" >&2
fi
echo "$path"
