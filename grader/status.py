"""The closed set of outcomes a grading run can end in.

Every stage returns one of these with a message instead of raising. The members are listed from
the grader's own fault down to a run that reached its end; ``grading/run.py`` ``verdict`` decides,
in that order, which one names a run.
"""

from __future__ import annotations

from enum import Enum


class Status(Enum):
    """Why grading ended; ``GRADED`` means it ran to its end."""

    INTERNAL = "internal"  # a fault of the grader itself; the report says so
    INVALID = "invalid"  # the file cannot be read as a submission
    CRASHED = "crashed"  # the process running the student's code died
    MEMORY = "memory"  # memory limit breached
    TIMEOUT = "timeout"  # wall-clock limit breached
    CPU_TIME = "cpu_time"  # CPU-time limit breached
    OUTPUT = "output"  # captured output limit breached
    ERROR = "error"  # the student's code raised, or a graded name is missing
    GRADED = "graded"  # grading ran to its end; the checks decide the score

    @property
    def student_caused(self) -> bool:
        """Whether the submission, not the grader, is why grading stopped short (``GRADED`` is not a stop)."""
        return self not in (Status.INTERNAL, Status.GRADED)
