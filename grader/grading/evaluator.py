"""The evaluation process of one grading: started beside the student's run, told what to measure.

It runs ``harness/evaluate_model.py`` in a fresh workspace that holds nothing of the student's
run, with the real held-out images, imports Keras and waits. The untrained model is handed over
as soon as the run sends it (``hand_over_untrained``) and measured while the student's code still
trains; the other model files when the run is over (``finish``). Its measurements come back in
``evaluation.json``, of which only the first is kept; after it, in the same sandbox, the
callback class is tried on the grader's cases (``callback.json``).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from grader.checks.facts import CallbackTrial, ModelFacts
from grader.data.provision import Provision
from grader.grading import callback_trial
from grader.grading.measurements import NOT_EVALUATED, Evaluation, InputForm, model_facts, parse
from grader.grading.workspace import Workspace, data_job, data_mounts, run_harness, workspace
from grader.options import Options
from grader.sandbox.intake import Untrusted, copy_untrusted, read_untrusted
from grader.sandbox.limits import Limits
from grader.sandbox.run import Outcome, SandboxRun
from grader.spec import AssignmentSpec
from grader.text import messages

EVALUATION_LIMITS = Limits(wall_seconds=300, cpu_seconds=600, memory_mb=4096, output_bytes=100_000)
MODEL_LIMIT = 500_000_000
MANIFEST, TRIAL, UNTRAINED = "models.json", "trial.json", "untrained.keras"
Models = dict[str, tuple[Path, str, InputForm | None]]  # name -> (file, role, how the images are fed)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Evaluator:
    """The evaluation process, started early: it imports Keras while the student's code runs."""

    def __init__(
        self,
        job: dict,
        options: Options,
        space: Workspace,
        waiting_seconds: float,
        provision: Provision,
        on_untrained: Callable[[ModelFacts], None] | None = None,
    ):
        self.space, self.on_untrained = space, on_untrained
        self.early: str | None = None  # the SHA-256 of the untrained model measured early
        inside = space.inside
        job = {
            **job,
            "ready": inside(space.job / "ready", "/job/ready"),
            "cancelled": inside(space.job / "cancelled", "/job/cancelled"),
            "untrained_ready": inside(space.job / "untrained_ready", "/job/untrained_ready"),
            "untrained": inside(space.job / UNTRAINED, f"/job/{UNTRAINED}"),
            "manifest": inside(space.job / MANIFEST, f"/job/{MANIFEST}"),
            "data": data_job(space, provision.real, True, None),
            "served": data_job(space, provision.served, True, None, "/served"),
        }
        limits = replace(EVALUATION_LIMITS, wall_seconds=EVALUATION_LIMITS.wall_seconds + waiting_seconds)
        mounts = data_mounts(space, provision, raw_files=False)
        self.runs: list[SandboxRun] = []
        target = lambda: self.runs.append(run_harness(space, "evaluate_model.py", job, limits, options, mounts, self._heard))  # noqa: E731
        self.thread = threading.Thread(target=target, daemon=True)
        self.thread.start()

    def _heard(self, name: str, _data: bytes) -> None:
        """The early measurement arrived: tell who wants to know (live progress)."""
        if name != "early.json" or self.on_untrained is None:
            return
        try:
            raw = read_untrusted(self.space.out / name, 1_000_000)
            facts = parse(json.loads(raw or b"")).model("untrained")
        except (Untrusted, ValueError, RecursionError):
            return
        if facts is not None:
            self.on_untrained(facts)

    def hand_over_untrained(self, source: Path) -> None:
        """The untrained model, measured at once while the student's code goes on."""
        target = self.space.job / UNTRAINED
        if self.early is None and self.thread.is_alive() and copy_untrusted(source, target, MODEL_LIMIT):
            target.chmod(0o644)
            self.early = _digest(target)
            (self.space.job / "untrained_ready").touch()

    def cancel(self) -> None:
        (self.space.job / "cancelled").touch()
        self.thread.join()

    def finish(self, models: Models, trial: callback_trial.Job | None, experiments: bool = False) -> tuple[Evaluation, CallbackTrial | None]:
        """Hand over the model files and the trial, and wait for the measurements and the callback's answers."""
        manifest = []
        for name, (source, role, form) in models.items():
            target = self.space.job / f"{name}.keras"
            if name == "untrained" and self.early is not None and source.is_file() and _digest(source) == self.early:
                continue  # measured early, and the run sent no other
            if copy_untrusted(source, target, MODEL_LIMIT):
                target.chmod(0o644)
                manifest.append(
                    {"name": name, "role": role, "file": self.space.inside(target, f"/job/{target.name}"), **({"form": form.to_json()} if form else {})}
                )
        if not manifest and not experiments and trial is None and self.early is None:
            self.cancel()
            return NOT_EVALUATED, None
        content: dict = {"models": manifest}
        if trial is not None:
            (self.space.job / TRIAL).write_text(json.dumps(callback_trial.job_json(trial)))
            content["trial"] = self.space.inside(self.space.job / TRIAL, f"/job/{TRIAL}")
        (self.space.job / MANIFEST).write_text(json.dumps(content))
        for path in self.space.job.iterdir():
            path.chmod(0o644)
        (self.space.job / "ready").touch()
        self.thread.join()
        return self._evaluation(), (self._trial(trial) if trial is not None else None)

    def _ended(self) -> str:
        run = self.runs[0] if self.runs else None
        return "" if run and run.outcome is Outcome.FINISHED else (f"{run.outcome.value}, exit {run.exit_code}" if run else "it did not start")

    def _evaluation(self) -> Evaluation:
        try:
            raw = read_untrusted(self.space.out / "evaluation.json", 5_000_000)
        except Untrusted:
            raw = None
        if raw is None:
            run = self.runs[0] if self.runs else None
            return Evaluation(problem=messages.evaluation_failed(f"{self._ended()}: {run.output[-800:] if run else ''}"))
        try:
            return parse(json.loads(raw))
        except (ValueError, RecursionError):
            return Evaluation(problem=messages.evaluation_failed("unreadable result"))

    def _trial(self, trial: callback_trial.Job) -> CallbackTrial:
        try:
            raw = read_untrusted(self.space.out / "callback.json", 1_000_000)
        except Untrusted:
            raw = None
        return callback_trial.parse(raw, trial.cases, self._ended())


