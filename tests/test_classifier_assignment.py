"""The fashion_mnist_classifier assignment: its own checks on hand-built probe records, and `grader validate` on it.

The probe record (``assignment_probes``) comes from inside the sandbox, next to the student's
code, so the checks must treat it as untrusted: a valid record passes, a wrong one fails with a
message that says what happened, and a malformed or forged one fails without raising.
"""

from __future__ import annotations

import copy
import json
import math
import random

import pytest

from grader import spec as specs
from grader.checks import Verdict, run_check
from grader.cli import EXIT_OK, main

ASSIGNMENT = "fashion_mnist_classifier"
OWN = (
    "classifier_loads_data",
    "classifier_wider_layer",
    "classifier_extra_layer",
    "classifier_no_flatten",
    "classifier_wrong_output_size",
    "classifier_no_normalization",
    "classifier_more_epochs",
)


@pytest.fixture(scope="module")
def spec() -> specs.AssignmentSpec:
    return specs.load(ASSIGNMENT)  # registers the assignment's checks.py


def _array(shape, dtype, kind, low, high, classes=None):
    found = {"type": "ndarray", "shape": list(shape), "dtype": dtype, "kind": kind, "min": low, "max": high}
    return found | ({"classes": classes} if classes is not None else {})


def _dataset(images_dtype="float64", top=1.0):
    kind = "f" if images_dtype.startswith("float") else "u"
    return {
        "structure_ok": True,
        "parts": {
            "train_images": _array((60000, 28, 28), images_dtype, kind, 0.0, top),
            "train_labels": _array((60000,), "uint8", "u", 0.0, 9.0, 10),
            "test_images": _array((10000, 28, 28), images_dtype, kind, 0.0, top),
            "test_labels": _array((10000,), "uint8", "u", 0.0, 9.0, 10),
        },
        "matches": {"train_images": True, "train_labels": True, "test_images": True, "test_labels": True},
    }


def _model(units, output_shape, flatten=True, params=101770):
    layers = ([{"class": "Flatten", "units": None, "activation": None}] if flatten else [])
    layers += [{"class": "Dense", "units": unit, "activation": "relu"} for unit in units[:-1]]
    layers += [{"class": "Dense", "units": units[-1], "activation": "softmax"}]
    return {"type": "keras.src.models.sequential.Sequential", "is_keras_model": True, "compiled": True,
            "loss": "sparse_categorical_crossentropy", "output_shape": list(output_shape), "probabilities": True,
            "params": params, "layers": layers}


LOSSES = [1.3736, 0.7496, 0.6061, 0.5205, 0.4635, 0.416, 0.3811, 0.3474, 0.3223, 0.3004, 0.2765, 0.2563, 0.2349, 0.2161, 0.1995]
HELD_OUT = [0.684, 0.733, 0.757, 0.775, 0.776, 0.784, 0.786, 0.79, 0.786, 0.785, 0.777, 0.778, 0.784, 0.792, 0.794]
RANK_ERROR = {"type": "ValueError", "message": "Argument `output` must have rank (ndim) `target.ndim - 1`."}
LABEL_ERROR = {"type": "InvalidArgumentError", "message": "indices[0] = 7 is not in [0, 5)"}


def good() -> dict:
    """What probes.py returns for the reference solution (numbers from a real run)."""
    return copy.deepcopy({
        "schema": 1,
        "answers": {name: {"value": value, "type": "str", "defined": True} for name, value in {
            "ANSWER_WIDER": "more_parameters",
            "ANSWER_DEEPER": "about_the_same",
            "ANSWER_NO_FLATTEN": "raises_error",
            "ANSWER_FIVE_OUTPUTS": "raises_error",
            "ANSWER_NO_NORMALIZATION": "higher_loss",
            "ANSWER_MORE_EPOCHS": "loss_falls_accuracy_plateaus",
        }.items()},
        "load": _dataset(),
        "no_normalization": _dataset("uint8", 255.0) | {"run": {"loss": 31.2, "loss_finite": True, "held_out_accuracy": 0.682, "held_out_loss": 10.253}},
        "baseline": {"loss": 0.97, "loss_finite": True, "held_out_accuracy": 0.743, "held_out_loss": 0.711},
        "wider": {"model": _model([1024, 10], (2, 10), params=814090),
                  "run": {"loss": 0.82, "loss_finite": True, "held_out_accuracy": 0.7955, "held_out_loss": 0.58}},
        "deeper": {"model": _model([128, 128, 10], (2, 10), params=118282),
                   "run": {"loss": 0.95, "loss_finite": True, "held_out_accuracy": 0.739, "held_out_loss": 0.70}},
        "no_flatten": {"model": _model([128, 10], (2, 28, 10), flatten=False, params=5002), "run": {"fit_error": RANK_ERROR}},
        "five_outputs": {"model": _model([128, 5], (2, 5), params=101125), "run": {"fit_error": LABEL_ERROR}},
        "more_epochs": {"returned": "History", "epochs": 15, "confirmed": True, "measured_val_accuracy": 0.794,
                        "curves": {"loss": LOSSES, "accuracy": [0.9] * 15, "val_accuracy": HELD_OUT, "val_loss": [0.6] * 15}},
    })


