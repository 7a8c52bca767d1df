#!/bin/sh
# scripts/uapi.sh — make a current kernel uapi <linux/io_uring.h> available.
#
# Bookworm's linux-libc-dev is 6.1, whose io_uring.h lacks what jsuring's ABI
# tables are pinned against (struct io_uring_region_desc, struct
# io_uring_reg_wait: 6.13; IOU_PBUF_RING_INC: 6.12; IORING_SETUP_NO_MMAP: 6.5).
# This script fetches Debian's linux-libc-dev from trixie-backports with a
# private apt sources list / lists dir / cache dir (the host's apt
# configuration and state are never written), and `dpkg -x`es it into the
# git-ignored cache .cache/uapi/ at the repo root. Reused when present.
#
# Usage:
#   scripts/uapi.sh            last (and only) stdout line: the include dir
#                              that contains linux/io_uring.h
#   scripts/uapi.sh --cflags   last (and only) stdout line: the -I flags to
#                              put on a compiler command line (the include dir
#                              and the matching multiarch dir holding asm/)
# Progress and errors go to stderr. Exit status is non-zero on failure.
#
# Environment: UAPI_SUITE (default trixie-backports), UAPI_PACKAGE (default
# linux-libc-dev), UAPI_REFRESH=1 to discard the cache and fetch again.
set -eu

mode=dir
case "${1-}" in
  "") ;;
  --cflags) mode=cflags ;;
  -h|--help) sed -n '2,22p' "$0" >&2; exit 0 ;;
  *) echo "uapi.sh: unknown argument: $1" >&2; exit 2 ;;
esac

log() { echo "uapi.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

# Repo root from this script's own location (scripts/ is one level down).
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
cache="$root/.cache/uapi"
suite=${UAPI_SUITE:-trixie-backports}
pkg=${UAPI_PACKAGE:-linux-libc-dev}
# The multiarch triplet names the dir that holds asm/ (x86_64-linux-gnu here).
triplet=$( (gcc -print-multiarch || dpkg-architecture -qDEB_HOST_MULTIARCH) 2>/dev/null || true)
[ -n "$triplet" ] || triplet=x86_64-linux-gnu

inc="$cache/root/usr/include"
cflags="-I$inc -I$inc/$triplet"

# verify DIR: the header has the structs/flags the ABI tables need, and a tiny
# C file including it compiles with $cflags (which must shadow the system's
# older linux/ and asm/ headers: -I dirs are searched before system dirs).
verify() {
  h="$inc/linux/io_uring.h"
  [ -f "$h" ] || return 1
  [ -d "$inc/$triplet/asm" ] || { log "missing $inc/$triplet/asm"; return 1; }
  for sym in 'struct io_uring_reg_wait' 'struct io_uring_region_desc' \
             'IORING_SETUP_NO_MMAP' 'IOU_PBUF_RING_INC'; do
    grep -q "$sym" "$h" || { log "$h lacks $sym"; return 1; }
  done
  if command -v gcc >/dev/null 2>&1; then
    t=$(mktemp -d)
    cat >"$t/t.c" <<'EOF'
#include <stdio.h>
#include <linux/io_uring.h>
int main(void) {
	printf("%zu %zu\n", sizeof(struct io_uring_reg_wait),
	       sizeof(struct io_uring_region_desc));
	return IORING_SETUP_NO_MMAP == 0 || IOU_PBUF_RING_INC == 0;
}
EOF
    # shellcheck disable=SC2086 # $cflags is a list of flags
    if ! gcc -Wall -Werror $cflags -o "$t/t" "$t/t.c" >&2 || ! sizes=$("$t/t"); then
      rm -rf "$t"; log "test compile against $inc failed"; return 1
    fi
    rm -rf "$t"
    log "compile check ok: sizeof(io_uring_reg_wait), sizeof(io_uring_region_desc) = $sizes"
  else
    log "gcc not found: skipped the compile check"
  fi
  return 0
}

emit() {
  if [ "$mode" = cflags ]; then echo "$cflags"; else echo "$inc"; fi
}

mkdir -p "$cache"
# Serialise concurrent runs (e.g. parallel test jobs) on one cache.
exec 9>"$cache/.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi

if [ "${UAPI_REFRESH:-0}" = 1 ]; then
  log "UAPI_REFRESH=1: discarding $cache/root"
  rm -rf "$cache/root"
fi

if [ -f "$cache/root/.complete" ] && verify; then
  log "using cached $(cat "$cache/root/.complete")"
  emit; exit 0
fi

# --- fetch -------------------------------------------------------------------
# The Debian mirror the host already uses: the first URI of a deb stanza whose
# suite is a plain release (not -security), from deb822 .sources files, else
# from one-line sources.list files.
mirror=$(
  for f in /etc/apt/sources.list.d/*.sources; do [ -f "$f" ] && cat "$f" && echo; done |
  awk 'BEGIN { RS = ""; FS = "\n" }
       { uri = ""; ok = 0; deb = 0; off = 0
         for (i = 1; i <= NF; i++) {
           if ($i ~ /^URIs:/)   { sub(/^URIs:[ \t]*/, "", $i); split($i, u, /[ \t]+/); uri = u[1] }
           if ($i ~ /^Types:/ && $i ~ /(^|[ \t])deb([ \t]|$)/) deb = 1
           if ($i ~ /^Suites:/ && $i !~ /-security/) ok = 1
           if ($i ~ /^Enabled:[ \t]*no/) off = 1
         }
         if (deb && ok && !off && uri != "") { print uri; exit } }'
)
if [ -z "$mirror" ]; then
  mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) while ($i !~ /\]$/) i++; if ($2 ~ /^\[/) i++;
                       if ($(i+1) !~ /-security/) { print $i; exit } }')
