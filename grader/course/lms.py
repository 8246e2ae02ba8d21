"""A course's grades as its LMS imports them: Canvas gradebook CSV and Moodle grade import CSV.

Both hold one row per rostered student (in roster order by id) and one grade column per
assignment: the final points, after adjustments and late penalties. A missing hand-in is an
empty cell (no grade) or 0, as ``[export] missing`` in course.toml says. Students not on the
roster are left out: the LMS would not know them (``gradebook.csv`` flags them).

Canvas (Grades → Import), the layout of Canvas's own gradebook export::

    Student,ID,SIS User ID,SIS Login ID,Section,<assignment> (<canvas_id>),...
        Points Possible,,,,,100,...
    Ada Lovelace,,ada,ada@example.org,A,85,...

Canvas matches a row to a student by ID, SIS User ID or SIS Login ID; the roster id goes in the
column ``[export] canvas_id_column`` names (default "SIS User ID"). An assignment column named
``name (canvas_id)`` updates that Canvas assignment; without ``canvas_id`` Canvas offers to create
a new one, with the Points Possible row's points.

Moodle (Grades → Import → CSV file), the layout of Moodle's plain-text export::

    ID number,Full name,Email address,Section,Assignment: <name> (Real),Assignment: <name> (Feedback),...

On import, map "ID number" (or "Email address") to the user's ID number (or email), each
"(Real)" column to its grade item and each "(Feedback)" column to that item's feedback. Numbers use
a decimal point; an empty grade cell means no grade.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from grader.batch.export import Exported, adjustments_text, csv_text, write_exports
from grader.course.book import CourseRow, batch_rows, course_rows
from grader.course.config import Course
from grader.files import Folder

CANVAS, MOODLE = "canvas.csv", "moodle.csv"
CANVAS_FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_FIXED = ["ID number", "Full name", "Email address", "Section"]


def _grade(row: CourseRow | None, course: Course) -> float | None:
    final = row.final if row else None
    if final is None and (row is None or row.row is None) and course.missing == "zero":
        return 0.0
    return final


def _by_student(rows: Sequence[CourseRow]) -> dict[tuple[str, str], CourseRow]:
    return {(row.assignment, row.student): row for row in rows}


def _maxima(course: Course, rows: Sequence[CourseRow]) -> dict[str, float | None]:
    found: dict[str, float | None] = {assignment.name: None for assignment in course.assignments}
    for row in rows:
        if row.max_score is not None:
            found[row.assignment] = row.max_score
    return found


def canvas_csv(course: Course, rows: Sequence[CourseRow]) -> str:
    """Canvas's gradebook import: a header, the Points Possible row, one row per rostered student."""
    names = [assignment.name for assignment in course.assignments]
    columns = [f"{a.name} ({a.canvas_id})" if a.canvas_id else a.name for a in course.assignments]
    maxima, found = _maxima(course, rows), _by_student(rows)
    lines: list[list[object]] = [[*CANVAS_FIXED, *columns], ["    Points Possible", "", "", "", "", *(maxima[name] for name in names)]]
    where = CANVAS_FIXED.index(course.canvas_id_column)
    for person in course.roster():
        identity: list[object] = [person.name, "", "", "", person.section]
        identity[where] = person.id
        lines.append([*identity, *(_grade(found.get((name, person.id)), course) for name in names)])
    return csv_text(lines)


def _feedback(row: CourseRow | None) -> str:
    if row is None:
        return ""
    return " ".join(part for part in (row.note, adjustments_text(row)) if part)


def moodle_csv(course: Course, rows: Sequence[CourseRow]) -> str:
    """Moodle's grade import: identity columns, then a grade and a feedback column per assignment."""
    names = [assignment.name for assignment in course.assignments]
    found = _by_student(rows)
    header = [*MOODLE_FIXED, *(column for name in names for column in (f"Assignment: {name} (Real)", f"Assignment: {name} (Feedback)"))]
    lines: list[list[object]] = [list(header)]
    for person in course.roster():
        grades = [value for name in names for value in (_grade(found.get((name, person.id)), course), _feedback(found.get((name, person.id))))]
        lines.append([person.id, person.name, person.email, person.section, *grades])
    return csv_text(lines)


def write_lms(course: Course, rows: Sequence[CourseRow], to: Path) -> tuple[Path, ...]:
    with Folder.open(to) as folder:
        return folder.write_text(CANVAS, canvas_csv(course, rows)), folder.write_text(MOODLE, moodle_csv(course, rows))


def export_course(course: Course, to: Path | None = None) -> Exported:
    """Every graded assignment's exports into ``to/<assignment>/``, and canvas.csv and moodle.csv into ``to``."""
    to = Path(to or course.grades / "export")
    rows = course_rows(course)
    results: list[Path] = []
    written: list[Path] = []
    for assignment in course.assignments:
        if batch_rows(course, assignment.name):
            exported = write_exports([row for row in rows if row.assignment == assignment.name], assignment.name, to / assignment.name)
            results += exported.results
            written += exported.paths()
    return Exported(to, tuple(results), (*written, *write_lms(course, rows, to)))
