"""feedback.html: the student's notebook as it ran, each check's verdict after the cell it checks.

nbgrader's feedback copy, for this grader. The graded cells, with what they printed while the
grader ran them and the error that stopped them (``grading/cells.py``); after each cell that
defined a graded name, a Markdown cell with the verdicts of that name's checks; the checks tied
to no cell (held-out accuracy, the reference) in a last cell. Rendered with nbconvert's
HTMLExporter through ``templates/feedback.nbconvert.j2``: lab's page without its scripts, MathJax
or external stylesheet, so the page loads nothing and runs nothing. Every text a run could have
shaped (check messages quote the student's errors) is escaped before it becomes Markdown;
printed output is stream output, which nbconvert escapes.
"""

from __future__ import annotations

import html
import os
import re
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
from nbformat import v4

from grader.checks.scoring import CheckResult
from grader.grading.cells import Printed, RanCell, RanNotebook
from grader.reports.render import plain
from grader.reports.report import Report
from grader.spec import AssignmentSpec
from grader.text import feedback as words

if TYPE_CHECKING:
    from nbconvert import HTMLExporter

TEMPLATES = Path(__file__).resolve().parent / "templates"
ROLE_OF_CHECK = {"model": "model", "callback": "callback", "stopped_by_callback": "training"}  # the cell a check's verdict follows
MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$^=:\"'])")


def markdown_text(text: object) -> str:
    """Text that Markdown shows as written: no control characters, HTML escaped, every Markdown mark backslash-escaped."""
    return MARKDOWN_PUNCTUATION.sub(r"\\\1", html.escape(plain(text), quote=False))


def _lines(*texts: str) -> str:
    """Markdown lines, each shown as written, kept apart by hard line breaks."""
    return "\\\n".join(markdown_text(text) for text in texts)


def _item(check: CheckResult) -> str:
    """One verdict as a list item: mark, points and title, then the message, its lines indented under the item."""
    item = _lines(words.verdict(check.passed, check.score, check.max_score, check.title), *check.message.splitlines())
    return "- " + item.replace("\n", "\n  ")


def _verdicts(heading: str, checks: list[CheckResult]) -> str:
    return f"**{markdown_text(heading)}**\n\n" + "\n".join(_item(check) for check in checks)


def _markdown(identifier: str, source: str, *tags: str) -> nbformat.NotebookNode:
    cell = v4.new_markdown_cell(source, id=identifier)
    cell.metadata["tags"] = list(tags)
    return cell


def _outputs(cell: RanCell) -> list[nbformat.NotebookNode]:
    outputs = [v4.new_output("stream", name=name, text=text) for name, text in (("stdout", cell.printed.stdout), ("stderr", cell.printed.stderr)) if text]
    if cell.error:
        outputs.append(v4.new_output("error", ename=cell.error.type, evalue=cell.error.message, traceback=cell.error.traceback.splitlines()))
    return outputs


def _code(identifier: str, source: str, cell: RanCell, label: str) -> nbformat.NotebookNode:
    code = v4.new_code_cell(source, id=identifier, execution_count=cell.count, outputs=_outputs(cell))
    code.metadata.update(tags=["graded" if cell.number else "grader"] + ([] if cell.count else ["not-run"]), grader={"prompt": label})
    return code


def _header(report: Report, spec: AssignmentSpec, student: str, ran: RanNotebook) -> nbformat.NotebookNode:
    score = f"**{markdown_text(words.score_line(report.score, report.max_score))}** · [{markdown_text(words.REPORT_LINK)}](report.html)"
    lines = [f"# {markdown_text(spec.title)}", markdown_text(words.byline(student, report.submission)), score]
    lines += [_lines(*report.message.splitlines())] if report.message else []
    lines += [markdown_text(words.ran_line(ran.selection))]
    return _markdown("header", "\n\n".join(lines), "header")


def notebook(report: Report, spec: AssignmentSpec, student: str = "") -> nbformat.NotebookNode:
    """The feedback notebook: the header, each graded cell and the verdicts it earned, the grader's training call, the rest of the checks."""
    ran = report.notebook
    assert ran is not None, "only a report with the notebook as it ran has a feedback page"
    placed = {index: [c for c in report.checks if ROLE_OF_CHECK.get(c.id) in cell.roles] for index, cell in enumerate(ran.cells)}
    shown = {id(check) for checks in placed.values() for check in checks}
    cells = [_header(report, spec, student, ran)]
    for index, cell in enumerate(ran.cells):
        cells.append(_code(f"cell-{cell.number}", cell.source, cell, words.prompt(cell.number, cell.count is not None, ran.kind)))
        if placed[index]:
            cells.append(_markdown(f"checks-{cell.number}", _verdicts(words.CELL_CHECKS, placed[index]), "checks", _state(placed[index])))
    if ran.training is not None:
        cells.append(_code("training", words.grader_call(ran.training_name or "train"), ran.training, words.GRADER_PROMPT))
    rest = [check for check in report.checks if id(check) not in shown]
    if rest:
        cells.append(_markdown("checks-run", _verdicts(words.RUN_CHECKS, rest), "checks", _state(rest)))
    book = v4.new_notebook(cells=cells, metadata={"title": f"{student or report.submission} · {spec.title}", "language_info": {"name": "python"}})
    nbformat.validate(book)
    return book


def _state(checks: list[CheckResult]) -> str:
    return "passed" if all(check.passed for check in checks) else "failed"


_BUILT: list[HTMLExporter] = []
_LOCK = threading.Lock()  # one page at a time through the one exporter
BACKGROUND = (0.5, 19)  # (seconds, niceness): after the host has started the sandboxes, and only on a core they leave idle


def _exporter() -> HTMLExporter:
    """One exporter per process (call with ``_LOCK`` held): building its template environment costs more than a page.

    nbconvert is imported here, not at the top: a quarter of a second that only a page needs.
    """
    if not _BUILT:
        from nbconvert import HTMLExporter

        _BUILT.append(
            HTMLExporter(template_name="lab", template_file="feedback.nbconvert.j2", extra_template_paths=[str(TEMPLATES)], exclude_anchor_links=True)
        )
    return _BUILT[0]


def _first_page() -> nbformat.NotebookNode:
    """A page of each kind of cell, rendered once to compile the templates and selectors every page uses."""
    cells = [_markdown("header", "#", "header"), _code("cell", "pass", RanCell(1, "pass", 1, Printed("\n", "\n"), None), "In")]
    return v4.new_notebook(cells=cells, metadata={"title": "", "language_info": {"name": "python"}})


def prepare() -> None:
    """Build the exporter and render a first page in a thread of the lowest priority, while a submission runs.

    Its page then waits for nothing (0.3 s less after the run). ``render`` takes the same lock: it
    waits for a build under way instead of starting a second, and builds one itself if none began.
    """
    if _BUILT:
        return

    def build() -> None:
        time.sleep(BACKGROUND[0])  # while the host starts the sandboxes, this thread would take the GIL from it
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND[1])
        except OSError:
            pass  # built at normal priority: only sooner
        try:
            with _LOCK:
                _exporter().from_notebook_node(_first_page())
        except Exception:  # render builds it again, and reports what fails
            pass

    threading.Thread(target=build, name="feedback-exporter", daemon=True).start()


def render(report: Report, spec: AssignmentSpec, student: str = "") -> str:
    """The page, self-contained: inline CSS, no script, nothing fetched."""
    book = notebook(report, spec, student)
    with _LOCK:
        page, _ = _exporter().from_notebook_node(book)
    return page
