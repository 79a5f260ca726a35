#!/usr/bin/env bash
# bench/agent.sh - an agent watching N (default 1,000) TUF targets on a local HTTPS server with
# concurrency C (default 32), one `vantage-agent run --once` round, beside curl fetching the same URLs.
#
# Each target is its own TUF repository (same files): the agent starts from 1.root.json (trusted_root),
# fetches and verifies 2.root.json (one Ed25519 rotation step), then gets 404 for 3.root.json: two requests,
# one verified step, one signed observation committed to the spool (synchronous=FULL; probes finishing together
# share a group commit, each durable before it completes), then delivery in batches
# to a local ack-everything coordinator. curl fetches the same 2N URLs with the same parallelism.
#
# Failed probes are logged at notice level; the script stops if any probe did not verify.
# Prints: peak RSS of the agent, its CPU time per probe (user+sys of the agent process only; the server is a
# separate process), probes/s for the agent, and URLs/s and "probes"/s (2 URLs = 1 probe) for curl.
#
# usage: bench/agent.sh [N] [C]     env: BIN=path/to/vantage-agent (default .build/release, else .build/debug)
set -euo pipefail
N="${1:-1000}"
C="${2:-32}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${BIN:-}"
if [[ -z "$BIN" ]]; then
  if [[ -x "$ROOT/.build/release/vantage-agent" ]]; then BIN="$ROOT/.build/release/vantage-agent"; else BIN="$ROOT/.build/debug/vantage-agent"; fi
fi
[[ -x "$BIN" ]] || { echo "bench: $BIN not built (swift build -c release --product vantage-agent)" >&2; exit 1; }
W="$(mktemp -d /tmp/vantage-bench.XXXXXX)"
SERVER_PID=""
cleanup() { [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT

bash "$ROOT/scripts/testbed/notary.sh" certs "$W/pki"
mkdir -p "$W/www/chain" "$W/spool"
python3 "$ROOT/bench/make_tuf_roots.py" "$W/www/chain"
for ((i = 0; i < N; i++)); do
  mkdir -p "$W/www/t$i"
  ln "$W/www/chain/2.root.json" "$W/www/t$i/2.root.json"
done
"$BIN" keygen --out "$W/agent.key" >/dev/null

exec 3< <(exec python3 "$ROOT/Tests/Support/testserver.py" --dir "$W/www" --cert "$W/pki/tls/server.crt" --key "$W/pki/tls/server.key" --quiet)
read -r PORT <&3
SERVER_PID="$(pgrep -f "testserver.py --dir $W/www" | head -n 1 || true)"
BASE="https://127.0.0.1:$PORT"

{
  printf '{"agent":{"id":"bench","region":"local","key":"%s"},"coordinators":["%s"],' "$W/agent.key" "$BASE"
  printf '"spool":{"dir":"%s","batch_size":500},"poll":{"concurrency":%d},' "$W/spool" "$C"
  printf '"http":{"ca_bundle":"%s","request_timeout_seconds":30,"total_timeout_seconds":120},' "$W/pki/ca/ca.crt"
  printf '"network":{"allow_private_addresses":true},"targets":{'  # the server is on loopback
  for ((i = 0; i < N; i++)); do
    [[ $i -gt 0 ]] && printf ','
    printf '"t%d":{"kind":"tuf","url":"%s/files/t%d","trusted_root":"%s"}' "$i" "$BASE" "$i" "$W/www/chain/1.root.json"
  done
  printf '}}\n'
} >"$W/agent.json"

for ((i = 0; i < N; i++)); do printf '%s/files/t%d/2.root.json\n%s/files/t%d/3.root.json\n' "$BASE" "$i" "$BASE" "$i"; done >"$W/urls"

# curl: same URLs, same parallelism, one connection per batch of 25 URLs (keep-alive within a batch).
curl_start=$(date +%s.%N)
xargs -P "$C" -n 25 curl -s --cacert "$W/pki/ca/ca.crt" <"$W/urls" >/dev/null
curl_end=$(date +%s.%N)

agent_start=$(date +%s.%N)
/usr/bin/time -v -o "$W/time.txt" "$BIN" run --config "$W/agent.json" --once --log-level notice 2>"$W/agent.log" || {
  echo "bench: agent failed"; tail -n 20 "$W/agent.log"; exit 1; }
failed=$(grep -c '"msg":"probed"' "$W/agent.log" || true)
[[ "$failed" == 0 ]] || { echo "bench: $failed probes did not verify:"; grep '"msg":"probed"' "$W/agent.log" | head -n 3; exit 1; }
agent_end=$(date +%s.%N)

rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$W/time.txt")
user=$(awk -F': ' '/User time \(seconds\)/ {print $2}' "$W/time.txt")
sys=$(awk -F': ' '/System time \(seconds\)/ {print $2}' "$W/time.txt")
python3 - "$N" "$C" "$rss_kb" "$user" "$sys" "$agent_start" "$agent_end" "$curl_start" "$curl_end" "$BIN" <<'PY'
import sys
n, c, rss, user, sys_t, a0, a1, c0, c1, binary = sys.argv[1:]
n, c, rss, user, sys_t = int(n), int(c), int(rss), float(user), float(sys_t)
agent_wall, curl_wall = float(a1) - float(a0), float(c1) - float(c0)
print(f"binary:                {binary}")
print(f"targets:               {n}, concurrency {c}, 2 GETs + 1 verified rotation step per probe")
print(f"agent peak RSS:        {rss / 1024:.1f} MiB")
print(f"agent CPU per probe:   {(user + sys_t) * 1000 / n:.2f} ms (user {user:.2f} s + sys {sys_t:.2f} s, server excluded)")
print(f"agent wall time:       {agent_wall:.2f} s -> {n / agent_wall:.0f} probes/s (incl. start-up, spool fsyncs, delivery)")
print(f"curl wall time:        {curl_wall:.2f} s for {2 * n} URLs -> {2 * n / curl_wall:.0f} URLs/s = {n / curl_wall:.0f} probe-equivalents/s")
PY
