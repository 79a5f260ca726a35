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
# The coordinator's answers for one target (header, pin + inclusion proof, blob) served as static files.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$WORK/fixture/www" >/dev/null 2>&1 &
SERVER=$!; trap 'kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/v1/pins/latest/header" && break; sleep 0.1; done
printf "%-34s" "pins install, --coordinator (proof)"
measure $BIN/vantage pins install bench.example/app-00000 --policy "$WORK/fixture/policy.json" \
    --coordinator "http://127.0.0.1:$PORT" --server https://notary.bench.example --trust-dir "$WORK/trust1" --state "$WORK/state1.json" --replace
printf "%-34s" "curl of the same 3 documents"
measure curl -sf -o /dev/null "http://127.0.0.1:$PORT/v1/pins/latest/header" -o /dev/null \
    "http://127.0.0.1:$PORT/v1/pins/1/targets/bench.example/app-00000" -o /dev/null \
    "http://127.0.0.1:$PORT/v1/blobs/sha256/$(ls "$WORK/fixture/www/v1/blobs/sha256")"
printf "%-34s" "pins install, --pins FILE (whole list)"
measure $BIN/vantage pins install bench.example/app-00000 --policy "$WORK/fixture/policy.json" \
    --pins "$WORK/fixture/pins.json" --blob-dir "$WORK/fixture" --server https://notary.bench.example --trust-dir "$WORK/trust2" --state "$WORK/state2.json" --replace
