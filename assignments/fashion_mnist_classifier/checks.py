"""The checks of the Fashion MNIST classifier workbook; the built-in ones are in grader/checks/.

Every check here reads ``assignment_probes``: the JSON that this assignment's ``probes.py``
returned from inside the sandbox, next to the student's code. It is untrusted: each field is
type-checked before use, and anything malformed fails the check with a message, never raises.

The exploration checks pass when the student's variant really is the variant asked for AND the
stated answer (an ``ANSWER_*`` string) is what the grader saw when it ran that variant. Which
answer fits is decided here, from the raw numbers the probe measured, by the rules the starter
notebook states.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

from grader.checks import Verdict, check
from grader.text.messages import location
from grader.grading.observations import StudentError

BASELINE_PARAMS = 101_770  # Flatten → Dense(128) → Dense(10): 784·128 + 128 + 128·10 + 10
TRAIN_IMAGES, TEST_IMAGES = (60_000, 28, 28), (10_000, 28, 28)
WIDE_UNITS = 1024
MUCH = 0.05  # held-out accuracy: "much better/worse" beyond this difference
LOSS_RATIO = 1.25  # held-out loss: "higher/lower" beyond this factor
LOSS_FALLS = 0.8  # train_longer: the loss keeps falling when its last value is at most this fraction of epoch 5's
MIN_EPOCHS, MAX_EPOCHS = 10, 30

CHOICES = {
    "ANSWER_WIDER": ("more_parameters", "same_parameters", "fewer_parameters"),
    "ANSWER_DEEPER": ("much_better", "about_the_same", "much_worse"),
    "ANSWER_NO_FLATTEN": ("trains_normally", "raises_error", "loss_is_nan"),
    "ANSWER_FIVE_OUTPUTS": ("trains_normally", "raises_error", "loss_is_nan"),
    "ANSWER_NO_NORMALIZATION": ("higher_loss", "similar_loss", "lower_loss"),
    "ANSWER_MORE_EPOCHS": ("both_improve", "loss_falls_accuracy_plateaus", "loss_stops_falling"),
}

NOT_RUN = ("The grader has no record of running {what}: grading stopped before its experiments. "
           "Fix the problems reported above first.")
MALFORMED = ("The grader's record of {what} is malformed ({detail}), so it cannot be checked. "
             "Run the notebook top to bottom in a fresh kernel and hand it in again, unchanged by other code.")


class _Malformed(Exception):
    """A field of the untrusted probe record is missing or of the wrong type."""


class _Failed(Exception):
    """The check has failed for a reason the message explains; raised to leave early."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _guarded(what: str) -> Callable[[Callable[..., Verdict]], Callable[..., Verdict]]:
    """A check that turns a malformed record or an early failure into a failing Verdict, never an exception."""

    def decorate(function: Callable[..., Verdict]) -> Callable[..., Verdict]:
        @functools.wraps(function)
        def guarded(**context: Any) -> Verdict:
            probes = context.get("assignment_probes")
            if probes is None:
                return Verdict(False, NOT_RUN.format(what=what))
            try:
                if not isinstance(probes, dict):
                    raise _Malformed("not an object")
                if "probe_error" in probes:
                    error = _error(probes["probe_error"], "probe_error")
                    return Verdict(False, f"The grader's experiments on your code stopped with {error}, so {what} could not be checked. "
                                          "Make sure every function returns instead of exiting or looping forever.")
                return function(**context)
            except _Failed as failed:
                return Verdict(False, failed.message)
            except _Malformed as problem:
                return Verdict(False, MALFORMED.format(what=what, detail=problem))
            except Exception as error:  # a shape of record no reader expected: still a verdict
                return Verdict(False, MALFORMED.format(what=what, detail=f"{type(error).__name__}"))

        return guarded

    return decorate


# ---- readers of the untrusted record ------------------------------------------------------------


