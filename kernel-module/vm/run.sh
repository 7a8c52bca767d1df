#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the jsuring kernel module and its tests, boot Debian's 7.3 cloud
# kernel under qemu (software emulation) with a busybox initramfs holding
# them, run the test suites inside and report on the host:
#
#   kernel-module/vm/run.sh                      # C suite on the newest 7.3.x
#   kernel-module/vm/run.sh --kernel 7.2         # boot 7.2 (bvec commands compiled out)
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
#
# Each suite's counts go to stderr as "suite NAME: N passed, N failed, N
# skipped"; the last line on stdout is exactly "vm: N passed, N failed"
# (", N skipped" when some were), the sum over all suites; the exit status is non-zero on any failure, on a VM that did
# not finish, and on BUG:/WARNING:/Oops/general protection in the VM's dmesg
# (counted as one failed test "dmesg is clean").
#
# Everything downloaded or built lives in $JSK_VM_CACHE (default
# <repo>/.cache/vm, git-ignored) and is reused: a trixie debootstrap root with
# gcc-14, liburing-dev 2.9, busybox-static and Debian's kernel headers from
# trixie-backports (Debian's 7.3 kbuild tools need glibc 2.38+, newer than
# bookworm's), plus the kernel images.  The host's apt sources are never
# changed; host packages are installed only when missing.  Must run as root.
# JSK_VM_REFRESH=1 refreshes the root's package lists (a newer 7.3.x then
# gets picked up); JSK_VM_CACHE, JSK_VM_MEM (MiB, 2048), JSK_VM_TIMEOUT (s,
# 900, whole VM), JSK_SUITE_TIMEOUT (s, 300, per suite) and JSK_VM_CPU (qemu
# -cpu model: qemu64, or max with --bun) tune the rest.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KMOD=$(dirname "$HERE")
REPO=$(dirname "$KMOD")
CACHE=${JSK_VM_CACHE:-$REPO/.cache/vm}
ROOT=$CACHE/root
SERIES=7.3
BUILD_ONLY=0
RUN_C=1
MEM=${JSK_VM_MEM:-2048}
TIMEOUT=${JSK_VM_TIMEOUT:-900}
PACKS=() BINS=() SUITES=()
DENO_PAYLOAD=0 RUN_BUN=0
CORE_TESTS=${JSK_VM_CORE_TESTS:-tests/ring_test.ts tests/ops_test.ts tests/region_test.ts tests/keepalive_test.ts tests/errors_test.ts}

say() { echo "[vm $(date +%T)] $*" >&2; }
DONE=0	# the final "vm:" line was printed
die() { say "error: $*"; [ $DONE = 1 ] || echo "vm: 0 passed, 1 failed"; DONE=1; exit 1; }
cleanup() {
	mountpoint -q "$ROOT/proc" 2>/dev/null && umount "$ROOT/proc"
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
			SUITES+=("core:$(basename "$t" .ts)=echo 64 >/proc/sys/vm/nr_hugepages; cd /repo && deno test -A --no-check --v8-flags=--expose-gc $t")
			JS_DIRS+=("$t")
		done
		;;
	--bun) RUN_BUN=1 ;;
	-h|--help) sed -n '3,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
	shift
done

