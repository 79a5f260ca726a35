#!/usr/bin/env bash
# Reliability benchmark (issue 22): the release vantage-coordinator under 2,000 slow connections (one header byte
# every 5 s each, reconnecting when closed) and an anonymous ingest flood (4 clients posting junk batches of 10,000
# and 1,000 observations back to back), with an agent's ingest and a CI host's GET /v1/pins/latest/header timed
# beside them (p50/p99), against the same probes on the idle coordinator in the same run.
#
# vantage-bench-coordinator --reliability-fixtures writes the configuration, the signed batches and the junk bodies;
# bench/coordinator-reliability.py starts the real coordinator from them, drives the probes and the attack, and
# prints the figures: idle, then under the slow connections alone, the flood alone, and both. Bounded in time
# (about 2 minutes with the defaults); talks only to 127.0.0.1.
#
# Usage: bench/coordinator-reliability.sh [--no-build] [--slow N] [--flood N] [--idle S] [--attack S]
# Needs: python3.
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
driver_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) build=0 ;;
        --slow|--flood|--idle|--attack) driver_args+=("$1" "$2"); shift ;;
        *) echo "usage: $0 [--no-build] [--slow N] [--flood N] [--idle S] [--attack S]" >&2; exit 2 ;;
    esac
    shift
done
command -v python3 >/dev/null || { echo "missing python3" >&2; exit 1; }
# The slow connections and the coordinator's own descriptors (the systemd unit sets LimitNOFILE=65536 too).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

if [ "$build" = 1 ]; then
    # One product per invocation (SwiftPM builds only the last --product given).
    swift build -c release --product vantage-coordinator
    swift build -c release --product vantage-bench-coordinator
fi
bin="$(swift build -c release --show-bin-path)"

work="$(mktemp -d /tmp/vantage-reliability.XXXXXX)"
trap 'rm -rf "$work"' EXIT

echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ); $(uname -sm); $(nproc) cores; open files $(ulimit -n); load before:$(cut -d' ' -f1-3 /proc/loadavg | sed 's/^/ /')"
"$bin/vantage-bench-coordinator" --reliability-fixtures "$work"
python3 bench/coordinator-reliability.py --coordinator "$bin/vantage-coordinator" --fixtures "$work" "${driver_args[@]}"
