"""Stage 3, evaluate: the grader measures the trained model itself.

The saved model is loaded in a second sandboxed process that runs no student
code (Keras safe mode, no custom objects) and evaluated on the 10,000
held-out images and on the training images. That process starts beside the
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

from grader import messages
from grader.options import Options
from grader.sandbox import Limits, Outcome, SandboxRun
from grader.spec import AssignmentSpec
from grader.untrusted import Untrusted, copy_untrusted, read_untrusted
from grader.workspace import Workspace, data_job, run_harness, workspace

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


class PendingEvaluation:
    """The evaluation process, started early: it imports Keras while the student's code trains."""

    def __init__(self, spec: AssignmentSpec, options: Options, space: Workspace, waiting_seconds: float):
        self.space = space
        job = {
            "model": space.inside(space.job / MODEL_FILE, f"/job/{MODEL_FILE}"),
            "ready": space.inside(space.job / "ready", "/job/ready"),
            "cancelled": space.inside(space.job / "cancelled", "/job/cancelled"),
            "data": data_job(space, spec.normalize),
            "seed": spec.seed,
        }
        limits = replace(EVALUATION_LIMITS, wall_seconds=EVALUATION_LIMITS.wall_seconds + waiting_seconds)
        self.runs: list[SandboxRun] = []
        self.thread = threading.Thread(target=lambda: self.runs.append(run_harness(space, "evaluate_model.py", job, limits, options)), daemon=True)
        self.thread.start()

    def cancel(self) -> None:
        (self.space.job / "cancelled").touch()
        self.thread.join()

    def finish(self, model: Path | None) -> Evaluation:
        """Hand over the trained model (None: there is none) and wait for the measurement."""
        if model is None:
            self.cancel()
            return NOT_EVALUATED
        if not copy_untrusted(model, self.space.job / MODEL_FILE, MODEL_LIMIT):
            self.cancel()
            return _failed(messages.model_refused(f"the saved model is not a plain file under {MODEL_LIMIT} bytes"))
        (self.space.job / MODEL_FILE).chmod(0o644)
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
def evaluation_started(spec: AssignmentSpec, options: Options, waiting_seconds: float) -> Iterator[PendingEvaluation]:
    """An evaluation process in its own fresh workspace, which holds nothing of the student's run but the model."""
    with workspace(options) as space:
        pending = PendingEvaluation(spec, options, space, waiting_seconds)
        try:
            yield pending
        finally:
            if pending.thread.is_alive():
                pending.cancel()

