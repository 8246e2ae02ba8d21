"""summary.html, opened in a real headless Chromium: the gradebook's numbers, counted by whose doing a result is."""

from __future__ import annotations

import sqlite3
import statistics
from pathlib import Path

import pytest

from grader.batch import summary
from grader.batch.endings import Ending, ending, tally
from grader.batch.gradebook import FILE, Gradebook
from grader.status import Status

from chromium import by_id, dump_dom, elements, having, not_blank, screenshot
from classroom import entry, stored
from classroom import record as grade

HOSTILE = "`train_fashion_mnist` is not defined <img src=x onerror=\"document.title='pwned'\"> in __init__() **here**"


def result(name: str, status: str = "", seconds: float = 0.0, message: str = "") -> dict:
    """A stored report.json, with another status, grading time or message."""
    report = stored(name)
    return {**report, "status": status or report["status"], "duration_seconds": seconds or report["duration_seconds"], "message": message or report["message"]}


CLASS = {  # student → the report their finished grading left
    "ann": result("passes_as_module", seconds=40.0),
    "pia": result("passes_as_module", seconds=35.0),
    "sam": result("stops_at_epoch_limit", seconds=50.0),
    "ben": result("raises_in_cell", "error", 3.0, HOSTILE),
    "tom": result("raises_in_cell", "invalid", 1.0, "tom.ipynb is empty. Save your work in Jupyter (File → Save)."),
    "dee": result("raises_in_cell", "crashed", 12.0, "The Python process running your code was killed by SIGKILL."),
    "cy": result("raises_in_cell", "internal", 2.0, "The grader itself failed on cy.ipynb (ZeroDivisionError: boom)."),
}


def write_class(folder: Path, students: dict[str, dict], running: tuple[str, ...] = ()) -> Path:
    with Gradebook(folder / FILE) as book:
        book.claim("fashion_mnist_callback")
        ids = book.register([entry(name) for name in (*students, *running)])
        if "pia" in ids:
            book.start(ids["pia"], "1", "fp1")  # pia's first grading was interrupted
            book.close_interrupted()
        for student, report in students.items():
            grade(book, ids[student], report)
        for student in running:
            book.start(ids[student], "1", "fp1")
    return folder


def page(folder: Path, assignment) -> str:
    with Gradebook.existing(folder) as book:
        path = folder / "summary.html"
        path.write_text(summary.render(summary.summarize(book.rows(), assignment)))
    return dump_dom(path)


def test_every_status_is_the_submissions_doing_or_the_graders():
    assert {status: ending(status.value) for status in Status} == {
        Status.GRADED: Ending.GRADED,
        Status.INTERNAL: Ending.FAULT,
        **{status: Ending.STOPPED for status in Status if status not in (Status.GRADED, Status.INTERNAL)},
    }
    assert [ending(s) for s in ("graded", "error", "invalid", "timeout", "internal", "pending", "missing")] == [
        Ending.GRADED,
        Ending.STOPPED,
        Ending.STOPPED,
        Ending.STOPPED,
        Ending.FAULT,
        Ending.PENDING,
        Ending.PENDING,
    ]
    assert tally(["error", "crashed", "internal"]) == {Ending.GRADED: 0, Ending.STOPPED: 2, Ending.FAULT: 1, Ending.PENDING: 0}


