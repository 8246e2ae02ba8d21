"""A course week end to end: roster, batch with --course, adjust, regrade, similarity, every export.

12 rostered students and one who is not: 2 missing, 1 late within the penalty window, 1 too late,
1 manual adjustment that survives a regrade, 1 near-copy pair (see tests/course_week.py).
"""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ElementTree

import pytest
from course_week import ASSIGNMENT, FINAL, write_course

from grader import cli

from chromium import by_id, dump_dom, having

pytestmark = pytest.mark.slow  # grades 11 real submissions twice in the sandbox (no training): about a minute


def run(*arguments: str) -> int:
    return cli.main([*arguments])


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    course = write_course(tmp_path_factory.mktemp("week") / "course")
    assert run("roster", "import", str(course / "lms_roster.csv"), "--course", str(course)) == cli.EXIT_OK
    assert run("batch", "--course", str(course), "-a", ASSIGNMENT, "--jobs", "2", "--progress", "lines") == cli.EXIT_OK
    assert (
        run(
            "adjust",
            "ana",
            ASSIGNMENT,
            "--check",
            "accuracy",
            "--points",
            "10",
            "--comment",
            "=SUM(A1) model saved by hand",
            "--course",
            str(course),
            "--by",
            "ta-lin",
        )
        == cli.EXIT_OK
    )
    assert run("batch", "--course", str(course), "-a", ASSIGNMENT, "--jobs", "2", "--progress", "lines", "--regrade") == cli.EXIT_OK
    batch = course / "grades" / ASSIGNMENT
    assert run("similarity", str(batch), "--course", str(course)) == cli.EXIT_OK
    assert run("export", "--course", str(course)) == cli.EXIT_OK
    return course


def rows_of(path) -> list[dict]:
    return list(csv.DictReader(path.open(encoding="utf-8")))


def test_the_gradebook_csv_has_every_rostered_student_and_flags_the_stranger(week):
    rows = {row["student"]: row for row in rows_of(week / "grades" / "export" / ASSIGNMENT / "gradebook.csv")}
    assert sorted(rows) == sorted([*FINAL, "zed"])
    assert {student: (float(row["final"]) if row["final"] else None) for student, row in rows.items() if student != "zed"} == FINAL
    assert [s for s, row in rows.items() if row["status"] == "missing"] == ["dan", "eli"]
    assert (rows["fay"]["handin"], rows["fay"]["hours_late"], rows["fay"]["penalty_percent"], rows["fay"]["score"]) == ("late", "26", "20", "40")
    assert (rows["gil"]["handin"], rows["gil"]["score"], rows["gil"]["final"]) == ("refused", "40", "0")
    assert (rows["zed"]["rostered"], rows["zed"]["status"], rows["ana"]["rostered"]) == ("false", "error", "true")
    ana = rows["ana"]
    assert (ana["score"], ana["accuracy"], ana["adjustment"], ana["needs_review"], ana["attempts"]) == ("40", "0", "10", "false", "2")
    assert ana["adjustments"].startswith("accuracy: +10 by ta-lin at ") and ana["adjustments"].endswith(": =SUM(A1) model saved by hand")


def test_canvas_and_moodle_get_final_points_by_roster_id(week):
    canvas = list(csv.reader((week / "grades" / "export" / "canvas.csv").open()))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"{ASSIGNMENT} (48213)"]
    assert canvas[1] == ["    Points Possible", "", "", "", "", "100"]
    assert {row[2]: row[5] for row in canvas[2:]} == {s: "" if f is None else f"{f:g}" for s, f in FINAL.items()}
    moodle = rows_of(week / "grades" / "export" / "moodle.csv")
    assert [row["ID number"] for row in moodle] == sorted(FINAL)  # zed is not on the roster: not in the LMS files
    grades = {row["ID number"]: row[f"Assignment: {ASSIGNMENT} (Real)"] for row in moodle}
    assert grades == {s: "" if f is None else f"{f:g}" for s, f in FINAL.items()}
    feedback = {row["ID number"]: row[f"Assignment: {ASSIGNMENT} (Feedback)"] for row in moodle}
    assert feedback["fay"] == "Handed in 26.0 h late: minus 20% of the points."
    assert feedback["dan"] == "Not handed in."
    assert "accuracy: +10 by ta-lin" in feedback["ana"] and "=SUM(A1)" in feedback["ana"]


