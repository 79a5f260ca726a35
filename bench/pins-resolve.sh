#!/usr/bin/env bash
# bench/pins-resolve.sh - `vantage-pins resolve IMAGE` of one image out of a PINS-pin (default 10,000) list of image
# tags, beside `skopeo inspect` of the same tag against a local registry (bench/registry.sh: Debian's
# docker-registry over TLS on 127.0.0.1). Whole processes, RUNS (default 20) paired runs, medians.
#
# The list (`vantage-bench make-pins DIR PINS --oci IMAGE DIGEST`): PINS `oci` pins, each attested by 3 of 5 agents
# in 3 regions and signed by the coordinator; the first pins the registry's tag to the digest skopeo reports for it.
#   resolve, by proof:   the trust policy lists the image's target: header + that pin's inclusion proof over HTTP
#                        from a local static server (python3 -m http.server), verified offline;
#   resolve, whole list: the policy lists no target: the whole list file (--pins) is read and its header, Merkle
#                        root and order verified, the image's pin selected by source and its attestations verified.
#   skopeo inspect:      the registry's answer for the tag (manifest and config: what `skopeo inspect` prints);
#   skopeo inspect --raw: the manifest only (one ping, one GET), the cheapest way to ask the registry.
# The script checks once that resolve prints IMAGE@DIGEST with skopeo's digest.
#
# usage: bench/pins-resolve.sh [RUNS] [PINS]   env: BIN_DIR (default .build/release: vantage-pins, vantage-bench)
set -euo pipefail
RUNS="${1:-20}"; PINS="${2:-10000}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN_DIR="${BIN_DIR:-$ROOT/.build/release}"
for b in vantage-pins vantage-bench; do
  [[ -x "$BIN_DIR/$b" ]] || { echo "bench: $BIN_DIR/$b not built (swift build -c release)" >&2; exit 1; }
done
W="$(mktemp -d /tmp/vantage-resolve-bench.XXXXXX)"
REGISTRY_PID=""; SERVER=""
# SIGKILL for the http.server: one whose parent ignores SIGTERM inherits that and would outlive the run.
cleanup() { [[ -n "$REGISTRY_PID" ]] && kill "$REGISTRY_PID" 2>/dev/null; [[ -n "$SERVER" ]] && kill -9 "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
source "$ROOT/bench/registry.sh"
registry_start "$W"
registry_push_tags "$W" 1
IMAGE="$(cat "$W/tags")"
SKOPEO=(skopeo --policy "$W/skopeo-policy.json" inspect --cert-dir "$W/certs")
DIGEST="$("${SKOPEO[@]}" --format '{{.Digest}}' "docker://$IMAGE")"
"$BIN_DIR/vantage-bench" make-pins "$W/fixture" "$PINS" --oci "$IMAGE" "${DIGEST#sha256:}" >/dev/null

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$W/fixture/www" >/dev/null 2>&1 &
SERVER=$!
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/v1/pins/latest/header" && break; sleep 0.1; done
echo "# $PINS-pin list: $(stat -c %s "$W/fixture/pins.json") bytes; proof of one pin: $(curl -sf "http://127.0.0.1:$PORT/v1/pins/1/targets/image-00000" | wc -c) bytes; image $IMAGE"

RESOLVE=("$BIN_DIR/vantage-pins" resolve "$IMAGE")
# The two measured ways (the static server holds no whole list at /v1/pins/1: its folder holds the proof).
for way in "policy-listed.json --coordinator http://127.0.0.1:$PORT" "policy.json --pins $W/fixture/pins.json"; do
  # shellcheck disable=SC2086
  set -- $way
  got="$("${RESOLVE[@]}" --policy "$W/fixture/$1" "$2" "$3" --state "$W/check-state.json")"
  [[ "$got" == "$IMAGE@$DIGEST" ]] || { echo "bench: resolve ($way) printed '$got', skopeo says $DIGEST" >&2; exit 1; }
done
echo "# resolve prints $IMAGE@$DIGEST, the digest skopeo inspect reports"

python3 - "$ROOT/bench" "$RUNS" "$PINS" \
  "resolve, by proof (HTTP)" "${RESOLVE[*]} --policy $W/fixture/policy-listed.json --coordinator http://127.0.0.1:$PORT --state $W/s1.json" \
  "resolve, whole list file" "${RESOLVE[*]} --policy $W/fixture/policy.json --pins $W/fixture/pins.json --state $W/s2.json" \
  "skopeo inspect" "${SKOPEO[*]} docker://$IMAGE" \
  "skopeo inspect --raw" "${SKOPEO[*]} --raw docker://$IMAGE" <<'PY'
import statistics, sys
sys.path.insert(0, sys.argv[1])
from whole_process import measure
runs, pins = int(sys.argv[2]), int(sys.argv[3])
pairs = list(zip(sys.argv[4::2], sys.argv[5::2]))
figures = {name: [] for name, _ in pairs}
for _ in range(runs):
    for name, command in pairs:
        wall, cpu, rss, _ = measure(command.split())
        figures[name].append((wall * 1000, cpu * 1000, rss))
print(f"{'command':26} {'wall ms':>8} {'cpu ms':>8} {'peak RSS MiB':>13}   (medians of {runs} paired runs, {pins} pins; min-max wall)")
for name, rows in figures.items():
    wall, cpu, rss = (statistics.median(r[k] for r in rows) for k in range(3))
    print(f"{name:26} {wall:8.1f} {cpu:8.1f} {rss:13.1f}   {min(r[0] for r in rows):.1f}-{max(r[0] for r in rows):.1f}")
for name, _ in pairs[:2]:
    for base in ("skopeo inspect", "skopeo inspect --raw"):
        ratio = statistics.median(b[0] / a[0] for a, b in zip(figures[name], figures[base]))
        print(f"{name}: {base} takes {ratio:.2f}x its wall time (pairwise median)")
PY
