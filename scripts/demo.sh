#!/usr/bin/env bash
# The demo: builds what is missing, then serves examples/ on 127.0.0.1 and prints the URL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
exec node scripts/serve.mjs "${PORT:-8080}"
