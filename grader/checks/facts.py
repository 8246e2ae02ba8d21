"""What a check can know: the vocabulary of the grading context, as frozen dataclasses.

A check names what it needs by parameter name (``untrained_model``, ``trained_model``,
``training``, ``callback``, ``names``, ``condition``, ...; ``CONTEXT`` lists them all). Each value
says where it comes from:

- measured by the grader: ``ModelFacts`` (a model file measured in the evaluation process, which
  runs no student code), ``CallbackTrial`` (the student's callback class run alone, in a process
  of its own, on cases the grader drew), ``measured`` (the assignment's own experiments, run in
  the evaluation process);
- claimed by the student's process, checked against the above before it counts: ``Builder``,
  ``Training`` and its ``Fit`` records, ``claims`` (what the assignment's ``collect`` returned).
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

OPERATORS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}
SYMBOLS = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}
METRICS = ("accuracy", "loss")


@dataclass(frozen=True)
class StudentError:
    type: str
    message: str
    file: str | None = None
    line: int | None = None
    text: str | None = None
    traceback: str = ""


@dataclass(frozen=True)
class StopCondition:
    """The training metric the callback watches and when it must stop: ``accuracy >= 0.88``, ``loss < 0.4``."""

    metric: str
    stops_when: str
    threshold: float

    def holds(self, value: float | None) -> bool:
        return value is not None and OPERATORS[self.stops_when](value, self.threshold)

    def first_epoch(self, values: tuple[float | None, ...]) -> int | None:
        """The 1-based first epoch whose value meets the condition."""
        return next((epoch for epoch, value in enumerate(values, start=1) if self.holds(value)), None)

    @property
    def rising(self) -> bool:
        return self.stops_when in (">=", ">")

    def __str__(self) -> str:
        return f"training {self.metric} {SYMBOLS[self.stops_when]} {self.threshold:g}"


@dataclass(frozen=True)
class Layer:
    kind: str  # the Keras class name: Dense, Flatten, ...
    units: int | None = None


@dataclass(frozen=True)
class ModelFacts:
    """A model file as the grader's evaluation process found it."""

    loaded: bool
    load_error: str = ""
    params: int | None = None
    layers: tuple[Layer, ...] = ()
    output_shape: tuple[int | None, ...] | None = None
    call_shape: tuple[int, ...] | None = None  # output for two random images of the dataset's shape
    call_error: str = ""
    probabilities: bool = False  # outputs ≥ 0 that sum to 1 per image
    compiled: bool = False
    loss: str | None = None
    optimizer: str | None = None  # its class name, from the file's compile settings
    metrics: tuple[str, ...] = ()  # "keras:<name>" for Keras's own metrics, "custom:<name>:<class>" otherwise
    optimizer_steps: int = 0
    held_out_accuracy: float | None = None
    train_accuracy: float | None = None
    train_loss: float | None = None
    evaluate_error: str = ""

    def has_keras_metric(self, name: str) -> bool:
        return f"keras:{name}" in self.metrics or any(m.startswith(f"keras:{name}:") for m in self.metrics)

    def has_custom_metric(self, name: str) -> bool:
        return any(m.startswith(f"custom:{name}:") for m in self.metrics)

    def train_metric(self, metric: str) -> float | None:
        return {"accuracy": self.train_accuracy, "loss": self.train_loss}.get(metric)


@dataclass(frozen=True)
class Builder:
    """What calling the graded model builder did, as the student's process reported it."""

    name: str
    error: StudentError | None = None
    type: str = ""
    keras_model: bool = False
    saved: bool = False


@dataclass(frozen=True)
class Stop:
    by: str | None  # class name of the callback that set stop_training, None if no callback did
    student: bool  # that class is defined by the student's code (not keras.callbacks.EarlyStopping)
    epoch: int  # 1-based epoch of the fit during which it was set
    method: str | None


