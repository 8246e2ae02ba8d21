"""Unpack a class or student archive (.zip, .tar.gz, .tgz, .tar) without trusting it.

Only regular files and folders come out. Absolute paths and ``..`` are skipped;
links, pipes, sockets and devices are never created, but listed in
``Unpacked.left_out`` so that intake can say what an entry held. What is written
is counted as it is written (not as the archive declares it) against caps:

    a member      256 MB; a bigger member is left out, the rest goes on
    an archive    4 GB and 50,000 members
    a batch       4 GB and 100,000 members, shared by the class archive and
                  every student's archive (``Budget.for_class``)

An archive that reaches an archive or batch cap is cut off there: nothing more of
it is written, and ``Unpacked.cut_off`` names the cap. The unpack folder of a
batch is removed when the batch ends (``reclaim``).
"""

from __future__ import annotations

import errno
import lzma
import os
import shutil
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from grader.batch import filekinds

SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")
MAX_MEMBERS = 50_000
MAX_MEMBER_BYTES = 256 * 2**20
MAX_TOTAL_BYTES = 4 * 2**30
CLASS_MAX_MEMBERS = 100_000
CLASS_MAX_BYTES = 4 * 2**30
CHUNK = 2**20
_BROKEN = (
    zipfile.BadZipFile,
    tarfile.TarError,
    OSError,
    EOFError,
    ValueError,
    zlib.error,
    lzma.LZMAError,
    NotImplementedError,
    RuntimeError,
)  # RuntimeError: an encrypted zip member
_SKIPPED_MEMBER = {errno.ENAMETOOLONG, errno.ENOTDIR, errno.EISDIR, errno.EEXIST}  # a name this folder cannot hold
_TAR_KINDS = {
    tarfile.DIRTYPE: stat.S_IFDIR,
    tarfile.SYMTYPE: stat.S_IFLNK,
    tarfile.LNKTYPE: stat.S_IFLNK,
    tarfile.FIFOTYPE: stat.S_IFIFO,
    tarfile.CHRTYPE: stat.S_IFCHR,
    tarfile.BLKTYPE: stat.S_IFBLK,
}


class Unreadable(Exception):
    """The archive is corrupt or of an unknown kind."""


@dataclass(frozen=True)
class Cap:
    scope: str  # "archive": one archive's own; "class": shared by every archive of one batch
    bytes: int
    members: int


class Budget:
    """What archives may still write under one cap; a batch passes one to every ``unpack``."""

    def __init__(self, cap: Cap):
        self.cap, self.written, self.members = cap, 0, 0

    @classmethod
    def for_class(cls) -> Budget:
        return cls(Cap("class", CLASS_MAX_BYTES, CLASS_MAX_MEMBERS))

    @classmethod
    def for_archive(cls) -> Budget:
        return cls(Cap("archive", MAX_TOTAL_BYTES, MAX_MEMBERS))

    def bytes_left(self) -> int:
        return self.cap.bytes - self.written


@dataclass(frozen=True)
class LeftOut:
    """A member that was not written: a link, a special file, or a file over the member cap."""

    name: PurePosixPath
    mode: int  # its file type (stat.S_IFLNK, S_IFIFO, ...; S_IFREG for a member over the cap)
    size: int = 0


@dataclass(frozen=True)
class Unpacked:
    folder: Path
    left_out: tuple[LeftOut, ...] = ()
    cut_off: Cap | None = None  # the cap the archive reached; None when every member was taken


@dataclass(frozen=True)
class _Member:
    name: str
    mode: int  # file type bits; 0 for a kind no file system holds
    size: int  # as the archive declares it
    open: Callable[[], IO[bytes] | None]


def is_archive_name(name: str) -> bool:
    return name.lower().endswith(SUFFIXES)


def is_archive(path: Path) -> bool:
    return path.is_file() and is_archive_name(path.name)


def stem(path: Path) -> str:
    """The name without its archive suffix: alice.tar.gz → alice."""
    for suffix in SUFFIXES:
        if path.name.lower().endswith(suffix):
            return path.name[: -len(suffix)]
    return path.stem


def reclaim(folder: Path) -> None:
    """Remove a batch's unpack folder; a link there is removed, never followed."""
    if os.path.islink(folder) or (os.path.lexists(folder) and not os.path.isdir(folder)):
        os.unlink(folder)
    else:
        shutil.rmtree(folder, ignore_errors=True)


