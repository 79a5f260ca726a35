#!/usr/bin/env python3
"""A minimal TUF repository made and read with python-tuf, for the real-client tests.

Usage: tuf_repo.py make DIR        write DIR/{1.root.json,root.json,timestamp.json,snapshot.json,targets.json}
                                   with fresh Ed25519 keys (one per role, consistent_snapshot false)
       tuf_repo.py refresh ROOT URL  python-tuf's Updater, trusting the root.json at ROOT, refreshes from URL;
                                   exit 0 on success, 1 with the error on stdout otherwise
"""
import datetime
import os
import shutil
import sys
import tempfile


def make(directory):
    from securesystemslib.signer import CryptoSigner
    from tuf.api.metadata import Metadata, MetaFile, Root, Snapshot, Targets, Timestamp
    from tuf.api.serialization.json import JSONSerializer

    os.makedirs(directory, exist_ok=True)
    expires = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + datetime.timedelta(days=30)
    signers = {role: CryptoSigner.generate_ed25519() for role in ("root", "targets", "snapshot", "timestamp")}
    root = Root(expires=expires, consistent_snapshot=False)
    for role, signer in signers.items():
        root.add_key(signer.public_key, role)
    documents = {
        "root": Metadata(root),
        "targets": Metadata(Targets(expires=expires)),
        "snapshot": Metadata(Snapshot(expires=expires, meta={"targets.json": MetaFile(version=1)})),
        "timestamp": Metadata(Timestamp(expires=expires, snapshot_meta=MetaFile(version=1))),
    }
    for role, document in documents.items():
        document.sign(signers[role])
        document.to_file(os.path.join(directory, f"{role}.json"), JSONSerializer(compact=False))
    shutil.copy(os.path.join(directory, "root.json"), os.path.join(directory, "1.root.json"))


def refresh(root_path, url):
    from tuf.ngclient import Updater

    with tempfile.TemporaryDirectory() as metadata:
        with open(root_path, "rb") as trusted:
            bootstrap = trusted.read()
        try:
            Updater(metadata_dir=metadata, metadata_base_url=url, bootstrap=bootstrap).refresh()
        except Exception as error:  # any refusal is the expected outcome against an impostor
            print(f"refused: {type(error).__name__}: {error}")
            return 1
    print("refreshed")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "make":
        make(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "refresh":
        sys.exit(refresh(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
