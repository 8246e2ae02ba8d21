"""Tries to write outside its scratch space, then fills the scratch space until it runs out.

Every file name carries a marker, so a test can prove nothing reached the host's disk.
"""

import errno
import os

MARKER = "hostile-fills-disk-61c0f7"
CHUNK = b"\x00" * 2**20


def fill(folder):
    path = os.path.join(folder, MARKER)
    with open(path, "wb") as handle:
        while True:
            handle.write(CHUNK)
            handle.flush()


for folder in ["/", "/etc", "/usr", "/job", "/harness", "/data", "/dev", "/home", os.path.dirname(os.__file__)]:
    try:
        with open(os.path.join(folder, MARKER), "w") as handle:
            handle.write("escaped")
        print("WROTE", folder)
    except OSError as error:
        print("refused", folder, errno.errorcode.get(error.errno))

for folder in [os.getcwd(), os.path.expanduser("~"), "/dev/shm"]:
    try:
        fill(folder)
    except OSError as error:
        print("full", folder, errno.errorcode.get(error.errno), flush=True)

fill("/tmp")  # the last one is not caught: the run ends with "No space left on device"
