"""A report shows its notes beside the checks, in every form, keeps them through report.json, and lets no markup or escape through."""

from __future__ import annotations

from grader.checks.scoring import CheckResult, Score
from grader.reports.render import markdown, terminal
from grader.reports.report import Report
from grader.status import Status

NOTES = (
    "Cell 8, line 2 (`model.compile(optimizer=tf.train.AdamOptimizer(),`) raised AttributeError: no AdamOptimizer. "
    "Grading went on with the next cell, as this assignment allows.",
    "Graded on a SUBSET of MNIST: 8,000 training and 2,000 held-out digits.",
)


def made(notes=NOTES, message="", output="", checks=None) -> Report:
    check = CheckResult("callback", "The callback stops", True, 20.0, 20.0, "`myCallback` keeps training until training loss < 0.4.")
    return Report.of(
        assignment="fashion_mnist_lab",
        version="1",
        submission="lab.ipynb",
        status=Status.GRADED if not message else Status.ERROR,
        message=message,
        score=Score(checks or (check,)),
        output=output,
        sandbox="bwrap",
        seconds=1.0,
        notes=notes,
    )


def test_notes_appear_in_markdown_and_the_terminal():
    assert "## Notes" in markdown(made()) and all(f"NOTE  {note}" in terminal(made()) for note in NOTES)
    assert "Cell 8, line 2 (`model.compile(optimizer=tf.train.AdamOptimizer(),`)" in markdown(made())
    assert "## Notes" not in markdown(made(notes=())) and "NOTE" not in terminal(made(notes=()))


def test_notes_survive_report_json():
    assert Report.from_json(made().to_json()).notes == NOTES
    older = {key: value for key, value in made().to_json().items() if key != "notes"}  # a report written before notes
    assert Report.from_json(older).notes == ()


def test_nothing_a_submission_prints_or_raises_becomes_markup_or_an_escape_sequence():
    hostile = "\x1b]0;owned\x07\x1b[31mred\x1b[0m <img src=x onerror=alert(1)> | cell\b\x07"
    check = CheckResult("model", "The model", False, 0.0, 20.0, f"raised ValueError: {hostile}")
    report = made(message=f"your code raised {hostile}", output=f"printed {hostile}\n", checks=(check,), notes=(hostile,))
    for text in (markdown(report), terminal(report)):
        assert not any(char in text for char in "\x1b\x07\b")
    shown = markdown(report)
    prose = shown.split("```")[0]  # what printed output is: inside a code fence, where Markdown shows text as text
    assert "<img" not in prose and "&lt;img src=x onerror=alert(1)&gt;" in prose and "\\| cell" in prose
    assert "printed" in shown.split("```")[1]
    assert "red" in shown and "[31m" not in shown and "[0m" not in shown  # a colour code goes whole, not its ESC alone
