#!/usr/bin/env bash
# bench/root-inspect.sh - whole-process root inspection: `vantage root inspect FILES… --format jsonl` beside
# python-tuf 7 loading and self-verifying the same files in one process (bench/python_tuf_inspect.py), paired runs
# with farm-bench. The files: every vector python-tuf can load (sigstore root-signing 2…15, python-tuf, go-tuf) and
# two fresh Ed25519 chains (bench/make_tuf_roots.py), copied under distinct names up to COUNT (default 2,000).
#
# usage: bench/root-inspect.sh [RUNS] [COUNT]   env: BIN_DIR (default .build/release: vantage)
set -euo pipefail
RUNS="${1:-5}"; COUNT="${2:-2000}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN_DIR="${BIN_DIR:-$ROOT/.build/release}"
VECTORS="${VECTORS:-$ROOT/../shared/vectors}"
[[ -x "$BIN_DIR/vantage" ]] || { echo "bench: $BIN_DIR/vantage not built (swift build -c release --product vantage)" >&2; exit 1; }
W="$(mktemp -d /tmp/vantage-inspect-bench.XXXXXX)"
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/src" "$W/files"
mkdir -p "$W/chain-a" "$W/chain-b"
python3 "$ROOT/bench/make_tuf_roots.py" "$W/chain-a" >/dev/null
python3 "$ROOT/bench/make_tuf_roots.py" "$W/chain-b" >/dev/null
n=0
for f in "$VECTORS"/sigstore-root-signing/{2..15}.root.json "$VECTORS"/python-tuf/root.json "$VECTORS"/go-tuf/*.json \
         "$W"/chain-a/*.json "$W"/chain-b/*.json; do
  # Only what python-tuf loads and verifies, so both sides do the same work.
  python3 "$ROOT/bench/python_tuf_inspect.py" "$f" >/dev/null 2>&1 || continue
  cp "$f" "$W/src/$n.json"; n=$((n + 1))
done
for i in $(seq 0 $((COUNT - 1))); do cp "$W/src/$((i % n)).json" "$W/files/$i.json"; done
FILES=("$W"/files/*.json)
echo "root-inspect: ${#FILES[@]} files from $n distinct roots, $(du -sh "$W/files" | cut -f1)"
# Both must accept every file (vantage: exit 0 = every file parses and meets its own threshold).
"$BIN_DIR/vantage" root inspect "${FILES[@]}" --format jsonl --at 2025-01-01T00:00:00Z >/dev/null
python3 "$ROOT/bench/python_tuf_inspect.py" "${FILES[@]}" >/dev/null
farm-bench -n "$RUNS" --warmup 1 --timeout 1200 \
  --vs "python3 $ROOT/bench/python_tuf_inspect.py ${FILES[*]}" \
  -- "$BIN_DIR/vantage" root inspect "${FILES[@]}" --format jsonl --at 2025-01-01T00:00:00Z
