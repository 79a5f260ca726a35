#!/usr/bin/env python3
"""A Sigstore-style TUF repository made with python-tuf, for the real sigstore-python client test.

Usage: sigstore_repo.py make DIR       DIR/www (served): 1.root.json, timestamp.json, 1.snapshot.json, 1.targets.json,
                                      targets/<sha256>.trusted_root.json, targets/<sha256>.signing_config.v0.2.json
                                      (consistent snapshots, hash-prefixed targets, like tuf-repo-cdn.sigstore.dev);
                                      DIR/keys (never served): root-N.pem, targets.pem, snapshot.pem, timestamp.pem
       sigstore_repo.py rotate DIR     publish (N+1).root.json with a new root key, signed by the old and new root keys
       sigstore_repo.py root DIR       print the path of the newest DIR/www/N.root.json
       sigstore_repo.py serve DIR --cert CERT --key KEY [--watch-stdin]
                                      HTTPS on 127.0.0.1 serving DIR/www; prints the port; exits on SIGTERM/SIGINT,
                                      and on stdin EOF with --watch-stdin

Recipe for the sigstore-python client, as run on this machine (sigstore 4.5.1, tuf 7.0.1, urllib3 2.7.0, pyenv 3.11.7):
  install  python3 -m pip install -q 'tuf>=7,<8' 'sigstore==4.5.1'   (tuf stays 7.0.1; cryptography 48 importable).
           Run the client as `python3 -m sigstore` (or the `sigstore` pyenv shim). make/rotate need that python3;
           serve is standard library only (/usr/bin/python3 will do).
  TLS      tuf 7's Urllib3Fetcher builds a PoolManager without ca_certs, so ssl's default verify paths decide:
           SSL_CERT_FILE=CA.crt works; REQUESTS_CA_BUNDLE alone does not. Set SSL_CERT_FILE explicitly (this
           machine's environment already points it at the system bundle). *_proxy variables are honoured too.
  state    platformdirs: $XDG_DATA_HOME (default $HOME/.local/share)/sigstore-python/tuf/QUOTED/ holds
           root_history/N.root.json, root.json (symlink to root_history/NEWEST.root.json), timestamp.json,
           snapshot.json, targets.json; $XDG_CACHE_HOME (default $HOME/.cache)/sigstore-python/tuf/QUOTED/ holds
           trusted_root.json and signing_config.v0.2.json. QUOTED = urllib.parse.quote(url.rstrip("/"), safe=""),
           e.g. https%3A%2F%2F127.0.0.1%3A42815. A temp HOME with XDG_DATA_HOME/XDG_CACHE_HOME unset isolates it.
  accept   python3 -m sigstore --instance https://127.0.0.1:PORT trust-instance ROOT  -> exit 0, no output.
  refresh  python3 -m sigstore --instance URL plumbing update-trust-root (stored trust, no ROOT) -> exit 0, stderr
           "Trust root & signing config updated: 1 Fulcio certificates" (stdout empty). After `rotate`, it (or trust-instance
           again with the old root, or a fresh HOME with the old root) leaves root.json -> root_history/2.root.json.
  refuse   every failure is exit 1, empty stdout, and stderr (rich log) "ERROR  Failed to refresh TUF metadata."
           whatever the cause, TLS included. For the cause, put -v AFTER the subcommand (before it, it is ignored):
           `... trust-instance -v ROOT` adds a traceback on stderr ending in
             "tuf.api.exceptions.UnsignedMetadataError: timestamp was signed by 0/1 keys"  (impostor, 1 root)
             "tuf.api.exceptions.UnsignedMetadataError: root was signed by 0/1 keys"       (impostor with 2.root.json)
             "tuf.api.exceptions.DownloadError: Failed to download https://.../2.root.json" (CA not trusted)
           and update-trust-root on a URL never trusted: "FileNotFoundError: ... QUOTED/root.json".
"""
import argparse
import base64
import datetime
import glob
import hashlib
import json
import os
import re
import ssl
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

from serve_forever import announce_and_serve

ONLINE_ROLES = ("targets", "snapshot", "timestamp")
SERVICES = "https://127.0.0.1"  # never contacted: only the TUF repository is


def now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def save_signer(directory, name):
    from securesystemslib.signer import CryptoSigner

    signer = CryptoSigner.generate_ecdsa()
    with open(os.path.join(directory, "keys", f"{name}.pem"), "wb") as f:
        f.write(signer.private_bytes)
    return signer


def load_signer(directory, name):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from securesystemslib.signer import CryptoSigner

    with open(os.path.join(directory, "keys", f"{name}.pem"), "rb") as f:
        return CryptoSigner(load_pem_private_key(f.read(), None))


def public_key_entry(key, start):
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    der = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return {"rawBytes": base64.b64encode(der).decode(), "keyDetails": "PKIX_ECDSA_P256_SHA_256",
            "validFor": {"start": iso(start)}}, base64.b64encode(hashlib.sha256(der).digest()).decode()


def log(url, key, start):
    public_key, key_id = public_key_entry(key, start)
    return {"baseUrl": url, "hashAlgorithm": "SHA2_256", "publicKey": public_key, "logId": {"keyId": key_id}}


