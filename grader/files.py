"""Files the grader writes: each to a fresh temporary file in its folder, then renamed into place.

An output folder may lie inside a folder a student controls, so anything already in it can be a
planted symbolic link. Folders are opened without following a link in their last component
(``O_NOFOLLOW``), the grader's own sub-folders are made and entered the same way, and a file is
written to a new temporary file (``O_EXCL``) and renamed over its name: a rename replaces a link
planted there, it never writes through it. Folders the grader creates get mode 0755 and files
0644, whatever the umask, so no other user can change them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from grader.errors import GraderError
from grader.text import messages

FOLDER_MODE, FILE_MODE = 0o755, 0o644
_OPEN_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class UnsafeFolder(GraderError):
    """An output folder is a symbolic link or not a folder; the message says what to do."""


class Folder:
    """An open folder the grader writes into; use as a context manager, or ``close()`` it."""

    def __init__(self, path: Path, descriptor: int):
        self.path, self.fd = Path(path), descriptor

    @classmethod
    def open(cls, path: Path | str, create: bool = True) -> Folder:
        """Open ``path`` (made, with its parents, when missing); its last component must not be a link."""
        path = Path(path)
        if create and not os.path.lexists(path):
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.mkdir(path, FOLDER_MODE)
                os.chmod(path, FOLDER_MODE, follow_symlinks=False)
            except FileExistsError:
                pass
        try:
            return cls(path, os.open(path, _OPEN_FOLDER))
        except OSError as error:
            raise UnsafeFolder(messages.unsafe_folder(path, _why(path, error))) from None

    def sub(self, name: str) -> Folder:
        """The sub-folder ``name``, made if missing; a link or a file there is refused."""
        _plain_name(self.path, name)
        try:
            os.mkdir(name, FOLDER_MODE, dir_fd=self.fd)
            os.chmod(name, FOLDER_MODE, dir_fd=self.fd, follow_symlinks=False)
        except FileExistsError:
            pass
        try:
            return Folder(self.path / name, os.open(name, _OPEN_FOLDER, dir_fd=self.fd))
        except OSError as error:
            raise UnsafeFolder(messages.unsafe_folder(self.path / name, _why(self.path / name, error))) from None

    def write_bytes(self, name: str, data: bytes) -> Path:
        """Write ``name`` atomically: a fresh temporary file, then a rename over whatever was there."""
        _plain_name(self.path, name)
        temporary = f".{name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE, dir_fd=self.fd)
        try:
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(data)
                os.fchmod(stream.fileno(), FILE_MODE)
            os.replace(temporary, name, src_dir_fd=self.fd, dst_dir_fd=self.fd)
        except BaseException:
            try:
                os.unlink(temporary, dir_fd=self.fd)
            except OSError:
                pass
            raise
        return self.path / name

    def write_text(self, name: str, text: str) -> Path:
        return self.write_bytes(name, text.encode("utf-8"))

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> Folder:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def write_text(path: Path, text: str) -> Path:
    """``path``'s folder opened safely (made when missing), then ``path`` written atomically."""
    with Folder.open(Path(path).parent) as folder:
        return folder.write_text(Path(path).name, text)


def write_bytes(path: Path, data: bytes) -> Path:
    with Folder.open(Path(path).parent) as folder:
        return folder.write_bytes(Path(path).name, data)


def refuse_link(path: Path) -> None:
    """Refuse a file the grader is about to open by name (a database, say) when a link or a non-file sits there."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeFolder(messages.unsafe_file(Path(path)))


def _plain_name(folder: Path, name: str) -> None:
    if not name or name in (".", "..") or "/" in name or "\0" in name:
        raise ValueError(f"not a plain file name in {folder}: {name!r}")  # a grader bug: names are the grader's own


def _why(path: Path, error: OSError) -> str:
    if os.path.islink(path):
        return "it is a symbolic link"
    if os.path.lexists(path) and not os.path.isdir(path):
        return "it is not a folder"
    return error.strerror or str(error)