def verdicts(probes) -> dict[str, Verdict]:
    return {check: run_check(check, {"assignment_probes": probes}) for check in OWN}


def failing(probes) -> dict[str, str]:
    return {check: verdict.message for check, verdict in verdicts(probes).items() if not verdict.passed}


def test_the_spec_lists_every_own_check_and_points_sum_to_100(spec):
    ids = [check.id for check in spec.checks]
    assert set(OWN) <= set(ids) and {"model", "accuracy", "reference"} <= set(ids)
    assert spec.max_score == 100
    assert (spec.thresholds.test_accuracy, spec.thresholds.max_epochs, spec.graded.model, spec.graded.training) == (0.86, 5, ("create_classifier",), ("train_classifier",))


def test_the_reference_record_passes_every_check_and_each_message_states_what_was_measured(spec):
    results = verdicts(good())
    assert all(verdict.passed for verdict in results.values()), {k: v.message for k, v in results.items() if not v.passed}
    assert "814,090 parameters against 101,770" in results["classifier_wider_layer"].message
    assert "0.739 held-out accuracy against 0.743" in results["classifier_extra_layer"].message
    assert "ValueError" in results["classifier_no_flatten"].message
    assert "10.253" in results["classifier_no_normalization"].message and "0.711" in results["classifier_no_normalization"].message
    assert '`ANSWER_MORE_EPOCHS = "loss_falls_accuracy_plateaus"` says what the grader saw' in results["classifier_more_epochs"].message


def test_no_record_fails_every_check_and_says_grading_stopped_earlier(spec):
    for verdict in verdicts(None).values():
        assert not verdict.passed and "grading stopped before its experiments" in verdict.message


def test_a_probe_that_stopped_fails_every_check_with_its_error(spec):
    for verdict in verdicts({"probe_error": {"type": "SystemExit", "message": "0"}}).values():
        assert not verdict.passed and "stopped with SystemExit: 0" in verdict.message


def test_wrong_answers_fail_only_their_checks_and_give_the_numbers_not_the_answer(spec):
    probes = good()
    probes["answers"]["ANSWER_DEEPER"]["value"] = "much_better"
    probes["answers"]["ANSWER_NO_FLATTEN"]["value"] = "trains_normally"
    failed = failing(probes)
    assert set(failed) == {"classifier_extra_layer", "classifier_no_flatten"}
    assert "0.739 held-out accuracy against 0.743" in failed["classifier_extra_layer"]
    assert '`ANSWER_DEEPER = "much_better"` does not describe that' in failed["classifier_extra_layer"]
    assert "fitting it raised ValueError" in failed["classifier_no_flatten"]


@pytest.mark.parametrize("entry, words", [
    ({"value": None, "type": "NoneType", "defined": True}, 'is a NoneType, not an answer. Set it to one of the strings "more_parameters"'),
    ({"value": None, "type": "NoneType", "defined": False}, "`ANSWER_WIDER` is not defined"),
    ({"value": "More parameters", "type": "str", "defined": True}, '"More parameters", which is not one of the answers'),
    ({"value": None, "type": "int", "defined": True}, "is a int, not an answer"),
])
def test_an_answer_that_is_not_one_of_the_strings_says_which_strings(spec, entry, words):
    probes = good()
    probes["answers"]["ANSWER_WIDER"] = entry
    failed = failing(probes)
    assert list(failed) == ["classifier_wider_layer"] and words in failed["classifier_wider_layer"]


