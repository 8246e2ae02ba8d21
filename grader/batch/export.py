"""The gradebook in other systems' formats: gradebook.csv, Gradescope results.json, JUnit XML.

    gradebook.csv                 one row per student: hand-in, automatic score, points per check,
                                  adjustments, final points, versions
    gradescope/<student>/results.json   Gradescope's autograder results, one per submission
    junit.xml                     one test suite per student, one test case per check, for CI dashboards

Everything is read from the gradebook (and, for a course, the roster and the late policy);
students not graded yet appear in the CSV as "pending", rostered students who handed nothing
in as "missing". Adjustments show in all three. Every CSV cell of text that a spreadsheet would
read as a formula (starting with = + - @, a tab or a carriage return) is written with a leading
apostrophe, the usual neutralisation, so a hostile student id, file name or message stays text.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.batch.gradebook import Gradebook
from grader.batch.records import Row
from grader.course.book import CourseRow, assignment_rows
from grader.course.config import Course
from grader.files import Folder
from grader.reports.render import plain
from grader.text import course as course_text

CSV, GRADESCOPE, JUNIT = "gradebook.csv", "gradescope", "junit.xml"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Exported:
    folder: Path
    results: tuple[Path, ...]  # the Gradescope results.json files
    written: tuple[Path, ...] = ()  # what was written: files, and the gradescope folder

    def paths(self) -> list[Path]:
        return list(self.written)


def cell(value: Any) -> str:
    """A CSV cell: a number as itself (``None`` empty), text neutralised when it would start a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return f"{value:g}"
    text = plain(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    """CSV (RFC 4180: CRLF line ends, so a cell holding a carriage return is quoted) with every cell passed through ``cell``."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerows([cell(value) for value in row] for row in rows)
    return stream.getvalue()


def _xml(text: str) -> str:
    """Text XML 1.0 can hold: control characters (ANSI colours, say) become U+FFFD."""
    return NOT_XML.sub("\ufffd", text)


def _first(text: str, default: str = "") -> str:
    return text.strip().splitlines()[0] if text.strip() else default


def check_ids(rows: Iterable[Row | None]) -> list[str]:
    """Every check id in the gradebook, in the order the assignment lists them."""
    found: list[str] = []
    for row in rows:
        found += [check.id for check in (row.checks if row else ()) if check.id not in found]
    return found


def adjustments_text(row: CourseRow) -> str:
    return "; ".join(course_text.adjustment_line(a.check_id, a.points, a.comment, a.author, a.made_at, a.needs_review) for a in row.adjustments)


def gradebook_csv(rows: Sequence[CourseRow]) -> str:
    checks = check_ids(row.row for row in rows)
    roster = any(row.person for row in rows)
    people = ["name", "email", "section", "rostered"] if roster else []
    header = [
        "student",
        *people,
        "file",
        "status",
        "handin",
        "handed_in",
        "hours_late",
        "penalty_percent",
        "score",
        "max_score",
        "percent",
        *checks,
        "adjustment",
        "final",
        "needs_review",
        "adjustments",
        "message",
        "duration_seconds",
        "graded_at",
        "attempts",
        "content_hash",
        "assignment_version",
        "grader_version",
    ]
    lines: list[list[Any]] = [header]
    for course_row in rows:
        row, person, late = course_row.row, course_row.person, course_row.lateness
        points = {check.id: check.score for check in (row.checks if row else ())}
        percent = round(100 * row.score / row.max_score, 2) if row and row.score is not None and row.max_score else None
        who = [person.name if person else "", person.email if person else "", person.section if person else "", course_row.rostered] if roster else []
        lines.append(
            [
                course_row.student,
                *who,
                row.file_name if row else "",
                course_row.status,
                course_row.handin,
                row.handed_in if row else "",
                round(late.hours_late, 2) if late else None,
                late.penalty_percent if late else None,
                row.score if row else None,
                row.max_score if row else None,
                percent,
                *(points.get(check) for check in checks),
                row.adjustment if row and row.adjustments else None,
                course_row.final,
                bool(row and row.needs_review),
                adjustments_text(course_row),
                _first(row.message) if row else "",
                row.duration_seconds if row else None,
                row.finished_at if row else "",
                row.attempts if row else 0,
                row.content_hash if row else "",
                row.assignment_version if row else "",
                row.grader_version if row else "",
            ]
        )
    return csv_text(lines)


def _check_output(check: Any, row: CourseRow) -> tuple[float, str]:
    """A check's points and message with its adjustment, if any, applied and said."""
    made = next((a for a in row.adjustments if a.check_id == check.id), None)
    if made is None:
        return check.score, check.message
    points = min(max(check.score + made.points, 0.0), check.max_score)
    line = course_text.adjustment_line(made.check_id, made.points, made.comment, made.author, made.made_at, made.needs_review)
    return points, f"{check.message}\n\nAdjusted: {line}".strip()


def gradescope(row: CourseRow) -> dict[str, Any]:
    """Gradescope's results.json for one graded submission; ``score`` is the final points."""
    graded = row.row
    assert graded is not None
    tests = []
    for number, check in enumerate(graded.checks, start=1):
        points, output = _check_output(check, row)
        tests.append(
            {
                "name": check.title,
                "number": str(number),
                "score": points,
                "max_score": check.max_score,
                "status": "passed" if check.passed else "failed",
                "output": plain(output),
                "tags": [check.id],
                "visibility": "visible",
            }
        )
    summary = graded.message or f"Graded: {graded.score:g}/{graded.max_score:g}."
    return {
        "score": row.final,
        "execution_time": round(graded.duration_seconds or 0.0, 2),
        "output": plain("\n".join(part for part in (summary, row.note) if part)),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "student": row.student,
            "status": graded.status,
            "content_hash": graded.content_hash,
            "assignment_version": graded.assignment_version,
            "grader_version": graded.grader_version,
            "automatic_score": graded.score,
            "handin": row.handin,
            "handed_in": graded.handed_in,
            "penalty_percent": row.lateness.penalty_percent if row.lateness else 0.0,
            "adjustments": [adjustment.to_json() for adjustment in row.adjustments],
        },
    }


