"""The one place the stage order is written.

load the submission → run it sandboxed and observe it (the evaluation process started beside
it) → evaluate the model files and the callback on the trusted side → score the checks → report.
``grade_to`` wraps it: a report already kept for this very submission is reused, the report is
written, and a grader fault still gives the student a report.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from pathlib import Path

from grader import spec as specs
from grader.checks.facts import Context
from grader.checks.scoring import Score, nothing_graded, score
from grader.data.provision import Provision, provide
from grader.errors import GraderError
from grader.files import Folder
from grader.grading import cells, evaluate, evaluator, reference
from grader.grading.context import context, early_model_verdict
from grader.grading.load import LoadFailure, Submission, load
from grader.grading.measurements import Evaluation
from grader.grading.metrics import Metrics, measure
from grader.grading.notes import report_notes
from grader.grading.run import Execution, run
from grader.grading.workspace import workspace
from grader.options import Options
from grader.reports import feedback, reuse
from grader.reports.report import Report
from grader.reports.write import write
from grader.spec import AssignmentSpec, own_checks
from grader.status import Status
from grader.text import messages

Listener = Callable[[dict], None]


def grade_submission(path: Path, spec: AssignmentSpec, options: Options = Options(), on_event: Listener | None = None) -> Report:
    started, options, tell = time.monotonic(), options.resolved(spec), on_event or _ignore
    submission = load(Path(path))  # 1. load
    if isinstance(submission, LoadFailure):
        return unreadable(spec, Path(path), submission, options)
    provision = provide(spec.data, spec.folder)
    early = (lambda facts: tell(early_model_verdict(spec, provision.dataset, facts))) if on_event else None
    with evaluator.started(spec, provision, options, early) as pending, workspace(options) as space:
        tell({"kind": "stage", "stage": "running"})
        execution = run(submission, spec, space, options, provision, on_event, pending.hand_over_untrained)  # 2. run
        notebook = cells.ran(submission, execution.observations, cells.read(space.out))
        tell({"kind": "stage", "stage": "evaluating"})
        evaluation, callback = evaluate.measure(pending, execution, submission, spec, provision)  # 3. evaluate
    expected = reference_for(spec, options, execution)
    graded = context(spec, provision.dataset, execution, evaluation, callback, expected.test_accuracy if expected else None)
    scored = score(spec, graded)  # 4. score
    for check in scored.checks:
        tell({"kind": "check", "id": check.id, "passed": check.passed})
    return graded_report(  # 5. report
        spec, submission, execution, provision, graded, scored, expected, evaluation, options, time.monotonic() - started, notebook
    )


def _ignore(event: dict) -> None:
    pass


def reference_for(spec: AssignmentSpec, options: Options, execution: Execution) -> Metrics | None:
    """The reference's metrics when a check compares with it: graded if need be when the run produced a model to compare, else only if at hand."""
    if spec.check("reference") is None:
        return None
    training = execution.observations.training if execution.observations else None
    written = specs.load(spec.folder) if spec.overrides else spec
    if training is None or not training.model_saved or not (written.reference.exists() or written.reference_metrics.is_file()):
        return reference.known(written)  # a folder with neither (a student's copy) compares with nothing
    return reference_metrics(spec, options)


def graded_report(
    spec: AssignmentSpec,
    submission: Submission,
    execution: Execution,
    provision: Provision,
    graded: Context,
    scored: Score,
    expected: Metrics | None,
    evaluation: Evaluation,
    options: Options,
    seconds: float,
    notebook: cells.RanNotebook | None = None,
) -> Report:
    ran = execution.run
    stopped = any(check.id == "stopped_by_callback" and check.passed for check in scored.checks)
    return Report.of(
        assignment=spec.name,
        version=spec.version,
        submission=submission.path.name,
        content_hash=submission.content_hash,
        status=execution.status,
        message=execution.message,
        score=scored,
        metrics=measure(graded, stopped),
        reference=expected,
        output=messages.without_tensorflow_noise(ran.output) if ran else "",
        output_truncated=bool(ran and ran.output_truncated),
        sandbox=options.isolation.value,
        seconds=seconds,
        notes=report_notes(spec, submission, execution, provision) + ((evaluation.problem,) if evaluation.problem else ()),
        notebook=notebook,
    )


def ungraded(spec: AssignmentSpec, name: str, status: Status, message: str, options: Options, content_hash: str = "", output: str = "") -> Report:
    """The report of a submission nothing could be graded of: every check failed with the reason, score 0."""
    return Report.of(
        assignment=spec.name,
        version=spec.version,
        submission=name,
        content_hash=content_hash,
        status=status,
        message=message,
        score=nothing_graded(spec, messages.not_graded()),
        output=output,
        sandbox=options.isolation.value,
    )


def unreadable(spec: AssignmentSpec, path: Path, failure: LoadFailure, options: Options) -> Report:
    return ungraded(spec, path.name, failure.status, failure.message, options, failure.content_hash)


def internal(spec: AssignmentSpec, path: Path, options: Options, error: BaseException) -> Report:
    traceback_text = "".join(traceback.format_exception(error))[-20_000:]
    return ungraded(spec, path.name, Status.INTERNAL, messages.internal_error(path, error), options, output=traceback_text)


def reference_metrics(spec: AssignmentSpec, options: Options) -> Metrics:
    """The reference solution's metrics, graded by this same pipeline once and cached (a bundle carries them instead).

    Always under the assignment as written: ``--set`` overrides change what a submission must do,
    not the reference it is compared with (a 98% reference still sets the bar for a 99% run).
    """
    written = specs.load(spec.folder) if spec.overrides else spec
    if not written.reference.exists() and written.reference_metrics.is_file():
        return reference.bundled(written)

    def grade_reference() -> Metrics:
        graded = grade_submission(written.reference, own_checks(written), options)
        failed = [result for result in graded.checks if not result.passed]
        if graded.status is not Status.GRADED or failed or graded.metrics is None:
            raise GraderError(messages.reference_failed(written, graded.status.value, graded.message, failed))
        return graded.metrics

    return reference.cached(written, grade_reference, use_cache=options.use_reference_cache)


def grade_to(path: Path, spec: AssignmentSpec, out: Path, options: Options, on_event: Listener | None = None) -> Report:
    """Grade one submission and write its reports to ``out``; every submission gets a report.

    A report the grader kept for this very submission graded the same way (``reports.reuse``) is
    the answer, unless ``options.regrade``; nothing already in ``out`` is read.
    """
    path, options = Path(path), options.resolved(spec)
    with Folder.open(out) as folder:
        graded = None if options.regrade else reuse.previous(path, spec, options)
        if graded is None:
            feedback.prepare()  # the page's exporter is built while the submission runs
            try:
                graded = grade_submission(path, spec, options, on_event)
            except GraderError:
                raise
            except Exception as error:  # a grader bug must not cost the student a report
                graded = internal(spec, path, options, error)
            reuse.remember(path, spec, options, graded)
        write(graded, folder, spec)
    return graded
