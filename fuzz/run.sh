#!/usr/bin/env bash
# Build and run the VantageTUF libFuzzer target (see Sources/VantageTUFFuzz/Fuzz.swift).
#
# Usage: fuzz/run.sh [SECONDS]     (default 600)
#
# Build: the fuzz/ package depends on the main package by path; the whole graph (VantageTUF, swift-crypto,
# swift-certificates, swift-asn1 Swift code) is compiled in release with -sanitize=fuzzer,address into the
# separate scratch path .build-fuzz, so VantageTUF is coverage-instrumented and the main .build is untouched.
# Run: working corpus .build-fuzz/corpus (seeded from fuzz/corpus-seed), crashes in .build-fuzz/artifacts,
# full log in .build-fuzz/fuzz.log. Reproduce a crash: .build-fuzz/release/VantageTUFFuzz <file>
set -euo pipefail
SECONDS_TO_RUN=${1:-600}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCRATCH=$ROOT/.build-fuzz
cd "$ROOT"

# Use the dependency versions the main package resolved, when available.
[ -f fuzz/Package.resolved ] || [ ! -f Package.resolved ] || cp Package.resolved fuzz/Package.resolved

nice -n 10 swift build -c release --package-path fuzz --scratch-path "$SCRATCH" \
    -Xswiftc -sanitize=fuzzer,address --product VantageTUFFuzz
BIN=$SCRATCH/release/VantageTUFFuzz

mkdir -p "$SCRATCH/corpus" "$SCRATCH/artifacts"
cp -n fuzz/corpus-seed/* "$SCRATCH/corpus/" 2>/dev/null || true

set +e
start=$(date +%s)
nice -n 10 "$BIN" "$SCRATCH/corpus" -dict=fuzz/json.dict \
    -max_len=65536 -rss_limit_mb=2048 -timeout=10 -max_total_time="$SECONDS_TO_RUN" \
    -print_final_stats=1 -artifact_prefix="$SCRATCH/artifacts/" 2>&1 | tee "$SCRATCH/fuzz.log" | grep -E '^#[0-9]+' | tail -n 1
status=${PIPESTATUS[0]}
set -e
echo "wall time: $(( $(date +%s) - start )) s, exit status $status, corpus files: $(ls "$SCRATCH/corpus" | wc -l)"
grep -E '^(stat::|==[0-9]+==|SUMMARY|artifact_prefix|Test unit written|Fatal error|.*fatal error)' "$SCRATCH/fuzz.log" || true
exit "$status"
