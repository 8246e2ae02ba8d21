"""A student's report pages with the course's part: hand-in, adjustments, final points.

The batch writes report.json, report.md and report.html from the automatic grading; for a
course, or a student with adjustments, ``annotate`` rewrites report.html with a "Course
standing" section and appends the same to report.md. report.json stays the automatic record.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.batch.gradebook import Gradebook
from grader.batch.records import Adjustment
from grader.course.book import CourseRow, assignment_rows
from grader.course.config import Course
from grader.files import Folder
from grader.reports import html as html_report
from grader.reports.render import markdown, markdown_text
from grader.reports.report import Report
from grader.spec import AssignmentSpec
from grader.text import course as text


@dataclass(frozen=True)
class Standing:
    """What report.html shows of the course: the template ``_course.html.j2`` reads these."""

    final: float | None
    max_score: float
    handin: str
    handin_label: str
    handed_in: str
    note: str
    adjustments: tuple[Adjustment, ...]


def standing(row: CourseRow) -> Standing:
    assert row.row is not None
    return Standing(
        row.final,
        row.max_score or 0.0,
        row.handin,
        text.HANDIN_LABELS.get(row.handin, row.handin),
        row.row.handed_in.replace("T", " "),
        row.note,
        row.adjustments,
    )


def markdown_section(row: Standing) -> str:
    final = f"{row.final:g}" if row.final is not None else "—"
    lines = [
        "",
        "## Course standing",
        "",
        f"- Final points: **{final} / {row.max_score:g}** (after adjustments and late penalty)",
        f"- Hand-in: {row.handin_label}" + (f", {row.handed_in}" if row.handed_in else ""),
    ]
    lines += [f"- {markdown_text(row.note)}"] if row.note else []
    lines += [
        f"- Adjusted: {markdown_text(text.adjustment_line(a.check_id, a.points, a.comment, a.author, a.made_at, a.needs_review))}" for a in row.adjustments
    ]
    return "\n".join(lines) + "\n"


def annotate(book: Gradebook, spec: AssignmentSpec, folder: Path, student: str, course: Course | None) -> bool:
    """Rewrite ``student``'s report.html and report.md with their standing; False when there is nothing to add."""
    graded = book.row(student)
    if graded is None or graded.report is None or (course is None and not graded.adjustments):
        return False
    assignment = course.assignment(spec.name) if course and spec.name in {a.name for a in course.assignments} else None
    (row,) = assignment_rows(spec.name, [graded], (), assignment)
    report, shown = Report.from_json(graded.report), standing(row)
    with Folder.open(folder) as pages:
        pages.write_text("report.html", html_report.render(report, spec, student, shown))
        pages.write_text("report.md", markdown(report) + markdown_section(shown))
    return True
