#!/usr/bin/env bash
# The CI verifier beside the full CLI and curl, measured in one run: binary size, peak RSS, and wall/CPU of
# `pins install` of one target out of a 10,000-pin list (header + one pin with its inclusion proof + blob, served
# as static files), plus process start (`--version`) and the offline whole-list path (`--pins FILE`).
# Usage: bench/verifier.sh BIN_DIR [RUNS] [PINS]
#   BIN_DIR: release binaries as the image ships them (deploy/container/build-binaries.sh BIN_DIR) plus vantage-bench.
set -euo pipefail
BIN=$(cd "${1:?usage: bench/verifier.sh BIN_DIR [RUNS] [PINS]}" && pwd); RUNS=${2:-20}; PINS=${3:-10000}
cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
"$BIN/vantage-bench" make-pins "$WORK/fixture" "$PINS" >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$WORK/fixture/www" >/dev/null 2>&1 &
SERVER=$!
# SIGKILL: an http.server whose parent ignores SIGTERM inherits that and would outlive the run.
trap 'kill -9 $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/v1/pins/latest/header" && break; sleep 0.1; done
BLOB=$(ls "$WORK/fixture/www/v1/blobs/sha256")
TARGET=bench.example/app-00000
echo "# $PINS-pin list: $(stat -c %s "$WORK/fixture/pins.json") bytes; proof: $(curl -sf "http://127.0.0.1:$PORT/v1/pins/1/targets/$TARGET" | wc -c) bytes"
for b in vantage vantage-pins; do
    cp "$BIN/$b" "$WORK/$b.stripped" && strip --strip-all "$WORK/$b.stripped"
    printf "%-14s %11s bytes as shipped (--strip-debug), %11s bytes --strip-all\n" "$b" "$(stat -c %s "$BIN/$b")" "$(stat -c %s "$WORK/$b.stripped")"
done
install_args=(--policy "$WORK/fixture/policy.json" --coordinator "http://127.0.0.1:$PORT" --server https://notary.bench.example
    --for notary --replace)
declare -A commands=(
    [a-pins-version]="$BIN/vantage-pins --version"
    [b-vantage-version]="$BIN/vantage --version"
    [c-pins-install]="$BIN/vantage-pins install $TARGET ${install_args[*]} --trust-dir $WORK/t1 --state $WORK/s1.json"
    [d-vantage-install]="$BIN/vantage pins install $TARGET ${install_args[*]} --trust-dir $WORK/t2 --state $WORK/s2.json"
    [f-pins-install-whole-list]="$BIN/vantage-pins install $TARGET --policy $WORK/fixture/policy.json --pins $WORK/fixture/pins.json --blob-dir $WORK/fixture --server https://notary.bench.example --for notary --replace --trust-dir $WORK/t3 --state $WORK/s3.json"
    [e-curl]="curl -sf -o /dev/null http://127.0.0.1:$PORT/v1/pins/latest/header -o /dev/null http://127.0.0.1:$PORT/v1/pins/1/targets/$TARGET -o /dev/null http://127.0.0.1:$PORT/v1/blobs/sha256/$BLOB"
)
# Runs the commands in turn RUNS times (paired, so drift hits all alike) and prints medians of wall, CPU, peak RSS.
python3 - "$RUNS" "${!commands[@]}" -- "${commands[@]}" <<'PY'
import statistics, subprocess, sys
runs = int(sys.argv[1]); split = sys.argv.index("--")
names, commands = sys.argv[2:split], sys.argv[split + 1:]
order = sorted(range(len(names)), key=lambda i: names[i])
figures = {i: [] for i in order}
for _ in range(runs):
    for i in order:
        out = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M"] + commands[i].split(), capture_output=True, text=True)
        assert out.returncode == 0, (commands[i], out.stderr)
        wall, user, system, rss = out.stderr.strip().splitlines()[-1].split()
        figures[i].append((float(wall) * 1000, (float(user) + float(system)) * 1000, int(rss) / 1024))
print(f"{'command':22} {'wall ms':>8} {'cpu ms':>8} {'peak RSS MiB':>13}   (medians of {runs})")
for i in order:
    wall, cpu, rss = (statistics.median(f[k] for f in figures[i]) for k in range(3))
    print(f"{names[i][2:]:22} {wall:8.0f} {cpu:8.0f} {rss:13.1f}")
PY
