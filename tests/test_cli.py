"""The command line, through ``main(argv)`` as a user types it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from grader.cli import EXIT_BELOW_FULL, EXIT_OK, EXIT_USAGE, main, report_folders
from grader.data import fashion_mnist as datasets

from conftest import ASSIGNMENT, ROOT, submission


def test_list_names_the_shipped_assignment(capsys):
    assert main(["list"]) == EXIT_OK
    assert "fashion_mnist_callback\tFashion MNIST: a callback that stops training" in capsys.readouterr().out


def test_python_dash_m_grader_is_the_same_command():
    done = subprocess.run([sys.executable, "-m", "grader", "list"], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("fashion_mnist_callback")


def test_grade_writes_both_reports_even_for_an_empty_file(tmp_path, capsys):
    code = main(["grade", str(submission("empty.ipynb")), "-a", ASSIGNMENT, "-o", str(tmp_path)])
    assert code == EXIT_OK
    report = json.loads((tmp_path / "report.json").read_text())
    assert (report["status"], report["score"], report["max_score"]) == ("invalid", 0, 100)
    assert [check["id"] for check in report["checks"]] == ["model", "callback", "stopped_by_callback", "accuracy", "reference"]
    assert "empty.ipynb is empty" in (tmp_path / "report.md").read_text()
    assert "empty.ipynb: invalid, 0/100" in capsys.readouterr().out


def test_unknown_assignment_is_a_usage_error_that_lists_the_known(tmp_path, capsys):
    assert main(["grade", str(submission("empty.ipynb")), "-a", "nope", "-o", str(tmp_path)]) == EXIT_USAGE
    assert "Known assignments: fashion_mnist_callback" in capsys.readouterr().err


def test_check_finds_the_assignment_in_the_notebook_and_fails_the_starter(capsys):
    assert main(["check", str(ROOT / "assignments" / ASSIGNMENT / "starter.ipynb")]) == EXIT_BELOW_FULL
    out = capsys.readouterr().out
    assert "starter.ipynb · graded · score 0/100" in out
    assert "FAIL  model" in out and "cell 5" in out


def test_check_of_a_module_needs_the_assignment_named(capsys):
    assert main(["check", str(submission("kernel_dies.py"))]) == EXIT_USAGE
    assert "Pass --assignment NAME" in capsys.readouterr().err


def test_several_submissions_get_distinct_report_folders():
    paths = [Path("a/submission.ipynb"), Path("b/submission.ipynb"), Path("c/alice.py")]
    assert report_folders(paths) == {paths[0]: "a-submission", paths[1]: "b-submission", paths[2]: "alice"}


def test_data_fetch_downloads_from_a_mirror_and_verifies(tmp_path, mirror, monkeypatch, capsys):
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    destination = tmp_path / "fetched"
    assert main(["data", "fetch", "--mirror", mirror, "--dest", str(destination)]) == EXIT_OK
    assert sorted(path.name for path in destination.iterdir()) == sorted(datasets.FILES)
    assert f"stored and verified in {destination}" in capsys.readouterr().out


def test_data_fetch_failure_is_a_clear_usage_error(tmp_path, capsys):
    code = main(["data", "fetch", "--mirror", "http://127.0.0.1:9/", "--dest", str(tmp_path / "fetched")])
    assert code == EXIT_USAGE
    assert "grader:" in capsys.readouterr().err


def test_a_grader_fault_still_writes_a_report_and_exits_3(tmp_path, monkeypatch, capsys):
    from grader import pipeline

    def broken(*_):
        raise ZeroDivisionError("a bug in the grader")

    monkeypatch.setattr(pipeline, "grade_submission", broken)
    code = main(["grade", str(submission("kernel_dies.py")), "-a", ASSIGNMENT, "-o", str(tmp_path), "--regrade"])
    assert code == 3
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["status"] == "internal" and report["score"] == 0
    assert "not your fault" in report["message"] and "ZeroDivisionError" in report["output"]
