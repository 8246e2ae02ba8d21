"""Open a file of a class folder only if it is a plain file: never a pipe, a socket, a device or a link.

A named pipe opened for reading blocks until a writer comes, a socket cannot be
opened at all, and a device can be read without end; any of them named
``submission.py`` used to hang or crash a batch. Intake therefore asks ``lstat``
what each path is and never opens anything but a regular file. ``open_regular``
checks again on the open descriptor (``O_NONBLOCK``, ``O_NOFOLLOW``), so a file
swapped for a pipe or a link after that look is refused, not read.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

_OPEN = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class NotRegular(OSError):
    """The path is not (or is no longer) a regular file; ``mode`` says what it is."""

    def __init__(self, path: Path, mode: int):
        super().__init__(f"{path} is not a regular file")
        self.path, self.mode = path, mode


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading if it is a regular file (not through a link); else ``NotRegular``."""
    try:
        descriptor = os.open(path, _OPEN)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENXIO):  # a link; a socket
            raise NotRegular(Path(path), os.lstat(path).st_mode) from None
        raise
    found = os.fstat(descriptor)
    if not stat.S_ISREG(found.st_mode):
        os.close(descriptor)
        raise NotRegular(Path(path), found.st_mode)
    os.set_blocking(descriptor, True)
    return os.fdopen(descriptor, "rb")


def read_regular(path: Path, limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file; ``NotRegular`` for anything else."""
    with open_regular(path) as stream:
        return stream.read(limit)
