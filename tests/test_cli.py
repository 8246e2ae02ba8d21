"""The command line, through ``main(argv)`` as a user types it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

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
    err = capsys.readouterr().err
    assert "kernel_dies.py is a Python module, and only a notebook can name its assignment" in err
    assert "--assignment NAME`. Known assignments: fashion_mnist_callback," in err


def usage_error(capsys, *argv: str) -> str:
    """What `grader ARGV` says on standard error; it must exit with 2 and print nothing else."""
    assert main(list(argv)) == EXIT_USAGE
    shown = capsys.readouterr()
    assert shown.out == ""
    return " ".join(shown.err.split())


def test_check_says_what_is_wrong_with_the_path_before_grading(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "week2").mkdir()
    (tmp_path / "week2" / "C1W2_Assignment.ipynb").write_text("{}")
    (tmp_path / "blank.ipynb").write_text(" \n")
    (tmp_path / "notes.txt").write_text("my notes\n")
    assert usage_error(capsys, "check", "missing.ipynb").startswith(
        f"grader: missing.ipynb: there is no such file in the current folder ({tmp_path}). Check the name (`ls` lists what is there)"
    )
    assert "Not checked" not in usage_error(capsys, "check", "missing.py", "-a", ASSIGNMENT)
    assert "there is no such file in week2. Did you mean C1W2_Assignment.ipynb?" in usage_error(capsys, "check", "week2/C1W2_Assignmnt.ipynb")
    assert "nodir/x.ipynb: the folder nodir does not exist" in usage_error(capsys, "check", "nodir/x.ipynb")
    assert "notes.txt/x.ipynb: notes.txt is a file, not a folder" in usage_error(capsys, "check", "notes.txt/x.ipynb")
    assert (
        "week2 is a folder, but `grader check` takes a file. Pass the notebook (.ipynb) or module (.py) itself, e.g. `grader check week2/C1W2_Assignment.ipynb`."
        in (usage_error(capsys, "check", "week2"))
    )
    assert f"{submission('empty.ipynb')} is empty (0 bytes), so there is nothing to check" in usage_error(capsys, "check", str(submission("empty.ipynb")))
    assert "blank.ipynb is empty (2 bytes of blank space)" in usage_error(capsys, "check", "blank.ipynb", "-a", ASSIGNMENT)
    assert "notes.txt: the grader reads Jupyter notebooks (.ipynb) and Python modules (.py), not '.txt'" in usage_error(capsys, "check", "notes.txt")
    assert "/dev/null is a character device, not an ordinary file" in usage_error(capsys, "check", "/dev/null", "-a", ASSIGNMENT)
    (tmp_path / "gone.ipynb").symlink_to(tmp_path / "moved.ipynb")
    assert f"gone.ipynb is a link to {tmp_path / 'moved.ipynb'}, which does not exist" in usage_error(capsys, "check", "gone.ipynb")


def test_grade_checks_every_path_before_grading_any(tmp_path, capsys):
    out = tmp_path / "out"
    err = usage_error(capsys, "grade", str(submission("empty.ipynb")), str(tmp_path / "missing.py"), "-a", ASSIGNMENT, "-o", str(out))
    assert f"{tmp_path / 'missing.py'}: there is no such file in {tmp_path}" in err
    assert not out.exists()  # empty.ipynb, first, was not graded either
    assert f"use `grader batch {submission('empty.ipynb').parent} --assignment NAME --out DIR`" in (
        usage_error(capsys, "grade", str(submission("empty.ipynb").parent), "-a", ASSIGNMENT, "-o", str(out))
    )
    (tmp_path / "taken").write_text("x")
    assert f"--out {tmp_path / 'taken'} is a file, not a folder" in usage_error(
        capsys, "grade", str(submission("empty.ipynb")), "-a", ASSIGNMENT, "-o", str(tmp_path / "taken")
    )
    assert "--threads -2: give 1 or more" in usage_error(capsys, "grade", str(submission("empty.ipynb")), "-a", ASSIGNMENT, "-o", str(out), "--threads", "-2")


def help_of(capsys, *command: str) -> str:
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    return " ".join(capsys.readouterr().out.split())


def test_help_states_the_real_defaults(capsys):
    assert "--threads THREADS TensorFlow threads per run (default: cores ÷ jobs, at least 1;" in help_of(capsys, "batch")
    for command in ("grade", "check"):
        assert "TensorFlow threads per run (default: not set, so TensorFlow picks: one per core)" in help_of(capsys, command)
    assert "TensorFlow threads per grading (default: cores ÷ jobs, at least 1)" in help_of(capsys, "validate")
    assert "TensorFlow's choice" not in help_of(capsys, "batch") + help_of(capsys, "validate")


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


@pytest.mark.slow
def test_check_streams_the_model_verdict_then_each_epoch_while_training_runs(tmp_path):
    """Read as it arrives: the early model verdict, the epochs one by one, then the report."""
    import time

    fast = ROOT / "tests" / "benchmarks" / "fast_submission.ipynb"
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "grader", "check", str(fast), "-a", ASSIGNMENT, "--out", str(tmp_path), "--regrade"],  # graded, not a kept report
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = []
    for line in process.stderr:
        seen.append((time.monotonic() - started, line.rstrip()))
    process.wait(timeout=600)
    lines = [line for _, line in seen]
    model = next(index for index, line in enumerate(lines) if line.startswith("  PASS  model:") or line.startswith("  FAIL  model:"))
    epochs = [index for index, line in enumerate(lines) if line.startswith("  epoch ")]
    assert epochs and model < epochs[0], lines
    assert lines[epochs[0]].startswith("  epoch 1/") and "accuracy" in lines[epochs[0]]
    finished = json.loads((tmp_path / "report.json").read_text())
    assert len(epochs) == finished["metrics"]["epochs_run"]
    assert seen[epochs[0]][0] < seen[-1][0]  # printed while the grading went on, not all at the end
