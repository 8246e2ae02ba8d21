"""The one place the stage order is written.

load the submission → run it sandboxed and observe training → evaluate the
saved model on the trusted side → score the checks → report.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from grader.text import messages
from grader.grading import reference
from grader import spec as specs
from grader.checks import names_for
from grader.errors import GraderError
from grader.grading.evaluate import NOT_EVALUATED, Evaluation, InputForm, evaluation_started
from grader.grading.run import Execution, run_submission
from grader.grading.metrics import Metrics, graded_fit, measure
from grader.grading.notes import report_notes
from grader.options import Options
from grader.data.provision import provide
from grader.reports.report import Report, build
from grader.checks.scoring import Score, nothing_graded, score
from grader.spec import AssignmentSpec
from grader.status import Status
from grader.grading.load import LoadFailure, load
from grader.grading.workspace import workspace


@dataclass(frozen=True)
class Measured:
    """Stages 1 to 3 for one file: what ran, what was observed, what the grader measured."""

    path: Path
    status: Status
    message: str
    content_hash: str
    execution: Execution | None
    evaluation: Evaluation
    metrics: Metrics | None
    notes: tuple[str, ...] = ()


def measure_submission(path: Path, spec: AssignmentSpec, options: Options) -> Measured:
    submission = load(path)
    if isinstance(submission, LoadFailure):
        return Measured(path, submission.status, submission.message, submission.content_hash, None, NOT_EVALUATED, None)
    limits = options.limits or spec.limits
    provision = provide(spec.data)
    with workspace(options) as space, evaluation_started(spec, options, limits.wall_seconds, provision) as pending:
        execution = run_submission(submission, spec, space, options, provision)
        fit = graded_fit(execution.observations)
        form = InputForm.of(fit.x_shape, fit.x_max, spec.data.normalize) if fit else None
        evaluation = pending.finish(execution.model if execution.status is Status.GRADED else None, form)
    metrics = measure(execution.observations, evaluation)
    notes = report_notes(spec, submission, execution, provision)
    return Measured(path, execution.status, execution.message, submission.content_hash, execution, evaluation, metrics, notes)


def _context(spec: AssignmentSpec, measured: Measured, reference_metrics: Metrics | None) -> dict[str, Any]:
    found = measured.execution.observations if measured.execution else None
    return {
        "probe": found.model_probe if found else None,
        "callback_cases": found.callback_cases if found else None,
        "fit": graded_fit(found),
        "training": found.training if found else None,
        "evaluation": measured.evaluation,
        "reference": reference_metrics,
        "names": names_for(spec.graded, found.names if found else {}),
        "lesson": not (found and found.names.get("training")),
        "condition": spec.thresholds.condition,
        "assignment_probes": found.assignment_probes if found else None,
        **vars(spec.thresholds),
    }


def _score(spec: AssignmentSpec, measured: Measured, reference_metrics: Metrics | None) -> Score:
    if measured.status is not Status.GRADED:
        return nothing_graded(spec)
    return score(spec, _context(spec, measured, reference_metrics))


def reference_metrics(spec: AssignmentSpec, options: Options) -> Metrics:
    """The reference solution's metrics, graded by this same pipeline once and cached.

    Always under the assignment as written: ``--set`` overrides change what a submission must do,
    not the reference it is compared with (a 98% reference still sets the bar for a 99% run).
    """
    spec = specs.load(spec.folder) if spec.overrides else spec

    def grade_reference() -> Metrics:
        measured = measure_submission(spec.reference, spec, options)
        own_checks = [check for check in spec.checks if check.id != "reference"]
        graded = _score(replace(spec, checks=tuple(own_checks)), measured, None)
        failed = [result for result in graded.checks if not result.passed]
        if measured.status is not Status.GRADED or failed or measured.metrics is None:
            raise GraderError(messages.reference_failed(spec, measured.status.value, measured.message, failed))
        return measured.metrics

    return reference.cached(spec, grade_reference, use_cache=options.use_reference_cache)


def grade_submission(path: Path, spec: AssignmentSpec, options: Options = Options()) -> Report:
    started = time.monotonic()
    measured = measure_submission(Path(path), spec, options)
    needs_reference = measured.status is Status.GRADED and any(check.id == "reference" for check in spec.checks)
    expected = reference_metrics(spec, options) if needs_reference else None
    return build(spec, measured, expected, _score(spec, measured, expected), options, time.monotonic() - started)
