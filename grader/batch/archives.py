"""Unpack a class or student archive (.zip, .tar.gz, .tgz, .tar) without trusting it.

Only regular files and folders come out: links, devices, absolute paths and
``..`` are skipped, and so is anything past the size and count caps, so a
hostile archive can neither write outside its folder nor fill the disk.
"""

from __future__ import annotations

import shutil
import stat
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")
MAX_MEMBERS = 50_000
MAX_MEMBER_BYTES = 256 * 2**20
MAX_TOTAL_BYTES = 4 * 2**30
CHUNK = 2**20


class Unreadable(Exception):
    """The archive is corrupt or of an unknown kind."""


def is_archive(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(SUFFIXES)


def stem(path: Path) -> str:
    """The name without its archive suffix: alice.tar.gz → alice."""
    for suffix in SUFFIXES:
        if path.name.lower().endswith(suffix):
            return path.name[: -len(suffix)]
    return path.stem


def _safe(name: str) -> PurePosixPath | None:
    path = PurePosixPath(name.replace("\\", "/"))
    parts = [part for part in path.parts if part not in ("", ".")]
    if not parts or path.is_absolute() or ".." in parts or parts[0] == "__MACOSX":
        return None
    return PurePosixPath(*parts)


class _Budget:
    def __init__(self) -> None:
        self.members, self.total = 0, 0

    def admits(self, size: int) -> bool:
        self.members += 1
        self.total += size
        return self.members <= MAX_MEMBERS and size <= MAX_MEMBER_BYTES and self.total <= MAX_TOTAL_BYTES


def _copy(source, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as sink:
        shutil.copyfileobj(source, sink, CHUNK)


def _unzip(path: Path, destination: Path) -> None:
    budget = _Budget()
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            name, mode = _safe(member.filename), member.external_attr >> 16
            if member.is_dir() or name is None or stat.S_IFMT(mode) not in (0, stat.S_IFREG) or not budget.admits(member.file_size):
                continue
            with archive.open(member) as source:
                _copy(source, destination / name)


def _untar(path: Path, destination: Path) -> None:
    budget = _Budget()
    with tarfile.open(path) as archive:
        for member in archive:
            name = _safe(member.name)
            if not member.isreg() or name is None or not budget.admits(member.size):
                continue
            source = archive.extractfile(member)
            if source is not None:
                _copy(source, destination / name)


def unpack(path: Path, destination: Path) -> Path:
    """Unpack into a fresh ``destination``; raises ``Unreadable`` for a corrupt archive."""
    shutil.rmtree(destination, ignore_errors=True)
    destination.mkdir(parents=True)
    try:
        if path.name.lower().endswith(".zip"):
            _unzip(path, destination)
        else:
            _untar(path, destination)
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError, ValueError) as error:
        raise Unreadable(str(error)) from error
    return destination
