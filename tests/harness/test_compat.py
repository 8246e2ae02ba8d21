"""Keras 2 code under Keras 3: what the harness adapts, noted at the student's cell and line, and what stays an error.

In-process, on tiny real Keras models. "Student code" is compiled under the name the harness gives a
notebook cell (``<cell 3>``), so each note's place is checked as the report will show it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from grader.harness import compat
from grader.harness.observe import FitRecorder

X, Y = np.zeros((64, 4), "float32"), np.array([0, 1] * 32)


@pytest.fixture(scope="module")
def keras():
    """Keras with the recorder and every adaptation installed, as in the student's run; put back as it was afterwards."""
    import keras

    trainer = next(owner for owner in keras.Model.__mro__ if "compile" in owner.__dict__)
    owners = [keras.Model, keras.Sequential, trainer, keras.callbacks.Callback] + [getattr(keras.optimizers, name) for name in compat.OPTIMIZERS]
    saved = [(owner, dict(owner.__dict__)) for owner in owners]
    recorder = FitRecorder(keras, __name__, compat.Adaptations())
    recorder.install()
    compat.adapt_keras_2(keras, recorder.adaptations)
    yield keras, recorder
    for owner, before in saved:
        for name in set(owner.__dict__) - set(before):
            delattr(owner, name)
        for name, value in before.items():
            if owner.__dict__.get(name) is not value:
                setattr(owner, name, value)


@pytest.fixture
def student(keras):
    """Runs source as cell 3 of a notebook; returns its namespace and the adaptations noted while it ran."""
    keras, recorder = keras

    def run(source: str) -> tuple[dict, list[tuple[str, str, int]]]:
        recorder.adaptations.found.clear()
        recorder.fits.clear()
        namespace = {"keras": keras, "np": np, "X": X, "Y": Y}
        exec(compile(source, "<cell 3>", "exec"), namespace)
        return namespace, [(entry["code"], entry["file"], entry["line"]) for entry in recorder.adaptations.found]

    return run


MODEL = """
def tiny(optimizer="adam", units=2, activation="softmax"):
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(units, activation=activation)])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy" if units > 1 else "binary_crossentropy", metrics=["accuracy"])
    return model
"""


def test_an_optimizers_lr_is_its_learning_rate(student):
    namespace, notes = student(MODEL + "optimizer = keras.optimizers.RMSprop(lr=0.01)\nhistory = tiny(optimizer).fit(X, Y, epochs=1, verbose=0)")
    assert float(namespace["optimizer"].learning_rate) == pytest.approx(0.01)
    assert notes == [("optimizer_lr", "<cell 3>", 6)]


def test_epsilon_none_is_keras_2s_default_and_the_model_trains(student):
    namespace, notes = student(MODEL + "optimizer = keras.optimizers.Adam(epsilon=None)\nhistory = tiny(optimizer).fit(X, Y, epochs=2, verbose=0)")
    assert namespace["optimizer"].epsilon == 1e-7 and len(namespace["history"].history["loss"]) == 2
    assert notes == [("optimizer_epsilon", "<cell 3>", 6)]


def test_decay_divides_the_learning_rate_by_one_plus_decay_times_step_and_the_model_file_loads_in_safe_mode(student, keras, tmp_path):
    keras, _ = keras
    namespace, notes = student(
        MODEL + "optimizer = keras.optimizers.SGD(lr=0.1, decay=0.5)\nmodel = tiny(optimizer)\nhistory = model.fit(X, Y, batch_size=16, epochs=1, verbose=0)"
    )
    optimizer = namespace["optimizer"]
    assert int(optimizer.iterations.numpy()) == 4
    assert float(optimizer.learning_rate) == pytest.approx(0.1 / (1 + 0.5 * 4))  # Keras 2: lr / (1 + decay * iterations)
    assert {code for code, _, _ in notes} == {"optimizer_lr", "optimizer_decay"} and {line for _, _, line in notes} == {6}
    namespace["model"].save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras", safe_mode=True)
    assert float(loaded.optimizer.learning_rate) == pytest.approx(0.1 / 3)


