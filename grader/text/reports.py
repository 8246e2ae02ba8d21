"""The words of a report around the checks: row labels, the stop summary, the headline of a run that stopped early."""

from __future__ import annotations

from typing import Any

METRIC_ROWS = (
    ("Held-out accuracy (measured by the grader)", "test_accuracy"),
    ("Training accuracy (measured by the grader)", "train_accuracy"),
    ("Epochs run / requested", "epochs"),
    ("Stopped in epoch", "stop_epoch"),
    ("Stopped by the graded callback", "stopped_by_callback"),
    ("Parameters", "params"),
)
STOPPED_EARLY = {
    "invalid": "The file could not be graded.",
    "error": "Your code stopped with an error; the checks below grade what ran before it.",
    "crashed": "The process running your code died; the checks below grade what ran before it.",
}


def stopped_early(status: str) -> str:
    """The headline of a report whose run did not reach its end."""
    if status == "graded":
        return ""
    return STOPPED_EARLY.get(status, "Your code went over a limit; the checks below grade what ran before it.")


def stop_summary(metrics: Any) -> str:
    if metrics.stop_epoch is None:
        return f"Training ran {metrics.epochs_run} of {metrics.epochs_requested} epochs; no callback stopped it."
    who = "The graded callback" if metrics.stopped_by_callback else "Something other than the graded callback"
    return f"{who} stopped training in epoch {metrics.stop_epoch} of {metrics.epochs_requested}."
