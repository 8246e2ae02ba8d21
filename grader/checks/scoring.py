"""Stage 4, score: each check's verdict becomes points; a run that did not finish scores 0."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from grader.text import messages
from grader.checks import run_check
from grader.spec import AssignmentSpec


@dataclass(frozen=True)
class CheckResult:
    id: str
    title: str
    passed: bool
    score: float
    max_score: float
    message: str


@dataclass(frozen=True)
class Score:
    checks: tuple[CheckResult, ...]

    @property
    def score(self) -> float:
        return sum(result.score for result in self.checks)

    @property
    def max_score(self) -> float:
        return sum(result.max_score for result in self.checks)


def score(spec: AssignmentSpec, context: Mapping[str, Any]) -> Score:
    results = []
    for check in spec.checks:
        verdict = run_check(check.id, context)
        points = check.points if verdict.passed else 0.0
        results.append(CheckResult(check.id, check.title, verdict.passed, points, check.points, verdict.message))
    return Score(tuple(results))


def nothing_graded(spec: AssignmentSpec) -> Score:
    """Every check failed because grading could not run to its end."""
    message = messages.not_graded()
    return Score(tuple(CheckResult(check.id, check.title, False, 0.0, check.points, message) for check in spec.checks))
