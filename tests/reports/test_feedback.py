"""feedback.html, the notebook as it ran, opened in a real headless Chromium: outputs, verdicts after their cells, nothing that runs or loads."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import threading
from pathlib import Path

import nbformat
import pytest

from grader.api import choose_isolation, grade_to
from grader.files import Folder
from grader.grading import cells, observations
from grader.grading.load import load
from grader.options import Options
from grader.reports import feedback
from grader.reports.report import Report
from grader.reports.write import write

from chromium import by_id, dump_dom, elements, having, not_blank, screenshot, title
from classroom import stored
from conftest import ROOT, submission

HOSTILE = "<script>document.title = 'pwned'</script><img src=x onerror=\"document.title='pwned'\">"
FAST = ROOT / "tests" / "benchmarks" / "fast_submission.ipynb"


def cell_order(dom: str) -> list[str]:
    """The page's cells, in order: header, cell-N (a graded cell), checks-N (its verdicts), training, checks-run."""
    return [element.attrs["id"].removeprefix("cell-id=") for element in having(dom, "id") if element.attrs["id"].startswith("cell-id=")]


def text_of(dom: str, cell: str) -> str:
    return by_id(dom, f"cell-id={cell}").text


FETCHING = {"script", "img", "iframe", "frame", "object", "embed", "link", "base", "video", "audio", "source", "svg", "form", "meta"}


def loads_or_runs(page: str) -> list[str]:
    """Whatever in the page could run a script or fetch something: such elements, event handlers, addresses but report.html, CSS that loads."""
    found = []
    for element in elements(page):
        if element.tag in FETCHING and not (element.tag == "meta" and set(element.attrs) <= {"charset", "name", "content"}):
            found.append(element.tag)
        found += [f"{element.tag} {name}" for name in element.attrs if name.startswith("on") or name in ("src", "srcset", "action", "style")]
        found += [element.attrs["href"]] if element.attrs.get("href", "report.html") != "report.html" else []
        if element.tag == "style":
            found += re.findall(r"url\((?!data:)[^)]*\)|@import|expression\(", element.text)
    return found


def hostile_report(tmp_path: Path) -> Report:
    """raises_in_cell graded, with what a hostile run could print and an error message quoting it."""
    loaded = load(submission("raises_in_cell.ipynb"))
    found = observations.parse(
        {
            "schema": 2,
            "phases": ["started", "execution", "names"],
            "execution": {
                "error": {
                    "type": "NameError",
                    "message": HOSTILE,
                    "file": "<cell 5>",
                    "line": 26,
                    "traceback": f'Traceback (most recent call last):\n  File "<cell 5>", line 26\nNameError: {HOSTILE}\n',
                },
                "cell": 5,
            },
            "names": {"model": "create_and_compile_model", "callback": None, "training": None},
        }
    )
    printed = {"head": f"{HOSTILE}\n\x1b[31mred\x1b]0;title\x07 \x1b[2Jcleared\n[x](javascript:alert(1))\n", "tail": "", "omitted": 0}
    (tmp_path / "cells.json").write_text(json.dumps({"cells": [{"index": 0, "stdout": printed}, {"index": 1}], "defined": {"create_and_compile_model": 1}}))
    ran = cells.ran(loaded, found, cells.read(tmp_path))
    report = Report.from_json(stored("raises_in_cell"))
    checks = tuple(dataclasses.replace(check, message=f"{check.message} {HOSTILE} [link](javascript:alert(1)) $x<y$") for check in report.checks)
    return dataclasses.replace(report, checks=checks, notebook=ran)


