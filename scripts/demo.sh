#!/usr/bin/env bash
# The README's first command: set up, then run the demo on Deno and on Bun.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/hugepages.sh 16
echo "== Deno"; node_modules/.bin/deno run -A examples/demo.ts
echo "== Bun";  node_modules/.bin/bun examples/demo.ts
