#!/usr/bin/env bash
# Installs everything jsuring's demo, tests and benchmarks need on a Debian or
# Ubuntu machine (as root), then builds the companion library. Idempotent:
# installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'setup: %s\n' "$*" >&2; }

missing=()
# gcc-aarch64-linux-gnu + libc6-dev-arm64-cross (its headers; a Recommends, which
# --no-install-recommends skips): scripts/build-companion.sh rebuilds the bundled aarch64 library.
# chromium (Debian's, headless): the file server's browser test, tests/http_browser_test.ts.
for pkg in liburing2 liburing-dev gcc gcc-aarch64-linux-gnu libc6-dev-arm64-cross make libc6-dev fio jq curl ca-certificates chromium; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    log "missing packages: ${missing[*]}; run as root or install them"; exit 1
  fi
  log "apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Deno and Bun come from the npm registry as local dev dependencies.
if [ ! -x node_modules/.bin/deno ] || [ ! -x node_modules/.bin/bun ] ||
   [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # `npm install --no-save`, not `npm ci`: npm 11 leaves the deno package's
  # other-platform optional dependencies out of the lock and then refuses its
  # own lock in `npm ci`. Versions are pinned exactly in package.json.
  log "npm install (deno, bun)"
  npm install --no-save --no-audit --no-fund --loglevel=error >/dev/null
fi

log "building the companion library (ffi/; the package itself carries src/runtime/_companion_*.ts)"
make -s -C ffi
log "ready: $(node_modules/.bin/deno --version | head -1), bun $(node_modules/.bin/bun --version), $(dpkg -s liburing2 | sed -n 's/^Version: /liburing /p')"
