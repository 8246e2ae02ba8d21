"""How to grade, as opposed to what: the operator's choices for one run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.sandbox.run import Isolation, Limits


@dataclass(frozen=True)
class Options:
    isolation: Isolation = Isolation.BWRAP
    limits: Limits | None = None  # replaces the assignment's limits when given
    threads: int = 0  # TensorFlow threads per run; 0 lets TensorFlow choose
    work_root: Path | None = None  # where private work folders are made; the system temp dir by default
    use_reference_cache: bool = True
    regrade: bool = False  # grade again even when the output folder holds this submission's report
