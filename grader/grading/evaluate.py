"""Stage 3, evaluate: the grader measures the model files itself, in a process that runs no student code.

The evaluation process (``harness/evaluate_model.py``) starts beside the student's run, in a
fresh workspace of its own that holds the real held-out images, imports Keras and waits. When the
run is over, the model files it sent (the untrained model the graded builder returned, the model
training produced, the assignment's variants) are copied in as plain files and measured: loaded in
safe mode, compile settings and optimizer steps read from the file, held-out and training accuracy
computed on images fed the way the student trained. These are the only numbers that score.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from grader.checks.facts import CallbackTrial, Layer, ModelFacts
from grader.data.provision import Provision
from grader.grading import callback_trial
from grader.grading.load import Submission
from grader.grading.run import Execution
from grader.grading.workspace import Workspace, data_job, data_mounts, run_harness, workspace
from grader.options import Options
from grader.sandbox.intake import Untrusted, copy_untrusted, read_untrusted
from grader.sandbox.limits import Limits
from grader.sandbox.run import Outcome, SandboxRun
from grader.spec import AssignmentSpec
from grader.text import messages

EVALUATION_LIMITS = Limits(wall_seconds=300, cpu_seconds=600, memory_mb=4096, output_bytes=100_000)
MODEL_LIMIT = 500_000_000
MANIFEST = "models.json"


@dataclass(frozen=True)
class InputForm:
    """How the student's training fed the images to fit, so the model is evaluated on the same form."""

    scaled: bool  # divided by 255
    shape: tuple[int, ...] | None  # one image as fed: (28, 28), (28, 28, 1), (784,); None: the dataset's own shape

    @classmethod
    def of(cls, x_shape: tuple[int | None, ...] | None, x_max: float | None, default_scaled: bool, pixels: int) -> InputForm:
        scaled = default_scaled if x_max is None else x_max <= 1.5
        image = tuple(x_shape[1:]) if x_shape and len(x_shape) > 1 else None
        valid = image is not None and all(isinstance(d, int) and d > 0 for d in image) and math.prod(image) == pixels  # type: ignore[arg-type]
        return cls(scaled, image if valid else None)  # type: ignore[arg-type]

    def to_json(self) -> dict:
        return {"scale": 1 / 255 if self.scaled else 1.0, **({"shape": list(self.shape)} if self.shape else {})}


@dataclass(frozen=True)
class Evaluation:
    """What the evaluation process measured: one ``ModelFacts`` per model file, and the assignment's own experiments."""

    models: dict[str, ModelFacts] = field(default_factory=dict)
    assignment: Any = None
    problem: str = ""  # why nothing could be measured

    def model(self, name: str) -> ModelFacts | None:
        return self.models.get(name)


NOT_EVALUATED = Evaluation()


def _number(data: dict, key: str, low: float = -math.inf, high: float = math.inf) -> float | None:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or not low <= value <= high:
        return None
    return float(value)


