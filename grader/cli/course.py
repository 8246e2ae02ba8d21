"""`grader roster`, `grader adjust` and `grader similarity`: a course team's week beyond the batch."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from grader.cli.common import EXIT_OK
from grader.course import config
from grader.course.config import Course
from grader.text import course as text


def register(commands: argparse._SubParsersAction) -> None:
    roster = commands.add_parser("roster", help="the course's roster: import one from the LMS")
    roster_commands = roster.add_subparsers(dest="roster_command", required=True)
    imported = roster_commands.add_parser("import", help="read an LMS roster CSV (id, name, e-mail, section) into COURSE/roster.csv")
    imported.add_argument("csv", type=Path, metavar="CSV", help="the LMS's export: columns such as 'SIS User ID', 'Name', 'Email', 'Section'")
    imported.add_argument("--course", type=Path, required=True, metavar="DIR", help="the course folder (its course.toml)")
    imported.set_defaults(run=roster_import_command)

    adjust = commands.add_parser("adjust", help="change a check's points by hand, with a comment; it outlives regrades")
    adjust.add_argument("student", metavar="STUDENT", help="the student id, as the gradebook has it")
    adjust.add_argument("assignment", metavar="ASSIGNMENT", help="the course's assignment (with --course), or the assignment of --batch")
    adjust.add_argument("--check", required=True, metavar="ID", help="the check to adjust, e.g. accuracy")
    adjust.add_argument(
        "--points",
        required=True,
        type=float,
        metavar="P",
        help="points added to the check's automatic points (negative takes away); 0 with no comment withdraws",
    )
    adjust.add_argument("--comment", default="", metavar="TEXT", help="why, for the student and the record")
    adjust.add_argument("--by", metavar="NAME", help="who makes it (default: your login name)")
    where = adjust.add_mutually_exclusive_group(required=True)
    where.add_argument("--course", type=Path, metavar="DIR", help="the course folder: the gradebook of ASSIGNMENT in its grades folder")
    where.add_argument("--batch", type=Path, metavar="OUT", help="a batch folder (the --out of `grader batch`)")
    adjust.set_defaults(run=adjust_command)

    similar = commands.add_parser("similarity", help="compare every pair of submissions' graded code; write similarity.html")
    similar.add_argument("batch", type=Path, metavar="OUT", help="the batch folder (the --out of `grader batch`)")
    similar.add_argument("--threshold", type=float, default=0.5, metavar="SHARE", help="show pairs with at least this share of matching code (default: 0.5)")
    similar.add_argument("--course", type=Path, metavar="DIR", help="the course folder, so summary.html keeps the roster's rows")
    similar.set_defaults(run=similarity_command)


def course_of(folder: Path | None) -> Course | None:
    return config.load(folder) if folder else None


def author(given: str | None) -> str:
    if given:
        return given
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "unknown")


def roster_import_command(arguments: argparse.Namespace) -> int:
    from grader.course.roster import import_roster

    course = config.load(arguments.course)
    students = import_roster(arguments.csv, course.roster_file)
    print(text.roster_imported(len(students), course.roster_file))
    return EXIT_OK


def _refresh(book, spec_name: str, out: Path, student: str | None, course: Course | None) -> None:
    """The student's report pages and summary.html again, with what changed in the gradebook."""
    from grader import spec as specs
    from grader.batch import summary
    from grader.course import pages
    from grader.errors import GraderError

    try:
        spec = specs.load(course.spec_source(spec_name) if course else spec_name)
    except GraderError:
        return  # the assignment is not on this machine: the gradebook is updated, the pages stay as they were
    if student:
        pages.annotate(book, spec, out / "reports" / student, student, course)
    summary.write(book, spec, out, course)


def adjust_command(arguments: argparse.Namespace) -> int:
    from grader.batch.gradebook import Gradebook
    from grader.course.book import open_batch

    course = course_of(arguments.course)
    out = course.batch_of(arguments.assignment) if course else arguments.batch
    with open_batch(course, arguments.assignment) if course else Gradebook.existing(arguments.batch) as book:
        made = book.adjust(arguments.student, arguments.check, arguments.points, arguments.comment, author(arguments.by))
        row = book.row(arguments.student)
        _refresh(book, book.meta("assignment") or arguments.assignment, out, arguments.student, course)
    print(text.adjusted(made.student, arguments.assignment, made.check_id, made.points, row.adjusted_score if row else None, row.max_score if row else None))
    return EXIT_OK


def similarity_command(arguments: argparse.Namespace) -> int:
    from grader import spec as specs
    from grader.batch.gradebook import Gradebook
    from grader.course.similarity import similarity
    from grader.errors import GraderError

    course = course_of(arguments.course)
    with Gradebook.existing(arguments.batch) as book:
        name = book.meta("assignment") or ""
    try:
        starter = specs.load(course.spec_source(name) if course else name).starter
    except GraderError:
        starter = None
    result = similarity(arguments.batch, arguments.threshold, starter)
    for why in result.left_out:
        print(why, file=sys.stderr)
    with Gradebook.existing(arguments.batch) as book:
        _refresh(book, name, arguments.batch, None, course)
    print(text.similarity_done(len(result.pairs), len(result.shown), arguments.threshold, result.page))
    return EXIT_OK
