#!/usr/bin/env python3
"""A minimal HTTPS (CONNECT) proxy for VantageAgentTests (standard library only).

usage: connect_proxy.py --log FILE [--redirect HOST:PORT=HOST:PORT]... [--watch-stdin]
Prints the chosen port on stdout, then listens on 127.0.0.1 until killed.

Every request line is appended to FILE as it arrives, one per line, before anything else happens:
  CONNECT host:port      the tunnel target; the proxy connects to it, answers 200 and relays bytes both ways
  REFUSED host:port      a CONNECT to anything but a loopback address (the proxy never leaves the machine)
  METHOD URL             any other request; answered 405 (this proxy only tunnels)

--redirect FROM=TO makes it an interceptor on one agent's path: a CONNECT to FROM is tunnelled to TO instead (a
machine in the middle whose TLS certificate the victim trusts, serving other answers for the same URL).
"""
import argparse
import os
import select
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from serve_forever import announce_and_serve

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "vantage-connect-proxy"

    def log_message(self, fmt, *args):
        pass

    def record(self, line):
        with self.server.lock, open(self.server.log_path, "a") as log:
            log.write(line + "\n")
            log.flush()
            os.fsync(log.fileno())

    def refuse(self, status, message):
        body = message.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def do_CONNECT(self):
        host, _, port = self.path.rpartition(":")
        if host not in LOOPBACK or not port.isdigit():
            self.record("REFUSED " + self.path)
            return self.refuse(403, "loopback targets only\n")
        self.record("CONNECT " + self.path)
        redirected = self.server.redirects.get(self.path)
        if redirected:
            host, _, port = redirected.rpartition(":")
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
        except OSError as error:
            return self.refuse(502, "cannot connect: %s\n" % error)
        self.send_response(200, "Connection Established")
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        client = self.connection
        upstream.settimeout(None)
        client.settimeout(None)
        sockets = [client, upstream]
        try:
            while True:
                readable, _, broken = select.select(sockets, [], sockets, 60)
                if broken or not readable:
                    break
                done = False
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        done = True
                        break
                    (upstream if source is client else client).sendall(data)
                if done:
                    break
        except OSError:
            pass
        finally:
            upstream.close()

    def other(self):
        self.record("%s %s" % (self.command, self.path))
        self.refuse(405, "this proxy only tunnels (CONNECT)\n")

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = other


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    parser.add_argument("--redirect", action="append", default=[], help="FROM=TO: tunnel CONNECT FROM to TO instead")
    parser.add_argument("--watch-stdin", action="store_true", help="exit when stdin closes (the test process died)")
    args = parser.parse_args()
    open(args.log, "a").close()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.log_path = args.log
    server.lock = threading.Lock()
    server.redirects = dict(pair.split("=", 1) for pair in args.redirect)
    announce_and_serve(server, args.watch_stdin)


if __name__ == "__main__":
    main()
