"""Each check both ways, on observations built by hand."""

from dataclasses import replace

import pytest

from grader.checks import CHECKS, run_check
from grader.evaluate import NOT_EVALUATED, Evaluation
from grader.metrics import Metrics
from grader.observations import CallbackCase, Fit, ModelProbe, Stop, StudentError, Training
from grader.spec import GradedNames

NAMES = GradedNames("create_and_compile_model", "EarlyStoppingCallback", "train_fashion_mnist")
GOOD_PROBE = ModelProbe("keras.src.models.sequential.Sequential", None, True, True, "{'metrics': ['accuracy']}", 0, (2, 10), 0.01, (1.0, 1.0), None)
GOOD_FIT = Fit(
    context="training",
    epochs_requested=10,
    epochs_run=4,
    history={"accuracy": (0.82, 0.86, 0.875, 0.886), "loss": (0.5, 0.4, 0.35, 0.3)},
    callbacks=("EarlyStoppingCallback",),
    stop=Stop("EarlyStoppingCallback", True, 4, "on_epoch_end"),
    x_shape=(60000, 28, 28),
    error=None,
    finished=True,
)
GOOD_EVALUATION = Evaluation(0.866, 0.892, 101770, (None, 10), ("Flatten", "Dense", "Dense"), "")
REFERENCE = Metrics(test_accuracy=0.8654)


def _context(**changes):
    context = {
        "probe": GOOD_PROBE,
        "callback_cases": (
            CallbackCase({"accuracy": 0.86}, False, None),
            CallbackCase({"accuracy": 0.88}, True, None),
            CallbackCase({"accuracy": 0.93}, True, None),
        ),
        "fit": GOOD_FIT,
        "training": Training((GOOD_FIT,), GOOD_FIT, None, True),
        "evaluation": GOOD_EVALUATION,
        "reference": REFERENCE,
        "names": NAMES,
        "train_accuracy": 0.88,
        "max_epochs": 10,
        "test_accuracy": 0.85,
        "reference_tolerance": 0.03,
    }
    return {**context, **changes}


@pytest.mark.parametrize("check_id", sorted(CHECKS))
def test_every_check_passes_a_good_run(check_id):
    verdict = run_check(check_id, _context())
    assert verdict.passed, verdict.message


@pytest.mark.parametrize(
    "probe, expected",
    [
        (replace(GOOD_PROBE, error=StudentError("ValueError", "bad layer", "<cell 5>", 8, "model = None")), "cell 5, line 8"),
        (replace(GOOD_PROBE, is_keras_model=False, type="builtins.NoneType"), "not a Keras model"),
        (replace(GOOD_PROBE, compiled=False), "not compiled"),
        (replace(GOOD_PROBE, compile_config="{'metrics': None}"), "metrics=['accuracy']"),
        (replace(GOOD_PROBE, optimizer_steps=1875), "already trained"),
        (replace(GOOD_PROBE, output_shape=(2, 5)), "Dense(10, activation='softmax')"),
        (replace(GOOD_PROBE, output_row_sums=(3.2, -1.0)), "not probabilities"),
        (replace(GOOD_PROBE, call_error=StudentError("ValueError", "expected shape (None, 784)")), "keras.Input(shape=(28, 28))"),
        (None, "could not be checked"),
    ],
)
def test_model_check_explains_each_fault(probe, expected):
    verdict = run_check("model", _context(probe=probe))
    assert not verdict.passed and expected in verdict.message


def test_callback_that_stops_too_early_or_never_fails():
    early = (CallbackCase({"accuracy": 0.86}, True, None), CallbackCase({"accuracy": 0.88}, True, None))
    verdict = run_check("callback", _context(callback_cases=early))
    assert not verdict.passed and "0.86 < 0.88" in verdict.message
    never = (CallbackCase({"accuracy": 0.86}, False, None), CallbackCase({"accuracy": 0.88}, False, None))
    verdict = run_check("callback", _context(callback_cases=never))
    assert not verdict.passed and "did not stop" in verdict.message