def _case(suite: ElementTree.Element, assignment: str, course_row: CourseRow, check: Any) -> None:
    row = course_row.row
    assert row is not None
    case = ElementTree.SubElement(suite, "testcase", classname=f"{assignment}.{course_row.student}", name=check.id, time="0")
    if row.status != "graded":
        ElementTree.SubElement(case, "error", type=row.status, message=_xml(_first(row.message, row.status))).text = _xml(row.message)
    elif not check.passed:
        ElementTree.SubElement(case, "failure", type="failed", message=_xml(_first(check.message, "failed"))).text = _xml(check.message)
    made = next((a for a in course_row.adjustments if a.check_id == check.id), None)
    if made is not None:
        line = course_text.adjustment_line(made.check_id, made.points, made.comment, made.author, made.made_at, made.needs_review)
        ElementTree.SubElement(case, "system-out").text = _xml(f"Adjusted: {line}")


def junit(rows: Sequence[CourseRow], assignment: str) -> str:
    """JUnit XML: a suite per student who handed in, a case per check; a run that stopped early makes every case an error."""
    root = ElementTree.Element("testsuites", name=assignment)
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for course_row in rows:
        row = course_row.row
        if row is None or row.status == "pending":
            continue
        failures = 0 if row.status != "graded" else sum(not check.passed for check in row.checks)
        errors = len(row.checks) if row.status != "graded" else 0
        suite = ElementTree.SubElement(
            root,
            "testsuite",
            name=course_row.student,
            tests=str(len(row.checks)),
            failures=str(failures),
            errors=str(errors),
            skipped="0",
            time=f"{row.duration_seconds or 0:.2f}",
            timestamp=row.finished_at,
        )
        properties = ElementTree.SubElement(suite, "properties")
        for key, value in (
            ("status", row.status),
            ("score", cell(row.score)),
            ("max_score", cell(row.max_score)),
            ("file", row.file_name),
            ("final", cell(course_row.final)),
            ("handin", course_row.handin),
            ("adjustments", adjustments_text(course_row)),
        ):
            ElementTree.SubElement(properties, "property", name=key, value=_xml(value))
        for check in row.checks:
            _case(suite, assignment, course_row, check)
        totals = {"tests": totals["tests"] + len(row.checks), "failures": totals["failures"] + failures, "errors": totals["errors"] + errors}
    root.attrib.update({key: str(value) for key, value in totals.items()})
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"


def write_exports(rows: Sequence[CourseRow], assignment: str, to: Path) -> Exported:
    """The three exports of one assignment's rows, written into ``to`` (never through a link)."""
    written = []
    with Folder.open(to) as folder:
        folder.write_text(CSV, gradebook_csv(rows))
        with folder.sub(GRADESCOPE) as gradescope_folder:
            for row in rows:
                if row.row is not None and row.row.status != "pending":
                    with gradescope_folder.sub(row.student) as student:
                        written.append(student.write_text("results.json", json.dumps(gradescope(row), indent=2) + "\n"))
        folder.write_text(JUNIT, junit(rows, assignment))
    return Exported(Path(to), tuple(written), (Path(to) / CSV, Path(to) / GRADESCOPE, Path(to) / JUNIT))


def export(folder: Path, to: Path | None = None, course: Course | None = None) -> Exported:
    """Write the three exports of the batch in ``folder`` into ``to`` (default ``folder/export``); a course adds the roster's rows."""
    with Gradebook.existing(folder) as book:
        rows, assignment = book.rows(), book.meta("assignment") or ""
    known = course is not None and assignment in {a.name for a in course.assignments}
    joined = assignment_rows(assignment, rows, course.roster() if course else (), course.assignment(assignment) if course and known else None)
    return write_exports(joined, assignment, Path(to or folder / "export"))