@contextmanager
def evaluation_started(
    job: dict, options: Options, waiting_seconds: float, provision: Provision, on_untrained: Callable[[ModelFacts], None] | None = None
) -> Iterator[Evaluator]:
    """An evaluation process in its own fresh workspace, which holds nothing of the student's run but its model files."""
    with workspace(options) as space:
        if job.get("assignment_probes"):
            copied = space.job / "probes.py"
            copied.write_bytes(Path(job["assignment_probes"]).read_bytes())
            job = {**job, "assignment_probes": space.inside(copied, "/job/probes.py")}
        pending = Evaluator(job, options, space, waiting_seconds, provision, on_untrained)
        try:
            yield pending
        finally:
            if pending.thread.is_alive():
                pending.cancel()


def started(spec: AssignmentSpec, provision: Provision, options: Options, on_untrained: Callable[[ModelFacts], None] | None = None):
    """The evaluation process for one grading, started now: it waits while the student's code runs."""
    probes = spec.folder / "probes.py"
    job = {
        "seed": spec.seed,
        "image_shape": list(provision.dataset.image_shape),
        "assignment_probes": str(probes) if probes.is_file() else None,
        "trial_classes": provision.dataset.classes if spec.callback is not None else None,  # the trial's model is prepared while the student trains
    }
    assert options.limits is not None
    return evaluation_started(job, options, options.limits.wall_seconds, provision, on_untrained)


__all__ = ["EVALUATION_LIMITS", "Evaluator", "evaluation_started", "model_facts", "started"]