def test_hostile_output_and_messages_show_as_text_and_nothing_runs_or_loads(tmp_path, assignment):
    page = feedback.render(hostile_report(tmp_path), assignment, "<ben>")
    assert loads_or_runs(page) == []
    path = tmp_path / "feedback.html"
    path.write_text(page)
    dom = dump_dom(path)
    assert title(dom) == "<ben> · Fashion MNIST: a callback that stops training"  # a script that ran would have set it to pwned
    assert [element.tag for element in elements(dom) if element.tag in ("script", "img", "iframe")] == []
    assert [element.attrs["href"] for element in having(dom, "href")] == ["report.html"]
    printed = by_id(dom, "cell-id=cell-2").text
    assert HOSTILE in printed and "red cleared" in printed and "[x](javascript:alert(1))" in printed and "\x1b" not in dom
    assert f"{HOSTILE} [link](javascript:alert(1)) $x<y$" in text_of(dom, "checks-5")
    assert f"NameError: {HOSTILE}" in text_of(dom, "cell-5")
    assert cell_order(dom) == ["header", "cell-2", "cell-5", "checks-5", "cell-7", "cell-9", "checks-run"]
    assert not_blank(screenshot(path, tmp_path / "feedback.png"))


def test_the_report_links_to_the_feedback_page_written_beside_it_and_only_when_there_is_one(tmp_path, assignment):
    with Folder.open(tmp_path / "with") as folder:
        write(hostile_report(tmp_path), folder, assignment, "ben")
    with Folder.open(tmp_path / "without") as folder:
        write(Report.from_json(stored("raises_in_cell")), folder, assignment, "ben")
    assert sorted(path.name for path in (tmp_path / "with").iterdir()) == ["feedback.html", "report.html", "report.json", "report.md"]
    assert not (tmp_path / "without" / "feedback.html").exists()
    assert by_id(dump_dom(tmp_path / "with" / "report.html"), "feedback").attrs["href"] == "feedback.html"
    assert 'id="feedback"' not in (tmp_path / "without" / "report.html").read_text()
    kept = Report.from_json(json.loads((tmp_path / "with" / "report.json").read_text()))
    assert kept.notebook == hostile_report(tmp_path).notebook  # a report read back (the cache, the gradebook) has its notebook


def test_the_feedback_notebook_is_a_valid_notebook_with_each_verdict_after_its_cell(tmp_path, assignment):
    book = feedback.notebook(hostile_report(tmp_path), assignment, "ben")
    nbformat.validate(book)
    assert [cell.id for cell in book.cells] == ["header", "cell-2", "cell-5", "checks-5", "cell-7", "cell-9", "checks-run"]
    assert [output.output_type for output in book.cells[2].outputs] == ["error"]
    assert "✘ 0 / 20 · create\\_and\\_compile\\_model builds" in book.cells[3].source
    assert all(check in book.cells[-1].source for check in ("EarlyStoppingCallback", "85% accuracy on the 10,000 held\\-out images"))


def graded_page(tmp_path: Path, path: Path, assignment) -> tuple[dict, str]:
    out = tmp_path / path.stem
    grade_to(path, assignment, out, Options(isolation=choose_isolation("auto"), regrade=True))
    report = json.loads((out / "report.json").read_text())
    page = (out / "feedback.html").read_text()
    assert loads_or_runs(page) == []
    assert not_blank(screenshot(out / "feedback.html", tmp_path / f"{path.stem}.png", "1100,2600"))
    return report, dump_dom(out / "feedback.html")


@pytest.mark.slow
def test_a_full_marks_notebook_shows_its_epochs_and_each_verdict_after_its_cell(tmp_path, assignment):
    report, dom = graded_page(tmp_path, submission("magics_and_grade_up_to_here.ipynb"), assignment)
    assert report["status"] == "graded" and report["score"] == 100, report["message"]
    assert cell_order(dom) == ["header", "cell-2", "cell-5", "checks-5", "cell-7", "checks-7", "cell-9", "checks-9", "cell-10", "training", "checks-run"]
    assert "shell escapes work" in text_of(dom, "cell-2")
    epochs = len(report["metrics"]["history"]["accuracy"])
    training = text_of(dom, "training")
    assert re.findall(r"Epoch (\d+)/10", training) == [str(epoch) for epoch in range(1, epochs + 1)]
    assert "Reached 88% accuracy so cancelling training!" in training
    assert all("✔ 20 / 20" in text_of(dom, f"checks-{cell}") for cell in (5, 7, 9))
    assert "✔ 30 / 30" in text_of(dom, "checks-run") and "✔ 10 / 10" in text_of(dom, "checks-run")


