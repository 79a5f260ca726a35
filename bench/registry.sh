#!/usr/bin/env bash
# bench/registry.sh - sourced by bench/oci-agent.sh and bench/pins-resolve.sh: a real OCI registry on loopback with
# TLS, as the tests' RegistryFixture starts it (Debian's docker-registry, distribution 2.8; a test CA from
# scripts/testbed/notary.sh certs), and N tags of one repository.
#
# registry_start W: certs in W/pki, skopeo's cert dir W/certs, registry on 127.0.0.1:$REGISTRY_PORT (pid REGISTRY_PID).
# registry_push_tags W N: pushes a one-layer OCI image (built here) with `skopeo copy --all` as bench/app:t00000, then
#   N-1 more tags t00001… with curl PUT, each a distinct manifest (the same config and layer, its tag as an annotation),
#   so every tag has its own digest. W/tags lists the N references.

REGISTRY_REPO=bench/app

registry_start() {
  local w="$1" root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  bash "$root/scripts/testbed/notary.sh" certs "$w/pki" >/dev/null
  mkdir -p "$w/certs" "$w/storage"
  cp "$w/pki/ca/ca.crt" "$w/certs/ca.crt"
  printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$w/skopeo-policy.json"
  REGISTRY_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat >"$w/registry.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $w/storage
http:
  addr: 127.0.0.1:$REGISTRY_PORT
  secret: bench-$$
  tls:
    certificate: $w/pki/tls/server.crt
    key: $w/pki/tls/server.key
YAML
  docker-registry serve "$w/registry.yml" >"$w/registry.log" 2>&1 &
  REGISTRY_PID=$!
  for _ in $(seq 100); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$w/certs/ca.crt" "https://127.0.0.1:$REGISTRY_PORT/v2/")" == 200 ]] && return 0
    sleep 0.1
  done
  echo "bench: docker-registry did not answer: $(tail -n 5 "$w/registry.log")" >&2
  return 1
}

registry_push_tags() {
  local w="$1" n="$2" base="https://127.0.0.1:$REGISTRY_PORT"
  python3 - "$w/layout" <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile
layout = sys.argv[1]
os.makedirs(f"{layout}/blobs/sha256", exist_ok=True)
def blob(data):
    digest = hashlib.sha256(data).hexdigest()
    open(f"{layout}/blobs/sha256/{digest}", "wb").write(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}
tar = io.BytesIO()
with tarfile.open(fileobj=tar, mode="w") as t:
    data = b"vantage bench layer\n"
    info = tarfile.TarInfo("etc/bench"); info.size = len(data); info.mtime = 0
    t.addfile(info, io.BytesIO(data))
layer = blob(gzip.compress(tar.getvalue(), mtime=0))
layer["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
diff_id = "sha256:" + hashlib.sha256(tar.getvalue()).hexdigest()
config = blob(json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode())
config["mediaType"] = "application/vnd.oci.image.config.v1+json"
manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": config, "layers": [layer]}
m = blob(json.dumps(manifest).encode())
m["mediaType"] = manifest["mediaType"]; m["annotations"] = {"org.opencontainers.image.ref.name": "latest"}
json.dump({"schemaVersion": 2, "manifests": [m]}, open(f"{layout}/index.json", "w"))
open(f"{layout}/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
json.dump(manifest, open(f"{layout}/manifest.json", "w"))
PY
  skopeo --policy "$w/skopeo-policy.json" copy -q --all --dest-cert-dir "$w/certs" \
    "oci:$w/layout:latest" "docker://127.0.0.1:$REGISTRY_PORT/$REGISTRY_REPO:t00000" >/dev/null
  echo "127.0.0.1:$REGISTRY_PORT/$REGISTRY_REPO:t00000" >"$w/tags"
  local i tag
  for ((i = 1; i < n; i++)); do
    tag=$(printf 't%05d' "$i")
    python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); m["annotations"]={"bench.tag":sys.argv[2]}; print(json.dumps(m))' \
      "$w/layout/manifest.json" "$tag" >"$w/manifest-put.json"
    curl -sf --cacert "$w/certs/ca.crt" -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
      --data-binary "@$w/manifest-put.json" "$base/v2/$REGISTRY_REPO/manifests/$tag" >/dev/null
    echo "127.0.0.1:$REGISTRY_PORT/$REGISTRY_REPO:$tag" >>"$w/tags"
  done
}
