"""Stage 2, run: the submission runs sandboxed while the harness observes training.

Returns an ``Execution``: how the sandbox run ended, what the harness observed
(validated), and the saved model if training produced one. Student trouble
becomes a status and a message, never an exception.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from grader.text import messages
from grader.grading import observations
from grader.grading.observations import Observations
from grader.options import Options
from grader.data.provision import Provision
from grader.sandbox.run import Outcome, SandboxRun
from grader.spec import AssignmentSpec
from grader.status import Status
from grader.grading.load import Submission
from grader.grading.workspace import RESULTS_LIMIT, Workspace, data_job, run_harness

OUTCOME_STATUS = {
    Outcome.TIMEOUT: Status.TIMEOUT,
    Outcome.CPU_TIME: Status.CPU_TIME,
    Outcome.MEMORY: Status.MEMORY,
    Outcome.OUTPUT: Status.OUTPUT,
}


@dataclass(frozen=True)
class Execution:
    status: Status  # GRADED when the code ran and training could be observed
    message: str
    run: SandboxRun | None
    observations: Observations | None
    model: Path | None  # the trained model, saved by the harness, not yet trusted


CASE_STEP = 0.005  # how far past the threshold the near cases sit: `>` and `>=` both pass, a wrong threshold does not


def callback_cases(spec: AssignmentSpec) -> list[dict]:
    """Logs the callback is probed with: far before, just before, just past and far past the threshold.

    The threshold itself is not probed, so `>` and `>=` (or `<` and `<=`) are equally right. Every
    case carries both loss and accuracy, as Keras logs them, the other metric at a plausible value.
    """
    condition = spec.thresholds.condition
    direction = 1 if condition.rising else -1
    far = max(4 * CASE_STEP, 0.05 * abs(condition.threshold))
    values = [condition.threshold - direction * offset for offset in (far, CASE_STEP)]
    values += [condition.threshold + direction * offset for offset in (CASE_STEP, far)]
    if condition.metric == "accuracy":
        values = [min(1.0, max(0.0, value)) for value in values]
    other = {"accuracy": ("loss", (0.6, 0.45, 0.4, 0.3)), "loss": ("accuracy", (0.80, 0.84, 0.85, 0.88))}[condition.metric]
    return [{"logs": {condition.metric: round(value, 4), other[0]: other[1][index]}} for index, value in enumerate(values)]


def _job(submission: Submission, spec: AssignmentSpec, space: Workspace, provision: Provision) -> dict:
    graded = spec.graded
    module_file = f"/submission/{submission.path.name}"
    return {
        "submission": {
            "kind": submission.kind,
            "module_name": submission.path.stem,
            "cells": [
                {"index": index, "number": cell.number, "source": cell.source, "filename": module_file}
                for index, cell in enumerate(submission.cells)
            ],
            "required_names": [list(names) for names in graded.roles().values()] if graded.required else [],
        },
        "seed": spec.seed,
        "data": data_job(space, provision, spec.data.normalize),
        "lesson": {"fit": spec.lesson.fit, "continue_after_errors": spec.lesson.continue_after_errors},
        "assignment_probes": _assignment_probes(spec, space),
        "probes": {
            "model": {"names": list(graded.model)},
            "callback": {"names": list(graded.callback), "cases": callback_cases(spec)},
            "training": {"names": list(graded.training)},
        },
    }


PROBES_FILE = "probes.py"


def _assignment_probes(spec: AssignmentSpec, space: Workspace) -> str | None:
    """The assignment's own probes.py, copied beside the job: it runs inside the sandbox, after the student's code."""
    source = spec.folder / PROBES_FILE
    if not source.is_file():
        return None
    shutil.copyfile(source, space.job / PROBES_FILE)
    return space.inside(space.job / PROBES_FILE, f"/job/{PROBES_FILE}")


def run_submission(submission: Submission, spec: AssignmentSpec, space: Workspace, options: Options, provision: Provision) -> Execution:
    limits = options.limits or spec.limits
    run = run_harness(space, "run_submission.py", _job(submission, spec, space, provision), limits, options, provision)
    try:
        found = observations.read(space.out / "observations.json")
    except observations.Malformed as problem:
        return Execution(Status.CRASHED, messages.observations_malformed(problem), run, None, None)
    model = space.out / "model.keras"
    model = model if model.is_file() and found and found.training and found.training.model_saved else None
    status, message = _verdict(submission, spec, run, found, limits)
    return Execution(status, message, run, found, model)


def _verdict(submission, spec, run: SandboxRun, found: Observations | None, limits) -> tuple[Status, str]:
    if run.outcome is Outcome.OUTPUT and not run.output_truncated:  # the results pipe, not the printed output
        return Status.OUTPUT, messages.results_too_large(RESULTS_LIMIT)
    if run.outcome in OUTCOME_STATUS:
        return OUTCOME_STATUS[run.outcome], messages.limit_breached(run.outcome.value, limits, found, run)
    if found is None or "execution" not in found.phases:
        return Status.CRASHED, messages.crashed_before_running(run, limits)
    if found.execution_error is not None:
        return Status.ERROR, messages.student_error(submission, found.execution_error, limits)
    if found.missing_names:
        return Status.ERROR, messages.missing_names(submission, found.missing_names)
    if not found.finished:
        return Status.CRASHED, messages.crashed_while(found.phases[-1], run, limits)
    return Status.GRADED, ""


def keep_model(execution: Execution, destination: Path) -> Path | None:
    """Copy the model out of the work folder (it is removed after grading)."""
    if execution.model is None:
        return None
    shutil.copyfile(execution.model, destination)
    return destination
