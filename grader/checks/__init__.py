"""Stage 4, score: small check functions that name what they need.

Each check is a function registered under a stable id. Its parameters are
filled by name from the grading context (``probe``, ``callback_cases``,
``fit``, ``training``, ``evaluation``, ``reference``, ``names``, ``lesson``
(no training function: the recorded fit is graded), ``condition`` and every
threshold of the assignment), and it returns a ``Verdict``. Messages speak to
the student: what happened and what to change. An assignment may add its own
checks in a ``checks.py`` next to its ``assignment.toml`` (``load_local``).
"""

from __future__ import annotations

import hashlib
import inspect
import sys
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.text import messages
from grader.errors import AssignmentSpecError
from grader.grading.evaluate import Evaluation
from grader.grading.metrics import Metrics
from grader.grading.observations import CallbackCase, Fit, ModelProbe, Training
from grader.spec import GradedNames, StopCondition

TRUSTED_TOLERANCE = {"accuracy": 0.03, "loss": 0.05}  # the final model measured against the epoch's running logs


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str


CHECKS: dict[str, Callable[..., Verdict]] = {}
CONTEXT = ("probe", "callback_cases", "fit", "training", "evaluation", "reference", "names", "lesson", "condition",
           "assignment_probes", "metric", "stops_when", "threshold", "max_epochs", "test_accuracy", "reference_tolerance")
LOCAL_FILE = "checks.py"
LOCAL_MODULE = "grader_local_checks."
_LOCAL_OWNERS: dict[str, tuple[Path, str]] = {}  # check id -> the checks.py defining it, and that file's SHA-256


def check(function: Callable[..., Verdict]) -> Callable[..., Verdict]:
    """Register a check under its function's name (an assignment's checks.py is registered by ``load_local``)."""
    function.__grader_check__ = True  # type: ignore[attr-defined]
    if not function.__module__.startswith(LOCAL_MODULE):
        CHECKS[function.__name__] = function
    return function


def load_local(folder: Path) -> None:
    """Register the ``@check`` functions of ``folder/checks.py``; check ids are shared by every assignment."""
    path = folder / LOCAL_FILE
    if not path.is_file():
        return
    source = path.read_bytes()
    digest = hashlib.sha256(source).hexdigest()
    module = types.ModuleType(LOCAL_MODULE + folder.name)
    module.__file__ = str(path)
    sys.modules[module.__name__] = module  # what dataclasses and pickle look up
    try:
        exec(compile(source, str(path), "exec"), vars(module))
    except Exception as error:  # the instructor's file: name it and the error
        raise AssignmentSpecError(path, LOCAL_FILE, messages.local_checks_broken(error), messages.LOCAL_CHECKS_FIX) from None
    found = {name: value for name, value in vars(module).items() if getattr(value, "__grader_check__", False) and value.__module__ == module.__name__}
    for name, function in found.items():
        unknown = [parameter for parameter in inspect.signature(function).parameters if parameter not in CONTEXT]
        if unknown:
            raise AssignmentSpecError(path, name, *messages.unknown_check_parameters(name, unknown, CONTEXT))
        owner = _LOCAL_OWNERS.get(name)
        if (name in CHECKS and owner is None) or (owner is not None and owner[0] != path and owner[1] != digest):
            raise AssignmentSpecError(path, name, messages.check_name_taken(name, owner[0] if owner else None), messages.CHECK_RENAME)
        CHECKS[name], _LOCAL_OWNERS[name] = function, (path, digest)


def run_check(check_id: str, context: Mapping[str, Any]) -> Verdict:
    """Call a check with the context values its parameters name."""
    function = CHECKS[check_id]
    wanted = inspect.signature(function).parameters
    return function(**{name: context[name] for name in wanted})


@dataclass(frozen=True)
class Names:
    """What each graded role is called in this submission's messages: the name it defines, else the spec's first."""

    model: str
    callback: str
    training: str


def names_for(graded: GradedNames, found: Mapping[str, str | None]) -> Names:
    def name(role: str) -> str:
        return found.get(role) or next(iter(getattr(graded, role)), messages.ROLE_WORDS[role])

    return Names(name("model"), name("callback"), name("training"))


@check
def model(probe: ModelProbe | None, names: Names) -> Verdict:
    if probe is None:
        return Verdict(False, messages.not_reached(names.model))
    problem = messages.model_problem(probe, names.model)
    return Verdict(problem is None, problem or messages.model_ok(names.model))


@check
def callback(callback_cases: tuple[CallbackCase, ...] | None, names: Names, condition: StopCondition, lesson: bool) -> Verdict:
    if callback_cases is None:
        return Verdict(False, messages.no_callback_class(names) if lesson else messages.not_reached(names.callback))
    for case in callback_cases:
        if case.error is not None:
            return Verdict(False, messages.callback_raised(names.callback, case.logs, case.error))
        should_stop = condition.holds(case.logs.get(condition.metric))
        if case.stop_training != should_stop:
            return Verdict(False, messages.callback_wrong(names.callback, case.logs, should_stop, condition))
    return Verdict(True, messages.callback_ok(names.callback, condition))


def confirmed(evaluation: Evaluation, condition: StopCondition) -> float | None:
    """The grader's own measure of the stop metric on the training images, if it contradicts the logs."""
    measured = evaluation.train_metric(condition.metric)
    tolerance = TRUSTED_TOLERANCE[condition.metric]
    met = StopCondition(condition.metric, condition.stops_when, condition.threshold - tolerance if condition.rising else condition.threshold + tolerance)
    return None if measured is None or met.holds(measured) else measured


@check
def stopped_by_callback(
    fit: Fit | None,
    training: Training | None,
    evaluation: Evaluation,
    names: Names,
    condition: StopCondition,
    max_epochs: int,
    lesson: bool,
) -> Verdict:
    problem = messages.training_problem(fit, training, names, max_epochs, condition, lesson)
    if problem:
        return Verdict(False, problem)
    assert fit is not None
    reached = condition.first_epoch(fit.history)
    problem = messages.stop_problem(fit, names.callback, reached, condition)
    if problem:
        return Verdict(False, problem)
    if evaluation.train_metric(condition.metric) is None:  # the logs come from the student's process; only this confirms them
        return Verdict(False, messages.logs_unconfirmed(evaluation.problem or messages.no_trained_model(training)))
    contradiction = confirmed(evaluation, condition)
    if contradiction is not None:
        return Verdict(False, messages.logs_disagree_with_model(contradiction, condition))
    return Verdict(True, messages.stop_ok(names.callback, fit, condition))


@check
def accuracy(evaluation: Evaluation, training: Training | None, test_accuracy: float) -> Verdict:
    if not evaluation.measured:
        return Verdict(False, evaluation.problem or messages.no_trained_model(training))
    value = evaluation.held_out_accuracy
    assert value is not None
    return Verdict(value >= test_accuracy, messages.held_out(value, test_accuracy))


@check
def reference(evaluation: Evaluation, reference: Metrics, reference_tolerance: float) -> Verdict:
    student, expected = evaluation.held_out_accuracy, reference.test_accuracy
    if student is None or expected is None:
        return Verdict(False, messages.no_comparison(evaluation.problem))
    return Verdict(student >= expected - reference_tolerance, messages.compared(student, expected, reference_tolerance))
