"""The fashion_mnist_classifier assignment: its checks on hand-built records, hostile submissions, and `grader validate`.

Two values feed its checks: ``measured`` (the grader's own experiments in its evaluation process:
trusted, still parsed defensively) and ``claims`` (what ``collect`` returned from the student's
process: untrusted). The records below are what a real grading of the reference solution produced.
A check passes only on what the grader measured (except the claims README.md lists); an empty,
missing or malformed record fails with a reason and never raises.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import random
import re
from pathlib import Path

import pytest

from grader import spec as specs
from grader.api import choose_isolation
from grader.checks import TEXT, Context, DatasetFacts, Names, Verdict, run_check
from grader.cli import EXIT_OK, main
from grader.options import Options
from grader.pipeline import grade_to
from grader.text.checks import render

from conftest import ROOT, SUBMISSIONS

ASSIGNMENT = "fashion_mnist_classifier"
FOLDER = ROOT / "assignments" / ASSIGNMENT
OWN = (
    "classifier_loads_data",
    "classifier_wider_layer",
    "classifier_extra_layer",
    "classifier_no_flatten",
    "classifier_wrong_output_size",
    "classifier_no_normalization",
    "classifier_more_epochs",
)
EXPLORATION = OWN[1:]


@pytest.fixture(scope="module")
def spec() -> specs.AssignmentSpec:
    return specs.load(ASSIGNMENT)  # registers the assignment's checks.py


def _layers(units, flatten=True):
    found = [{"class": "Flatten", "units": None, "activation": None}] if flatten else []
    found += [{"class": "Dense", "units": unit, "activation": "relu"} for unit in units[:-1]]
    return found + [{"class": "Dense", "units": units[-1], "activation": "softmax"}]


def _variant(units, call_shape, params, run, flatten=True):
    return {
        "present": True,
        "loaded": True,
        "layers": _layers(units, flatten),
        "params": params,
        "call_shape": list(call_shape),
        "probabilities": True,
        "run": run,
    }


REPLAY_LOSS = [
    1.373567,
    0.749628,
    0.606077,
    0.520477,
    0.463468,
    0.416013,
    0.38109,
    0.347417,
    0.322281,
    0.300353,
    0.276537,
    0.256318,
    0.234889,
    0.21614,
    0.199504,
]
REPLAY_HELD_OUT = [0.684, 0.733, 0.757, 0.775, 0.776, 0.784, 0.786, 0.79, 0.786, 0.785, 0.777, 0.778, 0.784, 0.792, 0.794]
CLAIMED_HELD_OUT = [0.697, 0.765, 0.784, 0.787, 0.792, 0.791, 0.794, 0.801, 0.799, 0.811, 0.816, 0.815, 0.824, 0.818, 0.825]
RANK_ERROR = {"type": "ValueError", "message": "Argument `output` must have rank (ndim) `target.ndim - 1`."}
LABEL_ERROR = {"type": "InvalidArgumentError", "message": "indices[0] = 7 is not in [0, 5)"}


def good_measured() -> dict:
    """What measure returned for the reference solution."""
    return copy.deepcopy(
        {
            "schema": 2,
            "baseline": {"params": 101770, "loss": 0.970548, "held_out_loss": 0.711314, "held_out_accuracy": 0.743},
            "raw": {"loss": 31.262112, "held_out_loss": 10.252759, "held_out_accuracy": 0.682},
            "variants": {
                "wider": _variant([1024, 10], (2, 10), 814090, {"loss": 0.822911, "held_out_loss": 0.581083, "held_out_accuracy": 0.7955}),
                "deeper": _variant([128, 128, 10], (2, 10), 118282, {"loss": 0.95153, "held_out_loss": 0.702086, "held_out_accuracy": 0.739}),
                "no_flatten": _variant([128, 10], (2, 28, 10), 5002, {"fit_error": RANK_ERROR}, flatten=False),
                "five_outputs": _variant([128, 5], (2, 5), 101125, {"fit_error": LABEL_ERROR}),
            },
            "longer": {**_variant([128, 10], (2, 10), 101770, None), "steps": 480, "steps_per_epoch": 32, "validation_accuracy": 0.825},
            "replay": {"epochs": 15, "loss": REPLAY_LOSS, "val_accuracy": REPLAY_HELD_OUT},
        }
    )


def _array(shape, dtype, kind, high, classes=None):
    return {"type": "ndarray", "shape": list(shape), "dtype": dtype, "kind": kind, "min": 0.0, "max": high} | ({"classes": classes} if classes else {})


def _dataset(images_dtype="float64", high=1.0):
    kind = "f" if images_dtype.startswith("float") else "u"
    parts = {
        "train_images": _array((60000, 28, 28), images_dtype, kind, high),
        "train_labels": _array((60000,), "uint8", "u", 9.0, 10),
        "test_images": _array((10000, 28, 28), images_dtype, kind, high),
        "test_labels": _array((10000,), "uint8", "u", 9.0, 10),
    }
    return {"structure_ok": True, "parts": parts, "matches": {name: True for name in parts}}


ANSWERS = {
    "ANSWER_WIDER": "more_parameters",
    "ANSWER_DEEPER": "about_the_same",
    "ANSWER_NO_FLATTEN": "raises_error",
    "ANSWER_FIVE_OUTPUTS": "raises_error",
    "ANSWER_NO_NORMALIZATION": "higher_loss",
    "ANSWER_MORE_EPOCHS": "loss_falls_accuracy_plateaus",
}


def good_claims() -> dict:
    """What collect returned for the reference solution."""
    saved = {"type": "keras.src.models.sequential.Sequential", "save": {"saved": True}}
    return copy.deepcopy(
        {
            "schema": 2,
            "answers": {name: {"value": value, "type": "str", "defined": True} for name, value in ANSWERS.items()},
            "load": _dataset(),
            "no_normalization": _dataset("uint8", 255.0),
            "variants": {name: dict(saved) for name in ("wider", "deeper", "no_flatten", "five_outputs")},
            "longer": {
                "returned": "History",
                "epochs": 15,
                "save": {"saved": True},
                "curves": {"loss": REPLAY_LOSS, "accuracy": [0.9] * 15, "val_loss": [0.6] * 15, "val_accuracy": CLAIMED_HELD_OUT},
            },
        }
    )


@functools.cache
def _arguments() -> dict[str, dict]:
    spec = specs.load(ASSIGNMENT)
    return {check: dict(spec.check(check).arguments) for check in OWN}


def verdicts(measured, claims, **arguments) -> dict[str, Verdict]:
    context = Context(
        names=Names("create_classifier", "", "train_classifier"),
        dataset=DatasetFacts("Fashion MNIST", (28, 28), 10),
        lesson=False,
        reached=(),
        measured=measured,
        claims=claims,
    )
    return {check: run_check(check, context, {**_arguments()[check], **arguments.get(check, {})}) for check in OWN}


def failing(measured, claims, **arguments) -> dict[str, tuple[str, str]]:
    return {check: (verdict.reason, render(verdict)) for check, verdict in verdicts(measured, claims, **arguments).items() if not verdict.passed}


def test_the_spec_lists_every_own_check_with_its_arguments_and_100_points(spec):
    assert [check.id for check in spec.checks] == [OWN[0], "model", "accuracy", "reference", *EXPLORATION]
    assert spec.max_score == 100 and spec.callback is None
    assert spec.check("classifier_extra_layer").arguments == {"much": 0.05}
    assert spec.check("classifier_more_epochs").arguments == {"fewest_epochs": 10, "most_epochs": 30, "loss_falls": 0.8, "tolerance": 0.002}


def test_the_reference_records_pass_every_check_and_each_message_states_what_the_grader_measured(spec):
    results = verdicts(good_measured(), good_claims())
    assert all(verdict.passed for verdict in results.values()), {k: v for k, v in results.items() if not v.passed}
    words = {check: render(verdict) for check, verdict in results.items()}
    assert "814,090 parameters against 101,770" in words["classifier_wider_layer"]
    assert "0.739 held-out accuracy against 0.743" in words["classifier_extra_layer"]
    assert "ValueError" in words["classifier_no_flatten"] and "InvalidArgumentError" in words["classifier_wrong_output_size"]
    assert "10.253" in words["classifier_no_normalization"] and "0.711" in words["classifier_no_normalization"]
    assert "0.463 (epoch 5) and 0.200 (epoch 15)" in words["classifier_more_epochs"]
    assert '`ANSWER_MORE_EPOCHS = "loss_falls_accuracy_plateaus"` says what the grader measured' in words["classifier_more_epochs"]


def test_without_claims_every_check_fails_saying_grading_stopped_earlier(spec):
    for reason, words in failing(good_measured(), None).values():
        assert reason == "classifier.not_reached" and "grading stopped before its experiments" in words


@pytest.mark.parametrize("measured", [None, {"measure_error": "MemoryError: "}], ids=["none", "measure_error"])
def test_without_the_graders_measurements_only_the_loaders_claim_can_pass(spec, measured):
    failed = failing(measured, good_claims())
    assert set(failed) == set(EXPLORATION)
    assert all(reason == "classifier.not_measured" for reason, _ in failed.values())


def test_a_probe_that_stopped_fails_every_check_with_its_error(spec):
    failed = failing(good_measured(), {"probe_error": {"type": "SystemExit", "message": "0", "file": "<cell 3>", "line": 2, "text": "exit()"}})
    assert set(failed) == set(OWN)
    assert all("stopped with SystemExit: 0 (in cell 3, line 2:  exit())" in words for _, words in failed.values())


@pytest.mark.parametrize(
    "measured, claims",
    [
        ({}, "good"),
        ("good", {}),
        ([], "good"),
        ("good", "everything passed"),
        ({"schema": 1}, "good"),
        ("good", {"schema": 3}),
    ],
    ids=["measured empty", "claims empty", "measured a list", "claims a string", "measured old", "claims new"],
)
def test_an_empty_or_foreign_record_fails_every_check_that_reads_it(spec, measured, claims):
    measured = good_measured() if measured == "good" else measured
    claims = good_claims() if claims == "good" else claims
    failed = failing(measured, claims)
    assert set(failed) == (set(EXPLORATION) if isinstance(claims, dict) and claims.get("schema") == 2 else set(OWN))
    assert all(reason == "classifier.malformed" and "malformed" in words for reason, words in failed.values())


def test_wrong_answers_fail_only_their_checks_and_give_the_measurements_not_the_answer(spec):
    claims = good_claims()
    claims["answers"]["ANSWER_DEEPER"]["value"] = "much_better"
    claims["answers"]["ANSWER_NO_FLATTEN"]["value"] = "trains_normally"
    failed = failing(good_measured(), claims)
    assert {check: reason for check, (reason, _) in failed.items()} == {
        "classifier_extra_layer": "classifier.deeper.wrong",
        "classifier_no_flatten": "classifier.no_flatten.wrong",
    }
    assert "0.739 held-out accuracy against 0.743" in failed["classifier_extra_layer"][1]
    assert '`ANSWER_DEEPER = "much_better"` does not describe that' in failed["classifier_extra_layer"][1]
    assert "ValueError: Argument `output` must have rank" in failed["classifier_no_flatten"][1]


@pytest.mark.parametrize(
    "entry, words",
    [
        ({"value": None, "type": "NoneType", "defined": True}, 'is a NoneType, not an answer. Set it to one of the strings "more_parameters"'),
        ({"value": None, "type": "NoneType", "defined": False}, "`ANSWER_WIDER` is not defined"),
        ({"value": "More parameters", "type": "str", "defined": True}, '"More parameters", which is not one of the answers'),
    ],
)
def test_an_answer_that_is_not_one_of_the_strings_says_which_strings(spec, entry, words):
    claims = good_claims()
    claims["answers"]["ANSWER_WIDER"] = entry
    failed = failing(good_measured(), claims)
    assert list(failed) == ["classifier_wider_layer"] and words in failed["classifier_wider_layer"][1]


@pytest.mark.parametrize(
    "change, reason, words",
    [
        (lambda d: d["parts"]["train_images"].update(dtype="uint8", kind="u", max=255.0), "not_normalised", "as uint8 values from 0 to 255"),
        (lambda d: d["parts"]["train_images"].update(max=1 / 255), "wrong_range", "from 0 to 0.00392157, not from 0 to 1"),
        (lambda d: d["parts"]["train_images"].update(shape=[60000, 784]), "wrong_shape", "shape (60000, 784)"),
        (lambda d: d["matches"].update(train_images=False), "not_dataset", "not the Fashion MNIST train images divided by 255"),
        (lambda d: d["parts"]["train_labels"].update(kind="f", dtype="float32"), "labels_type", "train_labels of type float32"),
        (lambda d: d["parts"]["test_labels"].update(classes=9, max=8.0), "labels_range", "from 0 to 8 with 9 distinct values"),
        (lambda d: d["matches"].update(test_labels=False), "labels_order", "test_labels that are not the Fashion MNIST labels"),
        (lambda d: d.update(structure_ok=False, returned="tuple"), "structure", "returned a tuple; return two pairs"),
    ],
)
def test_load_and_normalize_fails_on_what_it_got_wrong(spec, change, reason, words):
    claims = good_claims()
    change(claims["load"])
    failed = failing(good_measured(), claims)
    assert list(failed) == ["classifier_loads_data"]
    assert failed["classifier_loads_data"][0] == f"classifier.data.{reason}" and words in failed["classifier_loads_data"][1]


def test_load_without_normalizing_must_return_the_raw_pixels(spec):
    claims = good_claims()
    claims["no_normalization"] = _dataset()
    failed = failing(good_measured(), claims)
    assert list(failed) == ["classifier_no_normalization"] and "these are normalised" in failed["classifier_no_normalization"][1]


def test_a_missing_or_raising_function_fails_its_check_and_the_claim_only_explains_why(spec):
    measured, claims = good_measured(), good_claims()
    measured["variants"]["wider"] = {"present": False}
    claims["variants"]["wider"] = {"missing": True}
    measured["longer"] = {"present": False}
    claims["longer"] = {
        "error": {
            "type": "AttributeError",
            "message": "'NoneType' object has no attribute 'fit'",
            "file": "<cell 29>",
            "line": 11,
            "text": "history = model.fit(x)",
        }
    }
    failed = failing(measured, claims)
    assert {check: reason for check, (reason, _) in failed.items()} == {
        "classifier_wider_layer": "classifier.function.missing",
        "classifier_more_epochs": "classifier.function.raised",
    }
    assert "does not define `create_wider_classifier`" in failed["classifier_wider_layer"][1]
    assert (
        "raised AttributeError: 'NoneType' object has no attribute 'fit' (in cell 29, line 11:  history = model.fit(x))" in failed["classifier_more_epochs"][1]
    )


@pytest.mark.parametrize("key, check", [("wider", "classifier_wider_layer"), ("no_flatten", "classifier_no_flatten"), ("longer", "classifier_more_epochs")])
def test_a_model_file_that_never_arrived_fails_whatever_the_claims_say(spec, key, check):
    measured = good_measured()
    (measured if key == "longer" else measured["variants"])[key] = {"present": False}
    failed = failing(measured, good_claims())  # the claims say it was built and saved
    assert list(failed) == [check] and failed[check][0] == "classifier.variant.no_file"
    claims = good_claims()
    claims["variants"]["wider"] = {"type": "builtins.dict", "save": {"saved": False, "type": "dict"}}
    claims["longer"]["save"] = {"saved": False, "type": "NoneType"}
    reason, words = failing(measured, claims)[check]
    assert reason == ("classifier.variant.no_file" if key == "no_flatten" else "classifier.variant.not_keras")


@pytest.mark.parametrize(
    "key, change, reason, words",
    [
        ("wider", lambda d: d.update(layers=_layers([512, 10])), "wider.not_variant", "builds Flatten, Dense(512), Dense(10), output (10,)"),
        ("wider", lambda d: d.update(probabilities=False), "wider.not_variant", "Dense(1024, relu), Dense(10, softmax)"),
        ("deeper", lambda d: d.update(layers=_layers([128, 10])), "deeper.not_variant", "Add one more hidden layer"),
        ("no_flatten", lambda d: d.update(call_shape=[2, 10], layers=_layers([128, 10])), "no_flatten.not_variant", "Remove only the Flatten layer"),
        ("five_outputs", lambda d: d.update(call_shape=[2, 10], layers=_layers([128, 10])), "five_outputs.not_variant", "with Dense(5, softmax)"),
        ("five_outputs", lambda d: d.update(loaded=False, load_error={"type": "TypeError", "message": "Lambda"}), "variant.refused", "no Lambda layers"),
        (
            "no_flatten",
            lambda d: d.update(call_error={"type": "ValueError", "message": "bad input"}),
            "variant.wrong_input",
            "two 28×28 images: ValueError: bad input",
        ),
        ("wider", lambda d: d.update(run={"fit_error": {"type": "ValueError", "message": "no"}}), "variant.not_trained", "for one epoch: ValueError: no"),
        ("deeper", lambda d: d.update(run={"loss": None}), "variant.nan_loss", "not a number"),
    ],
)
def test_a_variant_that_is_not_the_one_asked_for_fails_even_with_the_right_answer(spec, key, change, reason, words):
    measured = good_measured()
    change(measured["variants"][key])
    failed = failing(measured, good_claims())
    assert len(failed) == 1
    got_reason, got_words = next(iter(failed.values()))
    assert got_reason == f"classifier.{reason}" and words in got_words


@pytest.mark.parametrize("run, answer", [({"fit_error": LABEL_ERROR}, "raises_error"), ({"loss": None}, "loss_is_nan"), ({"loss": 2.1}, "trains_normally")])
def test_the_accepted_answer_is_what_fitting_the_variant_did_in_the_graders_process(spec, run, answer):
    measured = good_measured()
    measured["variants"]["five_outputs"]["run"] = run
    for choice in ("raises_error", "loss_is_nan", "trains_normally"):
        claims = good_claims()
        claims["answers"]["ANSWER_FIVE_OUTPUTS"]["value"] = choice
        assert verdicts(measured, claims)["classifier_wrong_output_size"].passed is (choice == answer)


@pytest.mark.parametrize(
    "deeper, much, answer", [(0.739, 0.05, "about_the_same"), (0.80, 0.05, "much_better"), (0.69, 0.05, "much_worse"), (0.739, 0.001, "much_worse")]
)
def test_the_deeper_answer_follows_the_measured_difference_and_the_much_argument(spec, deeper, much, answer):
    measured = good_measured()
    measured["variants"]["deeper"]["run"]["held_out_accuracy"] = deeper
    for choice in ("much_better", "about_the_same", "much_worse"):
        claims = good_claims()
        claims["answers"]["ANSWER_DEEPER"]["value"] = choice
        assert verdicts(measured, claims, classifier_extra_layer={"much": much})["classifier_extra_layer"].passed is (choice == answer)


@pytest.mark.parametrize(
    "raw_loss, ratio, answer", [(10.2, 1.25, "higher_loss"), (0.75, 1.25, "similar_loss"), (0.4, 1.25, "lower_loss"), (10.2, 20.0, "similar_loss")]
)
def test_the_normalisation_answer_follows_the_measured_losses_and_the_ratio_argument(spec, raw_loss, ratio, answer):
    measured = good_measured()
    measured["raw"]["held_out_loss"] = raw_loss
    for choice in ("higher_loss", "similar_loss", "lower_loss"):
        claims = good_claims()
        claims["answers"]["ANSWER_NO_NORMALIZATION"]["value"] = choice
        assert verdicts(measured, claims, classifier_no_normalization={"loss_ratio": ratio})["classifier_no_normalization"].passed is (choice == answer)


@pytest.mark.parametrize(
    "losses, held_out, answer",
    [
        (REPLAY_LOSS, REPLAY_HELD_OUT, "loss_falls_accuracy_plateaus"),
        (REPLAY_LOSS, [0.60, 0.62, 0.64, 0.66, 0.68] + [0.70 + 0.01 * i for i in range(10)], "both_improve"),
        ([1.0, 0.8, 0.7, 0.6, 0.5] + [0.45] * 10, REPLAY_HELD_OUT, "loss_stops_falling"),
    ],
)
def test_the_more_epochs_answer_follows_the_graders_own_run_not_the_claimed_curves(spec, losses, held_out, answer):
    measured = good_measured()
    measured["replay"].update(loss=losses, val_accuracy=held_out)
    for choice in ("both_improve", "loss_falls_accuracy_plateaus", "loss_stops_falling"):
        claims = good_claims()
        claims["answers"]["ANSWER_MORE_EPOCHS"]["value"] = choice
        claims["longer"]["curves"]["loss"] = [1.0] * 15  # a claimed curve that would say "loss_stops_falling"
        assert verdicts(measured, claims)["classifier_more_epochs"].passed is (choice == answer)


@pytest.mark.parametrize(
    "change, reason, words",
    [
        (
            lambda m, c: c["longer"]["curves"].update(val_accuracy=CLAIMED_HELD_OUT[:-1] + [0.95]),
            "curves_disagree",
            "ends with a held-out accuracy of 0.950, but the grader measured its model at 0.825",
        ),
        (lambda m, c: m["longer"].update(steps=96), "steps_disagree", "lists 15 epochs, but its model's optimizer took 96 steps, not the 480"),
        (lambda m, c: m["longer"].update(steps=None), "steps_disagree", "optimizer took None steps"),
        (
            lambda m, c: (
                m["longer"].update(steps=160),
                c["longer"]["curves"].update({k: v[:5] for k, v in c["longer"]["curves"].items()}),
                c["longer"]["curves"].update(val_accuracy=CLAIMED_HELD_OUT[:4] + [0.825]),
            ),
            "epochs",
            "trained for 5 epochs",
        ),
        (lambda m, c: c["longer"]["curves"].update(val_accuracy=None), "no_validation", "has no val_accuracy"),
        (lambda m, c: c["longer"].pop("curves"), "not_history", "returned a History, not the History"),
        (lambda m, c: m["longer"].update(layers=_layers([128, 5]), call_shape=[2, 5]), "not_classifier", "is Flatten, Dense(128), Dense(5)"),
    ],
)
def test_train_longer_must_hand_in_the_model_its_history_describes(spec, change, reason, words):
    measured, claims = good_measured(), good_claims()
    change(measured, claims)
    failed = failing(measured, claims)
    assert list(failed) == ["classifier_more_epochs"]
    assert failed["classifier_more_epochs"][0] == f"classifier.longer.{reason}" and words in failed["classifier_more_epochs"][1]


def test_train_longer_is_accepted_within_the_epochs_the_arguments_allow(spec):
    measured, claims = good_measured(), good_claims()
    assert (
        verdicts(measured, claims, classifier_more_epochs={"fewest_epochs": 20, "most_epochs": 30})["classifier_more_epochs"].reason
        == "classifier.longer.epochs"
    )
    assert verdicts(measured, claims, classifier_more_epochs={"fewest_epochs": 15, "most_epochs": 15})["classifier_more_epochs"].passed


FORGED = [
    ("answers a list", lambda m, c: c.update(answers=["more_parameters"])),
    ("answer value a number", lambda m, c: c["answers"]["ANSWER_WIDER"].update(value=1)),
    ("shape of strings", lambda m, c: c["load"]["parts"]["train_images"].update(shape=["60000", 28, 28])),
    ("max NaN", lambda m, c: c["load"]["parts"]["train_images"].update(max=math.nan)),
    ("max a bool", lambda m, c: c["load"]["parts"]["train_images"].update(max=True)),
    ("matches a string", lambda m, c: c["load"]["matches"].update(train_images="yes")),
    ("params a bool", lambda m, c: m["variants"]["wider"].update(params=True)),
    ("params a float", lambda m, c: m["variants"]["wider"].update(params=814090.0)),
    ("layers a dict", lambda m, c: m["variants"]["deeper"].update(layers={"Dense": 3})),
    ("layer class a number", lambda m, c: m["variants"]["deeper"]["layers"][1].update({"class": 3})),
    ("accuracy above 1", lambda m, c: m["variants"]["deeper"]["run"].update(held_out_accuracy=7.5)),
    ("accuracy infinite", lambda m, c: m["baseline"].update(held_out_accuracy=math.inf)),
    ("baseline missing", lambda m, c: m.pop("baseline")),
    ("negative loss", lambda m, c: m["baseline"].update(held_out_loss=-1.0)),
    ("fit error a number", lambda m, c: m["variants"]["no_flatten"]["run"].update(fit_error=3)),
    ("steps a string", lambda m, c: m["longer"].update(steps="480")),
    ("replay too short", lambda m, c: m["replay"].update(val_accuracy=REPLAY_HELD_OUT[:14])),
    ("curve of strings", lambda m, c: c["longer"]["curves"].update(val_accuracy=["0.8"] * 15)),
    ("huge curve", lambda m, c: c["longer"]["curves"].update(loss=[0.5] * 100_000)),
    (
        "error line a string",
        lambda m, c: (m["variants"]["wider"].update(present=False), c["variants"].update(wider={"error": {"type": "X", "message": "m", "line": "12"}})),
    ),
    ("probe_error a string", lambda m, c: c.update(probe_error="boom")),
    ("variants a list", lambda m, c: m.update(variants=[1, 2])),
]


@pytest.mark.parametrize("name, forge", FORGED, ids=[name for name, _ in FORGED])
def test_a_malformed_or_forged_record_fails_without_raising(spec, name, forge):
    measured, claims = good_measured(), good_claims()
    forge(measured, claims)
    results = verdicts(measured, claims)  # never raises
    assert all(isinstance(verdict, Verdict) and render(verdict) for verdict in results.values())
    assert not all(verdict.passed for verdict in results.values()), name


def _mutations(value) -> list[tuple[tuple, object]]:
    """(path, replacement) for every value of a JSON-like tree: dropped, or replaced by something of another shape."""
    rng = random.Random(0)
    replacements = [None, True, 0, -1, 1e308, "", "x" * 10_000, [], {}, [None], {"value": None}, {"present": True}]
    found = []

    def visit(node, path):
        if isinstance(node, dict):
            for key in list(node):
                found.append((path + (key,), "drop"))
                found.extend((path + (key,), replacement) for replacement in rng.sample(replacements, 3))
                visit(node[key], path + (key,))
        elif isinstance(node, list):
            for index, item in enumerate(node[:3]):
                found.append((path + (index,), "forged"))
                visit(item, path + (index,))

    visit(value, ())
    return found


def _mutated(tree, path, replacement):
    tree = copy.deepcopy(tree)
    node = tree
    for step in path[:-1]:
        node = node[step]
    if replacement == "drop":
        node.pop(path[-1])
    else:
        node[path[-1]] = copy.deepcopy(replacement)
    return tree


@pytest.mark.parametrize("which", ["measured", "claims"])
def test_no_single_forged_field_anywhere_makes_a_check_raise(spec, which):
    measured, claims = good_measured(), good_claims()
    mutations = _mutations(measured if which == "measured" else claims)
    assert len(mutations) > 150
    for path, replacement in mutations:
        changed = _mutated(measured if which == "measured" else claims, path, replacement)
        results = verdicts(changed, claims) if which == "measured" else verdicts(measured, changed)
        for verdict in results.values():
            assert isinstance(verdict, Verdict) and render(verdict) != verdict.reason, (path, replacement, verdict)


def test_every_reason_checks_py_gives_has_words():
    source = (FOLDER / "checks.py").read_text()
    reasons = set(re.findall(r'"(classifier\.[a-z_]+\.[a-z_]+|classifier\.[a-z_]+)"', source)) - {"classifier."}
    reasons |= {f"classifier.{key}.{outcome}" for key in re.findall(r'_judged\("([a-z_]+)"', source) for outcome in ("right", "wrong")}
    specs.load(ASSIGNMENT)
    assert len(reasons) > 40 and reasons <= set(TEXT), reasons - set(TEXT)


# ---- hostile submissions, graded end to end -------------------------------------------------------


def _graded(name: str, tmp_path: Path, spec) -> dict:
    work, out = tmp_path / "work", tmp_path / "out"
    work.mkdir()
    grade_to(SUBMISSIONS / "hostile" / name, spec, out, Options(isolation=choose_isolation("auto"), work_root=work, regrade=True))
    assert list(work.iterdir()) == []
    return json.loads((out / "report.json").read_text())


def _passed(report: dict) -> set[str]:
    return {check["id"] for check in report["checks"] if check["passed"]}


@pytest.mark.slow
def test_fake_models_and_forged_probe_records_earn_only_what_the_real_code_earns(spec, tmp_path):
    """Its loaders are real and its answers right: 12 + 8 points its real code earns (README.md lists them as claims).
    The forged record of every variant and of train_longer earns nothing: no model file left the sandbox."""
    report = _graded("classifier_forges_probes.py", tmp_path, spec)
    assert "patched the harness's run_collect and _dumps" in report["output"]
    assert report["status"] == "graded"
    assert _passed(report) == {"classifier_loads_data", "classifier_no_normalization"} and report["score"] == 20, report["checks"]
    reasons = {check["id"]: check["message"] for check in report["checks"]}
    assert all("The grader received no model from" in reasons[check] for check in EXPLORATION if check != "classifier_no_normalization")


@pytest.mark.slow
def test_forged_train_longer_curves_are_caught_by_the_models_own_optimizer_steps(spec, tmp_path):
    """Right everywhere but train_longer, which trains 3 epochs and forges a 15-epoch History ending on its true accuracy."""
    report = _graded("classifier_forges_longer_curves.py", tmp_path, spec)
    assert report["status"] == "graded"
    assert _passed(report) == set(OWN[:-1]) | {"model", "accuracy", "reference"} and report["score"] == 92, report["checks"]
    message = next(check["message"] for check in report["checks"] if check["id"] == "classifier_more_epochs")
    assert "lists 15 epochs, but its model's optimizer took 96 steps, not the 480" in message


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
