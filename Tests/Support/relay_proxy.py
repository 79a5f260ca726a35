#!/usr/bin/env python3
"""A relaying proxy in front of a Vantage coordinator, for VantageSystemTests/AttackTests (standard library only).

usage: relay_proxy.py --upstream URL --swap-file FILE --log FILE
Prints the chosen port on stdout, then serves on 127.0.0.1 until killed.

It holds no keys and changes no byte of what it relays. Every GET is relayed to the upstream coordinator, except
that while FILE exists and holds a JSON object {"ASKED": "ANSWERED", ...}, a request for
/v1/pins/{N}/targets/{ASKED} is answered with the upstream's genuine answer to /v1/pins/{N}/targets/{ANSWERED}:
another target's real pin and inclusion proof under the same signed header; a key that starts with "/" is an exact
path, answered with the upstream's answer to the value's path (one blob for another). FILE is read on every
request, so a test switches between passing through and swapping without a restart. Every request is appended to --log as
"RELAY <path> <status>" or "SWAP <path> -> <path> <status>".
"""
import argparse
import json
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from serve_forever import announce_and_serve

PROOF = re.compile(r"^/v1/pins/([^/]+)/targets/(.+)$")
# Never through an environment proxy: the upstream is on loopback.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "vantage-relay-proxy"

    def log_message(self, fmt, *args):
        pass

    def record(self, line):
        with self.server.lock, open(self.server.log_path, "a") as log:
            log.write(line + "\n")

    def swaps(self):
        try:
            with open(self.server.swap_file) as f:
                value = json.load(f)
            return value if isinstance(value, dict) else {}
        except (OSError, ValueError):
            return {}

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        relayed = path
        match = PROOF.match(path)
        swaps = self.swaps()
        if path in swaps:
            relayed = swaps[path]
        elif match:
            asked = urllib.parse.unquote(match.group(2))
            answered = swaps.get(asked)
            if answered:
                relayed = "/v1/pins/%s/targets/%s" % (match.group(1), urllib.parse.quote(answered, safe=""))
        target = self.server.upstream + relayed + ("?" + url.query if url.query else "")
        request = urllib.request.Request(target, method="GET")
        for name in ("Accept", "If-None-Match"):
            if self.headers.get(name):
                request.add_header(name, self.headers[name])
        try:
            with OPENER.open(request, timeout=10) as response:
                status, headers, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, headers, body = error.code, error.headers, error.read()
        except OSError as error:
            status, headers, body = 502, {}, ("upstream unreachable: %s" % error).encode()
        self.record(("SWAP %s -> %s %d" % (path, relayed, status)) if relayed != path else ("RELAY %s %d" % (path, status)))
        self.send_response(status)
        for name in ("Content-Type", "ETag", "Cache-Control"):
            value = headers.get(name) if headers else None
            if value:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--swap-file", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.upstream = args.upstream.rstrip("/")
    server.swap_file = args.swap_file
    server.log_path = args.log
    server.lock = threading.Lock()
    announce_and_serve(server, False)


if __name__ == "__main__":
    main()
