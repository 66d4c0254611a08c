#!/usr/bin/env bash
# Builds the libFuzzer harness with clang++ (ASan + UBSan) and runs it for a bounded time.
# Usage: bash tests/fuzz/run.sh [seconds=60]. Fails on any crash, sanitizer report or leak.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-${LL_FUZZ_SECONDS:-60}}
cmake -S . -B build-fuzz -DLL_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j2 --target logitlab_fuzz
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
cp tests/fuzz/regressions/* "$corpus"/ 2>/dev/null || true
# First replay every saved regression input, then fuzz from them.
if compgen -G "tests/fuzz/regressions/*" >/dev/null; then
  ./build-fuzz/logitlab_fuzz tests/fuzz/regressions/*
fi
log=$(mktemp)
status=0
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ./build-fuzz/logitlab_fuzz -max_total_time="$secs" -max_len=512 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix=build-fuzz/ "$corpus" >"$log" 2>&1 || status=$?
grep -E '^#[0-9]+ +(INITED|DONE)|ERROR|SUMMARY|invariant|Test unit written' "$log" || true
[ "$status" -eq 0 ] || tail -n 60 "$log"
runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
echo "fuzz: $runs executions in ${secs}s, exit status $status"
rm -f "$log"
exit "$status"
