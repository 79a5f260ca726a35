#!/usr/bin/env python3
"""python-tuf's load + self-verify of each root.json named, in one process: the baseline of bench/root-inspect.sh.

For each FILE: Metadata.from_bytes, then verify_delegate(Root) against the root's own keys; prints its version.
usage: python_tuf_inspect.py FILE...
"""
import sys

from tuf.api.metadata import Metadata, Root

for path in sys.argv[1:]:
    with open(path, "rb") as f:
        md = Metadata.from_bytes(f.read())
    md.signed.verify_delegate(Root.type, md.signed_bytes, md.signatures)
    print(md.signed.version)
