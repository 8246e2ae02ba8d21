"""Experiments of the Fashion MNIST classifier workbook, in two halves that never share a process.

``collect(namespace, save_model, data, seed)`` runs in the STUDENT's process, after their code. It
calls their functions and hands the grader what they made, nothing it decides on:

- each variant builder (``create_wider_classifier``, ...) is called with the seed set, and the
  model it returns is sent as a file (``save_model``); what the call did (missing, raised, not a
  Keras model) is recorded only to explain a missing file;
- ``train_longer`` is called with 1,000 training images and 1,000 served test images as
  ``validation_data``; the model of the History it returns is sent as ``variant-longer.keras``,
  with the per-epoch curves the History claims;
- ``load_and_normalize()`` and ``load_without_normalizing()`` are summarised (shape, dtype, range,
  classes, and whether they equal the served arrays, scaled): the arrays themselves, 70,000
  images each, are too large to send out of the sandbox, so these summaries stay claims;
- the ``ANSWER_*`` constants, as the strings they are (or their type).

``measure(model, data, served, seed, keras, file)`` runs in the grader's EVALUATION process, which
runs no student code, on the model files alone. Each experiment is as small as the workbook's:

- a baseline (Flatten, Dense(128, relu), Dense(10, softmax)) trained one epoch on the first 3,000
  real training images, evaluated on the first 2,000 real test images; the same network trained
  and evaluated on the raw 0–255 pixels;
- each variant loaded in safe mode, described (layers, units, parameters, output for two random
  28×28 images), then re-initialised with the seed, compiled with the baseline's settings and
  trained the same way (wider, deeper), or fitted one epoch on 256 images to see whether Keras
  raises, gives a NaN loss or trains (no Flatten, five outputs);
- ``train_longer``'s model: described, its optimizer's step count read from its file, its accuracy
  measured on the validation images it was given; and the exercise itself (the baseline, 15 epochs
  on 1,000 real training images, validated on 1,000 real test images) run by the grader.

Both return JSON. ``checks.py`` decides what it means; nothing here decides a verdict.
"""

import contextlib
import gc
import math
import os
import sys
import tempfile
import traceback
import zipfile

import numpy as np

SCHEMA = 2
TRAIN_N, TEST_N = 3000, 2000  # one-epoch comparisons
ERROR_N = 256  # variants expected to fail: a quick fit
LONGER_N, LONGER_EPOCHS = 1000, 15  # train_longer: training and validation images, the epochs asked for
BATCH = 32  # Keras's default batch size, the only one the workbook uses
SAMPLE = 1000  # images compared with the dataset
MAX_EPOCHS_RECORDED = 60
WEIGHTS_LIMIT = 100_000_000  # a workbook variant's weights are a few MB
MAX_TRAINED_PARAMS = 20_000_000  # the wider variant has 814,090; a far larger model is described, not trained

ANSWERS = ("ANSWER_WIDER", "ANSWER_DEEPER", "ANSWER_NO_FLATTEN", "ANSWER_FIVE_OUTPUTS", "ANSWER_NO_NORMALIZATION", "ANSWER_MORE_EPOCHS")
VARIANTS = {"wider": "create_wider_classifier", "deeper": "create_deeper_classifier",
            "no_flatten": "create_unflattened_classifier", "five_outputs": "create_five_output_classifier"}


def _number(value, digits=6):
    try:
        value = float(value)
    except Exception:
        return None
    return round(value, digits) if math.isfinite(value) else None


def _curve(values):
    return [_number(value) for value in list(values)[:MAX_EPOCHS_RECORDED]] if isinstance(values, (list, tuple)) else None


def _safely(function, *args):
    """One section of the result: anything can raise here (student objects, a model file), even SystemExit."""
    try:
        return function(*args)
    except BaseException as error:
        return {"error": _described(error)}


def _essential(message):
    """A TensorFlow graph error's own line, without the stack of Keras frames before it."""
    if "Graph execution error" not in message:
        return message
    lines = [line.strip() for line in message.splitlines()]
    useful = [line for line in lines if line and not line.startswith(("File ", "[[", "Detected at node", "Graph execution error"))]
    return useful[-1].split("  Label values:")[0].split(" [[")[0] if useful else message


