"""The library's front door: what the command line and other programs call."""

from __future__ import annotations

import json
import os
import platform
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader import spec as specs
from grader.data import fashion_mnist as datasets
from grader.data import mnist
from grader.errors import GraderError, SandboxSetupError
from grader.options import Options
from grader.pipeline import grade_submission, grade_to  # noqa: F401  (the library's front door)
from grader.reports.report import Report
from grader.sandbox.run import Isolation, Limits, support
from grader.spec import AssignmentSpec
from grader.text import messages

if TYPE_CHECKING:
    from grader.batch.export import Exported
    from grader.batch.run import BatchResult


def choose_isolation(choice: str = "auto", own_code: bool = False) -> Isolation:
    """The isolation to use; refuses to run untrusted code unprotected unless asked to.

    ``own_code``: a student checking their own notebook (``grader check``) where no sandbox can start
    runs it unprotected, as Jupyter does; grading anyone else's work still refuses.
    """
    if choice == "none":
        return Isolation.NONE
    found = support()
    if found.isolation is Isolation.BWRAP:
        return Isolation.BWRAP
    if own_code and choice == "auto":
        return Isolation.NONE
    raise SandboxSetupError(messages.no_sandbox(found.problems))


def grade_batch(source: Path, spec: AssignmentSpec, out: Path, options: Options, **settings: Any) -> BatchResult:
    """Grade a class folder into ``out`` (gradebook, reports, summary.html); resumable, see ``grader.batch.run``."""
    from grader.batch.run import grade_batch as grade_class

    return grade_class(Path(source), spec, Path(out), options, **settings)


def export_gradebook(folder: Path, to: Path | None = None) -> Exported:
    """gradebook.csv, Gradescope results.json and JUnit XML from a batch's gradebook."""
    from grader.batch.export import export

    return export(Path(folder), to)


def terminal(graded: Report) -> str:
    from grader.reports.render import terminal as render

    return render(graded)


def assignment_of(path: Path) -> str:
    """The assignment a notebook names in its metadata (``metadata.grader.assignment``): a name, never a path.

    The name is only looked up among the assignments the grader knows (``spec.load(..., by_name_only=True)``).
    """
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
