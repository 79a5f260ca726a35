#!/usr/bin/env bash
# Builds the release binaries that go into the container image: vantage, vantage-pins (the CI verifier),
# vantage-agent, vantage-coordinator.
# The Dockerfile runs this, and so does Tests/VantageDeployTests (same flags), since no Docker engine runs in CI.
#
# usage: deploy/container/build-binaries.sh OUTDIR [more `swift build` options, e.g. --scratch-path DIR]
set -euo pipefail
out=${1:?usage: build-binaries.sh OUTDIR [swift build options]}
shift
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$(dirname "$0")/../.."

# --static-swift-stdlib: the Swift runtime and Foundation are linked in, so the runtime image needs only
# glibc, libstdc++, zlib, libssl3 (RSA-PSS through system libcrypto) and libsqlite3-0 (GRDB).
flags=(-c release --static-swift-stdlib "$@")
products=(vantage vantage-pins vantage-agent vantage-coordinator)
for product in "${products[@]}"; do
    swift build "${flags[@]}" --product "$product"
done
bin=$(swift build "${flags[@]}" --show-bin-path)
# strip --strip-debug drops DWARF (about 40% of the size) but keeps the symbol table, so Swift's crash
# reporter (SWIFT_BACKTRACE) still names functions.
for product in "${products[@]}"; do
    install -m 0755 "$bin/$product" "$out/$product"
    strip --strip-debug "$out/$product"
done
