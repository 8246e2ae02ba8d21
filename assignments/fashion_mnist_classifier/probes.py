"""Probes of the Fashion MNIST classifier workbook; run inside the sandbox, after the student's code.

``probe(namespace, data)`` calls the student's graded functions and runs every exploration
experiment briefly, on small slices of the data, with the seed set again before each model:

- ``load_and_normalize()`` and ``load_without_normalizing()``: summary statistics of what they
  return (shape, dtype, min, max, number of classes, and whether the arrays are Fashion MNIST in
  its original order), never the arrays themselves;
- a baseline (Flatten, Dense(128, relu), Dense(10, softmax)) built here, trained one epoch on the
  first 3,000 normalised training images and measured on the first 2,000 test images; the same
  network trained on the student's raw 0..255 pixels (no normalisation);
- ``create_wider_classifier``, ``create_deeper_classifier``: built, described and trained the same way;
- ``create_unflattened_classifier``, ``create_five_output_classifier``: built, described, then
  fitted one epoch on 256 images to see whether Keras raises, gives a NaN loss or trains;
- ``train_longer(images, labels, validation_data)`` called with 1,000 training and 1,000 test
  images: the per-epoch training loss and held-out accuracy it returns, confirmed by evaluating the
  returned History's model on the same held-out images;
- every ``ANSWER_*`` constant, as the string it is (or its type).

Everything returned is JSON: finite floats rounded, short strings. The trusted checks
(``checks.py``) decide what it means; nothing here decides a verdict.
"""

import contextlib
import gc
import math
import os
import sys

import numpy as np

SCHEMA = 1
SEED = 42
TRAIN_N, TEST_N = 3000, 2000  # one-epoch comparisons
ERROR_N = 256  # variants expected to fail: a quick fit
EPOCHS_TRAIN_N, EPOCHS_TEST_N = 1000, 1000  # train_longer
SAMPLE = 1000  # images compared with the dataset
MAX_EPOCHS_RECORDED = 60

ANSWERS = ("ANSWER_WIDER", "ANSWER_DEEPER", "ANSWER_NO_FLATTEN", "ANSWER_FIVE_OUTPUTS", "ANSWER_NO_NORMALIZATION", "ANSWER_MORE_EPOCHS")


def _describe(error):
    try:
        # the harness's own: locates the student's line
        from student_code import describe_error

        found = describe_error(error)
        found.pop("traceback", None)
    except Exception:
        found = {"type": type(error).__name__, "message": str(error)}
    try:
        found["message"] = _essential(str(error))[:400]
    except Exception:
        found["message"] = str(found.get("message", ""))[:400]
    return found


def _essential(message):
    """A TensorFlow graph error's own line, without the stack of Keras frames before it."""
    if "Graph execution error" not in message:
        return message
    lines = [line.strip() for line in message.splitlines()]
    useful = [line for line in lines if line and not line.startswith(("File ", "[[", "Detected at node", "Graph execution error"))]
    return useful[-1].split("  Label values:")[0].split(" [[")[0].split("\t [[")[0] if useful else message


def _number(value, digits=6):
    try:
        value = float(value)
    except Exception:
        return None
    return round(value, digits) if math.isfinite(value) else None