@pytest.mark.parametrize("change, words", [
    (lambda d: d["parts"]["train_images"].update(dtype="uint8", kind="u", max=255.0), "as uint8 values from 0 to 255: they are not normalised"),
    (lambda d: d["parts"]["test_images"].update(dtype="float32", max=255.0), "test_images as float32 values from 0 to 255"),
    (lambda d: d["parts"]["train_images"].update(max=1 / 255), "from 0 to 0.00392157, not from 0 to 1"),
    (lambda d: d["parts"]["train_images"].update(shape=[60000, 784]), "shape (60000, 784)"),
    (lambda d: d["matches"].update(train_images=False), "not the Fashion MNIST train images divided by 255"),
    (lambda d: d["parts"]["train_labels"].update(kind="f", dtype="float32"), "train_labels of type float32"),
    (lambda d: d["parts"]["test_labels"].update(classes=9, max=8.0), "from 0 to 8 with 9 distinct values"),
    (lambda d: d["matches"].update(test_labels=False), "test_labels that are not the Fashion MNIST labels"),
    (lambda d: d.update(structure_ok=False, returned="tuple"), "returned a tuple; return two pairs"),
])
def test_load_and_normalize_fails_on_what_it_got_wrong(spec, change, words):
    probes = good()
    change(probes["load"])
    failed = failing(probes)
    assert list(failed) == ["classifier_loads_data"] and words in failed["classifier_loads_data"]


def test_a_missing_or_raising_function_fails_its_check_only(spec):
    probes = good()
    probes["wider"] = {"missing": True}
    probes["more_epochs"] = {"error": {"type": "AttributeError", "message": "'NoneType' object has no attribute 'fit'",
                                       "file": "<cell 29>", "line": 11, "text": "history = model.fit(x)"}}
    failed = failing(probes)
    assert set(failed) == {"classifier_wider_layer", "classifier_more_epochs"}
    assert "does not define `create_wider_classifier`" in failed["classifier_wider_layer"]
    assert "raised AttributeError: 'NoneType' object has no attribute 'fit' (in cell 29, line 11:  history = model.fit(x))" in failed["classifier_more_epochs"]


@pytest.mark.parametrize("section, change, words", [
    ("wider", lambda d: d["model"].update(layers=_model([512, 10], (2, 10))["layers"]), "Flatten, Dense(512), Dense(10)"),
    ("wider", lambda d: d["model"].update(is_keras_model=False, type="builtins.NoneType"), "returned a builtins.NoneType, not a Keras model"),
    ("wider", lambda d: d["model"].update(compiled=False), "not compiled"),
    ("deeper", lambda d: d["model"].update(layers=_model([128, 10], (2, 10))["layers"]), "Add one more hidden layer"),
    ("no_flatten", lambda d: d["model"].update(output_shape=[2, 10], layers=_model([128, 10], (2, 10))["layers"]), "Remove only the Flatten layer"),
    ("no_flatten", lambda d: d["model"].update(call_error={"type": "ValueError", "message": "bad input"}), "cannot take a batch of two 28×28 images: ValueError: bad input"),
    ("five_outputs", lambda d: d["model"].update(output_shape=[2, 10], layers=_model([128, 10], (2, 10))["layers"]), "End the model of `create_classifier` with Dense(5"),
    ("five_outputs", lambda d: d["model"].update(loss="categorical_crossentropy"), "with the loss 'categorical_crossentropy'"),
    ("wider", lambda d: d.update(run={"fit_error": {"type": "ValueError", "message": "no"}}), "could not train the model from `create_wider_classifier()`"),
])
def test_a_variant_that_is_not_the_one_asked_for_fails_even_with_the_right_answer(spec, section, change, words):
    probes = good()
    change(probes[section])
    failed = failing(probes)
    assert len(failed) == 1 and words in next(iter(failed.values()))


def test_a_loss_object_counts_as_sparse_categorical_crossentropy(spec):
    probes = good()
    probes["five_outputs"]["model"]["loss"] = "SparseCategoricalCrossentropy"
    assert verdicts(probes)["classifier_wrong_output_size"].passed


@pytest.mark.parametrize("run, answer", [
    ({"fit_error": LABEL_ERROR}, "raises_error"),
    ({"loss": None, "loss_finite": False}, "loss_is_nan"),
    ({"loss": 2.1, "loss_finite": True}, "trains_normally"),
])
def test_the_accepted_answer_is_what_fitting_the_variant_did(spec, run, answer):
    for choice in ("raises_error", "loss_is_nan", "trains_normally"):
        probes = good()
        probes["five_outputs"]["run"] = run
        probes["answers"]["ANSWER_FIVE_OUTPUTS"]["value"] = choice
        assert verdicts(probes)["classifier_wrong_output_size"].passed is (choice == answer)


