"""Stage 5, report: report.json for machines, report.md for the student, text for the terminal."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from grader.text import messages
from grader.text.messages import without_tensorflow_noise
from grader.grading.metrics import Metrics
from grader.options import Options
from grader.checks.scoring import CheckResult, Score
from grader.spec import AssignmentSpec
from grader.status import Status

if TYPE_CHECKING:
    from grader.pipeline import Measured

OUTPUT_KEPT = 20_000
TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("grader.reports", "templates"),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


def grader_version() -> str:
    try:
        return metadata.version("grader")
    except metadata.PackageNotFoundError:
        return "0+unknown"


@dataclass(frozen=True)
class Report:
    assignment: str
    assignment_version: str
    submission: str
    content_hash: str
    status: Status
    message: str
    score: float
    max_score: float
    checks: tuple[CheckResult, ...]
    metrics: Metrics | None
    reference: Metrics | None
    output: str
    output_truncated: bool
    sandbox: str
    duration_seconds: float
    graded_at: str
    grader_version: str
    notes: tuple[str, ...] = ()  # beside the checks: cells passed over, old API found, the data graded on, overrides

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "message": self.message,
            "score": self.score,
            "max_score": self.max_score,
            "assignment": self.assignment,
            "assignment_version": self.assignment_version,
            "submission": self.submission,
            "content_hash": self.content_hash,
            "checks": [
                {"id": c.id, "title": c.title, "passed": c.passed, "score": c.score, "max_score": c.max_score, "message": c.message}
                for c in self.checks
            ],
            "metrics": self.metrics.to_json() if self.metrics else None,
            "reference": self.reference.to_json() if self.reference else None,
            "output": self.output,
            "output_truncated": self.output_truncated,
            "sandbox": self.sandbox,
            "duration_seconds": round(self.duration_seconds, 2),
            "graded_at": self.graded_at,
            "grader_version": self.grader_version,
            "notes": list(self.notes),
        }




def _trimmed(text: str) -> tuple[str, bool]:
    text = without_tensorflow_noise(text)
    if len(text) <= OUTPUT_KEPT:
        return text, False
    half = OUTPUT_KEPT // 2
    return f"{text[:half]}\n… [{len(text) - OUTPUT_KEPT} characters cut] …\n{text[-half:]}", True


def build(
    spec: AssignmentSpec, measured: Measured, reference: Metrics | None, score: Score, options: Options, seconds: float
) -> Report:
    run = measured.execution.run if measured.execution else None
    output, cut = _trimmed(run.output if run else "")
    return Report(
        assignment=spec.name,
        assignment_version=spec.version,
        submission=measured.path.name,
        content_hash=measured.content_hash,
        status=measured.status,
        message=measured.message,
        score=score.score,
        max_score=score.max_score,
        checks=score.checks,
        metrics=measured.metrics,
        reference=reference,
        output=output,
        output_truncated=cut or bool(run and run.output_truncated),
        sandbox=options.isolation.value,
        duration_seconds=seconds,
        graded_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        grader_version=grader_version(),
        notes=measured.notes,
    )


def shown(metrics: Metrics | None, key: str) -> str:
    if metrics is None:
        return "—"
    if key == "epochs":
        return f"{metrics.epochs_run if metrics.epochs_run is not None else '—'} / {metrics.epochs_requested or '—'}"
    value = getattr(metrics, key)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:.4f}" if isinstance(value, float) else f"{value:,}"


METRIC_ROWS = (
    ("Held-out accuracy (measured by the grader)", "test_accuracy"),
    ("Training accuracy (measured by the grader)", "train_accuracy"),
    ("Epochs run / requested", "epochs"),
    ("Stopped in epoch", "stop_epoch"),
    ("Stopped by the graded callback", "stopped_by_callback"),
    ("Parameters", "params"),
)


def fence(text: str) -> str:
    """A Markdown code fence longer than any run of backticks in text, so printed output cannot close it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _render(report: Report, template: str) -> str:
    table = [(label, shown(report.metrics, key), shown(report.reference, key)) for label, key in METRIC_ROWS]
    unprotected = messages.UNSANDBOXED_REPORT if report.sandbox == "none" else ""
    return TEMPLATES.get_template(template).render(report=report, table=table, graded=report.status is Status.GRADED,
                                                   fence=fence(report.output), unprotected=unprotected)


def markdown(report: Report) -> str:
    return _render(report, "report.md.j2")


def terminal(report: Report) -> str:
    return _render(report, "terminal.txt.j2")


def write(report: Report, directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    as_json, as_markdown = directory / "report.json", directory / "report.md"
    as_json.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
    as_markdown.write_text(markdown(report), encoding="utf-8")
    return as_json, as_markdown
