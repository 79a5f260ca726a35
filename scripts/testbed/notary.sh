#!/usr/bin/env bash
# notary.sh - run the REAL notary-server and notary client (Debian package `notary`, v0.7.0)
# on loopback, for Vantage's integration tests and demo. The server uses in-memory storage
# and its built-in (local) signing service, with TLS from a throwaway CA. Facts behind the
# choices here: /work/shared/reference/notary-testbed.md.
#
# Usage: see usage() below, or run `notary.sh help`. All paths must be absolute.
# Output: nothing on stdout (except `up` prints the server PID and `list` passes the
# client's output through); errors on stderr; non-zero exit on failure.
set -euo pipefail

usage() {
  cat >&2 <<'EOF'
usage: notary.sh certs   DIR                         make DIR/ca/ca.{crt,key} and DIR/tls/server.{crt,key}
       notary.sh up      DIR PORT                    start notary-server, print its PID
       notary.sh down    DIR                         stop the server started from DIR
       notary.sh publish DIR SERVER_URL GUN [TRUST]  init GUN, add target "latest", publish
       notary.sh rotate  DIR SERVER_URL GUN [TRUST]  rotate GUN's root key (server then has N+1.root.json)
       notary.sh list    SERVER_URL GUN TRUST CAFILE run `notary list GUN`, passing output and exit code through
DIR, TRUST and CAFILE are absolute paths; TRUST defaults to DIR/publisher-trust.
env: NOTARY_CA_DIR      CA folder to use/create instead of DIR/ca (share one CA between servers)
     NOTARY_EXTRA_SANS  extra comma-separated server-cert SANs (DNS names or IPs), e.g. notary.example.test
     NOTARY_LISTEN_ADDR listen address for `up` (default 127.0.0.1)
     NOTARY_ROOT_PASSPHRASE, NOTARY_TARGETS_PASSPHRASE, NOTARY_SNAPSHOT_PASSPHRASE,
     NOTARY_DELEGATION_PASSPHRASE  key passphrases (default: throwaway values)
The server's CA certificate is also copied to DIR/tls/ca.crt (used by publish/rotate).
EOF
  exit 2
}