def _described(error):
    """Type, message and, for the student's code, their own line (cells are compiled as ``<cell N>``)."""
    found = {"type": type(error).__name__[:100], "message": _essential(str(error))[:400]}
    try:
        frames = [frame for frame in traceback.extract_tb(error.__traceback__)
                  if frame.filename.startswith("<cell ") or frame.filename.startswith("/submission/")]
    except Exception:
        frames = []
    if frames:
        found.update(file=frames[-1].filename[:200], line=frames[-1].lineno, text=(frames[-1].line or "").strip()[:300])
    return found


@contextlib.contextmanager
def _quiet_stderr():
    """TensorFlow's C++ log of an expected failure would only fill the output."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


# ---- collect: the student's process ----------------------------------------------------------------


def _call(namespace, name, *args):
    """(value, None), or (None, what to record instead)."""
    function = namespace.get(name)
    if not callable(function):
        return None, {"missing": True}
    try:
        return function(*args), None
    except BaseException as error:  # student code
        return None, {"error": _described(error)}


def _answer(namespace, name):
    value = namespace.get(name)
    return {"value": value[:100] if isinstance(value, str) else None, "type": type(value).__name__[:100], "defined": name in namespace}


def _array(value):
    """Summary of one returned array, never the array itself."""
    found = {"type": type(value).__name__[:100]}
    array = np.asarray(value)
    if array.dtype == object:
        return found, None
    found.update(shape=[int(dim) for dim in array.shape][:8], dtype=str(array.dtype)[:40], kind=array.dtype.kind)
    if array.size and array.dtype.kind in "fiub":
        found["min"], found["max"] = _number(array.min()), _number(array.max())
        if array.ndim == 1:
            found["classes"] = int(np.unique(array).size)
    return found, array


def _loader(namespace, name, data, scale):
    """What a loader returned, against the served arrays scaled by ``scale``."""
    returned, problem = _call(namespace, name)
    if problem:
        return problem
    try:
        (train_images, train_labels), (test_images, test_labels) = returned
    except BaseException:
        return {"structure_ok": False, "returned": type(returned).__name__[:100]}
    found = {"structure_ok": True, "parts": {}, "matches": {}}
    for split, images, labels in (("train", train_images, train_labels), ("test", test_images, test_labels)):
        served_images, served_labels = data(split)
        summary, array = _array(images)
        found["parts"][f"{split}_images"] = summary
        found["matches"][f"{split}_images"] = bool(
            array is not None and array.shape == served_images.shape and array.dtype.kind in "fiu"
            and np.allclose(np.asarray(array[:SAMPLE], dtype="float64"), np.asarray(served_images[:SAMPLE], dtype="float64") * scale, atol=1e-4, rtol=0))
        summary, array = _array(labels)
        found["parts"][f"{split}_labels"] = summary
        found["matches"][f"{split}_labels"] = bool(array is not None and array.shape == served_labels.shape and array.dtype.kind in "iuf"
                                                   and np.array_equal(array, served_labels))
    return found


def _built(namespace, function, keras, seed, save_model, name):
    """Call a variant builder with the seed set and send its model, as it returns it, for the grader to measure."""
    keras.utils.set_random_seed(seed)
    model, problem = _call(namespace, function)
    if problem:
        return problem
    return {"type": f"{type(model).__module__}.{type(model).__qualname__}"[:200], "save": save_model(name, model)}


def _longer(namespace, keras, seed, data, save_model):
    """train_longer on 1,000 training images, validated on 1,000 served test images: its curves (claimed) and its model (sent)."""
    images, labels = data("train")
    test_images, test_labels = data("test")
    x, y = np.asarray(images[:LONGER_N], dtype="float32") / 255.0, np.asarray(labels[:LONGER_N], dtype="int64")
    xv, yv = np.asarray(test_images[:LONGER_N], dtype="float32") / 255.0, np.asarray(test_labels[:LONGER_N], dtype="int64")
    keras.utils.set_random_seed(seed)
    history, problem = _call(namespace, "train_longer", x, y, (xv, yv))
    if problem:
        return problem
    found = {"returned": type(history).__name__[:100]}
    logs = getattr(history, "history", None)
    if isinstance(logs, dict):
        found["curves"] = {key: _curve(logs.get(key)) for key in ("loss", "accuracy", "val_loss", "val_accuracy")}
        found["epochs"] = len(logs.get("loss") or [])
    found["save"] = _safely(save_model, "longer", getattr(history, "model", None))
    return found


def collect(namespace, save_model, data, seed):
    import keras

    claims = {"schema": SCHEMA, "answers": {name: _safely(_answer, namespace, name) for name in ANSWERS}}
    claims["load"] = _safely(_loader, namespace, "load_and_normalize", data, 1 / 255)
    gc.collect()  # the student's 70,000 float images are no longer needed
    claims["no_normalization"] = _safely(_loader, namespace, "load_without_normalizing", data, 1.0)
    gc.collect()
    claims["variants"] = {name: _safely(_built, namespace, function, keras, seed, save_model, name) for name, function in VARIANTS.items()}
    claims["longer"] = _safely(_longer, namespace, keras, seed, data, save_model)
    return claims


# ---- measure: the grader's evaluation process, no student code ---------------------------------------


def _short(error):
    return {"type": type(error).__name__[:100], "message": _essential(str(error))[:400]}


def _layers(model, depth=0):
    found = []
    for layer in list(model.layers)[:50]:
        if depth < 3 and getattr(layer, "layers", None):  # a nested model
            found += _layers(layer, depth + 1)
            continue
        units, activation = getattr(layer, "units", None), getattr(layer, "activation", None)
        found.append({"class": type(layer).__name__[:60], "units": units if isinstance(units, int) and not isinstance(units, bool) else None,
                      "activation": str(getattr(activation, "__name__", ""))[:40] or None})
    return found[:50]


def _described_model(model, seed):
    """Layers, parameters, and the output for two random 28×28 images: its shape, and whether each row is probabilities."""
    found = {"layers": _layers(model), "params": int(model.count_params())}
    images = np.random.default_rng(seed).random((2, 28, 28), dtype="float32")
    try:
        output = np.asarray(model(images, training=False), dtype="float64")
    except BaseException as error:
        found["call_error"] = _short(error)
        return found
    rows = output.reshape(2, -1) if output.ndim > 1 else output.reshape(1, -1)
    found["call_shape"] = [int(dim) for dim in output.shape][:8]
    found["probabilities"] = bool(rows.size and np.isfinite(rows).all() and rows.min() >= 0
                                  and np.allclose(output.reshape(-1, output.shape[-1]).sum(axis=-1), 1, atol=1e-3))
    return found


def _compiled(keras, model):
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _baseline(keras, seed):
    keras.utils.set_random_seed(seed)
    return _compiled(keras, keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),
                                              keras.layers.Dense(128, activation="relu"), keras.layers.Dense(10, activation="softmax")]))


def _trained(model, x, y, held_out=None):
    """One epoch (the training loss, None when not a number), then the held-out loss and accuracy; or the error fit raised."""
    try:
        history = model.fit(x, y, epochs=1, batch_size=BATCH, verbose=0)
    except BaseException as error:
        return {"fit_error": _short(error)}
    found = {"loss": _number((history.history.get("loss") or [None])[-1])}
    if held_out is not None:
        evaluated = model.evaluate(*held_out, batch_size=BATCH, verbose=0, return_dict=True)
        found.update(held_out_loss=_number(evaluated.get("loss")), held_out_accuracy=_number(evaluated.get("accuracy")))
    return found


def _loaded(model, name, seed):
    """A variant's file loaded in safe mode and described; None when the run sent none."""
    try:
        loaded = model(name)
    except BaseException as error:  # a model that needs the student's code, or not a model file
        return None, {"present": True, "loaded": False, "load_error": _short(error)}
    if loaded is None:
        return None, {"present": False}
    return loaded, {"present": True, "loaded": True, **_described_model(loaded, seed)}


