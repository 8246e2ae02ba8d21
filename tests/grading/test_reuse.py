"""An unchanged submission graded into the same folder is not graded again."""

import json
import shutil
from dataclasses import replace

import pytest

from conftest import submission
from grader import api, pipeline
from grader.options import Options


@pytest.fixture
def options():
    return Options(isolation=api.choose_isolation("auto"))


def _no_grading(monkeypatch):
    def refuse(*_):
        raise AssertionError("graded again")

    monkeypatch.setattr(api, "grade_submission", refuse)


def test_the_same_submission_is_answered_from_its_report(assignment, options, tmp_path, monkeypatch):
    path = shutil.copy(submission("raises_in_cell.ipynb"), tmp_path / "work.ipynb")
    first = api.grade_to(path, assignment, tmp_path / "out", options)
    _no_grading(monkeypatch)
    second = api.grade_to(path, assignment, tmp_path / "out", options)
    assert second.to_json() == first.to_json() and second.status.value == "error"


def test_a_change_to_the_file_or_the_limits_grades_again(assignment, options, tmp_path, monkeypatch):
    path = tmp_path / "work.ipynb"
    shutil.copy(submission("raises_in_cell.ipynb"), path)
    api.grade_to(path, assignment, tmp_path / "out", options)
    calls = []
    original = pipeline.grade_submission
    monkeypatch.setattr(api, "grade_submission", lambda *a: calls.append(a) or original(*a))
    path.write_text(path.read_text().replace("undefined_helper", "other_undefined_helper"))
    assert "other_undefined_helper" in api.grade_to(path, assignment, tmp_path / "out", options).message
    tighter = replace(options, limits=replace(assignment.limits, wall_seconds=300))
    api.grade_to(path, assignment, tmp_path / "out", tighter)
    api.grade_to(path, assignment, tmp_path / "out", replace(tighter, regrade=True))
    assert len(calls) == 3


def test_a_report_of_a_grader_fault_is_never_reused(assignment, options, tmp_path, monkeypatch):
    path = shutil.copy(submission("raises_in_cell.ipynb"), tmp_path / "work.ipynb")
    api.grade_to(path, assignment, tmp_path / "out", options)
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    (tmp_path / "out" / "report.json").write_text(json.dumps({**report, "status": "internal"}))
    assert api.grade_to(path, assignment, tmp_path / "out", options).status.value == "error"