@pytest.mark.parametrize("deeper, answer", [(0.739, "about_the_same"), (0.80, "much_better"), (0.69, "much_worse")])
def test_the_deeper_answer_follows_the_measured_difference(spec, deeper, answer):
    probes = good()
    probes["deeper"]["run"]["held_out_accuracy"] = deeper
    for choice in ("much_better", "about_the_same", "much_worse"):
        probes["answers"]["ANSWER_DEEPER"]["value"] = choice
        assert verdicts(probes)["classifier_extra_layer"].passed is (choice == answer)


@pytest.mark.parametrize("raw_loss, answer", [(10.2, "higher_loss"), (0.75, "similar_loss"), (0.4, "lower_loss")])
def test_the_normalisation_answer_follows_the_held_out_losses(spec, raw_loss, answer):
    probes = good()
    probes["no_normalization"]["run"]["held_out_loss"] = raw_loss
    for choice in ("higher_loss", "similar_loss", "lower_loss"):
        probes["answers"]["ANSWER_NO_NORMALIZATION"]["value"] = choice
        assert verdicts(probes)["classifier_no_normalization"].passed is (choice == answer)


def test_load_without_normalizing_must_return_the_raw_pixels(spec):
    probes = good()
    probes["no_normalization"].update(_dataset())  # the normalised data, run kept
    failed = failing(probes)
    assert list(failed) == ["classifier_no_normalization"] and "these are normalised" in failed["classifier_no_normalization"]


@pytest.mark.parametrize("losses, held_out, answer", [
    (LOSSES, HELD_OUT, "loss_falls_accuracy_plateaus"),
    (LOSSES, [0.60, 0.62, 0.64, 0.66, 0.68] + [0.70 + 0.01 * i for i in range(10)], "both_improve"),
    ([1.0, 0.8, 0.7, 0.6, 0.5] + [0.45] * 10, HELD_OUT, "loss_stops_falling"),
])
def test_the_more_epochs_answer_follows_the_curves(spec, losses, held_out, answer):
    probes = good()
    probes["more_epochs"]["curves"].update(loss=losses, val_accuracy=held_out)
    for choice in ("both_improve", "loss_falls_accuracy_plateaus", "loss_stops_falling"):
        probes["answers"]["ANSWER_MORE_EPOCHS"]["value"] = choice
        assert verdicts(probes)["classifier_more_epochs"].passed is (choice == answer)


@pytest.mark.parametrize("change, words", [
    (lambda d: d.update(confirmed=False, measured_val_accuracy=0.702), "(0.794 at the last epoch, against 0.702 measured by the grader)"),
    (lambda d: d.update(confirmed=None, measured_val_accuracy=None), "is not the accuracy of the model it returns on the validation_data"),
    (lambda d: d.update(epochs=5, curves={k: v[:5] for k, v in d["curves"].items()}), "trained for 5 epochs"),
    (lambda d: d["curves"].update(val_accuracy=None), "has no val_accuracy"),
    (lambda d: d.pop("curves"), "returned a History, not the History"),
    (lambda d: d["curves"].update(loss=LOSSES[:7] + [None] * 8), "The training loss in the History from `train_longer()` is not a number from epoch 8 on"),
])
def test_train_longer_must_really_train_longer_on_the_given_validation_data(spec, change, words):
    probes = good()
    change(probes["more_epochs"])
    failed = failing(probes)
    assert list(failed) == ["classifier_more_epochs"] and words in failed["classifier_more_epochs"]


