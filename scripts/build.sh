#!/usr/bin/env bash
# Builds everything: the native library, CLI and tests (build-native/) and the WASM module
# (dist/circlewise.{mjs,wasm}) and the learner module (dist/circlewise-learner.{mjs,wasm}). Incremental: re-running only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc 2>/dev/null || echo 2)
[ -f build-native/build.ninja ] || cmake -S . -B build-native -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-native -j"$jobs"
[ -f build-wasm/build.ninja ] || emcmake cmake -S . -B build-wasm -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-wasm -j"$jobs"
node scripts/size-report.mjs