def _dict(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise _Malformed(f"{where} is not an object")
    return value


def _text(value: Any, where: str, limit: int = 400) -> str:
    if not isinstance(value, str):
        raise _Malformed(f"{where} is not text")
    return value[:limit]


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise _Malformed(f"{where} is not true or false")
    return value


def _integer(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Malformed(f"{where} is not an integer")
    return value


def _real(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _Malformed(f"{where} is not a finite number")
    return float(value)


def _maybe(reader: Callable[[Any, str], Any], value: Any, where: str) -> Any:
    return None if value is None else reader(value, where)


def _shape(value: Any, where: str) -> tuple[int, ...]:
    if not isinstance(value, list) or len(value) > 8:
        raise _Malformed(f"{where} is not a shape")
    return tuple(_integer(dim, where) for dim in value)


def _curve(value: Any, where: str) -> list[float | None]:
    """Per-epoch values; None where the probe saw something that is not a finite number (a NaN loss)."""
    if not isinstance(value, list) or len(value) > 1000:
        raise _Malformed(f"{where} is not a list of numbers")
    return [None if item is None else _real(item, where) for item in value]


def _error(value: Any, where: str) -> str:
    """A student error the probe recorded, as the student reads it: type, message and their line."""
    data = _dict(value, where)
    error = StudentError(
        type=_text(data.get("type", "Error"), f"{where}.type", 100),
        message=_text(data.get("message", ""), f"{where}.message", 400),
        file=_maybe(_text, data.get("file"), f"{where}.file"),
        line=_maybe(_integer, data.get("line"), f"{where}.line"),
        text=_maybe(_text, data.get("text"), f"{where}.text"),
    )
    where = f" (in {location(error)})" if error.file else ""  # an error in the grader's own call has no line of yours
    return f"{error.type}: {error.message}{where}"


def _section(probes: dict, key: str, function: str) -> dict:
    """The probe's record of one function; fails the check when it is missing or raised."""
    section = _dict(probes.get(key), key)
    if section.get("missing") is True:
        raise _Failed(f"Your notebook does not define `{function}`. Write it in its graded cell, under the name given.")
    if "error" in section:
        raise _Failed(f"Calling `{function}` raised {_error(section['error'], key + '.error')}. "
                      "Run that cell and call the function in Jupyter to see the same error.")
    return section


def _answer(probes: dict, constant: str) -> str:
    """The student's answer, one of its CHOICES; fails the check otherwise."""
    choices = CHOICES[constant]
    listed = ", ".join(f'"{choice}"' for choice in choices)
    entry = _dict(_dict(probes.get("answers"), "answers").get(constant), f"answers.{constant}")
    value = entry.get("value")
    if value is None:
        if entry.get("defined") is not True:
            raise _Failed(f"`{constant}` is not defined. Set it to one of {listed}.")
        kind = _text(entry.get("type", "object"), f"answers.{constant}.type", 100)
        raise _Failed(f"`{constant}` is a {kind}, not an answer. Set it to one of the strings {listed}.")
    value = _text(value, f"answers.{constant}.value", 100)
    if value not in choices:
        raise _Failed(f'`{constant}` is "{value}", which is not one of the answers. Set it to one of {listed}, spelled exactly so.')
    return value


def _judged(constant: str, answer: str, observed: str, facts: str, rule: str) -> Verdict:
    if answer == observed:
        return Verdict(True, f'{facts} `{constant} = "{answer}"` says what the grader saw.')
    return Verdict(False, f'{facts} `{constant} = "{answer}"` does not describe that. {rule}')


# ---- models -------------------------------------------------------------------------------------


class _Model:
    """The validated description of a variant model the probe built."""

    def __init__(self, data: Any, function: str):
        data = _dict(data, "model")
        self.function = function
        self.type = _text(data.get("type", "object"), "model.type", 200)
        self.is_keras_model = _flag(data.get("is_keras_model"), "model.is_keras_model")
        self.compiled = _flag(data.get("compiled", False), "model.compiled")
        self.loss = _maybe(_text, data.get("loss"), "model.loss")
        self.call_error = _maybe(_error, data.get("call_error"), "model.call_error")
        self.output_shape = _maybe(_shape, data.get("output_shape"), "model.output_shape")
        self.probabilities = _maybe(_flag, data.get("probabilities"), "model.probabilities")
        self.params = _maybe(_integer, data.get("params"), "model.params")
        layers = data.get("layers", [])
        if not isinstance(layers, list) or len(layers) > 50:
            raise _Malformed("model.layers is not a list")
        self.layers = [(_text(_dict(layer, "layer").get("class"), "layer.class", 60), _maybe(_integer, layer.get("units"), "layer.units"))
                       for layer in layers]

    @property
    def dense_units(self) -> list[int | None]:
        return [units for name, units in self.layers if name == "Dense"]

    @property
    def flattens(self) -> bool:
        return any(name in ("Flatten", "Reshape") for name, _ in self.layers)

    @property
    def sparse_loss(self) -> bool:
        return self.loss is not None and self.loss.replace("_", "").lower() == "sparsecategoricalcrossentropy"

    def usable(self) -> None:
        """Fails the check unless this is a compiled Keras model that takes a batch of 28×28 images."""
        name = f"`{self.function}()`"
        if not self.is_keras_model:
            raise _Failed(f"{name} returned a {self.type}, not a Keras model. Build the model, compile it and return it.")
        if not self.compiled:
            raise _Failed(f"{name} returns a model that is not compiled. Compile it as `create_classifier` does: "
                          "optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'].")
        if self.call_error is not None:
            raise _Failed(f"The model from {name} cannot take a batch of two 28×28 images: {self.call_error}. "
                          "Start it with tf.keras.Input(shape=(28, 28)).")
        if self.output_shape is None:
            raise _Malformed("model.output_shape is missing")

    def shown(self) -> str:
        units = ", ".join(f"Dense({units})" for units in self.dense_units) or "no Dense layer"
        return f"{'Flatten, ' if self.flattens else 'no Flatten, '}{units}; output {self.output_shape[1:] if self.output_shape else '?'} per image"


def _run(section: dict, function: str, accuracy: bool) -> dict:
    """The probe's brief training of a variant; fails the check when it did not train."""
    run = _dict(section.get("run"), "run")
    if "fit_error" in run:
        raise _Failed(f"The grader could not train the model from `{function}()`: {_error(run['fit_error'], 'run.fit_error')}.")
    if _flag(run.get("loss_finite"), "run.loss_finite") is not True:
        raise _Failed(f"Training the model from `{function}()` for one epoch gave a loss that is not a number. "
                      "Compile it as `create_classifier` does.")
    if accuracy:
        if "evaluate_error" in run:
            raise _Failed(f"The grader could not measure the model from `{function}()`: {_error(run['evaluate_error'], 'run.evaluate_error')}.")
        _accuracy(run.get("held_out_accuracy"), "run.held_out_accuracy")
    return run


def _accuracy(value: Any, where: str) -> float:
    value = _real(value, where)
    if not 0.0 <= value <= 1.0:
        raise _Malformed(f"{where} is not between 0 and 1")
    return value


def _outcome(section: dict) -> tuple[str, str]:
    """What fitting a variant that may not work did: the answer it fits and the words for it."""
    run = _dict(section.get("run"), "run")
    if "fit_error" in run:
        return "raises_error", f"fitting it raised {_error(run['fit_error'], 'run.fit_error')}"
    if _flag(run.get("loss_finite"), "run.loss_finite") is not True:
        return "loss_is_nan", "it trained, but its loss was NaN"
    loss = _real(run.get("loss"), "run.loss")
    return "trains_normally", f"it trained for one epoch with no error (loss {loss:.3f})"


def _baseline(probes: dict) -> dict:
    baseline = _dict(probes.get("baseline"), "baseline")
    if "fit_error" in baseline or "evaluate_error" in baseline:
        raise _Malformed("the grader's own model did not train")
    return baseline


# ---- the checks ---------------------------------------------------------------------------------


def _array(parts: dict, name: str) -> dict:
    data = _dict(parts.get(name), f"parts.{name}")
    return {
        "type": _text(data.get("type", "object"), f"{name}.type", 100),
        "shape": _maybe(_shape, data.get("shape"), f"{name}.shape"),
        "dtype": _maybe(_text, data.get("dtype"), f"{name}.dtype"),
        "kind": _maybe(_text, data.get("kind"), f"{name}.kind"),
        "min": _maybe(_real, data.get("min"), f"{name}.min"),
        "max": _maybe(_real, data.get("max"), f"{name}.max"),
        "classes": _maybe(_integer, data.get("classes"), f"{name}.classes"),
    }


def _g(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def _dataset_problem(section: dict, function: str, normalized: bool) -> str | None:
    """Why what a loader returned is not Fashion MNIST as asked (scaled to [0, 1] or raw), or None."""
    if _flag(section.get("structure_ok"), "structure_ok") is not True:
        returned = _text(section.get("returned", "object"), "returned", 100)
        return (f"`{function}()` returned a {returned}; return two pairs, "
                "((train_images, train_labels), (test_images, test_labels)), as load_data() gives them.")
    parts = _dict(section.get("parts"), "parts")
    matches = _dict(section.get("matches"), "matches")
    for split, shape, count in (("train", TRAIN_IMAGES, "60,000 training"), ("test", TEST_IMAGES, "10,000 test")):
        images, labels = _array(parts, f"{split}_images"), _array(parts, f"{split}_labels")
        name = f"{split}_images"
        if images["shape"] is None:
            return f"`{function}()` returns {name} as a {images['type']}, not an array of the {count} images of 28×28 pixels, shape {shape}."
        if images["shape"] != shape:
            return f"`{function}()` returns {name} of shape {images['shape']}; it should hold the {count} images of 28×28 pixels, shape {shape}."
        if labels["shape"] != shape[:1]:
            return f"`{function}()` returns {split}_labels of shape {labels['shape']}; it should hold one label per image, shape {shape[:1]}."
        kind, top, bottom = images["kind"], images["max"], images["min"]
        if normalized:
            if kind in ("i", "u", "b") or (top is not None and top > 1.5):
                return (f"`{function}()` returns {name} as {images['dtype']} values from {_g(bottom)} to {_g(top)}: they are not normalised. "
                        "Divide the images by 255.0, so that every pixel becomes a float from 0 to 1.")
            if kind != "f":
                return f"`{function}()` returns {name} of type {images['dtype']}; divide the images by 255.0 to get floats from 0 to 1."
            if bottom is None or top is None or abs(bottom) > 1e-6 or abs(top - 1.0) > 1e-3:
                return (f"`{function}()` returns {name} from {_g(bottom)} to {_g(top)}, not from 0 to 1. "
                        "Divide the images as loaded (0 to 255) by 255.0, once.")
        elif kind not in ("i", "u", "f") or top is None or top <= 1.5:
            return (f"`{function}()` returns {name} from {_g(bottom)} to {_g(top)}: these are normalised. "
                    "Return the images exactly as load_data() gives them, with pixel values from 0 to 255.")
        if matches.get(name) is not True:
            scaled = " divided by 255" if normalized else ""
            return (f"`{function}()` returns {name} that are not the Fashion MNIST {split} images{scaled}, in their original order. "
                    "Load them with tf.keras.datasets.fashion_mnist.load_data() and do not shuffle, crop or change them otherwise.")
        if labels["kind"] not in ("i", "u"):
            return f"`{function}()` returns {split}_labels of type {labels['dtype']}; keep the integer labels as load_data() gives them."
        if labels["min"] != 0 or labels["max"] != 9 or labels["classes"] != 10:
            return (f"`{function}()` returns {split}_labels from {_g(labels['min'])} to {_g(labels['max'])} with {labels['classes']} distinct values; "
                    "they should be the integers 0 to 9, one per class (10 classes).")
        if matches.get(f"{split}_labels") is not True:
            return f"`{function}()` returns {split}_labels that are not the Fashion MNIST labels in their original order. Return them as load_data() gives them."
    return None


@check
@_guarded("load_and_normalize")
def classifier_loads_data(assignment_probes: Any) -> Verdict:
    section = _section(assignment_probes, "load", "load_and_normalize")
    problem = _dataset_problem(section, "load_and_normalize", normalized=True)
    if problem:
        return Verdict(False, problem)
    return Verdict(True, "`load_and_normalize()` returns the 60,000 training and 10,000 test images of 28×28 pixels as floats "
                         "from 0 to 1, and their integer labels 0 to 9 (10 classes).")


@check
@_guarded("create_wider_classifier and ANSWER_WIDER")
def classifier_wider_layer(assignment_probes: Any) -> Verdict:
    function = "create_wider_classifier"
    section = _section(assignment_probes, "wider", function)
    model = _Model(section.get("model"), function)
    model.usable()
    if model.output_shape != (2, 10) or not model.probabilities or not model.flattens or model.dense_units != [WIDE_UNITS, 10]:
        return Verdict(False, f"`{function}()` builds {model.shown()}. Build the model of `create_classifier` with "
                              f"{WIDE_UNITS} units instead of 128 in its hidden layer: Flatten, Dense({WIDE_UNITS}, relu), Dense(10, softmax).")
    if model.params is None:
        raise _Malformed("model.params is missing")
    run = _run(section, function, accuracy=True)
    answer = _answer(assignment_probes, "ANSWER_WIDER")
    observed = "more_parameters" if model.params > BASELINE_PARAMS else "fewer_parameters" if model.params < BASELINE_PARAMS else "same_parameters"
    facts = (f"The wider model has {model.params:,} parameters against {BASELINE_PARAMS:,} for the 128-unit model, "
             f"and reached {_accuracy(run['held_out_accuracy'], 'run.held_out_accuracy'):.3f} held-out accuracy after one epoch on 3,000 images.")
    return _judged("ANSWER_WIDER", answer, observed, facts,
                   "Compare its number of parameters with the 128-unit model's and pick the answer that says so.")


@check
@_guarded("create_deeper_classifier and ANSWER_DEEPER")
def classifier_extra_layer(assignment_probes: Any) -> Verdict:
    function = "create_deeper_classifier"
    section = _section(assignment_probes, "deeper", function)
    model = _Model(section.get("model"), function)
    model.usable()
    units = model.dense_units
    if model.output_shape != (2, 10) or not model.probabilities or not model.flattens or len(units) != 3 or units[-1] != 10:
        return Verdict(False, f"`{function}()` builds {model.shown()}. Add one more hidden layer to the model of `create_classifier`: "
                              "Flatten, Dense(128, relu), Dense(128, relu), Dense(10, softmax).")
    run = _run(section, function, accuracy=True)
    answer = _answer(assignment_probes, "ANSWER_DEEPER")
    deeper = _accuracy(run.get("held_out_accuracy"), "run.held_out_accuracy")
    baseline = _accuracy(_baseline(assignment_probes).get("held_out_accuracy"), "baseline.held_out_accuracy")
    difference = deeper - baseline
    observed = "much_better" if difference > MUCH else "much_worse" if difference < -MUCH else "about_the_same"
    facts = (f"Trained for one epoch on the same 3,000 images with the same seed, the model with the extra layer reached "
             f"{deeper:.3f} held-out accuracy against {baseline:.3f} for the one-hidden-layer model ({difference:+.3f}).")
    return _judged("ANSWER_DEEPER", answer, observed, facts,
                   f'"much_better" and "much_worse" mean a difference of more than {MUCH} either way; "about_the_same" anything closer.')


def _failing_variant(assignment_probes: dict, key: str, function: str, constant: str, build: Callable[[_Model], str | None], what: str) -> Verdict:
    section = _section(assignment_probes, key, function)
    model = _Model(section.get("model"), function)
    model.usable()
    problem = build(model)
    if problem:
        return Verdict(False, f"`{function}()` builds {model.shown()}. {problem}")
    if not model.sparse_loss:
        return Verdict(False, f"`{function}()` compiles its model with the loss {model.loss!r}. Compile it as `create_classifier` does, "
                              "with loss='sparse_categorical_crossentropy', so that only the change asked for differs.")
    answer = _answer(assignment_probes, constant)
    observed, happened = _outcome(section)
    facts = f"The grader fitted {what} on 256 training images with their labels 0 to 9: {happened}."
    return _judged(constant, answer, observed, facts,
                   'Pick "raises_error" if fit raised, "loss_is_nan" if it trained with a NaN loss, "trains_normally" otherwise.')


@check
@_guarded("create_unflattened_classifier and ANSWER_NO_FLATTEN")
def classifier_no_flatten(assignment_probes: Any) -> Verdict:
    def problem(model: _Model) -> str | None:
        if model.flattens or model.output_shape != (2, 28, 10):
            return ("Remove only the Flatten layer from the model of `create_classifier`: tf.keras.Input(shape=(28, 28)), "
                    "Dense(128, relu), Dense(10, softmax). Without it, the model outputs 28×10 values per image.")
        return None

    return _failing_variant(assignment_probes, "no_flatten", "create_unflattened_classifier", "ANSWER_NO_FLATTEN", problem,
                            "the model without Flatten (output 28×10 per image)")


@check
@_guarded("create_five_output_classifier and ANSWER_FIVE_OUTPUTS")
def classifier_wrong_output_size(assignment_probes: Any) -> Verdict:
    def problem(model: _Model) -> str | None:
        if not model.flattens or model.output_shape != (2, 5) or not model.dense_units or model.dense_units[-1] != 5:
            return "End the model of `create_classifier` with Dense(5, softmax) instead of Dense(10, softmax), and change nothing else."
        return None

    return _failing_variant(assignment_probes, "five_outputs", "create_five_output_classifier", "ANSWER_FIVE_OUTPUTS", problem,
                            "the model with 5 outputs")


@check
@_guarded("load_without_normalizing and ANSWER_NO_NORMALIZATION")
def classifier_no_normalization(assignment_probes: Any) -> Verdict:
    function = "load_without_normalizing"
    section = _section(assignment_probes, "no_normalization", function)
    problem = _dataset_problem(section, function, normalized=False)
    if problem:
        return Verdict(False, problem)
    run = _dict(section.get("run"), "no_normalization.run")
    if "fit_error" in run or "evaluate_error" in run:
        raise _Malformed("the grader's model did not train on the raw images")
    raw_loss, raw_accuracy = _real(run.get("held_out_loss"), "run.held_out_loss"), _accuracy(run.get("held_out_accuracy"), "run.held_out_accuracy")
    baseline = _baseline(assignment_probes)
    loss = _real(baseline.get("held_out_loss"), "baseline.held_out_loss")
    accuracy = _accuracy(baseline.get("held_out_accuracy"), "baseline.held_out_accuracy")
    if loss <= 0 or raw_loss < 0:
        raise _Malformed("a held-out loss is not positive")
    answer = _answer(assignment_probes, "ANSWER_NO_NORMALIZATION")
    observed = "higher_loss" if raw_loss > LOSS_RATIO * loss else "lower_loss" if raw_loss < loss / LOSS_RATIO else "similar_loss"
    facts = (f"The same network, trained for one epoch on the same 3,000 images with the same seed, had a held-out loss of "
             f"{raw_loss:.3f} (accuracy {raw_accuracy:.3f}) on your raw 0–255 pixels, against {loss:.3f} (accuracy {accuracy:.3f}) "
             "on pixels divided by 255.")
    return _judged("ANSWER_NO_NORMALIZATION", answer, observed, facts,
                   f'"higher_loss" and "lower_loss" mean a held-out loss more than {LOSS_RATIO}× or less than 1/{LOSS_RATIO} of the normalised one; '
                   '"similar_loss" anything closer.')


@check
@_guarded("train_longer and ANSWER_MORE_EPOCHS")
def classifier_more_epochs(assignment_probes: Any) -> Verdict:
    function = "train_longer"
    section = _section(assignment_probes, "more_epochs", function)
    returned = _text(section.get("returned", "object"), "returned", 100)
    if "curves" not in section:
        return Verdict(False, f"`{function}()` returned a {returned}, not the History that model.fit returns. Return what fit returns.")
    curves = _dict(section.get("curves"), "curves")
    epochs = _integer(section.get("epochs"), "epochs")
    if not MIN_EPOCHS <= epochs <= MAX_EPOCHS:
        return Verdict(False, f"`{function}()` trained for {epochs} epochs. Train for 15 epochs (the grader accepts {MIN_EPOCHS} to {MAX_EPOCHS}), "
                              "three times as long as `train_classifier`.")
    if curves.get("val_accuracy") is None:
        return Verdict(False, f"The History from `{function}()` has no val_accuracy: pass validation_data=validation_data to model.fit, "
                              "so that Keras measures the held-out accuracy after every epoch.")
    losses, held_out = _curve(curves.get("loss"), "curves.loss"), _curve(curves.get("val_accuracy"), "curves.val_accuracy")
    if len(losses) != epochs or len(held_out) != epochs:
        raise _Malformed("the curves do not have one value per epoch")
    for name, values in (("training loss", losses), ("held-out accuracy", held_out)):
        if None in values:
            return Verdict(False, f"The {name} in the History from `{function}()` is not a number from epoch {values.index(None) + 1} on. "
                                  "Build the model with `create_classifier()` and fit it on the images it is given, as `train_classifier` does.")
    if section.get("confirmed") is not True:
        measured = section.get("measured_val_accuracy")
        numbers = (f" ({held_out[-1]:.3f} at the last epoch, against {_accuracy(measured, 'measured_val_accuracy'):.3f} measured by the grader)"
                   if measured is not None else "")
        return Verdict(False, f"The held-out accuracy in the History from `{function}()` is not the accuracy of the model it returns on the "
                              f"validation_data it was given{numbers}. Fit one model, once, with validation_data=validation_data "
                              "(not validation_split), and return the History of that fit.")
    answer = _answer(assignment_probes, "ANSWER_MORE_EPOCHS")
    falls = losses[-1] <= LOSS_FALLS * losses[4]
    early, late = held_out[4] - held_out[0], held_out[-1] - held_out[4]
    observed = "loss_stops_falling" if not falls else "loss_falls_accuracy_plateaus" if late < early else "both_improve"
    facts = (f"Over {epochs} epochs on 1,000 images, the training loss went from {losses[0]:.3f} (epoch 1) to {losses[4]:.3f} (epoch 5) "
             f"and {losses[-1]:.3f} (epoch {epochs}); the held-out accuracy from {held_out[0]:.3f} to {held_out[4]:.3f} and {held_out[-1]:.3f}.")
    return _judged("ANSWER_MORE_EPOCHS", answer, observed, facts,
                   f'The loss "keeps falling" when its last value is at most {LOSS_FALLS} times its value at epoch 5 (else "loss_stops_falling"); '
                   'the held-out accuracy "plateaus" when it gained less after epoch 5 than in the first five epochs (else "both_improve").')