def sigstore_targets(start):
    """trusted_root.json and signing_config.v0.2.json for a made-up instance with fresh keys."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import NameOID

    ca_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "vantage.test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "vantage-test-fulcio")])
    ca = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(start)
          .not_valid_after(start + datetime.timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    trusted_root = {
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "tlogs": [log(f"{SERVICES}/rekor", ec.generate_private_key(ec.SECP256R1()), start)],
        "certificateAuthorities": [{
            "subject": {"organization": "vantage.test", "commonName": "vantage-test-fulcio"},
            "uri": f"{SERVICES}/fulcio",
            "certChain": {"certificates": [{"rawBytes": base64.b64encode(ca.public_bytes(Encoding.DER)).decode()}]},
            "validFor": {"start": iso(start)},
        }],
        "ctlogs": [log(f"{SERVICES}/ctfe", ec.generate_private_key(ec.SECP256R1()), start)],
    }

    def service(path):
        return [{"url": f"{SERVICES}/{path}", "majorApiVersion": 1, "validFor": {"start": iso(start)},
                 "operator": "vantage.test"}]

    signing_config = {
        "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
        "caUrls": service("fulcio"),
        "oidcUrls": service("oauth2/auth"),
        "rekorTlogUrls": service("rekor"),
        "tsaUrls": [],
        "rekorTlogConfig": {"selector": "ANY"},
        "tsaConfig": {"selector": "ANY"},
    }
    return {name: json.dumps(document, indent=2).encode()
            for name, document in (("trusted_root.json", trusted_root), ("signing_config.v0.2.json", signing_config))}


def write(metadata, path):
    from tuf.api.serialization.json import JSONSerializer

    metadata.to_file(path, JSONSerializer(compact=False))


def make(directory):
    from tuf.api.metadata import Metadata, MetaFile, Root, Snapshot, TargetFile, Targets, Timestamp

    www = os.path.join(directory, "www")
    os.makedirs(os.path.join(www, "targets"))
    os.makedirs(os.path.join(directory, "keys"), mode=0o700)
    start = now() - datetime.timedelta(days=1)
    expires = now() + datetime.timedelta(days=30)
    signers = {role: save_signer(directory, role) for role in ONLINE_ROLES}
    signers["root"] = save_signer(directory, "root-1")
    root = Root(expires=expires, consistent_snapshot=True)
    for role, signer in signers.items():
        root.add_key(signer.public_key, role)
    targets = Targets(expires=expires)
    for name, data in sigstore_targets(start).items():
        target = TargetFile.from_data(name, data, ["sha256"])
        targets.targets[name] = target
        with open(os.path.join(www, "targets", f"{target.hashes['sha256']}.{name}"), "wb") as f:
            f.write(data)
    documents = {
        "1.root.json": ("root", Metadata(root)),
        "1.targets.json": ("targets", Metadata(targets)),
        "1.snapshot.json": ("snapshot", Metadata(Snapshot(expires=expires, meta={"targets.json": MetaFile(version=1)}))),
        "timestamp.json": ("timestamp", Metadata(Timestamp(expires=expires, snapshot_meta=MetaFile(version=1)))),
    }
    for filename, (role, document) in documents.items():
        document.sign(signers[role])
        write(document, os.path.join(www, filename))


def newest_root(directory):
    paths = glob.glob(os.path.join(directory, "www", "*.root.json"))
    return max(paths, key=lambda path: int(re.match(r"(\d+)\.root\.json$", os.path.basename(path)).group(1)))


def rotate(directory):
    from tuf.api.metadata import Metadata, Root

    current = Metadata[Root].from_file(newest_root(directory))
    version = current.signed.version + 1
    old_signer = load_signer(directory, f"root-{current.signed.version}")
    new_signer = save_signer(directory, f"root-{version}")
    root = current.signed
    root.version = version
    root.expires = now() + datetime.timedelta(days=30)
    root.revoke_key(old_signer.public_key.keyid, "root")
    root.add_key(new_signer.public_key, "root")
    rotated = Metadata(root)
    rotated.sign(old_signer)
    rotated.sign(new_signer, append=True)
    write(rotated, os.path.join(directory, "www", f"{version}.root.json"))


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass


def serve(directory, cert, key, watch_stdin):
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=os.path.join(directory, "www")))
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    announce_and_serve(server, watch_stdin)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("make", "rotate", "root"):
        commands.add_parser(name).add_argument("dir")
    serving = commands.add_parser("serve")
    serving.add_argument("dir")
    serving.add_argument("--cert", required=True)
    serving.add_argument("--key", required=True)
    serving.add_argument("--watch-stdin", action="store_true", help="exit when stdin closes (the test process died)")
    args = parser.parse_args()
    if args.command == "make":
        make(args.dir)
    elif args.command == "rotate":
        rotate(args.dir)
    elif args.command == "root":
        print(newest_root(args.dir))
    else:
        serve(args.dir, args.cert, args.key, args.watch_stdin)


if __name__ == "__main__":
    main()
