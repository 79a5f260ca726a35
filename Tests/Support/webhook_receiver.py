#!/usr/bin/env python3
"""Standard Webhooks receiver for VantageSystemTests (standard library only).

usage: webhook_receiver.py --host HOST --port PORT --secret whsec_BASE64 --log FILE

Every POST is checked against the Standard Webhooks rules: `webhook-id`, `webhook-timestamp` and
`webhook-signature` present; the timestamp within 5 minutes of now; one of the space-separated `v1,<base64>`
signatures equal to HMAC-SHA256(secret, "<id>.<timestamp>.<body>"). The answer is 204 when all hold, 401
otherwise. One JSON line per request is appended to FILE (flushed at once):
  {"path", "id", "timestamp", "signature_ok", "timestamp_ok", "status", "event": <parsed body or null>}
Prints "listening HOST PORT" on stdout when ready; serves until killed.
"""
import argparse
import base64
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    if not args.secret.startswith("whsec_"):
        sys.exit("secret must start with whsec_")
    key = base64.b64decode(args.secret[len("whsec_"):])
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            wid = self.headers.get("webhook-id") or ""
            wts = self.headers.get("webhook-timestamp") or ""
            wsig = self.headers.get("webhook-signature") or ""
            expected = base64.b64encode(
                hmac.new(key, f"{wid}.{wts}.".encode() + body, hashlib.sha256).digest()).decode()
            signature_ok = bool(wid) and any(
                part.startswith("v1,") and hmac.compare_digest(part[3:], expected) for part in wsig.split())
            try:
                timestamp_ok = abs(time.time() - int(wts)) <= 300
            except ValueError:
                timestamp_ok = False
            try:
                event = json.loads(body)
            except ValueError:
                event = None
            status = 204 if signature_ok and timestamp_ok else 401
            record = {"path": self.path, "id": wid, "timestamp": wts, "signature_ok": signature_ok,
                      "timestamp_ok": timestamp_ok, "status": status, "event": event}
            with lock:
                with open(args.log, "a") as f:
                    f.write(json.dumps(record, sort_keys=True) + "\n")
                    f.flush()
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    print(f"listening {args.host} {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