@dataclass(frozen=True)
class Fit:
    """One ``model.fit`` call as the student's process recorded it."""

    context: str  # "training" when inside the graded training function, else "execution"
    model: int | None  # which model it trained, numbered in order of appearance
    optimizer: int | None
    epochs_requested: int
    epochs_run: int
    initial_epoch: int
    steps_per_epoch: int | None  # Keras's own count for this fit
    steps_after_epoch: tuple[int | None, ...]  # the optimizer's step count after each epoch
    history: Mapping[str, tuple[float | None, ...]]
    callbacks: tuple[str, ...]
    student_callbacks: tuple[str, ...]
    stop: Stop | None
    x_shape: tuple[int | None, ...] | None
    x_max: float | None  # the largest training pixel value: ≤ 1 when the images were scaled
    error: str | None  # "Type: message" when fit raised
    finished: bool


@dataclass(frozen=True)
class Training:
    """Every fit of the run, and which one is graded."""

    fits: tuple[Fit, ...]
    graded_index: int | None
    error: StudentError | None
    model_saved: bool

    @property
    def graded_fit(self) -> Fit | None:
        return self.fits[self.graded_index] if self.graded_index is not None and 0 <= self.graded_index < len(self.fits) else None

    @property
    def model_fits(self) -> tuple[Fit, ...]:
        """Every fit of the graded model, up to and including the graded fit."""
        graded = self.graded_fit
        if graded is None or self.graded_index is None:
            return ()
        return tuple(fit for fit in self.fits[: self.graded_index + 1] if fit.model == graded.model)

    @property
    def epochs_trained(self) -> int:
        return sum(fit.epochs_run for fit in self.model_fits)

    def expected_steps(self) -> int | None:
        """The optimizer steps the graded model's fits claim, counted per fit from Keras's steps per epoch."""
        graded = self.graded_fit
        if graded is None:
            return None
        fits = [fit for fit in self.model_fits if fit.optimizer == graded.optimizer]
        if any(fit.steps_per_epoch is None for fit in fits):
            return None
        return sum(fit.epochs_run * (fit.steps_per_epoch or 0) for fit in fits)


@dataclass(frozen=True)
class CallbackCase:
    """A sequence of epoch logs the callback class is run on, and the epoch where it must stop (None: never)."""

    id: str
    logs: tuple[Mapping[str, float], ...]
    first_epoch: int
    expected_stop: int | None
    replay: bool = False  # the graded run's own logs, replayed


@dataclass(frozen=True)
class CallbackAnswer:
    id: str
    stopped_at: int | None = None
    error: StudentError | None = None


@dataclass(frozen=True)
class CallbackTrial:
    """The student's callback class run alone on the grader's cases, answers matched to cases by id."""

    class_name: str | None  # the class tried; None when none was found
    cases: tuple[CallbackCase, ...]
    answers: Mapping[str, CallbackAnswer]
    unexpected: tuple[str, ...] = ()  # answer ids the grader never sent, or sent twice
    problem: str = ""  # why it could not run at all: "no_class", "failed", "malformed"
    definition_errors: tuple[StudentError, ...] = ()


@dataclass(frozen=True)
class Names:
    """What each graded role is called in this submission's messages: the name it defines, else the spec's first."""

    model: str
    callback: str
    training: str


@dataclass(frozen=True)
class DatasetFacts:
    title: str
    image_shape: tuple[int, ...]
    classes: int


@dataclass(frozen=True)
class Context:
    """Everything a check may ask for, by parameter name."""

    names: Names
    dataset: DatasetFacts
    lesson: bool  # no training function: the notebook's own recorded fit is graded
    reached: tuple[str, ...]  # the phases the student's run completed
    builder: Builder | None = None
    untrained_model: ModelFacts | None = None
    training: Training | None = None
    trained_model: ModelFacts | None = None
    callback: CallbackTrial | None = None
    condition: StopCondition | None = None
    max_epochs: int | None = None
    strict_epochs: bool = False
    reference_accuracy: float | None = None
    measured: Any = None  # the assignment's own trusted experiments (probes.py measure), as JSON
    claims: Any = None  # what the assignment's probes.py collect returned from the student's process: untrusted JSON
    extra: Mapping[str, Any] = field(default_factory=dict)


CONTEXT = tuple(name for name in Context.__dataclass_fields__ if name != "extra")
