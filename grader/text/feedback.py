"""The words of the feedback page (feedback.html, the notebook as it ran) and of the chart's marks around it."""

from __future__ import annotations


def due_label(epoch: int) -> str:
    """The chart's label of the first epoch whose logged value met the stop condition."""
    return f"should have stopped: epoch {epoch}"
