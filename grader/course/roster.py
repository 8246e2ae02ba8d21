"""The roster: who is in the course. A CSV with ``id``, ``name``, ``email`` and an optional ``section``.

``import_roster`` reads the CSV an LMS exports (columns matched by name, case and spaces ignored;
common aliases such as "Student ID", "SIS User ID", "Email address" and "Full name" accepted; in a
Canvas export, "Student" is the name and "SIS User ID" wins over Canvas's own "ID") and
writes the course's own ``roster.csv``. Ids are the student ids the gradebook uses.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from grader.errors import CourseError
from grader.files import refuse_link, write_text

FIELDS = ("id", "name", "email", "section")
ALIASES = {
    "id": ("student id", "studentid", "sis user id", "id", "id number", "sis login id", "login id", "username", "user id"),
    "name": ("name", "full name", "student name", "display name", "student"),
    "email": ("email", "e-mail", "email address", "e-mail address", "mail"),
    "section": ("section", "group", "sections"),
}
ID = re.compile(r"[\w.@+-]{1,100}")


@dataclass(frozen=True)
class Student:
    id: str
    name: str
    email: str
    section: str = ""


def _column(header: list[str], field: str) -> int | None:
    normal = [re.sub(r"\s+", " ", name.strip().lower()) for name in header]
    return next((normal.index(alias) for alias in ALIASES[field] if alias in normal), None)


def parse(text: str, path: Path) -> tuple[Student, ...]:
    """Students from CSV text; raises ``CourseError`` naming the row and what to fix."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows:
        raise CourseError(path, "roster", "is empty", "Export the roster with a header row: id,name,email[,section].")
    columns = {field: _column(rows[0], field) for field in FIELDS}
    for field in ("id", "name", "email"):
        if columns[field] is None:
            raise CourseError(
                path, "roster", f"has no {field!r} column (header: {', '.join(rows[0])})", "Name the columns id, name, email and, optionally, section."
            )
    students: dict[str, Student] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(field: str, row: list[str] = row) -> str:
            index = columns[field]
            return row[index].strip() if index is not None and index < len(row) else ""

        student = Student(cell("id"), cell("name"), cell("email"), cell("section"))
        if not ID.fullmatch(student.id):
            raise CourseError(path, f"roster row {number}", f"has the id {student.id!r}", "Use ids of letters, digits and . _ @ + - only.")
        if student.id in students:
            raise CourseError(path, f"roster row {number}", f"repeats the id {student.id!r}", "Give each student one row.")
        students[student.id] = student
    return tuple(sorted(students.values(), key=lambda s: s.id))


def read_roster(path: Path) -> tuple[Student, ...]:
    """The course's roster.csv; an absent file is an empty roster."""
    refuse_link(path)
    if not path.is_file():
        return ()
    return parse(path.read_text(encoding="utf-8"), path)


def render(students: tuple[Student, ...]) -> str:
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(FIELDS)
    writer.writerows((s.id, s.name, s.email, s.section) for s in students)
    return stream.getvalue()


def import_roster(source: Path, destination: Path) -> tuple[Student, ...]:
    """Read an LMS roster export and write it as the course's roster.csv."""
    students = parse(Path(source).read_text(encoding="utf-8-sig"), Path(source))
    write_text(destination, render(students))
    return students
