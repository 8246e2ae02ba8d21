"""``course.toml``: the course's title, its assignments with open and due dates, the late policy.

    [course]
    title = "Deep learning, autumn 2026"
    roster = "roster.csv"          # beside course.toml (default)
    handins = "handins"            # where hand-ins land: handins/<assignment>/<student>/ (default)
    assignments = "assignments"    # the course's own assignment folders, if any (default)
    grades = "grades"              # each assignment's batch folder: grades/<assignment>/ (default)

    [export]
    missing = "empty"              # a missing hand-in in Canvas/Moodle exports: "empty" (no grade) or "zero"
    canvas_id_column = "SIS User ID"   # where canvas.csv puts the roster id: "ID", "SIS User ID" or "SIS Login ID"

    [late]                         # the default late policy of every assignment
    policy = "penalty"             # "penalty": accepted, minus percent_per_day; "refuse": not accepted
    percent_per_day = 10           # of the points earned, per started day late
    max_days = 3                   # later than this: refused (penalty policy only)
    grace_minutes = 0              # hand-ins this late still count as on time

    [[assignments]]
    name = "fashion_mnist_callback"
    opens = 2026-11-02T09:00:00Z   # TOML datetimes; without an offset, UTC
    due = 2026-11-09T23:59:00Z
    late = { policy = "refuse" }   # optional: this assignment's own policy, over [late]
    canvas_id = 48213              # optional: the Canvas assignment id, so its gradebook column matches

Errors name the file, the key and the fix (``CourseError``), like ``assignment.toml``'s.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from grader.errors import CourseError

COURSE_FILE = "course.toml"
POLICIES = ("penalty", "refuse")
MISSING = ("empty", "zero")
CANVAS_ID_COLUMNS = ("ID", "SIS User ID", "SIS Login ID")


@dataclass(frozen=True)
class LatePolicy:
    policy: str = "penalty"
    percent_per_day: float = 10.0
    max_days: float = 3.0
    grace_minutes: float = 0.0


@dataclass(frozen=True)
class Lateness:
    """How a hand-in stands against its assignment's dates and late policy."""

    state: str  # "on_time", "late" (accepted with a penalty), "refused" (too late, or the policy refuses), "not_open"
    hours_late: float  # 0 when on time
    penalty_percent: float  # of the points earned; 0 when on time

    @property
    def accepted(self) -> bool:
        return self.state in ("on_time", "late")

    def apply(self, points: float) -> float:
        """The points after the penalty; 0 for a hand-in that is not accepted."""
        return points * (1 - self.penalty_percent / 100) if self.accepted else 0.0


@dataclass(frozen=True)
class CourseAssignment:
    name: str
    opens: datetime | None
    due: datetime
    late: LatePolicy
    canvas_id: int | None = None

    def lateness(self, handed_in: datetime) -> Lateness:
        handed_in = _utc(handed_in)
        if self.opens is not None and handed_in < self.opens:
            return Lateness("not_open", 0.0, 0.0)
        hours = (handed_in - self.due).total_seconds() / 3600
        if hours * 60 <= self.late.grace_minutes:
            return Lateness("on_time", 0.0, 0.0)
        if self.late.policy == "refuse" or hours / 24 > self.late.max_days:
            return Lateness("refused", hours, 100.0)
        days = math.ceil(hours / 24)
        return Lateness("late", hours, min(100.0, days * self.late.percent_per_day))

    def is_open(self, now: datetime) -> bool:
        return self.opens is None or _utc(now) >= self.opens


@dataclass(frozen=True)
class Course:
    folder: Path
    title: str
    assignments: tuple[CourseAssignment, ...]
    roster_file: Path
    handins: Path
    assignments_dir: Path
    grades: Path = Path("grades")
    missing: str = "empty"  # how Canvas and Moodle exports show a missing hand-in: "empty" or "zero"
    canvas_id_column: str = "SIS User ID"  # the Canvas column that holds the roster id

    @property
    def path(self) -> Path:
        return self.folder / COURSE_FILE

    def assignment(self, name: str) -> CourseAssignment:
        for assignment in self.assignments:
            if assignment.name == name:
                return assignment
        known = ", ".join(a.name for a in self.assignments) or "none"
        raise CourseError(self.path, "assignments", f"has no assignment named {name!r}", f"Add an [[assignments]] entry for it, or use one of: {known}.")

    def roster(self) -> tuple:
        from grader.course.roster import read_roster

        return read_roster(self.roster_file)

    def handins_of(self, name: str) -> Path:
        """Where the hand-ins of assignment ``name`` land: handins/<assignment>/<student>/..."""
        return self.handins / self.assignment(name).name

    def spec_source(self, name: str) -> str | Path:
        """Where to load assignment ``name`` from: the course's own assignments folder if it has it, else by name."""
        own = self.assignments_dir / name
        return own if (own / "assignment.toml").is_file() else name

    def batch_of(self, name: str) -> Path:
        """The batch folder of assignment ``name``: its gradebook, reports and summary."""
        return self.grades / self.assignment(name).name


