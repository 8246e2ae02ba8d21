"""observations.json is untrusted: valid files parse, anything else is refused."""

import json
import os

import pytest

from grader.grading.observations import Malformed, parse, read

VALID = {
    "schema": 2,
    "phases": ["started", "execution", "training", "finished"],
    "execution": {"cells_run": 4, "missing_names": []},
    "training": {
        "fits": [
            {
                "context": "training",
                "model": 1,
                "optimizer": 2,
                "steps_per_epoch": 1875,
                "steps_after_epoch": [1875, 3750],
                "epochs_requested": 10,
                "epochs_run": 2,
                "history": {"accuracy": [0.8, 0.9], "loss": [0.5, None]},
                "callbacks": ["EarlyStoppingCallback"],
                "stop": {"by": "EarlyStoppingCallback", "student": True, "epoch": 2, "method": "on_epoch_end"},
                "x_shape": [60000, 28, 28],
                "x_max": 1.0,
                "finished": True,
            }
        ],
        "graded_fit": 0,
        "model_saved": True,
    },
    "names": {"model": "create_and_compile_model", "callback": "EarlyStoppingCallback", "training": "train_fashion_mnist"},
    "builder": {"type": "keras.src.models.sequential.Sequential", "keras_model": True, "saved": True},
    "callback_class": "EarlyStoppingCallback",
    "compatibility": [{"code": "bare_callback", "file": "<cell 7>", "line": 3, "text": "model.fit(x, y, callbacks=cb)"}],
    "finished": True,
}


def test_a_valid_file_becomes_typed_observations(tmp_path):
    path = tmp_path / "observations.json"
    path.write_text(json.dumps(VALID))
    found = read(path)
    fit = found.training.graded_fit
    assert found.finished and fit.history["accuracy"] == (0.8, 0.9) and fit.history["loss"] == (0.5, None)
    assert fit.stop.epoch == 2 and fit.stop.student and fit.x_shape == (60000, 28, 28) and fit.x_max == 1.0
    assert (fit.model, fit.optimizer, fit.steps_per_epoch, fit.steps_after_epoch) == (1, 2, 1875, (1875, 3750))
    assert found.training.expected_steps() == 2 * 1875 and found.training.epochs_trained == 2
    assert found.builder.keras_model and found.builder.saved and found.callback_class == "EarlyStoppingCallback"
    (adaptation,) = found.adaptations
    assert (adaptation.code, adaptation.file, adaptation.line) == ("bare_callback", "<cell 7>", 3)


def test_a_syntax_error_or_a_slow_translation_is_read_from_the_translation_phase():
    syntax = parse(
        {
            "schema": 2,
            "phases": ["started", "translation"],
            "translation": {"syntax_error": {"type": "SyntaxError", "message": "invalid syntax", "file": "<cell 7>", "line": 9}},
        }
    )
    assert syntax.translation_error.line == 9 and syntax.execution_error is None
    assert parse({"schema": 2, "phases": ["translation"], "translation": {"too_slow": 20}}).translation_too_slow == 20


def test_cells_passed_over_keep_their_cell_and_line():
    data = {
        **VALID,
        "execution": {
            "cells_run": 9,
            "missing_names": [],
            "cell_errors": [{"cell": 4, "error": {"type": "ValueError", "message": "bad shape", "file": "<cell 4>", "line": 2, "text": "model.fit(x)"}}],
        },
    }
    (entry,) = parse(data).cell_errors
    assert entry.cell == 4 and entry.error.line == 2 and entry.error.type == "ValueError"


def test_missing_file_is_none(tmp_path):
    assert read(tmp_path / "observations.json") is None


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.update(schema=1),
        lambda d: d["training"]["fits"][0].update(model="1"),
        lambda d: d.update(compatibility={}),
        lambda d: d["training"]["fits"][0].update(epochs_run="2"),
        lambda d: d["training"]["fits"][0]["history"].update(accuracy=[True]),
        lambda d: d["training"]["fits"][0]["history"].update(accuracy=["0.99"]),
        lambda d: d["training"]["fits"][0]["stop"].update(epoch=None),
        lambda d: d.update(finished="yes"),
        lambda d: d.update(execution=[]),
    ],
)
def test_wrong_types_are_refused(damage):
    data = json.loads(json.dumps(VALID))
    damage(data)
    with pytest.raises(Malformed):
        parse(data)


def test_nan_and_infinity_are_refused(tmp_path):
    path = tmp_path / "observations.json"
    path.write_text(json.dumps(VALID).replace("0.9]", "NaN]"))
    with pytest.raises(Malformed):
        read(path)


def test_a_link_to_a_host_file_is_not_followed(tmp_path):
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps(VALID))
    os.symlink(secret, tmp_path / "observations.json")
    with pytest.raises(Malformed, match="cannot be opened safely"):
        read(tmp_path / "observations.json")


def test_a_fifo_or_a_huge_file_is_refused(tmp_path):
    os.mkfifo(tmp_path / "observations.json")
    with pytest.raises(Malformed, match="not a regular file"):
        read(tmp_path / "observations.json")
    big = tmp_path / "big" / "observations.json"
    big.parent.mkdir()
    big.write_bytes(b" " * 6_000_000)
    with pytest.raises(Malformed, match="larger than"):
        read(big)
