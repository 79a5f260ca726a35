"""Shared tail of the test servers: announce the bound port on stdout, optionally die with the test process."""
import os
import signal
import sys
import threading


def announce_and_serve(server, watch_stdin):
    """Print the port (the test reads it), exit when stdin closes if asked, then serve until killed."""
    # A parent that ignores SIGTERM hands that on to its children (Python keeps an inherited SIG_IGN): take the
    # signals back, so stopping a test server always stops it.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: os._exit(0))
    print(server.server_address[1], flush=True)
    if watch_stdin:
        # The test holds our stdin open; EOF means it died without killing us.
        threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    server.serve_forever()
