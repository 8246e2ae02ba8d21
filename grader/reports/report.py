"""Stage 5, report: the ``Report`` of one grading, built in one place whatever happened, and its JSON.

``Report.of`` is the only constructor: a graded run, a file that could not be read, a grader
fault and a grading process that died all become a report through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from typing import Any

from grader.checks.scoring import CheckResult, Score
from grader.grading.cells import RanNotebook
from grader.grading.metrics import Metrics
from grader.status import Status


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
    notebook: RanNotebook | None = None  # the graded cells as they ran, for feedback.html

    @classmethod
    def of(
        cls,
        *,
        assignment: str,
        version: str,
        submission: str,
        status: Status,
        message: str,
        score: Score,
        content_hash: str = "",
        metrics: Metrics | None = None,
        reference: Metrics | None = None,
        output: str = "",
        output_truncated: bool = False,
        sandbox: str = "",
        seconds: float = 0.0,
        notes: tuple[str, ...] = (),
        notebook: RanNotebook | None = None,
    ) -> Report:
        return cls(
            assignment=assignment,
            assignment_version=version,
            submission=submission,
            content_hash=content_hash,
            status=status,
            message=message,
            score=score.score,
            max_score=score.max_score,
            checks=score.checks,
            metrics=metrics,
            reference=reference,
            output=output,
            output_truncated=output_truncated,
            sandbox=sandbox,
            duration_seconds=seconds,
            graded_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            grader_version=grader_version(),
            notes=notes,
            notebook=notebook,
        )

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
                {"id": c.id, "title": c.title, "passed": c.passed, "score": c.score, "max_score": c.max_score, "message": c.message, "reason": c.reason}
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
            "notebook": self.notebook.to_json() if self.notebook else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        """The inverse of ``to_json``."""
        return cls(
            assignment=data["assignment"],
            assignment_version=data["assignment_version"],
            submission=data["submission"],
            content_hash=data["content_hash"],
            status=Status(data["status"]),
            message=data["message"],
            score=float(data["score"]),
            max_score=float(data["max_score"]),
            checks=tuple(CheckResult(**check) for check in data["checks"]),
            metrics=Metrics.from_json(data["metrics"]) if data.get("metrics") else None,
            reference=Metrics.from_json(data["reference"]) if data.get("reference") else None,
            output=data["output"],
            output_truncated=bool(data["output_truncated"]),
            sandbox=data["sandbox"],
            duration_seconds=float(data["duration_seconds"]),
            graded_at=data["graded_at"],
            grader_version=data["grader_version"],
            notes=tuple(str(note) for note in data.get("notes", [])),
            notebook=RanNotebook.from_json(data["notebook"]) if data.get("notebook") else None,
        )
