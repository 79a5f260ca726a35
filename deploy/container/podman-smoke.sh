#!/usr/bin/env bash
# Builds deploy/container/Dockerfile's runtime stage with podman from host-built release binaries (no registry:
# the base comes from mmdebstrap, the build stage is replaced by BIN_DIR), then runs a coordinator and an agent
# container against a local TUF repository and checks the coordinator publishes a pin for it.
#
# usage: deploy/container/podman-smoke.sh BIN_DIR WORKDIR     (root; apt: podman runc mmdebstrap curl openssl;
#        python3 with tuf for Tests/Support/sigstore_repo.py make)
# BIN_DIR holds vantage, vantage-pins, vantage-agent, vantage-coordinator (deploy/container/build-binaries.sh).
set -euo pipefail
bins=$(cd "${1:?usage: podman-smoke.sh BIN_DIR WORKDIR}" && pwd)
mkdir -p "${2:?usage: podman-smoke.sh BIN_DIR WORKDIR}"
work=$(cd "$2" && pwd)
repo=$(cd "$(dirname "$0")/../.." && pwd)
base=localhost/vantage-base:bookworm image=localhost/vantage:smoke tag=vantage-smoke-$$
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY   # loopback only

# crun's defaults and systemd cgroups are refused here: runc, no default ulimits, cgroupfs.
if [[ -z "${CONTAINERS_CONF:-}" ]]; then
    printf '[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\n' >"$work/containers.conf"
    export CONTAINERS_CONF=$work/containers.conf
fi
pm() { podman --runtime runc "$@"; }
run() { pm run --rm --http-proxy=false --network host "$@"; }

pids=()
cleanup() {
    local rc=$?
    pm ps -aq --filter "label=$tag" | xargs -r podman --runtime runc rm -f -t 0 >/dev/null 2>&1 || true
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    if ((rc == 0)); then echo "PASS podman-smoke: image built, coordinator published a pin for 'local'"
    else echo "FAIL podman-smoke (exit $rc; logs in $work)"; fi
    exit "$rc"
}
trap cleanup EXIT
trap "exit 143" INT TERM
t0=$SECONDS
phase() { echo "== $1 (+$((SECONDS - t0))s)"; }

phase "base image"
if ! podman image exists "$base"; then
    mmdebstrap --quiet --variant=minbase --include=ca-certificates,libssl3,libsqlite3-0,tzdata \
        --format=tar bookworm "$work/base.tar"
    podman import --quiet "$work/base.tar" "$base" >/dev/null
    rm -f "$work/base.tar"
fi

phase "image build"
# The Dockerfile is used unchanged: the named contexts replace the runtime FROM and the `build` stage
# (COPY --from=build /out/ takes $work/ctx/out/), so swift:6.3 is never pulled.
rm -rf "$work/ctx" && mkdir -p "$work/ctx/out" && cp "$bins"/vantage{,-pins,-agent,-coordinator} "$work/ctx/out/"
pm build --quiet --pull=never --ignorefile "$repo/deploy/container/Dockerfile.dockerignore" \
    --build-context build="$work/ctx" --build-context debian:bookworm-slim=container-image://$base \
    -f "$repo/deploy/container/Dockerfile" -t "$image" "$repo" >/dev/null

phase "TUF repository"
rm -rf "$work/tuf" "$work/tls" "$work/coord" "$work/agent"
python3 "$repo/Tests/Support/sigstore_repo.py" make "$work/tuf"
bash "$repo/scripts/testbed/notary.sh" certs "$work/tls"
python3 "$repo/Tests/Support/sigstore_repo.py" serve "$work/tuf" \
    --cert "$work/tls/tls/server.crt" --key "$work/tls/tls/server.key" >"$work/tuf.port" 2>"$work/tuf.log" &
pids+=($!)
for _ in $(seq 50); do [[ -s "$work/tuf.port" ]] && break; sleep 0.1; done
tuf_url=https://127.0.0.1:$(head -1 "$work/tuf.port")
cport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

phase "keys (in containers)"
# State folders are bind mounts owned by the image's uid 10001.
install -d -o 10001 -g 10001 -m 0700 "$work/coord" "$work/agent"
run --label "$tag" -v "$work/coord:/var/lib/vantage-coordinator" "$image" \
    vantage-coordinator keygen --out /var/lib/vantage-coordinator/coordinator.key >/dev/null
agent_key=$(run --label "$tag" -v "$work/agent:/var/lib/vantage-agent" "$image" \
    vantage-agent keygen --out /var/lib/vantage-agent/agent.key | awk '/^public_key:/ {print $2}')
[[ -n "$agent_key" ]]

phase "coordinator and agent containers"
cat >"$work/coordinator.json" <<EOF
{ "listen": { "host": "127.0.0.1", "port": $cport },
  "state_dir": "/var/lib/vantage-coordinator",
  "agents": ["smoke-agent local $agent_key"],
  "targets": ["local tuf $tuf_url"],
  "consensus": { "quorum": 1, "min_regions": 1 } }
EOF
cat >"$work/agent.json" <<EOF
{ "agent": { "id": "smoke-agent", "region": "local", "key": "/var/lib/vantage-agent/agent.key" },
  "coordinators": ["http://127.0.0.1:$cport"],
  "spool": { "dir": "/var/lib/vantage-agent" },
  "http": { "ca_bundle": "/etc/vantage/ca.crt" },
  "network": { "allow_private_addresses": true },
  "targets": { "local": { "kind": "tuf", "url": "$tuf_url", "trusted_root": "/etc/vantage/root.json" } } }
EOF
run -d --label "$tag" --name "$tag-coordinator" -v "$work/coord:/var/lib/vantage-coordinator" \
    -v "$work/coordinator.json:/etc/vantage/coordinator.json:ro" "$image" >/dev/null   # the image's CMD
for i in $(seq 100); do curl -sf "http://127.0.0.1:$cport/readyz" >/dev/null && break; sleep 0.2
    ((i < 100)) || { pm logs "$tag-coordinator"; exit 1; }; done
run --label "$tag" -v "$work/agent:/var/lib/vantage-agent" -v "$work/agent.json:/etc/vantage/agent.json:ro" \
    -v "$work/tls/tls/ca.crt:/etc/vantage/ca.crt:ro" -v "$work/tuf/www/1.root.json:/etc/vantage/root.json:ro" \
    "$image" vantage-agent run --config /etc/vantage/agent.json --once

phase "pin list"
for i in $(seq 60); do
    curl -sf "http://127.0.0.1:$cport/v1/pins" >"$work/pins.json" || true
    python3 -c 'import json,sys; sys.exit(not any(p["target"] == "local" for p in json.load(open(sys.argv[1]))["pins"]))' \
        "$work/pins.json" 2>/dev/null && break
    ((i < 60)) || { cat "$work/pins.json"; pm logs "$tag-coordinator" | tail -30; exit 1; }
    sleep 1
done
phase "done"
