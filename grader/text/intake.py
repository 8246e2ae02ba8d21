"""What a batch says about the entries of a class folder: the source, each entry's problem, id notes.

Each message says which entry, what is wrong with it and what to do. Names come
in as text fit to show (``intake.shown``); sizes in MB of 2**20 bytes.
"""

from __future__ import annotations

import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFSOCK: "a UNIX socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}
HAND_IN = "Hand in the notebook (.ipynb) or module (.py) itself, as an ordinary file."


def _mb(size: int) -> str:
    return f"{size / 2**20:,.0f} MB"


def _listed(names: Sequence[str]) -> str:
    return ", ".join(names[:10]) + (" …" if len(names) > 10 else "")


# -- the class folder (the operator's problem: the batch stops) ---------------------------------


def batch_source_missing(path: Path) -> str:
    return f"{path}: there is no such folder or archive. Pass the folder (or .zip/.tar.gz) holding one file or one folder per student."


def batch_source_kind(path: Path) -> str:
    return f"{path} is neither a folder nor a .zip/.tar.gz/.tgz/.tar archive. Pass the folder holding one file or one folder per student."


def batch_archive_unreadable(path: Path, error: Exception) -> str:
    return f"{path} cannot be unpacked ({error}). Download the archive again, or unpack it yourself and pass the folder."


def class_archive_cut_off(path: Path, cap: Any) -> str:
    return (
        f"{path} holds more than a batch unpacks: {_cap(cap)}. Not every student's entry came out, so nothing was graded. "
        "Unpack it yourself and pass the folder."
    )


# -- one entry (the entry gets status invalid and this message) ---------------------------------


def in_archive(member: str, archive: str) -> str:
    return f"{member} in {archive}"


def special_file(where: str, mode: int) -> str:
    what = KINDS.get(stat.S_IFMT(mode), "a special file")
    return f"{where} is {what}, not a regular file, so the grader did not open it. {HAND_IN}"


def symlink_submission(where: str) -> str:
    return f"{where} is a symbolic link; the grader does not follow links out of the class folder. Hand in the file itself."


def archive_unreadable(archive: str, error: Exception) -> str:
    return f"{archive} cannot be unpacked ({error}). {HAND_IN}"


def archive_cut_off(archive: str, cap: Any) -> str:
    return (
        f"{archive} was not unpacked in full: {_cap(cap)}, and that was reached while unpacking it. {HAND_IN} "
        "Instructors: unpack this archive yourself (or take out the archive that filled the space) and run the batch again."
    )


def _cap(cap: Any) -> str:
    if cap.scope == "class":
        return f"the archives of one batch may unpack {_mb(cap.bytes)} and {cap.members:,} members in all"
    return f"one archive may unpack {_mb(cap.bytes)} and {cap.members:,} members"


def nothing_in_folder(folder: str, names: Sequence[str]) -> str:
    seen = _listed(names) if names else "nothing"
    return f"The folder {folder} holds no .ipynb or .py file to grade (found: {seen}). Hand in the notebook itself."


def several_in_folder(folder: str, names: Sequence[str]) -> str:
    return f"The folder {folder} holds several files that could be the submission ({_listed(names)}). Keep exactly one notebook (.ipynb) or module (.py) in it."


def unreadable_now(where: str, error: OSError) -> str:
    return f"{where} could not be read when its turn came ({error.strerror or error}). Check the class folder and run the batch again."


# -- notes beside the checks ------------------------------------------------------------------


def id_changed(entry: str, student: str, clashed: str, others: Sequence[str], plain: str, step: int) -> str:
    how = {1: "the whole file name, extension included", 2: f"{plain} followed by the first 8 hex digits of the SHA-256 of the entry's name"}.get(
        step, f"{plain} followed by the SHA-256 of the entry's name"
    )
    return (
        f"Student id {student} comes from the entry {entry}. It is not {clashed} because {_listed(others)} would get that id too "
        f"(an id keeps only letters, digits and ._@+-), so it is {how}, the same on every run. Check that these entries are different students."
    )


def hidden_file_graded(folder: str, relative: str) -> str:
    return f"Graded {relative}, a hidden file or a Jupyter checkpoint copy in {folder}, because the folder holds no other notebook or module."
