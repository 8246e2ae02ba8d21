"""The official Fashion MNIST files rebuilt byte-exact from Debian's copies, served on a local mirror."""

from __future__ import annotations

import functools
import http.server
import struct
import threading
from pathlib import Path

from grader.data import fashion_mnist as datasets

DEBIAN = datasets.DEBIAN_DIR
# The official files' gzip headers, which Debian's strip-nondeterminism rewrote
# (FNAME flag and name removed, mtime set to the upload date). Found by search.
UPSTREAM_MTIME = {
    "train-images-idx3-ubyte.gz": 1504176606,
    "train-labels-idx1-ubyte.gz": 1504176606,
    "t10k-images-idx3-ubyte.gz": 1504176627,
    "t10k-labels-idx1-ubyte.gz": 1504176627,
}


def official_bytes(name: str) -> bytes:
    """Rebuild the byte-exact upstream file from the Debian copy (same deflate stream)."""
    raw = (DEBIAN / name).read_bytes()
    assert raw[:4] == b"\x1f\x8b\x08\x00" and raw[8:10] == b"\x00\x03"  # no FNAME/FEXTRA/FCOMMENT
    header = b"\x1f\x8b\x08\x08" + struct.pack("<I", UPSTREAM_MTIME[name]) + b"\x00\x03"
    return header + name[:-3].encode() + b"\x00" + raw[10:]


def serve(folder: Path):
    """An HTTP server on loopback serving ``folder``; returns (base url, server)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server
