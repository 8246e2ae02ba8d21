"""Keras's input pipelines in the sandboxed processes: no autotuning thread, the same training.

In-process, on a tiny real Keras model; ``tf.data.Dataset.with_options`` is put back afterwards.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from grader.harness import pipelines

tf = pytest.importorskip("tensorflow")
X, Y = np.random.default_rng(0).random((256, 4), dtype="float32"), np.array([0, 1] * 128)


@pytest.fixture
def installed(monkeypatch):
    monkeypatch.setattr(tf.data.Dataset, "with_options", tf.data.Dataset.with_options)  # restored after the test
    pipelines.without_autotuning()
    return tf.data.Dataset.with_options


def keras_dataset():
    """The pipeline ``fit`` builds from arrays."""
    from keras.src.trainers.data_adapters.array_data_adapter import ArrayDataAdapter

    return ArrayDataAdapter(X, Y, batch_size=32, shuffle=True).get_tf_dataset()


def history(seed: int = 3) -> list[float]:
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    fitted = model.fit(X, Y, batch_size=32, epochs=3, shuffle=True, verbose=0)
    return fitted.history["loss"] + fitted.history["accuracy"]


def test_the_pipeline_fit_builds_from_arrays_has_no_autotuning(installed):
    assert keras_dataset().options().autotune.enabled is False


def test_keras_autotunes_without_it():
    assert keras_dataset().options().autotune.enabled is None  # unset: TensorFlow's default, on


def test_a_pipeline_that_chooses_autotuning_keeps_its_choice(installed):
    chosen = tf.data.Options()
    chosen.autotune.enabled = True
    assert tf.data.Dataset.range(4).with_options(chosen).options().autotune.enabled is True
    assert tf.data.Dataset.range(4).with_options(tf.data.Options()).options().autotune.enabled is False


def test_installing_twice_wraps_once(installed):
    pipelines.without_autotuning()
    assert tf.data.Dataset.with_options is installed


def test_training_gives_the_same_history(monkeypatch):
    before = history()
    monkeypatch.setattr(tf.data.Dataset, "with_options", tf.data.Dataset.with_options)
    pipelines.without_autotuning()
    assert history() == before


@pytest.mark.slow
def test_the_sandboxed_run_has_it_before_student_code_runs(tmp_path):
    from grader import spec as specs
    from grader.api import choose_isolation, grade_to
    from grader.options import Options

    module = tmp_path / "submission.py"
    module.write_text("import tensorflow as tf\nprint('autotune:', tf.data.Dataset.range(2).with_options(tf.data.Options()).options().autotune.enabled)\n")
    grade_to(module, specs.load("fashion_mnist_callback"), tmp_path / "out", Options(isolation=choose_isolation("auto"), regrade=True))
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert "autotune: False" in report["output"], report["output"]
