#!/usr/bin/env bash
# The README's test command: set up, then run every check and suite — static
# checks, the test suite under Deno and under Bun, and the kernel-module suite
# in a Linux 7.3 VM — and print one line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
export NO_COLOR=1
bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
bash scripts/hugepages.sh 64

logs=.cache/test
mkdir -p "$logs"
pass=0 fail=0 skip=0
deno=node_modules/.bin/deno
bun=node_modules/.bin/bun

# A static check counts as one test.
check() {
  local name=$1; shift
  if "$@" >"$logs/$name.log" 2>&1; then
    pass=$((pass + 1)); echo "check $name: ok"
  else
    fail=$((fail + 1)); echo "check $name: FAILED"; tail -n 40 "$logs/$name.log"
  fi
}

# Add a suite's counts from its summary line; no summary means it crashed.
count() {
  local name=$1 p=$2 f=$3 s=$4
  if [ -z "$p" ]; then
    fail=$((fail + 1)); echo "suite $name: no summary (crashed?), counted as one failure"
    return
  fi
  pass=$((pass + p)); fail=$((fail + ${f:-0})); skip=$((skip + ${s:-0}))
  echo "suite $name: $p passed, ${f:-0} failed, ${s:-0} skipped"
}

check lint "$deno" lint
check doc-lint "$deno" doc --lint mod.ts
check typecheck "$deno" check mod.ts
# Every @example in the package type-checks against the package specifier (deno.json maps it).
check doc-examples "$deno" check --doc mod.ts src/
# ...and every export has one that imports from "@jsuring/jsuring" (or a subpath entry of deno.json).
check doc-examples-coverage "$deno" run -A scripts/doc_examples.ts
check publish-dry-run "$deno" publish --dry-run --allow-dirty
# The companion library bundled in src/runtime/_companion_*.ts is what ffi/ builds to, byte for byte.
check companion-reproducible bash scripts/build-companion.sh --check

# Older kernels (issue 15): the library's core suites in guests of Debian
# 12's 6.1 (liburing 2.3) under Deno and Debian 13's 6.12 (trixie's liburing
# 2.9) under Bun, with the module-free files of JSURING_VM_OLDER_TESTS ("all":
# the whole tests/). JSURING_VM_OLDER="KERNEL[:RUNTIME] ..." chooses, "none"
# skips them. They are started here and boot side by side with the host
# suites (JSURING_VM_OLDER_PARALLEL=0: one after another, after the 7.3 and
# 7.2 runs); their results are counted with the other VM suites below.
# The whole matrix, every file under both runtimes on 6.1, 6.12 and 7.3, is
# `kernel-module/vm/run.sh --matrix` (about an hour under emulation).
older_vms=()
vm_on=0
[ -x kernel-module/vm/run.sh ] && [ "${JSURING_SKIP_VM:-0}" != 1 ] && vm_on=1
older_tests=${JSURING_VM_OLDER_TESTS:-tests/ring_test.ts tests/ops_test.ts tests/enter_test.ts tests/async_test.ts tests/region_test.ts tests/fs_test.ts tests/net_test.ts tests/kernel_compat_test.ts}
[ "$older_tests" = all ] && older_tests=
for k in ${JSURING_VM_OLDER-6.1:deno 6.12:bun}; do
  [ $vm_on = 1 ] && [ "$k" != none ] || continue
  rt=${k#*:}
  [ "$rt" = "$k" ] && rt= || rt="=$rt"
  k=${k%%:*}
  extra=
  [ "$k" = 6.12 ] && extra=" --liburing trixie"	# Debian 13's pair
  older_vms+=("vm-$k${rt/=/-}:--kernel $k --lib$rt --no-c$extra")
done
older_run() {	# NAME:ARGS -> $logs/NAME.log
  local vm=$1
  # shellcheck disable=SC2086
  JSK_VM_LIB_TESTS="$older_tests" bash kernel-module/vm/run.sh ${vm#*:} >"$logs/${vm%%:*}.log" 2>&1
}
older_pids=()
if [ "${JSURING_VM_OLDER_PARALLEL:-1}" = 1 ]; then
  for vm in "${older_vms[@]}"; do
    echo "== VM suites started (${vm%%:*}: run.sh ${vm#*:}), counted after the host suites"
    older_run "$vm" &
    older_pids+=($!)
  done
fi

# Each runner writes JUnit; leaf tests are counted the same way for both.
suite() {
  local name=$1; shift
  echo "== $name"
  rm -f "$logs/$name.xml"
  # A hung test must not hold CI for its 90 minutes: each suite gets 20.
  timeout --kill-after=30 1200 "$@" 2>&1 | tee "$logs/$name.log"
  if [ -s "$logs/$name.xml" ]; then
    # shellcheck disable=SC2046
    count "$name" $(node scripts/junit-count.mjs "$logs/$name.xml")
  else
    count "$name" "" "" ""
  fi
}
suite deno "$deno" test -A --v8-flags=--expose-gc --junit-path="$logs/deno.xml" tests/
# bun test does not read bunfig.toml's [test] timeout: pass it.
bun_timeout=$(sed -nE 's/^timeout *= *([0-9]+).*/\1/p' bunfig.toml | head -n 1)
suite bun "$bun" test --timeout "${bun_timeout:-120000}" --reporter=junit --reporter-outfile="$logs/bun.xml"

# As a user who installed the package (scripts/consumer_test.ts): jsr layout under Deno with
# --allow-ffi only, jsr's npm layout under Bun, README.md's code blocks verbatim, README flags vs -A.
for t in consumer-deno consumer-bun readme-deno readme-bun permissions; do
  check "$t" "$deno" run -A scripts/consumer_test.ts "$t"
done

vm_count() {	# NAME: count the last "vm:" line of $logs/NAME.log
  local line
  line=$(grep -E '^vm: [0-9]+ passed' "$logs/$1.log" | tail -n 1)
  count "$1" "$(sed -nE 's/^vm: ([0-9]+) passed.*/\1/p' <<<"$line")" \
    "$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$line")" \
    "$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line")"
}
if [ $vm_on = 1 ]; then
  # 7.3: the C suite, its Deno port (kernel-module/vm/deno), the core ring and
  # param-region suites, each under Deno and Bun; 7.2: the C suite and the
  # Deno port (buffer commands compiled out: those tests skip).
  vms=("vm:--deno kernel-module/vm/deno --core --bun" "vm-7.2:--kernel 7.2 --deno kernel-module/vm/deno")
  for vm in "${vms[@]}"; do
    echo "== VM suites (${vm%%:*}: run.sh ${vm#*:})"
    # shellcheck disable=SC2086
    bash kernel-module/vm/run.sh ${vm#*:} 2>&1 | tee "$logs/${vm%%:*}.log"
    vm_count "${vm%%:*}"
  done
  # the older kernels (started before the host suites, or now)
  for vm in "${older_vms[@]}"; do
    if [ ${#older_pids[@]} -gt 0 ]; then
      wait "${older_pids[0]}"
      older_pids=("${older_pids[@]:1}")
    else
      older_run "$vm"
    fi
    echo "== VM suites (${vm%%:*}: JSK_VM_LIB_TESTS=\"$older_tests\" run.sh ${vm#*:})"
    grep -E '^\[vm |^vm: |^(not ok|\(fail\)|.* \.\.\. FAILED)' "$logs/${vm%%:*}.log"
    vm_count "${vm%%:*}"
  done
else
  echo "# skip: kernel module suite (JSURING_SKIP_VM=1 or no harness)"
fi

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