def test_no_decay_is_no_schedule_and_no_note(student):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras 3's own "decay is ignored" for decay=0.0, which changes nothing
        namespace, notes = student("optimizer = keras.optimizers.Adam(learning_rate=0.002, decay=0.0)")
    assert float(namespace["optimizer"].learning_rate) == pytest.approx(0.002) and notes == []


def test_fit_generator_is_fit_recorded_like_any_fit_and_its_kin_answer_as_evaluate_and_predict(student, keras):
    _, recorder = keras
    namespace, notes = student(
        MODEL
        + (
            "def batches():\n"
            "    while True:\n"
            "        yield X[:16], Y[:16]\n"
            "model = tiny()\n"
            "history = model.fit_generator(batches(), steps_per_epoch=4, epochs=3, verbose=0, workers=4, use_multiprocessing=True)\n"
            "scores = model.evaluate_generator(batches(), steps=2)\n"
            "predictions = model.predict_generator(batches(), steps=2)\n"
        )
    )
    (fit,) = recorder.fits
    assert (fit["epochs_requested"], fit["epochs_run"], fit["steps_per_epoch"], fit["steps_after_epoch"]) == (3, 3, 4, [4, 8, 12])
    assert len(namespace["scores"]) == 2 and namespace["predictions"].shape == (32, 2)
    assert namespace["scores"] == pytest.approx(namespace["model"].evaluate(X[:16], Y[:16], verbose=0))
    assert notes == [("fit_generator", "<cell 3>", 10), ("evaluate_generator", "<cell 3>", 11), ("predict_generator", "<cell 3>", 12)]


def test_predict_classes_and_predict_proba_answer_as_keras_2s_sequential(student):
    namespace, notes = student(
        MODEL
        + (
            "model, binary = tiny(), tiny(units=1, activation='sigmoid')\n"
            "classes, probabilities = model.predict_classes(X[:5]), model.predict_proba(X[:5])\n"
            "binary_classes = binary.predict_classes(X[:5])\n"
        )
    )
    model, binary = namespace["model"], namespace["binary"]
    assert (namespace["classes"] == np.argmax(model.predict(X[:5], verbose=0), axis=-1)).all()
    assert np.allclose(namespace["probabilities"], model.predict(X[:5], verbose=0))
    assert namespace["binary_classes"].dtype == np.int32 and namespace["binary_classes"].shape == (5, 1)
    assert (namespace["binary_classes"] == (binary.predict(X[:5], verbose=0) > 0.5)).all()
    assert notes == [("predict_classes", "<cell 3>", 7), ("predict_proba", "<cell 3>", 7), ("predict_classes", "<cell 3>", 8)]


def test_loader_arguments_are_left_out_of_fit_evaluate_and_predict(student, keras):
    _, recorder = keras
    namespace, notes = student(
        MODEL
        + (
            "model = tiny()\n"
            "history = model.fit(X, Y, epochs=2, verbose=0, workers=4, use_multiprocessing=True, max_queue_size=20)\n"
            "scores = model.evaluate(X, Y, verbose=0, workers=4)\n"
            "predictions = model.predict(X, verbose=0, use_multiprocessing=False)\n"
        )
    )
    assert recorder.fits[0]["epochs_run"] == 2 and len(namespace["scores"]) == 2 and namespace["predictions"].shape == (64, 2)
    assert notes == [("loader_arguments", "<cell 3>", line) for line in (7, 8, 9)]