def test_callback_reading_acc_gets_the_keras_3_hint():
    cases = (CallbackCase({"accuracy": 0.86}, None, StudentError("KeyError", "'acc'", "<cell 7>", 9, 'if logs["acc"] >= 0.88:')),)
    verdict = run_check("callback", _context(callback_cases=cases))
    assert not verdict.passed
    assert "logs['accuracy']" in verdict.message and "cell 7, line 9" in verdict.message


@pytest.mark.parametrize(
    "fit, expected",
    [
        (replace(GOOD_FIT, stop=None, epochs_run=10), "the epoch limit ended it, not your callback"),
        (replace(GOOD_FIT, stop=Stop("EarlyStopping", False, 4, "on_epoch_end")), "set by `EarlyStopping`"),
        (replace(GOOD_FIT, stop=Stop(None, False, 4, None)), "code outside any callback"),
        (replace(GOOD_FIT, stop=Stop("EarlyStoppingCallback", True, 4, "on_train_batch_end")), "in on_train_batch_end"),
        (replace(GOOD_FIT, stop=Stop("EarlyStoppingCallback", True, 3, "on_epoch_end"), epochs_run=3), "stopped training in epoch 3"),
        (replace(GOOD_FIT, epochs_requested=20), "at most 10"),
        (replace(GOOD_FIT, callbacks=()), "Pass callbacks=[EarlyStoppingCallback()]"),
        (replace(GOOD_FIT, error="InvalidArgumentError: label 9 out of range"), "Training failed inside model.fit"),
        (replace(GOOD_FIT, history={"loss": (0.5,)}), "no 'accuracy' metric"),
    ],
)
def test_stopped_by_callback_fails_for_each_other_ending(fit, expected):
    verdict = run_check("stopped_by_callback", _context(fit=fit))
    assert not verdict.passed and expected in verdict.message, verdict.message


def test_stop_in_the_last_epoch_is_the_epoch_limit():
    history = {"accuracy": (0.8,) * 9 + (0.9,)}
    fit = replace(GOOD_FIT, history=history, epochs_run=10, stop=Stop("EarlyStoppingCallback", True, 10, "on_epoch_end"))
    verdict = run_check("stopped_by_callback", _context(fit=fit))
    assert not verdict.passed and "last epoch" in verdict.message


def test_logs_that_the_model_contradicts_are_not_believed():
    evaluation = replace(GOOD_EVALUATION, train_accuracy=0.62)
    verdict = run_check("stopped_by_callback", _context(evaluation=evaluation))
    assert not verdict.passed and "measured 0.6200" in verdict.message


def test_training_function_that_never_fits():
    verdict = run_check("stopped_by_callback", _context(fit=None, training=Training((), None, None, False)))
    assert not verdict.passed and "never called model.fit" in verdict.message


def test_accuracy_is_the_graders_measurement_against_the_threshold():
    assert run_check("accuracy", _context(evaluation=replace(GOOD_EVALUATION, held_out_accuracy=0.85))).passed
    verdict = run_check("accuracy", _context(evaluation=replace(GOOD_EVALUATION, held_out_accuracy=0.8499)))
    assert not verdict.passed and "0.8499" in verdict.message
    verdict = run_check("accuracy", _context(evaluation=NOT_EVALUATED, training=Training((), None, StudentError("KeyError", "'acc'"), False)))
    assert not verdict.passed and "training raised KeyError" in verdict.message


def test_reference_comparison_uses_the_tolerance():
    assert run_check("reference", _context(evaluation=replace(GOOD_EVALUATION, held_out_accuracy=0.8354))).passed
    verdict = run_check("reference", _context(evaluation=replace(GOOD_EVALUATION, held_out_accuracy=0.8353)))
    assert not verdict.passed and "trails the reference's 0.8654" in verdict.message
