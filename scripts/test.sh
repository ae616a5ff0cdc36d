#!/usr/bin/env bash
# Runs every test: native GoogleTest (plain and under ASan+UBSan), the JS API under Node, the
# browser pages and Worker in headless Chromium, the npm-pack + Vite packaging test, the CLI, and
# the package size budget. Installs and builds whatever is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
jobs=$(nproc 2>/dev/null || echo 2)
step() { printf '\n== %s ==\n' "$*"; }

step "native tests"
ctest --test-dir build-native --output-on-failure -j"$jobs"

step "native tests under AddressSanitizer + UndefinedBehaviorSanitizer (clang; also builds the fuzz targets)"
# -O1 -g1: a third of the compile time of -O2 -g, and still line numbers in sanitizer reports.
[ -f build-asan/build.ninja ] || CXX=clang++-14 cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" -DCIRCLEWISE_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs"

step "fuzzing (libFuzzer, bounded time per target)"
bash scripts/fuzz.sh "${FUZZ_SECONDS:-15}"

step "CLI"
bash tests/cli/run.sh build-native/cli/circlewise
bash tests/cli/analytics.sh build-native/cli/circlewise

step "collector integration tests (real binary: SQLite and a throwaway PostgreSQL; native and ASan+UBSan builds)"
eval "$(bash scripts/throwaway-postgres.sh start)"
trap 'bash scripts/throwaway-postgres.sh stop "$CW_PG_DIR"' EXIT
COLLECTOR_BIN=build-native/collector/circlewise-collector node --test --test-concurrency=1 tests/collector/*.test.mjs
COLLECTOR_BIN=build-asan/collector/circlewise-collector ASAN_OPTIONS=detect_leaks=1 \
  node --test --test-concurrency=1 tests/collector/*.test.mjs
bash scripts/throwaway-postgres.sh stop "$CW_PG_DIR"
trap - EXIT

step "JS API under Node (WASM)"
node --test tests/node/*.test.mjs

step "TypeScript declarations (tsc --noEmit on a typed usage example)"
node_modules/.bin/tsc -p tests/types

step "browser (headless Chromium) and packaging"
node --test --test-concurrency=1 tests/browser/*.test.mjs tests/package/*.test.mjs

step "package size budget"
node scripts/size-report.mjs --check

printf '\nall tests passed\n'