@pytest.mark.slow
def test_a_failing_notebook_shows_what_it_printed_and_its_failed_verdicts_after_their_cells(tmp_path, assignment):
    book = nbformat.read(FAST, as_version=4)
    book.cells[1].source += f"\nprint({HOSTILE!r})\nprint('\\x1b[31mred\\x1b[0m and plain')"
    hostile = tmp_path / "fast_hostile.ipynb"
    nbformat.write(book, hostile)
    report, dom = graded_page(tmp_path, hostile, assignment)
    assert report["status"] == "graded" and report["score"] < 100
    assert cell_order(dom) == ["header", "cell-2", "cell-5", "checks-5", "cell-7", "checks-7", "cell-9", "checks-9", "training", "checks-run"]
    assert HOSTILE in text_of(dom, "cell-2") and "red and plain" in text_of(dom, "cell-2") and title(dom) != "pwned"
    epoch = re.search(r"188/188 - \d+s - \d+ms/step - accuracy: 0\.\d+ - loss: \d\.\d+", text_of(dom, "training"))
    assert epoch and epoch.group() in report["output"] and HOSTILE in report["output"]  # the run's own output is unchanged
    passed = {check["id"]: check["passed"] for check in report["checks"]}
    assert ("✔" if passed["stopped_by_callback"] else "✘") + " " in text_of(dom, "checks-9") and not passed["stopped_by_callback"]
    assert ("✔ 20 / 20" in text_of(dom, "checks-7")) == passed["callback"]


def test_a_module_gets_a_one_cell_page(tmp_path, assignment):
    module = tmp_path / "answer.py"
    shutil.copy(ROOT / "assignments" / "fashion_mnist_callback" / "examples" / "passes_as_module" / "submission.py", module)
    loaded = load(module)
    found = observations.parse(
        {
            "schema": 2,
            "phases": ["started", "execution", "names"],
            "names": {"model": "create_and_compile_model", "callback": "EarlyStoppingCallback", "training": "train_fashion_mnist"},
        }
    )
    (tmp_path / "cells.json").write_text(
        json.dumps(
            {
                "cells": [{"index": 0}],
                "training": {"stdout": {"head": "Epoch 1/10\n", "tail": "", "omitted": 0}},
                "defined": {"create_and_compile_model": 0, "EarlyStoppingCallback": 0, "train_fashion_mnist": 0},
            }
        )
    )
    report = dataclasses.replace(Report.from_json(stored("passes_as_module")), notebook=cells.ran(loaded, found, cells.read(tmp_path)))
    book = feedback.notebook(report, assignment, "pia")
    assert [cell.id for cell in book.cells] == ["header", "cell-1", "checks-1", "training", "checks-run"]
    assert book.cells[1].metadata["grader"]["prompt"] == "module" and book.cells[3].outputs[0].text == "Epoch 1/10\n"
    assert book.cells[2].source.count("- ✔") == 3 and book.cells[4].source.count("- ✔") == 2


def test_the_exporter_is_built_beforehand_in_a_thread_of_the_lowest_priority_and_pages_are_the_same(tmp_path, assignment, monkeypatch):
    report = hostile_report(tmp_path)
    page = feedback.render(report, assignment, "ann")
    monkeypatch.setattr(feedback, "_BUILT", [])
    monkeypatch.setattr(feedback, "BACKGROUND", (0.0, 19))
    priorities: list[tuple[int, int]] = []
    monkeypatch.setattr(feedback.os, "setpriority", lambda which, who, value: priorities.append((who, value)))
    feedback.prepare()
    builder = next(thread for thread in threading.enumerate() if thread.name == "feedback-exporter")
    builder.join(timeout=120)
    assert not builder.is_alive() and len(feedback._BUILT) == 1
    assert priorities == [(builder.native_id, 19)]  # that thread alone, not the grader's own
    built = feedback._BUILT[0]
    assert feedback.render(report, assignment, "ann") == page and feedback._BUILT == [built]  # the page uses it, unchanged
