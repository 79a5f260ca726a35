#!/usr/bin/env bash
# Coordinator HTTP benchmark (issue 4, Performance): wrk on loopback against the coordinator's pin list routes,
# each beside nginx serving the same bytes in the same run.
#
#   1. ETag revalidation of the whole list: GET /v1/pins with If-None-Match -> 304
#   2. the whole list: GET /v1/pins -> 200 (12.7 MB for 10,000 pins; fewer connections)
#   3. one pin with its inclusion proof: GET /v1/pins/latest/targets/{id} -> 200
#   4. what a CI host reads for one pin from the coordinator (the signed header, the pin with its proof) beside what
#      it reads from the static mirror (pin_list.mirror_dir) served by nginx: latest.json (the same header bytes),
#      the list's index and the one bundle of 256 pins that holds the pin
#
# The coordinator (vantage-bench-coordinator --serve-pins, release build) publishes a list of 10,000 pins as in
# bench/coordinator.sh; the exact bytes it serves are copied into nginx's root under the same URL paths. nginx runs
# as a plain foreground process with its own config in a temporary directory on a free 127.0.0.1 port (no system
# service), ETag on. Every wrk run is bounded by --duration and only targets 127.0.0.1.
#
# Usage: bench/coordinator-http.sh [--quick] [--duration SECONDS] [--rounds N] [--no-build]
# Needs: wrk, nginx (Debian: apt-get install -y wrk nginx-light), curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=""
duration=10
rounds=2
build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick="--quick"; duration=3; rounds=1 ;;
        --duration) duration="$2"; shift ;;
        --rounds) rounds="$2"; shift ;;
        --no-build) build=0 ;;
        *) echo "usage: $0 [--quick] [--duration SECONDS] [--rounds N] [--no-build]" >&2; exit 2 ;;
    esac
    shift
done
for tool in wrk nginx curl python3; do
    command -v "$tool" >/dev/null || { echo "missing $tool (Debian: apt-get install -y wrk nginx-light curl)" >&2; exit 1; }
done

if [ "$build" = 1 ]; then swift build -c release --product vantage-bench-coordinator; fi
binary="$(swift build -c release --show-bin-path)/vantage-bench-coordinator"

work="$(mktemp -d /tmp/vantage-http-bench.XXXXXX)"
coordinator_pid=""
nginx_pid=""
cleanup() {
    touch "$work/stop"
    if [ -n "$nginx_pid" ]; then kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; fi
    if [ -n "$coordinator_pid" ]; then
        for _ in $(seq 1 100); do kill -0 "$coordinator_pid" 2>/dev/null || break; sleep 0.1; done
        kill "$coordinator_pid" 2>/dev/null || true
        wait "$coordinator_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ); $(uname -sm); $(nproc) cores; load before setup:$(cut -d' ' -f1-3 /proc/loadavg | sed 's/^/ /')"
echo "starting the coordinator with a published pin list (this takes a while: ingest, consensus round, signing)..."
"$binary" --serve-pins "$work" $quick >"$work/coordinator.log" 2>&1 &
coordinator_pid=$!
for _ in $(seq 1 1800); do
    [ -f "$work/ready" ] && break
    kill -0 "$coordinator_pid" 2>/dev/null || { cat "$work/coordinator.log" >&2; echo "coordinator exited" >&2; exit 1; }
    sleep 0.5
done
[ -f "$work/ready" ] || { echo "coordinator not ready after 15 minutes" >&2; exit 1; }
port="$(cat "$work/port")"
proof_path="$(cat "$work/proof-path")"
coordinator="http://127.0.0.1:$port"
echo "coordinator: $(cat "$work/ready") on 127.0.0.1:$port"

# nginx: same URL paths. /v1/pins is both a document and a prefix, so the list is stored as /v1/pins.json and served
# for exactly /v1/pins; the proof is stored under its decoded path (nginx decodes %2F before mapping to a file).
root="$work/nginx/root"
mkdir -p "$root/v1" "$work/nginx/logs" "$work/nginx/temp"
cp "$work/pins.json" "$root/v1/pins.json"
decoded="$(python3 -c 'import sys, urllib.parse; print(urllib.parse.unquote(sys.argv[1]))' "$proof_path")"
mkdir -p "$root$(dirname "$decoded")"
cp "$work/proof.json" "$root$decoded"
cp -r "$work/mirror" "$root/mirror"
read -r mirror_header mirror_index mirror_bundle <"$work/mirror-paths" || true  # one line, no newline at the end
[ -n "$mirror_bundle" ] || { echo "no mirror paths in $work/mirror-paths" >&2; exit 1; }
chmod 755 "$work" "$work/nginx"
chmod -R a+rX "$root"
nginx_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes 2;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    open_file_cache max=16;
    client_body_temp_path $work/nginx/temp/body;
    proxy_temp_path $work/nginx/temp/proxy;
    fastcgi_temp_path $work/nginx/temp/fastcgi;
    uwsgi_temp_path $work/nginx/temp/uwsgi;
    scgi_temp_path $work/nginx/temp/scgi;
    types { }
    default_type application/json;
    etag on;
    server {
        listen 127.0.0.1:$nginx_port;
        root $root;
        add_header Cache-Control "public, max-age=0, must-revalidate";
        location = /v1/pins { try_files /v1/pins.json =404; }
        location /v1/pins/ { }
    }
}
EOF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$nginx_port/v1/pins" && break; sleep 0.1; done
nginx_url="http://127.0.0.1:$nginx_port"
echo "nginx $(nginx -v 2>&1 | sed 's/.*\///') on 127.0.0.1:$nginx_port, 2 workers; $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"