FORGED = [
    ("not a dict", lambda p: "everything passed"),
    ("a list", lambda p: [p]),
    ("answers a list", lambda p: p.update(answers=["more_parameters"])),
    ("answer value a number", lambda p: p["answers"]["ANSWER_WIDER"].update(value=1)),
    ("shape of strings", lambda p: p["load"]["parts"]["train_images"].update(shape=["60000", 28, 28])),
    ("max NaN", lambda p: p["load"]["parts"]["train_images"].update(max=math.nan)),
    ("max a bool", lambda p: p["load"]["parts"]["train_images"].update(max=True)),
    ("matches a string", lambda p: p["load"]["matches"].update(train_images="yes")),
    ("params a bool", lambda p: p["wider"]["model"].update(params=True)),
    ("params a float", lambda p: p["wider"]["model"].update(params=814090.0)),
    ("layers a dict", lambda p: p["deeper"]["model"].update(layers={"Dense": 3})),
    ("layer class a number", lambda p: p["deeper"]["model"]["layers"][1].update({"class": 3})),
    ("accuracy above 1", lambda p: p["deeper"]["run"].update(held_out_accuracy=7.5)),
    ("accuracy infinite", lambda p: p["baseline"].update(held_out_accuracy=math.inf)),
    ("baseline missing", lambda p: p.pop("baseline")),
    ("negative loss", lambda p: p["baseline"].update(held_out_loss=-1.0)),
    ("fit error a string", lambda p: p["no_flatten"]["run"].update(fit_error="it failed")),
    ("loss_finite a number", lambda p: p["wider"]["run"].update(loss_finite=1)),
    ("epochs a string", lambda p: p["more_epochs"].update(epochs="15")),
    ("curve of strings", lambda p: p["more_epochs"]["curves"].update(loss=["1"] * 15)),
    ("curve too short", lambda p: p["more_epochs"]["curves"].update(val_accuracy=[0.7] * 14)),
    ("huge curve", lambda p: p["more_epochs"]["curves"].update(loss=[0.5] * 100_000)),
    ("confirmed a string", lambda p: p["more_epochs"].update(confirmed="true")),
    ("error line a string", lambda p: p.update(wider={"error": {"type": "X", "message": "m", "line": "12"}})),
    ("probe_error a string", lambda p: p.update(probe_error="boom")),
]


@pytest.mark.parametrize("name, forge", FORGED, ids=[name for name, _ in FORGED])
def test_a_malformed_or_forged_record_fails_without_raising(spec, name, forge):
    probes = good()
    returned = forge(probes)
    if returned is not None:
        probes = returned
    results = verdicts(probes)  # never raises
    assert all(isinstance(verdict, Verdict) and verdict.message for verdict in results.values())
    assert not all(verdict.passed for verdict in results.values()), name


def _mutations(value, rng):
    """Every value of a JSON-like tree replaced, one at a time, by something of another shape."""
    replacements = [None, True, 0, -1, 1e308, "", "x" * 10_000, [], {}, [None], {"value": None}]
    if isinstance(value, dict):
        for key in list(value):
            yield lambda root, k=key, v=value: v.pop(k)
            for replacement in rng.sample(replacements, 3):
                yield lambda root, k=key, v=value, r=replacement: v.__setitem__(k, copy.deepcopy(r))
            yield from _mutations(value[key], rng)
    elif isinstance(value, list):
        for index, item in enumerate(value[:3]):
            yield lambda root, i=index, v=value: v.__setitem__(i, "forged")
            yield from _mutations(item, rng)


def test_no_single_forged_field_anywhere_makes_a_check_raise(spec):
    rng = random.Random(0)
    count = 0
    for index, _ in enumerate(_mutations(good(), rng)):
        probes = good()
        mutate = list(_mutations(probes, random.Random(0)))[index]
        mutate(probes)
        json.dumps(probes, default=str)
        for verdict in verdicts(probes).values():
            assert isinstance(verdict, Verdict) and isinstance(verdict.message, str) and verdict.message
        count += 1
    assert count > 300


@pytest.mark.slow
def test_validate_grades_the_reference_starter_and_every_example_as_stated(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("GRADER_ASSIGNMENTS_DIR", raising=False)
    assert main(["validate", ASSIGNMENT, "--out", str(tmp_path)]) == EXIT_OK
    assert f"{ASSIGNMENT}: all 8 cases grade as stated." in capsys.readouterr().out

    def report(*parts: str) -> dict:
        return json.loads(tmp_path.joinpath(ASSIGNMENT, *parts, "report.json").read_text())

    first, second = report("reference", "run-1"), report("reference", "run-2")
    assert first["metrics"] == second["metrics"] and first["metrics"]["test_accuracy"] >= 0.86
    assert [check["message"] for check in first["checks"]] == [check["message"] for check in second["checks"]]
    assert first["metrics"]["epochs_run"] == first["metrics"]["epochs_requested"] == 5
