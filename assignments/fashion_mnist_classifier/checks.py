"""The checks of the Fashion MNIST classifier workbook; the built-in ones are in grader/checks/.

Two context values feed them (``probes.py`` makes both):

- ``measured``, trusted: the grader's own experiments in its evaluation process, which runs no
  student code: the variant model files the run sent, loaded in safe mode, described, trained by
  the grader; the baseline; the raw-pixel experiment; train_longer's model and the 15-epoch
  experiment itself;
- ``claims``, untrusted: what ``collect`` returned from the student's process: the ANSWER_*
  strings, summaries of what the two loaders return, and train_longer's curves.

An exploration check passes when the variant, as the grader measured it, is the variant asked for
AND the stated answer is what the grader measured. Claims never make a check pass on their own,
except where no trusted alternative exists (see README.md, "Points and who can forge them"); they
may explain a failure (a builder that raised sent no file). Both values are parsed defensively: a
missing or malformed field fails the check with a reason, never raises.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

from grader.checks import StudentError, Verdict, check

TRAIN_SHAPE, TEST_SHAPE = (60_000, 28, 28), (10_000, 28, 28)
SCHEMA = 2
CHOICES = {
    "ANSWER_WIDER": ("more_parameters", "same_parameters", "fewer_parameters"),
    "ANSWER_DEEPER": ("much_better", "about_the_same", "much_worse"),
    "ANSWER_NO_FLATTEN": ("trains_normally", "raises_error", "loss_is_nan"),
    "ANSWER_FIVE_OUTPUTS": ("trains_normally", "raises_error", "loss_is_nan"),
    "ANSWER_NO_NORMALIZATION": ("higher_loss", "similar_loss", "lower_loss"),
    "ANSWER_MORE_EPOCHS": ("both_improve", "loss_falls_accuracy_plateaus", "loss_stops_falling"),
}
FUNCTIONS = {"wider": "create_wider_classifier", "deeper": "create_deeper_classifier", "no_flatten": "create_unflattened_classifier",
             "five_outputs": "create_five_output_classifier", "longer": "train_longer"}


class _Malformed(Exception):
    """A field of ``measured`` or ``claims`` is missing or of the wrong type."""


class _Failed(Exception):
    """The check has failed with this verdict; raised to leave early."""

    def __init__(self, verdict: Verdict):
        super().__init__(verdict.reason)
        self.verdict = verdict


def _fail(reason: str, **values: Any) -> _Failed:
    return _Failed(Verdict(False, reason, values))


def _guarded(what: str) -> Callable[[Callable[..., Verdict]], Callable[..., Verdict]]:
    """A check that turns a malformed value or an early failure into a failing verdict, never an exception."""

    def decorate(function: Callable[..., Verdict]) -> Callable[..., Verdict]:
        @functools.wraps(function)
        def guarded(**given: Any) -> Verdict:
            try:
                return function(**given)
            except _Failed as failed:
                return failed.verdict
            except _Malformed as problem:
                return Verdict(False, "classifier.malformed", {"what": what, "detail": str(problem)})
            except Exception as error:  # a shape no reader expected: still a verdict
                return Verdict(False, "classifier.malformed", {"what": what, "detail": type(error).__name__})

        return guarded

    return decorate


# ---- readers ------------------------------------------------------------------------------------


def _dict(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise _Malformed(f"{where} is not an object")
    return value


def _text(value: Any, where: str, limit: int = 400) -> str:
    if not isinstance(value, str):
        raise _Malformed(f"{where} is not text")
    return value[:limit]


def _integer(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Malformed(f"{where} is not an integer")
    return value


def _real(value: Any, where: str, low: float = -math.inf, high: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or not low <= value <= high:
        raise _Malformed(f"{where} is not a number from {low} to {high}")
    return float(value)


def _maybe(reader: Callable[..., Any], value: Any, where: str) -> Any:
    return None if value is None else reader(value, where)


def _shape(value: Any, where: str) -> tuple[int, ...]:
    if not isinstance(value, list) or len(value) > 8:
        raise _Malformed(f"{where} is not a shape")
    return tuple(_integer(dim, where) for dim in value)


def _curve(value: Any, where: str) -> list[float]:
    if not isinstance(value, list) or not 0 < len(value) <= 1000:
        raise _Malformed(f"{where} is not a list of numbers")
    return [_real(item, where) for item in value]


def _student_error(value: Any, where: str) -> StudentError:
    data = _dict(value, where)
    return StudentError(_text(data.get("type", "Error"), f"{where}.type", 100), _text(data.get("message", ""), f"{where}.message"),
                        _maybe(_text, data.get("file"), f"{where}.file"), _maybe(_integer, data.get("line"), f"{where}.line"),
                        _maybe(_text, data.get("text"), f"{where}.text"))


def _grader_error(value: Any, where: str) -> str:
    """An error of the grader's own experiment (Keras refusing a model): "Type: message", without a final full stop."""
    if isinstance(value, str):
        return value[:400].rstrip(". ")
    error = _student_error(value, where)
    return f"{error.type}: {error.message}".rstrip(". ")


