"""What several commands share: exit codes, the limit and --set options, and turning them into values."""

from __future__ import annotations

import argparse
import difflib
import os
import stat
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from grader import api
from grader import spec as specs
from grader.errors import GraderError
from grader.options import Options
from grader.sandbox.run import Limits
from grader.text import arguments as argument_words
from grader.text import messages
from grader.text.intake import KINDS

EXIT_OK, EXIT_BELOW_FULL, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
LIMIT_FLAGS = {
    "timeout": "wall_seconds",
    "cpu_time": "cpu_seconds",
    "memory": "memory_mb",
    "processes": "processes",
    "scratch": "scratch_mb",
    "output_limit": "output_bytes",
}


THREADS_UNSET = "not set, so TensorFlow picks: one per core"
BLANK_CHECKED = 2**20  # a file up to this size is read to see whether it holds only blank space
GRADABLE = (".ipynb", ".py")


def add_grading_options(parser: argparse.ArgumentParser, threads_default: str = THREADS_UNSET) -> None:
    parser.add_argument(
        "--sandbox",
        choices=["auto", "bwrap", "none"],
        default="auto",
        help="isolation for student code (default: auto, i.e. bwrap, and a message saying what to install when it cannot start here; 'none' runs code unprotected)",
    )
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="wall-clock limit per run (default: the assignment's)")
    parser.add_argument("--memory", type=int, metavar="MB", help="memory limit per run (default: the assignment's)")
    parser.add_argument("--cpu-time", type=float, metavar="SECONDS", help="CPU-time limit per run, all cores together (default: the assignment's)")
    parser.add_argument("--processes", type=int, metavar="N", help="processes and threads per run (default: the assignment's)")
    parser.add_argument(
        "--scratch", type=int, metavar="MB", help="size of each scratch folder per run: working folder, /tmp, /dev/shm (default: the assignment's)"
    )
    parser.add_argument("--output-limit", type=int, metavar="BYTES", help="printed output kept per run; more ends the run (default: the assignment's)")
    parser.add_argument("--threads", type=int, default=0, help=f"TensorFlow threads per run (default: {threads_default})")
    parser.add_argument("--rerun-reference", action="store_true", help="grade the reference solution again instead of using its cached result")
    if not any(action.dest == "course" for action in parser._actions):
        parser.add_argument("--course", type=Path, metavar="DIR", help="a course folder: its own assignments resolve by name too")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        dest="settings",
        help="override a threshold of the assignment for this run, e.g. --set threshold=0.99 (repeatable)",
    )


def limits_of(arguments: argparse.Namespace, limits: Limits) -> Limits:
    """The assignment's limits with those given on the command line replaced."""
    given = {field: getattr(arguments, flag) for flag, field in LIMIT_FLAGS.items() if getattr(arguments, flag, None) is not None}
    for field, value in given.items():
        if value <= 0:
            raise GraderError(messages.bad_limit(field, value))
    return replace(limits, **given)


def options_of(arguments: argparse.Namespace, spec: specs.AssignmentSpec, own_code: bool = False) -> Options:
    if arguments.threads < 0:
        raise GraderError(argument_words.bad_threads(arguments.threads))
    isolation = api.choose_isolation(arguments.sandbox, own_code)
    return Options(
        isolation=isolation,
        limits=limits_of(arguments, spec.limits),
        threads=arguments.threads,
        use_reference_cache=not arguments.rerun_reference,
        regrade=bool(getattr(arguments, "regrade", None)),
    )  # batch: --regrade [STATUSES] really runs again


def spec_of(arguments: argparse.Namespace, name: str, by_name_only: bool = False) -> specs.AssignmentSpec:
    """The assignment, with the --set overrides applied."""
    settings = {}
    for setting in arguments.settings:
        key, equals, value = setting.partition("=")
        if not equals or not key.strip():
            raise GraderError(messages.bad_setting(setting))
        settings[key.strip()] = value.strip()
    course = getattr(arguments, "course", None)
    return specs.with_overrides(specs.load(name, course=course, by_name_only=by_name_only), settings)


def report_folders(paths: Sequence[Path]) -> dict[Path, str]:
    """A distinct folder name per submission: its file name, or its folder's when names repeat."""
    stems = [path.stem for path in paths]
    return {path: path.stem if stems.count(path.stem) == 1 else f"{path.parent.name}-{path.stem}" for path in paths}


# -- the paths a command was given, checked before anything is graded ----------------------------


def require_gradable(paths: Sequence[Path], out: Path | None) -> None:
    """`grader grade`: stop, before the first grading, when a path is no file or --out no folder.

    A file that exists but cannot be graded (empty, not a notebook) is left to grading: it gets its report.
    """
    for path in paths:
        _require_file(path, "grade")
    require_out(out)


def require_checkable(path: Path, assignment: str | None, out: Path | None) -> None:
    """`grader check`: the file is there and not blank, and names its assignment or is given one."""
    _require_file(path, "check")
    if (size := _blank_size(path)) is not None:
        raise GraderError(argument_words.empty(path, size))
    if assignment is None and path.suffix == ".py":
        raise GraderError(argument_words.module_needs_assignment(path, specs.available()))
    if assignment is None and path.suffix != ".ipynb":
        raise GraderError(argument_words.not_gradable_kind(path))
    require_out(out)


def _require_file(path: Path, command: str) -> None:
    try:
        mode = path.stat().st_mode  # a link to the notebook is the notebook: the operator's own path
    except (FileNotFoundError, NotADirectoryError):
        raise GraderError(_missing(path)) from None
    except OSError as error:
        raise GraderError(argument_words.unreadable(path, error)) from None
    if stat.S_ISDIR(mode):
        raise GraderError(argument_words.is_a_folder(path, _names_in(path), command))
    if not stat.S_ISREG(mode):
        raise GraderError(argument_words.not_an_ordinary_file(path, KINDS.get(stat.S_IFMT(mode), "not an ordinary file")))


def _missing(path: Path) -> str:
    """Why ``path`` is not there: a dangling link, a folder on the way missing or a file, or no such file."""
    if path.is_symlink():
        return argument_words.broken_link(path, os.readlink(path))
    for folder in (*reversed(path.parent.parents), path.parent):
        if not folder.is_dir():
            return argument_words.folder_is_a_file(path, folder) if folder.exists() else argument_words.no_such_folder(path, folder)
    return argument_words.no_such_file(path, difflib.get_close_matches(path.name, _names_in(path.parent, limit=1000), n=2))


def _names_in(folder: Path, limit: int = 3) -> list[str]:
    """The notebooks and modules directly in ``folder``, by name (a few)."""
    try:
        with os.scandir(folder) as found:
            names = sorted(entry.name for entry in found if entry.name.endswith(GRADABLE))
    except OSError:
        return []
    return names[:limit]


def _blank_size(path: Path) -> int | None:
    """The size of a file that holds nothing but blank space; None when it holds something."""
    size = path.stat().st_size
    if size > BLANK_CHECKED:
        return None
    return size if not path.read_bytes().strip() else None


def require_out(out: Path | None) -> None:
    """--out is a folder, or can become one: neither it nor a folder on the way is a file or a link."""
    if out is None:
        return
    for place in (*reversed(out.parents), out):
        if (place == out and place.is_symlink()) or (place.exists() and not place.is_dir()):
            raise GraderError(argument_words.out_not_a_folder(out, place, place.is_symlink()))
