#!/usr/bin/env bash
# `vantage pins install` of one target from a 10,000-pin list: CPU and wall time of the whole process beside
# `vantage --version` (process start) in the same run. Usage: bench/pins-install.sh [RUNS] [PINS]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-20}; PINS=${2:-10000}
swift build -c release --product vantage --product vantage-bench >/dev/null 2>&1 || swift build -c release >/dev/null
BIN=.build/release
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
$BIN/vantage-bench make-pins "$WORK/fixture" "$PINS"
echo "# pins install: $PINS-pin list ($(du -k "$WORK/fixture/pins.json" | cut -f1) KiB), $RUNS runs each"
measure() {  # prints mean wall ms and mean CPU (user+sys) ms over RUNS runs of "$@"
    python3 - "$RUNS" "$@" <<'PY'
import os, resource, subprocess, sys, time
runs = int(sys.argv[1]); cmd = sys.argv[2:]
walls, cpus = [], []
for _ in range(runs):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    walls.append((time.perf_counter() - start) * 1000)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpus.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
walls.sort(); cpus.sort()
print(f"wall median {walls[len(walls)//2]:.1f} ms  cpu median {cpus[len(cpus)//2]:.1f} ms")
PY
}
printf "%-34s" "vantage --version"; measure $BIN/vantage --version
printf "%-34s" "vantage pins install (1 of $PINS)"
measure $BIN/vantage pins install bench.example/app-00000 --policy "$WORK/fixture/policy.json" \
    --pins "$WORK/fixture/pins.json" --blob-dir "$WORK/fixture" --trust-dir "$WORK/trust" --state "$WORK/state.json" --replace
