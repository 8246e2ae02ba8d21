"""The built-in checks and their rules. Each returns a ``Verdict``: passed, a reason code, the values compared.

Every rule decides on what the grader measured itself (a model file in the evaluation process,
the callback class run alone on cases it drew) or on a claim of the student's process that the
rule first checks against such a measurement. ``grader.text.checks`` words each reason.
"""

from __future__ import annotations

from grader.checks.facts import Builder, CallbackTrial, DatasetFacts, ModelFacts, Names, StopCondition, Training
from grader.checks.registry import Verdict, check

TRUSTED_TOLERANCE = {"accuracy": 0.0, "loss": 0.0}  # docs/security.md: the final model must itself meet the condition the logs claim
UNTRAINED_MARGIN = 0.25  # an untrained model classifies at most this much above chance


def chance_limit(classes: int) -> float | None:
    return 1 / classes + UNTRAINED_MARGIN if classes >= 3 else None


@check
def model(builder: Builder | None, untrained_model: ModelFacts | None, names: Names, dataset: DatasetFacts) -> Verdict:
    name = names.model
    if builder is None:
        return Verdict(False, "model.not_reached", {"name": name})
    if builder.error is not None:
        return Verdict(False, "model.raised", {"name": name, "error": builder.error})
    if not builder.keras_model:
        return Verdict(False, "model.not_keras", {"name": name, "type": builder.type})
    if untrained_model is None or not untrained_model.loaded:
        detail = untrained_model.load_error if untrained_model else "no model file arrived"
        return Verdict(False, "model.not_loadable", {"name": name, "detail": detail})
    shape = (None, *dataset.image_shape)
    if untrained_model.call_error:
        return Verdict(False, "model.wrong_input", {"name": name, "shape": shape, "detail": untrained_model.call_error, "dataset": dataset})
    if untrained_model.call_shape is None or tuple(untrained_model.call_shape[1:]) != (dataset.classes,):
        shown = tuple(untrained_model.call_shape[1:]) if untrained_model.call_shape else "nothing"
        return Verdict(False, "model.wrong_output", {"name": name, "shown": shown, "dataset": dataset})
    if not untrained_model.probabilities:
        return Verdict(False, "model.not_probabilities", {"name": name})
    if not untrained_model.compiled:
        return Verdict(False, "model.not_compiled", {"name": name})
    if not untrained_model.has_keras_metric("accuracy"):
        reason = "model.custom_accuracy" if untrained_model.has_custom_metric("accuracy") else "model.no_accuracy"
        return Verdict(False, reason, {"name": name})
    if untrained_model.optimizer_steps:
        return Verdict(False, "model.trained", {"name": name, "steps": untrained_model.optimizer_steps})
    limit = chance_limit(dataset.classes)
    if limit is not None and untrained_model.held_out_accuracy is not None and untrained_model.held_out_accuracy > limit:
        return Verdict(False, "model.pretrained", {"name": name, "accuracy": untrained_model.held_out_accuracy, "limit": limit})
    return Verdict(True, "model.ok", {"name": name, "shape": shape, "dataset": dataset})


@check
def callback(callback: CallbackTrial | None, names: Names, condition: StopCondition, lesson: bool) -> Verdict:
    name = names.callback
    if callback is None:
        return Verdict(False, "callback.not_reached", {"name": name})
    if callback.problem == "no_class":
        return Verdict(False, "callback.no_class" if lesson else "callback.not_defined", {"name": name})
    if callback.problem:
        return Verdict(False, "callback.not_run", {"name": name, "problem": callback.problem})
    if callback.unexpected:
        return Verdict(False, "callback.unexpected", {"name": name, "ids": ", ".join(callback.unexpected[:5])})
    for case in (case for case in callback.cases if not case.replay):
        answer = callback.answers.get(case.id)
        if answer is None:
            return Verdict(False, "callback.unanswered", {"name": name, "case": case.id})
        if answer.error is not None:
            return Verdict(False, "callback.raised", {"name": name, "logs": dict(case.logs[0]) if case.logs else {}, "error": answer.error})
        if answer.stopped_at != case.expected_stop:
            if case.expected_stop is not None and (answer.stopped_at is None or answer.stopped_at > case.expected_stop):
                logs = case.logs[case.expected_stop - 1]
                return Verdict(False, "callback.missed_stop", {"name": name, "value": logs.get(condition.metric), "condition": condition})
            logs = case.logs[(answer.stopped_at or 1) - 1]
            return Verdict(False, "callback.early_stop", {"name": name, "value": logs.get(condition.metric), "condition": condition})
    replayed = next((case for case in callback.cases if case.replay), None)
    answer = callback.answers.get(replayed.id) if replayed else None
    if replayed is not None and (answer is None or answer.error is not None or answer.stopped_at != replayed.expected_stop):
        return Verdict(
            False,
            "callback.inconsistent",
            {"name": name, "alone": answer.stopped_at if answer else None, "real": replayed.expected_stop, "error": answer.error if answer else None},
        )
    return Verdict(True, "callback.ok", {"name": name, "condition": condition, "cases": sum(not case.replay for case in callback.cases)})


