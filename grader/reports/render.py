"""The report as people read it: Markdown (report.md), the terminal, and HTML pages, from one Jinja environment.

HTML templates (``*.html.j2``) escape every value; Markdown and terminal templates run values
through ``md`` and ``plain``, which drop control characters (no escape sequence reaches a
terminal) and, for Markdown, escape HTML, so nothing a submission prints or raises becomes markup.
"""

from __future__ import annotations

import html
import re

import jinja2

from grader.grading.metrics import Metrics
from grader.reports.report import Report
from grader.status import Status
from grader.text import messages, reports

CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # a whole escape sequence first, then lone controls


def plain(text: object) -> str:
    """Text without control characters or escape sequences (newlines and tabs kept)."""
    return CONTROL.sub("", str(text))


def markdown_text(text: object) -> str:
    """Text safe in Markdown: plain, HTML escaped, table pipes escaped."""
    return html.escape(plain(text), quote=False).replace("|", "\\|")


ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("grader.reports", "templates"),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False, default=False),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENVIRONMENT.filters.update(plain=plain, md=markdown_text)


def shown(metrics: Metrics | None, key: str) -> str:
    if metrics is None:
        return "—"
    if key == "epochs":
        return f"{metrics.epochs_run if metrics.epochs_run is not None else '—'} / {metrics.epochs_requested or '—'}"
    value = getattr(metrics, key)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:.4f}" if isinstance(value, float) else f"{value:,}"


def table(report: Report) -> list[tuple[str, str, str]]:
    return [(label, shown(report.metrics, key), shown(report.reference, key)) for label, key in reports.METRIC_ROWS]


def fence(text: str) -> str:
    """A Markdown code fence longer than any run of backticks in text, so printed output cannot close it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _render(report: Report, template: str, **more: object) -> str:
    unprotected = messages.UNSANDBOXED_REPORT if report.sandbox == "none" else ""
    return ENVIRONMENT.get_template(template).render(
        report=report,
        table=table(report),
        graded=report.status is Status.GRADED,
        fence=fence(plain(report.output)),
        unprotected=unprotected,
        stopped=reports.stopped_early(report.status.value),
        **more,
    )


def markdown(report: Report) -> str:
    return _render(report, "report.md.j2")


def terminal(report: Report) -> str:
    return _render(report, "terminal.txt.j2")


def page(template: str, **values: object) -> str:
    """An HTML page of the batch or the service (summary.html, ...)."""
    return ENVIRONMENT.get_template(template).render(**values)
