"""Exports read the gradebook: gradebook.csv, Gradescope results.json per submission, JUnit XML."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from grader import cli
from grader.batch.export import export
from grader.batch.gradebook import FILE, Gradebook
from grader.errors import GraderError

from classroom import entry, stored
from classroom import record as grade


@pytest.fixture
def batch(tmp_path) -> Path:
    crashed = {**stored("raises_in_cell"), "status": "crashed", "message": "died \x1b[31mred\x1b[0m\nLast output: <boom>"}
    with Gradebook(tmp_path / FILE) as book:
        book.claim("fashion_mnist_callback")
        ids = book.register([entry("pia"), entry("sam"), entry("ben"), entry("cy"), entry("dot")])
        grade(book, ids["pia"], stored("passes_as_module"))
        grade(book, ids["sam"], stored("stops_at_epoch_limit"))
        grade(book, ids["ben"], stored("raises_in_cell"))
        grade(book, ids["cy"], crashed)
    return tmp_path


def test_the_csv_has_one_row_per_student_with_points_per_check(batch):
    exported = export(batch)
    rows = list(csv.DictReader((exported.folder / "gradebook.csv").open()))
    assert [row["student"] for row in rows] == ["ben", "cy", "dot", "pia", "sam"]
    sam = rows[-1]
    assert (sam["status"], sam["score"], sam["max_score"], sam["percent"]) == ("graded", "60", "100", "60")
    assert [sam[check] for check in ("model", "callback", "stopped_by_callback", "accuracy", "reference")] == ["20", "0", "0", "30", "10"]
    assert (sam["attempts"], sam["assignment_version"], sam["grader_version"]) == ("1", "1", "0.1.0")
    assert rows[0]["message"].startswith("raises_in_cell.ipynb: your code raised NameError")
    assert (rows[2]["status"], rows[2]["score"], rows[2]["model"]) == ("pending", "", "")


def test_gradescope_results_follow_the_spec_and_add_up(batch):
    exported = export(batch)
    assert sorted(path.parent.name for path in exported.results) == ["ben", "cy", "pia", "sam"]
    results = json.loads((exported.folder / "gradescope" / "sam" / "results.json").read_text())
    assert results["score"] == 60.0 == sum(test["score"] for test in results["tests"])
    assert results["execution_time"] == 46.86 and results["stdout_visibility"] == "hidden"
    assert [(t["number"], t["status"], t["max_score"]) for t in results["tests"]] == [
        ("1", "passed", 20.0),
        ("2", "failed", 20.0),
        ("3", "failed", 20.0),
        ("4", "passed", 30.0),
        ("5", "passed", 10.0),
    ]
    assert "Training ran all 10 of 10 epochs" in results["tests"][2]["output"]
    assert results["extra_data"]["status"] == "graded"
    crashed = json.loads((exported.folder / "gradescope" / "cy" / "results.json").read_text())
    assert crashed["output"].startswith("died red\nLast output: <boom>")  # colour codes dropped, the words kept


def test_junit_has_a_suite_per_student_and_an_error_per_check_when_grading_stopped(batch):
    exported = export(batch)
    root = ElementTree.parse(exported.folder / "junit.xml").getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("20", "2", "10")
    suites = {suite.get("name"): suite for suite in root}
    assert list(suites) == ["ben", "cy", "pia", "sam"]
    sam = suites["sam"]
    failed = [case.get("name") for case in sam.iter("testcase") if case.find("failure") is not None]
    assert failed == ["callback", "stopped_by_callback"] and sam.get("time") == "46.86"
    errors = [case.find("error") for case in suites["cy"].iter("testcase")]
    assert {error.get("type") for error in errors} == {"crashed"}
    assert errors[0].get("message") == "died \ufffd[31mred\ufffd[0m" and "<boom>" in errors[0].text


def test_grader_export_writes_all_three(batch, tmp_path, capsys):
    assert cli.main(["export", str(batch), "--to", str(tmp_path / "elsewhere")]) == cli.EXIT_OK
    assert capsys.readouterr().out.startswith(f"Wrote {tmp_path / 'elsewhere' / 'gradebook.csv'}")
    assert (tmp_path / "elsewhere" / "junit.xml").is_file()
    assert cli.main(["export", str(tmp_path / "nothing")]) == cli.EXIT_USAGE


HOSTILE = {"=cmd": '=HYPERLINK("http://x")', "+1": "+2+3", "-2": "-SUM(A1)", "@me": "@SUM(1)", "tab": "\tleading tab", "cr": "\rleading return"}


def test_csv_cells_that_would_start_a_formula_are_neutralised(tmp_path):
    with Gradebook(tmp_path / FILE) as book:
        book.claim("fashion_mnist_callback")
        for student, message in HOSTILE.items():
            ids = book.register([entry(student, file_name=f"{message[:3]}.ipynb")])
            grade(book, ids[student], {**stored("raises_in_cell"), "message": message})
        book.adjust("-2", "model", 0, "=1+1 gave it back", "@ta")
    rows = list(csv.DictReader((export(tmp_path).folder / "gradebook.csv").open(newline="")))
    assert [row["student"] for row in rows] == sorted(f"'{s}" if s[0] in "=+-@" else s for s in HOSTILE)
    for row in rows:
        for column, value in row.items():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (column, value)
    by_id = {row["student"].lstrip("'"): row for row in rows}
    assert by_id["=cmd"]["message"] == '\'=HYPERLINK("http://x")' and by_id["=cmd"]["file"] == "'=HY.ipynb"
    assert by_id["tab"]["file"] == "\ufffdle.ipynb" and by_id["cr"]["file"] == "\ufffdle.ipynb"  # intake shows control characters as U+FFFD
    assert by_id["-2"]["adjustments"].startswith("model: +0 by @ta") and by_id["-2"]["adjustments"].endswith("=1+1 gave it back")
    assert by_id["+1"]["score"] == "0"  # numbers stay numbers


def test_exports_replace_a_planted_link_and_never_write_through_it(batch, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (batch / "export").mkdir()
    (batch / "export" / "gradebook.csv").symlink_to(victim)
    exported = export(batch)
    assert victim.read_text() == "keep me" and not (exported.folder / "gradebook.csv").is_symlink()
    (tmp_path / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(GraderError, match="symbolic link"):
        export(batch, tmp_path / "linked")
    assert list((tmp_path / "elsewhere").iterdir()) == []
