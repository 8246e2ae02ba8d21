"""An unchanged submission is not graded again, and only a report the grader kept itself is ever reused."""

import json
import os
import shutil
from dataclasses import replace

import pytest

from grader import api, pipeline
from grader.options import Options
from grader.spec import own_checks

from conftest import submission


@pytest.fixture
def options(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    return Options(isolation=api.choose_isolation("auto"))


def _no_grading(monkeypatch):
    def refuse(*_):
        raise AssertionError("graded again")

    monkeypatch.setattr(pipeline, "grade_submission", refuse)


def test_the_same_submission_is_answered_from_the_graders_own_record(assignment, options, tmp_path, monkeypatch):
    path = shutil.copy(submission("raises_in_cell.ipynb"), tmp_path / "work.ipynb")
    first = api.grade_to(path, assignment, tmp_path / "out", options)
    _no_grading(monkeypatch)
    second = api.grade_to(path, assignment, tmp_path / "elsewhere", options)
    assert second.to_json() == first.to_json() and second.status.value == "error"
    assert json.loads((tmp_path / "elsewhere" / "report.json").read_text()) == first.to_json()


def test_the_feedback_page_of_a_kept_report_is_kept_too_and_rendered_afresh_for_another_report(assignment, options, tmp_path, monkeypatch):
    from grader.reports import feedback, reuse

    path = shutil.copy(submission("raises_in_cell.ipynb"), tmp_path / "work.ipynb")
    first = api.grade_to(path, assignment, tmp_path / "out", options)
    rendered = []
    monkeypatch.setattr(feedback, "render", lambda *arguments: rendered.append(arguments) or "<p>afresh</p>")
    api.grade_to(path, assignment, tmp_path / "elsewhere", options)
    assert not rendered  # nbconvert not run again: the page kept for this very report
    assert (tmp_path / "elsewhere" / "feedback.html").read_text() == (tmp_path / "out" / "feedback.html").read_text()
    other = replace(first, score=first.score + 1)
    assert reuse.kept_page(other, assignment, "", lambda: feedback.render(other, assignment, "")) == "<p>afresh</p>" and len(rendered) == 1
    assert reuse.kept_page(first, assignment, "ann", lambda: feedback.render(first, assignment, "ann")) == "<p>afresh</p>" and len(rendered) == 2


def test_a_change_to_the_file_or_the_limits_grades_again(assignment, options, tmp_path, monkeypatch):
    path = tmp_path / "work.ipynb"
    shutil.copy(submission("raises_in_cell.ipynb"), path)
    api.grade_to(path, assignment, tmp_path / "out", options)
    calls = []
    original = pipeline.grade_submission
    monkeypatch.setattr(pipeline, "grade_submission", lambda *a: calls.append(a) or original(*a))
    path.write_text(path.read_text().replace("undefined_helper", "other_undefined_helper"))
    assert "other_undefined_helper" in api.grade_to(path, assignment, tmp_path / "out", options).message
    tighter = replace(options, limits=replace(assignment.limits, wall_seconds=300))
    api.grade_to(path, assignment, tmp_path / "out", tighter)
    api.grade_to(path, assignment, tmp_path / "out", replace(tighter, regrade=True))
    assert len(calls) == 3
    own = api.grade_to(path, own_checks(assignment), tmp_path / "out", tighter)  # the same files, a spec changed in code
    assert len(calls) == 4 and own.max_score == 90
    assert api.grade_to(path, assignment, tmp_path / "out", tighter).max_score == 100 and len(calls) == 4


def test_forged_reports_and_links_in_the_output_folder_count_for_nothing(assignment, options, tmp_path):
    """A student-controlled output folder: a forged full-marks report and reuse record, and links to files elsewhere."""
    out, victim = tmp_path / "out", tmp_path / "victim.txt"
    out.mkdir()
    victim.write_text("precious")
    forged = {"status": "graded", "score": 100, "max_score": 100, "checks": []}
    (out / ".grader-reuse.json").write_text(json.dumps({"content_hash": "x", "fingerprint": "y", "settings": "z"}))
    (out / "report.md").symlink_to(victim)
    (out / "report.html").symlink_to(victim)
    (out / "feedback.html").symlink_to(victim)
    (out / "report.json").write_text(json.dumps(forged))
    path = shutil.copy(submission("raises_in_cell.ipynb"), tmp_path / "work.ipynb")
    report = api.grade_to(path, assignment, out, options)
    assert report.status.value == "error" and report.score < 100
    assert victim.read_text() == "precious"
    written = {name: os.lstat(out / name) for name in ("report.json", "report.md", "report.html", "feedback.html")}
    assert all(not os.path.islink(out / name) for name in written) and json.loads((out / "report.json").read_text())["status"] == "error"


def test_a_report_of_a_grader_fault_is_never_reused(assignment, options, tmp_path, monkeypatch):
    path = shutil.copy(submission("raises_in_cell.ipynb"), tmp_path / "work.ipynb")

    def broken(*_):
        raise ZeroDivisionError("a bug in the grader")

    with monkeypatch.context() as patched:
        patched.setattr(pipeline, "grade_submission", broken)
        assert api.grade_to(path, assignment, tmp_path / "out", options).status.value == "internal"
    assert api.grade_to(path, assignment, tmp_path / "out", options).status.value == "error"
