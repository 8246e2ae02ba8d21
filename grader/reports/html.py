"""report.html: one submission's report as a page that reads offline.

Scores, checks, the measured numbers beside the reference's, and the training
curve (accuracy and loss per epoch, the threshold, the epoch where training
stopped, the reference's curve beside it), as inline SVG with inline CSS.
"""

from __future__ import annotations

from grader.checks.facts import StopCondition
from grader.grading.metrics import Metrics
from grader.reports.charts import LineChart, Marker, Series, line_chart
from grader.reports.render import ENVIRONMENT, table
from grader.reports.report import Report
from grader.spec import AssignmentSpec
from grader.status import Status
from grader.text import batch as batch_words
from grader.text import reports

PAGES = ENVIRONMENT  # the one environment; summary.html renders through it too


def _history(metrics: Metrics | None, key: str) -> tuple[float | None, ...]:
    return tuple(metrics.history.get(key, ())) if metrics else ()


def _stop(metrics: Metrics) -> Marker | None:
    if metrics.stop_epoch is None:
        return None
    who = "callback stopped" if metrics.stopped_by_callback else "stopped"
    return Marker(metrics.stop_epoch, f"{who}: epoch {metrics.stop_epoch}")


def curves(report: Report, condition: StopCondition | None) -> list[tuple[str, str]]:
    """The accuracy and loss charts, (title, svg), the stop threshold drawn on its metric's; none when no training was observed."""
    metrics, ref = report.metrics, report.reference
    if metrics is None or not _history(metrics, "accuracy"):
        return []
    charts = []
    threshold = Marker(condition.threshold, f"threshold {condition.threshold:g}") if condition else None
    for key, title, bounds in (
        ("accuracy", "Training accuracy per epoch", (0.0, 1.0)),
        ("loss", "Training loss per epoch", (0.0, float("inf"))),
    ):
        marker = threshold if condition and key == condition.metric else None
        series = [Series("yours", _history(metrics, key))]
        series += [Series("reference", _history(ref, key), "reference")] if _history(ref, key) else []
        charts.append((title, line_chart(LineChart(title, tuple(series), marker, _stop(metrics), bounds))))
    return charts


def render(report: Report, spec: AssignmentSpec, student: str = "", course: object = None) -> str:
    """The page; ``course`` (a ``grader.course.pages.Standing``) adds the hand-in, adjustments and final points."""
    return ENVIRONMENT.get_template("report.html.j2").render(
        report=report,
        student=student or report.submission,
        title=spec.title,
        graded=report.status is Status.GRADED,
        status_label=batch_words.STATUS_LABELS.get(report.status.value, report.status.value),
        charts=curves(report, spec.callback.condition if spec.callback else None),
        stop_summary=reports.stop_summary(report.metrics) if report.metrics else "",
        table=table(report),
        course=course,
    )
