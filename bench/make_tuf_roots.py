#!/usr/bin/env python3
"""Writes a fresh two-version TUF root chain (Ed25519, threshold 1) for bench/agent.sh.

usage: make_tuf_roots.py DIR    -> DIR/1.root.json (self-signed), DIR/2.root.json (signed by the v1 and v2 keys)
Needs python3 with `cryptography`.
"""
import json
import hashlib
import sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def key_entry(private):
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    entry = {"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": raw.hex()}}
    return hashlib.sha256(canonical(entry)).hexdigest(), entry


def root(version, root_key, online, signers):
    rid, rentry = key_entry(root_key)
    oid, oentry = key_entry(online)
    online_role = {"keyids": [oid], "threshold": 1}
    signed = {"_type": "root", "spec_version": "1.0.31", "version": version, "expires": "2036-01-01T00:00:00Z",
              "consistent_snapshot": True, "keys": {rid: rentry, oid: oentry},
              "roles": {"root": {"keyids": [rid], "threshold": 1}, "targets": online_role, "snapshot": online_role,
                        "timestamp": online_role}}
    message = canonical(signed)
    signatures = [{"keyid": key_entry(k)[0], "sig": k.sign(message).hex()} for k in signers]
    return json.dumps({"signatures": signatures, "signed": signed}, indent=1).encode()


def main():
    out = sys.argv[1]
    online, k1, k2 = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    with open(out + "/1.root.json", "wb") as f:
        f.write(root(1, k1, online, [k1]))
    with open(out + "/2.root.json", "wb") as f:
        f.write(root(2, k2, online, [k1, k2]))


if __name__ == "__main__":
    main()
