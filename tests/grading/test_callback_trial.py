"""The cases the callback is tried on: drawn fresh each grading, on both sides of the condition, never on it."""

from __future__ import annotations

import random

import pytest

from grader.checks import Fit, Stop, StopCondition, Training
from grader.grading import callback_trial


@pytest.mark.parametrize("condition", [StopCondition("accuracy", ">=", 0.88), StopCondition("loss", "<", 0.4), StopCondition("accuracy", ">", 0.98)])
def test_cases_stop_exactly_where_the_condition_first_holds(condition):
    for seed in range(30):
        for case in callback_trial.draw(condition, draw=random.Random(seed)):
            values = [logs[condition.metric] for logs in case.logs]
            assert case.expected_stop == condition.first_epoch(tuple(values))
            assert condition.threshold not in values and {"loss", "accuracy"} == set(case.logs[0])


def test_every_draw_holds_near_and_far_cases_on_both_sides_and_differs_each_time():
    condition = StopCondition("accuracy", ">=", 0.88)
    cases = callback_trial.draw(condition)
    assert any(case.expected_stop for case in cases) and any(case.expected_stop is None for case in cases)
    deciding = [abs(case.logs[(case.expected_stop or len(case.logs)) - 1]["accuracy"] - 0.88) for case in cases]
    assert min(deciding) < 0.01 and max(deciding) > 0.02
    assert len({case.id for case in cases}) == len(cases)
    assert {case.id for case in callback_trial.draw(condition)} != {case.id for case in cases}


def test_the_run_is_replayed_with_the_stop_it_claims():
    fit = Fit(
        "training",
        1,
        2,
        10,
        3,
        0,
        1875,
        (1875, 3750, 5625),
        {"accuracy": (0.8, 0.86, 0.885)},
        ("Cb", "Another"),
        ("Cb", "Another"),
        Stop("Cb", True, 3, "on_epoch_end"),
        None,
        None,
        None,
        True,
    )
    case = callback_trial.replay(Training((fit,), 0, None, True), StopCondition("accuracy", ">=", 0.88), "Cb")
    assert case.replay and case.expected_stop == 3 and [logs["accuracy"] for logs in case.logs] == [0.8, 0.86, 0.885]
    other = callback_trial.replay(Training((fit,), 0, None, True), StopCondition("accuracy", ">=", 0.88), "Another")
    assert other.expected_stop is None  # another class stopped the run: alone, this one must not have


def test_answers_are_matched_to_the_cases_sent():
    cases = callback_trial.draw(StopCondition("accuracy", ">=", 0.88), count=4)
    sent = [{"id": case.id, "stopped_at": case.expected_stop} for case in cases]
    answers, unexpected = callback_trial.answers_of({"answers": sent + [{"id": "invented", "stopped_at": 1}, sent[0]]}, cases)
    assert set(answers) == {case.id for case in cases} and unexpected == ("invented", cases[0].id)
    assert callback_trial.answers_of({"answers": [{"id": 3}]}, cases) is None
    assert callback_trial.answers_of({"answers": "all passed"}, cases) is None
    assert callback_trial.answers_of({"answers": [{"id": cases[0].id, "stopped_at": True}]}, cases)[1] == (cases[0].id,)


def test_a_class_that_was_not_given_to_the_fit_is_not_replayed():
    fit = Fit("training", 1, 2, 10, 3, 0, 1875, (1875, 3750, 5625), {"accuracy": (0.8, 0.86, 0.885)}, (), (), None, None, None, None, True)
    assert callback_trial.replay(Training((fit,), 0, None, True), StopCondition("accuracy", ">=", 0.88), "Cb") is None
