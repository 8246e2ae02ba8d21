"""The words of the feedback page (feedback.html, the notebook as it ran) and of the chart's marks around it.

Functions here build plain text; ``reports/feedback.py`` escapes whatever came from a run before
it becomes Markdown.
"""

from __future__ import annotations

REPORT_LINK = "the full report"
FEEDBACK_LINK = "Your notebook as it ran, with each check after the cell it checks →"
CELL_CHECKS = "Checked in this cell"
RUN_CHECKS = "Checked on the whole run"
PASSED, FAILED = "✔", "✘"  # as report.html marks them; every font has them, unlike the emoji ✅ ❌


def due_label(epoch: int) -> str:
    """The chart's label of the first epoch whose logged value met the stop condition."""
    return f"should have stopped: epoch {epoch}"


def omitted(characters: int) -> str:
    """The line that stands for printed output the grader did not keep."""
    return f"[… {characters:,} characters of output not kept …]"


def source_omitted(characters: int) -> str:
    """The comment that stands for the end of a cell's source too long to show."""
    return f"[… {characters:,} more characters of this cell not shown …]"


def prompt(number: int, ran: bool, kind: str) -> str:
    """What stands beside a cell, where Jupyter shows In [n]: the number the report's messages use."""
    where = f"cell {number}" if kind == "notebook" else "module"
    return where if ran else f"{where}, not run"


GRADER_PROMPT = "run by the grader"


def grader_call(name: str) -> str:
    """The source shown for the grader's own call of the training function (a comment: it is not the student's code)."""
    return f"# The grader called {name}(training_images, training_labels) itself; this is what it printed."


def byline(student: str, file: str) -> str:
    return f"{student} · {file}" if student and student != file else file


def score_line(score: float, max_score: float) -> str:
    return f"Score: {score:g} / {max_score:g}"


def ran_line(selection: str) -> str:
    return f"Below is your code as the grader ran it ({selection}), with what it printed, and each check's verdict after the cell it checks."


def verdict(passed: bool, score: float, max_score: float, title: str) -> str:
    return f"{PASSED if passed else FAILED} {score:g} / {max_score:g} · {title}"