@contextlib.contextmanager
def _quiet_stderr():
    """TensorFlow's C++ warnings of an expected failure would only confuse the student's output."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except Exception:
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        try:
            sys.stderr.flush()
        except Exception:
            pass
        os.dup2(saved, 2)
        os.close(saved)


def _call(namespace, name, *args):
    """(value, None) or (None, what to record instead)."""
    function = namespace.get(name)
    if not callable(function):
        return None, {"missing": True}
    try:
        return function(*args), None
    except BaseException as error:  # student code
        return None, {"error": _describe(error)}


def _answer(namespace, name):
    value = namespace.get(name)
    return {"value": value[:100] if isinstance(value, str) else None, "type": type(value).__name__[:100], "defined": name in namespace}


# ---- data ---------------------------------------------------------------------------------------


def _array(value):
    """Summary of one returned array: never the array itself."""
    found = {"type": type(value).__name__[:100]}
    try:
        array = np.asarray(value)
    except Exception as error:
        found["error"] = _describe(error)
        return found, None
    if array.dtype == object:
        return found, None
    found["shape"] = [int(dim) for dim in array.shape][:8]
    found["dtype"] = str(array.dtype)[:40]
    found["kind"] = array.dtype.kind
    if array.size and array.dtype.kind in "fiub":
        found["min"], found["max"] = _number(array.min()), _number(array.max())
        if array.ndim == 1:
            found["classes"] = int(np.unique(array).size)
    return found, array


def _same_images(array, raw, scale):
    if array is None or array.shape != raw.shape or array.dtype.kind not in "fiu":
        return False
    ours = np.asarray(raw[:SAMPLE], dtype="float64") * scale
    return bool(np.allclose(np.asarray(array[:SAMPLE], dtype="float64"), ours, atol=1e-4, rtol=0))


def _same_labels(array, raw):
    return bool(array is not None and array.shape == raw.shape and array.dtype.kind in "iuf" and np.array_equal(array, raw))


def _dataset(returned, data, scale):
    """What a loader returned, against the dataset scaled by ``scale``; and the first images of each split that match it."""
    try:
        (train_images, train_labels), (test_images, test_labels) = returned
    except Exception:
        return {"structure_ok": False, "returned": type(returned).__name__[:100]}, None
    found = {"structure_ok": True, "parts": {}, "matches": {}}
    kept = {}
    for split, images, labels in (("train", train_images, train_labels), ("test", test_images, test_labels)):
        raw_images, raw_labels = data(split)
        summary, array = _array(images)
        found["parts"][f"{split}_images"] = summary
        found["matches"][f"{split}_images"] = _same_images(array, raw_images, scale)
        summary, labels_array = _array(labels)
        found["parts"][f"{split}_labels"] = summary
        found["matches"][f"{split}_labels"] = _same_labels(labels_array, raw_labels)
        if found["matches"][f"{split}_images"] and found["matches"][f"{split}_labels"]:
            kept[split] = np.asarray(array[:TRAIN_N if split == "train" else TEST_N], dtype="float32")
    return found, kept


# ---- models -------------------------------------------------------------------------------------


def _layers(model, depth=0):
    found = []
    for layer in list(getattr(model, "layers", []) or [])[:50]:
        name = type(layer).__name__
        if name == "InputLayer":
            continue
        if depth < 3 and getattr(layer, "layers", None):  # a nested model
            found += _layers(layer, depth + 1)
            continue
        activation = getattr(layer, "activation", None)
        units = getattr(layer, "units", None)
        found.append({
            "class": name[:60],
            "units": int(units) if isinstance(units, int) and not isinstance(units, bool) else None,
            "activation": getattr(activation, "__name__", None) if activation is not None else None,
        })
    return found[:50]


def _loss_name(model):
    loss = getattr(model, "loss", None)
    if isinstance(loss, str):
        return loss[:100]
    if loss is None:
        return None
    return str(getattr(loss, "name", None) or getattr(loss, "__name__", None) or type(loss).__name__)[:100]


def _model(model):
    """What the variant is: compiled? output for two 28×28 images? its layers and parameters."""
    found = {"type": f"{type(model).__module__}.{type(model).__qualname__}"[:200]}
    found["is_keras_model"] = all(hasattr(model, name) for name in ("fit", "predict", "count_params"))
    if not found["is_keras_model"]:
        return found
    found["compiled"] = bool(getattr(model, "compiled", False) or getattr(model, "optimizer", None))
    found["loss"] = _loss_name(model)
    try:
        output = np.asarray(model(np.zeros((2, 28, 28), dtype="float32")))
        found["output_shape"] = [int(dim) for dim in output.shape][:8]
        rows = output.reshape(-1, output.shape[-1]) if output.ndim else output.reshape(1, 1)
        found["probabilities"] = bool(np.all(np.isfinite(output)) and output.min() >= 0 and np.allclose(rows.sum(axis=1), 1, atol=1e-3))
    except BaseException as error:  # student code
        found["call_error"] = _describe(error)
    try:
        found["params"] = int(model.count_params())
    except BaseException:
        found["params"] = None
    found["layers"] = _layers(model)
    return found


def _train(model, x, y, xv, yv):
    """One epoch, then the held-out loss and accuracy; or the error fit raised."""
    try:
        history = model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    except BaseException as error:  # student code
        return {"fit_error": _describe(error)}
    loss = (getattr(history, "history", None) or {}).get("loss") or [None]
    found = {"loss": _number(loss[-1]), "loss_finite": _number(loss[-1]) is not None}
    if xv is None:
        return found
    try:
        probabilities = _predict(model, xv)
        found["held_out_accuracy"] = _number(np.mean(np.argmax(probabilities, axis=-1) == yv))
        with _quiet_stderr():  # Keras warns about retracing when it evaluates many models in a row
            measured = model.evaluate(xv, yv, batch_size=32, verbose=0, return_dict=True)  # the loss the student's own evaluate shows
        found["held_out_loss"] = _number(measured.get("loss") if isinstance(measured, dict) else None)
    except BaseException as error:
        found["evaluate_error"] = _describe(error)
    return found


def _predict(model, images):
    """The model called directly, in batches: no predict function to trace (and warn about) for every variant."""
    batches = [np.asarray(model(images[start:start + 500], training=False), dtype="float64") for start in range(0, len(images), 500)]
    return np.concatenate(batches)


def _fresh(keras):
    keras.utils.set_random_seed(SEED)


def _baseline(keras):
    _fresh(keras)
    model = keras.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _variant(namespace, name, keras, train, quiet=False):
    """Build the student's variant with the seed set, describe it, train it briefly."""
    _fresh(keras)
    model, problem = _call(namespace, name)
    if problem:
        return problem
    found = {"model": _model(model)}
    if found["model"]["is_keras_model"] and "call_error" not in found["model"]:
        with _quiet_stderr() if quiet else contextlib.nullcontext():
            found["run"] = train(model)
    return found


