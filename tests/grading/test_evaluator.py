"""The evaluation process measures every model it is handed, however close together the hand-overs come."""

from __future__ import annotations

import pytest

from grader.api import choose_isolation
from grader.data.provision import provide
from grader.grading import evaluator
from grader.options import Options

pytestmark = pytest.mark.slow  # starts the evaluation sandbox, which imports Keras


@pytest.fixture
def untrained_file(tmp_path):
    import keras

    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.save(tmp_path / "untrained.keras")
    return tmp_path / "untrained.keras"


def test_an_untrained_model_handed_over_just_before_the_end_is_measured(assignment, untrained_file):
    # A student's training that raises at once: the model arrives, and the run ends, while Keras is still importing.
    provision = provide(assignment.data, assignment.folder)
    options = Options(isolation=choose_isolation("auto")).resolved(assignment)
    with evaluator.started(assignment, provision, options) as pending:
        pending.hand_over_untrained(untrained_file)
        evaluation, trial = pending.finish({"untrained": (untrained_file, "untrained", None)}, None)
    measured = evaluation.model("untrained")
    assert trial is None and not evaluation.problem
    assert measured is not None and measured.loaded and measured.params == 28 * 28 * 10 + 10
    assert measured.optimizer_steps == 0 and measured.has_keras_metric("accuracy")
