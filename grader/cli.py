"""`grader`: a thin shell over the library API. ``main(argv) -> int``.

Exit codes: 0 done (for ``check``: full marks), 1 graded below full marks
(``check`` only), 2 bad usage or setup (the message says what to do), 3 an
internal error of the grader.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import grader as api
from grader import datasets, messages
from grader import spec as specs
from grader.errors import GraderError
from grader.options import Options
from grader.sandbox import Isolation

EXIT_OK, EXIT_BELOW_FULL, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sandbox", choices=["auto", "bwrap", "none"], default="auto", help="isolation for student code (default: bwrap when it works here; 'none' runs code unprotected)")
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="wall-clock limit per run (default: the assignment's)")
    parser.add_argument("--memory", type=int, metavar="MB", help="memory limit per run (default: the assignment's)")
    parser.add_argument("--threads", type=int, default=0, help="TensorFlow threads per run (default: TensorFlow's choice)")
    parser.add_argument("--rerun-reference", action="store_true", help="grade the reference solution again instead of using its cached result")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grader", description="Grade machine-learning notebook exercises: sandboxed runs, the grader's own evaluation, score reports.")
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade submissions and write report.json and report.md")
    grade.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION", help=".ipynb or .py files")
    grade.add_argument("--assignment", "-a", required=True, help="assignment name or folder")
    grade.add_argument("--out", "-o", type=Path, required=True, help="output folder (one subfolder per submission when several are given)")
    _common(grade)
    check = commands.add_parser("check", help="self-check one submission before handing it in")
    check.add_argument("submission", type=Path, metavar="SUBMISSION")
    check.add_argument("--assignment", "-a", help="assignment name or folder (default: read from the notebook)")
    check.add_argument("--out", "-o", type=Path, help="also write the reports here")
    _common(check)
    data = commands.add_parser("data", help="where the training data comes from; fetch it")
    data_commands = data.add_subparsers(dest="data_command", required=True)
    data_commands.add_parser("status", help="show where Fashion MNIST is found")
    fetch = data_commands.add_parser("fetch", help="download Fashion MNIST and verify its SHA-256")
    fetch.add_argument("--mirror", default=datasets.MIRROR, help="base URL of the four files")
    fetch.add_argument("--dest", type=Path, help="folder to store them in (default: the grader's cache)")
    commands.add_parser("doctor", help="show the sandbox, limits, data and TensorFlow this machine offers")
    commands.add_parser("list", help="list the assignments")
    return parser


def _options(arguments: argparse.Namespace, spec: specs.AssignmentSpec) -> Options:
    isolation = api.choose_isolation(arguments.sandbox)
    limits = spec.limits
    if arguments.timeout:
        limits = replace(limits, wall_seconds=arguments.timeout)
    if arguments.memory:
        limits = replace(limits, memory_mb=arguments.memory)
    return Options(isolation=isolation, limits=limits, threads=arguments.threads, use_reference_cache=not arguments.rerun_reference)


def report_folders(paths: Sequence[Path]) -> dict[Path, str]:
    """A distinct folder name per submission: its file name, or its folder's when names repeat."""
    stems = [path.stem for path in paths]
    return {path: path.stem if stems.count(path.stem) == 1 else f"{path.parent.name}-{path.stem}" for path in paths}


def _grade(arguments: argparse.Namespace) -> int:
    spec = specs.load(arguments.assignment)
    options = _options(arguments, spec)
    if options.isolation is Isolation.NONE:
        print(messages.UNSANDBOXED, file=sys.stderr)
    folders = report_folders(arguments.submissions)
    for path in arguments.submissions:
        out = arguments.out / folders[path] if len(folders) > 1 else arguments.out
        report = api.grade_to(path, spec, out, options)
        print(messages.graded_line(report, out))
    return EXIT_OK


def _check(arguments: argparse.Namespace) -> int:
    spec = specs.load(arguments.assignment or api.assignment_of(arguments.submission))
    options = _options(arguments, spec)
    if options.isolation is Isolation.NONE:
        print(messages.UNSANDBOXED, file=sys.stderr)
    print(messages.checking(arguments.submission, spec), file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="grader-check-") as scratch:
        report = api.grade_to(arguments.submission, spec, arguments.out or Path(scratch), options)
    print(api.terminal(report))
    return EXIT_OK if report.score == report.max_score else EXIT_BELOW_FULL


def _data(arguments: argparse.Namespace) -> int:
    if arguments.data_command == "fetch":
        source = datasets.fetch(arguments.dest, arguments.mirror)
        print(messages.fetched(source))
    print(datasets.status().describe())
    return EXIT_OK


def _doctor(_: argparse.Namespace) -> int:
    print(api.doctor())
    return EXIT_OK


def _list(_: argparse.Namespace) -> int:
    for name in specs.available():
        print(f"{name}\t{specs.load(name).title}")
    return EXIT_OK


COMMANDS = {"grade": _grade, "check": _check, "data": _data, "doctor": _doctor, "list": _list}


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        return COMMANDS[arguments.command](arguments)
    except (GraderError, datasets.DatasetUnavailable) as problem:
        print(f"grader: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(messages.INTERRUPTED, file=sys.stderr)
        return 130
