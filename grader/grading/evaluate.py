"""Stage 3, evaluate: the grader measures the trained model itself.

The saved model is loaded in a second sandboxed process that runs no student
code (Keras safe mode, no custom objects) and evaluated on the held-out
images and on the training images, fed in the form the student trained on
(scaled or not, 28×28, 28×28×1 or 784 values). That process starts beside the
student's run and waits for the model, so its start-up costs no time. These are the only accuracy
numbers that score; nothing the student's code reported is trusted.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from grader.text import messages
from grader.options import Options
from grader.data.provision import Provision
from grader.sandbox.run import Limits, Outcome, SandboxRun
from grader.spec import AssignmentSpec
from grader.sandbox.intake import Untrusted, copy_untrusted, read_untrusted
from grader.grading.workspace import Workspace, data_job, run_harness, workspace

EVALUATION_LIMITS = Limits(wall_seconds=300, cpu_seconds=600, memory_mb=4096, output_bytes=100_000)


@dataclass(frozen=True)
class Evaluation:
    held_out_accuracy: float | None
    train_accuracy: float | None
    params: int | None
    output_shape: tuple[int | None, ...] | None
    layers: tuple[str, ...]
    problem: str  # empty when the model was evaluated; otherwise why not, for the student
    train_loss: float | None = None  # cross-entropy on the training images, final model

    @property
    def measured(self) -> bool:
        return self.held_out_accuracy is not None

    def train_metric(self, metric: str) -> float | None:
        return {"accuracy": self.train_accuracy, "loss": self.train_loss}.get(metric)


@dataclass(frozen=True)
class InputForm:
    """How the student's training fed the images to fit, so the model is evaluated on the same form."""

    scaled: bool  # divided by 255
    shape: tuple[int, ...] | None  # one image: (28, 28), (28, 28, 1), (784,); None: (28, 28)

    @classmethod
    def of(cls, x_shape: tuple[int | None, ...] | None, x_max: float | None, default_scaled: bool) -> InputForm:
        scaled = default_scaled if x_max is None else x_max <= 1.5
        image = tuple(x_shape[1:]) if x_shape and len(x_shape) > 1 else None
        valid = image is not None and all(isinstance(d, int) and d > 0 for d in image) and math.prod(image) == 784
        return cls(scaled, image if valid else None)  # type: ignore[arg-type]

    def to_json(self) -> dict:
        return {"scale": 1 / 255 if self.scaled else 1.0, **({"shape": list(self.shape)} if self.shape else {})}


NOT_EVALUATED = Evaluation(None, None, None, None, (), "")
MODEL_FILE = "model.keras"
FORM_FILE = "form.json"
MODEL_LIMIT = 500_000_000


def _number(data: dict, key: str) -> float | None:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        return None
    return float(value)


def _failed(problem: str) -> Evaluation:
    return Evaluation(None, None, None, None, (), problem)


def _fraction(data: dict, key: str) -> float | None:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value) if 0.0 <= value <= 1.0 else None


def _parse(data: object) -> Evaluation:
    if not isinstance(data, dict):
        return _failed(messages.evaluation_failed("no result"))
    if not data.get("loaded"):
        return _failed(messages.model_refused(str(data.get("load_error", ""))[:1000]))
    params = data.get("params")
    shape = data.get("output_shape")
    evaluation = Evaluation(
        held_out_accuracy=_fraction(data, "test_accuracy"),
        train_accuracy=_fraction(data, "train_accuracy"),
        params=params if isinstance(params, int) and not isinstance(params, bool) else None,
        output_shape=tuple(d if isinstance(d, int) else None for d in shape[:8]) if isinstance(shape, list) else None,
        layers=tuple(str(name)[:100] for name in data.get("layers", [])[:200]) if isinstance(data.get("layers"), list) else (),
        problem="",
        train_loss=_number(data, "train_loss"),
    )
    if evaluation.held_out_accuracy is None:
        problem = messages.evaluation_failed(str(data.get("evaluate_error", "no accuracy measured"))[:1000])
        return Evaluation(None, None, evaluation.params, evaluation.output_shape, evaluation.layers, problem)
    return evaluation


class PendingEvaluation:
    """The evaluation process, started early: it imports Keras while the student's code trains."""

    def __init__(self, spec: AssignmentSpec, options: Options, space: Workspace, waiting_seconds: float, provision: Provision):
        self.space = space
        job = {
            "model": space.inside(space.job / MODEL_FILE, f"/job/{MODEL_FILE}"),
            "form": space.inside(space.job / FORM_FILE, f"/job/{FORM_FILE}"),
            "ready": space.inside(space.job / "ready", "/job/ready"),
            "cancelled": space.inside(space.job / "cancelled", "/job/cancelled"),
            "data": data_job(space, provision, spec.data.normalize),
            "seed": spec.seed,
        }
        limits = replace(EVALUATION_LIMITS, wall_seconds=EVALUATION_LIMITS.wall_seconds + waiting_seconds)
        self.runs: list[SandboxRun] = []
        target = lambda: self.runs.append(run_harness(space, "evaluate_model.py", job, limits, options, provision))  # noqa: E731
        self.thread = threading.Thread(target=target, daemon=True)
        self.thread.start()

    def cancel(self) -> None:
        (self.space.job / "cancelled").touch()
        self.thread.join()

    def finish(self, model: Path | None, form: InputForm | None = None) -> Evaluation:
        """Hand over the trained model (None: there is none) and how it was fed, and wait for the measurement."""
        if model is None:
            self.cancel()
            return NOT_EVALUATED
        if not copy_untrusted(model, self.space.job / MODEL_FILE, MODEL_LIMIT):
            self.cancel()
            return _failed(messages.model_refused(f"the saved model is not a plain file under {MODEL_LIMIT} bytes"))
        (self.space.job / MODEL_FILE).chmod(0o644)
        (self.space.job / FORM_FILE).write_text(json.dumps((form or InputForm(True, None)).to_json()))
        (self.space.job / FORM_FILE).chmod(0o644)
        (self.space.job / "ready").touch()
        self.thread.join()
        return self._result()

    def _result(self) -> Evaluation:
        run = self.runs[0] if self.runs else None
        try:
            raw = read_untrusted(self.space.out / "evaluation.json", 1_000_000)
        except Untrusted:
            raw = None
        if run is None or run.outcome is not Outcome.FINISHED or raw is None:
            detail = f"{run.outcome.value}, exit {run.exit_code}: {run.output[-800:]}" if run else "it did not start"
            return _failed(messages.evaluation_failed(detail))
        try:
            return _parse(json.loads(raw))
        except (ValueError, RecursionError):
            return _failed(messages.evaluation_failed("unreadable result"))


@contextmanager
def evaluation_started(spec: AssignmentSpec, options: Options, waiting_seconds: float, provision: Provision) -> Iterator[PendingEvaluation]:
    """An evaluation process in its own fresh workspace, which holds nothing of the student's run but the model."""
    with workspace(options) as space:
        pending = PendingEvaluation(spec, options, space, waiting_seconds, provision)
        try:
            yield pending
        finally:
            if pending.thread.is_alive():
                pending.cancel()