def find_upward(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding a course.toml: the course repository an author works in.

    Used by authoring commands only (``grader list``, ``grader validate``); commands that run student
    code take ``--course`` explicitly, so that a student's folder cannot make itself a course.
    """
    for folder in (start.resolve(), *start.resolve().parents):
        if (folder / COURSE_FILE).is_file():
            return folder
    return None


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _moment(path: Path, key: str, value: Any, required: bool) -> datetime | None:
    if value is None and not required:
        return None
    if not isinstance(value, datetime):
        raise CourseError(path, key, f"is {value!r}", "Write a TOML date and time, e.g. 2026-11-09T23:59:00Z.")
    return _utc(value)


def _late(path: Path, key: str, data: Any, base: LatePolicy) -> LatePolicy:
    if not isinstance(data, dict):
        raise CourseError(path, key, "is not a table", 'Write e.g. late = { policy = "penalty", percent_per_day = 10 }.')
    unknown = sorted(set(data) - {"policy", "percent_per_day", "max_days", "grace_minutes"})
    if unknown:
        raise CourseError(path, f"{key}.{unknown[0]}", "is not a known key", "Use policy, percent_per_day, max_days or grace_minutes.")
    given: dict[str, Any] = {k: float(v) if k != "policy" and isinstance(v, (int, float)) and not isinstance(v, bool) else v for k, v in data.items()}
    policy = replace(base, **given)
    if policy.policy not in POLICIES:
        raise CourseError(path, f"{key}.policy", f"is {policy.policy!r}", f"Use one of: {', '.join(POLICIES)}.")
    for name in ("percent_per_day", "max_days", "grace_minutes"):
        value = getattr(policy, name)
        if not isinstance(value, float) or value < 0:
            raise CourseError(path, f"{key}.{name}", f"is {value!r}", "Give a number, 0 or more.")
    return policy


def load(folder: Path | str) -> Course:
    """The course in ``folder`` (its course.toml); raises ``CourseError`` naming file, key and fix."""
    folder = Path(folder).resolve()
    path = folder / COURSE_FILE
    if not path.is_file():
        raise CourseError(path, "course", "does not exist", f"Create {COURSE_FILE} in the course folder (see docs/batch.md, 'Running a week').")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise CourseError(path, "toml", f"is not valid TOML ({error})", "Fix the syntax.") from None
    head = data.get("course", {})
    if not isinstance(head, dict) or not isinstance(head.get("title", ""), str):
        raise CourseError(path, "course.title", "is missing or not text", 'Write [course] title = "...".')
    default_late = _late(path, "late", data.get("late", {}), LatePolicy())
    entries = data.get("assignments", [])
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise CourseError(path, "assignments", "is not a list of tables", "Write one [[assignments]] table per assignment.")
    assignments: list[CourseAssignment] = []
    for index, entry in enumerate(entries):
        key = f"assignments[{index}]"
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise CourseError(path, f"{key}.name", "is missing", "Name the assignment, as `grader list` shows it.")
        if name in (a.name for a in assignments):
            raise CourseError(path, f"{key}.name", f"repeats {name!r}", "List each assignment once.")
        opens = _moment(path, f"{key}.opens", entry.get("opens"), required=False)
        due = _moment(path, f"{key}.due", entry.get("due"), required=True)
        assert due is not None
        if opens is not None and opens >= due:
            raise CourseError(path, f"{key}.opens", "is not before its due date", "Open the assignment before it is due.")
        late = _late(path, f"{key}.late", entry.get("late", {}), default_late)
        canvas_id = entry.get("canvas_id")
        if canvas_id is not None and (not isinstance(canvas_id, int) or isinstance(canvas_id, bool) or canvas_id < 1):
            raise CourseError(path, f"{key}.canvas_id", f"is {canvas_id!r}", "Give the number in the assignment's Canvas address, e.g. 48213.")
        assignments.append(CourseAssignment(name, opens, due, late, canvas_id))

    def inside(key: str, default: str) -> Path:
        value = head.get(key, default)
        if not isinstance(value, str) or not value or Path(value).is_absolute() or ".." in Path(value).parts:
            raise CourseError(path, f"course.{key}", f"is {value!r}", "Give a folder or file name inside the course folder.")
        return folder / value

    export = data.get("export", {})
    if not isinstance(export, dict):
        raise CourseError(path, "export", "is not a table", 'Write [export] missing = "empty".')
    missing, canvas_column = export.get("missing", "empty"), export.get("canvas_id_column", "SIS User ID")
    if missing not in MISSING:
        raise CourseError(path, "export.missing", f"is {missing!r}", f"Use one of: {', '.join(MISSING)}.")
    if canvas_column not in CANVAS_ID_COLUMNS:
        raise CourseError(path, "export.canvas_id_column", f"is {canvas_column!r}", f"Use one of: {', '.join(CANVAS_ID_COLUMNS)}.")
    return Course(
        folder,
        head.get("title", folder.name),
        tuple(assignments),
        inside("roster", "roster.csv"),
        inside("handins", "handins"),
        inside("assignments", "assignments"),
        inside("grades", "grades"),
        missing,
        canvas_column,
    )