def _inputs(measured: Any, claims: Any, what: str, need_measured: bool = True) -> tuple[dict, dict]:
    """The two values, or the failure that says why the experiments cannot be judged."""
    if claims is None:
        raise _fail("classifier.not_reached", what=what)
    claims = _dict(claims, "claims")
    if "probe_error" in claims:
        error = _student_error(claims["probe_error"], "probe_error")
        raise _fail("classifier.probe_error", what=what, error=error, located=bool(error.file))
    if _integer(claims.get("schema"), "claims.schema") != SCHEMA:
        raise _Malformed("claims.schema is not this grader's")
    if not need_measured:
        return {}, claims
    if measured is None or (isinstance(measured, dict) and "measure_error" in measured):
        detail = str(measured["measure_error"])[:400] if measured else "no result"
        raise _fail("classifier.not_measured", what=what, detail=detail)
    measured = _dict(measured, "measured")
    if _integer(measured.get("schema"), "measured.schema") != SCHEMA:
        raise _Malformed("measured.schema is not this grader's")
    return measured, claims


def _section(claims: dict, key: str, function: str) -> dict:
    """What collect recorded of calling one function; fails the check when it was missing or raised."""
    section = _dict(claims.get(key), key)
    if section.get("missing") is True:
        raise _fail("classifier.function.missing", function=function)
    if "error" in section:
        error = _student_error(section["error"], f"{key}.error")
        raise _fail("classifier.function.raised", function=function, error=error, located=bool(error.file))
    return section


def _answer(claims: dict, constant: str) -> str:
    """The student's answer, one of its CHOICES; fails the check otherwise."""
    listed = ", ".join(f'"{choice}"' for choice in CHOICES[constant])
    entry = _dict(_dict(claims.get("answers"), "answers").get(constant), f"answers.{constant}")
    value = entry.get("value")
    if value is None:
        if entry.get("defined") is not True:
            raise _fail("classifier.answer.undefined", constant=constant, listed=listed)
        raise _fail("classifier.answer.not_text", constant=constant, listed=listed, type=_text(entry.get("type", "object"), "answer.type", 100))
    value = _text(value, f"answers.{constant}.value", 100)
    if value not in CHOICES[constant]:
        raise _fail("classifier.answer.not_choice", constant=constant, listed=listed, value=value)
    return value


def _judged(key: str, answer: str, observed: str, **facts: Any) -> Verdict:
    return Verdict(answer == observed, f"classifier.{key}.{'right' if answer == observed else 'wrong'}", {"answer": answer, "observed": observed, **facts})


# ---- models, as the grader measured them ------------------------------------------------------------


class _Model:
    """A variant model file as the grader's evaluation process described it."""

    def __init__(self, data: dict):
        layers = data.get("layers")
        if not isinstance(layers, list) or len(layers) > 50:
            raise _Malformed("layers is not a list")
        self.layers = [(_text(_dict(layer, "layer").get("class"), "layer.class", 60), _maybe(_integer, layer.get("units"), "layer.units"))
                       for layer in layers]
        self.params = _integer(data.get("params"), "params")
        self.call_shape = _shape(data.get("call_shape"), "call_shape")
        self.probabilities = data.get("probabilities") is True

    @property
    def dense(self) -> list[int | None]:
        return [units for name, units in self.layers if name == "Dense"]

    @property
    def flattens(self) -> bool:
        return any(name in ("Flatten", "Reshape") for name, _ in self.layers)

    def classifier(self, hidden: list[int] | None, outputs: int = 10) -> bool:
        """Flatten, then Dense layers (``hidden`` units, any when None), the last with ``outputs`` probabilities per image."""
        dense = self.dense
        return (self.flattens and self.call_shape == (2, outputs) and self.probabilities and len(dense) >= 2 and dense[-1] == outputs
                and (hidden is None or dense[:-1] == hidden))

    def shown(self) -> dict[str, str]:
        layers = ", ".join(f"{name}({units})" if units is not None else name for name, units in self.layers if name != "InputLayer")
        return {"layers": layers or "no layers", "output": str(self.call_shape[1:])}


