"""Stage 4, score: each check of the spec runs on the context; its verdict becomes points and words.

Every check runs, whatever stopped the student's run: a check whose evidence is missing fails
with the reason it is missing, and the others score what they can (partial credit).
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.checks.facts import Context
from grader.checks.registry import run_check
from grader.spec import AssignmentSpec
from grader.text.checks import render


@dataclass(frozen=True)
class CheckResult:
    id: str
    title: str
    passed: bool
    score: float
    max_score: float
    message: str
    reason: str = ""


@dataclass(frozen=True)
class Score:
    checks: tuple[CheckResult, ...]

    @property
    def score(self) -> float:
        return sum(result.score for result in self.checks)

    @property
    def max_score(self) -> float:
        return sum(result.max_score for result in self.checks)


def score(spec: AssignmentSpec, context: Context) -> Score:
    results = []
    for check in spec.checks:
        verdict = run_check(check.id, context, check.arguments)
        points = check.points if verdict.passed else 0.0
        results.append(CheckResult(check.id, check.title, verdict.passed, points, check.points, render(verdict), verdict.reason))
    return Score(tuple(results))


def nothing_graded(spec: AssignmentSpec, message: str) -> Score:
    """Every check failed because the submission could not be read or graded at all."""
    return Score(tuple(CheckResult(check.id, check.title, False, 0.0, check.points, message, "not_graded") for check in spec.checks))
