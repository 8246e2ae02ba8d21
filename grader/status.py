"""The closed, ordered set of outcomes a grading run can end in.

Every stage returns one of these with a message instead of raising. The order
of the members is their precedence: when two stages report trouble, the
report's headline is the one listed first.
"""

from __future__ import annotations

from enum import Enum


class Status(Enum):
    """Why grading ended; ``GRADED`` means it ran to its end."""

    INTERNAL = "internal"  # a fault of the grader itself; the report says so
    REFUSED = "refused"  # no sandbox could start and --sandbox none was not given
    INVALID = "invalid"  # the file cannot be read as a submission
    CRASHED = "crashed"  # the process running the student's code died
    MEMORY = "memory"  # memory limit breached
    TIMEOUT = "timeout"  # wall-clock limit breached
    CPU_TIME = "cpu_time"  # CPU-time limit breached
    OUTPUT = "output"  # captured output limit breached
    ERROR = "error"  # the student's code raised, or a graded name is missing
    GRADED = "graded"  # grading ran to its end; the checks decide the score

    @property
    def precedence(self) -> int:
        return list(Status).index(self)

    @classmethod
    def headline(cls, *statuses: Status) -> Status:
        """The status that names the run: the most severe one given."""
        return min(statuses, key=lambda status: status.precedence)
