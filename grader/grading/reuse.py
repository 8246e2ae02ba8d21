"""An unchanged submission is not graded again.

Beside its reports, ``grader grade`` keeps ``.grader-reuse.json``: the hash of
the submission's bytes and of everything else its grade depends on (the
grader, the assignment, the reference: ``fingerprint``; the limits and the
sandbox). While all of it is unchanged, the report already in the folder is
the answer, read back in well under a second.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from grader.reports import report_json
from grader.grading.fingerprint import fingerprint
from grader.options import Options
from grader.reports.report import Report
from grader.spec import AssignmentSpec
from grader.status import Status

RECORD = ".grader-reuse.json"


def _key(path: Path, spec: AssignmentSpec, options: Options) -> dict[str, str]:
    limits = options.limits or spec.limits
    return {
        "content_hash": hashlib.sha256(Path(path).read_bytes()).hexdigest() if Path(path).is_file() else "",
        "fingerprint": fingerprint(spec),
        "settings": f"{options.isolation.value} {limits} threads={options.threads}",
    }


def previous(path: Path, spec: AssignmentSpec, out: Path, options: Options) -> Report | None:
    """The report in ``out`` if it was made from exactly this submission and this grading setup."""
    try:
        recorded = json.loads((out / RECORD).read_text())
        data = json.loads((out / "report.json").read_text())
    except (OSError, ValueError):
        return None
    if recorded != _key(path, spec, options) or data.get("status") == Status.INTERNAL.value:
        return None
    try:
        return report_json.from_json(data)
    except (KeyError, TypeError, ValueError):
        return None


def remember(path: Path, spec: AssignmentSpec, out: Path, options: Options) -> None:
    (out / RECORD).write_text(json.dumps(_key(path, spec, options)) + "\n")
