#!/usr/bin/env bash
# Reserves N hugetlb pages (default 64 × 2 MiB) if fewer are reserved and we
# are root; prints what is reserved. Never fails: jsuring falls back to
# transparent hugepages or ordinary pages and says so.
want=${1:-64}
f=/proc/sys/vm/nr_hugepages
have=$(cat "$f" 2>/dev/null || echo 0)
if [ "$have" -lt "$want" ] && [ -w "$f" ]; then
  echo "$want" > "$f" 2>/dev/null || true
  have=$(cat "$f")
fi
echo "hugepages: $have reserved ($(awk '/Hugepagesize/ {print $2 $3}' /proc/meminfo) each)" >&2
