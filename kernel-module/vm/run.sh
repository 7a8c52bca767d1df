#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the jsuring kernel module and its tests, boot a Debian cloud kernel
# under qemu (software emulation) with a busybox initramfs holding them, run
# the test suites inside and report on the host:
#
#   kernel-module/vm/run.sh                      # C suite on the newest 7.3.x
#   kernel-module/vm/run.sh --kernel 7.2         # boot 7.2 (bvec commands compiled out)
#   kernel-module/vm/run.sh --kernel 6.1 --lib   # the library's whole Deno and Bun
#                                                # suites (tests/) on bookworm's 6.1
#   kernel-module/vm/run.sh --matrix             # the kernel matrix: --lib on 6.1,
#                                                # 6.12 and 7.3, one VM each
#   kernel-module/vm/run.sh --build-only         # both builds (7.3 and 7.2), no VM: for CI
#   kernel-module/vm/run.sh --deno tests/kmod    # also `deno test -A --no-check tests/kmod`
#   kernel-module/vm/run.sh --deno kernel-module/vm/deno --core --bun   # scripts/test.sh
#
# Extra payload (the hook the Deno port uses; all may be repeated):
#   --pack SRC[:DST]   copy a host file or directory into the initramfs
#                      (DST defaults to /extra/<basename of SRC>)
#   --bin PATH         copy an executable to /usr/local/bin plus every library
#                      `ldd` lists, at the same paths
#   --suite NAME=CMD   after the C suite, run `sh -c CMD` inside the VM; its
#                      result lines are counted: "JSK-RESULT passed=N failed=N
#                      skipped=N", Deno's "ok | N passed | N failed" summary and
#                      Bun's " N pass" / " N fail" / " N skip" lines; a non-zero
#                      exit with no failure reported counts as one failure
#   --deno DIR         = --bin deno --pack liburing.so.2 --pack the repo's mod.ts,
#                      src/, ffi/ (with build/), kernel-module/include/, deno.json,
#                      package.json, bunfig.toml and DIR
#                      under /repo, and --suite "deno=cd /repo && deno test -A --no-check DIR"
#                      (type checking stays on the host: it takes ~40 s under TCG)
#   --core             = the --deno payload plus the repo's tests/ under /repo, and one
#                      suite per core test file ("core:<file>"), run with
#                      `deno test -A --no-check --v8-flags=--expose-gc` after reserving
#                      64 hugepages: ring, ops, region, keep-alive and errors
#                      (JSK_VM_CORE_TESTS, space-separated paths, overrides the list).
#                      Tests that need gcc or a tool the busybox initramfs lacks skip
#                      with their printed reason.
#   --bun              with --deno/--core, also run the same suites with Bun
#                      (node_modules/.bin/bun's binary); see kernel-module/README.md
#   --no-c             skip the C suite
#   --lib[=deno|=bun]  the library's whole suites: `deno test` and `bun test` of
#                      tests/ ("lib:deno", "lib:bun"), with the host's gcc-12
#                      toolchain, make and headers packed in (the ABI, SQE golden
#                      and companion tests compile C), the uapi and liburing
#                      header caches, curl, prlimit and setpriv.
#                      These run whether or not the module builds for the kernel.
#                      --lib=deno / --lib=bun: one runtime only.
#                      JSK_VM_LIB_TESTS="tests/a_test.ts ..." runs those
#                      files only (scripts/test.sh's older-kernel subset).
#   --kernel SERIES    7.3 (default), 7.2: trixie-backports; 6.12: trixie;
#                      6.1: bookworm (linux-image-6.1.0-NN-cloud-amd64, looked up
#                      with a private apt list in the cache). The module is built
#                      where the trixie root has the series' headers; where it
#                      does not build (below 7.2) its suites are reported as not
#                      run, with the reason, and the library suites still run.
#   --liburing WHICH   the liburing.so.2 the library loads in the guest: host
#                      (default: bookworm's 2.3), trixie (the build root's, 2.9)
#                      or a path to a liburing.so.2
#   --matrix           run this script once per kernel in JSK_VM_MATRIX
#                      (default "6.1 6.12 7.3") with --lib (6.12 with
#                      --liburing trixie) and the other arguments; prints one
#                      "vm-KERNEL: ..." line each, the elapsed time, and the
#                      summed "vm:" line last
#
# Deno and Bun suites are counted per test from their streamed output ("name
# ... ok|FAILED|ignored", "(pass|fail|skip) name"), so a suite killed by its
# timeout keeps the results of the tests that finished, plus one failure
# naming the timeout. Bun gets `--timeout` from bunfig.toml's [test] timeout
# (bun test does not read that key itself). Loopback is up in the guest.
#
# Each suite's counts go to stderr as "suite NAME: N passed, N failed, N
# skipped"; the last line on stdout is exactly "vm: N passed, N failed"
# (", N skipped" when some were), the sum over all suites; the exit status is non-zero on any failure, on a VM that did
# not finish, and on BUG:/WARNING:/Oops/general protection in the VM's dmesg
# (counted as one failed test "dmesg is clean").
#
# Everything downloaded or built lives in $JSK_VM_CACHE (default
# ${XDG_CACHE_HOME:-~/.cache}/jsuring/vm, outside the clone, so a fresh clone
# reuses it) and is reused: a trixie debootstrap root with
# gcc-14, liburing-dev 2.9, busybox-static and Debian's kernel headers from
# trixie-backports (Debian's 7.3 kbuild tools need glibc 2.38+, newer than
# bookworm's), plus the kernel images.  The host's apt sources are never
# changed; host packages are installed only when missing.  Must run as root.
# JSK_VM_REFRESH=1 refreshes the root's package lists (a newer 7.3.x then
# gets picked up); JSK_VM_CACHE, JSK_VM_MEM (MiB, 2048, 3072 with --lib),
# JSK_VM_TIMEOUT (s, 900; with --lib 5400, one runtime 3000; whole VM),
# JSK_SUITE_TIMEOUT (s, 300 per suite; JSK_LIB_TIMEOUT, 2400, for the
# whole-library suites),
# JSK_STALL (s, 300: a suite with no output for that long is stopped as hung) and
# JSK_VM_CPU (qemu -cpu model: qemu64, or max with --bun/--lib) tune the rest.
set -euo pipefail