def _variant(keras, seed, model, name, train):
    """The variant re-initialised with the seed, compiled with the baseline's settings, and trained by ``train``."""
    loaded, found = _loaded(model, name, seed)
    if loaded is None or "call_error" in found:
        return found
    if found["params"] > MAX_TRAINED_PARAMS:
        found["run"] = {"error": {"type": "TooLarge", "message": f"{found['params']:,} parameters, more than the {MAX_TRAINED_PARAMS:,} it trains"}}
        return found

    def run():
        keras.utils.set_random_seed(seed)
        return train(_compiled(keras, keras.models.clone_model(loaded)))

    found["run"] = _safely(run)
    return found


def _optimizer_steps(path):
    """The optimizer's step count stored in a .keras file, read as data (0 when it never trained)."""
    import h5py

    with zipfile.ZipFile(path) as archive:
        if "model.weights.h5" not in archive.namelist() or archive.getinfo("model.weights.h5").file_size > WEIGHTS_LIMIT:
            return None
        with tempfile.TemporaryDirectory() as scratch:
            with h5py.File(archive.extract("model.weights.h5", scratch), "r") as store:
                return int(store["optimizer/vars/0"][()]) if "optimizer/vars/0" in store else 0


def _longer_measured(seed, model, file, served):
    """train_longer's model: what it is, how many optimizer steps it took, its accuracy on the validation images it was given."""
    loaded, found = _loaded(model, "longer", seed)
    if loaded is None:
        return found
    found.update(steps=_optimizer_steps(file("longer")), steps_per_epoch=math.ceil(LONGER_N / BATCH))
    images, labels = served("test")
    xv, yv = np.asarray(images[:LONGER_N], dtype="float32") / 255.0, np.asarray(labels[:LONGER_N])
    if "call_error" not in found:
        output = np.concatenate([np.asarray(loaded(xv[start:start + 500], training=False)).reshape(len(xv[start:start + 500]), -1)
                                 for start in range(0, LONGER_N, 500)])
        found["validation_accuracy"] = _number(np.mean(output.argmax(axis=-1) == yv))
    return found


