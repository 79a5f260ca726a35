#!/usr/bin/env bash
# Reruns every benchmark of BENCHMARKS.md (release builds). Each prints its own figures beside the baseline
# measured in the same run. Usage: bench/run-all.sh [SECONDS_PER_MEASUREMENT]
set -euo pipefail
cd "$(dirname "$0")/.."
S=${1:-2}
swift build -c release --product vantage-bench >/dev/null
# The binaries as the image and the release ship them (static, stripped), for the CI verifier benchmark.
BIN=$(mktemp -d); trap 'rm -rf "$BIN"' EXIT
deploy/container/build-binaries.sh "$BIN" >/dev/null && cp .build/release/vantage-bench "$BIN/"
echo "## $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) CPUs, $(uname -m), load $(cut -d' ' -f1-3 /proc/loadavg)"
.build/release/vantage-bench root "$S"
for script in bench/agent.sh bench/coordinator.sh bench/coordinator-http.sh bench/coordinator-reliability.sh; do
    if [ -x "$script" ]; then "$script"; fi
done
bench/verifier.sh "$BIN"
BIN="$BIN/vantage-agent" bench/oci-agent.sh
BIN_DIR="$BIN" bench/pins-resolve.sh
bench/hostile-mirror.sh "$BIN"