# The kernel matrix: one run per kernel, results summed.
for a in "$@"; do
	[ "$a" = --matrix ] || continue
	args=()
	for b in "$@"; do [ "$b" = --matrix ] || args+=("$b"); done
	tp=0 tf=0 ts=0 rc=0
	for k in ${JSK_VM_MATRIX:-6.1 6.12 7.3}; do
		extra=()
		[ "$k" = 6.12 ] && extra=(--liburing trixie)	# Debian 13's pair
		t0=$(date +%s)
		out=$("$0" --kernel "$k" --lib --no-c "${extra[@]}" "${args[@]}") || rc=1
		line=$(tail -n 1 <<<"$out")
		echo "vm-$k: ${line#vm: } ($(($(date +%s) - t0)) s)"
		p=$(sed -nE 's/^vm: ([0-9]+) passed.*/\1/p' <<<"$line")
		f=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$line")
		sk=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line")
		tp=$((tp + ${p:-0})) tf=$((tf + ${f:-1})) ts=$((ts + ${sk:-0}))
	done
	line="vm: $tp passed, $tf failed"
	[ "$ts" -gt 0 ] && line="$line, $ts skipped"
	echo "$line"
	exit $rc
done

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KMOD=$(dirname "$HERE")
REPO=$(dirname "$KMOD")
# Outside the clone by default: a fresh clone (CI) reuses the root, the
# kernels and the toolchain tar instead of paying debootstrap again.
CACHE=${JSK_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jsuring/vm}
ROOT=$CACHE/root
SERIES=7.3
BUILD_ONLY=0
RUN_C=1
MEM=${JSK_VM_MEM:-2048}
TIMEOUT=${JSK_VM_TIMEOUT:-900}
PACKS=() BINS=() SUITES=()
DENO_PAYLOAD=0 RUN_BUN=0 LIB=0 LIB_RT= LIBURING=host
CORE_TESTS=${JSK_VM_CORE_TESTS:-tests/ring_test.ts tests/ops_test.ts tests/region_test.ts tests/keepalive_test.ts tests/errors_test.ts}
LIB_TESTS=${JSK_VM_LIB_TESTS:-}	# --lib: these files only (default: all of tests/)

say() { echo "[vm $(date +%T)] $*" >&2; }
DONE=0	# the final "vm:" line was printed
die() { say "error: $*"; [ $DONE = 1 ] || echo "vm: 0 passed, 1 failed"; DONE=1; exit 1; }
LOCKED=0 RUN=
cleanup() {
	[ $LOCKED = 1 ] && mountpoint -q "$ROOT/proc" 2>/dev/null && umount "$ROOT/proc"
	[ -n "$RUN" ] && rm -rf "$RUN"
	# an unexpected exit still ends with a countable line
	[ $DONE = 1 ] || echo "vm: 0 passed, 1 failed"
}
trap cleanup EXIT

JS_DIRS=()
# deno, liburing, the companion library and the library's sources under /repo (once)
deno_payload() {
	[ $DENO_PAYLOAD = 1 ] && return 0
	DENO_PAYLOAD=1
	local deno f
	deno=$(readlink -f "$REPO/node_modules/.bin/deno" 2>/dev/null) ||
		die "no deno in node_modules (npm install first)"
	[ -x "$deno" ] || die "no deno in node_modules (npm install first)"
	BINS+=("$deno")
	for f in mod.ts src ffi kernel-module/include deno.json deno.jsonc package.json bunfig.toml; do
		[ -e "$REPO/$f" ] && PACKS+=("$REPO/$f:/repo/$f")
	done
	DENO_LIBURING=1
}

