"""A report shows its notes beside the checks, in every form, and keeps them through report.json."""

from __future__ import annotations

from grader.reports import report
from grader.reports import report_json
from grader.checks.scoring import CheckResult
from grader.status import Status

NOTES = (
    "Cell 8, line 2 (`model.compile(optimizer=tf.train.AdamOptimizer(),`) raised AttributeError: no AdamOptimizer. "
    "Grading went on with the next cell, as this assignment allows.",
    "Graded on a SUBSET of MNIST: 8,000 training and 2,000 held-out digits.",
)


def made(notes=NOTES) -> report.Report:
    check = CheckResult("callback", "The callback stops", True, 20.0, 20.0, "`myCallback` keeps training until training loss < 0.4.")
    return report.Report("fashion_mnist_lab", "1", "lab.ipynb", "abc", Status.GRADED, "", 20.0, 20.0, (check,), None, None,
                         "", False, "bwrap", 1.0, "2026-11-26T12:00:00+00:00", "0.1.0", notes)


def test_notes_appear_in_markdown_and_the_terminal():
    markdown, terminal = report.markdown(made()), report.terminal(made())
    assert "## Notes" in markdown and all(f"- {note}" in markdown for note in NOTES)
    assert all(f"NOTE  {note}" in terminal for note in NOTES)
    assert "## Notes" not in report.markdown(made(notes=())) and "NOTE" not in report.terminal(made(notes=()))


def test_notes_survive_report_json():
    assert report_json.from_json(made().to_json()).notes == NOTES
    older = {key: value for key, value in made().to_json().items() if key != "notes"}  # a report written before notes
    assert report_json.from_json(older).notes == ()
