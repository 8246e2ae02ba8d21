"""Real submissions, real TensorFlow, real Fashion MNIST, in the real sandbox.

Every test reads the report.json the grader wrote, as a user would.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from conftest import ROOT, submission
from grader.api import choose_isolation, grade_to
from grader.options import Options

EXAMPLES = sorted((ROOT / "assignments").glob("*/examples/*/expected.toml"))


def grade(path: Path, assignment, tmp_path: Path) -> dict:
    out = tmp_path / path.stem
    grade_to(path, assignment, out, Options(isolation=choose_isolation("auto")))
    assert (out / "report.md").is_file()
    return json.loads((out / "report.json").read_text())


def passed(report: dict) -> set[str]:
    return {check["id"] for check in report["checks"] if check["passed"]}


@pytest.mark.slow
def test_reference_gets_full_marks_and_the_same_metrics_twice(assignment, tmp_path):
    first = grade(assignment.reference, assignment, tmp_path / "first")
    second = grade(assignment.reference, assignment, tmp_path / "second")
    assert first["status"] == "graded"
    assert first["score"] == first["max_score"] == 100, first["checks"]
    metrics = first["metrics"]
    assert metrics["test_accuracy"] >= 0.85 and metrics["stopped_by_callback"] is True
    assert metrics["stop_epoch"] == metrics["epochs_run"] < metrics["epochs_requested"] == 10
    assert metrics["params"] == 101_770
    assert second["metrics"] == metrics
    assert first["reference"]["test_accuracy"] == pytest.approx(metrics["test_accuracy"], abs=0.02)


@pytest.mark.slow
def test_starter_scores_zero_with_a_friendly_report(assignment, tmp_path):
    report = grade(assignment.starter, assignment, tmp_path)
    assert report["status"] == "graded" and report["score"] == 0
    messages = {check["id"]: check["message"] for check in report["checks"]}
    assert "Only instances of `keras.Layer`" in messages["model"] and "cell 5" in messages["model"]
    assert "'NoneType' object has no attribute 'fit'" in messages["stopped_by_callback"]
    assert all("Traceback" not in message for message in messages.values())


@pytest.mark.slow
@pytest.mark.parametrize("expected_file", EXAMPLES, ids=[p.parent.name for p in EXAMPLES])
def test_example_gets_its_stated_verdict(expected_file, assignment, tmp_path):
    expected = tomllib.loads(expected_file.read_text())
    path = next(expected_file.parent.glob("submission.*"))
    report = grade(path, assignment, tmp_path)
    assert (report["status"], report["score"]) == (expected["status"], expected["score"]), report["checks"]
    assert passed(report) == set(expected["passed"])


@pytest.mark.slow
def test_magics_shell_escapes_and_grade_up_to_here_do_not_break_grading(assignment, tmp_path):
    report = grade(submission("magics_and_grade_up_to_here.ipynb"), assignment, tmp_path)
    assert report["status"] == "graded" and report["score"] == 100, report["message"]
    assert "shell escapes work" in report["output"]


@pytest.mark.parametrize(
    "name, status, words",
    [
        ("empty.ipynb", "invalid", ["empty.ipynb is empty"]),
        ("not_json.ipynb", "invalid", ["not a readable Jupyter notebook"]),
        ("syntax_error.ipynb", "error", ["syntax error in cell 7, line 9", 'if logs["accuracy"] >= 0.88']),
        ("raises_in_cell.ipynb", "error", ["NameError", "cell 5, line 26", "undefined_helper"]),
        ("missing_graded_name.ipynb", "error", ["does not define `train_fashion_mnist`"]),
        ("kernel_dies.py", "crashed", ["was killed by SIGKILL"]),
        ("exits_early.py", "crashed", ["exited with code 0"]),
    ],
)
def test_bad_input_gets_a_report_with_score_zero_and_a_clear_message(name, status, words, assignment, tmp_path):
    report = grade(submission(name), assignment, tmp_path)
    assert (report["status"], report["score"]) == (status, 0)
    for word in words:
        assert word in report["message"]
    assert "Traceback" not in report["message"]
    assert all(not check["passed"] for check in report["checks"])