while [ $# -gt 0 ]; do
	case $1 in
	--kernel) SERIES=$2; shift ;;
	--build-only) BUILD_ONLY=1 ;;
	--no-c) RUN_C=0 ;;
	--pack) PACKS+=("$2"); shift ;;
	--bin) BINS+=("$2"); shift ;;
	--suite) SUITES+=("$2"); shift ;;
	--deno)
		d=${2%/}; shift
		deno_payload
		case $d in	# a test folder inside the repo keeps its path
		/*) PACKS+=("$d:/repo/.vm-tests/$(basename "$d")"); d=.vm-tests/$(basename "$d") ;;
		*) PACKS+=("$REPO/$d:/repo/$d") ;;
		esac
		SUITES+=("deno=cd /repo && deno test -A --no-check $d")
		JS_DIRS+=("$d")
		;;
	--core)
		deno_payload
		PACKS+=("$REPO/tests:/repo/tests")
		for t in $CORE_TESTS; do
			SUITES+=("+core:$(basename "$t" .ts)=echo 64 >/proc/sys/vm/nr_hugepages; cd /repo && deno test -A --no-check --v8-flags=--expose-gc $t")
			JS_DIRS+=("$t")
		done
		;;
	--bun) RUN_BUN=1 ;;
	--lib|--lib=deno|--lib=bun)
		LIB=1 LIB_RT=${1#--lib}
		LIB_RT=${LIB_RT#=}
		deno_payload
		PACKS+=("$REPO/tests:/repo/tests" "$REPO/scripts:/repo/scripts")
		# the real clients and tools tests run (curl for the HTTP server, util-linux's
		# prlimit and setpriv for the memlock test); chromium is left out (its test skips)
		for t in curl prlimit setpriv; do
			command -v "$t" >/dev/null && BINS+=("$(command -v "$t")")
		done
		# the npm packages tests read (not the runtimes' binaries: those are --bin)
		for f in "$REPO"/node_modules/*; do
			case ${f##*/} in bun|deno|@deno|@oven) ;; *) [ -e "$f" ] && PACKS+=("$f:/repo/node_modules/${f##*/}") ;; esac
		done
		;;
	--liburing) LIBURING=$2; shift ;;
	-h|--help) sed -n '3,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
	shift
done

