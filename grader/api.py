"""The library's front door: what the command line and other programs call."""

from __future__ import annotations

import json
import os
import platform
import traceback
from importlib import metadata
from pathlib import Path

from grader import datasets, messages, report
from grader.errors import GraderError, SandboxSetupError
from grader.options import Options
from grader.pipeline import grade_submission
from grader.report import Report
from grader.sandbox import Isolation, support
from grader.spec import AssignmentSpec
from grader.status import Status


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
    """Grade one submission and write its reports to ``out``; every submission gets a report."""
    try:
        graded = grade_submission(path, spec, options)
    except GraderError:
        raise
    except Exception as error:  # a grader bug must not cost the student a report
        graded = _internal_report(Path(path), spec, options, error)
    report.write(graded, out)
    return graded


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
        f"sandbox: {found.isolation.value if found.isolation else 'NONE AVAILABLE'}",
        f"  memory limit: {found.memory_limit}",
        f"  process limit: {found.process_limit}",
        *(f"  problem: {problem}" for problem in found.problems),
        f"data: {datasets.status().describe()}",
        f"python: {platform.python_version()} on {platform.system()} {platform.machine()}",
        f"cores: {os.cpu_count()}",
    ]
    lines.append(f"tensorflow: {_version('tensorflow-cpu') or _version('tensorflow') or 'not installed'}, keras {_version('keras')}")
    return "\n".join(lines)


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


