"""`grader validate`, `grader new`, `grader assign` and `grader bundle`: proving assignments grade as
stated, starting new ones, making the starter from the reference, and bundling what students may hold."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from grader import api
from grader import spec as specs
from grader.cli.common import EXIT_BELOW_FULL, EXIT_OK
from grader.options import Options
from grader.text import authoring as authoring_text
from grader.text import validation as validation_words


def register(commands: argparse._SubParsersAction) -> None:
    validate = commands.add_parser(
        "validate",
        help="prove assignments grade as stated: the reference full marks twice, the starter 0 and what `grader assign` makes of the reference, each example its expected.toml",
    )
    validate.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="names or folders (default: every assignment `grader list` shows)")
    validate.add_argument("--jobs", "-j", type=int, default=0, help="gradings at once (default: one per core)")
    validate.add_argument("--threads", type=int, default=0, help="TensorFlow threads per grading (default: cores ÷ jobs, at least 1)")
    validate.add_argument(
        "--sandbox",
        choices=["auto", "bwrap", "none"],
        default="auto",
        help="isolation for the graded code (default: bwrap; when it cannot start here, a message says what to install)",
    )
    validate.add_argument("--out", "-o", type=Path, help="keep every case's reports here (default: a temporary folder)")
    validate.add_argument(
        "--course", type=Path, metavar="DIR", help="a course folder whose own assignments resolve by name (default: the nearest course.toml upward from here)"
    )
    validate.set_defaults(run=validate_command)
    new = commands.add_parser("new", help="scaffold a new assignment that `grader validate` passes as it comes")
    new.add_argument("name", metavar="NAME", help="the assignment's name, e.g. week2_callback")
    new.add_argument("--dir", type=Path, default=Path("."), help="the course repository: writes DIR/assignments/NAME and DIR/reference/NAME (default: here)")
    new.add_argument("--title", help="the assignment's title")
    new.set_defaults(run=new_command)
    assign = commands.add_parser("assign", help="make the starter notebook from the reference: solution regions become placeholders, outputs are cleared")
    assign.add_argument(
        "source", type=Path, metavar="SOURCE.ipynb", help="the reference solution, with `### START CODE HERE ###` or `### BEGIN SOLUTION` regions"
    )
    assign.add_argument(
        "--out",
        "-o",
        type=Path,
        metavar="STARTER.ipynb",
        help="where the starter goes (default: assignments/<name>/starter.ipynb for reference/<name>/solution.ipynb)",
    )
    assign.set_defaults(run=assign_command)
    bundle = commands.add_parser("bundle", help="write what students may hold: the spec, checks, starter and the reference's metrics, never its solution")
    bundle.add_argument("assignment", metavar="ASSIGNMENT", help="name or folder")
    bundle.add_argument("--out", "-o", type=Path, required=True, metavar="DIR", help="writes DIR/ASSIGNMENT/ (refused if it exists and is not empty)")
    bundle.add_argument(
        "--sandbox",
        choices=["auto", "bwrap", "none"],
        default="auto",
        help="isolation for grading the reference when its metrics are not cached (default: bwrap; when it cannot start here, a message says what to install)",
    )
    bundle.add_argument("--threads", type=int, default=0, help="TensorFlow threads for that grading (default: not set, so TensorFlow picks: one per core)")
    bundle.add_argument("--rerun-reference", action="store_true", help="grade the reference again instead of using its cached metrics")
    bundle.set_defaults(run=bundle_command)


def validate_command(arguments: argparse.Namespace) -> int:
    from grader import validate

    jobs = arguments.jobs or validate.default_jobs()
    options = Options(isolation=api.choose_isolation(arguments.sandbox), threads=arguments.threads or validate.threads_per_job(jobs))
    print(validation_words.validating(arguments.assignments, jobs, options.threads), file=sys.stderr)

    def progress(spec: specs.AssignmentSpec, outcome: validate.Outcome) -> None:
        print(validation_words.validated_case(spec, outcome), file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="grader-validate-") as scratch:
        from grader.course.config import find_upward

        course = arguments.course or find_upward(Path.cwd())
        found = validate.validate_all(arguments.assignments, options, arguments.out or Path(scratch), jobs, progress, course)
    print("\n\n".join(validation_words.validation_summary(validation) for validation in found))
    return EXIT_OK if all(validation.ok for validation in found) else EXIT_BELOW_FULL


def new_command(arguments: argparse.Namespace) -> int:
    from grader import scaffold

    print(validation_words.scaffolded(arguments.name, arguments.dir, scaffold.create(arguments.name, arguments.dir, arguments.title)))
    return EXIT_OK


def assign_command(arguments: argparse.Namespace) -> int:
    from grader.authoring import assign

    written, regions = assign.assign(arguments.source, arguments.out)
    print(authoring_text.assigned(arguments.source, written, regions))
    return EXIT_OK


def bundle_command(arguments: argparse.Namespace) -> int:
    from grader.authoring import bundle

    options = Options(isolation=api.choose_isolation(arguments.sandbox), threads=arguments.threads, use_reference_cache=not arguments.rerun_reference)
    written = bundle.bundle(arguments.assignment, arguments.out, options)
    print(authoring_text.bundled(written[0].parent, written, written[0].parent.name))
    return EXIT_OK
