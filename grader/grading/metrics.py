"""The numbers a report shows for one run, the student's or the reference's.

Accuracy and parameter count come from the grader's own evaluation of the trained model file;
epochs, the stop and the per-epoch history are what the student's process recorded (claims, which
the ``stopped_by_callback`` check holds against the model file).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from grader.checks.facts import Context


@dataclass(frozen=True)
class Metrics:
    test_accuracy: float | None = None  # grader-measured, the real held-out images
    train_accuracy: float | None = None  # grader-measured, the training images, final model
    epochs_run: int | None = None
    epochs_requested: int | None = None
    stop_epoch: int | None = None  # 1-based epoch in which stop_training was set
    stopped_by_callback: bool = False  # the stopped_by_callback check passed
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


def measure(context: Context, stopped_by_callback: bool) -> Metrics:
    fit = context.training.graded_fit if context.training else None
    trained = context.trained_model
    return Metrics(
        test_accuracy=trained.held_out_accuracy if trained else None,
        train_accuracy=trained.train_accuracy if trained else None,
        epochs_run=fit.epochs_run if fit else None,
        epochs_requested=fit.epochs_requested if fit else None,
        stop_epoch=fit.stop.epoch if fit and fit.stop else None,
        stopped_by_callback=stopped_by_callback,
        params=trained.params if trained else None,
        history={key: tuple(fit.history[key]) for key in ("accuracy", "loss") if key in fit.history} if fit else {},
    )
