"""`grader grade` and `grader check`: one or a few submissions, reports written or shown."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import grader.cli.common as common  # the argument checks (require_*), before anything is graded
from grader import api
from grader.cli.common import EXIT_BELOW_FULL, EXIT_INTERNAL, EXIT_OK, add_grading_options, options_of, report_folders, spec_of
from grader.sandbox.run import Isolation
from grader.status import Status
from grader.text import messages


def register(commands: argparse._SubParsersAction) -> None:
    grade = commands.add_parser("grade", help="grade submissions and write report.json and report.md")
    grade.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION", help=".ipynb or .py files")
    grade.add_argument("--assignment", "-a", required=True, help="assignment name or folder")
    grade.add_argument("--out", "-o", type=Path, required=True, help="output folder (one subfolder per submission when several are given)")
    _add_regrade(grade)
    add_grading_options(grade)
    grade.set_defaults(run=grade_command)
    check = commands.add_parser("check", help="self-check one submission before handing it in")
    check.add_argument("submission", type=Path, metavar="SUBMISSION", help="your .ipynb file (or a .py module, with --assignment)")
    check.add_argument("--assignment", "-a", help="assignment name or folder (default: read from the notebook)")
    check.add_argument("--out", "-o", type=Path, help="also write the reports here (default: shown only, kept nowhere)")
    _add_regrade(check)
    add_grading_options(check)
    check.set_defaults(run=check_command)


def _add_regrade(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--regrade",
        action="store_true",
        help="grade again even if this very submission was graded the same way before (by default its kept report is the answer)",
    )


def grade_command(arguments: argparse.Namespace) -> int:
    common.require_gradable(arguments.submissions, arguments.out)  # argument check: exit 2 before any grading
    spec = spec_of(arguments, arguments.assignment)
    options = options_of(arguments, spec)
    if options.isolation is Isolation.NONE:
        print(messages.UNSANDBOXED, file=sys.stderr)
    folders = report_folders(arguments.submissions)
    statuses = set()
    for path in arguments.submissions:
        out = arguments.out / folders[path] if len(folders) > 1 else arguments.out
        report = api.grade_to(path, spec, out, options)
        statuses.add(report.status)
        print(messages.graded_line(report, out))
    return EXIT_INTERNAL if Status.INTERNAL in statuses else EXIT_OK


def check_command(arguments: argparse.Namespace) -> int:
    common.require_checkable(arguments.submission, arguments.assignment, arguments.out)  # argument check: exit 2 before any grading
    if arguments.assignment:
        spec = spec_of(arguments, arguments.assignment)
    else:  # a name the notebook gives: looked up among the known assignments, never as a path
        spec = spec_of(arguments, api.assignment_of(arguments.submission), by_name_only=True)
    options = options_of(arguments, spec, own_code=True)
    if options.isolation is Isolation.NONE:
        print(messages.OWN_CODE_UNSANDBOXED if arguments.sandbox == "auto" else messages.UNSANDBOXED, file=sys.stderr)
    print(messages.checking(arguments.submission, spec), file=sys.stderr)

    def progress(event: dict) -> None:
        line = messages.progress_event(event)
        if line:
            print(line, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="grader-check-") as scratch:
        report = api.grade_to(arguments.submission, spec, arguments.out or Path(scratch), options, progress)
    print(api.terminal(report))
    return EXIT_OK if report.score == report.max_score else EXIT_BELOW_FULL
