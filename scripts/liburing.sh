#!/bin/sh
# scripts/liburing.sh — make a current <liburing.h> available to the SQE golden test.
#
# Bookworm's liburing-dev is 2.3; the io_uring_prep_* helpers for newer
# opcodes (bind/listen 2.8, ftruncate 2.6, fixed_fd_install 2.6, cmd_sock 2.5,
# pipe 2.11, send/recv bundles, ...) are static inline functions in
# liburing.h, so the golden test only needs the newer header. This fetches
# Debian's liburing-dev from LIBURING_SUITE (default: unstable, the newest
# suite; trixie's 2.9 lacks io_uring_prep_pipe) with a private apt sources
# list / lists dir / cache dir — the host's apt configuration and state are
# never written — and `dpkg -x`es it into the git-ignored .cache/liburing-new/.
# Reused when present (LIBURING_REFRESH=1 fetches again).
#
# Usage: scripts/liburing.sh   last stdout line: the include dir holding
#                              liburing.h (put it first with -I, before the
#                              kernel uapi dir of scripts/uapi.sh)
# Progress and errors go to stderr; exit status non-zero on failure.
set -eu

log() { echo "liburing.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
cache="$root/.cache/liburing-new"
suite=${LIBURING_SUITE:-unstable}
inc="$cache/root/usr/include"

# The header must have the newest prep the golden test uses.
verify() {
  [ -f "$inc/liburing.h" ] && grep -q 'io_uring_prep_pipe' "$inc/liburing.h"
}

mkdir -p "$cache"
exec 9>"$cache/.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi

if [ "${LIBURING_REFRESH:-0}" = 1 ]; then rm -rf "$cache/root"; fi
if [ -f "$cache/root/.complete" ] && verify; then
  log "using cached $(cat "$cache/root/.complete")"
  echo "$inc"; exit 0
fi

# The Debian mirror the host already uses (as scripts/uapi.sh finds it).
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
         if (deb && ok && !off && uri ~ /debian/) { print uri; exit } }'
)
if [ -z "$mirror" ]; then
  mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    awk '$1 == "deb" && /debian/ { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                       if ($(i+1) !~ /-security/) { print $i; exit } }')
fi
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
mirror=${mirror%/}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || die "$keyring missing (package debian-archive-keyring)"
log "mirror $mirror, suite $suite, package liburing-dev"

apt="$cache/apt"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs"
echo "deb [signed-by=$keyring] $mirror $suite main" >"$apt/sources.list"
set -- -o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null \
       -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" \
       -o Dir::Etc::PreferencesParts=/dev/null -o Dir::Etc::Preferences=/dev/null \
       -o APT::Get::List-Cleanup=0
apt-get "$@" -q update >&2 || die "apt-get update failed"
( cd "$apt/debs" && rm -f ./*.deb &&
  apt-get "$@" -o APT::Sandbox::User=root -q download "liburing-dev/$suite" >&2 ) ||
  die "apt-get download liburing-dev/$suite failed"
deb=$(ls "$apt/debs"/*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || die "no .deb downloaded"
ver=$(dpkg-deb -f "$deb" Version)
rm -rf "$cache/root.tmp" "$cache/root"
mkdir -p "$cache/root.tmp"
dpkg -x "$deb" "$cache/root.tmp"
echo "liburing-dev $ver from $suite" >"$cache/root.tmp/.complete"
mv "$cache/root.tmp" "$cache/root"
verify || die "$inc/liburing.h lacks io_uring_prep_pipe (liburing-dev $ver is too old)"
log "ready: liburing-dev $ver"
echo "$inc"
