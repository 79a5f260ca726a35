#!/usr/bin/env bash
# Coordinator benchmarks (ingest vs raw Ed25519, storage growth, pin list build, proof size). Release build.
# Usage: bench/coordinator.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product vantage-bench-coordinator
exec .build/release/vantage-bench-coordinator "$@"
