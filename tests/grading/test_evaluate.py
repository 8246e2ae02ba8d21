"""The trusted side's reading of the evaluation, and the form the images are fed in."""

from __future__ import annotations

import pytest

from grader.grading.evaluate import InputForm, _parse


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
    assert InputForm.of(x_shape, x_max, default) == expected


def test_form_json_for_the_evaluation_process():
    assert InputForm(False, (784,)).to_json() == {"scale": 1.0, "shape": [784]}
    assert InputForm(True, None).to_json() == {"scale": 1 / 255}


def test_training_loss_is_read_and_anything_odd_dropped():
    evaluation = _parse({"loaded": True, "params": 10, "test_accuracy": 0.9, "train_accuracy": 0.95, "train_loss": 0.21})
    assert evaluation.train_metric("loss") == 0.21 and evaluation.train_metric("accuracy") == 0.95
    assert _parse({"loaded": True, "test_accuracy": 0.9, "train_loss": -1}).train_loss is None
    assert _parse({"loaded": True, "test_accuracy": 0.9, "train_loss": "0.2"}).train_loss is None
