"""The library's front door: what the command line and other programs call."""

from __future__ import annotations

import json
import os
import platform
import traceback
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.data import fashion_mnist as datasets
from grader.text import messages
from grader.data import mnist
from grader.reports import report
from grader.grading import reuse
from grader import spec as specs
from grader.errors import GraderError, SandboxSetupError
from grader.options import Options
from grader.pipeline import grade_submission
from grader.reports.report import Report
from grader.sandbox.run import Isolation, Limits, support
from grader.spec import AssignmentSpec
from grader.status import Status

if TYPE_CHECKING:
    from grader.batch.run import BatchResult
    from grader.batch.export import Exported


def choose_isolation(choice: str = "auto") -> Isolation:
    """The isolation to use; refuses to run untrusted code unprotected unless asked to."""
    if choice == "none":
        return Isolation.NONE
    found = support()
    if found.isolation is Isolation.BWRAP:
        return Isolation.BWRAP
    raise SandboxSetupError(messages.no_sandbox(found.problems))


def _internal_report(path: Path, spec: AssignmentSpec, options: Options, error: BaseException) -> Report:
    return Report(
        assignment=spec.name,
        assignment_version=spec.version,
        submission=path.name,
        content_hash="",
        status=Status.INTERNAL,
        message=messages.internal_error(path, error),
        score=0.0,
        max_score=spec.max_score,
        checks=(),
        metrics=None,
        reference=None,
        output="".join(traceback.format_exception(error))[-20_000:],
        output_truncated=False,
        sandbox=options.isolation.value,
        duration_seconds=0.0,
        graded_at="",
        grader_version=report.grader_version(),
    )


def grade_to(path: Path, spec: AssignmentSpec, out: Path, options: Options) -> Report:
    """Grade one submission and write its reports to ``out``; every submission gets a report.

    When ``out`` already holds the report of this very submission graded the same way
    (``grader.grading.reuse``), that report is returned and nothing runs, unless ``options.regrade``.
    """
    path, out = Path(path), Path(out)
    earlier = None if options.regrade else reuse.previous(path, spec, out, options)
    if earlier is not None:
        return earlier
    try:
        graded = grade_submission(path, spec, options)
    except GraderError:
        raise
    except Exception as error:  # a grader bug must not cost the student a report
        graded = _internal_report(path, spec, options, error)
    report.write(graded, out)
    reuse.remember(path, spec, out, options)
    return graded


def grade_batch(source: Path, spec: AssignmentSpec, out: Path, options: Options, **settings: Any) -> BatchResult:
    """Grade a class folder into ``out`` (gradebook, reports, summary.html); resumable, see ``grader.batch.run``."""
    from grader.batch.run import grade_batch as grade_class

    return grade_class(Path(source), spec, Path(out), options, **settings)


def export_gradebook(folder: Path, to: Path | None = None) -> Exported:
    """gradebook.csv, Gradescope results.json and JUnit XML from a batch's gradebook."""
    from grader.batch.export import export

    return export(Path(folder), to)


def terminal(graded: Report) -> str:
    return report.terminal(graded)


def assignment_of(path: Path) -> str:
    """The assignment a notebook names in its metadata (``metadata.grader.assignment``)."""
    try:
        name = json.loads(Path(path).read_text(encoding="utf-8"))["metadata"]["grader"]["assignment"]
    except (OSError, ValueError, KeyError, TypeError):
        name = None
    if not isinstance(name, str):
        raise GraderError(messages.no_assignment_named(Path(path)))
    return name


def doctor() -> str:
    """What this machine offers the grader, one line each."""
    found = support()
    lines = [
        *messages.doctor_sandbox(found, Limits(), {name: _limits_of(name) for name in specs.available()}),
        f"data: {datasets.status().describe()}",
        f"data: {mnist.describe()}",
        f"python: {platform.python_version()} on {platform.system()} {platform.machine()}",
        f"cores: {os.cpu_count()}",
    ]
    lines.append(f"tensorflow: {_version('tensorflow-cpu') or _version('tensorflow') or 'not installed'}, keras {_version('keras')}")
    return "\n".join(lines)


def _limits_of(name: str) -> Limits | str:
    try:
        return specs.load(name).limits
    except GraderError as problem:
        return str(problem)


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