fi
[ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources.list{,.d/}"
mirror=${mirror%/}
log "mirror $mirror, suite $suite, package $pkg"

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || die "$keyring missing (package debian-archive-keyring)"

apt="$cache/apt"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs"
echo "deb [signed-by=$keyring] $mirror $suite main" >"$apt/sources.list"
# Every apt directory that would be written points into the cache: the source
# list (SourceParts=/dev/null hides the host's), the lists, and the package
# cache (apt-get update would otherwise rewrite /var/cache/apt/*.bin).
# The host's dpkg status is only read.
set -- -o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null \
       -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" \
       -o Dir::Etc::PreferencesParts=/dev/null -o Dir::Etc::Preferences=/dev/null \
       -o APT::Get::List-Cleanup=0
log "apt-get update (private lists in $apt)"
apt-get "$@" -q update >&2 || die "apt-get update failed"
# pkg/suite selects the suite explicitly (backports are NotAutomatic).
# APT::Sandbox::User=root: apt's _apt user could not write into the cache
# (apt would fall back to root anyway, with a warning).
( cd "$apt/debs" && rm -f ./*.deb &&
  apt-get "$@" -o APT::Sandbox::User=root -q download "$pkg/$suite" >&2 ) ||
  die "apt-get download $pkg/$suite failed"
deb=$(ls "$apt/debs"/*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || die "no .deb downloaded"
ver=$(dpkg-deb -f "$deb" Version)
log "extracting $(basename "$deb") ($pkg $ver)"

# Extract to a temp dir and rename, so an interrupted run leaves no half cache.
rm -rf "$cache/root.tmp" "$cache/root"
mkdir -p "$cache/root.tmp"
dpkg -x "$deb" "$cache/root.tmp"
echo "$pkg $ver from $suite" >"$cache/root.tmp/.complete"
mv "$cache/root.tmp" "$cache/root"

verify || die "the fetched header is not usable (see above)"
log "ready: $pkg $ver"
emit
