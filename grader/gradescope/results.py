"""A report as Gradescope's results.json, through the same conversion `grader export` uses."""

from __future__ import annotations

from typing import Any

from grader.batch.export import gradescope
from grader.batch.records import Row
from grader.checks.scoring import CheckResult
from grader.course.book import CourseRow


def results_json(report: dict[str, Any], student: str = "submission") -> dict[str, Any]:
    """results.json for one report.json: one test per check, the score, the message as output."""
    row = Row(
        student=student,
        file_name=report["submission"],
        content_hash=report["content_hash"],
        status=report["status"],
        score=report["score"],
        max_score=report["max_score"],
        message=report["message"],
        duration_seconds=report["duration_seconds"],
        wall_seconds=None,
        finished_at=report["graded_at"],
        assignment_version=report["assignment_version"],
        grader_version=report["grader_version"],
        attempts=1,
        checks=tuple(CheckResult(**check) for check in report["checks"]),
        report=report,
    )
    return gradescope(CourseRow(student, report["assignment"], None, True, "handed_in", None, row))


def setup_fault(problem: str, max_score: float) -> dict[str, Any]:
    """results.json when this container cannot grade at all: no points, the reason for the instructor."""
    return {
        "score": 0.0,
        "execution_time": 0.0,
        "output": problem,
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [{"name": "Grading could not run", "score": 0.0, "max_score": max_score, "status": "failed", "output": problem, "visibility": "visible"}],
    }
