"""The course's gradebook: one row per rostered student and assignment, graded or not.

Each assignment's results live in its batch folder (``grades/<assignment>/gradebook.sqlite``);
this module joins them with the roster and the late policy:

    CourseRow   student × assignment: the hand-in state (missing, on time, late, refused), its
                hours late and penalty, the automatic score, the adjustments, the final points

Final points = the automatic score with the adjustments (each adjusted check kept within 0 and
its maximum), then the late penalty (a percentage of those points; 0 when refused). Students
who handed in but are not on the roster get rows too, flagged ``rostered=False``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from grader.batch.gradebook import FILE, Gradebook
from grader.batch.records import Adjustment, Row
from grader.course.config import Course, CourseAssignment, Lateness
from grader.course.roster import Student
from grader.errors import GraderError
from grader.files import refuse_link
from grader.text import course as text


@dataclass(frozen=True)
class CourseRow:
    student: str
    assignment: str
    person: Student | None  # the roster's entry; None when not on the roster (or no roster)
    rostered: bool
    handin: str  # "missing"; the lateness: "on_time", "late", "refused", "not_open"; "handed_in" when no dates apply
    lateness: Lateness | None  # None when missing, or when no course dates apply
    row: Row | None  # the gradebook's row; None when nothing was handed in

    @property
    def status(self) -> str:
        """The grading status, or "missing"."""
        return self.row.status if self.row else "missing"

    @property
    def automatic(self) -> float | None:
        return self.row.score if self.row else None

    @property
    def max_score(self) -> float | None:
        return self.row.max_score if self.row else None

    @property
    def adjustments(self) -> tuple[Adjustment, ...]:
        return self.row.adjustments if self.row else ()

    @property
    def final(self) -> float | None:
        """The points after adjustments and the late penalty; None when missing or not graded yet."""
        if self.row is None or self.row.status == "pending" or self.row.adjusted_score is None:
            return None
        points = self.row.adjusted_score
        return round(self.lateness.apply(points) if self.lateness else points, 2)

    @property
    def note(self) -> str:
        """One line on the hand-in for a student or an LMS: late, refused, missing."""
        if self.row is None:
            return text.missing_note()
        if self.lateness is None or self.lateness.state == "on_time":
            return ""
        if self.lateness.state == "late":
            return text.late_note(self.lateness.hours_late, self.lateness.penalty_percent)
        return text.refused_note(self.lateness.hours_late) if self.lateness.state == "refused" else text.not_open_note()


def _lateness(assignment: CourseAssignment | None, row: Row) -> Lateness | None:
    if assignment is None or not row.handed_in:
        return None
    return assignment.lateness(datetime.fromisoformat(row.handed_in))


def assignment_rows(name: str, rows: Iterable[Row], roster: tuple[Student, ...] = (), assignment: CourseAssignment | None = None) -> tuple[CourseRow, ...]:
    """Every rostered student's row for one assignment (missing ones included), then those not on the roster."""
    by_student = {row.student: row for row in rows}
    people = {person.id: person for person in roster}
    found = []
    for student in sorted(set(people) | set(by_student)):
        row = by_student.get(student)
        lateness = _lateness(assignment, row) if row else None
        handin = "missing" if row is None else lateness.state if lateness else "handed_in"
        found.append(CourseRow(student, name, people.get(student), student in people or not roster, handin, lateness, row))
    return tuple(found)


def batch_rows(course: Course, name: str) -> tuple[Row, ...]:
    """The gradebook rows of assignment ``name``; none when it has not been graded yet."""
    path = course.batch_of(name) / FILE
    refuse_link(path)
    if not path.is_file():
        return ()
    with Gradebook(path) as book:
        return book.rows()


def course_rows(course: Course, names: Iterable[str] | None = None) -> tuple[CourseRow, ...]:
    """Roster × assignments (all of the course's, or ``names``), by assignment then student."""
    roster = course.roster()
    found: list[CourseRow] = []
    for name in names or [assignment.name for assignment in course.assignments]:
        found += assignment_rows(name, batch_rows(course, name), roster, course.assignment(name))
    return tuple(found)


def open_batch(course: Course, name: str) -> Gradebook:
    """The gradebook of assignment ``name``, which must exist."""
    folder = course.batch_of(name)
    refuse_link(folder / FILE)
    if not (folder / FILE).is_file():
        raise GraderError(text.no_course_batch(name, folder))
    return Gradebook(folder / FILE)


def batch_folder(course: Course | None, name: str, given: Path | None) -> Path:
    """The batch folder: the one given, else the course's grades/<assignment>."""
    if given is not None:
        return Path(given)
    if course is None:
        raise GraderError(text.batch_needs_submissions())
    return course.batch_of(name)