def test_the_summary_counts_the_submissions_stops_apart_from_the_graders_faults(tmp_path, assignment):
    dom = page(write_class(tmp_path, CLASS, running=("zed",)), assignment)
    headline = {element.attrs["data-key"]: element.attrs["data-value"] for element in having(dom, "data-key")}
    scores = [report["score"] for student, report in CLASS.items() if student != "cy"]  # a grader fault's 0 is no score
    assert headline == {
        "students": "8",
        "graded": "3",
        "stopped": "3",
        "faults": "1",
        "pending": "1",
        "full_marks": "2",
        "mean": str(statistics.fmean(scores)),
        "median": str(statistics.median(scores)),
    }
    bars = {bar.attrs["data-label"]: int(bar.attrs["data-count"]) for bar in having(dom, "data-count") if bar.tag == "g"}
    assert (bars["0–10"], bars["60–70"], bars["100"], sum(bars.values())) == (3, 1, 2, 6)  # cy's fault is no score of 0
    badges = {(span.text, span.attrs["data-ending"]) for span in having(dom, "data-ending") if span.tag == "span"}
    assert badges == {("graded", "graded"), ("error", "stopped"), ("invalid", "stopped"), ("crashed", "stopped"), ("internal", "fault"), ("pending", "pending")}
    assert all(f"ending-{span.attrs['data-ending']}" in span.attrs["class"] for span in having(dom, "data-ending") if span.tag == "span")
    causes = [(cause.attrs["data-cause"], cause.attrs["data-ending"], int(cause.attrs["data-count"])) for cause in having(dom, "data-cause")]
    assert causes[0] == ("internal", "fault", 1)  # the operator's to fix: first
    assert sorted(causes[1:]) == [
        ("check:callback", "graded", 1),
        ("check:stopped_by_callback", "graded", 1),
        ("crashed", "stopped", 1),
        ("error", "stopped", 1),
        ("invalid", "stopped", 1),
    ]
    assert not_blank(screenshot(tmp_path / "summary.html", tmp_path / "summary.png", "1000,2600"))


def test_pass_rates_are_over_the_submissions_graded_to_the_end(tmp_path, assignment):
    folder = write_class(tmp_path, CLASS, running=("zed",))
    dom = page(folder, assignment)
    db = sqlite3.connect(folder / FILE)
    graded = "SELECT sum(r.passed), count(*) FROM results r JOIN attempts a ON a.id = r.attempt WHERE a.status = 'graded' AND r.check_id = ?"
    rates = {row.attrs["data-check"]: row for row in having(dom, "data-check") if row.tag == "tr"}
    assert list(rates) == ["model", "callback", "stopped_by_callback", "accuracy", "reference"]
    for check, row in rates.items():
        passed, total = db.execute(graded, (check,)).fetchone()
        assert (row.attrs["data-passed"], row.attrs["data-total"], row.attrs["data-not-reached"]) == (str(passed), "3", "5")
    assert rates["callback"].text.startswith("callback") and "2 / 3 (67%)" in rates["callback"].text
    assert "Over the 3 submission(s) graded to the end" in by_id(dom, "rates-over").text


def test_markdown_in_messages_is_rendered_and_nothing_a_student_wrote_becomes_markup(tmp_path, assignment):
    dom = page(write_class(tmp_path, CLASS), assignment)
    found = elements(dom)
    codes = [element.text for element in found if element.tag == "code"]
    assert "train_fashion_mnist" in codes and "EarlyStoppingCallback" in codes  # a student's message and a check's
    ben = next(element for element in found if element.tag == "td" and "is not defined" in element.text)
    assert ben.text == "train_fashion_mnist is not defined <img src=x onerror=\"document.title='pwned'\"> in __init__() **here**"
    assert [element.tag for element in found if element.tag in ("img", "script", "em")] == [] and "<strong>here" not in dom
    assert "`" not in " ".join(element.text for element in having(dom, "data-cause"))


def test_attempts_count_finished_gradings_and_slowest_lists_five_of_a_larger_class(tmp_path, assignment):
    dom = page(write_class(tmp_path, CLASS), assignment)
    attempts = {row.attrs["data-student"]: row.attrs["data-attempts"] for row in having(dom, "data-attempts") if row.tag == "tr"}
    assert attempts["pia"] == "1" and set(attempts.values()) == {"1"}  # pia's interrupted grading is no attempt
    assert [row.attrs["data-student"] for row in having(dom, "data-seconds")] == ["sam", "ann", "pia", "dee", "ben"]


@pytest.mark.parametrize("size", [1, 5])
def test_a_class_of_five_or_fewer_has_no_slowest_list(tmp_path, assignment, size):
    dom = page(write_class(tmp_path, dict(list(CLASS.items())[:size])), assignment)
    assert having(dom, "data-seconds") == [] and "Slowest" not in dom
