"""Real submissions, real TensorFlow, real Fashion MNIST, in the real sandbox.

Every test reads the report.json the grader wrote, as a user would. The reference (graded twice),
the starter and every example in assignments/*/examples/ are graded by `grader validate`, in
tests/test_validate.py, which also checks the facts of their reports.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.api import choose_isolation, grade_to
from grader.options import Options

from conftest import submission


def grade(path: Path, assignment, tmp_path: Path) -> dict:
    out = tmp_path / path.stem
    grade_to(path, assignment, out, Options(isolation=choose_isolation("auto")))
    assert (out / "report.md").is_file()
    return json.loads((out / "report.json").read_text())


@pytest.mark.slow
def test_magics_shell_escapes_and_grade_up_to_here_do_not_break_grading(assignment, tmp_path):
    report = grade(submission("magics_and_grade_up_to_here.ipynb"), assignment, tmp_path)
    assert report["status"] == "graded" and report["score"] == 100, report["message"]
    assert "shell escapes work" in report["output"]


@pytest.mark.parametrize(
    "name, status, passed, words",
    [
        ("empty.ipynb", "invalid", set(), ["empty.ipynb is empty"]),
        ("not_json.ipynb", "invalid", set(), ["not a readable Jupyter notebook"]),
        ("syntax_error.ipynb", "error", set(), ["syntax error in cell 7, line 9", 'if logs["accuracy"] >= 0.88']),
        # partial credit: what the cells before the error define is still graded
        ("raises_in_cell.ipynb", "error", {"model", "callback"}, ["NameError", "cell 5, line 26", "undefined_helper"]),
        ("missing_graded_name.ipynb", "error", {"model", "callback"}, ["does not define `train_fashion_mnist`"]),
        ("kernel_dies.py", "crashed", set(), ["was killed by SIGKILL"]),
        ("exits_early.py", "crashed", set(), ["exited with code 0"]),
    ],
)
def test_bad_input_gets_a_report_with_what_it_earns_and_a_clear_message(name, status, passed, words, assignment, tmp_path):
    report = grade(submission(name), assignment, tmp_path)
    assert report["status"] == status
    assert {check["id"] for check in report["checks"] if check["passed"]} == passed
    assert report["score"] == sum(check["max_score"] for check in report["checks"] if check["id"] in passed)
    for word in words:
        assert word in report["message"]
    assert "Traceback" not in report["message"]
