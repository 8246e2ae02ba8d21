"""Try the student's callback class alone, on cases the grader drew.

The evaluation process (``evaluate_model.py``) calls ``trial(job)`` after it has sent its
measurements: from then on nothing it sends is taken as a measurement, so the student's code may
run there. Only the submission's definitions run (imports, functions, classes and constant
assignments: ``student_code.definitions_only``), never its training or data loading. Each case
is a sequence of epoch logs: a small Keras model is fitted for that many epochs with a fresh
instance of the class, and a callback placed before it puts the case's values into each epoch's
logs, so the class sees a real fit. The model and its data are made, and fitted once, by
``prepare`` while the student's code still trains, before any student code runs in this process:
the first case then traces nothing. The data is a repeated pipeline read ``STEPS`` batches an
epoch, so an epoch does not build a new iterator (3 ms an epoch instead of 22). The only answer
kept per case is the epoch in which training stopped (or none) and the error it raised, if any;
the grader matches each answer to the case it sent and decides what it means. Imports nothing of
the trusted grader.
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import compat  # noqa: E402  (sibling modules of the harness)
import pipelines  # noqa: E402
import student_code  # noqa: E402


def define(submission: dict) -> tuple[dict, list[dict]]:
    """The submission's definitions, executed cell by cell; a definition that raises is passed over and noted."""
    kind = submission["kind"]
    namespace = student_code.student_module(kind, student_code.module_name(submission)).__dict__
    problems = []
    translated, problem = student_code.translate(submission, 20)  # the same budget as the graded run's
    if problem is not None:
        return namespace, []
    for cell, _ in translated or []:
        name = student_code.filename(kind, cell)
        source = student_code.transform_magics(cell["source"]) if kind == "notebook" else cell["source"]
        for code in student_code.definitions_only(source, name):
            try:
                exec(code, namespace)
            except BaseException as error:  # student code: every failure is a value
                problems.append({"cell": cell.get("number"), "error": student_code.describe_error(error)})
    return namespace, problems[:20]


SAMPLES, BATCH = 64, 32
STEPS = SAMPLES // BATCH


def _model(keras, image_shape: list[int], classes: int):
    model = keras.Sequential([keras.Input(shape=tuple(image_shape)), keras.layers.Flatten(), keras.layers.Dense(classes, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _data(image_shape: list[int], classes: int, seed: int):
    """Random images and labels, batched and repeated; without autotuning, whose thread would hold up the end of every fit."""
    import numpy as np
    import tensorflow as tf

    generator = np.random.default_rng(seed)
    images, labels = generator.random((SAMPLES, *image_shape), dtype="float32"), generator.integers(0, classes, SAMPLES)
    options = tf.data.Options()
    options.autotune.enabled = False
    return tf.data.Dataset.from_tensor_slices((images, labels)).batch(BATCH).repeat().with_options(options)


def prepare(keras, image_shape: list[int], classes: int, seed: int) -> tuple:
    """The trial's model and data, fitted one epoch with no student code: what ``trial`` takes as ``prepared``."""
    keras.utils.set_random_seed(seed)
    model, data = _model(keras, image_shape, classes), _data(image_shape, classes, seed)
    model.fit(data, steps_per_epoch=STEPS, epochs=1, shuffle=False, verbose=0)
    return model, data, (list(image_shape), classes)


def answer(keras, model, cls, case: dict, data) -> dict:
    """Fit ``len(case["logs"])`` epochs from ``case["first_epoch"]``; the epoch (1-based, within the case) that stopped training."""
    logs_by_epoch = case["logs"]
    first = int(case.get("first_epoch", 0))

    class Logs(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if logs is not None:
                logs.clear()
                logs.update(logs_by_epoch[epoch - first])

    try:
        callback = cls()
        with contextlib.redirect_stdout(io.StringIO()):
            history = model.fit(
                data, steps_per_epoch=STEPS, initial_epoch=first, epochs=first + len(logs_by_epoch), callbacks=[Logs(), callback], shuffle=False, verbose=0
            )
    except BaseException as error:  # student code
        return {"id": case["id"], "error": student_code.describe_error(error)}
    stopped = bool(getattr(model, "stop_training", False))
    return {"id": case["id"], "stopped_at": len(history.epoch) if stopped else None}


def trial(job: dict, prepared: tuple | None = None) -> dict:
    """The class named in the job, tried on each case; what ``callback.json`` holds."""
    namespace, problems = define(job["submission"])
    names = [name for name in job["names"] if isinstance(namespace.get(name), type)]
    result: dict = {"class": names[0] if names else None, "definition_errors": problems, "answers": []}
    if names:
        import keras

        adaptations = compat.Adaptations()
        compat.adapt_keras_2(keras, adaptations)  # the class sees the same Keras as in its own training
        pipelines.without_autotuning()  # and the same pipelines
        if prepared is None or prepared[2] != (list(job["image_shape"]), job["classes"]):
            prepared = prepare(keras, job["image_shape"], job["classes"], job["seed"])
        model, data, _ = prepared
        keras.utils.set_random_seed(job["seed"])
        result["answers"] = [answer(keras, model, namespace[names[0]], case, data) for case in job["cases"]]
        result["compatibility"] = adaptations.found
    return result
