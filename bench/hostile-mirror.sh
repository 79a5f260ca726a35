#!/usr/bin/env bash
# vantage-pins against hostile mirrors (issue 22): wall time, CPU and peak RSS of `install` when the first source is
# hostile and the second genuine, and that the second is then used. Sources, all on one loopback server
# (Tests/Support/hostile_mirror.py):
#   genuine  the coordinator API as static files (one-pin list v1, from `vantage-bench make-pins`)
#   forged   a mirror whose latest.json names the real coordinator id at v1 + 10,001 with a signature no policy key
#            made, and 10,000 bridge headers of 1 MB each it hopes the client will fetch
#   huge     the same header padded to 8 MB
#   slow     the genuine header, one byte every 5 s
# The host has accepted v1 (its state file), so the forged version is 10,001 ahead. Prints medians of RUNS and the
# line stderr gave about the hostile source; then, once each, the slow source under the default 30 s deadline and
# `install --bundle` of a bundle whose newest header is the forged one and whose 10,000 bridge headers are symbolic
# links to an 8 MB file outside it.
# Usage: bench/hostile-mirror.sh BIN_DIR [RUNS]   (BIN_DIR holds vantage-pins and vantage-bench)
set -euo pipefail
BIN=$(cd "${1:?usage: bench/hostile-mirror.sh BIN_DIR [RUNS]}" && pwd); RUNS=${2:-10}
cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
"$BIN/vantage-bench" make-pins "$WORK/fixture" 1 >/dev/null
WWW=$WORK/www
mkdir -p "$WWW/forged/headers" "$WWW/huge" "$WWW/slow"
cp -r "$WORK/fixture/www" "$WWW/genuine"
HEADER=$WWW/genuine/v1/pins/latest/header
python3 - "$HEADER" "$WWW" <<'PY'
import json, sys
header, www = json.load(open(sys.argv[1])), sys.argv[2]
header["signed"]["version"] = 1 + 10_001  # the signature no longer matches: made by no policy key
forged = json.dumps(header).encode()
open(f"{www}/forged/latest.json", "wb").write(forged)
open(f"{www}/huge/latest.json", "wb").write(forged + b" " * (8 << 20))
block = b" " * (1 << 20)
for version in range(2, 10_002):  # the bridge a client that fetches before it verifies would read: 10 GB
    with open(f"{www}/forged/headers/{version}.json", "wb") as f: f.truncate(len(block))
PY
cp "$HEADER" "$WWW/slow/latest.json"
python3 Tests/Support/hostile_mirror.py --dir "$WWW" --log /dev/null --delay 5 > "$WORK/port" &
SERVER=$!
trap '{ kill -9 $SERVER; wait $SERVER; } 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
URL=http://127.0.0.1:$(head -1 "$WORK/port")
TARGET=bench.example/app-00000
install=("$BIN/vantage-pins" install "$TARGET" --policy "$WORK/fixture/policy.json" --coordinator "$URL/genuine"
    --server https://notary.bench.example --for notary --replace --trust-dir "$WORK/trust" --state "$WORK/state.json")
"${install[@]}" >/dev/null  # the host accepts v1
declare -A commands=(
    [a-genuine-alone]="${install[*]}"
    [b-forged-then-genuine]="${install[*]} --mirror $URL/forged"
    [c-huge-then-genuine]="${install[*]} --mirror $URL/huge"
    [d-slow-then-genuine-2s]="${install[*]} --mirror $URL/dribble/slow --source-timeout 2"
)
python3 - "$RUNS" "${!commands[@]}" -- "${commands[@]}" <<'PY'
import statistics, subprocess, sys
runs = int(sys.argv[1]); split = sys.argv.index("--")
names, commands = sys.argv[2:split], sys.argv[split + 1:]
order = sorted(range(len(names)), key=lambda i: names[i])
figures, said = {i: [] for i in order}, {}
for _ in range(runs):
    for i in order:
        out = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M"] + commands[i].split(), capture_output=True, text=True)
        assert out.returncode == 0, (commands[i], out.stderr)
        lines = out.stderr.strip().splitlines()
        wall, user, system, rss = lines[-1].split()
        said[i] = next((l for l in lines[:-1] if "trying the next source" in l), "-")
        figures[i].append((float(wall) * 1000, (float(user) + float(system)) * 1000, int(rss) / 1024))
print(f"{'command':24} {'wall ms':>8} {'cpu ms':>8} {'peak RSS MiB':>13}   (medians of {runs}; every run exit 0)")
for i in order:
    wall, cpu, rss = (statistics.median(f[k] for f in figures[i]) for k in range(3))
    print(f"{names[i][2:]:24} {wall:8.0f} {cpu:8.0f} {rss:13.1f}")
for i in order: print(f"{names[i][2:]:24} {said[i][:150]}")
PY
# The default deadline (30 s) once: the slow source holds the run that long, then the genuine one installs.
/usr/bin/time -f "slow-then-genuine-30s    %e s wall, peak RSS %M KiB" "${install[@]}" --mirror "$URL/dribble/slow" 2>&1 >/dev/null | tail -1
# A bundle of the genuine list, turned hostile: the forged header as the newest, 10,000 symlinked bridge headers.
"$BIN/vantage-pins" bundle "$TARGET" --out "$WORK/bundle" --coordinator "$URL/genuine" --policy "$WORK/fixture/policy.json" >/dev/null
head -c $((8 << 20)) /dev/zero > "$WORK/big.json"
cp "$WWW/forged/latest.json" "$WORK/bundle/headers/10002.json"
sed -i 's/"version"[^,}]*/"version": 10002/' "$WORK/bundle/bundle.json"
for version in $(seq 2 10001); do ln -s "$WORK/big.json" "$WORK/bundle/headers/$version.json"; done
/usr/bin/time -f "hostile-bundle           %e s wall, peak RSS %M KiB" "$BIN/vantage-pins" install "$TARGET" --policy "$WORK/fixture/policy.json" \
    --bundle "$WORK/bundle" --server https://notary.bench.example --for notary --replace --trust-dir "$WORK/trust" \
    --state "$WORK/state.json" 2>&1 >/dev/null | tail -3
