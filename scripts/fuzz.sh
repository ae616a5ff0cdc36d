#!/usr/bin/env bash
# Runs each libFuzzer target (built by the sanitized clang build, build-asan/) for a bounded time on
# its seed corpus. CI: `scripts/fuzz.sh 15` (every target). Long run (docs/hardening.md):
# `scripts/fuzz.sh 600 [target ...]`. FUZZ_NO_BUILD=1 skips the build (for runs side by side).
# A failure leaves its input in build-asan/fuzz-artifacts/<target>/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
shift || true
if [ -z "${FUZZ_NO_BUILD:-}" ]; then
  [ -f build-asan/build.ninja ] || CXX=clang++-14 cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" -DCIRCLEWISE_SANITIZE=ON >/dev/null
  cmake --build build-asan -j"$(nproc 2>/dev/null || echo 2)"
fi
if [ $# -gt 0 ]; then names=("$@"); else
  names=(); for t in build-asan/tests/fuzz/*_fuzz; do names+=("$(basename "$t" _fuzz)"); done
fi
for name in "${names[@]}"; do
  target=build-asan/tests/fuzz/${name}_fuzz
  seeds=tests/fuzz/corpus/$name
  work=build-asan/fuzz-corpus/$name
  artifacts=build-asan/fuzz-artifacts/$name
  mkdir -p "$work" "$artifacts"
  rm -f "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*
  echo "fuzz: $name for ${seconds}s"
  status=0
  "$target" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$work" "$seeds" >"$artifacts/log" 2>&1 || status=$?
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb)|^#[0-9]+[[:space:]]+(DONE|INITED)|ERROR|SUMMARY|Test unit written" \
    "$artifacts/log" || true
  # A failure leaves crash-* (or leak-, timeout-, oom-) files and a non-zero exit: fail loudly.
  if [ "$status" -ne 0 ] || ls "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-* >/dev/null 2>&1; then
    echo "fuzz: $name found a failure (exit $status); input and log in $artifacts/:"
    ls "$artifacts"; tail -40 "$artifacts/log"; exit 1
  fi
done
