"""A class folder becomes one ``Entry`` per student.

SUBMISSIONS holds one file or one folder per student, or is a .zip/.tar.gz of
such a folder; a student's own entry may be an archive too. The student id is
the entry's name without its extension. Every entry yields an ``Entry``: one
with nothing gradable in it carries the reason instead of a file, so it still
gets a gradebook row and a report.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from grader.batch import archives
from grader.text import messages
from grader.errors import GraderError
from grader.grading.load import MAX_BYTES

GRADABLE = (".ipynb", ".py")
SKIPPED_DIRS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__"}
UNSAFE = re.compile(r"[^\w.@+-]+")


@dataclass(frozen=True)
class Entry:
    student: str
    source: Path  # what SUBMISSIONS held for this student
    file: Path | None  # the file to grade; None when there is nothing gradable
    content_hash: str
    problem: str = ""  # why nothing can be graded, for the report; empty when ``file`` is set

    @property
    def file_name(self) -> str:
        return self.file.name if self.file else self.source.name


def student_id(name: str) -> str:
    cleaned = UNSAFE.sub("_", name).strip("._") or "student"
    return cleaned[:100]


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()


def _hash_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _visible(folder: Path) -> list[Path]:
    return sorted(path for path in folder.iterdir() if not path.name.startswith(".") and path.name not in SKIPPED_DIRS)


def _files_under(folder: Path) -> list[Path]:
    found = []
    for path in _visible(folder):
        if path.is_symlink():
            continue
        found += _files_under(path) if path.is_dir() else [path]
    return found


def _file_entry(student: str, source: Path, path: Path) -> Entry:
    size = path.stat().st_size
    if size > MAX_BYTES:
        problem = messages.too_large(path, size, MAX_BYTES)
        return Entry(student, source, None, _hash_text(f"{path.name}\0{size}"), problem)
    return Entry(student, source, path, _hash_file(path))


def _folder_entry(student: str, source: Path, folder: Path) -> Entry:
    files = _files_under(folder)
    names = [str(path.relative_to(folder)) for path in files]
    for suffix in GRADABLE:
        candidates = [path for path in files if path.suffix == suffix]
        if len(candidates) == 1:
            return _file_entry(student, source, candidates[0])
        if candidates:
            shown = [str(path.relative_to(folder)) for path in candidates]
            return Entry(student, source, None, _hash_text("\0".join(shown)), messages.several_in_folder(source, shown))
    return Entry(student, source, None, _hash_text("\0".join(names)), messages.nothing_in_folder(source, names))


def _entry(student: str, path: Path, scratch: Path) -> Entry:
    if path.is_symlink():
        return Entry(student, path, None, _hash_text(str(path.readlink())), messages.symlink_submission(path))
    if path.is_dir():
        return _folder_entry(student, path, path)
    if archives.is_archive(path):
        try:
            folder = archives.unpack(path, scratch / student)
        except archives.Unreadable as error:
            return Entry(student, path, None, _hash_file(path), messages.batch_archive_unreadable(path, error))
        return _folder_entry(student, path, folder)
    return _file_entry(student, path, path)


def _ids(paths: list[Path]) -> dict[Path, str]:
    """Student ids from names; entries whose ids collide keep their whole name."""
    short = {path: student_id(path.name if path.is_dir() else archives.stem(path)) for path in paths}
    counts = {name: list(short.values()).count(name) for name in short.values()}
    return {path: name if counts[name] == 1 else student_id(path.name) for path, name in short.items()}


def _students(folder: Path, out: Path | None) -> list[Path]:
    inside = _visible(folder)
    return [path for path in inside if out is None or path.resolve() != out.resolve()]


def _class_folder(source: Path, scratch: Path) -> Path:
    if not source.exists():
        raise GraderError(messages.batch_source_missing(source))
    if source.is_dir():
        return source
    if not archives.is_archive(source):
        raise GraderError(messages.batch_source_kind(source))
    try:
        folder = archives.unpack(source, scratch / "_class")
    except archives.Unreadable as error:
        raise GraderError(messages.batch_archive_unreadable(source, error)) from None
    while len(inside := _visible(folder)) == 1 and inside[0].is_dir() and len(_visible(inside[0])) > 1:
        folder = inside[0]  # the archive holds the class folder itself
    return folder


def discover(source: Path, scratch: Path, out: Path | None = None) -> tuple[Entry, ...]:
    """One entry per student in ``source``, sorted by student id; archives unpack under ``scratch``.

    ``out``, the batch's own folder, is not a student even when it lies inside ``source``.
    """
    folder = _class_folder(Path(source), scratch)
    students = _ids(_students(folder, out))
    return tuple(sorted((_entry(name, path, scratch / "students") for path, name in students.items()), key=lambda e: e.student))
