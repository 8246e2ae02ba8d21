"""Each built-in check both ways, on facts built by hand; every verdict worded through grader.text."""

from dataclasses import replace

import pytest

from grader.checks import (
    Builder,
    CallbackAnswer,
    CallbackCase,
    CallbackTrial,
    Context,
    DatasetFacts,
    Fit,
    ModelFacts,
    Names,
    Stop,
    StopCondition,
    StudentError,
    Training,
    run_check,
)
from grader.checks.builtin import TRUSTED_TOLERANCE, chance_limit
from grader.checks.registry import _LOCAL_OWNERS, CHECKS
from grader.text.checks import TEMPLATES, render

NAMES = Names("create_and_compile_model", "EarlyStoppingCallback", "train_fashion_mnist")
ACCURACY_088 = StopCondition("accuracy", ">=", 0.88)
LOSS_04 = StopCondition("loss", "<", 0.4)
FASHION = DatasetFacts("Fashion MNIST", (28, 28), 10)
UNTRAINED = ModelFacts(
    True,
    params=101770,
    output_shape=(None, 10),
    call_shape=(2, 10),
    probabilities=True,
    compiled=True,
    loss="sparse_categorical_crossentropy",
    metrics=("keras:accuracy",),
    optimizer_steps=0,
    held_out_accuracy=0.09,
)
GOOD_FIT = Fit(
    context="training",
    model=1,
    optimizer=2,
    epochs_requested=10,
    epochs_run=4,
    initial_epoch=0,
    steps_per_epoch=1875,
    steps_after_epoch=(1875, 3750, 5625, 7500),
    history={"accuracy": (0.82, 0.86, 0.875, 0.886), "loss": (0.5, 0.4, 0.35, 0.3)},
    callbacks=("EarlyStoppingCallback",),
    student_callbacks=("EarlyStoppingCallback",),
    stop=Stop("EarlyStoppingCallback", True, 4, "on_epoch_end"),
    x_shape=(60000, 28, 28),
    x_max=1.0,
    error=None,
    finished=True,
)
TRAINED = replace(UNTRAINED, optimizer_steps=7500, held_out_accuracy=0.866, train_accuracy=0.892, train_loss=0.29)
DRAWN = (
    CallbackCase("a", ({"accuracy": 0.80}, {"accuracy": 0.885}), 0, 2),
    CallbackCase("b", ({"accuracy": 0.86}, {"accuracy": 0.877}), 3, None),
    CallbackCase("replay", tuple({"accuracy": value} for value in GOOD_FIT.history["accuracy"]), 0, 4, replay=True),
)
GOOD_TRIAL = CallbackTrial("EarlyStoppingCallback", DRAWN, {"a": CallbackAnswer("a", 2), "b": CallbackAnswer("b", None), "replay": CallbackAnswer("replay", 4)})


def context(**changes) -> Context:
    base = Context(
        names=NAMES,
        dataset=FASHION,
        lesson=False,
        reached=("execution", "training"),
        builder=Builder("create_and_compile_model", None, "Sequential", True, True),
        untrained_model=UNTRAINED,
        training=Training((GOOD_FIT,), 0, None, True),
        trained_model=TRAINED,
        callback=GOOD_TRIAL,
        condition=ACCURACY_088,
        max_epochs=10,
        reference_accuracy=0.8654,
    )
    return replace(base, **changes)


ARGUMENTS = {"accuracy": {"at_least": 0.85}, "reference": {"tolerance": 0.03}}


def verdict(check_id: str, **changes):
    return run_check(check_id, context(**changes), ARGUMENTS.get(check_id, {}))


def words(check_id: str, **changes) -> str:
    return render(verdict(check_id, **changes))


@pytest.mark.parametrize("check_id", sorted(name for name in CHECKS if name not in _LOCAL_OWNERS))  # the built-in ones
def test_every_check_passes_a_good_run(check_id):
    found = verdict(check_id)
    assert found.passed, render(found)


def test_every_built_in_reason_has_words():
    import inspect

    from grader.checks import builtin

    reasons = set(__import__("re").findall(r'"((?:model|callback|stop|accuracy|reference)\.[a-z_]+)"', inspect.getsource(builtin)))
    assert reasons and reasons <= set(TEMPLATES)


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"builder": None}, "could not be checked"),
        ({"untrained_model": replace(UNTRAINED, call_error="ValueError: expected (None, 784)")}, "keras.Input(shape=(28, 28))"),
        ({"untrained_model": replace(UNTRAINED, call_shape=(2, 5))}, "Dense(10, activation='softmax')"),
        ({"untrained_model": replace(UNTRAINED, probabilities=False)}, "not probabilities"),
        ({"untrained_model": replace(UNTRAINED, compiled=False)}, "not compiled"),
        ({"untrained_model": replace(UNTRAINED, metrics=())}, "metrics=['accuracy']"),
        ({"untrained_model": replace(UNTRAINED, metrics=("custom:accuracy:Inflated",))}, "metric of its own"),
        ({"untrained_model": replace(UNTRAINED, optimizer_steps=1875)}, "already trained"),
        ({"untrained_model": replace(UNTRAINED, held_out_accuracy=0.8)}, "without trained weights"),
        ({"untrained_model": ModelFacts(False, "Could not locate class 'MyLayer'")}, "no custom layer classes"),
    ],
)
def test_model_check_explains_each_fault(change, expected):
    found = verdict("model", **change)
    assert not found.passed and expected in render(found)


