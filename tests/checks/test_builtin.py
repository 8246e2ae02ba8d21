"""Each check both ways, on observations built by hand."""

from dataclasses import replace

import pytest

from grader.checks import _LOCAL_OWNERS, CHECKS, CONTEXT, Names, names_for, run_check
from grader.grading.evaluate import NOT_EVALUATED, Evaluation
from grader.grading.metrics import Metrics
from grader.grading.observations import CallbackCase, Fit, ModelProbe, Stop, StudentError, Training
from grader.spec import GradedNames, StopCondition

NAMES = Names("create_and_compile_model", "EarlyStoppingCallback", "train_fashion_mnist")
ACCURACY_088 = StopCondition("accuracy", ">=", 0.88)
LOSS_04 = StopCondition("loss", "<", 0.4)
GOOD_PROBE = ModelProbe("keras.src.models.sequential.Sequential", None, True, True, "{'metrics': ['accuracy']}", 0, (2, 10), 0.01, (1.0, 1.0), None)
GOOD_FIT = Fit(
    context="training",
    epochs_requested=10,
    epochs_run=4,
    history={"accuracy": (0.82, 0.86, 0.875, 0.886), "loss": (0.5, 0.4, 0.35, 0.3)},
    callbacks=("EarlyStoppingCallback",),
    stop=Stop("EarlyStoppingCallback", True, 4, "on_epoch_end", graded=True),
    x_shape=(60000, 28, 28),
    x_max=1.0,
    error=None,
    finished=True,
)
GOOD_EVALUATION = Evaluation(0.866, 0.892, 101770, (None, 10), ("Flatten", "Dense", "Dense"), "", train_loss=0.29)
REFERENCE = Metrics(test_accuracy=0.8654)


def _context(**changes):
    context = {
        "probe": GOOD_PROBE,
        "callback_cases": (
            CallbackCase({"accuracy": 0.86}, False, None),
            CallbackCase({"accuracy": 0.885}, True, None),
            CallbackCase({"accuracy": 0.93}, True, None),
        ),
        "fit": GOOD_FIT,
        "training": Training((GOOD_FIT,), GOOD_FIT, None, True),
        "evaluation": GOOD_EVALUATION,
        "reference": REFERENCE,
        "names": NAMES,
        "lesson": False,
        "condition": ACCURACY_088,
        "metric": "accuracy",
        "stops_when": ">=",
        "threshold": 0.88,
        "max_epochs": 10,
        "test_accuracy": 0.85,
        "reference_tolerance": 0.03,
    }
    return {**context, **changes}


@pytest.mark.parametrize("check_id", sorted(name for name in CHECKS if name not in _LOCAL_OWNERS))  # the built-in ones
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
    early = (CallbackCase({"accuracy": 0.86}, True, None), CallbackCase({"accuracy": 0.885}, True, None))
    verdict = run_check("callback", _context(callback_cases=early))
    assert not verdict.passed and "0.86 does not meet training accuracy ≥ 0.88" in verdict.message
    never = (CallbackCase({"accuracy": 0.86}, False, None), CallbackCase({"accuracy": 0.885}, False, None))
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
        (replace(GOOD_FIT, stop=Stop("EarlyStoppingCallback", True, 4, "on_train_batch_end", True)), "in on_train_batch_end"),
        (replace(GOOD_FIT, stop=Stop("EarlyStoppingCallback", True, 3, "on_epoch_end", True), epochs_run=3), "stopped training in epoch 3"),
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
    fit = replace(GOOD_FIT, history=history, epochs_run=10, stop=Stop("EarlyStoppingCallback", True, 10, "on_epoch_end", True))
    verdict = run_check("stopped_by_callback", _context(fit=fit))
    assert not verdict.passed and "last epoch" in verdict.message


def test_logs_that_the_model_contradicts_are_not_believed():
    evaluation = replace(GOOD_EVALUATION, train_accuracy=0.62)
    verdict = run_check("stopped_by_callback", _context(evaluation=evaluation))
    assert not verdict.passed and "measured accuracy 0.6200" in verdict.message


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


