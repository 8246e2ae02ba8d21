"""What the command line says about the paths it was given, before anything is graded.

Each message names the path, says what is wrong and what to do. Which case a path
is, and what a folder holds, is found in ``grader.cli.common``; these only word it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

HAND_IN = "the notebook (.ipynb) or module (.py)"


def _folder(folder: Path) -> str:
    return f"the current folder ({Path.cwd()})" if str(folder) == "." else str(folder)


def _listing(folder: Path) -> str:
    return "`ls`" if str(folder) == "." else f"`ls {folder}`"


def _guess(names: Sequence[str]) -> str:
    return f" Did you mean {' or '.join(names)}?" if names else ""


def no_such_file(path: Path, near: Sequence[str]) -> str:
    return (
        f"{path}: there is no such file in {_folder(path.parent)}.{_guess(near)} "
        f"Check the name ({_listing(path.parent)} lists what is there) and pass {HAND_IN}."
    )


def no_such_folder(path: Path, missing: Path) -> str:
    return f"{path}: the folder {missing} does not exist (seen from {Path.cwd()}). Check the path, or run the command from the folder that holds your notebook."


def folder_is_a_file(path: Path, file: Path) -> str:
    return f"{path}: {file} is a file, not a folder, so nothing can be inside it. Check the path and pass {HAND_IN}."


def broken_link(path: Path, target: str) -> str:
    return f"{path} is a link to {target}, which does not exist. Pass the file itself."


def unreadable(path: Path, error: OSError) -> str:
    return f"{path} cannot be read ({error.strerror or error}). Check that the file is yours to read, or copy it somewhere you can."


def is_a_folder(path: Path, inside: Sequence[str], command: str) -> str:
    example = f", e.g. `grader {command} {path / inside[0]}`" if inside else ""
    batch = f" To grade a folder holding one file or folder per student, use `grader batch {path} --assignment NAME --out DIR`." if command == "grade" else ""
    return f"{path} is a folder, but `grader {command}` takes a file. Pass {HAND_IN} itself{example}.{batch}"


def not_an_ordinary_file(path: Path, kind: str) -> str:
    return f"{path} is {kind}, not an ordinary file. Save {HAND_IN} as a file and pass that."


def empty(path: Path, size: int) -> str:
    what = "0 bytes" if not size else f"{size:,} bytes of blank space"
    return (
        f"{path} is empty ({what}), so there is nothing to check. Save your work in Jupyter (File → Save), "
        "then pass the saved file; if it is still empty, your work is in another file."
    )


def module_needs_assignment(path: Path, known: Sequence[str]) -> str:
    example = known[0] if len(known) == 1 else "NAME"
    names = f" Known assignments: {', '.join(known)} (`grader list` shows their titles)." if known else ""
    return (
        f"{path.name} is a Python module, and only a notebook can name its assignment (in its metadata). "
        f"Say which one: `grader check {path} --assignment {example}`.{names}"
    )


def not_gradable_kind(path: Path) -> str:
    return (
        f"{path.name}: the grader reads Jupyter notebooks (.ipynb) and Python modules (.py), not "
        f"'{path.suffix or 'a file without an extension'}'. Pass one of those (with --assignment NAME for a module)."
    )


def out_not_a_folder(out: Path, culprit: Path, link: bool) -> str:
    what = "a link" if link else "a file"
    where = "is" if culprit == out else f"is inside {culprit}, which is"
    return f"--out {out} {where} {what}, not a folder. Give a folder of your own (it is made if it does not exist)."


def bad_threads(threads: int) -> str:
    return f"--threads {threads}: give 1 or more TensorFlow threads per run, or leave the flag out for the default."