# Same bytes from both, and both answer If-None-Match with their own ETag with a 304.
etag_of() { curl -s -D - -o /dev/null "$1" | tr -d '\r' | awk -F': ' 'tolower($1) == "etag" { print $2 }'; }
for path in /v1/pins "$proof_path"; do
    curl -s "$coordinator$path" | cmp -s - "$([ "$path" = /v1/pins ] && echo "$work/pins.json" || echo "$work/proof.json")" \
        || { echo "coordinator bytes differ for $path" >&2; exit 1; }
    cmp -s <(curl -s "$coordinator$path") <(curl -s "$nginx_url$path") || { echo "nginx bytes differ for $path" >&2; exit 1; }
done
coordinator_etag="$(etag_of "$coordinator/v1/pins")"
nginx_etag="$(etag_of "$nginx_url/v1/pins")"
for pair in "$coordinator|$coordinator_etag" "$nginx_url|$nginx_etag"; do
    code="$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: ${pair#*|}" "${pair%%|*}/v1/pins")"
    [ "$code" = 304 ] || { echo "${pair%%|*}/v1/pins with If-None-Match ${pair#*|}: HTTP $code, not 304" >&2; exit 1; }
done
cmp -s <(curl -s "$coordinator/v1/pins/latest/header") <(curl -s "$nginx_url/mirror/$mirror_header") \
    || { echo "mirror latest.json differs from the coordinator's header" >&2; exit 1; }
index_bytes="$(wc -c <"$root/mirror/$mirror_index")"
bundle_bytes="$(wc -c <"$root/mirror/$mirror_bundle")"
header_bytes="$(wc -c <"$root/mirror/$mirror_header")"
list_bytes="$(wc -c <"$work/pins.json")"
proof_bytes="$(wc -c <"$work/proof.json")"
echo "same bytes verified: /v1/pins $list_bytes bytes, $proof_path $proof_bytes bytes; ETags: coordinator $coordinator_etag, nginx $nginx_etag"

# One wrk run; prints requests/s, and fails on socket errors or unexpected statuses.
run_wrk() { # name threads connections url [header]
    local name="$1" threads="$2" connections="$3" url="$4" header="${5:-}" out="$work/wrk-$1.txt"
    local args=(-t"$threads" -c"$connections" -d"${duration}s" --timeout 10s)
    [ -n "$header" ] && args+=(-H "$header")
    wrk "${args[@]}" "$url" >"$out" 2>&1
    if grep -q -e 'Socket errors' -e 'Non-2xx or 3xx' "$out"; then cat "$out" >&2; echo "wrk $name: errors" >&2; exit 1; fi
    awk '/^Requests\/sec:/ { print $2 }' "$out"
}

results=()
for round in $(seq 1 "$rounds"); do
    for case in revalidate full proof header index bundle; do
        case "$case" in
            revalidate) label="GET /v1/pins If-None-Match -> 304"; t=2; c=32
                c_args=("$coordinator/v1/pins" "If-None-Match: $coordinator_etag"); n_args=("$nginx_url/v1/pins" "If-None-Match: $nginx_etag") ;;
            full) label="GET /v1/pins -> 200 ($list_bytes B)"; t=2; c=4
                c_args=("$coordinator/v1/pins"); n_args=("$nginx_url/v1/pins") ;;
            proof) label="GET one pin + proof -> 200 ($proof_bytes B)"; t=2; c=32
                c_args=("$coordinator$proof_path"); n_args=("$nginx_url$proof_path") ;;
            header) label="CI host: signed header ($header_bytes B): coordinator /v1/pins/latest/header, nginx mirror latest.json"; t=2; c=32
                c_args=("$coordinator/v1/pins/latest/header"); n_args=("$nginx_url/mirror/$mirror_header") ;;
            index) label="CI host: the pin: coordinator proof ($proof_bytes B), nginx mirror index ($index_bytes B)"; t=2; c=32
                c_args=("$coordinator$proof_path"); n_args=("$nginx_url/mirror/$mirror_index") ;;
            bundle) label="CI host: the pin: coordinator proof ($proof_bytes B), nginx mirror bundle ($bundle_bytes B)"; t=2; c=32
                c_args=("$coordinator$proof_path"); n_args=("$nginx_url/mirror/$mirror_bundle") ;;
        esac
        c_rps="$(run_wrk "coordinator-$case-$round" "$t" "$c" "${c_args[@]}")"
        # A publication during the run changes the ETag, and every later request gets the whole list with a 200.
        if [ "$case" = revalidate ] && [ "$(etag_of "$coordinator/v1/pins")" != "$coordinator_etag" ]; then
            echo "the coordinator published a new list during the 304 run (ETag changed): the figure would count 200s" >&2; exit 1
        fi
        n_rps="$(run_wrk "nginx-$case-$round" "$t" "$c" "${n_args[@]}")"
        results+=("$(printf '| %d | %s | -t%d -c%d -d%ss | %s | %s | %.0f %% |' "$round" "$label" "$t" "$c" "$duration" "$c_rps" "$n_rps" \
            "$(python3 -c "print(100 * $c_rps / $n_rps)")")")
    done
done

echo
echo "| round | request | wrk | coordinator req/s | nginx req/s | coordinator / nginx (target >= 50 %) |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${results[@]}"
echo
echo "load after runs:$(cut -d' ' -f1-3 /proc/loadavg | sed 's/^/ /')"
