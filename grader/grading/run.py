"""Stage 2, run: the submission runs sandboxed while the harness observes it.

Returns an ``Execution``: how the sandbox run ended, what the harness observed (validated), and
the model files it sent, not yet trusted. Student trouble becomes a status and a message, never
an exception. When the student's process died after some cells ran, the cells before the fatal
one run again in a fresh sandbox (``rerun_before``), so that what they define can still be graded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from grader.data.provision import Provision
from grader.grading import observations
from grader.grading.load import Submission
from grader.grading.observations import Observations
from grader.grading.workspace import RESULTS_LIMIT, Workspace, data_job, data_mounts, run_harness
from grader.options import Options
from grader.sandbox.limits import Limits
from grader.sandbox.run import Outcome, SandboxRun
from grader.spec import AssignmentSpec
from grader.status import Status
from grader.text import messages

OUTCOME_STATUS = {Outcome.TIMEOUT: Status.TIMEOUT, Outcome.CPU_TIME: Status.CPU_TIME, Outcome.MEMORY: Status.MEMORY, Outcome.OUTPUT: Status.OUTPUT}
TRANSLATE_SECONDS = 20
PROBES_FILE = "probes.py"
Listener = Callable[[dict], None]


@dataclass(frozen=True)
class Execution:
    status: Status  # GRADED when the code ran to its end
    message: str
    run: SandboxRun | None
    observations: Observations | None
    files: dict[str, Path] = field(default_factory=dict)  # model files the run sent: untrained, model, variant-<name>
    rerun: bool = False  # the cells before a fatal one were run again to grade what they define


def job(submission: Submission, spec: AssignmentSpec, space: Workspace, provision: Provision, cells: int | None = None) -> dict:
    """The harness's job: the cells to run (all, or the first ``cells``), the graded names, the data it may see."""
    chosen = submission.cells if cells is None else submission.cells[:cells]
    module_file = f"/submission/{submission.path.name}"
    probes = spec.folder / PROBES_FILE
    if probes.is_file():
        (space.job / PROBES_FILE).write_bytes(probes.read_bytes())
    return {
        "submission": {
            "kind": submission.kind,
            "module_name": submission.path.stem,
            "cells": [{"index": index, "number": cell.number, "source": cell.source, "filename": module_file} for index, cell in enumerate(chosen)],
            "required_names": [list(names) for names in spec.graded.roles().values()] if spec.graded.required else [],
        },
        "seed": spec.seed,
        "translate_seconds": TRANSLATE_SECONDS,
        "data": data_job(space, provision.served, spec.data.normalize, provision.dataset.keras_name),
        "lesson": {"fit": spec.lesson.fit, "continue_after_errors": spec.lesson.continue_after_errors, "allowed": not spec.graded.required},
        "assignment_probes": space.inside(space.job / PROBES_FILE, f"/job/{PROBES_FILE}") if probes.is_file() else None,
        "roles": {role: list(names) for role, names in (("model", spec.graded.model), ("callback", spec.graded.callback), ("training", spec.graded.training))},
    }


def run(
    submission: Submission,
    spec: AssignmentSpec,
    space: Workspace,
    options: Options,
    provision: Provision,
    on_event: Listener | None = None,
    on_untrained: Callable[[Path], None] | None = None,
) -> Execution:
    """The student's run; ``on_event`` hears each epoch as it ends, ``on_untrained`` gets the untrained model's file as soon as it arrives."""
    limits = options.limits or spec.limits
    execution = _run(submission, spec, space, options, provision, limits, on_event, on_untrained=on_untrained)
    fatal = execution.status is Status.CRASHED or execution.status in OUTCOME_STATUS.values()
    done = observations.last_cell(space.out / "cell")
    found = execution.observations
    during_cells = found is None or "execution" not in found.phases
    if fatal and during_cells and done is not None and done + 1 < len(submission.cells):
        return rerun_before(submission, spec, space, options, provision, limits, execution, done + 1)
    return execution


def _run(
    submission: Submission,
    spec: AssignmentSpec,
    space: Workspace,
    options: Options,
    provision: Provision,
    limits: Limits,
    on_event: Listener | None,
    cells: int | None = None,
    on_untrained: Callable[[Path], None] | None = None,
) -> Execution:
    import json

    def listener(name: str, data: bytes) -> None:
        if name == "untrained.keras" and on_untrained is not None:
            on_untrained(space.out / name)
        if name != "event":
            return
        try:
            event = json.loads(data)
        except ValueError:
            return
        if on_event and isinstance(event, dict) and event.get("kind") == "epoch":
            on_event({key: event[key] for key in ("kind", "epoch", "of", "accuracy", "loss") if key in event})

    mounts = data_mounts(space, provision, raw_files=True)
    ran = run_harness(space, "run_submission.py", job(submission, spec, space, provision, cells), limits, options, mounts, listener)
    try:
        found = observations.read(space.out / "observations.json")
    except observations.Malformed as problem:
        return Execution(Status.CRASHED, messages.observations_malformed(problem), ran, None)
    files = {path.stem: path for path in space.out.glob("*.keras")}
    status, message = verdict(submission, ran, found, limits)
    return Execution(status, message, ran, found, files)


def rerun_before(
    submission: Submission, spec: AssignmentSpec, space: Workspace, options: Options, provision: Provision, limits: Limits, first: Execution, cells: int
) -> Execution:
    """After a fatal cell, the cells before it again, in a fresh sandbox: grade what they define; the status stays the first run's."""
    for stale in space.out.iterdir():
        stale.unlink()
    again = _run(submission, spec, space, options, provision, limits, None, cells)
    if again.observations is None:
        return first
    return replace(again, status=first.status, message=first.message, run=first.run, rerun=True)


def verdict(submission: Submission, run: SandboxRun, found: Observations | None, limits: Limits) -> tuple[Status, str]:
    """How the run ended, in the order that names it: the results channel, a limit, a crash, the student's code."""
    if run.outcome is Outcome.OUTPUT and not run.output_truncated:  # the results pipe, not the printed output
        return Status.OUTPUT, messages.results_too_large(RESULTS_LIMIT)
    if run.outcome in OUTCOME_STATUS:
        return OUTCOME_STATUS[run.outcome], messages.limit_breached(run.outcome.value, limits, found, run)
    if found is not None and found.translation_too_slow is not None:
        return Status.INVALID, messages.translation_too_slow(submission.path, found.translation_too_slow)
    if found is not None and found.translation_error is not None:
        return Status.ERROR, messages.syntax_error(submission, found.translation_error)
    if found is None or "execution" not in found.phases:
        return Status.CRASHED, messages.crashed_before_running(run, limits)
    if found.execution_error is not None:
        return Status.ERROR, messages.student_error(submission, found.execution_error, limits)
    if found.missing_names:
        return Status.ERROR, messages.missing_names(submission, found.missing_names)
    if not found.finished:
        return Status.CRASHED, messages.crashed_while(found.phases[-1], run, limits)
    return Status.GRADED, ""
