"""summary.html: the batch at a glance, computed from the gradebook alone (and the course, if any).

Score distribution, pass rate per check, failures grouped by cause and the
slowest submissions, with every student's row linked to their report. For a
course: who has not handed in, who was late, who is not on the roster, the
adjustments to review, and, once ``grader similarity`` ran, how alike the pairs are.

Results are counted by whose doing they are (``endings``): graded to the end, stopped
early by the submission, or a fault of the grader. Pass rates are over the submissions
graded to the end, with the others beside them; a grader fault's 0 is no score, so the
mean, median and distribution leave it out. Messages show their Markdown `code` spans,
and nothing else a message holds becomes markup.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from markdown_it import MarkdownIt
from markupsafe import Markup

from grader.batch.endings import Ending, ending, tally
from grader.batch.gradebook import Gradebook
from grader.batch.records import Pair, Row
from grader.course.book import CourseRow, assignment_rows
from grader.course.config import Course
from grader.files import Folder
from grader.reports.charts import bar_chart
from grader.reports.html import PAGES
from grader.reports.render import plain
from grader.spec import AssignmentSpec
from grader.text import batch as batch_words
from grader.text import course as course_text

SLOWEST = 5  # listed only when the class has more finished submissions than this
INLINE = MarkdownIt("zero", {"html": False}).enable(["backticks"])  # `code` only: no links, images, emphasis or raw HTML


def inline_markdown(text: str) -> Markup:
    """One line of a message as HTML: its `code` spans as <code>, everything else escaped text."""
    return Markup(INLINE.renderInline(plain(text)))


@dataclass(frozen=True)
class CheckRate:
    id: str
    title: str
    max_score: float
    passed: int
    total: int  # submissions graded to the end that ran this check
    not_reached: int  # the others: stopped early, grader faults, not graded yet

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 0.0


@dataclass(frozen=True)
class Cause:
    key: str  # a status, or "check:<id>" for a check failed in a graded run
    label: str
    ending: Ending  # whose doing: GRADED for a failed check, STOPPED for the submission's, FAULT for the grader's
    members: tuple[tuple[str, str], ...]  # (student, first line of why)


@dataclass(frozen=True)
class Summary:
    title: str
    assignment: str
    version: str
    max_score: float
    rows: tuple[Row, ...]
    finished: tuple[Row, ...]
    graded: int  # graded to the end
    stopped: int  # stopped early by the submission
    faults: int  # the grader or its machine failed
    pending: int
    full_marks: int
    mean: float | None
    median: float | None
    distribution: tuple[tuple[str, int], ...]
    checks: tuple[CheckRate, ...]
    causes: tuple[Cause, ...]
    slowest: tuple[Row, ...]
    students: tuple[CourseRow, ...] = ()  # every rostered student (missing ones too), then those not on the roster
    pairs: tuple[Pair, ...] = ()  # from `grader similarity`, most alike first

    def handins(self, state: str) -> tuple[CourseRow, ...]:
        return tuple(row for row in self.students if row.handin == state)

    @property
    def not_rostered(self) -> tuple[CourseRow, ...]:
        return tuple(row for row in self.students if not row.rostered)

    @property
    def to_review(self) -> tuple[CourseRow, ...]:
        return tuple(row for row in self.students if row.row and row.row.needs_review)

    @property
    def similarity_bins(self) -> tuple[tuple[str, int], ...]:
        """The stored pairs by share of matching code, in tenths."""
        counts = [0] * 10
        for pair in self.pairs:
            counts[min(9, int(pair.score * 10))] += 1
        return tuple((f"{10 * i}–{10 * (i + 1)}%", count) for i, count in enumerate(counts))


def distribution(scores: list[float], max_score: float) -> tuple[tuple[str, int], ...]:
    """Ten equal bins below full marks, and one for full marks."""
    width = max_score / 10 if max_score else 1
    labels = [f"{i * width:g}–{(i + 1) * width:g}" for i in range(10)] + [f"{max_score:g}"]
    counts = [0] * 11
    for score in scores:
        counts[10 if score >= max_score else min(9, int(score // width))] += 1
    return tuple(zip(labels, counts))


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:300] if text.strip() else ""


def _causes(finished: tuple[Row, ...]) -> tuple[Cause, ...]:
    """Failures grouped by cause: the grader's faults first (they are the operator's to fix), then the largest groups."""
    groups: dict[str, tuple[str, Ending, list[tuple[str, str]]]] = {}
    for row in finished:
        if row.status != "graded":
            label = batch_words.STATUS_LABELS.get(row.status, row.status)
            groups.setdefault(row.status, (label, ending(row.status), []))[2].append((row.student, _first_line(row.message)))
            continue
        for check in row.checks:
            if not check.passed:
                label = batch_words.check_failed(check.id, check.title)
                groups.setdefault(f"check:{check.id}", (label, Ending.GRADED, []))[2].append((row.student, _first_line(check.message)))
    causes = [Cause(key, label, kind, tuple(members)) for key, (label, kind, members) in groups.items()]
    return tuple(sorted(causes, key=lambda cause: (cause.ending is not Ending.FAULT, -len(cause.members), cause.key)))


def _check_rates(rows: tuple[Row, ...]) -> tuple[CheckRate, ...]:
    """Each check's passes over the submissions graded to the end; the others are counted as not reached."""
    passed: dict[str, int] = {}
    total: dict[str, int] = {}
    titles: dict[str, tuple[str, float]] = {}
    for row in rows:
        for check in row.checks if row.status == "graded" else ():
            titles.setdefault(check.id, (check.title, check.max_score))
            passed[check.id] = passed.get(check.id, 0) + check.passed
            total[check.id] = total.get(check.id, 0) + 1
    if not titles:  # nothing graded to the end yet: the checks as the first finished report lists them
        for row in rows:
            for check in row.checks:
                titles.setdefault(check.id, (check.title, check.max_score))
    return tuple(CheckRate(key, title, points, passed.get(key, 0), total.get(key, 0), len(rows) - total.get(key, 0)) for key, (title, points) in titles.items())