# bun test ignores bunfig.toml's [test] timeout (only --timeout sets it): pass it
BUN_TIMEOUT=$(sed -nE 's/^timeout *= *([0-9]+).*/\1/p' "$REPO/bunfig.toml" 2>/dev/null | head -1)
BUN_TIMEOUT=${BUN_TIMEOUT:-120000}
if [ $RUN_BUN = 1 ] || [ $LIB = 1 ]; then
	[ ${#JS_DIRS[@]} -gt 0 ] || [ $LIB = 1 ] || die "--bun needs --deno DIR, --core or --lib"
	bun=$(readlink -f "$REPO/node_modules/.bin/bun" 2>/dev/null) ||
		die "no bun in node_modules (npm install first)"
	[ -x "$bun" ] || die "no bun in node_modules (npm install first)"
	BINS+=("$bun")
	# npm's bun is the x64 (AVX2) build: TCG offers AVX2 with -cpu max (QEMU 7.2+)
	CPU=${JSK_VM_CPU:-max}
fi
if [ $RUN_BUN = 1 ]; then
	for d in "${JS_DIRS[@]}"; do
		if [ -d "$REPO/$d" ] || [ -d "$d" ]; then
			files=$(cd "$REPO" && ls "$d"/*_test.ts 2>/dev/null | sed 's|^|./|' | tr '\n' ' ')
		else
			files=./$d
		fi
		# the binary keeps its file name (npm's is bun.exe)
		plus=
		case $d in tests/*) plus=+ ;; esac	# core suites: no module needed
		SUITES+=("${plus}bun:$(basename "$d" .ts)=echo 64 >/proc/sys/vm/nr_hugepages; cd /repo && $(basename "$bun") test --timeout $BUN_TIMEOUT $files")
	done
fi
if [ $LIB = 1 ]; then
	# "+" marks suites that run whether or not the module loaded
	lt=tests/ bt=
	if [ -n "$LIB_TESTS" ]; then
		lt=$LIB_TESTS
		for t in $LIB_TESTS; do
			[ -e "$REPO/$t" ] || die "JSK_VM_LIB_TESTS: no $t in the repo"
			bt="$bt ./$t"
		done
	fi
	[ "$LIB_RT" = bun ] ||
		SUITES+=("+lib:deno=echo 64 >/proc/sys/vm/nr_hugepages; cd /repo && deno test -A --no-check --v8-flags=--expose-gc $lt")
	[ "$LIB_RT" = deno ] ||
		SUITES+=("+lib:bun=echo 64 >/proc/sys/vm/nr_hugepages; cd /repo && $(basename "$bun") test --timeout $BUN_TIMEOUT$bt")
	MEM=${JSK_VM_MEM:-3072}
	TIMEOUT=${JSK_VM_TIMEOUT:-$([ -n "$LIB_RT" ] && echo 3000 || echo 5400)}
fi
CPU=${CPU:-${JSK_VM_CPU:-qemu64}}

[ "$(id -u)" = 0 ] || die "run as root (debootstrap, chroot, mknod)"
mkdir -p "$CACHE"
# The build phase (root, headers, module, kernel image, toolchain tar,
# initramfs) is one run at a time per cache; the lock is released before the
# VM boots, so runs of different kernels can share a cache and boot side by
# side (each has its own initramfs in $RUN and its own serial log).
exec 9>"$CACHE/.lock"
flock 9
LOCKED=1
RUN=$(mktemp -d "$CACHE/run.XXXXXX")

# ---- host tools, installed only when missing -------------------------------
need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
[ $BUILD_ONLY = 1 ] || command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
if [ ${#need[@]} -gt 0 ]; then
	say "installing ${need[*]} on the host"
	apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi

# The Debian mirror the host already uses (deb822 or one-line sources).
mirror() {
	local m
	m=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -1)
	[ -n "$m" ] || m=$(grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -v security | head -1)
	echo "${m:-http://deb.debian.org/debian}"
}
MIRROR=${JSK_DEBIAN_MIRROR:-$(mirror)}

# ---- the trixie build root -------------------------------------------------
in_root() { chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 "$@"; }

if [ ! -e "$ROOT/.jsk-root-ok" ]; then
	say "debootstrap trixie into $ROOT (mirror $MIRROR)"
	rm -rf "$ROOT" "$ROOT.tmp"
	debootstrap --variant=minbase \
		--include=gcc-14,make,libc6-dev,liburing-dev,busybox-static \
		trixie "$ROOT.tmp" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 ||
		die "debootstrap failed, see $CACHE/debootstrap.log"
	echo "deb $MIRROR trixie-backports main" >"$ROOT.tmp/etc/apt/sources.list.d/backports.list"
	chroot "$ROOT.tmp" apt-get update -qq >"$CACHE/apt.log" 2>&1 ||
		die "apt-get update in the build root failed, see $CACHE/apt.log"
	touch "$ROOT.tmp/.jsk-root-ok"
	mv "$ROOT.tmp" "$ROOT"
fi

mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"	# objtool needs it
if [ "${JSK_VM_REFRESH:-0}" = 1 ]; then	# look for newer kernels
	in_root apt-get update -qq >"$CACHE/apt.log" 2>&1 || die "apt-get update failed"
	rm -rf "$CACHE/kernels"
fi

# Newest cloud kernel of a series that has headers, e.g. 7.3 -> 7.3.4+deb13-cloud-amd64.
kver_of() {
	in_root apt-cache search --names-only "^linux-headers-${1//./\\.}\.[0-9.]+\+deb[0-9]+-cloud-amd64\$" |
		awk '{print $1}' | sed 's/^linux-headers-//' | sort -V | tail -1
}
ensure_headers() {
	in_root dpkg-query -W -f='${Status}' "linux-headers-$1" 2>/dev/null |
		grep -q 'install ok installed' && return 0
	say "installing linux-headers-$1 in the build root"
	in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"linux-headers-$1" >"$CACHE/apt.log" 2>&1 || {
		tail -20 "$CACHE/apt.log" >&2
		die "cannot install linux-headers-$1"
	}
}

# Build the module against one kernel's headers; prints the .ko path.
build_module() {
	local kv=$1 b=$ROOT/build/mod-$1 log
	rm -rf "$b"
	mkdir -p "$b"
	cp -r "$KMOD/Kbuild" "$KMOD/Makefile" "$KMOD"/*.c "$KMOD/include" "$KMOD/conftest" "$b/"
	log=$(in_root make -C "/build/mod-$kv" KDIR="/usr/src/linux-headers-$kv" 2>&1) || {
		echo "$log" >&2
		die "module build failed for $kv"
	}
	if grep -q 'warning:' <<<"$log"; then
		echo "$log" >&2
		die "module build for $kv has warnings"
	fi
	echo "$b/jsuring.ko"
}

# bookworm's kernels (6.1) through a private apt list in the cache: the host's
# apt configuration and state are never written.
BAPT=$CACHE/apt-bookworm
bapt() {
	apt-get -o Dir::Etc::SourceList="$BAPT/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$BAPT/lists" -o Dir::Cache="$BAPT/cache" \
		-o Dir::State::Status=/dev/null -o APT::Sandbox::User=root "$@"
}
bapt_cache() {
	apt-cache -o Dir::Etc::SourceList="$BAPT/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$BAPT/lists" -o Dir::Cache="$BAPT/cache" \
		-o Dir::State::Status=/dev/null "$@"
}
bookworm_kver() {
	if [ ! -e "$BAPT/.ok" ] || [ "${JSK_VM_REFRESH:-0}" = 1 ]; then
		mkdir -p "$BAPT/lists/partial" "$BAPT/cache/archives/partial"
		printf 'deb %s bookworm main\ndeb %s bookworm-updates main\n' "$MIRROR" "$MIRROR" >"$BAPT/sources.list"
		bapt update -qq >"$CACHE/apt-bookworm.log" 2>&1 || die "bookworm apt lists: see $CACHE/apt-bookworm.log"
		touch "$BAPT/.ok"
	fi
	bapt_cache search --names-only "^linux-image-${1//./\\.}\.0-[0-9]+-cloud-amd64\$" |
		awk '{print $1}' | sed 's/^linux-image-//' | sort -V | tail -1
}
# The newest cloud kernel image of a series without headers in the root.
image_kver() {
	in_root apt-cache search --names-only "^linux-image-${1//./\\.}\.[0-9.]+\+deb[0-9]+-cloud-amd64\$" |
		awk '{print $1}' | sed 's/^linux-image-//' | sort -V | tail -1
}

# The kernel: headers in the trixie root (7.x from trixie-backports, 6.12
# from trixie) build the module; 6.1 is bookworm's, image only.
KVER=$(kver_of "$SERIES")
[ -n "$KVER" ] || KVER=$(image_kver "$SERIES")
BOOKWORM=0
if [ -z "$KVER" ]; then
	KVER=$(bookworm_kver "$SERIES")
	BOOKWORM=1
fi
[ -n "$KVER" ] || die "no Debian cloud kernel found for $SERIES"
KO= NOMOD=
if [ $BOOKWORM = 1 ]; then
	NOMOD="no $KVER headers in the trixie build root (bookworm's kbuild needs gcc-12)"
elif [ -z "$(kver_of "$SERIES")" ]; then
	NOMOD="no linux-headers-$KVER in trixie"
else
	ensure_headers "$KVER"
	# The module needs 7.2+ (io_uring command buffer API); below that a failed
	# build only means its suites do not run.
	if [ "$(printf '%s\n' "$SERIES" 7.2 | sort -V | head -1)" = 7.2 ]; then
		KO=$(build_module "$KVER")
	else
		KO=$(build_module "$KVER" 2>/dev/null) || { KO=; NOMOD="the module does not build for $KVER (needs Linux 7.2+)"; }
	fi
fi
if [ -n "$KO" ]; then
	say "built the module for $KVER"
else
	say "module suites not run on $KVER: $NOMOD"
	RUN_C=0
fi

if [ $BUILD_ONLY = 1 ]; then
	# CI: the other series too (7.2 compiles the bvec commands out).
	for s in 7.3 7.2; do
		[ "$s" = "$SERIES" ] && continue
		kv=$(kver_of "$s")
		if [ -z "$kv" ]; then
			say "no $s headers available: $s build skipped"
			continue
		fi
		ensure_headers "$kv"
		build_module "$kv" >/dev/null
		say "built $kv module"
	done
	DONE=1
	echo "vm: build only, no tests run"
	exit 0
fi

# ---- the C test program (static, trixie's liburing 2.9) --------------------
if [ $RUN_C = 1 ]; then
	mkdir -p "$ROOT/build/test"
	cp "$HERE/kmod_test.c" "$KMOD/include/uapi/jsuring_kmod.h" "$ROOT/build/test/"
	in_root gcc-14 -O2 -Wall -Wextra -Wno-sign-compare -Werror -static \
		-pthread -o /build/test/kmod_test /build/test/kmod_test.c -luring >&2 ||
		die "test program build failed"
fi

# ---- the kernel image ---------------------------------------------------------
KDIR_IMG=$CACHE/kernels/$KVER
if [ ! -s "$KDIR_IMG/vmlinuz" ]; then
	say "downloading the $KVER kernel image"
	rm -rf "$ROOT/dl"
	mkdir -p "$ROOT/dl" "$KDIR_IMG"
	if [ $BOOKWORM = 1 ]; then
		(cd "$ROOT/dl" && bapt download -qq "linux-image-$KVER") >&2 ||
			die "cannot download the $KVER kernel image"
	else
		in_root sh -c "cd /dl && (apt-get download -qq -o APT::Sandbox::User=root linux-binary-$KVER || apt-get download -qq -o APT::Sandbox::User=root linux-image-$KVER)" >&2 ||
			die "cannot download the $KVER kernel image"
	fi
	deb=$(ls "$ROOT"/dl/*.deb | head -1)
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO "./usr/lib/modules/$KVER/vmlinuz" >"$KDIR_IMG/vmlinuz.tmp" 2>/dev/null ||
		dpkg-deb --fsys-tarfile "$deb" | tar -xO "./boot/vmlinuz-$KVER" >"$KDIR_IMG/vmlinuz.tmp"
	mv "$KDIR_IMG/vmlinuz.tmp" "$KDIR_IMG/vmlinuz"
	rm -rf "$ROOT/dl"
fi

# ---- the host's C toolchain, for the tests that compile C (--lib) ----------
# gcc-12, binutils, make, libc/kernel/liburing headers and the sanitizer
# runtimes, as files of the host's packages (docs, C++, LTO and most static
# archives left out) plus the libraries ldd lists. Cached as one tar file.
tools_tar() {
	local t=$CACHE/tools.tar gcc pkgs f
	[ -s "$t" ] && return 0
	gcc=$(readlink -f "$(command -v gcc)" 2>/dev/null) || die "--lib needs gcc on the host (scripts/setup.sh)"
	pkgs="$(dpkg -S "$gcc" | cut -d: -f1) $(dpkg -S "$(readlink -f "$(command -v cpp)")" | cut -d: -f1)"
	for f in gcc cpp libgcc-12-dev binutils binutils-x86-64-linux-gnu libbinutils libctf0 libctf-nobfd0 \
		libjansson4 libc6 libc6-dev libc-dev-bin linux-libc-dev liburing-dev liburing2 make libasan8 libubsan1 libstdc++6 \
		libisl23 libmpc3 libmpfr6 libgmp10 libzstd1 zlib1g libgcc-s1 libcrypt-dev libcrypt1; do
		dpkg -s "$f" >/dev/null 2>&1 && pkgs="$pkgs $f"
	done
	# shellcheck disable=SC2086
	{
		dpkg -L $pkgs 2>/dev/null
		for f in "$gcc" "$(dirname "$gcc")/../lib/gcc/x86_64-linux-gnu/"*/cc1 "$(command -v as)" "$(command -v ld)" "$(command -v make)"; do
			ldd "$(readlink -f "$f")" 2>/dev/null | grep -o '/[^ ]*'
		done
	} | sed -e 's|^/lib/|/usr/lib/|' -e 's|^/bin/|/usr/bin/|' -e 's|^/sbin/|/usr/sbin/|' |
		grep -vE '^/usr/share/|^/etc/|/gconv/|/(lto1|cc1plus|lto-dump[^/]*|[^/]*ld\.gold|lib(t|l|hw)san\.a|libc\.a|libm-[0-9.]*\.a|libmvec\.a|[^/]*dwp|[^/]*gprofng[^/]*)$' |
		sort -u | while read -r f; do
		[ -d "$f" ] && continue
		[ -e "$f" ] || [ -L "$f" ] || continue
		# static archives: the small ones (libgcc, libc_nonshared, libdl's stub),
		# not libc.a or the sanitizers' (the tests link dynamically)
		case $f in *.a) [ "$(stat -Lc %s "$f")" -lt 3500000 ] || continue ;; esac
		echo "${f#/}"
	done >"$CACHE/tools.list"
	tar -C / -cf "$t.tmp" --no-recursion -T "$CACHE/tools.list" || die "cannot pack the C toolchain"
	mv "$t.tmp" "$t"
}

