"""Stage 3, evaluate: the grader measures the trained model itself.

The saved model is loaded in a second sandboxed process that runs no student
code (Keras safe mode, no custom objects) and evaluated on the 10,000
held-out images and on the training images. These are the only accuracy
numbers that score; nothing the student's code reported is trusted.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from grader import messages
from grader.options import Options
from grader.sandbox import Limits, Outcome
from grader.spec import AssignmentSpec
from grader.untrusted import Untrusted, copy_untrusted, read_untrusted
from grader.workspace import data_job, run_harness, workspace

EVALUATION_LIMITS = Limits(wall_seconds=300, cpu_seconds=600, memory_mb=4096, output_bytes=100_000)


@dataclass(frozen=True)
class Evaluation:
    held_out_accuracy: float | None
    train_accuracy: float | None
    params: int | None
    output_shape: tuple[int | None, ...] | None
    layers: tuple[str, ...]
    problem: str  # empty when the model was evaluated; otherwise why not, for the student

    @property
    def measured(self) -> bool:
        return self.held_out_accuracy is not None


NOT_EVALUATED = Evaluation(None, None, None, None, (), "")
MODEL_FILE = "model.keras"
MODEL_LIMIT = 500_000_000


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
    )
    if evaluation.held_out_accuracy is None:
        problem = messages.evaluation_failed(str(data.get("evaluate_error", "no accuracy measured"))[:1000])
        return Evaluation(None, None, evaluation.params, evaluation.output_shape, evaluation.layers, problem)
    return evaluation


def evaluate(model: Path | None, spec: AssignmentSpec, options: Options) -> Evaluation:
    """Measure the model in a fresh workspace that holds a copy of it and nothing from the student's run."""
    if model is None:
        return NOT_EVALUATED
    with workspace(options) as space:
        if not copy_untrusted(model, space.job / MODEL_FILE, MODEL_LIMIT):
            return _failed(messages.model_refused(f"the saved model is not a plain file under {MODEL_LIMIT} bytes"))
        job = {
            "model": space.inside(space.job / MODEL_FILE, f"/job/{MODEL_FILE}"),
            "data": data_job(space, spec.normalize),
            "seed": spec.seed,
        }
        run = run_harness(space, "evaluate_model.py", job, EVALUATION_LIMITS, options)
        try:
            raw = read_untrusted(space.out / "evaluation.json", 1_000_000)
        except Untrusted:
            raw = None
    if run.outcome is not Outcome.FINISHED or raw is None:
        return _failed(messages.evaluation_failed(f"{run.outcome.value}, exit {run.exit_code}: {run.output[-800:]}"))
    try:
        return _parse(json.loads(raw))
    except ValueError:
        return _failed(messages.evaluation_failed("unreadable result"))
