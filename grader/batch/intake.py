"""A class folder becomes one ``Entry`` per student: every entry, whatever it is.

SUBMISSIONS holds one file or one folder per student, or is a .zip/.tar.gz of
such a folder; a student's own entry may be an archive too. Every entry of the
class folder yields an ``Entry`` (hidden ones and ``__pycache__`` too; only the
batch's own --out folder is not a student). One with nothing gradable in it
carries the reason instead of a file, so it still gets a gradebook row and a
report. The student id comes from the entry's name (``student_ids``).

What each path is, intake asks ``lstat``: links are never followed, and pipes,
sockets and devices are never opened (``filekinds``). Archives unpack under
``scratch`` within the caps of ``archives``, one budget shared by the whole batch.

In a student's folder the one ``.ipynb`` is graded, else the one ``.py``. Files
under a hidden name (``.x``, ``__MACOSX``, ``__pycache__``) count only when no
other file is gradable, and copies in ``.ipynb_checkpoints`` only after those.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path, PurePath, PurePosixPath

from grader.batch import archives, filekinds, student_ids
from grader.errors import GraderError
from grader.grading.load import MAX_BYTES
from grader.text import intake as text
from grader.text import messages

GRADABLE = (".ipynb", ".py")
HIDDEN_DIRS = {"__MACOSX", "__pycache__"}  # hidden like the names that start with a dot
CHECKPOINTS = ".ipynb_checkpoints"


@dataclass(frozen=True)
class Entry:
    student: str
    source: Path  # what SUBMISSIONS held for this student, as a name fit to show
    file: Path | None  # the file to grade; None when there is nothing gradable
    content_hash: str
    problem: str = ""  # why nothing can be graded, for the report; empty when ``file`` is set
    notes: tuple[str, ...] = ()  # for the report's notes: how the id was made, which file was taken

    @property
    def file_name(self) -> str:
        return shown(self.file.name) if self.file else self.source.name


@dataclass(frozen=True)
class _Item:
    """A file or folder: on disk, or a member an archive held but intake left out (``on_disk`` False)."""

    relative: PurePath  # below the folder it was found in
    path: Path
    mode: int
    size: int
    on_disk: bool = True


def shown(text: str) -> str:
    """``text`` fit to show and to store: undecodable bytes and control characters become U+FFFD."""
    decoded = os.fsencode(text).decode("utf-8", "replace")
    return "".join(character if character.isprintable() else "\ufffd" for character in decoded)


def _hash_text(text: str) -> str:
    return hashlib.sha256(os.fsencode(text)).hexdigest()


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with filekinds.open_regular(path) as stream:
        for block in iter(lambda: stream.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()


def _invalid(student: str, source: Path, digest: str, problem: str) -> Entry:
    return Entry(student, source, None, digest, problem)


# -- finding files ------------------------------------------------------------------------------


def _children(folder: Path) -> list[_Item]:
    """What ``folder`` holds, each as ``lstat`` sees it (a link is a link, a pipe a pipe); nothing is opened."""
    children = []
    with os.scandir(folder) as found:
        for child in found:
            try:
                info = child.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # gone since the folder was listed
            children.append(_Item(PurePath(child.name), Path(child.path), info.st_mode, info.st_size))
    return children


def _walk(folder: Path) -> list[_Item]:
    """Every file below ``folder`` (pipes and devices included, links and folders not), without recursion."""
    found, waiting = [], [(folder, PurePath())]
    while waiting:
        here, relative = waiting.pop()
        try:
            children = _children(here)
        except OSError:
            continue  # unreadable or too deep: what it holds cannot be graded anyway
        for child in children:
            child = _Item(relative / child.relative, child.path, child.mode, child.size)
            if stat.S_ISDIR(child.mode):
                waiting.append((child.path, child.relative))
            elif not stat.S_ISLNK(child.mode):
                found.append(child)
    return sorted(found, key=lambda item: item.relative)


def _left_out(left: tuple[archives.LeftOut, ...], root: Path, prefix: PurePath = PurePosixPath(), links: bool = False) -> list[_Item]:
    """Members left out of an archive, below ``prefix``, as items relative to it; links only if asked for."""
    return [
        _Item(member.name.relative_to(prefix), root / member.name, member.mode, member.size, on_disk=False)
        for member in left
        if member.name != prefix and member.name.is_relative_to(prefix) and (links or not stat.S_ISLNK(member.mode))
    ]


def _rank(relative: PurePath) -> int:
    """0 a plain file, 1 a hidden one, 2 a Jupyter checkpoint copy: a file is taken only if no lower rank is gradable."""
    if CHECKPOINTS in relative.parts:
        return 2
    return int(any(part.startswith(".") or part in HIDDEN_DIRS for part in relative.parts))


def _choose(found: list[_Item]) -> _Item | list[_Item]:
    """The one file to grade, or every candidate when there is not exactly one (none, or several)."""
    for rank in (0, 1, 2):
        tier = [item for item in found if _rank(item.relative) == rank]
        for suffix in GRADABLE:
            candidates = [item for item in tier if item.relative.suffix == suffix]
            if len(candidates) == 1:
                return candidates[0]
            if candidates:
                return candidates
    return []


# -- one entry ----------------------------------------------------------------------------------


def _file_entry(student: str, source: Path, item: _Item, where: str) -> Entry:
    if not stat.S_ISREG(item.mode):  # a pipe, a socket, a device: never opened
        return _invalid(student, source, _hash_text(f"{item.relative}\0{item.mode}"), text.special_file(where, item.mode))
    if item.size > MAX_BYTES or not item.on_disk:  # a member left out for its size is over the limit too
        return _invalid(student, source, _hash_text(f"{item.relative}\0{item.size}"), messages.too_large(Path(item.relative.name), item.size, MAX_BYTES))
    try:
        return Entry(student, source, item.path, _hash_file(item.path))
    except filekinds.NotRegular as refused:  # it changed since it was looked at
        return _invalid(student, source, _hash_text(f"{item.relative}\0{refused.mode}"), text.special_file(where, refused.mode))


def _folder_entry(student: str, source: Path, found: list[_Item], label: str, in_archive: bool) -> Entry:
    def where(item: _Item) -> str:
        shown_relative = shown(str(item.relative))
        return text.in_archive(shown_relative, label) if in_archive else f"{label}/{shown_relative}"

    chosen = _choose(found)
    if isinstance(chosen, _Item):
        entry = _file_entry(student, source, chosen, where(chosen))
        hidden = _rank(chosen.relative) > 0 and entry.file is not None
        return replace(entry, notes=(text.hidden_file_graded(label, shown(str(chosen.relative))),)) if hidden else entry
    names = [shown(str(item.relative)) for item in (chosen or found)]
    problem = text.several_in_folder(label, names) if chosen else text.nothing_in_folder(label, names)
    return _invalid(student, source, _hash_text("\0".join(names)), problem)


def _archive_digest(item: _Item) -> str:
    try:
        return _hash_file(item.path)
    except OSError:  # it changed since it was unpacked
        return _hash_text(f"{item.relative}\0{item.size}")


def _archive_entry(student: str, item: _Item, scratch: Path, budget: archives.Budget) -> Entry:
    source, label = Path(shown(str(item.path))), shown(item.path.name)
    try:
        unpacked = archives.unpack(item.path, scratch / student, budget)
    except filekinds.NotRegular as refused:  # it changed since it was looked at
        return _invalid(student, source, _hash_text(f"{item.relative}\0{refused.mode}"), text.special_file(label, refused.mode))
    except archives.Unreadable as error:
        return _invalid(student, source, _archive_digest(item), text.archive_unreadable(label, error))
    if unpacked.cut_off:
        return _invalid(student, source, _hash_text(f"cut off\0{_archive_digest(item)}"), text.archive_cut_off(label, unpacked.cut_off))
    found = _walk(unpacked.folder) + _left_out(unpacked.left_out, unpacked.folder)
    return _folder_entry(student, source, sorted(found, key=lambda found: found.relative), label, in_archive=True)


def _entry(student: str, item: _Item, nested: list[_Item], scratch: Path, budget: archives.Budget) -> Entry:
    source, label = Path(shown(str(item.path))), shown(item.path.name)
    if stat.S_ISLNK(item.mode):
        target = str(item.path.readlink()) if item.on_disk else label
        return _invalid(student, source, _hash_text(target), text.symlink_submission(label))
    if stat.S_ISDIR(item.mode):
        found = sorted(_walk(item.path) + nested, key=lambda found: found.relative)
        return _folder_entry(student, source, found, label, in_archive=False)
    if stat.S_ISREG(item.mode) and item.on_disk and archives.is_archive_name(item.path.name):
        return _archive_entry(student, item, scratch, budget)
    return _file_entry(student, source, item, label)


# -- the class folder ---------------------------------------------------------------------------


def _visible(folder: Path) -> list[Path]:
    return sorted(path for path in folder.iterdir() if not path.name.startswith(".") and path.name not in HIDDEN_DIRS)


def _class_folder(source: Path, scratch: Path, budget: archives.Budget) -> tuple[Path, tuple[archives.LeftOut, ...]]:
    """The folder holding the students, and what its archive left out (names relative to that folder)."""
    if not source.exists():
        raise GraderError(text.batch_source_missing(source))
    if source.is_dir():
        return source, ()
    if not archives.is_archive(source):
        raise GraderError(text.batch_source_kind(source))
    try:
        unpacked = archives.unpack(source.resolve(), scratch / "_class", budget)
    except (archives.Unreadable, filekinds.NotRegular) as error:
        raise GraderError(text.batch_archive_unreadable(source, error)) from None
    if unpacked.cut_off:
        raise GraderError(text.class_archive_cut_off(source, unpacked.cut_off))
    folder, prefix = unpacked.folder, PurePosixPath()
    while len(inside := _visible(folder)) == 1 and inside[0].is_dir() and len(_visible(inside[0])) > 1:
        folder, prefix = inside[0], prefix / inside[0].name  # the archive holds the class folder itself
    left = tuple(
        archives.LeftOut(member.name.relative_to(prefix), member.mode, member.size)
        for member in unpacked.left_out
        if member.name != prefix and member.name.is_relative_to(prefix)
    )
    return folder, left


def _students(folder: Path, left: tuple[archives.LeftOut, ...], out: Path | None) -> dict[str, _Item]:
    """Every entry of the class folder, by name, but the batch's own folder (a link to it is a student's entry)."""
    own, here = (out.resolve() if out is not None else None), folder.resolve()
    items = {item.path.name: item for item in _children(folder) if not (stat.S_ISDIR(item.mode) and here / item.path.name == own)}
    for item in _left_out(tuple(member for member in left if len(member.name.parts) == 1), folder, links=True):
        items.setdefault(item.path.name, item)
    return items


def _id_source(item: _Item) -> str:
    return item.path.name if stat.S_ISDIR(item.mode) else archives.stem(item.path)


def _with_id_note(entry: Entry, name: str, given: student_ids.StudentId) -> Entry:
    if not given.step:
        return entry
    note = text.id_changed(shown(name), given.id, given.clashed, [shown(other) for other in given.clashed_with], given.plain, given.step)
    return replace(entry, notes=(note, *entry.notes))


def discover(source: Path, scratch: Path, out: Path | None = None, budget: archives.Budget | None = None) -> tuple[Entry, ...]:
    """One entry per entry of ``source``, sorted by student id; archives unpack under ``scratch``.

    ``out``, the batch's own folder, is not a student even when it lies inside ``source``.
    ``budget`` bounds what every archive of the batch unpacks together (``Budget.for_class()``).
    """
    budget = budget or archives.Budget.for_class()
    folder, left = _class_folder(Path(source), scratch, budget)
    students = _students(folder, left, out)
    ids = student_ids.assign({name: _id_source(item) for name, item in students.items()})
    entries = []
    for name in sorted(students):
        nested = _left_out(left, folder, PurePosixPath(name)) if left else []
        entry = _entry(ids[name].id, students[name], nested, scratch / "students", budget)
        entries.append(_with_id_note(entry, name, ids[name]))
    return tuple(sorted(entries, key=lambda entry: entry.student))


def read(entry: Entry) -> tuple[bytes, str]:
    """The bytes of the entry's file, read when its turn comes, or why they cannot be (it changed since intake)."""
    assert entry.file is not None
    where = shown(entry.file.name)
    try:
        return filekinds.read_regular(entry.file, MAX_BYTES + 1), ""
    except filekinds.NotRegular as refused:
        return b"", text.special_file(where, refused.mode)
    except OSError as error:
        return b"", text.unreadable_now(where, error)
