#!/usr/bin/env bash
# Runs each libFuzzer target (built by the sanitized clang build, build-asan/) for a bounded time on
# its seed corpus. CI: `scripts/fuzz.sh 15`. Long run (docs/hardening.md): `scripts/fuzz.sh 600`.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
[ -f build-asan/build.ninja ] || CXX=clang++-14 cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" -DCIRCLEWISE_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$(nproc 2>/dev/null || echo 2)"
for target in build-asan/tests/fuzz/*_fuzz; do
  name=$(basename "$target" _fuzz)
  seeds=tests/fuzz/corpus/$name
  work=build-asan/fuzz-corpus/$name
  mkdir -p "$work"
  echo "fuzz: $name for ${seconds}s"
  "$target" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    "$work" "$seeds" 2>&1 | grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)|ERROR|SUMMARY|crash-" || true
  # A crash leaves crash-* files and a non-zero exit: fail loudly.
  if ls crash-* leak-* timeout-* >/dev/null 2>&1; then echo "fuzz: $name found a failure:"; ls crash-* leak-* timeout-* 2>/dev/null; exit 1; fi
done
