"""The trusted side's reading of the evaluation, and the form the images are fed in."""

from __future__ import annotations

import pytest

from grader.grading.measurements import InputForm, model_facts, parse


@pytest.mark.parametrize(
    "x_shape, x_max, default, expected",
    [
        ((60000, 28, 28), 1.0, False, InputForm(True, (28, 28))),
        ((60000, 28, 28, 1), 0.99, True, InputForm(True, (28, 28, 1))),
        ((60000, 784), 255.0, True, InputForm(False, (784,))),  # trained on raw pixels: evaluated on raw pixels
        (None, None, True, InputForm(True, None)),  # a tf.data pipeline: the assignment's default
        ((60000, 32, 32), 1.0, True, InputForm(True, None)),  # not a 28×28 image: left to the model
    ],
)
def test_the_model_is_evaluated_on_images_as_it_was_trained(x_shape, x_max, default, expected):
    assert InputForm.of(x_shape, x_max, default, 784) == expected


def test_a_dataset_of_another_shape_sets_what_a_valid_form_is():
    assert InputForm.of((50, 32, 32, 3), 1.0, True, 32 * 32 * 3) == InputForm(True, (32, 32, 3))
    assert InputForm.of((50, 28, 28), 1.0, True, 32 * 32 * 3) == InputForm(True, None)


def test_form_json_for_the_evaluation_process():
    assert InputForm(False, (784,)).to_json() == {"scale": 1.0, "shape": [784]}
    assert InputForm(True, None).to_json() == {"scale": 1 / 255}


def test_measurements_are_read_and_anything_odd_dropped():
    facts = model_facts(
        {
            "loaded": True,
            "params": 10,
            "held_out_accuracy": 0.9,
            "train_accuracy": 0.95,
            "train_loss": 0.21,
            "optimizer_steps": 7500,
            "metrics": ["keras:accuracy"],
        }
    )
    assert facts.train_metric("loss") == 0.21 and facts.train_metric("accuracy") == 0.95 and facts.optimizer_steps == 7500
    assert facts.has_keras_metric("accuracy") and not facts.has_custom_metric("accuracy")
    assert model_facts({"loaded": True, "held_out_accuracy": 0.9, "train_loss": -1}).train_loss is None
    assert model_facts({"loaded": True, "held_out_accuracy": 1.5, "train_loss": "0.2"}).held_out_accuracy is None
    assert model_facts({"loaded": True, "optimizer_steps": True}).optimizer_steps == 0
    assert not model_facts("not a dict").loaded and model_facts({"loaded": False, "load_error": "Lambda"}).load_error == "Lambda"


def test_an_evaluation_without_its_models_is_a_problem_not_a_crash():
    assert parse([]).problem and parse({"models": "x"}).problem
    assert parse({"models": {"model": {"loaded": True}}}).model("model").loaded
