"""An unchanged submission is not graded again, and no report is trusted that the grader did not keep.

Each finished report is kept in the grader's own cache (``$GRADER_CACHE_DIR/reports``, a folder
the grader makes with mode 0700), under a key made of the hash of the submission's bytes, the
fingerprint of everything else its grade depends on (the grader, the assignment, the reference:
``fingerprint``) and the limits and sandbox it was graded with. While all of it is unchanged, the
kept report is the answer, in well under a second. Nothing in an output folder is ever read back:
a report or record planted there by a student counts for nothing.

A page rendered from a report (``kept_page``) is kept the same way, keyed by everything it is made
of, so answering from a kept report does not pay for nbconvert again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from grader.data.cache import cache_root
from grader.files import write_text
from grader.grading.fingerprint import fingerprint
from grader.options import Options
from grader.reports.report import Report
from grader.spec import AssignmentSpec
from grader.status import Status


def cache_dir() -> Path:
    folder = cache_root() / "reports"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    return folder


def key(name: str, content: bytes, spec: AssignmentSpec, options: Options) -> str:
    """The file's name counts too: reports name the file, so two copies under other names are graded apart.

    The spec as loaded counts as well as its files: a spec changed in code (the reference's own
    checks, without ``reference``) grades otherwise than the file it came from.
    """
    setup = f"{options.isolation.value} {options.limits} threads={options.threads}"
    as_graded = repr([(field.name, getattr(spec, field.name)) for field in dataclasses.fields(spec) if field.name != "folder"])
    parts = (hashlib.sha256(content).hexdigest(), name, fingerprint(spec), setup, spec.name, as_graded)
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _content(path: Path) -> bytes | None:
    try:
        return Path(path).read_bytes() if Path(path).is_file() else None
    except OSError:
        return None


def previous(path: Path, spec: AssignmentSpec, options: Options) -> Report | None:
    """The report this very submission got when graded the same way, from the grader's own cache."""
    content = _content(path)
    if content is None:
        return None
    try:
        data = json.loads((cache_dir() / f"{key(Path(path).name, content, spec, options)}.json").read_text())
        report = Report.from_json(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return None if report.status is Status.INTERNAL else report


def remember(path: Path, spec: AssignmentSpec, options: Options, report: Report) -> None:
    content = _content(path)
    if content is not None and report.status is not Status.INTERNAL:
        write_text(cache_dir() / f"{key(Path(path).name, content, spec, options)}.json", json.dumps(report.to_json()))


def kept_page(report: Report, spec: AssignmentSpec, student: str, render: Callable[[], str]) -> str:
    """The page ``render`` makes of this very report, for this student, by this grader and nbconvert: from the cache when kept."""
    parts = (json.dumps(report.to_json(), sort_keys=True), student, fingerprint(spec), metadata.version("nbconvert"))
    kept = cache_dir() / "pages" / f"{hashlib.sha256(chr(0).join(parts).encode()).hexdigest()}.html"
    try:
        return kept.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        pass
    page = render()
    try:
        write_text(kept, page)
    except OSError:  # a cache that cannot be written costs the next answer a render, never this page
        pass
    return page