def _safe(name: str) -> PurePosixPath | None:
    path = PurePosixPath(name.replace("\\", "/"))
    parts = [part for part in path.parts if part not in ("", ".")]
    if not parts or path.is_absolute() or ".." in parts or parts[0] == "__MACOSX" or "\0" in name:
        return None
    return PurePosixPath(*parts)


def _zip_members(archive: zipfile.ZipFile) -> Iterator[_Member]:
    for info in archive.infolist():
        mode = stat.S_IFDIR if info.is_dir() else stat.S_IFMT(info.external_attr >> 16) or stat.S_IFREG
        yield _Member(info.filename, mode, info.file_size, lambda info=info: archive.open(info))  # type: ignore[misc]


def _tar_members(archive: tarfile.TarFile) -> Iterator[_Member]:
    for info in archive:
        mode = stat.S_IFREG if info.isreg() else _TAR_KINDS.get(info.type, 0)
        yield _Member(info.name, mode, info.size, lambda info=info: archive.extractfile(info))  # type: ignore[misc]


def _write(source: IO[bytes], target: Path, budgets: tuple[Budget, ...]) -> tuple[int, Cap | None]:
    """Copy ``source`` to a new ``target`` within the caps: (bytes read, the cap that stopped it or None).

    A member that would pass a cap is deleted again, so no partial file remains.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    member = Cap("member", MAX_MEMBER_BYTES, 1)
    seen, stopped = 0, None
    with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644), "wb") as sink:
        while block := source.read(CHUNK):
            seen += len(block)
            stopped = member if seen > member.bytes else next((b.cap for b in budgets if len(block) > b.bytes_left()), None)
            if stopped:
                break
            sink.write(block)
            for budget in budgets:
                budget.written += len(block)
    if stopped:
        target.unlink()
    return seen, stopped


def _take(member: _Member, destination: Path, budgets: tuple[Budget, ...], left_out: list[LeftOut]) -> Cap | None:
    """Write one member, or note why not; returns the archive or batch cap that stops the archive, if any."""
    for budget in budgets:
        budget.members += 1
        if budget.members > budget.cap.members:
            return budget.cap
    name = _safe(member.name)
    if name is None or member.mode == 0:
        return None
    if member.mode == stat.S_IFDIR:
        (destination / name).mkdir(parents=True, exist_ok=True)
        return None
    if member.mode != stat.S_IFREG or member.size > MAX_MEMBER_BYTES:
        (destination / name).parent.mkdir(parents=True, exist_ok=True)  # the student's folder exists even if this is all it held
        left_out.append(LeftOut(name, member.mode, member.size))
        return None
    if full := next((b.cap for b in budgets if member.size > b.bytes_left()), None):
        return full
    source = member.open()
    if source is None:
        return None
    with source:
        seen, stopped = _write(source, destination / name, budgets)
    if stopped and stopped.scope == "member":
        left_out.append(LeftOut(name, stat.S_IFREG, seen))
        return None
    return stopped


def _unpack_members(members: Iterator[_Member], destination: Path, budgets: tuple[Budget, ...]) -> tuple[list[LeftOut], Cap | None]:
    left_out: list[LeftOut] = []
    for member in members:
        try:
            stopped = _take(member, destination, budgets, left_out)
        except OSError as error:
            if error.errno not in _SKIPPED_MEMBER:
                raise
            continue
        if stopped:
            return left_out, stopped
    return left_out, None


def unpack(path: Path, destination: Path, budget: Budget | None = None) -> Unpacked:
    """Unpack into a fresh ``destination``, within the archive caps and ``budget`` (the batch's).

    Raises ``Unreadable`` for a corrupt archive, and ``filekinds.NotRegular`` if ``path`` is no regular file.
    """
    shutil.rmtree(destination, ignore_errors=True)
    destination.mkdir(parents=True)
    budgets = (Budget.for_archive(), *([budget] if budget else []))
    try:
        with filekinds.open_regular(path) as stream:
            if path.name.lower().endswith(".zip"):
                with zipfile.ZipFile(stream) as archive:
                    left_out, cut_off = _unpack_members(_zip_members(archive), destination, budgets)
            else:
                with tarfile.open(fileobj=stream) as archive:
                    left_out, cut_off = _unpack_members(_tar_members(archive), destination, budgets)
    except filekinds.NotRegular:
        raise
    except _BROKEN as error:
        raise Unreadable(f"{type(error).__name__}: {error}") from error  # the message names the kind of fault
    return Unpacked(destination, tuple(left_out), cut_off)
