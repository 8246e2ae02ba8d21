"""report.html: one submission's report as a page that reads offline.

Scores, checks, the measured numbers beside the reference's, and the training
curve (accuracy and loss per epoch, the threshold, the epoch where training
stopped, the reference's curve beside it), as inline SVG with inline CSS.
"""

from __future__ import annotations

import jinja2

from grader.text import messages
from grader.reports.charts import LineChart, Marker, Series, line_chart
from grader.grading.metrics import Metrics
from grader.reports.report import METRIC_ROWS, Report
from grader.reports.report import shown  # the Markdown report's cell format, shared
from grader.spec import AssignmentSpec, StopCondition
from grader.status import Status

PAGES = jinja2.Environment(
    loader=jinja2.PackageLoader("grader.reports", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _history(metrics: Metrics | None, key: str) -> tuple[float | None, ...]:
    return tuple(metrics.history.get(key, ())) if metrics else ()


def _stop(metrics: Metrics) -> Marker | None:
    if metrics.stop_epoch is None:
        return None
    who = "callback stopped" if metrics.stopped_by_callback else "stopped"
    return Marker(metrics.stop_epoch, f"{who}: epoch {metrics.stop_epoch}")


def stop_summary(metrics: Metrics) -> str:
    if metrics.stop_epoch is None:
        return f"Training ran {metrics.epochs_run} of {metrics.epochs_requested} epochs; no callback stopped it."
    who = "The graded callback" if metrics.stopped_by_callback else "Something other than the graded callback"
    return f"{who} stopped training in epoch {metrics.stop_epoch} of {metrics.epochs_requested}."


def curves(report: Report, condition: StopCondition) -> list[tuple[str, str]]:
    """The accuracy and loss charts, (title, svg), the stop threshold drawn on its metric's; none when no training was observed."""
    metrics, ref = report.metrics, report.reference
    if metrics is None or not _history(metrics, "accuracy"):
        return []
    charts = []
    threshold = Marker(condition.threshold, f"threshold {condition.threshold:g}")
    for key, title, bounds in (
        ("accuracy", "Training accuracy per epoch", (0.0, 1.0)),
        ("loss", "Training loss per epoch", (0.0, float("inf"))),
    ):
        marker = threshold if key == condition.metric else None
        series = [Series("yours", _history(metrics, key))]
        series += [Series("reference", _history(ref, key), "reference")] if _history(ref, key) else []
        charts.append((title, line_chart(LineChart(title, tuple(series), marker, _stop(metrics), bounds))))
    return charts


def render(report: Report, spec: AssignmentSpec, student: str = "", course: object = None) -> str:
    """The page; ``course`` (a ``grader.course.pages.Standing``) adds the hand-in, adjustments and final points."""
    table = [(label, shown(report.metrics, key), shown(report.reference, key)) for label, key in METRIC_ROWS]
    return PAGES.get_template("report.html.j2").render(
        report=report,
        student=student or report.submission,
        title=spec.title,
        graded=report.status is Status.GRADED,
        status_label=messages.STATUS_LABELS.get(report.status.value, report.status.value),
        charts=curves(report, spec.thresholds.condition),
        stop_summary=stop_summary(report.metrics) if report.metrics else "",
        table=table,
        course=course,
    )
