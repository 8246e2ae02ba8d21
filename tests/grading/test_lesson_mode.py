"""The course's notebooks as they are: lesson mode, both generations, MNIST offline, overrides.

Real TensorFlow, real data (MNIST: the real file when present, else the labelled subset), the real
sandbox. The examples of every assignment are graded by `grader validate` (tests/test_validate.py);
these tests hold what their reports must say: the cell and line, the old API, the data graded on.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader import spec as specs
from grader.api import choose_isolation, grade_to
from grader.cli import EXIT_BELOW_FULL, EXIT_OK, main
from grader.options import Options

from conftest import ROOT, submission

pytestmark = pytest.mark.slow


def example(assignment: str, case: str) -> Path:
    (path,) = (ROOT / "assignments" / assignment / "examples" / case).glob("submission.*")
    return path


def graded(path: Path, assignment: str, tmp_path: Path, **overrides: str) -> dict:
    spec = specs.with_overrides(specs.load(assignment), overrides)
    out = tmp_path / path.parent.name
    grade_to(path, spec, out, Options(isolation=choose_isolation("auto")))
    return json.loads((out / "report.json").read_text())


def checks(report: dict) -> dict[str, dict]:
    return {check["id"]: check for check in report["checks"]}


def test_one_exercise_two_versions_the_99_percent_one_by_set(tmp_path, capsys, mnist_source):
    path = submission("mnist_stops_at_99_percent.py")
    out = tmp_path / "strict"
    assert main(["grade", str(path), "-a", "mnist_callback", "-o", str(out), "--set", "threshold=0.99"]) == EXIT_OK
    strict = json.loads((out / "report.json").read_text())
    assert strict["score"] == 100, strict["checks"]
    assert "Graded with --set threshold=0.99." in strict["notes"]
    assert checks(strict)["stopped_by_callback"]["message"].endswith(tuple("0123456789)."))
    as_written = graded(path, "mnist_callback", tmp_path / "as_written")  # the 98% version
    by_id = checks(as_written)
    assert not by_id["callback"]["passed"] and "0.985 already meets training accuracy ≥ 0.98" in by_id["callback"]["message"]
    assert not by_id["stopped_by_callback"]["passed"] and "first held in epoch" in by_id["stopped_by_callback"]["message"]
    assert by_id["accuracy"]["passed"] and as_written["score"] == 40
    assert main(["check", str(path), "-a", "mnist_callback"]) == EXIT_BELOW_FULL


def test_the_mnist_exercise_says_which_data_it_graded_on(tmp_path, mnist_source):
    report = graded(example("mnist_callback", "lesson_style_passes"), "mnist_callback", tmp_path)
    assert report["score"] == 100, report["checks"]
    (data_note,) = [note for note in report["notes"] if note.startswith("Graded on")]
    assert ("SUBSET of MNIST" in data_note) == mnist_source.subset
    assert any("model.fit call 1 of the 1 that ran" in note for note in report["notes"])


def test_the_2019_notebook_gets_its_path_read_and_noted(tmp_path, mnist_source):
    report = graded(example("mnist_callback", "old_generation_passes"), "mnist_callback", tmp_path)
    assert report["score"] == 100, report["checks"]
    assert any("mnist.load_data(path=...)" in note and "Keras 3 accepts only a file name" in note for note in report["notes"])


def test_the_2019_callback_reading_acc_names_cell_line_and_the_new_name(tmp_path, mnist_source):
    report = graded(example("mnist_callback", "old_generation_logs_acc"), "mnist_callback", tmp_path)
    assert report["status"] == "error" and report["score"] == 0
    assert "logs.get('acc')" in report["message"] or "'acc'" in report["message"]
    assert "'NoneType' and 'float'" in report["message"] and "Keras 3 logs 'accuracy'" in report["message"]
    assert any(note.startswith("Old API in cell") and "Write logs.get('accuracy')" in note for note in report["notes"])


def test_a_windows_path_is_explained(tmp_path, mnist_source):
    report = graded(example("mnist_callback", "windows_path"), "mnist_callback", tmp_path)
    assert report["status"] == "error" and "cell 4, line 5" in report["message"]
    assert "Grading runs offline" in report["message"] and "a path from your own computer does not exist here" in report["message"]
    assert any("cell 4, line 2" in note and "Windows path" in note for note in report["notes"])


def test_a_dense_5_exploration_cell_is_noted_with_the_useful_line(tmp_path):
    report = graded(example("fashion_mnist_lesson", "deliberate_error_cells"), "fashion_mnist_lesson", tmp_path)
    assert report["score"] == 100, report["checks"]
    (dense_5,) = [note for note in report["notes"] if "InvalidArgumentError" in note]
    assert "9" in dense_5 and "[0, 5)" in dense_5  # TensorFlow's cause, which comes last in its message
    assert "Dense(10) for labels 0–9" in dense_5 and "Detected at node" not in dense_5


def test_a_lab_goes_on_past_its_deliberate_error_cell_and_names_it(tmp_path):
    report = graded(example("fashion_mnist_lab", "deliberate_error_cell"), "fashion_mnist_lab", tmp_path)
    assert report["status"] == "graded" and report["score"] == 100, report["checks"]
    (passed_over,) = [note for note in report["notes"] if "Grading went on with the next cell" in note]
    assert passed_over.startswith("Cell ") and ", line " in passed_over
    assert "loss" in checks(report)["stopped_by_callback"]["message"]


def test_a_tf1_optimizer_in_the_lab_is_named_with_what_to_write(tmp_path):
    report = graded(example("fashion_mnist_lab", "tf1_adam_optimizer"), "fashion_mnist_lab", tmp_path)
    assert report["status"] == "graded" and report["score"] == 20
    notes = " ".join(report["notes"])
    assert "tf.train optimizers are TensorFlow 1" in notes and "Grading went on with the next cell" in notes
    assert "Cell 8, line 2 (`model.compile(optimizer=tf.train.AdamOptimizer()," in notes


def test_with_the_real_mnist_file_the_report_says_so(tmp_path, mnist_source):
    if mnist_source.subset:
        pytest.skip("the real mnist.npz is not on this machine (`grader data fetch mnist`); the subset is tested above")
    report = graded(example("mnist_callback", "new_generation_passes"), "mnist_callback", tmp_path)
    assert report["score"] == 100 and any("the official mnist.npz" in note for note in report["notes"])
