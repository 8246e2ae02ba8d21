"""When each student handed in: the LMS's manifest if there is one, else the entry's own mtime.

Hand-ins land in ``handins/<assignment>/<student>`` (a file, a folder or an archive per student).
A student's hand-in time comes from, in this order:

1. ``handins/<assignment>.submitted_at.csv``, a manifest beside the folder: a student id column
   (``student``, ``id``, ``SIS User ID``, ``Identifier``, ``Username``...) and a time column
   (``submitted_at`` as the Canvas API gives it, ``Last modified (submission)`` as Moodle's grading
   worksheet does, ``timestamp`` as nbgrader's exchange does). The manifest is the operator's
   override: write one to correct any time.
2. The entry's own modification time as it lies in ``handins/<assignment>/``: the file, or the
   student's folder itself, never a file inside it (``lstat``, no link followed). Copy a download
   with its times kept (``unzip``, ``cp -p``, ``rsync -t``); Canvas and Moodle set them to the
   submission's time in their "Download submissions" archives.

Times without an offset are UTC. Nothing inside a submission (a ``timestamp.txt`` a student could
write) decides a hand-in time.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from grader.errors import CourseError
from grader.files import refuse_link

STUDENT_COLUMNS = ("student", "id", "student id", "sis user id", "sis login id", "identifier", "username", "login id", "user")
TIME_COLUMNS = ("submitted_at", "submitted at", "submitted", "submission time", "last modified (submission)", "timestamp", "handed_in")
MOODLE_TIME = ("%A, %d %B %Y, %I:%M %p", "%A, %d %B %Y, %H:%M", "%d %B %Y, %I:%M %p")


def manifest_path(folder: Path) -> Path:
    """``handins/<assignment>.submitted_at.csv`` for the hand-in folder ``handins/<assignment>``."""
    return folder.with_name(f"{folder.name}.submitted_at.csv")


def parse_time(text: str) -> datetime | None:
    """An ISO 8601 time (a trailing Z allowed) or Moodle's "Monday, 9 November 2026, 11:59 PM"; naive means UTC."""
    text = text.strip()
    if not text or text in ("-", "null", "None"):
        return None
    try:
        moment = datetime.fromisoformat(text.replace(" UTC", "+00:00"))
    except ValueError:
        moment = None
        for layout in MOODLE_TIME:
            try:
                moment = datetime.strptime(text, layout)
                break
            except ValueError:
                continue
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    normal = [re.sub(r"\s+", " ", name.strip().lower()) for name in header]
    return next((normal.index(name) for name in names if name in normal), None)


def read_manifest(path: Path) -> dict[str, datetime]:
    """Student id → hand-in time from a manifest CSV; an absent file is an empty manifest."""
    if not os.path.lexists(path):
        return {}
    refuse_link(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    if not rows:
        return {}
    student, moment = _column(rows[0], STUDENT_COLUMNS), _column(rows[0], TIME_COLUMNS)
    if student is None or moment is None:
        raise CourseError(path, "header", f"has no student and time columns ({', '.join(rows[0])})", "Name them student,submitted_at.")
    times = {}
    for number, row in enumerate(rows[1:], start=2):
        if len(row) <= max(student, moment) or not row[student].strip():
            continue
        parsed = parse_time(row[moment])
        if parsed is None and row[moment].strip() not in ("", "-"):
            raise CourseError(path, f"row {number}", f"has the time {row[moment]!r}", "Write an ISO 8601 time such as 2026-11-09T21:14:00Z.")
        if parsed is not None:
            times[row[student].strip()] = parsed
    return times


def modified(source: Path) -> datetime:
    """The entry's own modification time (the file, or the folder itself), without following a link."""
    return datetime.fromtimestamp(os.lstat(source).st_mtime, timezone.utc)


def hand_in_times(folder: Path, entries: Iterable[Any]) -> dict[str, str]:
    """Student id → ISO hand-in time, for each entry (``.student``, ``.source``) of the hand-in folder."""
    manifest = read_manifest(manifest_path(folder))
    times = {}
    for entry in entries:
        student, source = entry.student, Path(entry.source)
        moment = manifest.get(student) or (modified(source) if os.path.lexists(source) else None)
        if moment is not None:
            times[student] = moment.isoformat(timespec="seconds")
    return times