# ---- the initramfs ----------------------------------------------------------------
rm -rf "$CACHE/initramfs" "$CACHE/initramfs.cpio"	# (older runs staged here)
STAGE=$RUN/initramfs
mkdir -p "$STAGE"/{bin,sbin,usr/bin,usr/sbin,usr/lib,usr/local/bin,proc,sys,dev,tmp,etc,extra}
# merged /usr as on the host: /lib/x86_64-linux-gnu/X and /usr/lib/... are one file
ln -s usr/lib "$STAGE/lib"
if [ $LIB = 1 ]; then
	tools_tar
	tar -C "$STAGE" --keep-directory-symlink -xf "$CACHE/tools.tar"
	ln -sf "$(basename "$(readlink -f "$(command -v gcc)")")" "$STAGE/usr/bin/cc"
	# the kernel uapi header the ABI test pins against (fetched on the host)
	sh "$REPO/scripts/uapi.sh" >/dev/null 2>"$CACHE/uapi.log" || say "scripts/uapi.sh failed, see $CACHE/uapi.log"
	[ -d "$REPO/.cache/uapi" ] && PACKS+=("$REPO/.cache/uapi:/repo/.cache/uapi")
	# and the newest liburing.h the SQE golden test compiles against
	sh "$REPO/scripts/liburing.sh" >/dev/null 2>"$CACHE/liburing-new.log" || say "scripts/liburing.sh failed, see $CACHE/liburing-new.log"
	# (the headers and the marker scripts/liburing.sh checks; its lib/ has
	# dangling development symlinks)
	for f in usr/include .complete; do
		[ -e "$REPO/.cache/liburing-new/root/$f" ] &&
			PACKS+=("$REPO/.cache/liburing-new/root/$f:/repo/.cache/liburing-new/root/$f")
	done