def _replay(keras, seed, x, y, xv, yv):
    """The exercise as the workbook states it, run by the grader: the baseline, 15 epochs, validated after each."""
    history = _baseline(keras, seed).fit(x, y, epochs=LONGER_EPOCHS, batch_size=BATCH, validation_data=(xv, yv), verbose=0)
    return {"epochs": LONGER_EPOCHS, "loss": _curve(history.history.get("loss")), "val_accuracy": _curve(history.history.get("val_accuracy"))}


def measure(model, data, served, seed, keras, file):
    images, labels = data("train")
    test_images, test_labels = data("test")
    y, yv = np.asarray(labels[:TRAIN_N], dtype="int64"), np.asarray(test_labels[:TEST_N], dtype="int64")
    raw, raw_held_out = np.asarray(images[:TRAIN_N], dtype="float32"), np.asarray(test_images[:TEST_N], dtype="float32")
    x, xv = raw / 255.0, raw_held_out / 255.0

    def one_epoch(variant):
        return _trained(variant, x, y, (xv, yv))

    def quick_fit(variant):
        with _quiet_stderr():
            return _trained(variant, x[:ERROR_N], y[:ERROR_N])

    baseline = _baseline(keras, seed)
    found = {"schema": SCHEMA, "baseline": {"params": int(baseline.count_params()), **_safely(one_epoch, baseline)}}
    found["raw"] = _safely(lambda: _trained(_baseline(keras, seed), raw, y, (raw_held_out, yv)))
    found["variants"] = {name: _safely(_variant, keras, seed, model, name, train)
                         for name, train in (("wider", one_epoch), ("deeper", one_epoch), ("no_flatten", quick_fit), ("five_outputs", quick_fit))}
    found["longer"] = _safely(_longer_measured, seed, model, file, served)
    found["replay"] = _safely(_replay, keras, seed, x[:LONGER_N], y[:LONGER_N], xv[:LONGER_N], yv[:LONGER_N])
    return found
