#!/usr/bin/env python3
"""Local HTTP(S) server for VantageAgentTests and bench/agent.sh (standard library only).

usage: testserver.py --dir DIR [--cert CERT --key KEY] [--quiet] [--watch-stdin]
Prints the chosen port on stdout, then serves on 127.0.0.1 until killed.

Routes:
  /files/PATH            DIR/PATH, 404 when missing (a TUF mirror)
  /files403/PATH         DIR/PATH, 403 when missing (an object store)
  /redirect/http         302 to http://127.0.0.1:PORT/files/1.root.json
  /redirect/chain/N/PATH N redirects (relative Location), then /files/PATH
  /redirect/to?location=URL  302 to URL (any host: destination checks on redirect hops)
  /status/N              status N with a body that is the server's own text (VANTAGE-BODY-MARKER), and for 401 a
                         Bearer challenge whose realm is given by ?realm=URL
  /big                   200 with Content-Length 600000
  /big-chunked           200, chunked, 600000 bytes, no Content-Length
  /lying-small           Content-Length 20, then 100000 bytes
  /lying-short           Content-Length 1000, then 10 bytes and close
  /trickle               Content-Length 100, one byte per second
  /garbage               200 with a body that is not JSON
  /hang                  never answers
  /v2/GUN/_trust/tuf/F   Notary-style, bearer token required (token "good-token"); serves DIR/notary/GUN/F.
                         The challenge realm depends on the GUN's first segment: bad -> /token-bad (500),
                         hang -> /token-hang (never answers), garbage -> /token-garbage (not JSON),
                         access -> /token-access (access_token), other -> /token. The realm's host is
                         127.0.0.1, or localhost when the first segment is localrealm.
  /token*                token endpoints; /token checks service=vantage-test and scope=repository:GUN:pull
  POST /v1/observations  acknowledges every observation (no signature check; for bench/agent.sh)
"""
import argparse
import hashlib
import json
import os
import ssl
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from serve_forever import announce_and_serve


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "vantage-testserver"

    def log_message(self, fmt, *args):
        if not self.server.quiet:
            sys.stderr.write("testserver: " + (fmt % args) + "\n")

    def send(self, status, body=b"", headers=None, content_length=None):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body) if content_length is None else content_length))
        self.end_headers()
        self.wfile.write(body)

    def file(self, relative, missing_status):
        path = os.path.normpath(os.path.join(self.server.root, relative))
        if not path.startswith(self.server.root) or not os.path.isfile(path):
            self.send(missing_status, b'{"errors":[{"code":"METADATA_NOT_FOUND"}]}')
            return
        with open(path, "rb") as f:
            self.send(200, f.read(), {"Content-Type": "application/json"})

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        query = urllib.parse.parse_qs(url.query)
        port = self.server.server_address[1]
        scheme = "https" if self.server.tls else "http"
        if path.startswith("/files/"):
            return self.file(path[len("/files/"):], 404)
        if path.startswith("/files403/"):
            return self.file(path[len("/files403/"):], 403)
        if path == "/redirect/http":
            return self.send(302, b"", {"Location": "http://127.0.0.1:%d/files/1.root.json" % port})
        if path.startswith("/redirect/chain/"):
            rest = path[len("/redirect/chain/"):]
            n, _, target = rest.partition("/")
            n = int(n)
            location = "/redirect/chain/%d/%s" % (n - 1, target) if n > 1 else "/files/" + target
            return self.send(302, b"", {"Location": location})
        if path == "/redirect/to":
            return self.send(302, b"", {"Location": (query.get("location") or [""])[0]})
        if path.startswith("/status/"):
            headers = {"X-Marker": "VANTAGE-HEADER-MARKER"}
            if query.get("realm"):
                headers["WWW-Authenticate"] = 'Bearer realm="%s",service="vantage-test"' % query["realm"][0]
            return self.send(int(path[len("/status/"):].split("/")[0]), b"VANTAGE-BODY-MARKER <b>server text</b>", headers)
        if path == "/big":
            return self.send(200, b"a" * 600000)
        if path == "/big-chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"a" * 60000
            try:
                for _ in range(10):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass
            return
        if path == "/lying-small":
            self.close_connection = True
            try:
                return self.send(200, b'{"signed":' + b" " * 100000, content_length=20)
            except OSError:
                return
        if path == "/lying-short":
            self.close_connection = True
            return self.send(200, b'{"signed":', content_length=1000)
        if path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            try:
                for _ in range(100):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(1)
            except OSError:
                pass
            return
        if path == "/garbage":
            return self.send(200, b"this is not json {{{")
        if path == "/hang":
            time.sleep(120)
            return
        if path.startswith("/v2/") and "/_trust/tuf/" in path:
            gun, _, name = path[len("/v2/"):].partition("/_trust/tuf/")
            if self.headers.get("Authorization") != "Bearer good-token":
                kind = gun.split("/")[0]
                realm = {"bad": "/token-bad", "hang": "/token-hang", "garbage": "/token-garbage",
                         "access": "/token-access"}.get(kind, "/token")
                realm_host = "localhost" if kind == "localrealm" else "127.0.0.1"
                challenge = 'Bearer realm="%s://%s:%d%s",service="vantage-test",scope="repository:%s:pull"' % (
                    scheme, realm_host, port, realm, gun)
                return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', {"WWW-Authenticate": challenge})
            return self.file(os.path.join("notary", gun, name), 404)
        if path == "/token":
            gun = (query.get("scope") or [""])[0]
            if query.get("service") != ["vantage-test"] or not gun.startswith("repository:") or not gun.endswith(":pull"):
                return self.send(400, b'{"errors":[{"code":"BAD_REQUEST"}]}')
            return self.send(200, json.dumps({"token": "good-token", "expires_in": 300}).encode())
        if path == "/token-access":
            return self.send(200, json.dumps({"access_token": "good-token", "token": "wrong-token"}).encode())
        if path == "/token-bad":
            return self.send(500, b"internal error VANTAGE-BODY-MARKER")
        if path == "/token-garbage":
            return self.send(200, b"<html>not a token</html>")
        if path == "/token-hang":
            time.sleep(120)
            return
        return self.send(404, b"not found")


    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path != "/v1/observations":
            return self.send(404, b"not found")
        items = []
        for signed in body.get("observations", []):
            canonical = json.dumps(signed["observation"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            items.append({"id": hashlib.sha256(canonical.encode()).hexdigest(), "accepted": True, "duplicate": False})
        return self.send(200, json.dumps({"items": items}).encode(), {"Content-Type": "application/json"})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--watch-stdin", action="store_true", help="exit when stdin closes (the test process died)")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.request_queue_size = 256
    server.root = os.path.realpath(args.dir)
    server.quiet = args.quiet
    server.tls = bool(args.cert)
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    announce_and_serve(server, args.watch_stdin)


if __name__ == "__main__":
    main()