def test_metrics_given_third_to_compile_are_metrics_as_in_keras_2_and_loss_weights_stay_loss_weights(student):
    namespace, notes = student(
        "model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2, activation='softmax')])\n"
        "model.compile('adam', 'sparse_categorical_crossentropy', ['accuracy'])\n"
        "history = model.fit(X, Y, epochs=1, verbose=0)\n"
        "weighted = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2, activation='softmax')])\n"
        "weighted.compile('adam', 'sparse_categorical_crossentropy', [1.0], ['accuracy'])\n"
        "weighted_history = weighted.fit(X, Y, epochs=1, verbose=0)\n"
    )
    assert set(namespace["history"].history) == {"accuracy", "loss"} and set(namespace["weighted_history"].history) == {"accuracy", "loss"}
    assert notes == [("compile_metrics_position", "<cell 3>", 2)]  # Keras 3's own order (weights, then metrics) needs nothing


def test_code_keras_3_accepts_gets_no_note(student):
    _, notes = student(
        MODEL
        + (
            "model = tiny(keras.optimizers.Adam(learning_rate=0.001))\n"
            "history = model.fit(X, Y, epochs=1, verbose=0, callbacks=[keras.callbacks.History()])\n"
            "model.evaluate(X, Y, verbose=0)\nmodel.predict(X, verbose=0)\n"
        )
    )
    assert notes == []


def test_installing_twice_changes_nothing(student, keras):
    keras, recorder = keras
    methods = (keras.Model.fit_generator, keras.Model.evaluate, keras.Sequential.predict_classes, keras.optimizers.Adam.__init__)
    compat.adapt_keras_2(keras, compat.Adaptations())
    assert (keras.Model.fit_generator, keras.Model.evaluate, keras.Sequential.predict_classes, keras.optimizers.Adam.__init__) == methods
    _, notes = student("optimizer = keras.optimizers.Adam(lr=0.01)")
    assert notes == [("optimizer_lr", "<cell 3>", 1)]


# -- what stays as Keras 3 has it: each candidate tried, and why it is not adapted -----------------


def test_tensorflow_1_optimizers_stay_an_error_as_under_tensorflow_2(student):
    with pytest.raises(AttributeError, match="AdamOptimizer"):
        student("import tensorflow as tf\noptimizer = tf.train.AdamOptimizer()")


def test_metrics_acc_is_logged_as_acc_as_keras_2_did_so_there_is_nothing_to_adapt(student):
    namespace, notes = student(
        MODEL
        + (
            "model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2, activation='softmax')])\n"
            "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['acc'])\n"
            "history = model.fit(X, Y, epochs=1, verbose=0)\n"
            "accurate = tiny().fit(X, Y, epochs=1, verbose=0)\n"
        )
    )
    assert set(namespace["history"].history) == {"acc", "loss"} and notes == []
    assert set(namespace["accurate"].history) == {"accuracy", "loss"}  # with metrics=['accuracy'], logs.get('acc') is None: an error


def test_flatten_with_an_input_shape_and_evaluates_list_work_unchanged(student):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        namespace, notes = student(
            "model = keras.Sequential([keras.layers.Flatten(input_shape=(2, 2)), keras.layers.Dense(2, activation='softmax')])\n"
            "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])\n"
            "scores = model.evaluate(X.reshape(-1, 2, 2), Y, verbose=0)\n"
        )
    assert any("input_shape" in str(warning.message) for warning in caught)  # only a warning
    assert isinstance(namespace["scores"], list) and len(namespace["scores"]) == 2 and notes == []


def test_every_adaptation_has_words_and_every_idiom_it_covers_exists():
    import re
    from pathlib import Path

    from grader.grading import old_api
    from grader.text import notes

    source = Path(compat.__file__).read_text()
    codes = set(re.findall(r"""note\("(\w+)"\)""", source)) | {"backslash_path", "load_data_path"}
    assert codes == set(notes.ADAPTATIONS)
    assert set(old_api.IDIOM_ADAPTED_BY) <= codes and set(old_api.IDIOM_ADAPTED_BY.values()) <= set(notes.LEGACY_API)