fi
cp "$ROOT/usr/bin/busybox" "$STAGE/bin/busybox"
mknod -m 600 "$STAGE/dev/console" c 5 1
[ -n "$KO" ] && cp "$KO" "$STAGE/jsuring.ko"
[ $RUN_C = 1 ] && cp "$ROOT/build/test/kmod_test" "$STAGE/kmod_test"

# binaries and the libraries ldd lists, at the same paths
for b in "${BINS[@]}"; do
	cp -L "$b" "$STAGE/usr/local/bin/"
	for lib in $(ldd "$b" 2>/dev/null | grep -o '/[^ ]*' | sort -u); do
		mkdir -p "$STAGE$(dirname "$lib")"
		# rm first: the toolchain may have put an absolute symlink there,
		# which cp would follow into the host's own file
		rm -f "$STAGE$lib"
		cp -L "$lib" "$STAGE$lib"
	done
done
if [ "${DENO_LIBURING:-0}" = 1 ]; then
	# The TS library must work with bookworm's liburing 2.3 (the host's copy,
	# the default) and with newer ones (--liburing trixie: 2.9).
	case $LIBURING in
	host) lu=$(ls /usr/lib/x86_64-linux-gnu/liburing.so.2 2>/dev/null || echo "$ROOT/usr/lib/x86_64-linux-gnu/liburing.so.2") ;;
	trixie) lu=$ROOT/usr/lib/x86_64-linux-gnu/liburing.so.2 ;;
	*) lu=$LIBURING ;;
	esac
	[ -e "$lu" ] || die "no liburing.so.2 at $lu"
	say "liburing in the guest: $(basename "$(readlink -f "$lu")")"
	mkdir -p "$STAGE/usr/lib/x86_64-linux-gnu"
	rm -f "$STAGE/usr/lib/x86_64-linux-gnu/liburing.so.2"*
	cp -L "$lu" "$STAGE/usr/lib/x86_64-linux-gnu/liburing.so.2"
fi
for p in "${PACKS[@]}"; do
	src=${p%%:*}
	dst=${p#*:}
	[ "$dst" = "$p" ] && dst=/extra/$(basename "$src")
	mkdir -p "$STAGE$(dirname "$dst")"
	cp -rL "$src" "$STAGE$dst"
done

if [ $LIB = 1 ]; then
	# tests start the runtimes as a user of the repo does, through
	# node_modules/.bin (the serve CLI test): there, the packed binaries
	mkdir -p "$STAGE/repo/node_modules/.bin"
	ln -sf /usr/local/bin/deno "$STAGE/repo/node_modules/.bin/deno"
	ln -sf "/usr/local/bin/$(basename "$bun")" "$STAGE/repo/node_modules/.bin/bun"
fi

# The suites, one a line: name, "+" when it runs without the module, command.
NOTRUN=()
{
	[ $RUN_C = 1 ] && printf 'kmod\t-\t%s\t/kmod_test /jsuring.ko\n' "${JSK_SUITE_TIMEOUT:-300}"
	for s in "${SUITES[@]}"; do
		name=${s%%=*} cmd=${s#*=} need=-
		case $name in +*) name=${name#+} need=+ ;; esac
		if [ "$need" = - ] && [ -z "$KO" ]; then
			NOTRUN+=("$name")
			continue
		fi
		# per-suite timeout: the whole-library suites get longer
		case $name in lib:*) to=${JSK_LIB_TIMEOUT:-2400} ;; *) to=${JSK_SUITE_TIMEOUT:-300} ;; esac
		printf '%s\t%s\t%s\t%s\n' "$name" "$need" "$to" "$cmd"
	done
} >"$STAGE/suites"

