"""What the gradebook holds, as values: a student's current result, a person's adjustment, a pair of alike submissions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.checks.scoring import CheckResult


@dataclass(frozen=True)
class Row:
    """A student's current result; ``status`` is "pending" until a grading finished."""

    student: str
    file_name: str
    content_hash: str
    status: str
    score: float | None
    max_score: float | None
    message: str
    duration_seconds: float | None
    wall_seconds: float | None
    finished_at: str
    assignment_version: str
    grader_version: str
    attempts: int  # finished gradings of any of the student's hand-ins; interrupted ones do not count
    checks: tuple[CheckResult, ...]
    report: dict[str, Any] | None
    handed_in: str = ""  # ISO time the hand-in arrived, when a course says (see grader.course.handins)
    adjustments: tuple[Adjustment, ...] = ()  # the latest adjustment of each check, oldest first

    @property
    def adjustment(self) -> float:
        """The points the adjustments add (negative when they take points away)."""
        return sum(adjustment.points for adjustment in self.adjustments)

    @property
    def adjusted_score(self) -> float | None:
        """The automatic score with each adjusted check's points kept within 0 and its maximum."""
        if self.score is None:
            return None
        maxima = {check.id: check.max_score for check in self.checks}
        scores = {check.id: check.score for check in self.checks}
        change = sum(
            min(max(scores.get(a.check_id, 0.0) + a.points, 0.0), maxima.get(a.check_id, a.points)) - scores.get(a.check_id, 0.0) for a in self.adjustments
        )
        return round(self.score + change, 4)

    @property
    def needs_review(self) -> bool:
        return any(adjustment.needs_review for adjustment in self.adjustments)


@dataclass(frozen=True)
class Adjustment:
    """A person's change to one check's points, on top of the automatic result."""

    student: str
    check_id: str
    points: float  # added to the check's automatic points (negative takes away)
    comment: str
    author: str
    made_at: str
    content_hash: str  # the submission it was made on
    automatic: float  # the check's automatic points when it was made
    needs_review: bool = False  # the automatic result under it changed since (a new hand-in, or a regrade that scored otherwise)

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check_id,
            "points": self.points,
            "comment": self.comment,
            "author": self.author,
            "made_at": self.made_at,
            "automatic_points": self.automatic,
            "needs_review": self.needs_review,
        }


@dataclass(frozen=True)
class Pair:
    """Two students' graded code alike: ``score`` is the larger of the two shares of matching code."""

    first: str
    second: str
    score: float
    first_share: float
    second_share: float
