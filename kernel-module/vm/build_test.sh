#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build-gating tests for kernel-module/Kbuild, against the 7.3 headers in the
# trixie root vm/run.sh keeps in its cache (run that once first).  Each case
# bind-mounts a changed copy of one kernel header over the real one inside
# the root, builds, and checks what Kbuild decided:
#
#   - the real headers: buffer commands on (jsuring.ko imports
#     io_buffer_register_bvec)
#   - io_buffer_register_bvec() with `u8 dir` and `unsigned int index`
#     swapped: the type check turns the buffer commands off (a prototype grep
#     would still match, and the call would compile with the arguments swapped)
#   - IO_BUF_DEST / IO_BUF_SOURCE not exported: still builds, same values
#   - include/linux/io_uring/ missing, stdin an open pipe: make stops within
#     60 s with the probe's message instead of waiting for input
#   - VERSION=6 PATCHLEVEL=12: refused with "needs Linux 6.13"
#
#   JSK_VM_CACHE=/work/vmcache-NAME kernel-module/vm/build_test.sh
#
# Prints "ok - ..." / "not ok - ..." and "JSK-RESULT passed=N failed=N skipped=0";
# exit status non-zero on any failure.  Must run as root.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KMOD=$(dirname "$HERE")
REPO=$(dirname "$KMOD")
CACHE=${JSK_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jsuring/vm}	# as vm/run.sh
ROOT=$CACHE/root
[ "$(id -u)" = 0 ] || { echo "run as root"; exit 1; }
[ -e "$ROOT/.jsk-root-ok" ] || { echo "no build root in $CACHE: run kernel-module/vm/run.sh --build-only first"; exit 1; }
exec 9>"$CACHE/.lock"
flock 9

KVER=$(ls "$ROOT/usr/src" | sed -n 's/^linux-headers-\(7\.3\.[0-9.]*+deb[0-9]*-cloud-amd64\)$/\1/p' | sort -V | tail -1)
[ -n "$KVER" ] || { echo "no 7.3 cloud headers in the root"; exit 1; }
# Debian splits the headers: the flavour's folder has the config and generated
# files, the shared ones (include/linux/...) are in the -common package
COMMON=$ROOT/usr/src/linux-headers-${KVER%-cloud-amd64}-common
CMD_H=$COMMON/include/linux/io_uring/cmd.h
TYPES_H=$COMMON/include/linux/io_uring_types.h
[ -f "$CMD_H" ] && [ -f "$TYPES_H" ] || { echo "headers not found under $COMMON"; exit 1; }

TMP=$(mktemp -d)
MOUNTS=()
cleanup() {
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do umount "${MOUNTS[$i]}" 2>/dev/null; done
	mountpoint -q "$ROOT/proc" && umount "$ROOT/proc"
	rm -rf "$TMP"
}
trap cleanup EXIT
mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
over() { mount --bind "$1" "$2" && MOUNTS+=("$2"); }
unover() { umount "${MOUNTS[-1]}"; unset 'MOUNTS[-1]'; }

P=0 F=0
ok() { echo "ok - $*"; P=$((P + 1)); }
bad() { echo "not ok - $*"; F=$((F + 1)); }

# build [make args...]: stdin is a pipe whose writer stays open (as a
# terminal would); the log goes to $TMP/log; returns make's status (124:
# still running after 60 s)
build() {
	local b=$ROOT/build/gate rc writer
	rm -rf "$b"
	mkdir -p "$b"
	cp -r "$KMOD/Kbuild" "$KMOD/Makefile" "$KMOD"/*.c "$KMOD/include" "$b/"
	[ -d "$KMOD/conftest" ] && cp -r "$KMOD/conftest" "$b/"
	rm -f "$TMP/stdin"
	mkfifo "$TMP/stdin"
	sleep 90 >"$TMP/stdin" &
	writer=$!
	timeout 60 chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
		make -C /build/gate KDIR="/usr/src/linux-headers-$KVER" "$@" <"$TMP/stdin" >"$TMP/log" 2>&1
	rc=$?
	kill "$writer" 2>/dev/null
	wait "$writer" 2>/dev/null
	return $rc
}
imports_bvec() { nm -u "$ROOT/build/gate/jsuring.ko" 2>/dev/null | grep -qw io_buffer_register_bvec; }

# 1. the headers as shipped
if build && imports_bvec; then ok "7.3 headers: built, buffer commands on"; else bad "7.3 headers: $(tail -3 "$TMP/log")"; fi

# 2. same name, parameters reordered (u8 dir <-> unsigned int index)
sed 's/void \*priv, u8 dir, unsigned int index,/void *priv, unsigned int index, u8 dir,/' "$CMD_H" >"$TMP/cmd.h"
if cmp -s "$CMD_H" "$TMP/cmd.h"; then
	bad "reordered prototype: could not patch $CMD_H"
else
	over "$TMP/cmd.h" "$CMD_H"
	if ! build; then
		bad "reordered prototype: build failed: $(tail -3 "$TMP/log")"
	elif imports_bvec; then
		bad "reordered prototype: buffer commands still compiled in (arguments would be passed swapped)"
	else
		ok "reordered prototype: buffer commands compiled out by the type check"
	fi
	unover
fi

# 3. IO_BUF_DEST / IO_BUF_SOURCE not exported (before patch 4/5)
sed 's/\bIO_BUF_DEST\b/IO_BUF_DEST_HIDDEN/; s/\bIO_BUF_SOURCE\b/IO_BUF_SOURCE_HIDDEN/' "$TYPES_H" >"$TMP/types.h"
over "$TMP/types.h" "$TYPES_H"
if build && imports_bvec; then ok "no IO_BUF_DEST/IO_BUF_SOURCE: built with the upstream values"; else bad "no IO_BUF_DEST/IO_BUF_SOURCE: $(tail -3 "$TMP/log")"; fi
unover

# 4. include/linux/io_uring/ missing; stdin is an open pipe
mkdir -p "$TMP/empty"
over "$TMP/empty" "$(dirname "$CMD_H")"
start=$(date +%s)
build
rc=$?
secs=$(($(date +%s) - start))
if [ $rc = 124 ]; then
	bad "missing io_uring/cmd.h: make still running after 60 s (reading stdin?)"
elif [ $rc = 0 ]; then
	bad "missing io_uring/cmd.h: the build succeeded"
elif grep -q 'jsuring: these kernel headers lack' "$TMP/log"; then
	ok "missing io_uring/cmd.h: stopped in ${secs}s with the probe's message"
else
	bad "missing io_uring/cmd.h: failed without the message: $(tail -3 "$TMP/log")"
fi
unover

# 5. older than the region helper needs
if build VERSION=6 PATCHLEVEL=12; then
	bad "6.12: built"
elif grep -q 'jsuring needs Linux 6.13 or newer' "$TMP/log"; then
	ok "6.12: refused with 'needs Linux 6.13 or newer'"
else
	bad "6.12: failed without the message: $(tail -3 "$TMP/log")"
fi

echo "JSK-RESULT passed=$P failed=$F skipped=0"
[ $F = 0 ]