def test_a_plain_object_for_a_model_fails_whatever_it_looks_like():
    found = verdict("model", builder=Builder("create_and_compile_model", None, "__main__.FakeModel", False, False), untrained_model=None)
    assert not found.passed and "not a Keras model" in render(found)


def test_the_chance_limit_exists_only_with_three_classes_or_more():
    assert chance_limit(10) == pytest.approx(0.35) and chance_limit(2) is None


def test_callback_answers_are_matched_to_the_cases_sent():
    assert not verdict("callback", callback=replace(GOOD_TRIAL, answers={})).passed  # every case answered by nothing
    missing = verdict("callback", callback=replace(GOOD_TRIAL, answers={"a": CallbackAnswer("a", 2)}))
    assert not missing.passed and missing.reason == "callback.unanswered"
    extra = verdict("callback", callback=replace(GOOD_TRIAL, unexpected=("zzz",)))
    assert not extra.passed and extra.reason == "callback.unexpected"


def test_callback_that_stops_too_early_or_never_fails():
    early = verdict("callback", callback=replace(GOOD_TRIAL, answers={**GOOD_TRIAL.answers, "b": CallbackAnswer("b", 2)}))
    assert not early.passed and "does not meet training accuracy ≥ 0.88 yet" in render(early)
    never = verdict("callback", callback=replace(GOOD_TRIAL, answers={**GOOD_TRIAL.answers, "a": CallbackAnswer("a", None)}))
    assert not never.passed and "did not stop training" in render(never)


def test_callback_reading_acc_gets_the_keras_3_hint():
    raised = CallbackAnswer("a", None, StudentError("KeyError", "'acc'", "<cell 6>", 4, "if logs['acc'] > 0.88:"))
    found = verdict("callback", callback=replace(GOOD_TRIAL, answers={**GOOD_TRIAL.answers, "a": raised}))
    assert not found.passed and "logs['accuracy']" in render(found) and "cell 6, line 4" in render(found)


def test_a_class_not_found_alone_fails_with_its_name():
    assert "could not be found" in words("callback", callback=CallbackTrial(None, DRAWN, {}, problem="no_class"))
    assert "No callback class of yours" in words("callback", callback=CallbackTrial(None, DRAWN, {}, problem="no_class"), lesson=True)


@pytest.mark.parametrize(
    "fit, expected",
    [
        (replace(GOOD_FIT, stop=None, epochs_run=10), "the epoch limit ended it"),
        (replace(GOOD_FIT, stop=Stop("EarlyStopping", False, 4, "on_epoch_end")), "not by your own"),
        (replace(GOOD_FIT, stop=Stop("EarlyStoppingCallback", True, 4, "on_train_batch_end")), "on_epoch_end"),
        (replace(GOOD_FIT, history={"accuracy": (0.82, 0.881, 0.885, 0.886)}), "first held in epoch 2"),
        (replace(GOOD_FIT, callbacks=()), "was not given"),
        (replace(GOOD_FIT, error="InvalidArgumentError: Received a label value of 9"), "Training failed inside model.fit"),
    ],
)
def test_stopped_by_callback_fails_for_each_other_ending(fit, expected):
    found = verdict("stopped_by_callback", training=Training((fit,), 0, None, True))
    assert not found.passed and expected in render(found)


def test_epochs_requested_beyond_the_limit_only_count_when_strict():
    asked = replace(GOOD_FIT, epochs_requested=20)
    assert verdict("stopped_by_callback", training=Training((asked,), 0, None, True)).passed
    strict = verdict("stopped_by_callback", training=Training((asked,), 0, None, True), strict_epochs=True)
    assert not strict.passed and strict.reason == "stop.asked_too_many"


def test_two_fits_of_the_graded_model_count_together():
    first = replace(GOOD_FIT, epochs_requested=10, epochs_run=10, stop=None, history={"accuracy": (0.8,) * 10})
    second = replace(GOOD_FIT, epochs_requested=10, epochs_run=1, stop=Stop("EarlyStoppingCallback", True, 1, "on_epoch_end"), history={"accuracy": (0.9,)})
    found = verdict("stopped_by_callback", training=Training((first, second), 1, None, True))
    assert not found.passed and found.reason == "stop.too_many_epochs" and "11 epochs in 2" in render(found)


def test_a_fit_of_another_model_does_not_count():
    other = replace(GOOD_FIT, model=9, optimizer=10, epochs_run=10, stop=None)
    assert verdict("stopped_by_callback", training=Training((other, GOOD_FIT), 1, None, True)).passed