if [ $RUN_BUN = 1 ]; then
	[ ${#JS_DIRS[@]} -gt 0 ] || die "--bun needs --deno DIR or --core"
	bun=$(readlink -f "$REPO/node_modules/.bin/bun" 2>/dev/null) ||
		die "no bun in node_modules (npm install first)"
	[ -x "$bun" ] || die "no bun in node_modules (npm install first)"
	BINS+=("$bun")
	# npm's bun is the x64 (AVX2) build: TCG offers AVX2 with -cpu max (QEMU 7.2+)
	CPU=${JSK_VM_CPU:-max}
	for d in "${JS_DIRS[@]}"; do
		if [ -d "$REPO/$d" ] || [ -d "$d" ]; then
			files=$(cd "$REPO" && ls "$d"/*_test.ts 2>/dev/null | sed 's|^|./|' | tr '\n' ' ')
		else
			files=./$d
		fi
		# the binary keeps its file name (npm's is bun.exe)
		SUITES+=("bun:$(basename "$d" .ts)=echo 64 >/proc/sys/vm/nr_hugepages; cd /repo && $(basename "$bun") test $files")
	done
fi
CPU=${CPU:-${JSK_VM_CPU:-qemu64}}

[ "$(id -u)" = 0 ] || die "run as root (debootstrap, chroot, mknod)"
mkdir -p "$CACHE"
# one run at a time per cache: they share the root, the initramfs and the log
exec 9>"$CACHE/.lock"
flock 9

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

KVER=$(kver_of "$SERIES")
[ -n "$KVER" ] || die "no linux-headers for $SERIES in trixie-backports"
ensure_headers "$KVER"
KO=$(build_module "$KVER")
say "built the module for $KVER"

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
mkdir -p "$ROOT/build/test"
cp "$HERE/kmod_test.c" "$KMOD/include/uapi/jsuring_kmod.h" "$ROOT/build/test/"
in_root gcc-14 -O2 -Wall -Wextra -Wno-sign-compare -Werror -static \
	-pthread -o /build/test/kmod_test /build/test/kmod_test.c -luring >&2 ||
	die "test program build failed"

# ---- the kernel image ---------------------------------------------------------
KDIR_IMG=$CACHE/kernels/$KVER
if [ ! -s "$KDIR_IMG/vmlinuz" ]; then
	say "downloading the $KVER kernel image"
	rm -rf "$ROOT/dl"
	mkdir -p "$ROOT/dl" "$KDIR_IMG"
	in_root sh -c "cd /dl && (apt-get download -qq -o APT::Sandbox::User=root linux-binary-$KVER || apt-get download -qq -o APT::Sandbox::User=root linux-image-$KVER)" >&2 ||
		die "cannot download the $KVER kernel image"
	deb=$(ls "$ROOT"/dl/*.deb | head -1)
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO "./usr/lib/modules/$KVER/vmlinuz" >"$KDIR_IMG/vmlinuz.tmp" 2>/dev/null ||
		dpkg-deb --fsys-tarfile "$deb" | tar -xO "./boot/vmlinuz-$KVER" >"$KDIR_IMG/vmlinuz.tmp"
	mv "$KDIR_IMG/vmlinuz.tmp" "$KDIR_IMG/vmlinuz"
	rm -rf "$ROOT/dl"
fi

# ---- the initramfs ----------------------------------------------------------------
STAGE=$CACHE/initramfs
rm -rf "$STAGE"
mkdir -p "$STAGE"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,proc,sys,dev,tmp,etc,extra}
cp "$ROOT/usr/bin/busybox" "$STAGE/bin/busybox"
mknod -m 600 "$STAGE/dev/console" c 5 1
cp "$KO" "$STAGE/jsuring.ko"
cp "$ROOT/build/test/kmod_test" "$STAGE/kmod_test"

# binaries and the libraries ldd lists, at the same paths
for b in "${BINS[@]}"; do
	cp -L "$b" "$STAGE/usr/local/bin/"
	for lib in $(ldd "$b" 2>/dev/null | grep -o '/[^ ]*' | sort -u); do
		mkdir -p "$STAGE$(dirname "$lib")"
		cp -L "$lib" "$STAGE$lib"
	done
done
if [ "${DENO_LIBURING:-0}" = 1 ]; then
	# The TS library must work with bookworm's liburing 2.3: use the host's
	# copy when it has one, else trixie's 2.9.
	lu=$(ls /usr/lib/x86_64-linux-gnu/liburing.so.2 2>/dev/null || echo "$ROOT/usr/lib/x86_64-linux-gnu/liburing.so.2")
	mkdir -p "$STAGE/usr/lib/x86_64-linux-gnu"
	cp -L "$lu" "$STAGE/usr/lib/x86_64-linux-gnu/liburing.so.2"
fi
for p in "${PACKS[@]}"; do
	src=${p%%:*}
	dst=${p#*:}
	[ "$dst" = "$p" ] && dst=/extra/$(basename "$src")
	mkdir -p "$STAGE$(dirname "$dst")"
	cp -rL "$src" "$STAGE$dst"
done

{
	[ $RUN_C = 1 ] && printf 'kmod\t/kmod_test /jsuring.ko\n'
	for s in "${SUITES[@]}"; do printf '%s\t%s\n' "${s%%=*}" "${s#*=}"; done
} >"$STAGE/suites"

cat >"$STAGE/init" <<EOF
#!/bin/busybox sh
JSK_SUITE_TIMEOUT=${JSK_SUITE_TIMEOUT:-300}
EOF
cat >>"$STAGE/init" <<'EOF'
/bin/busybox --install -s /bin
export PATH=/usr/local/bin:/bin:/sbin:/usr/bin:/usr/sbin HOME=/tmp DENO_DIR=/tmp/deno NO_COLOR=1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
exec </dev/console >/dev/console 2>&1
echo "JSK-VM-BOOTED $(uname -r)"
if insmod /jsuring.ko; then
	while IFS="$(printf '\t')" read -r name cmd; do
		echo "JSK-SUITE-BEGIN $name"
		timeout "$JSK_SUITE_TIMEOUT" sh -c "$cmd"
		rc=$?
		if [ $rc = 143 ] || [ $rc = 124 ]; then
			echo "not ok - suite $name timed out after ${JSK_SUITE_TIMEOUT}s"
			echo "JSK-RESULT passed=0 failed=1 skipped=0"
			echo w >/proc/sysrq-trigger	# blocked tasks into dmesg
		fi
		echo "JSK-SUITE-END $name rc=$rc"
	done </suites
else
	echo "not ok - insmod /jsuring.ko"
	echo "JSK-RESULT passed=0 failed=1 skipped=0"
fi
echo JSK-DMESG-BEGIN
dmesg
echo JSK-DMESG-END
echo JSK-VM-DONE
poweroff -f
EOF
chmod +x "$STAGE/init"
(cd "$STAGE" && find . | "$STAGE/bin/busybox" cpio -o -H newc 2>/dev/null) >"$CACHE/initramfs.cpio"
say "initramfs $(($(stat -c %s "$CACHE/initramfs.cpio") / 1024)) KiB; booting $KVER under qemu (tcg)"

# ---- boot ----------------------------------------------------------------------------
LOG=$CACHE/serial.log
set +e
timeout "$TIMEOUT" qemu-system-x86_64 -accel tcg -cpu "$CPU" -smp 2 -m "$MEM" \
	-nographic -no-reboot -kernel "$KDIR_IMG/vmlinuz" -initrd "$CACHE/initramfs.cpio" \
	-append "console=ttyS0 panic=-1 quiet" </dev/null 2>&1 | sed -u 's/\r$//' | tee "$LOG" |
	grep --line-buffered -E '^(ok|not ok|skip|#|JSK-SUITE|JSK-VM-BOOTED)' >&2
qrc=${PIPESTATUS[0]}
set -e

# ---- results ---------------------------------------------------------------------------
# Per suite (JSK-SUITE-BEGIN .. JSK-SUITE-END): the C suites' "JSK-RESULT
# passed=N failed=N skipped=N", Deno's "ok | 12 passed | 0 failed (3s)" /
# "FAILED | 3 passed (4 steps) | 1 failed | 2 ignored (1s)", Bun's " 12 pass",
# " 1 fail", " 2 skip" lines. A suite that exits non-zero without reporting a
# failure counts as one failure. One "suite NAME: ..." line each on stderr.
P=0 F=0 S=0
num() { grep -oE "[0-9]+ $1" <<<"$2" | head -1 | cut -d' ' -f1 || true; }
sp=0 sf=0 ss=0 suite=
while IFS= read -r line; do
	case $line in
	JSK-SUITE-BEGIN\ *) suite=${line#JSK-SUITE-BEGIN } sp=0 sf=0 ss=0 ;;
	JSK-RESULT\ *)
		p=$(sed -n 's/.*passed=\([0-9]*\).*/\1/p' <<<"$line")
		f=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' <<<"$line")
		s=$(sed -n 's/.*skipped=\([0-9]*\).*/\1/p' <<<"$line")
		sp=$((sp + ${p:-0})) sf=$((sf + ${f:-0})) ss=$((ss + ${s:-0}))
		[ -n "$suite" ] || { P=$((P + ${p:-0})) F=$((F + ${f:-0})) S=$((S + ${s:-0})); sp=0 sf=0 ss=0; }
		;;
	ok\ \|*|FAILED\ \|*)
		p=$(num passed "$line") f=$(num failed "$line") s=$(num ignored "$line")
		sp=$((sp + ${p:-0})) sf=$((sf + ${f:-0})) ss=$((ss + ${s:-0}))
		;;
	*JSK-SUITE-END\ *)
		rc=${line##*rc=}
		if [ "$rc" != 0 ] && [ "$sf" = 0 ]; then
			say "suite $suite exited with $rc"
			sf=1
		fi
		say "suite $suite: $sp passed, $sf failed, $ss skipped"
		P=$((P + sp)) F=$((F + sf)) S=$((S + ss))
		suite= sp=0 sf=0 ss=0
		;;
	*)
		# Bun's summary: " 12 pass", " 1 fail", " 2 skip" on lines of their own
		if [[ $line =~ ^\ ?([0-9]+)\ (pass|fail|skip)$ ]]; then
			case ${BASH_REMATCH[2]} in
			pass) sp=$((sp + BASH_REMATCH[1])) ;;
			fail) sf=$((sf + BASH_REMATCH[1])) ;;
			skip) ss=$((ss + BASH_REMATCH[1])) ;;
			esac
		fi
		;;
	esac
done < <(grep -aE '^(JSK-SUITE-BEGIN |JSK-RESULT |ok \| [0-9]+ passed|FAILED \| [0-9]+ passed| ?[0-9]+ (pass|fail|skip)$)|JSK-SUITE-END ' "$LOG")
if [ -n "$suite" ]; then	# the VM died inside a suite
	say "suite $suite did not end: $sp passed, $sf failed, $ss skipped so far"
	P=$((P + sp)) F=$((F + sf)) S=$((S + ss))
fi

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