# ---- train_longer -------------------------------------------------------------------------------


def _curve(values):
    if not isinstance(values, (list, tuple)):
        return None
    return [_number(value, 4) for value in list(values)[:MAX_EPOCHS_RECORDED]]


def _longer(namespace, keras, x, y, xv, yv):
    _fresh(keras)
    history, problem = _call(namespace, "train_longer", x, y, (xv, yv))
    if problem:
        return problem
    logs = getattr(history, "history", None)
    found = {"returned": type(history).__name__[:100]}
    if not isinstance(logs, dict):
        return found
    found["epochs"] = len(logs.get("loss") or [])
    found["curves"] = {key: _curve(logs.get(key)) for key in ("loss", "accuracy", "val_accuracy", "val_loss")}
    model = getattr(history, "model", None)
    last = (logs.get("val_accuracy") or [None])[-1]
    found["confirmed"] = None
    if model is not None and hasattr(model, "predict") and _number(last) is not None:
        try:
            predicted = np.argmax(_predict(model, xv), axis=-1)
            measured = float(np.mean(predicted == yv))
            found["measured_val_accuracy"] = _number(measured)
            found["confirmed"] = abs(measured - float(last)) <= 0.002
        except BaseException as error:
            found["confirm_error"] = _describe(error)
    return found


# ---- the probe ----------------------------------------------------------------------------------


def _safely(function, *args):
    """A section of the record; student objects can raise from anywhere (an __iter__, a __getattr__), even SystemExit."""
    try:
        return function(*args)
    except BaseException as error:
        return {"error": _describe(error)}


def _loader(namespace, name, data, scale, kept):
    returned, problem = _call(namespace, name)
    if problem:
        return problem
    found, arrays = _dataset(returned, data, scale)
    kept.update(arrays or {})
    return found


def probe(namespace, data):
    import keras

    found = {"schema": SCHEMA, "answers": {name: _safely(_answer, namespace, name) for name in ANSWERS}}
    raw_train, raw_train_labels = data("train")
    raw_test, raw_test_labels = data("test")
    y = np.asarray(raw_train_labels[:TRAIN_N], dtype="int64")
    yv = np.asarray(raw_test_labels[:TEST_N], dtype="int64")
    x = np.asarray(raw_train[:TRAIN_N], dtype="float32") / 255.0
    xv = np.asarray(raw_test[:TEST_N], dtype="float32") / 255.0

    found["load"] = _safely(_loader, namespace, "load_and_normalize", data, 1 / 255, {})
    gc.collect()  # the student's 60,000 float images are no longer needed
    raw = {}
    found["no_normalization"] = _safely(_loader, namespace, "load_without_normalizing", data, 1.0, raw)
    gc.collect()

    found["baseline"] = _train(_baseline(keras), x, y, xv, yv)
    if "train" in raw and "test" in raw:
        found["no_normalization"]["run"] = _train(_baseline(keras), raw["train"], y, raw["test"], yv)
    del raw

    def one_epoch(model):
        return _train(model, x, y, xv, yv)

    def quick_fit(model):
        return _train(model, x[:ERROR_N], y[:ERROR_N], None, None)

    found["wider"] = _safely(_variant, namespace, "create_wider_classifier", keras, one_epoch)
    found["deeper"] = _safely(_variant, namespace, "create_deeper_classifier", keras, one_epoch)
    found["no_flatten"] = _safely(_variant, namespace, "create_unflattened_classifier", keras, quick_fit, True)
    found["five_outputs"] = _safely(_variant, namespace, "create_five_output_classifier", keras, quick_fit, True)
    found["more_epochs"] = _safely(_longer, namespace, keras, x[:EPOCHS_TRAIN_N], y[:EPOCHS_TRAIN_N], xv[:EPOCHS_TEST_N], yv[:EPOCHS_TEST_N])
    return found