{
	echo '#!/bin/busybox sh'
	echo "JSK_STALL=${JSK_STALL:-300}"
} >"$STAGE/init"
cat >>"$STAGE/init" <<'EOF'
/bin/busybox --install -s /bin
# the packed util-linux/curl tools win over busybox's applets of the same
# name (busybox's setpriv has no --reuid: the unprivileged-port test failed)
for t in setpriv prlimit curl; do [ -x /usr/local/bin/$t ] && ln -sf /usr/local/bin/$t /bin/$t; done
export PATH=/usr/local/bin:/bin:/sbin:/usr/bin:/usr/sbin HOME=/tmp DENO_DIR=/tmp/deno NO_COLOR=1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
exec </dev/console >/dev/console 2>&1
ip link set lo up || ifconfig lo 127.0.0.1 up	# busybox init leaves it down
echo "JSK-VM-BOOTED $(uname -r)"
mod=0
if [ -e /jsuring.ko ]; then
	if insmod /jsuring.ko; then
		mod=1
	else
		echo "not ok - insmod /jsuring.ko"
		echo "JSK-RESULT passed=0 failed=1 skipped=0"
	fi
fi
T=$(printf '\t')
up() { cut -d. -f1 /proc/uptime; }
while IFS="$T" read -r name need to cmd; do
	[ "$need" = + ] || [ $mod = 1 ] || continue
	echo "JSK-SUITE-BEGIN $name"
	t0=$(up)
	rm -f /tmp/out.fifo /tmp/stalled
	mkfifo /tmp/out.fifo
	up >/tmp/last
	# The suite's output, passed on as it comes; every line but Deno's "has
	# been running for over" notes restarts the stall clock.
	(while IFS= read -r l || [ -n "$l" ]; do
		printf '%s
' "$l"
		case $l in *"has been running for over"*) ;; *) up >/tmp/last ;; esac
	done </tmp/out.fifo) &
	rpid=$!
	timeout "$to" sh -c "$cmd" >/tmp/out.fifo 2>&1 </dev/null &
	spid=$!
	# A hung test (nothing printed for JSK_STALL s) stops the suite instead
	# of holding it until its timeout: the tests that finished keep counting.
	(while sleep 10; do
		# read once, into a variable: /tmp/last is rewritten as lines come,
		# and an empty read must not end this loop with an arithmetic error
		last=$(cat /tmp/last 2>/dev/null)
		case $last in '' | *[!0-9]*) continue ;; esac
		[ $(($(up) - last)) -ge "$JSK_STALL" ] || continue
		touch /tmp/stalled
		kill -TERM "$spid" 2>/dev/null	# the runtime (timeout and sh exec into it)
		killall -TERM deno bun bun.exe 2>/dev/null	# and its children
		break
	done) &
	wpid=$!
	wait $spid
	rc=$?
	kill $wpid 2>/dev/null
	wait $rpid
	if [ -e /tmp/stalled ]; then
		echo "JSK-TIMEOUT suite $name stopped: no test finished for ${JSK_STALL}s (a hung test)"
		echo w >/proc/sysrq-trigger	# blocked tasks into dmesg
	elif [ $rc = 143 ] || [ $rc = 124 ]; then
		echo "JSK-TIMEOUT suite $name timed out after ${to}s"
		echo w >/proc/sysrq-trigger	# blocked tasks into dmesg
	fi
	echo "JSK-SUITE-END $name rc=$rc secs=$(($(up) - t0))"
done </suites
echo JSK-DMESG-BEGIN
dmesg
echo JSK-DMESG-END
echo JSK-VM-DONE
poweroff -f
EOF
chmod +x "$STAGE/init"
(cd "$STAGE" && find . | "$STAGE/bin/busybox" cpio -o -H newc 2>/dev/null) >"$RUN/initramfs.cpio"
rm -rf "$STAGE"
# the build phase is over: the next run may build while this one boots
mountpoint -q "$ROOT/proc" && umount "$ROOT/proc"
LOCKED=0
exec 9>&-
say "initramfs $(($(stat -c %s "$RUN/initramfs.cpio") / 1024)) KiB; booting $KVER under qemu (tcg)"

# ---- boot ----------------------------------------------------------------------------
LOG=$CACHE/serial-$KVER${LIB_RT:+-$LIB_RT}.log
T0=$(date +%s)
set +e
timeout "$TIMEOUT" qemu-system-x86_64 -accel tcg -cpu "$CPU" -smp 2 -m "$MEM" \
	-nographic -no-reboot -kernel "$KDIR_IMG/vmlinuz" -initrd "$RUN/initramfs.cpio" \
	-append "console=ttyS0 panic=-1 quiet" </dev/null 2>&1 | sed -u 's/\r$//' | tee "$LOG" |
	grep --line-buffered -E '^(ok|not ok|skip|#|JSK-SUITE|JSK-TIMEOUT|JSK-VM-BOOTED|\(fail\)|.* \.\.\. FAILED)' >&2
