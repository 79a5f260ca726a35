#!/usr/bin/env python3
"""A static pin list mirror on loopback that can be hostile (standard library only).

usage: hostile_mirror.py --dir DIR --log FILE [--delay SECONDS] [--watch-stdin]
Prints the chosen port on stdout, then serves on 127.0.0.1 until killed.

Routes:
  /dribble/PATH   DIR/PATH with its real Content-Length, one byte every --delay seconds (a slow mirror)
  /PATH           DIR/PATH at once, 404 when missing (a mirror folder: DIR/<name>/latest.json, headers/N.json, ...)
Every request path is appended to FILE, one per line, so a test can check what the client asked for.
"""
import argparse
import os
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from serve_forever import announce_and_serve


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "vantage-hostile-mirror"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        with self.server.log_lock, open(self.server.log, "a") as log:
            log.write(self.path + "\n")
        dribble = self.path.startswith("/dribble/")
        # Decoded as a web server does (a proof's target is one percent-encoded path segment).
        relative = urllib.parse.unquote(self.path[len("/dribble/"):] if dribble else self.path.lstrip("/"))
        path = os.path.normpath(os.path.join(self.server.root, relative))
        if not path.startswith(self.server.root + os.sep) or not os.path.isfile(path):
            self.send_response(404)
            self.send_header("Content-Length", "9")
            self.end_headers()
            self.wfile.write(b"not found")
            return
        with open(path, "rb") as f:
            body = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            if not dribble:
                self.wfile.write(body)
                return
            for byte in body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(self.server.delay)
        except OSError:
            pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--delay", type=float, default=5.0)
    parser.add_argument("--watch-stdin", action="store_true", help="exit when stdin closes (the test process died)")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.root = os.path.realpath(args.dir)
    server.log = args.log
    server.log_lock = threading.Lock()
    server.delay = args.delay
    announce_and_serve(server, args.watch_stdin)


if __name__ == "__main__":
    main()
