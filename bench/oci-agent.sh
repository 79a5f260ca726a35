#!/usr/bin/env bash
# bench/oci-agent.sh - the agent polling N (default 200) image tags of a local registry (bench/registry.sh: Debian's
# docker-registry over TLS on 127.0.0.1, tags pushed with skopeo and curl) with concurrency C (default 8), one
# `vantage-agent run --once` round each run, beside `skopeo inspect --raw` of the same N tags with the same
# parallelism (xargs -P C, one skopeo process per tag).
#
# Two agent rounds are measured, each as a whole process (start-up, spool opening, probes, the signed observations
# committed to the spool with synchronous=FULL, delivery to a local ack-everything coordinator (Tests/Support/
# testserver.py over TLS) and exit):
#   cold: a fresh spool (no digest known for any tag): a GET of every manifest, its SHA-256, its facts parsed;
#   warm: a spool whose last round saw every tag (the agent's steady state): one HEAD per tag, nothing fetched.
# skopeo inspect --raw GETs every manifest (after its /v2/ ping) and prints it.
# RUNS (default 5) rounds of each, paired in turn (agent cold, agent warm, skopeo, ...) so drift hits all alike;
# medians printed. CPU is user+sys of the whole process tree (bench/whole_process.py; the registry and coordinator
# excluded).
#
# usage: bench/oci-agent.sh [N] [C] [RUNS]   env: BIN=path/to/vantage-agent (default .build/release)
set -euo pipefail
N="${1:-200}"; C="${2:-8}"; RUNS="${3:-5}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${BIN:-$ROOT/.build/release/vantage-agent}"
[[ -x "$BIN" ]] || { echo "bench: $BIN not built (swift build -c release --product vantage-agent)" >&2; exit 1; }
W="$(mktemp -d /tmp/vantage-oci-bench.XXXXXX)"
REGISTRY_PID=""; SERVER_PID=""
cleanup() { for p in $REGISTRY_PID $SERVER_PID; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
source "$ROOT/bench/registry.sh"
registry_start "$W"
registry_push_tags "$W" "$N"
"$BIN" keygen --out "$W/agent.key" >/dev/null

mkdir -p "$W/www"
exec 3< <(exec python3 "$ROOT/Tests/Support/testserver.py" --dir "$W/www" --cert "$W/pki/tls/server.crt" --key "$W/pki/tls/server.key" --quiet)
read -r PORT <&3
SERVER_PID="$(pgrep -f "testserver.py --dir $W/www" | head -n 1 || true)"
{
  printf '{"agent":{"id":"bench","region":"local","key":"%s"},"coordinators":["https://127.0.0.1:%s"],' "$W/agent.key" "$PORT"
  printf '"spool":{"dir":"SPOOL","batch_size":500},"poll":{"concurrency":%d},' "$C"
  printf '"http":{"ca_bundle":"%s","request_timeout_seconds":30,"total_timeout_seconds":120},' "$W/certs/ca.crt"
  printf '"network":{"allow_private_addresses":true},"targets":{'  # the registry is on loopback
  i=0
  while read -r ref; do
    [[ $i -gt 0 ]] && printf ','
    printf '"t%05d":{"kind":"oci","image":"%s"}' "$i" "$ref"
    i=$((i + 1))
  done <"$W/tags"
  printf '}}\n'
} >"$W/agent.template.json"
sed "s#SPOOL#$W/warm#" "$W/agent.template.json" >"$W/warm.json"
sed "s#SPOOL#$W/cold#" "$W/agent.template.json" >"$W/cold.json"
# The warm spool's first round (GETs); every measured warm round after it only HEADs.
"$BIN" run --config "$W/warm.json" --once --log-level warning >"$W/first.txt" 2>"$W/first.log" || { cat "$W/first.txt"; tail -n 5 "$W/first.log"; exit 1; }
grep -q "targets: $N probed, $N observed$" "$W/first.txt" || { echo "bench: first round:"; cat "$W/first.txt"; exit 1; }

cat >"$W/cold.sh" <<SH
rm -rf "$W/cold" && exec "$BIN" run --config "$W/cold.json" --once --log-level warning
SH
cat >"$W/skopeo.sh" <<SH
xargs -P $C -I REF skopeo --policy "$W/skopeo-policy.json" inspect --raw --cert-dir "$W/certs" docker://REF <"$W/tags" | grep -o schemaVersion | wc -l
SH
python3 - "$ROOT/bench" "$N" "$C" "$RUNS" "$BIN" "$W" <<'PY'
import statistics, sys
sys.path.insert(0, sys.argv[1])
from whole_process import measure
n, c, runs, binary, w = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
commands = {
    "agent, cold spool (GET)": ["bash", f"{w}/cold.sh"],
    "agent, warm spool (HEAD)": [binary, "run", "--config", f"{w}/warm.json", "--once", "--log-level", "warning"],
    "skopeo inspect --raw": ["bash", f"{w}/skopeo.sh"],
}
figures = {name: [] for name in commands}
for _ in range(runs):
    for name, command in commands.items():
        wall, cpu, rss, out = measure(command)
        ok = f"targets: {n} probed, {n} observed\n" in out and "spool drained" in out if name.startswith("agent") else out.strip() == str(n)
        assert ok, (name, out)
        figures[name].append((wall, cpu, rss))
print(f"binary: {binary}; {n} tags of one repository, concurrency {c}; medians of {runs} paired runs (whole processes)")
print(f"{'':26} {'wall s':>7} {'polls/s':>8} {'cpu s':>6} {'cpu ms/poll':>11} {'peak RSS MiB':>12}  min-max wall")
for name, rows in figures.items():
    wall, cpu, rss = (statistics.median(r[k] for r in rows) for k in range(3))
    print(f"{name:26} {wall:7.2f} {n / wall:8.0f} {cpu:6.2f} {cpu * 1000 / n:11.2f} {rss:12.1f}  {min(r[0] for r in rows):.2f}-{max(r[0] for r in rows):.2f}")
base = figures["skopeo inspect --raw"]
for name in list(commands)[:2]:
    rate = statistics.median(b[0] / a[0] for a, b in zip(figures[name], base))
    cpu = statistics.median(b[1] / a[1] for a, b in zip(figures[name], base))
    print(f"{name}: {rate:.1f}x skopeo's polls/s, {cpu:.1f}x less CPU per poll (pairwise medians)")
PY
