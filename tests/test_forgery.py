"""Every way we found to earn points without the work, as a real hostile submission graded end to end.

Each test asserts the status, exactly which checks pass (those the submission's real behaviour
earns, measured by the grader), and that the host was not touched (``grade`` checks that nothing is
left behind). The attack classes and their residual risks are tabled in docs/security.md.
"""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest
from hostile import check_message, grade, hostile, passed

from grader.cli import EXIT_USAGE, main

from conftest import ASSIGNMENT, ROOT

ROOMY = {"wall_seconds": 300, "cpu_seconds": 600, "memory_mb": 4096, "output_bytes": 200_000}


@pytest.mark.slow
def test_a_lookup_table_of_the_images_it_saw_earns_no_accuracy(assignment, tmp_path):
    """Held-out accuracy 1.0 used to come from the public test split in the sandbox; now it is a stand-in there."""
    report = grade(hostile("lookup_table_model.py"), assignment, tmp_path, **ROOMY).report
    assert passed(report) == {"model", "callback"}, report["checks"]
    assert report["metrics"]["test_accuracy"] is None  # too large to save in its scratch space, or to be measured: never scored
    assert any("never entered the submission's sandbox" in note for note in report["notes"])


@pytest.mark.slow
def test_an_accuracy_metric_of_its_own_earns_neither_the_model_nor_the_stop(assignment, tmp_path):
    report = grade(hostile("inflates_metric.py"), assignment, tmp_path, **ROOMY).report
    assert "model" not in passed(report) and "metric of its own named accuracy" in check_message(report, "model")
    assert "stopped_by_callback" not in passed(report)
    assert "callback" in passed(report)  # the class alone is right: that much is its real behaviour
    assert passed(report) <= {"callback", "accuracy", "reference"}


@pytest.mark.slow
def test_two_fits_count_as_one_training_of_the_graded_model(assignment, tmp_path):
    report = grade(hostile("two_fits.py"), assignment, tmp_path, **ROOMY).report
    assert passed(report) == {"model", "callback", "accuracy", "reference"}, report["checks"]
    message = check_message(report, "stopped_by_callback")
    assert "stopped training in epoch 5" in message and "first held in epoch 4" in message


def test_a_plain_object_for_a_model_earns_no_model_points(assignment, tmp_path):
    report = grade(hostile("duck_typed_model.py"), assignment, tmp_path, **ROOMY).report
    assert passed(report) == {"callback"}, report["checks"]
    assert "not a Keras model" in check_message(report, "model")


@pytest.mark.slow
def test_a_callback_that_knows_it_is_probed_earns_neither_callback_nor_stop(assignment, tmp_path):
    report = grade(hostile("probe_aware_callback.py"), assignment, tmp_path, **ROOMY).report
    assert {"callback", "stopped_by_callback"}.isdisjoint(passed(report)) and "model" in passed(report), report["checks"]
    assert "tried alone did not stop, but in your run it stopped training in epoch" in check_message(report, "callback")


def test_answers_forged_in_the_callback_process_match_no_case(assignment, tmp_path):
    report = grade(hostile("forges_callback_answers.py"), assignment, tmp_path, **ROOMY).report
    assert passed(report) == {"model"}, report["checks"]
    assert "cases the grader never asked" in check_message(report, "callback") or "no answer" in check_message(report, "callback")


@pytest.mark.slow
def test_a_patched_serializer_and_harness_earn_only_what_the_real_model_earns(assignment, tmp_path):
    """Its model really trains to about 0.86; every observation claims the broken callback stopped it at 0.885."""
    report = grade(hostile("patches_serializer.py"), assignment, tmp_path, **ROOMY).report
    assert report["metrics"]["history"]["accuracy"][-1] == 0.885  # what the forged observations said
    assert report["metrics"]["train_accuracy"] < 0.88  # what the grader measured
    assert {"callback", "stopped_by_callback"}.isdisjoint(passed(report)) and "model" in passed(report), report["checks"]
    assert passed(report) <= {"model", "accuracy", "reference"}