def _integer(data: dict, key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _shape(value: Any) -> tuple[int | None, ...] | None:
    return tuple(d if isinstance(d, int) and not isinstance(d, bool) else None for d in value[:8]) if isinstance(value, list) else None


def model_facts(data: Any) -> ModelFacts:
    """One model's measurements, read defensively (the process that wrote them loaded a student's file)."""
    if not isinstance(data, dict):
        return ModelFacts(False, "no result")
    if not data.get("loaded"):
        return ModelFacts(False, str(data.get("load_error", ""))[:1000])
    layers = tuple(Layer(str(layer.get("class", ""))[:100], _integer(layer, "units")) for layer in data.get("layers", [])[:200]
                   if isinstance(layer, dict)) if isinstance(data.get("layers"), list) else ()
    call_shape = _shape(data.get("call_shape"))
    return ModelFacts(
        loaded=True, params=_integer(data, "params"), layers=layers, output_shape=_shape(data.get("output_shape")),
        call_shape=tuple(d or 0 for d in call_shape) if call_shape else None, call_error=str(data.get("call_error", ""))[:1000],
        probabilities=data.get("probabilities") is True, compiled=data.get("compiled") is True,
        loss=str(data["loss"])[:200] if isinstance(data.get("loss"), str) else None,
        metrics=tuple(str(metric)[:200] for metric in data.get("metrics", [])[:20]) if isinstance(data.get("metrics"), list) else (),
        optimizer_steps=_integer(data, "optimizer_steps") or 0,
        held_out_accuracy=_number(data, "held_out_accuracy", 0, 1), train_accuracy=_number(data, "train_accuracy", 0, 1),
        train_loss=_number(data, "train_loss", 0), evaluate_error=str(data.get("evaluate_error", ""))[:1000],
    )


def parse(data: Any) -> Evaluation:
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        return Evaluation(problem=messages.evaluation_failed("no result"))
    models = {str(name)[:60]: model_facts(facts) for name, facts in list(data["models"].items())[:40]}
    return Evaluation(models, data.get("assignment"))


class PendingEvaluation:
    """The evaluation process, started early: it imports Keras while the student's code runs."""

    def __init__(self, job: dict, options: Options, space: Workspace, waiting_seconds: float, provision: Provision):
        self.space = space
        job = {**job, "ready": space.inside(space.job / "ready", "/job/ready"), "cancelled": space.inside(space.job / "cancelled", "/job/cancelled"),
               "manifest": space.inside(space.job / MANIFEST, f"/job/{MANIFEST}"),
               "data": data_job(space, provision.real, True, None), "served": data_job(space, provision.served, True, None, "/served")}
        limits = replace(EVALUATION_LIMITS, wall_seconds=EVALUATION_LIMITS.wall_seconds + waiting_seconds)
        mounts = data_mounts(space, provision, raw_files=False)
        self.runs: list[SandboxRun] = []
        target = lambda: self.runs.append(run_harness(space, "evaluate_model.py", job, limits, options, mounts))  # noqa: E731
        self.thread = threading.Thread(target=target, daemon=True)
        self.thread.start()

    def cancel(self) -> None:
        (self.space.job / "cancelled").touch()
        self.thread.join()

    def finish(self, models: dict[str, tuple[Path, str, InputForm | None]], experiments: bool = False) -> Evaluation:
        """Hand over the model files ({name: (file, role, form)}) and wait for their measurements (and the assignment's
        own ``experiments``, which run even without a model file)."""
        manifest = []
        for name, (source, role, form) in models.items():
            target = self.space.job / f"{name}.keras"
            if copy_untrusted(source, target, MODEL_LIMIT):
                target.chmod(0o644)
                manifest.append({"name": name, "role": role, "file": self.space.inside(target, f"/job/{target.name}"),
                                 **({"form": form.to_json()} if form else {})})
        if not manifest and not experiments:
            self.cancel()
            return NOT_EVALUATED
        (self.space.job / MANIFEST).write_text(json.dumps({"models": manifest}))
        (self.space.job / MANIFEST).chmod(0o644)
        (self.space.job / "ready").touch()
        self.thread.join()
        return self._result()

    def _result(self) -> Evaluation:
        run = self.runs[0] if self.runs else None
        try:
            raw = read_untrusted(self.space.out / "evaluation.json", 5_000_000)
        except Untrusted:
            raw = None
        if run is None or run.outcome is not Outcome.FINISHED or raw is None:
            detail = f"{run.outcome.value}, exit {run.exit_code}: {run.output[-800:]}" if run else "it did not start"
            return Evaluation(problem=messages.evaluation_failed(detail))
        try:
            return parse(json.loads(raw))
        except (ValueError, RecursionError):
            return Evaluation(problem=messages.evaluation_failed("unreadable result"))


@contextmanager
def evaluation_started(job: dict, options: Options, waiting_seconds: float, provision: Provision) -> Iterator[PendingEvaluation]:
    """An evaluation process in its own fresh workspace, which holds nothing of the student's run but the model files."""
    with workspace(options) as space:
        if job.get("assignment_probes"):
            copied = space.job / "probes.py"
            copied.write_bytes(Path(job["assignment_probes"]).read_bytes())
            job = {**job, "assignment_probes": space.inside(copied, "/job/probes.py")}
        pending = PendingEvaluation(job, options, space, waiting_seconds, provision)
        try:
            yield pending
        finally:
            if pending.thread.is_alive():
                pending.cancel()


def _models(execution: Execution, pixels: int, normalize: bool) -> dict[str, tuple[Path, str, InputForm | None]]:
    """The run's model files and what each is to be measured as: the untrained model, the trained one (fed as the student fed it), variants."""
    found, files = execution.observations, execution.files
    training = found.training if found else None
    fit = training.graded_fit if training else None
    models: dict[str, tuple[Path, str, InputForm | None]] = {}
    if "untrained" in files and found and found.builder and found.builder.saved:
        models["untrained"] = (files["untrained"], "untrained", None)
    if "model" in files and training and training.model_saved:
        models["model"] = (files["model"], "trained", InputForm.of(fit.x_shape, fit.x_max, normalize, pixels) if fit else None)
    models.update({name: (path, "variant", None) for name, path in sorted(files.items()) if name.startswith("variant-")})
    return models


def _trial_job(execution: Execution, submission: Submission, spec: AssignmentSpec, provision: Provision) -> callback_trial.Job | None:
    """What the callback trial tries: the graded name (or the lesson's class), on fresh cases and the run's own logs."""
    found = execution.observations
    if spec.callback is None or (found is not None and (found.translation_too_slow is not None or found.translation_error is not None)):
        return None  # nothing of the submission compiled: there is no class to try
    names = tuple(spec.graded.callback) or ((found.callback_class,) if found and found.callback_class else ())
    if not names:
        return None
    condition = spec.callback.condition
    replayed = callback_trial.replay(found.training if found else None, condition, found.callback_class if found else None)
    cases = callback_trial.draw(condition) + ((replayed,) if replayed else ())
    return callback_trial.Job(submission, names, cases, spec.seed, provision.dataset.image_shape, provision.dataset.classes)


def measure(pending: PendingEvaluation, execution: Execution, submission: Submission, spec: AssignmentSpec, provision: Provision,
            options: Options) -> tuple[Evaluation, CallbackTrial | None]:
    """Stage 3: the model files measured, and (at the same time, in its own sandbox) the callback class tried alone."""
    job = _trial_job(execution, submission, spec, provision)
    trials: list[CallbackTrial] = []
    thread = threading.Thread(target=lambda: trials.append(callback_trial.try_callback(job, options)), daemon=True) if job else None
    if thread:
        thread.start()
    collected = execution.observations is not None and execution.observations.claims is not None
    evaluation = pending.finish(_models(execution, provision.dataset.pixels, spec.data.normalize), experiments=collected)
    if thread:
        thread.join()
    return evaluation, (trials[0] if trials else None)


def started(spec: AssignmentSpec, provision: Provision, options: Options):
    """The evaluation process for one grading, started now: it waits while the student's code runs."""
    probes = spec.folder / "probes.py"
    job = {"seed": spec.seed, "image_shape": list(provision.dataset.image_shape), "assignment_probes": str(probes) if probes.is_file() else None}
    assert options.limits is not None
    return evaluation_started(job, options, options.limits.wall_seconds, provision)
