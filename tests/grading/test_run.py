"""What the harness is asked to probe: logs on both sides of the spec's stop condition."""

from __future__ import annotations

import pytest

from grader import spec as specs
from grader.grading.run import callback_cases


@pytest.mark.parametrize(
    "name, metric, before, past",
    [
        ("fashion_mnist_callback", "accuracy", (0.836, 0.875), (0.885, 0.924)),
        ("fashion_mnist_lab", "loss", (0.42, 0.405), (0.395, 0.38)),
        ("mnist_callback", "accuracy", (0.931, 0.975), (0.985, 1.0)),
    ],
)
def test_cases_sit_before_and_past_the_threshold_never_on_it(name, metric, before, past):
    spec = specs.load(name)
    values = [case["logs"][metric] for case in callback_cases(spec)]
    assert tuple(values[:2]) == before and tuple(values[2:]) == past
    condition = spec.thresholds.condition
    assert [condition.holds(value) for value in values] == [False, False, True, True]
    assert all({"loss", "accuracy"} == set(case["logs"]) for case in callback_cases(spec))


def test_an_override_moves_the_cases():
    strict = specs.with_overrides(specs.load("mnist_callback"), {"threshold": "0.99"})
    assert [case["logs"]["accuracy"] for case in callback_cases(strict)] == [0.9405, 0.985, 0.995, 1.0]