die() { echo "notary.sh: $*" >&2; exit 1; }
abs() { [[ "$1" == /* ]] || die "$2 must be an absolute path: '$1'"; }

# Loopback only: never send the client or curl through a proxy.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export NOTARY_ROOT_PASSPHRASE="${NOTARY_ROOT_PASSPHRASE:-vantage-testbed-root}"
export NOTARY_TARGETS_PASSPHRASE="${NOTARY_TARGETS_PASSPHRASE:-vantage-testbed-targets}"
export NOTARY_SNAPSHOT_PASSPHRASE="${NOTARY_SNAPSHOT_PASSPHRASE:-vantage-testbed-snapshot}"
export NOTARY_DELEGATION_PASSPHRASE="${NOTARY_DELEGATION_PASSPHRASE:-vantage-testbed-delegation}"

need() { command -v "$1" >/dev/null || die "'$1' not found (apt-get install -y ${2:-$1})"; }

cmd_certs() {
  local dir="$1" ca="${NOTARY_CA_DIR:-$1/ca}" tls="$1/tls" sans="IP:127.0.0.1,IP:::1,DNS:localhost" s
  abs "$dir" DIR; abs "$ca" NOTARY_CA_DIR; need openssl
  mkdir -p "$ca" "$tls"
  exec 9>"$ca/.lock"; flock 9          # two servers may create/share the CA concurrently
  if [[ ! -s "$ca/ca.crt" || ! -s "$ca/ca.key" ]]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -sha256 \
      -keyout "$ca/ca.key" -out "$ca/ca.crt" -subj "/CN=Vantage notary-testbed throwaway CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      2>"$ca/openssl.log" || die "CA creation failed: $(cat "$ca/openssl.log")"
  fi
  if [[ ! -s "$tls/server.crt" || ! -s "$tls/server.key" ]]; then
    IFS=',' read -ra extra <<<"${NOTARY_EXTRA_SANS:-}"
    for s in "${extra[@]}"; do
      s="${s//[[:space:]]/}"; [[ -n "$s" ]] || continue
      if [[ "$s" =~ ^[0-9.]+$ || "$s" == *:* ]]; then sans+=",IP:$s"; else sans+=",DNS:$s"; fi
    done
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth" "subjectAltName=$sans" >"$tls/server.ext"
    { openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
        -keyout "$tls/server.key" -out "$tls/server.csr" &&
      openssl x509 -req -in "$tls/server.csr" -CA "$ca/ca.crt" -CAkey "$ca/ca.key" -CAcreateserial \
        -days 825 -sha256 -extfile "$tls/server.ext" -out "$tls/server.crt"; } 2>"$tls/openssl.log" \
      || die "server certificate creation failed: $(cat "$tls/openssl.log")"
    rm -f "$tls/server.csr"
  fi
  cp "$ca/ca.crt" "$tls/ca.crt"
  exec 9>&-
}

alive() {  # running and not a zombie
  local st; st="$(ps -o stat= -p "$1" 2>/dev/null)" || return 1
  [[ -n "$st" && "$st" != Z* ]]
}

cmd_up() {
  local dir="$1" port="$2" addr="${NOTARY_LISTEN_ADDR:-127.0.0.1}" host check pid i
  abs "$dir" DIR; [[ "$port" =~ ^[0-9]+$ ]] || die "bad PORT '$port'"; need notary-server notary; need curl
  if [[ -s "$dir/server.pid" ]] && alive "$(cat "$dir/server.pid")"; then
    die "a server from $dir is already running (pid $(cat "$dir/server.pid")); run 'notary.sh down $dir' first"
  fi
  cmd_certs "$dir"
  host="${addr#[}"; host="${host%]}"
  case "$host" in 0.0.0.0|"") check=127.0.0.1 ;; ::) check=::1 ;; *) check="$host" ;; esac
  [[ "$host" == *:* ]] && host="[$host]"
  # Refuse a port that already answers (otherwise the health check could hit someone else's server).
  if (exec 3<>"/dev/tcp/$check/$port") 2>/dev/null; then die "port $port on $check is already in use"; fi
  cat >"$dir/server-config.json" <<EOF
{
  "server": { "http_addr": "$host:$port", "tls_cert_file": "$dir/tls/server.crt", "tls_key_file": "$dir/tls/server.key" },
  "trust_service": { "type": "local" },
  "storage": { "backend": "memory" },
  "logging": { "level": "info" }
}
EOF
  # Never -debug (it opens pprof on localhost:8080). Detach all stdio so a caller reading our
  # stdout to EOF (Swift Process + Pipe) does not wait for the server.
  setsid notary-server -config "$dir/server-config.json" -logf json >>"$dir/server.log" 2>&1 </dev/null &
  pid=$!
  for ((i = 0; i < 100; i++)); do
    alive "$pid" || die "notary-server exited during start-up; log tail:
$(tail -n 5 "$dir/server.log")"
    if curl -sf -o /dev/null --max-time 1 --cacert "$dir/tls/ca.crt" --resolve "localhost:$port:$check" \
        "https://localhost:$port/_notary_server/health"; then
      echo "$pid" >"$dir/server.pid"; echo "$pid"; return 0
    fi
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  die "notary-server did not become healthy on $host:$port within 10 s; log tail:
$(tail -n 5 "$dir/server.log")"
}

cmd_down() {
  local dir="$1" pid i
  abs "$dir" DIR
  [[ -s "$dir/server.pid" ]] || { rm -f "$dir/server.pid"; return 0; }
  pid="$(cat "$dir/server.pid")"
  # Only signal it if the PID still belongs to a notary-server (PIDs get reused).
  if alive "$pid" && [[ "$(ps -o comm= -p "$pid")" == notary-server* ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$dir/server.pid"
}

# Client config per (server, trust dir): bypasses any ~/.notary/config.json.
client() {  # client DIR URL TRUST -> sets CFG
  local dir="$1" url="$2" trust="$3" ca="$1/tls/ca.crt" h
  [[ -s "$ca" ]] || die "no CA certificate at $ca (run 'notary.sh certs $dir' or 'up' first)"
  need notary; mkdir -p "$trust"
  h="$(printf '%s\n%s' "$url" "$trust" | sha256sum | cut -c1-12)"
  CFG="$dir/client-config-$h.json"
  printf '{ "trust_dir": "%s",\n  "remote_server": { "url": "%s", "root_ca": "%s" } }\n' \
    "$trust" "$url" "$ca" >"$CFG"
}

run() {  # run a notary client command, stdin closed (a wrong passphrase fails, not prompts)
  local out
  out="$(notary -c "$CFG" "$@" </dev/null 2>&1)" || die "notary $* failed:"$'\n'"$out"
}

cmd_publish() {
  local dir="$1" url="$2" gun="$3" trust="${4:-$1/publisher-trust}" tdir code
  abs "$dir" DIR; abs "$trust" TRUSTDIR; client "$dir" "$url" "$trust"
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$dir/tls/ca.crt" \
    "$url/v2/$gun/_trust/tuf/root.json")" || true
  case "$code" in 200|404) ;; *) die "cannot reach $url (HTTP '$code'); is the server up?" ;; esac
  tdir="$dir/targets/${gun//\//_}"; mkdir -p "$tdir"
  printf 'Vantage notary testbed target for %s (publisher trust dir %s)\n' "$gun" "$trust" >"$tdir/latest.txt"
  # Already published from this trust dir: just publish the target again. Otherwise start
  # fresh; stale local state (e.g. the memory server was restarted) would break init+publish.
  if [[ "$code" != 200 || ! -s "$trust/tuf/$gun/metadata/root.json" ]]; then
    if [[ -d "$trust/tuf/$gun" ]]; then run delete "$gun"; fi
    run init "$gun"
  fi
  run add "$gun" latest "$tdir/latest.txt"
  run publish "$gun"
}

cmd_rotate() {
  local dir="$1" url="$2" gun="$3" trust="${4:-$1/publisher-trust}" root v out code
  abs "$dir" DIR; abs "$trust" TRUSTDIR; client "$dir" "$url" "$trust"
  root="$trust/tuf/$gun/metadata/root.json"
  [[ -s "$root" ]] || die "no published root for $gun in $trust (run publish first)"
  v="$(grep -o '"version": *[0-9]*' "$root" | tail -n 1 | tr -dc 0-9)"
  [[ -n "$v" ]] || die "cannot read root version from $root"
  # The prompt has no skip flag; without "yes" it prints "Aborting action." and exits 0.
  out="$(echo yes | notary -c "$CFG" key rotate "$gun" root 2>&1)" || die "notary key rotate failed:"$'\n'"$out"
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$dir/tls/ca.crt" \
    "$url/v2/$gun/_trust/tuf/$((v + 1)).root.json")" || true
  [[ "$code" == 200 ]] || die "rotation did not publish $((v + 1)).root.json (HTTP $code):"$'\n'"$out"
}

cmd_list() {
  local url="$1" gun="$2" trust="$3" ca="$4"
  abs "$trust" TRUSTDIR; abs "$ca" CAFILE; need notary
  exec notary -s "$url" -d "$trust" --tlscacert "$ca" list "$gun" </dev/null
}

sub="${1:-help}"; shift || true
case "$sub:$#" in
  certs:1)             cmd_certs "$@" ;;
  up:2)                cmd_up "$@" ;;
  down:1)              cmd_down "$@" ;;
  publish:3|publish:4) cmd_publish "$@" ;;
  rotate:3|rotate:4)   cmd_rotate "$@" ;;
  list:4)              cmd_list "$@" ;;
  *)                   usage ;;
esac
