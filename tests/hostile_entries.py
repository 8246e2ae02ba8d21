"""Entries a careless or hostile class folder can hold, made for real: pipes, sockets, clashing names, zip bombs.

Git cannot hold a named pipe, a socket, a name that is not UTF-8 or (usefully) a
``__pycache__`` folder, so these are made here; the files come from
tests/submissions/hostile/batch/.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
from contextlib import contextmanager
from pathlib import Path

from conftest import SUBMISSIONS

FIXTURES = SUBMISSIONS / "hostile" / "batch"
UNDECODABLE = b"\xff\xfename.py"  # not UTF-8: the gradebook and the reports must still take it


def named_pipe(path: Path) -> Path:
    os.mkfifo(path)
    return path


def unix_socket(path: Path) -> Path:
    """A socket file at ``path`` (bound by a relative name: a socket's path may hold only 107 bytes)."""
    here = os.getcwd()
    os.chdir(path.parent)
    try:
        with socket.socket(socket.AF_UNIX) as bound:
            bound.bind(path.name)
    finally:
        os.chdir(here)
    return path


def undecodable(folder: Path, content: bytes) -> None:
    with open(os.path.join(os.fsencode(folder), UNDECODABLE), "wb") as stream:
        stream.write(content)


def hostile_class(folder: Path) -> dict[str, str]:
    """The class of the end-to-end test; returns entry name → expected status (ids are the test's to find)."""
    folder.mkdir(parents=True)
    syntax_error = (FIXTURES / "syntax_error.py").read_bytes()
    named_pipe(folder / "submission.py")
    unix_socket(folder / "sock.py")
    (folder / "o'neil.py").write_bytes(syntax_error)
    shutil.copy(FIXTURES / "empty.py", folder / "o(neil.py")
    (folder / ".carol.py").write_bytes(syntax_error)
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "sub.py").write_bytes(syntax_error)
    undecodable(folder, syntax_error)
    for bomb in ("zip_bomb_a.zip", "zip_bomb_b.zip"):
        shutil.copy(FIXTURES / bomb, folder / bomb)
    return {
        "submission.py": "invalid",
        "sock.py": "invalid",
        "o'neil.py": "error",
        "o(neil.py": "invalid",
        ".carol.py": "error",
        "__pycache__": "error",
        os.fsdecode(UNDECODABLE): "error",
        "zip_bomb_a.zip": "invalid",
        "zip_bomb_b.zip": "invalid",
    }


@contextmanager
def deadline(seconds: int = 30):
    """Fail, instead of hanging the suite, if the code inside blocks (on a named pipe, say)."""

    def expired(*_):
        raise TimeoutError(f"blocked for {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
