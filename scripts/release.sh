#!/usr/bin/env bash
# Release artefacts for CI hosts: the static, stripped verifier as vantage-pins-linux-<arch> and its SHA256SUMS
# (the binaries the container image ships are built the same way, by the same script).
# usage: scripts/release.sh OUTDIR [swift build options, e.g. --scratch-path .build-release]
set -euo pipefail
out=${1:?usage: scripts/release.sh OUTDIR [swift build options]}
shift
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$(dirname "$0")/.."
binaries=$(mktemp -d)
trap 'rm -rf "$binaries"' EXIT
deploy/container/build-binaries.sh "$binaries" "$@"
name="vantage-pins-linux-$(uname -m)"
install -m 0755 "$binaries/vantage-pins" "$out/$name"
(cd "$out" && sha256sum "$name" >SHA256SUMS)
cat "$out/SHA256SUMS"