def test_gradescope_and_junit_carry_the_adjustment(week):
    results = json.loads((week / "grades" / "export" / ASSIGNMENT / "gradescope" / "ana" / "results.json").read_text())
    assert results["score"] == 50 and results["extra_data"]["automatic_score"] == 40
    accuracy = next(test for test in results["tests"] if test["tags"] == ["accuracy"])
    assert accuracy["score"] == 10 and "Adjusted: accuracy: +10 by ta-lin" in accuracy["output"]
    assert json.loads((week / "grades" / "export" / ASSIGNMENT / "gradescope" / "fay" / "results.json").read_text())["score"] == 32
    root = ElementTree.parse(week / "grades" / "export" / ASSIGNMENT / "junit.xml").getroot()
    ana = next(suite for suite in root if suite.get("name") == "ana")
    assert "Adjusted: accuracy: +10" in next(case for case in ana if case.get("name") == "accuracy").find("system-out").text
    assert sorted(suite.get("name") for suite in root) == sorted(s for s in [*FINAL, "zed"] if FINAL.get(s, 0) is not None)


def test_similarity_ranks_the_near_copy_first_and_never_shows_starter_code(week):
    dom = dump_dom(week / "grades" / ASSIGNMENT / "similarity.html")
    pairs = [(element.attrs["data-first"], element.attrs["data-second"]) for element in having(dom, "data-rank")]
    assert pairs[0] == ("bo", "cy")
    assert ("jo", "kim") not in pairs and all("jo" not in pair and "kim" not in pair for pair in pairs)
    first = by_id(dom, "pair-1")
    assert float(first.attrs["data-score"]) > 0.9
    marked = [element for element in having(dom, "data-line") if "match" in element.attrs.get("class", "")]
    assert len(marked) > 20  # the matching lines of both sides are highlighted


def test_the_summary_counts_the_week_and_shows_the_similarity_figure(week):
    dom = dump_dom(week / "grades" / ASSIGNMENT / "summary.html")
    values = {element.attrs["data-key"]: element.attrs["data-value"] for element in having(dom, "data-key")}
    assert (values["students"], values["missing"], values["late"], values["refused"], values["not_rostered"]) == ("13", "2", "1", "1", "1")
    assert by_id(dom, "similarity") is not None
    top = having(dom, "data-pair")[0]
    assert top.attrs["data-pair"] == "bo|cy"
    rows = {element.attrs["data-student"]: element for element in having(dom, "data-handin")}
    assert rows["dan"].attrs["data-status"] == "missing" and rows["ana"].attrs["data-final"] == "50.0"


def test_the_students_report_shows_the_adjustment_and_the_penalty(week):
    ana = dump_dom(week / "grades" / ASSIGNMENT / "reports" / "ana" / "report.html")
    (adjustment,) = [element for element in having(ana, "data-needs-review")]
    assert (adjustment.attrs["data-check"], adjustment.attrs["data-points"], adjustment.attrs["data-needs-review"]) == ("accuracy", "10.0", "false")
    assert by_id(ana, "final").attrs["data-final"] == "50.0"
    fay = dump_dom(week / "grades" / ASSIGNMENT / "reports" / "fay" / "report.html")
    assert by_id(fay, "handin-note").text == "Handed in 26.0 h late: minus 20% of the points."
    assert "Final points: **50 / 100**" in (week / "grades" / ASSIGNMENT / "reports" / "ana" / "report.md").read_text()