LOSS_FIT = replace(GOOD_FIT, history={"accuracy": (0.82, 0.86, 0.87), "loss": (0.5, 0.42, 0.38)}, epochs_run=3,
                   callbacks=("myCallback",), stop=Stop("myCallback", True, 3, "on_epoch_end", True), context="execution")


def _lab(**changes):
    """A lesson-mode context: the lab's loss < 0.4 callback, graded on the notebook's own fit."""
    cases = (CallbackCase({"loss": 0.42}, False, None), CallbackCase({"loss": 0.405}, False, None),
             CallbackCase({"loss": 0.395}, True, None), CallbackCase({"loss": 0.38}, True, None))
    base = {"condition": LOSS_04, "metric": "loss", "stops_when": "<", "threshold": 0.4, "lesson": True,
            "names": Names("your model", "myCallback", "your training code"), "fit": LOSS_FIT,
            "training": Training((LOSS_FIT,), LOSS_FIT, None, True), "callback_cases": cases}
    return _context(**{**base, **changes})


def test_a_loss_condition_grades_the_loss_both_ways():
    assert run_check("callback", _lab()).passed
    assert run_check("stopped_by_callback", _lab()).passed
    waits = (CallbackCase({"loss": 0.395}, False, None),)
    verdict = run_check("callback", _lab(callback_cases=waits))
    assert not verdict.passed and "logs['loss'] < 0.4" in verdict.message
    late = replace(LOSS_FIT, history={"loss": (0.5, 0.39, 0.38)})
    verdict = run_check("stopped_by_callback", _lab(fit=late))
    assert not verdict.passed and "Training loss < 0.4 first held in epoch 2" in verdict.message


def test_a_loss_the_saved_model_contradicts_is_not_believed():
    verdict = run_check("stopped_by_callback", _lab(evaluation=replace(GOOD_EVALUATION, train_loss=0.61)))
    assert not verdict.passed and "measured loss 0.6100" in verdict.message
    assert run_check("stopped_by_callback", _lab(evaluation=replace(GOOD_EVALUATION, train_loss=0.44))).passed


def test_lesson_mode_messages_speak_of_the_notebook_not_a_function():
    verdict = run_check("stopped_by_callback", _lab(fit=None, training=Training((), None, None, False)))
    assert not verdict.passed and "No model.fit ran" in verdict.message
    verdict = run_check("callback", _lab(callback_cases=None))
    assert not verdict.passed and "No callback class of yours was found" in verdict.message


def test_a_keras_callback_stopping_is_not_the_students_callback():
    fit = replace(LOSS_FIT, callbacks=("EarlyStopping",), stop=Stop("EarlyStopping", False, 3, "on_epoch_end"))
    verdict = run_check("stopped_by_callback", _lab(fit=fit, names=Names("m", "EarlyStopping", "t")))
    assert not verdict.passed and "not by your own `EarlyStopping`" in verdict.message


def test_names_are_the_ones_the_submission_defines():
    graded = GradedNames(callback=("EarlyStoppingCallback", "myCallback"), training=("train_mnist",), required=False)
    assert names_for(graded, {"callback": "myCallback"}).callback == "myCallback"
    assert names_for(graded, {}).callback == "EarlyStoppingCallback"
    assert names_for(graded, {}).model == "your model"


def test_the_context_holds_every_name_a_check_may_ask_for():
    assert set(_context()) | {"assignment_probes"} == set(CONTEXT)


def test_a_local_check_asking_for_an_unknown_name_is_refused_on_load(tmp_path):
    from grader.checks import load_local
    from grader.errors import AssignmentSpecError

    folder = tmp_path / "typo_assignment"
    folder.mkdir()
    (folder / "checks.py").write_text("from grader.checks import Verdict, check\n\n@check\ndef typo_check(evalution):\n    return Verdict(True, '')\n")
    with pytest.raises(AssignmentSpecError, match="asks for 'evalution'.*Name parameters from: probe"):
        load_local(folder)