def _training_problem(training: Training | None, names: Names, condition: StopCondition, lesson: bool) -> Verdict | None:
    """Whether the graded fit ran, finished, was given the callback and logged the metric."""
    fit = training.graded_fit if training else None
    if training is None:
        return Verdict(False, "stop.not_reached", {"name": names.training})
    if training.error is not None and fit is None:
        return Verdict(False, "stop.training_raised", {"name": names.training, "error": training.error})
    if fit is None:
        return Verdict(False, "stop.no_fit_lesson" if lesson else "stop.no_fit", {"name": names.training, "callback": names.callback})
    if fit.error:
        kind, _, text = fit.error.partition(": ")
        return Verdict(False, "stop.fit_failed", {"kind": kind, "text": text})
    if names.callback not in fit.callbacks:
        return Verdict(False, "stop.callback_not_passed", {"name": names.callback, "passed": ", ".join(fit.callbacks) or "none"})
    if condition.metric not in fit.history:
        return Verdict(False, "stop.metric_not_logged", {"metric": condition.metric})
    return None


def _stop_problem(training: Training, names: Names, condition: StopCondition, max_epochs: int, strict_epochs: bool, lesson: bool) -> Verdict | None:
    """Whether the graded callback stopped the graded fit at the first epoch meeting the condition, within the epochs allowed."""
    fit = training.graded_fit
    assert fit is not None
    before = sum(earlier.epochs_run for earlier in training.model_fits[:-1])  # epochs the graded model trained in earlier fits
    values = tuple(value for each in training.model_fits for value in each.history.get(condition.metric, ())[: each.epochs_run])
    first = condition.first_epoch(values)
    trained = training.epochs_trained
    if trained > max_epochs:
        return Verdict(False, "stop.too_many_epochs", {"trained": trained, "max_epochs": max_epochs, "fits": len(training.model_fits)})
    if strict_epochs and fit.epochs_requested > max_epochs:
        return Verdict(False, "stop.asked_too_many", {"requested": fit.epochs_requested, "max_epochs": max_epochs, "lesson": lesson, "name": names.training})
    stop = fit.stop
    facts = {"name": names.callback, "condition": condition, "first": first, "run": fit.epochs_run, "requested": fit.epochs_requested}
    if stop is None:
        return Verdict(False, "stop.epoch_limit", facts)
    if stop.by != names.callback or not stop.student:
        return Verdict(False, "stop.other_stopper", {**facts, "by": stop.by, "epoch": stop.epoch})
    if stop.method != "on_epoch_end":
        return Verdict(False, "stop.wrong_method", {**facts, "method": stop.method, "epoch": stop.epoch})
    epoch = before + stop.epoch  # counted over every fit of the graded model
    value = values[epoch - 1] if 0 < epoch <= len(values) else None
    if epoch != first:
        return Verdict(False, "stop.wrong_epoch", {**facts, "epoch": epoch, "value": value})
    if stop.epoch >= fit.epochs_requested:
        return Verdict(False, "stop.at_limit", {**facts, "epoch": stop.epoch})
    return None


