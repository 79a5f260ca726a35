#!/usr/bin/env python3
"""Token server of the tests' registry (Tests/VantageTestSupport/Registry): the `auth.token` realm of a real
docker-registry (distribution 2.8). Needs `cryptography` (Debian's python3-cryptography).

usage: registry_token_server.py --cert CERT --key KEY --signing-cert-out PATH --log FILE
                                [--issuer ISSUER] [--credentials USER:PASSWORD] [--watch-stdin]

At start it makes a fresh ECDSA P-256 signing key and writes its self-signed certificate to PATH (the registry's
`rootcertbundle`), then prints the chosen port on stdout and serves HTTPS on 127.0.0.1 (CERT/KEY).

GET /token?service=S&scope=repository:NAME:pull,push[&scope=…]
  200 {"token": JWT, "access_token": JWT, "expires_in": 300} granting every action asked for. The JWT is ES256
  (signature raw r||s), its header carries the signing certificate in `x5c`; claims iss, sub, aud = S, exp, nbf,
  iat, jti, access. With --credentials, a request without exactly those HTTP basic credentials answers 401.
Every request (any path) appends one JSON line to FILE, flushed at once, so tests can count and inspect them:
  {"path", "service", "scopes": [...], "user": basic-auth user or null, "status"}
"""
import argparse
import base64
import datetime
import json
import ssl
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

from serve_forever import announce_and_serve

LIFETIME = 300


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_signer(cert_out):
    """A fresh signing key and its self-signed certificate (written to cert_out as PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "vantage-test-token-signer")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
            .sign(key, hashes.SHA256()))
    with open(cert_out, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    return key, base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def access_of(scopes):
    """`repository:NAME:a,b` scopes as the JWT `access` claim (NAME may hold ':' only before the last one)."""
    access = []
    for scope in scopes:
        kind, _, rest = scope.partition(":")
        name, _, actions = rest.rpartition(":")
        if kind and name:
            access.append({"type": kind, "name": name, "actions": [a for a in actions.split(",") if a]})
    return access


def sign(key, x5c, claims):
    header = {"typ": "JWT", "alg": "ES256", "x5c": [x5c]}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return signing_input + "." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--signing-cert-out", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--issuer", default="vantage-test-token")
    parser.add_argument("--credentials", help="USER:PASSWORD required as HTTP basic auth")
    parser.add_argument("--watch-stdin", action="store_true", help="exit when stdin closes (the test process died)")
    args = parser.parse_args()
    signing_key, x5c = make_signer(args.signing_cert_out)
    expected = "Basic " + base64.b64encode(args.credentials.encode()).decode() if args.credentials else None
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def answer(self, status, body, headers=None):
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            service = (query.get("service") or [""])[0]
            scopes = query.get("scope") or []
            authorization = self.headers.get("Authorization") or ""
            user = None
            if authorization.startswith("Basic "):
                try:
                    user = base64.b64decode(authorization[6:]).decode().partition(":")[0]
                except ValueError:
                    user = ""
            if url.path != "/token":
                status, body, headers = 404, b'{"error":"not found"}', None
            elif expected is not None and authorization != expected:
                status, body = 401, b'{"error":"credentials required"}'
                headers = {"WWW-Authenticate": 'Basic realm="vantage-test-token"'}
            else:
                now = int(time.time())
                claims = {"iss": args.issuer, "sub": user or "anonymous", "aud": service, "exp": now + LIFETIME,
                          "nbf": now - 60, "iat": now, "jti": str(uuid.uuid4()), "access": access_of(scopes)}
                token = sign(signing_key, x5c, claims)
                status, headers = 200, None
                body = json.dumps({"token": token, "access_token": token, "expires_in": LIFETIME}).encode()
            record = {"path": url.path, "service": service, "scopes": scopes, "user": user, "status": status}
            with lock:
                with open(args.log, "a") as f:
                    f.write(json.dumps(record, sort_keys=True) + "\n")
                    f.flush()
            self.answer(status, body, headers)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    announce_and_serve(server, args.watch_stdin)


if __name__ == "__main__":
    main()