def _variant(measured: dict, claims: dict, key: str) -> tuple[_Model, dict]:
    """The variant the grader loaded from the run's file, and its record; fails the check when there is none to judge."""
    function = FUNCTIONS[key]
    found = _dict((measured if key == "longer" else _dict(measured.get("variants"), "variants")).get(key), f"measured.{key}")
    if "error" in found:
        raise _fail("classifier.variant.not_measured", function=function, detail=_grader_error(found["error"], f"{key}.error"))
    if found.get("present") is not True:
        raise _no_file(claims, key, function)
    if found.get("loaded") is not True:
        raise _fail("classifier.variant.refused", function=function, detail=_grader_error(found.get("load_error"), f"{key}.load_error"))
    if "call_error" in found:
        raise _fail("classifier.variant.wrong_input", function=function, detail=_grader_error(found["call_error"], f"{key}.call_error"))
    return _Model(found), found


def _no_file(claims: dict, key: str, function: str) -> _Failed:
    """Why no model file arrived, as the student's process tells it: a claim that can only explain a failure."""
    section = _section(claims, "longer", function) if key == "longer" else _section(_dict(claims.get("variants"), "variants"), key, function)
    save = _dict(section.get("save", {}), "save")
    if key == "longer" and "curves" not in section:
        return _fail("classifier.longer.not_history", function=function, returned=_text(section.get("returned", "object"), "returned", 100))
    if save.get("saved") is False and "error" in save:
        return _fail("classifier.variant.not_saved", function=function, detail=_grader_error(save["error"], "save.error"))
    if save.get("saved") is False:
        return _fail("classifier.variant.not_keras", function=function, type=_text(section.get("type", save.get("type", "object")), "type", 200))
    return _fail("classifier.variant.no_file", function=function)


def _run(found: dict, function: str) -> dict:
    """The grader's one-epoch training of a variant; fails the check when it did not train."""
    run = _dict(found.get("run"), "run")
    if "fit_error" in run or "error" in run:
        raise _fail("classifier.variant.not_trained", function=function, detail=_grader_error(run.get("fit_error", run.get("error")), "run.fit_error"))
    if run.get("loss") is None:
        raise _fail("classifier.variant.nan_loss", function=function)
    return run


def _baseline(measured: dict) -> dict:
    baseline = _dict(measured.get("baseline"), "baseline")
    if "fit_error" in baseline or "error" in baseline:
        raise _Malformed("the grader's own model did not train")
    return baseline


def _outcome(found: dict, function: str) -> tuple[str, dict]:
    """What fitting a variant that may not work did: the answer it fits, and the error or the loss."""
    run = _dict(found.get("run"), "run")
    if "error" in run:
        raise _fail("classifier.variant.not_measured", function=function, detail=_grader_error(run["error"], "run.error"))
    if "fit_error" in run:
        return "raises_error", {"error": _grader_error(run["fit_error"], "run.fit_error"), "loss": None}
    loss = _maybe(_real, run.get("loss"), "run.loss")
    return ("loss_is_nan" if loss is None else "trains_normally"), {"error": None, "loss": loss}


# ---- data, as the student's process reports it (claims: see README.md) -------------------------------


def _array(parts: dict, name: str) -> dict:
    data = _dict(parts.get(name), f"parts.{name}")
    found = {"type": _text(data.get("type", "object"), f"{name}.type", 100), "shape": _maybe(_shape, data.get("shape"), f"{name}.shape")}
    found.update({key: _maybe(_text, data.get(key), f"{name}.{key}") for key in ("dtype", "kind")})
    found.update({key: _maybe(_real, data.get(key), f"{name}.{key}") for key in ("min", "max")})
    found["classes"] = _maybe(_integer, data.get("classes"), f"{name}.classes")
    return found