qrc=${PIPESTATUS[0]}
set -e
ln -sf "$(basename "$LOG")" "$CACHE/serial.log"
say "the VM ran $(($(date +%s) - T0)) s (boot to poweroff, $KVER)"

# ---- results ---------------------------------------------------------------------------
# Per suite (JSK-SUITE-BEGIN .. JSK-SUITE-END), per test: the C suite's
# "JSK-RESULT passed=N failed=N skipped=N"; Deno's "name ... ok|FAILED|ignored
# (Nms)" lines; Bun's "(pass|fail|skip|todo) name" lines. Counting tests as
# they stream keeps the results of a suite killed by its timeout, which adds
# one failure. A suite that exits non-zero without a failed test counts as one
# failure. One "suite NAME: ..." line each on stderr, with its duration.
P=0 F=0 S=0
sp=0 sf=0 ss=0 suite= recap=0
while IFS= read -r line; do
	# Bun repeats the failed and skipped tests after "N tests failed:" /
	# "N tests skipped:": counted once, before that recap.
	case $line in
	[0-9]*" tests failed:"|[0-9]*" tests skipped:"|[0-9]*" tests todo:"|[0-9]*" test failed:"|[0-9]*" test skipped:"|[0-9]*" test todo:")
		recap=1; continue ;;
	"("*) [ $recap = 0 ] || continue ;;
	esac
	case $line in
	JSK-SUITE-BEGIN\ *) suite=${line#JSK-SUITE-BEGIN } sp=0 sf=0 ss=0 recap=0 ;;
	JSK-RESULT\ *)
		p=$(sed -n 's/.*passed=\([0-9]*\).*/\1/p' <<<"$line")
		f=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' <<<"$line")
		s=$(sed -n 's/.*skipped=\([0-9]*\).*/\1/p' <<<"$line")
		sp=$((sp + ${p:-0})) sf=$((sf + ${f:-0})) ss=$((ss + ${s:-0}))
		[ -n "$suite" ] || { P=$((P + ${p:-0})) F=$((F + ${f:-0})) S=$((S + ${s:-0})); sp=0 sf=0 ss=0; }
		;;
	JSK-TIMEOUT\ *) say "${line#JSK-TIMEOUT }"; sf=$((sf + 1)) ;;
	*JSK-SUITE-END\ *)
		rc=${line##*rc=} rc=${rc%% *}
		secs=$(sed -n 's/.* secs=\([0-9]*\).*/\1/p' <<<"$line")
		if [ "$rc" != 0 ] && [ "$sf" = 0 ]; then
			say "suite $suite exited with $rc"
			sf=1
		fi
		say "suite $suite: $sp passed, $sf failed, $ss skipped (${secs:-?} s)"
		P=$((P + sp)) F=$((F + sf)) S=$((S + ss))
		suite= sp=0 sf=0 ss=0
		;;
	"(pass) "*) sp=$((sp + 1)) ;;
	"(fail) "*) sf=$((sf + 1)) ;;
	"(skip) "*|"(todo) "*) ss=$((ss + 1)) ;;
	# Deno ends a test's line on the next one after a "has been running for
	# over" note: " FAILED (1m51s)" alone (these were not counted before)
	*" ... ok"|*" ... ok ("*|" ok ("*) sp=$((sp + 1)) ;;
	" FAILED ("*) sf=$((sf + 1)) ;;
	" ignored ("*) ss=$((ss + 1)) ;;
	*" ... FAILED"|*" ... FAILED ("*) sf=$((sf + 1)) ;;
	*" ... ignored"|*" ... ignored ("*) ss=$((ss + 1)) ;;
	esac
done < <(grep -aE '^(JSK-SUITE-BEGIN |JSK-RESULT |JSK-TIMEOUT |\((pass|fail|skip|todo)\) |[0-9]+ tests? (failed|skipped|todo):$)|JSK-SUITE-END | \.\.\. (ok|FAILED|ignored)( \(.*\))?$|^ (ok|FAILED|ignored) \([^)]*\)$' "$LOG")
if [ -n "$suite" ]; then	# the VM died inside a suite
	say "suite $suite did not end: $sp passed, $sf failed, $ss skipped so far"
	P=$((P + sp)) F=$((F + sf)) S=$((S + ss))
fi
for n in "${NOTRUN[@]}"; do say "suite $n: not run ($NOMOD)"; done
# the skip reasons the tests printed, once each
grep -aoE '^# skip: .*' "$LOG" | sort | uniq -c | sed 's/^ */  /' >&2 || true

if ! grep -aq '^JSK-VM-DONE' "$LOG"; then
	say "the VM did not finish (qemu exit $qrc); serial log: $LOG"
	tail -30 "$LOG" >&2
	F=$((F + 1))
fi
bad=$(grep -aE 'BUG:|WARNING:|Oops|general protection' "$LOG" || true)
if [ -n "$bad" ]; then
	say "dmesg is not clean:"
	echo "$bad" >&2
	F=$((F + 1))
else
	P=$((P + 1))	# "dmesg is clean"
fi

DONE=1
line="vm: $P passed, $F failed"
[ "$S" -gt 0 ] && line="$line, $S skipped"
echo "$line"
[ "$F" = 0 ]
