"""`grader batch` and `grader export`: a whole class into a gradebook, and the gradebook out."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from grader import api
from grader.cli.common import EXIT_OK, add_grading_options, options_of, require_out, spec_of
from grader.course.config import load as load_course
from grader.errors import GraderError
from grader.sandbox.run import Isolation
from grader.status import Status
from grader.text import batch as batch_words
from grader.text import course as course_text
from grader.text import messages


def register(commands: argparse._SubParsersAction) -> None:
    batch = commands.add_parser("batch", help="grade a whole class: parallel, resumable, a gradebook and HTML reports")
    batch.add_argument(
        "submissions",
        type=Path,
        nargs="?",
        metavar="SUBMISSIONS",
        help="folder (or .zip/.tar.gz) with one file or folder per student; the name is the student id (default with --course: COURSE/handins/ASSIGNMENT)",
    )
    batch.add_argument("--assignment", "-a", required=True, help="assignment name or folder")
    batch.add_argument(
        "--out", "-o", type=Path, help="batch folder: gradebook.sqlite, summary.html, reports/<student>/ (default with --course: COURSE/grades/ASSIGNMENT)"
    )
    batch.add_argument("--course", type=Path, metavar="DIR", help="a course folder (course.toml, roster.csv): hand-in times, late policy, the roster's rows")
    batch.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=0,
        help="submissions graded at once (default: one per core); each gets cores ÷ jobs TensorFlow threads unless --threads says otherwise",
    )
    batch.add_argument("--cluster", metavar="ADDRESS", help="grade on the workers of a Dask scheduler, e.g. tcp://10.0.0.5:8786")
    batch.add_argument(
        "--regrade",
        nargs="?",
        const="all",
        metavar="STATUSES",
        help="grade again even if unchanged: all (the default), or a comma list of statuses such as internal,crashed",
    )
    batch.add_argument("--progress", choices=["auto", "bar", "lines"], default="auto", help="a live bar on a terminal, plain lines otherwise (default: auto)")
    add_grading_options(batch, threads_default="cores ÷ jobs, at least 1; with --cluster, each machine's cores ÷ its Dask worker threads")
    batch.set_defaults(run=batch_command)
    export = commands.add_parser("export", help="write gradebook.csv, Gradescope results.json and JUnit XML from a batch's gradebook")
    export.add_argument(
        "batch", type=Path, nargs="?", metavar="BATCH", help="the --out folder of `grader batch` (default with --course: every assignment of the course)"
    )
    export.add_argument("--to", type=Path, help="folder to write to (default: BATCH/export, or COURSE/grades/export)")
    export.add_argument("--course", type=Path, metavar="DIR", help="a course folder: the roster's rows, late penalties, and canvas.csv and moodle.csv")
    export.set_defaults(run=export_command)


def regrade_choice(choice: str | None) -> frozenset[str] | None:
    if choice is None:
        return None
    chosen = frozenset(part.strip() for part in choice.split(",") if part.strip())
    known = {"all", *(status.value for status in Status)}
    if not chosen or chosen - known:
        raise GraderError(batch_words.bad_regrade(choice, sorted(known - {"all"})))
    return chosen


def course_places(arguments: argparse.Namespace) -> tuple[Any, Path, Path, str | Path]:
    """The course (or None), the submissions and batch folders, and where the assignment loads from."""
    if arguments.course is None:
        if arguments.submissions is None or arguments.out is None:
            raise GraderError(course_text.batch_needs_submissions())
        return None, arguments.submissions, arguments.out, arguments.assignment
    course = load_course(arguments.course)
    name = course.assignment(arguments.assignment).name
    submissions = arguments.submissions or course.handins_of(name)
    if not submissions.exists():
        raise GraderError(course_text.no_handins(submissions, name))
    return course, submissions, arguments.out or course.batch_of(name), course.spec_source(name)


def batch_command(arguments: argparse.Namespace) -> int:
    from grader.batch.progress import for_stream

    course, submissions, out, source = course_places(arguments)
    require_out(out)
    spec = spec_of(arguments, str(source))
    options = options_of(arguments, spec)
    if options.isolation is Isolation.NONE:
        print(messages.UNSANDBOXED, file=sys.stderr)
    try:
        result = api.grade_batch(
            submissions,
            spec,
            out,
            options,
            jobs=arguments.jobs,
            cluster=arguments.cluster,
            regrade=regrade_choice(arguments.regrade),
            progress=for_stream(arguments.progress),
            course=course,
        )
    except KeyboardInterrupt:
        print(batch_words.BATCH_INTERRUPTED, file=sys.stderr)
        return 130
    print(batch_words.batch_done(result))
    return EXIT_OK


def export_command(arguments: argparse.Namespace) -> int:
    if arguments.course is not None:
        from grader.batch.export import export
        from grader.course.lms import export_course

        course = load_course(arguments.course)
        exported = export_course(course, arguments.to) if arguments.batch is None else export(arguments.batch, arguments.to, course)
        print(batch_words.exported(exported.paths()))
        return EXIT_OK
    if arguments.batch is None:
        raise GraderError(course_text.export_needs_batch())
    print(batch_words.exported(api.export_gradebook(arguments.batch, arguments.to).paths()))
    return EXIT_OK