def _notebook_naming(tmp_path, assignment_name: str):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")], metadata={"grader": {"assignment": assignment_name}})
    path = tmp_path / "student" / "homework.ipynb"
    path.parent.mkdir(parents=True)
    path.write_text(nbformat.writes(notebook))
    return path


@pytest.mark.parametrize("named", ["evil_assignment", "./evil_assignment", "../student/evil_assignment", "/tmp/evil_assignment"])
def test_a_notebook_cannot_make_grader_check_run_its_own_checks_on_the_host(tmp_path, monkeypatch, capsys, named):
    """A student folder ships evil_assignment/ (a checks.py that writes a file) and a notebook naming it."""
    path = _notebook_naming(tmp_path, named)
    evil = path.parent / "evil_assignment"
    evil.mkdir()
    (evil / "assignment.toml").write_text((ROOT / "assignments" / ASSIGNMENT / "assignment.toml").read_text().replace(ASSIGNMENT, "evil_assignment"))
    marker = tmp_path / "host-code-ran"
    (evil / "checks.py").write_text(f"open({str(marker)!r}, 'w').write('pwned')\n")
    monkeypatch.chdir(path.parent)
    assert main(["check", str(path), "--sandbox", "none"]) == EXIT_USAGE
    assert not marker.exists()
    error = capsys.readouterr().err
    assert "not the name of an assignment" in error or "no assignment named 'evil_assignment'" in error


def test_an_assignment_folder_in_the_current_folder_does_not_shadow_the_real_one(tmp_path, monkeypatch):
    shadow = tmp_path / ASSIGNMENT
    shadow.mkdir()
    marker = tmp_path / "host-code-ran"
    (shadow / "assignment.toml").write_text((ROOT / "assignments" / ASSIGNMENT / "assignment.toml").read_text())
    (shadow / "checks.py").write_text(f"open({str(marker)!r}, 'w').write('pwned')\n")
    monkeypatch.chdir(tmp_path)
    done = subprocess.run([sys.executable, "-m", "grader", "list"], capture_output=True, text=True, cwd=tmp_path)
    assert ASSIGNMENT in done.stdout and not marker.exists()
    from grader import spec as specs

    assert specs.load(ASSIGNMENT).folder == ROOT / "assignments" / ASSIGNMENT and not marker.exists()


def test_magics_too_slow_to_translate_are_an_invalid_submission_not_a_grader_fault(assignment, tmp_path):
    """500 %magic lines and 400 KB of code: translated inside the sandbox, under a time budget."""
    bomb = "\n".join([f"%time value_{i} = {i}" for i in range(500)] + ["x = 1"] * 20_000)
    path = tmp_path / "bomb.ipynb"
    path.write_text(nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(bomb)])))
    from grader.grading import run

    monkey = pytest.MonkeyPatch()
    monkey.setattr(run, "TRANSLATE_SECONDS", 1)
    try:
        (tmp_path / "graded").mkdir()
        graded = grade(path, assignment, tmp_path / "graded", **ROOMY)
    finally:
        monkey.undo()
    assert graded.report["status"] == "invalid" and graded.report["score"] == 0
    assert "took longer than 1 seconds" in graded.report["message"] and graded.seconds < 60
    assert json.dumps(graded.report).count("internal") == 0


def test_every_printed_line_reaches_the_report_within_the_output_limit(assignment, tmp_path):
    """Nothing is cut from the middle of what a run printed: 5,000 numbered lines, well under the limit, all kept."""
    chatty = tmp_path / "chatty.py"
    chatty.write_text("for number in range(1, 5001):\n    print(f'line {number:05d}')\nraise SystemExit('done')\n")
    report = grade(chatty, assignment, tmp_path / "graded" if (tmp_path / "graded").mkdir() is None else tmp_path, **ROOMY).report
    lines = [line for line in report["output"].splitlines() if line.startswith("line ")]
    assert lines == [f"line {number:05d}" for number in range(1, 5001)] and not report["output_truncated"]
