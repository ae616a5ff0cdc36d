#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-14, ASan+UBSan) and runs each for a bounded time on its
# seed corpus. CI: `scripts/fuzz.sh 15`. Long run (see docs/hardening.md): `scripts/fuzz.sh 600`.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
[ -f build-fuzz/build.ninja ] || CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCIRCLEWISE_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$(nproc 2>/dev/null || echo 2)"
for target in build-fuzz/tests/fuzz/*_fuzz; do
  name=$(basename "$target" _fuzz)
  seeds=tests/fuzz/corpus/$name
  work=build-fuzz/corpus/$name
  mkdir -p "$work"
  echo "fuzz: $name for ${seconds}s"
  "$target" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    "$work" "$seeds" 2>&1 | grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)|ERROR|SUMMARY|crash-" || true
  # A crash leaves crash-* files and a non-zero exit: fail loudly.
  if ls crash-* leak-* timeout-* >/dev/null 2>&1; then echo "fuzz: $name found a failure:"; ls crash-* leak-* timeout-* 2>/dev/null; exit 1; fi
done
