"""Root-only folders made reachable for bwrap running as the unprivileged sandbox user.

The grader, as root, creates a world-traversable staging folder with one empty
placeholder per source. In the child, before it drops to the sandbox user,
``bind_in_child`` makes a private mount namespace and binds each source onto
its placeholder; bwrap then binds the placeholders. The host never sees those
mounts, so removing the staging folder only ever removes empty placeholders,
and never recursively.
"""

from __future__ import annotations

import ctypes
import os
import stat
import tempfile
from pathlib import Path

from grader.errors import SandboxSetupError

PREFIX = "grader-stage-"
_LIBC = ctypes.CDLL(None, use_errno=True)
_CLONE_NEWNS, _MS_BIND, _MS_REC, _MS_PRIVATE = 0x00020000, 4096, 16384, 1 << 18


def check_reachable(source: Path, writable: bool, uid: int) -> None:
    """A source the sandbox user could not open would fail confusingly inside: say so here."""
    mode = os.stat(source).st_mode
    wanted = (0o007 if writable else 0o005) if stat.S_ISDIR(mode) else (0o006 if writable else 0o004)
    if mode & wanted != wanted:
        raise SandboxSetupError(
            f"mount source {source} (mode {stat.S_IMODE(mode):04o}) is not "
            f"{'writable' if writable else 'readable'} by the sandbox's uid {uid}; "
            f"chmod o+{'rwx' if writable else 'rx'} it"
        )


def _traversable(folder: str) -> bool:
    """Every folder on the way is open to others (o+x), so the sandbox user can reach what is inside."""
    path = Path(folder).resolve()
    return all(os.stat(part).st_mode & 0o001 for part in (path, *path.parents))


def _base() -> str:
    for base in (tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev/shm"):
        if os.path.isdir(base) and _traversable(base):
            return base
    raise SandboxSetupError(
        f"no temporary folder the sandbox's user can reach ({tempfile.gettempdir()} is behind a folder closed to others); set TMPDIR to one such as /tmp"
    )


def new_folder() -> str:
    """A fresh staging folder named after this process; stale ones of dead graders are removed first."""
    base = _base()
    _sweep(base)
    folder = tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=base)
    os.chmod(folder, 0o755)
    return folder


def placeholder(folder: str, index: int, source: Path) -> str:
    """An empty directory or file to bind ``source`` onto."""
    path = os.path.join(folder, str(index))
    if os.path.isdir(source):
        os.mkdir(path, 0o755)
    else:
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o644))
    return path


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def bind_in_child(staged: tuple[tuple[str, str], ...]) -> None:
    """In the child, still root: a private mount namespace with each source bound on its placeholder."""
    if not staged:
        return
    _check(_LIBC.unshare(_CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    _check(_LIBC.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None), "making / private")
    for source, target in staged:
        _check(_LIBC.mount(source.encode(), target.encode(), None, _MS_BIND | _MS_REC, None), f"binding {source}")


def remove(folder: str) -> None:
    """Remove a staging folder holding only empty placeholders; anything else is left alone."""
    try:
        for entry in os.scandir(folder):
            try:
                os.rmdir(entry.path) if entry.is_dir(follow_symlinks=False) else os.unlink(entry.path)
            except OSError:
                pass
        os.rmdir(folder)
    except OSError:
        pass


def _sweep(base: str) -> None:
    """Staging folders of graders that were killed mid-run (their pid is gone)."""
    for entry in os.scandir(base):
        owner = entry.name[len(PREFIX) :].split("-")[0] if entry.name.startswith(PREFIX) else ""
        if owner.isdigit() and not os.path.exists(f"/proc/{owner}"):
            remove(entry.path)
