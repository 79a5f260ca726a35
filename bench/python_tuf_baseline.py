#!/usr/bin/env python3
"""Python baseline for Vantage's root-verification and canonical-JSON benchmark.

Purpose: time, on the same TUF root.json files the Swift benchmark uses,
  1. python-tuf's full load + self-verify path for a root:
         md = Metadata.from_bytes(data)        # json.loads + object model
         md.signed.verify_delegate(Root.type, md.signed_bytes, md.signatures)
     (md.signed_bytes re-serialises md.signed with CanonicalJSONSerializer,
     i.e. to_dict() + securesystemslib encode_canonical + utf-8 encode)
  2. securesystemslib.formats.encode_canonical(signed).encode("utf-8") on the
     raw `signed` object as parsed by json.loads (works for every file);
  3. for context, the signature checks alone: SSlibKey.verify_signature() for
     every root-role key that has a signature (includes PEM key loading, which
     securesystemslib redoes on every call).
Each measurement runs for ~S seconds (at least 20 iterations), so a file takes
about 3*S seconds. Files python-tuf cannot load or verify are reported as
"unsupported: <ExceptionClass>: <reason>" with only the encode_canonical numbers.
MB/s means 10^6 bytes of canonical output per second.

Usage:
    python3 bench/python_tuf_baseline.py [--seconds S] [--json] FILE...
Requires: pip install tuf   (python-tuf >= 7, pulls in securesystemslib)
"""
import argparse
import json
import sys
import time
import warnings
from importlib.metadata import version

from securesystemslib.formats import encode_canonical
from tuf.api.metadata import Metadata, Root

MIN_ITERS = 20


def bench(fn, seconds):
    """Run fn repeatedly for >= seconds and >= MIN_ITERS; return (µs/iter, iters)."""
    fn()  # warm-up
    n, start = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        elapsed = time.perf_counter() - start
        if n >= MIN_ITERS and elapsed >= seconds:
            return elapsed * 1e6 / n, n


def load_and_verify(data):
    md = Metadata.from_bytes(data)
    md.signed.verify_delegate(Root.type, md.signed_bytes, md.signatures)


def why(exc):
    cause = exc.__cause__ or exc.__context__
    msg = f"{type(exc).__name__}: {exc}"
    return f"{msg} ({type(cause).__name__}: {cause})" if cause else msg


def measure(path, seconds):
    data = open(path, "rb").read()
    signed = json.loads(data)["signed"]
    row = {"file": path, "pythontuf_us_per_root": None, "pythontuf_roots_per_s": None,
           "pythontuf_iterations": None, "sig_verify_us": None, "signatures": None}
    canon_len = len(encode_canonical(signed).encode("utf-8"))
    enc_us, enc_n = bench(lambda: encode_canonical(signed).encode("utf-8"), seconds)
    row.update(encode_canonical_us=enc_us, encode_canonical_mb_s=canon_len / enc_us,
               encode_canonical_iterations=enc_n, canonical_bytes=canon_len)
    pairs = []
    try:  # must load and verify once before we time it
        md = Metadata.from_bytes(data)
        payload, sigs = md.signed_bytes, md.signatures
        pairs = [(md.signed.keys[k], sigs[k]) for k in md.signed.roles[Root.type].keyids
                 if k in sigs and k in md.signed.keys]
        md.signed.verify_delegate(Root.type, payload, sigs)
    except Exception as e:  # noqa: BLE001 - report any failure as unsupported
        row["status"] = "unsupported: " + why(e)
        for key, sig in pairs[:1]:  # say why the first signature did not count
            try:
                key.verify_signature(sig, payload)
            except Exception as e2:  # noqa: BLE001
                row["status"] += f"; first sig: {why(e2)}"
        return row
    us, n = bench(lambda: load_and_verify(data), seconds)
    row.update(pythontuf_us_per_root=us, pythontuf_roots_per_s=1e6 / us,
               pythontuf_iterations=n, status="ok")

    def verify_sigs():
        for key, sig in pairs:
            try:
                key.verify_signature(sig, payload)
            except Exception:  # noqa: BLE001 - failing sigs cost time too
                pass

    row["sig_verify_us"], _ = bench(verify_sigs, seconds)
    row["signatures"] = len(pairs)
    return row


def fmt(v, spec):
    return format("-", ">" + spec.split(".")[0].rstrip("df")) if v is None else format(v, spec)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=1.0,
                    help="time budget per measurement per file (default 1)")
    ap.add_argument("--json", action="store_true", help="one JSON object per line")
    ap.add_argument("files", nargs="+", metavar="FILE")
    args = ap.parse_args()
    warnings.simplefilter("ignore")  # sslib warns on legacy 'ecdsa-sha2-nistp256' keytype
    versions = {p: version(p) for p in ("tuf", "securesystemslib", "cryptography")}
    if not args.json:
        print(f"python {sys.version.split()[0]}  " +
              "  ".join(f"{k} {v}" for k, v in versions.items()))
        hdr = (f"{'file':<44} {'tuf µs/root':>11} {'roots/s':>9} {'iters':>6} "
               f"{'sigs':>4} {'sig µs':>9} {'canon B':>7} {'enc µs':>8} {'enc MB/s':>8}  status")
        print(hdr + "\n" + "-" * len(hdr))
    for path in args.files:
        r = measure(path, args.seconds)
        if args.json:
            print(json.dumps({**r, "versions": versions}), flush=True)
            continue
        name = "/".join(path.split("/")[-2:])[-44:]
        print(f"{name:<44} {fmt(r['pythontuf_us_per_root'], '11.1f')} "
              f"{fmt(r['pythontuf_roots_per_s'], '9.1f')} {fmt(r['pythontuf_iterations'], '6d')} "
              f"{fmt(r['signatures'], '4d')} {fmt(r['sig_verify_us'], '9.1f')} "
              f"{r['canonical_bytes']:7d} {r['encode_canonical_us']:8.1f} "
              f"{r['encode_canonical_mb_s']:8.2f}  {r['status']}", flush=True)


if __name__ == "__main__":
    main()