def _g(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def _images_problem(function: str, name: str, images: dict, normalized: bool) -> Verdict | None:
    kind, low, high = images["kind"], images["min"], images["max"]
    values = {"function": function, "name": name, "dtype": images["dtype"], "low": _g(low), "high": _g(high)}
    if normalized and (kind in ("i", "u", "b") or (high is not None and high > 1.5)):
        return Verdict(False, "classifier.data.not_normalised", values)
    if normalized and kind != "f":
        return Verdict(False, "classifier.data.not_float", values)
    if normalized and (low is None or high is None or abs(low) > 1e-6 or abs(high - 1.0) > 1e-3):
        return Verdict(False, "classifier.data.wrong_range", values)
    if not normalized and (kind not in ("i", "u", "f") or high is None or high <= 1.5):
        return Verdict(False, "classifier.data.normalised", values)
    return None


def _dataset_problem(section: dict, function: str, normalized: bool) -> Verdict | None:
    """Why what a loader returned is not Fashion MNIST as asked (scaled to [0, 1], or raw), or None."""
    if section.get("structure_ok") is not True:
        return Verdict(False, "classifier.data.structure", {"function": function, "returned": _text(section.get("returned", "object"), "returned", 100)})
    parts, matches = _dict(section.get("parts"), "parts"), _dict(section.get("matches"), "matches")
    for split, shape, count in (("train", TRAIN_SHAPE, "60,000 training"), ("test", TEST_SHAPE, "10,000 test")):
        images, labels = _array(parts, f"{split}_images"), _array(parts, f"{split}_labels")
        facts = {"function": function, "name": f"{split}_images", "count": count, "shape": shape}
        if images["shape"] != shape:
            return Verdict(False, "classifier.data.not_array" if images["shape"] is None else "classifier.data.wrong_shape", {**facts, "type": images["type"], "got": images["shape"]})
        if labels["shape"] != shape[:1]:
            return Verdict(False, "classifier.data.labels_shape", {**facts, "name": f"{split}_labels", "got": labels["shape"], "shape": shape[:1]})
        problem = _images_problem(function, f"{split}_images", images, normalized)
        if problem:
            return problem
        if matches.get(f"{split}_images") is not True:
            return Verdict(False, "classifier.data.not_dataset", {**facts, "split": split, "scaled": " divided by 255" if normalized else ""})
        facts.update(name=f"{split}_labels", dtype=labels["dtype"], low=_g(labels["min"]), high=_g(labels["max"]), classes=labels["classes"])
        if labels["kind"] not in ("i", "u"):
            return Verdict(False, "classifier.data.labels_type", facts)
        if labels["min"] != 0 or labels["max"] != 9 or labels["classes"] != 10:
            return Verdict(False, "classifier.data.labels_range", facts)
        if matches.get(f"{split}_labels") is not True:
            return Verdict(False, "classifier.data.labels_order", facts)
    return None


# ---- the checks ---------------------------------------------------------------------------------


@check
@_guarded("load_and_normalize")
def classifier_loads_data(claims: Any) -> Verdict:
    _, claims = _inputs(None, claims, "load_and_normalize", need_measured=False)
    problem = _dataset_problem(_section(claims, "load", "load_and_normalize"), "load_and_normalize", normalized=True)
    return problem or Verdict(True, "classifier.data.ok", {"function": "load_and_normalize"})


@check
@_guarded("create_wider_classifier and ANSWER_WIDER")
def classifier_wider_layer(measured: Any, claims: Any, units: int = 1024) -> Verdict:
    measured, claims = _inputs(measured, claims, "create_wider_classifier and ANSWER_WIDER")
    model, found = _variant(measured, claims, "wider")
    if not model.classifier([units]):
        raise _fail("classifier.wider.not_variant", function=FUNCTIONS["wider"], units=units, **model.shown())
    accuracy = _real(_run(found, FUNCTIONS["wider"]).get("held_out_accuracy"), "run.held_out_accuracy", 0, 1)
    baseline = _integer(_baseline(measured).get("params"), "baseline.params")
    observed = "more_parameters" if model.params > baseline else "fewer_parameters" if model.params < baseline else "same_parameters"
    return _judged("wider", _answer(claims, "ANSWER_WIDER"), observed, params=model.params, baseline=baseline, accuracy=accuracy, units=units)


@check
@_guarded("create_deeper_classifier and ANSWER_DEEPER")
def classifier_extra_layer(measured: Any, claims: Any, much: float = 0.05) -> Verdict:
    measured, claims = _inputs(measured, claims, "create_deeper_classifier and ANSWER_DEEPER")
    model, found = _variant(measured, claims, "deeper")
    if not model.classifier(None) or len(model.dense) != 3:
        raise _fail("classifier.deeper.not_variant", function=FUNCTIONS["deeper"], **model.shown())
    deeper = _real(_run(found, FUNCTIONS["deeper"]).get("held_out_accuracy"), "run.held_out_accuracy", 0, 1)
    baseline = _real(_baseline(measured).get("held_out_accuracy"), "baseline.held_out_accuracy", 0, 1)
    difference = deeper - baseline
    observed = "much_better" if difference > much else "much_worse" if difference < -much else "about_the_same"
    return _judged("deeper", _answer(claims, "ANSWER_DEEPER"), observed, deeper=deeper, baseline=baseline, difference=difference, much=much)


@check
@_guarded("create_unflattened_classifier and ANSWER_NO_FLATTEN")
def classifier_no_flatten(measured: Any, claims: Any) -> Verdict:
    measured, claims = _inputs(measured, claims, "create_unflattened_classifier and ANSWER_NO_FLATTEN")
    model, found = _variant(measured, claims, "no_flatten")
    if model.flattens or model.call_shape != (2, 28, 10):
        raise _fail("classifier.no_flatten.not_variant", function=FUNCTIONS["no_flatten"], **model.shown())
    observed, facts = _outcome(found, FUNCTIONS["no_flatten"])
    return _judged("no_flatten", _answer(claims, "ANSWER_NO_FLATTEN"), observed, outputs=None, **facts)


@check
@_guarded("create_five_output_classifier and ANSWER_FIVE_OUTPUTS")
def classifier_wrong_output_size(measured: Any, claims: Any, outputs: int = 5) -> Verdict:
    measured, claims = _inputs(measured, claims, "create_five_output_classifier and ANSWER_FIVE_OUTPUTS")
    model, found = _variant(measured, claims, "five_outputs")
    if not model.classifier(None, outputs) or len(model.dense) != 2:
        raise _fail("classifier.five_outputs.not_variant", function=FUNCTIONS["five_outputs"], outputs=outputs, **model.shown())
    observed, facts = _outcome(found, FUNCTIONS["five_outputs"])
    return _judged("five_outputs", _answer(claims, "ANSWER_FIVE_OUTPUTS"), observed, outputs=outputs, **facts)


@check
@_guarded("load_without_normalizing and ANSWER_NO_NORMALIZATION")
def classifier_no_normalization(measured: Any, claims: Any, loss_ratio: float = 1.25) -> Verdict:
    measured, claims = _inputs(measured, claims, "load_without_normalizing and ANSWER_NO_NORMALIZATION")
    problem = _dataset_problem(_section(claims, "no_normalization", "load_without_normalizing"), "load_without_normalizing", normalized=False)
    if problem:
        return problem
    raw = _dict(measured.get("raw"), "raw")
    if "fit_error" in raw or "error" in raw:
        raise _Malformed("the grader's model did not train on the raw images")
    raw_loss, raw_accuracy = _real(raw.get("held_out_loss"), "raw.held_out_loss", 0), _real(raw.get("held_out_accuracy"), "raw.held_out_accuracy", 0, 1)
    baseline = _baseline(measured)
    loss, accuracy = _real(baseline.get("held_out_loss"), "baseline.held_out_loss", 1e-9), _real(baseline.get("held_out_accuracy"), "baseline.held_out_accuracy", 0, 1)
    observed = "higher_loss" if raw_loss > loss_ratio * loss else "lower_loss" if raw_loss < loss / loss_ratio else "similar_loss"
    return _judged("no_normalization", _answer(claims, "ANSWER_NO_NORMALIZATION"), observed, raw_loss=raw_loss, raw_accuracy=raw_accuracy,
                   loss=loss, accuracy=accuracy, ratio=loss_ratio)


def _longer_claims(claims: dict) -> tuple[dict, int]:
    """train_longer's History as the student's process reports it: its curves and epochs."""
    section = _section(claims, "longer", FUNCTIONS["longer"])
    if "curves" not in section:
        raise _fail("classifier.longer.not_history", function=FUNCTIONS["longer"], returned=_text(section.get("returned", "object"), "returned", 100))
    curves = _dict(section.get("curves"), "curves")
    loss = curves.get("loss")
    return curves, len(loss) if isinstance(loss, list) else 0


@check
@_guarded("train_longer and ANSWER_MORE_EPOCHS")
def classifier_more_epochs(measured: Any, claims: Any, fewest_epochs: int = 10, most_epochs: int = 30, loss_falls: float = 0.8,
                           tolerance: float = 0.002) -> Verdict:
    function = FUNCTIONS["longer"]
    measured, claims = _inputs(measured, claims, "train_longer and ANSWER_MORE_EPOCHS")
    curves, claimed = _longer_claims(claims)
    model, found = _variant(measured, claims, "longer")
    if not model.classifier(None):
        raise _fail("classifier.longer.not_classifier", function=function, **model.shown())
    if curves.get("val_accuracy") is None:
        raise _fail("classifier.longer.no_validation", function=function)
    last = _curve(curves.get("val_accuracy"), "curves.val_accuracy")[-1]
    measured_accuracy = _real(found.get("validation_accuracy"), "longer.validation_accuracy", 0, 1)
    if abs(last - measured_accuracy) > tolerance:
        raise _fail("classifier.longer.curves_disagree", function=function, claimed=last, measured=measured_accuracy)
    steps, per_epoch = _maybe(_integer, found.get("steps"), "longer.steps"), _integer(found.get("steps_per_epoch"), "longer.steps_per_epoch")
    if steps is None or per_epoch <= 0 or steps != claimed * per_epoch:
        raise _fail("classifier.longer.steps_disagree", function=function, steps=steps, claimed=claimed, per_epoch=per_epoch, expected=claimed * per_epoch)
    if not fewest_epochs <= claimed <= most_epochs:
        raise _fail("classifier.longer.epochs", function=function, epochs=claimed, fewest=fewest_epochs, most=most_epochs)
    replay = _dict(measured.get("replay"), "replay")
    losses, held_out = _curve(replay.get("loss"), "replay.loss"), _curve(replay.get("val_accuracy"), "replay.val_accuracy")
    epochs = _integer(replay.get("epochs"), "replay.epochs")
    if not len(losses) == len(held_out) == epochs >= 6:
        raise _Malformed("the grader's own run does not have one value per epoch")
    falls = losses[-1] <= loss_falls * losses[4]
    early, late = held_out[4] - held_out[0], held_out[-1] - held_out[4]
    observed = "loss_stops_falling" if not falls else "loss_falls_accuracy_plateaus" if late < early else "both_improve"
    return _judged("more_epochs", _answer(claims, "ANSWER_MORE_EPOCHS"), observed, epochs=epochs, loss_first=losses[0], loss_fifth=losses[4],
                   loss_last=losses[-1], accuracy_first=held_out[0], accuracy_fifth=held_out[4], accuracy_last=held_out[-1],
                   trained=claimed, validation=measured_accuracy, falls=loss_falls)


# ---- what the student reads -------------------------------------------------------------------------


def _where(error: Any, located: bool) -> str:
    return f" (in {error.where})" if located else ""


def _raised(function: str, error: Any, located: bool, **_: Any) -> str:
    return (f"Calling `{function}` raised {error.type}: {error.message}{_where(error, located)}. "
            "Run that cell and call the function in Jupyter to see the same error.")


def _probe_error(what: str, error: Any, located: bool, **_: Any) -> str:
    return (f"The grader's calls of your functions stopped with {error.type}: {error.message}{_where(error, located)}, so {what} could not "
            "be checked. Make sure every function returns instead of exiting or looping forever.")


def _fitted(constant: str, right: bool) -> Callable[..., str]:
    """The words for a variant fitted to see whether it raises, gives a NaN loss or trains."""

    def words(answer: str, error: str | None, loss: float | None, outputs: int | None, **_: Any) -> str:
        what = "the model without Flatten" if outputs is None else f"the model with {outputs} outputs"
        happened = (f"fitting it raised {error}" if error else "it trained, but its loss was NaN" if loss is None
                    else f"it trained for one epoch with no error (loss {loss:.3f})")
        said = f'`{constant} = "{answer}"`'
        verdict = (f"{said} says what the grader measured." if right else f"{said} does not describe that. Pick \"raises_error\" if fit "
                   'raised, "loss_is_nan" if it trained with a NaN loss, "trains_normally" otherwise.')
        return f"The grader fitted {what} on 256 training images with their labels 0 to 9: {happened}. {verdict}"

    return words


def _answered(facts: str, constant: str, rule: str) -> tuple[str, str]:
    """The right and the wrong words for an answer, after the facts the grader measured."""
    return (f'{facts} `{constant} = "{{answer}}"` says what the grader measured.',
            f'{facts} `{constant} = "{{answer}}"` does not describe that. {rule}')


WIDER = _answered("The grader loaded the wider model from your file: {params:,} parameters against {baseline:,} for the 128-unit model; "
                  "trained for one epoch on 3,000 images, it reached {accuracy:.3f} held-out accuracy.", "ANSWER_WIDER",
                  "Compare its number of parameters with the 128-unit model's and pick the answer that says so.")
DEEPER = _answered("The grader trained the model with the extra layer for one epoch on the same 3,000 images with the same seed: "
                   "{deeper:.3f} held-out accuracy against {baseline:.3f} for the one-hidden-layer model ({difference:+.3f}).", "ANSWER_DEEPER",
                   '"much_better" and "much_worse" mean a difference of more than {much} either way; "about_the_same" anything closer.')
RAW = _answered("The grader trained the same network for one epoch on the first 3,000 training images with the same seed: on raw 0–255 "
                "pixels its held-out loss was {raw_loss:.3f} (accuracy {raw_accuracy:.3f}), against {loss:.3f} (accuracy {accuracy:.3f}) "
                "on pixels divided by 255.", "ANSWER_NO_NORMALIZATION",
                '"higher_loss" and "lower_loss" mean a held-out loss more than {ratio}× or less than 1/{ratio} of the normalised one; '
                '"similar_loss" anything closer.')
LONGER = _answered("The model of your train_longer trained {trained} epochs and scores {validation:.3f} on the validation images it was "
                   "given, as its History says. The grader ran the exercise itself ({epochs} epochs on 1,000 training images, validated on "
                   "1,000 held-out test images): the training loss went from {loss_first:.3f} (epoch 1) to {loss_fifth:.3f} (epoch 5) and "
                   "{loss_last:.3f} (epoch {epochs}); the held-out accuracy from {accuracy_first:.3f} to {accuracy_fifth:.3f} and "
                   "{accuracy_last:.3f}.", "ANSWER_MORE_EPOCHS",
                   'The loss "keeps falling" when its last value is at most {falls} times its value at epoch 5 (else "loss_stops_falling"); '
                   'the held-out accuracy "plateaus" when it gained less after epoch 5 than in the first five epochs (else "both_improve").')
BUILDS = "`{function}()` builds {layers}, output {output} per image. "

TEXT: dict[str, Any] = {
    "classifier.not_reached": "The grader has no record of calling {what}: grading stopped before its experiments. "
                              "Fix the problems reported above first.",
    "classifier.probe_error": _probe_error,
    "classifier.not_measured": "The grader could not run its own experiments ({detail}), so {what} could not be checked. Grade again; "
                               "if it happens again, tell your instructor.",
    "classifier.malformed": "The grader's record of {what} is malformed ({detail}), so it cannot be checked. Run the notebook top to "
                            "bottom in a fresh kernel and hand it in again, unchanged by other code.",
    "classifier.function.missing": "Your notebook does not define `{function}`. Write it in its graded cell, under the name given.",
    "classifier.function.raised": _raised,
    "classifier.answer.undefined": "`{constant}` is not defined. Set it to one of {listed}.",
    "classifier.answer.not_text": "`{constant}` is a {type}, not an answer. Set it to one of the strings {listed}.",
    "classifier.answer.not_choice": '`{constant}` is "{value}", which is not one of the answers. Set it to one of {listed}, spelled exactly so.',
    # the variants, as the grader measured their files
    "classifier.variant.no_file": "The grader received no model from `{function}()`. Return the model you build, and do not change how "
                                  "the grader collects it.",
    "classifier.variant.not_keras": "`{function}()` returned a {type}, not a Keras model. Build the model with tf.keras layers, compile it "
                                    "and return it.",
    "classifier.variant.not_saved": "The model `{function}()` returns could not be saved to a file ({detail}). Build it from standard "
                                    "Keras layers only.",
    "classifier.variant.refused": "The grader loads the model of `{function}()` without running any of your code, and it could not "
                                  "({detail}). Build it from standard Keras layers only: no Lambda layers and no custom layer classes.",
    "classifier.variant.wrong_input": "The model of `{function}()` cannot take a batch of two 28×28 images: {detail}. Start it with "
                                      "tf.keras.Input(shape=(28, 28)).",
    "classifier.variant.not_measured": "The grader could not train the model of `{function}()` ({detail}). Build it as the exercise describes.",
    "classifier.variant.not_trained": "The grader could not train the model of `{function}()` for one epoch: {detail}. Build it as the "
                                      "exercise describes.",
    "classifier.variant.nan_loss": "Training the model of `{function}()` for one epoch gave a loss that is not a number. Build it as the "
                                   "exercise describes.",
    "classifier.wider.not_variant": BUILDS + "Build the model of `create_classifier` with {units} units instead of 128 in its hidden layer: "
                                             "Flatten, Dense({units}, relu), Dense(10, softmax).",
    "classifier.wider.right": WIDER[0],
    "classifier.wider.wrong": WIDER[1],
    "classifier.deeper.not_variant": BUILDS + "Add one more hidden layer to the model of `create_classifier`: Flatten, Dense(128, relu), "
                                              "Dense(128, relu), Dense(10, softmax).",
    "classifier.deeper.right": DEEPER[0],
    "classifier.deeper.wrong": DEEPER[1],
    "classifier.no_flatten.not_variant": BUILDS + "Remove only the Flatten layer from the model of `create_classifier`: "
                                                  "tf.keras.Input(shape=(28, 28)), Dense(128, relu), Dense(10, softmax). Without it, the "
                                                  "model outputs 28×10 values per image.",
    "classifier.no_flatten.right": _fitted("ANSWER_NO_FLATTEN", True),
    "classifier.no_flatten.wrong": _fitted("ANSWER_NO_FLATTEN", False),
    "classifier.five_outputs.not_variant": BUILDS + "End the model of `create_classifier` with Dense({outputs}, softmax) instead of "
                                                    "Dense(10, softmax), and change nothing else.",
    "classifier.five_outputs.right": _fitted("ANSWER_FIVE_OUTPUTS", True),
    "classifier.five_outputs.wrong": _fitted("ANSWER_FIVE_OUTPUTS", False),
    "classifier.no_normalization.right": RAW[0],
    "classifier.no_normalization.wrong": RAW[1],
    # train_longer: its model file, and its History checked against it
    "classifier.longer.not_history": "`{function}()` returned a {returned}, not the History that model.fit returns. Return what fit returns.",
    "classifier.longer.not_classifier": "The model in the History from `{function}()` is {layers}, output {output} per image, not a "
                                        "classifier of 28×28 images into 10 probabilities. Build it with `create_classifier()`.",
    "classifier.longer.no_validation": "The History from `{function}()` has no val_accuracy: pass validation_data=validation_data to "
                                       "model.fit, so that Keras measures the held-out accuracy after every epoch.",
    "classifier.longer.curves_disagree": "The History from `{function}()` ends with a held-out accuracy of {claimed:.3f}, but the grader "
                                         "measured its model at {measured:.3f} on the validation_data it was given. Fit one model, once, "
                                         "with validation_data=validation_data (not validation_split), and return the History of that "
                                         "fit unchanged.",
    "classifier.longer.steps_disagree": "The History from `{function}()` lists {claimed} epochs, but its model's optimizer took {steps} "
                                        "steps, not the {expected} that {claimed} epochs of {per_epoch} batches take. Fit one new model, "
                                        "once, on all the images given, with the default batch size, and return that fit's History unchanged.",
    "classifier.longer.epochs": "`{function}()` trained for {epochs} epochs. Train for 15 epochs (the grader accepts {fewest} to {most}), "
                                "three times as long as `train_classifier`.",
    "classifier.more_epochs.right": LONGER[0],
    "classifier.more_epochs.wrong": LONGER[1],
    # the loaders, as the student's process reports them
    "classifier.data.ok": "`{function}()` returns the 60,000 training and 10,000 test images of 28×28 pixels as floats from 0 to 1, and "
                          "their integer labels 0 to 9 (10 classes).",
    "classifier.data.structure": "`{function}()` returned a {returned}; return two pairs, ((train_images, train_labels), (test_images, "
                                 "test_labels)), as load_data() gives them.",
    "classifier.data.not_array": "`{function}()` returns {name} as a {type}, not an array of the {count} images of 28×28 pixels, shape {shape}.",
    "classifier.data.wrong_shape": "`{function}()` returns {name} of shape {got}; it should hold the {count} images of 28×28 pixels, shape {shape}.",
    "classifier.data.labels_shape": "`{function}()` returns {name} of shape {got}; it should hold one label per image, shape {shape}.",
    "classifier.data.not_normalised": "`{function}()` returns {name} as {dtype} values from {low} to {high}: they are not normalised. "
                                      "Divide the images by 255.0, so that every pixel becomes a float from 0 to 1.",
    "classifier.data.not_float": "`{function}()` returns {name} of type {dtype}; divide the images by 255.0 to get floats from 0 to 1.",
    "classifier.data.wrong_range": "`{function}()` returns {name} from {low} to {high}, not from 0 to 1. Divide the images as loaded "
                                   "(0 to 255) by 255.0, once.",
    "classifier.data.normalised": "`{function}()` returns {name} from {low} to {high}: these are normalised. Return the images exactly as "
                                  "load_data() gives them, with pixel values from 0 to 255.",
    "classifier.data.not_dataset": "`{function}()` returns {name} that are not the Fashion MNIST {split} images{scaled}, in their original "
                                   "order. Load them with tf.keras.datasets.fashion_mnist.load_data() and do not shuffle, crop or change "
                                   "them otherwise.",
    "classifier.data.labels_type": "`{function}()` returns {name} of type {dtype}; keep the integer labels as load_data() gives them.",
    "classifier.data.labels_range": "`{function}()` returns {name} from {low} to {high} with {classes} distinct values; they should be the "
                                    "integers 0 to 9, one per class (10 classes).",
    "classifier.data.labels_order": "`{function}()` returns {name} that are not the Fashion MNIST labels in their original order. Return "
                                    "them as load_data() gives them.",
}