def test_the_saved_models_steps_must_match_the_epochs_claimed():
    found = verdict("stopped_by_callback", trained_model=replace(TRAINED, optimizer_steps=11 * 1875))
    assert not found.passed and found.reason == "stop.steps_disagree" and "20625" in render(found)


def test_the_replayed_logs_must_stop_where_the_run_says():
    early = replace(GOOD_TRIAL, answers={**GOOD_TRIAL.answers, "replay": CallbackAnswer("replay", 2)})
    found = verdict("stopped_by_callback", callback=early)
    assert not found.passed and found.reason == "stop.replay_disagrees" and "stopped in epoch 2" in render(found)
    assert verdict("stopped_by_callback", callback=replace(GOOD_TRIAL, answers={"a": CallbackAnswer("a", 2)})).reason == "stop.replay_disagrees"


def test_an_accuracy_metric_of_the_students_own_does_not_count():
    found = verdict("stopped_by_callback", trained_model=replace(TRAINED, metrics=("custom:accuracy:Inflated",)))
    assert not found.passed and found.reason == "stop.custom_metric"


def test_logs_that_the_model_contradicts_are_not_believed():
    below = ACCURACY_088.threshold - TRUSTED_TOLERANCE["accuracy"] - 0.0002  # the inflated-metric attack measured 0.8798, logged 0.88
    found = verdict("stopped_by_callback", trained_model=replace(TRAINED, train_accuracy=below))
    assert not found.passed and "The logs do not match the model" in render(found)
    assert not verdict("stopped_by_callback", trained_model=replace(TRAINED, train_accuracy=0.8798)).passed


def test_a_loss_condition_grades_the_loss_both_ways():
    fit = replace(GOOD_FIT, history={"loss": (0.5, 0.45, 0.41, 0.39), "accuracy": (0.8, 0.82, 0.84, 0.85)})
    assert verdict("stopped_by_callback", condition=LOSS_04, training=Training((fit,), 0, None, True)).passed
    contradicted = verdict("stopped_by_callback", condition=LOSS_04, training=Training((fit,), 0, None, True), trained_model=replace(TRAINED, train_loss=0.47))
    assert not contradicted.passed and contradicted.reason == "stop.logs_disagree"


def test_training_function_that_never_fits():
    found = verdict("stopped_by_callback", training=Training((), None, None, False))
    assert not found.passed and "never called model.fit" in render(found)
    assert "No model.fit ran" in words("stopped_by_callback", training=Training((), None, None, False), lesson=True)


def test_accuracy_is_the_graders_measurement_against_the_threshold():
    assert verdict("accuracy").passed
    below = verdict("accuracy", trained_model=replace(TRAINED, held_out_accuracy=0.84))
    assert not below.passed and "0.8400" in render(below) and "0.85" in render(below)


def test_a_model_never_trained_earns_no_accuracy():
    found = verdict("accuracy", trained_model=replace(TRAINED, optimizer_steps=0, held_out_accuracy=0.99))
    assert not found.passed and found.reason == "accuracy.never_trained"


def test_reference_comparison_uses_the_tolerance():
    assert verdict("reference").passed
    trailing = verdict("reference", trained_model=replace(TRAINED, held_out_accuracy=0.80))
    assert not trailing.passed and "trails" in render(trailing)
    assert run_check("reference", context(trained_model=replace(TRAINED, held_out_accuracy=0.86)), {"tolerance": 0.001}).passed is False


def test_the_context_holds_every_name_a_check_may_ask_for():
    import inspect

    from grader.checks.facts import CONTEXT

    for check_id in ("model", "callback", "stopped_by_callback"):
        assert set(inspect.signature(CHECKS[check_id]).parameters) <= set(CONTEXT)


def test_a_callback_that_behaves_otherwise_in_the_real_run_fails_the_callback_check():
    """Probe-aware: right on the drawn cases, but alone it does not stop where it stopped in training."""
    aware = replace(GOOD_TRIAL, answers={**GOOD_TRIAL.answers, "replay": CallbackAnswer("replay", None)})
    found = verdict("callback", callback=aware)
    assert not found.passed and found.reason == "callback.inconsistent"
    assert "tried alone did not stop, but in your run it stopped training in epoch 4" in render(found)


def test_the_stop_epoch_counts_every_fit_of_the_graded_model():
    """Four epochs without the callback, then a second fit that the callback stops at once: the condition held in epoch 4."""
    first = replace(GOOD_FIT, epochs_run=4, stop=None, history={"accuracy": (0.82, 0.86, 0.875, 0.886)})
    second = replace(GOOD_FIT, epochs_run=1, stop=Stop("EarlyStoppingCallback", True, 1, "on_epoch_end"), history={"accuracy": (0.89,)})
    found = verdict("stopped_by_callback", training=Training((first, second), 1, None, True), trained_model=replace(TRAINED, optimizer_steps=5 * 1875))
    assert not found.passed and found.reason == "stop.wrong_epoch" and "epoch 5" in render(found) and "first held in epoch 4" in render(found)
