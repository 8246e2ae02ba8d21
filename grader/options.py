"""How to grade, as opposed to what: the operator's choices for one run."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from grader.sandbox.limits import Limits
from grader.sandbox.run import Isolation

if TYPE_CHECKING:
    from grader.spec import AssignmentSpec


@dataclass(frozen=True)
class Options:
    isolation: Isolation = Isolation.BWRAP
    limits: Limits | None = None  # replaces the assignment's limits when given
    threads: int = 0  # TensorFlow threads per run; 0 lets TensorFlow choose
    work_root: Path | None = None  # where private work folders are made; the system temp dir by default
    use_reference_cache: bool = True
    regrade: bool = False  # grade again even when this very submission was graded the same way before

    def resolved(self, spec: AssignmentSpec) -> Options:
        """These options with the limits in force: the operator's, else the assignment's. Resolved once per grading."""
        return self if self.limits is not None else replace(self, limits=spec.limits)


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity), else all of the machine's."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def threads_per_job(jobs: int) -> int:
    """TensorFlow threads per grading when ``jobs`` run at once, so that they share the cores instead of fighting over them."""
    return max(1, usable_cores() // max(1, jobs))
