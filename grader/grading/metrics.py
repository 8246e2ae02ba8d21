"""The numbers a report shows for one run, the student's or the reference's.

Accuracy and parameter count come from the grader's own evaluation; epochs and
the stop come from what the harness observed of the training run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from grader.grading.evaluate import Evaluation
from grader.grading.observations import Fit, Observations


@dataclass(frozen=True)
class Metrics:
    test_accuracy: float | None = None  # grader-measured, 10,000 held-out images
    train_accuracy: float | None = None  # grader-measured, the training images, final model
    epochs_run: int | None = None
    epochs_requested: int | None = None
    stop_epoch: int | None = None  # 1-based epoch in which stop_training was set
    stopped_by_callback: bool = False  # the graded callback set stop_training
    params: int | None = None
    history: dict[str, tuple[float | None, ...]] = field(default_factory=dict)  # observed per-epoch logs

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["history"] = {key: list(values) for key, values in self.history.items()}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Metrics:
        history = {key: tuple(values) for key, values in data.get("history", {}).items()}
        return cls(**{**data, "history": history})


def graded_fit(found: Observations | None) -> Fit | None:
    return found.training.graded_fit if found and found.training else None


def measure(found: Observations | None, evaluation: Evaluation) -> Metrics:
    fit = graded_fit(found)
    return Metrics(
        test_accuracy=evaluation.held_out_accuracy,
        train_accuracy=evaluation.train_accuracy,
        epochs_run=fit.epochs_run if fit else None,
        epochs_requested=fit.epochs_requested if fit else None,
        stop_epoch=fit.stop.epoch if fit and fit.stop else None,
        stopped_by_callback=bool(fit and fit.stop and fit.stop.graded),
        params=evaluation.params,
        history={key: fit.history[key] for key in ("accuracy", "loss") if key in fit.history} if fit else {},
    )
