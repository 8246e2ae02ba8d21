"""Whose doing a result is: graded to the end, stopped early by the submission, or a fault of the grader.

A submission that raised, could not be read, crashed or went over a limit stopped its own grading:
that is the student's to fix, and its score is 0. A fault of the grader or of the machine it ran on
(``internal``) is not the student's doing: its 0 is no score, and grading it again
(``--regrade internal``) is the operator's move. Progress lines, the final batch line and
summary.html count the three apart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from enum import Enum

from grader.status import Status


class Ending(Enum):
    GRADED = "graded"  # ran to the end: the checks decided the score
    STOPPED = "stopped"  # the submission stopped grading early (error, invalid, crashed, a limit)
    FAULT = "fault"  # the grader or its machine failed: not the student's doing
    PENDING = "pending"  # no finished grading (yet), or no hand-in


def ending(status: str) -> Ending:
    """The ending of a result with ``status`` (a ``Status`` value, or "pending"/"missing" for none)."""
    try:
        known = Status(status)
    except ValueError:
        return Ending.PENDING
    if known is Status.GRADED:
        return Ending.GRADED
    return Ending.STOPPED if known.student_caused else Ending.FAULT


def tally(statuses: Iterable[str]) -> Counter[Ending]:
    """How many results end each way; every ending is present, 0 when none does."""
    counted = Counter({kind: 0 for kind in Ending})
    counted.update(ending(status) for status in statuses)
    return counted


def by_ending(counts: dict[str, int]) -> dict[Ending, dict[str, int]]:
    """Status counts grouped by ending, each group by status name."""
    grouped: dict[Ending, dict[str, int]] = {kind: {} for kind in Ending}
    for status, count in sorted(counts.items()):
        grouped[ending(status)][status] = count
    return grouped
