"""A ``Report`` read back from its report.json: the gradebook stores reports as JSON."""

from __future__ import annotations

from typing import Any

from grader.grading.metrics import Metrics
from grader.reports.report import Report
from grader.checks.scoring import CheckResult
from grader.status import Status


def from_json(data: dict[str, Any]) -> Report:
    """The inverse of ``Report.to_json``."""
    return Report(
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
    )
