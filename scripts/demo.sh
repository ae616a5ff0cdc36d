#!/usr/bin/env bash
# The demo: builds what is missing, starts the report collector on 127.0.0.1 (SQLite under
# .demo-collector/, the demo page's origin allowed by CORS, a model rebuild every 10 s when new
# reports arrived), then serves examples/ on 127.0.0.1 and prints the URLs. Ctrl+C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
port=${PORT:-8080}
collector_port=${COLLECTOR_PORT:-8787}
# The collector's catalogue is the demo site's published model (same courses, same order).
catalogue=examples/model.json
[ -f "$catalogue" ] || catalogue=tests/fixtures/collector_catalogue.json
export CIRCLEWISE_COLLECTOR_ADMIN_TOKEN=${CIRCLEWISE_COLLECTOR_ADMIN_TOKEN:-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')}
build-native/collector/circlewise-collector --catalogue "$catalogue" --data "${COLLECTOR_DATA:-.demo-collector}" \
  --port "$collector_port" --allow-origin "http://127.0.0.1:$port,http://localhost:$port" --rebuild-every 10 &
collector=$!
trap 'kill -TERM $collector 2>/dev/null || true; wait $collector 2>/dev/null || true' EXIT
echo "collector:       http://127.0.0.1:$collector_port/v1/model  (estimates: /v1/estimates, metrics: /metrics)"
echo "                 rebuild now: curl -X POST -H \"Authorization: Bearer $CIRCLEWISE_COLLECTOR_ADMIN_TOKEN\" http://127.0.0.1:$collector_port/v1/model/rebuild"
[ -f examples/learner.html ] && echo "learner page:    http://127.0.0.1:$port/examples/learner.html?model=http://127.0.0.1:$collector_port/v1/model&collector=http://127.0.0.1:$collector_port"
node scripts/serve.mjs "$port"
