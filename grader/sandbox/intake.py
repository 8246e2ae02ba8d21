"""Reading what the sandbox left behind, without trusting it.

A file written inside the sandbox may be a link to a host file, a FIFO that
blocks forever, or huge. These helpers refuse all three.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path


class Untrusted(ValueError):
    """A file left by the sandbox is not a plain file of acceptable size."""


def read_untrusted(path: Path, limit: int) -> bytes | None:
    """Read a file the sandbox wrote: never follow a link, never read a device, never more than ``limit``."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise Untrusted(f"{path.name} cannot be opened safely ({error.strerror})") from None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise Untrusted(f"{path.name} is not a regular file")
        if info.st_size > limit:
            raise Untrusted(f"{path.name} is larger than {limit} bytes")
        return handle.read(limit + 1)[:limit]


def copy_untrusted(source: Path, destination: Path, limit: int) -> bool:
    """Copy a plain file of at most ``limit`` bytes; False when there is none to copy."""
    try:
        descriptor = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return False
        with open(destination, "wb") as target:
            shutil.copyfileobj(handle, target)
    return True