def summarize(rows: tuple[Row, ...], spec: AssignmentSpec, course: Course | None = None, pairs: tuple[Pair, ...] = ()) -> Summary:
    known = course is not None and spec.name in {assignment.name for assignment in course.assignments}
    students = assignment_rows(spec.name, rows, course.roster() if course else (), course.assignment(spec.name) if course and known else None)
    finished = tuple(row for row in rows if row.status != "pending")
    counted = tally(row.status for row in rows)
    scores = [row.score or 0.0 for row in finished if ending(row.status) is not Ending.FAULT]  # a grader fault's 0 is no score
    slowest = sorted(finished, key=lambda row: -(row.duration_seconds or 0))[:SLOWEST] if len(finished) > SLOWEST else []
    return Summary(
        title=spec.title,
        assignment=spec.name,
        version=spec.version,
        max_score=spec.max_score,
        rows=rows,
        finished=finished,
        graded=counted[Ending.GRADED],
        stopped=counted[Ending.STOPPED],
        faults=counted[Ending.FAULT],
        pending=counted[Ending.PENDING],
        full_marks=sum(score >= spec.max_score for score in scores),
        mean=statistics.fmean(scores) if scores else None,
        median=statistics.median(scores) if scores else None,
        distribution=distribution(scores, spec.max_score),
        checks=_check_rates(rows),
        causes=_causes(finished),
        slowest=tuple(slowest),
        students=students,
        pairs=pairs,
    )


def render(summary: Summary) -> str:
    return PAGES.get_template("summary.html.j2").render(
        summary=summary,
        histogram=bar_chart("Score distribution", summary.distribution),
        similarity=bar_chart("Pairs of submissions by share of matching code", summary.similarity_bins) if summary.pairs else "",
        labels=batch_words.STATUS_LABELS,
        handin_labels=course_text.HANDIN_LABELS,
        ending_of=lambda status: ending(status).value,
        ending_labels=batch_words.ENDING_LABELS,
        whose=batch_words.WHOSE,
        inline=inline_markdown,
        written=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )


def write(book: Gradebook, spec: AssignmentSpec, out: Path, course: Course | None = None) -> Path:
    """summary.html in ``out``, from ``book`` (and the course), written through no link."""
    with Folder.open(out) as folder:
        return folder.write_text("summary.html", render(summarize(book.rows(), spec, course, book.similarity())))
