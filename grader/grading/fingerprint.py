"""What a result depends on besides the submission: the grader, the assignment, the reference.

A batch skips a submission only when its content and this fingerprint are
unchanged since its last finished grading. The fingerprint covers the grader's
own code (trusted side, harness and templates), the assignment spec, the
reference solution and the TensorFlow and Keras versions, so fixing a check, a
threshold or the grader grades the class again; nothing else does.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from grader.grading import reference
from grader.reports.report import grader_version
from grader.spec import AssignmentSpec

PACKAGE = Path(__file__).resolve().parent.parent


@cache
def _sources() -> str:
    digest = hashlib.sha256()
    for path in sorted([*PACKAGE.rglob("*.py"), *PACKAGE.glob("reports/templates/*")]):
        digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def fingerprint(spec: AssignmentSpec) -> str:
    """``<grader version>+<assignment version>+<digest>``: equal only for identical grading."""
    digest = hashlib.sha256(f"{reference.cache_key(spec)}\0{_sources()}".encode()).hexdigest()[:16]
    return f"{grader_version()}+{spec.version}+{digest}"