def _confirmation_problem(
    training: Training, trained_model: ModelFacts | None, callback: CallbackTrial | None, names: Names, condition: StopCondition
) -> Verdict | None:
    """The claimed stop checked against the saved model and the callback replayed alone."""
    fit = training.graded_fit
    assert fit is not None and fit.stop is not None
    if trained_model is None or not trained_model.loaded or trained_model.train_metric(condition.metric) is None:
        detail = trained_model.load_error or trained_model.evaluate_error if trained_model else ""
        return Verdict(False, "stop.unconfirmed", {"detail": detail})
    if condition.metric == "accuracy" and not trained_model.has_keras_metric("accuracy"):
        return Verdict(False, "stop.custom_metric", {"name": names.callback})
    expected = training.expected_steps()
    if expected is None or trained_model.optimizer_steps != expected:
        return Verdict(
            False,
            "stop.steps_disagree",
            {"saved": trained_model.optimizer_steps, "expected": expected, "epochs": training.epochs_trained, "per_epoch": fit.steps_per_epoch},
        )
    replay = next((case for case in callback.cases if case.replay), None) if callback else None
    answer = callback.answers.get(replay.id) if callback and replay else None
    if answer is None or answer.error is not None or answer.stopped_at != fit.stop.epoch:
        return Verdict(
            False,
            "stop.replay_disagrees",
            {"name": names.callback, "epoch": fit.stop.epoch, "replayed": answer.stopped_at if answer else None, "error": answer.error if answer else None},
        )
    measured = trained_model.train_metric(condition.metric)
    tolerance = TRUSTED_TOLERANCE[condition.metric]
    bar = StopCondition(condition.metric, condition.stops_when, condition.threshold - tolerance if condition.rising else condition.threshold + tolerance)
    if not bar.holds(measured):
        return Verdict(False, "stop.logs_disagree", {"measured": measured, "condition": condition})
    return None


@check
def stopped_by_callback(
    training: Training | None,
    trained_model: ModelFacts | None,
    callback: CallbackTrial | None,
    names: Names,
    condition: StopCondition,
    max_epochs: int,
    strict_epochs: bool,
    lesson: bool,
) -> Verdict:
    problem = _training_problem(training, names, condition, lesson)
    if problem is None and training is not None:
        problem = _stop_problem(training, names, condition, max_epochs, strict_epochs, lesson) or _confirmation_problem(
            training, trained_model, callback, names, condition
        )
    if problem is not None:
        return problem
    assert training is not None and training.graded_fit is not None and training.graded_fit.stop is not None
    fit, stop = training.graded_fit, training.graded_fit.stop
    values = {"name": names.callback, "epoch": stop.epoch, "requested": fit.epochs_requested, "condition": condition}
    return Verdict(True, "stop.ok", {**values, "value": fit.history[condition.metric][stop.epoch - 1]})


def _no_model(training: Training | None, trained_model: ModelFacts | None) -> Verdict | None:
    if trained_model is None:
        error = training.error if training else None
        return Verdict(False, "accuracy.no_model", {"error": error})
    if not trained_model.loaded:
        return Verdict(False, "accuracy.refused", {"detail": trained_model.load_error})
    if trained_model.held_out_accuracy is None:
        return Verdict(False, "accuracy.not_measured", {"detail": trained_model.evaluate_error})
    if trained_model.optimizer_steps == 0:
        return Verdict(False, "accuracy.never_trained", {})
    return None


@check
def accuracy(trained_model: ModelFacts | None, training: Training | None, at_least: float) -> Verdict:
    problem = _no_model(training, trained_model)
    if problem is not None:
        return problem
    assert trained_model is not None and trained_model.held_out_accuracy is not None
    value = trained_model.held_out_accuracy
    return Verdict(value >= at_least, "accuracy.ok" if value >= at_least else "accuracy.below", {"value": value, "required": at_least})


@check
def reference(trained_model: ModelFacts | None, training: Training | None, reference_accuracy: float | None, tolerance: float = 0.03) -> Verdict:
    problem = _no_model(training, trained_model)
    if problem is None and reference_accuracy is None:
        return Verdict(False, "reference.unavailable", {})
    if problem is not None or reference_accuracy is None:
        return Verdict(False, "reference.no_comparison", {})
    assert trained_model is not None and trained_model.held_out_accuracy is not None
    value = trained_model.held_out_accuracy
    gap = reference_accuracy - value
    passed = gap <= tolerance
    return Verdict(
        passed, "reference.ok" if passed else "reference.trails", {"value": value, "expected": reference_accuracy, "gap": gap, "tolerance": tolerance}
    )
