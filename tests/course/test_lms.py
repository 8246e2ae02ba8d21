"""Canvas and Moodle CSV, read the way their importers read them, against samples of their own exports' layout.

samples/canvas_gradebook_export.csv: Canvas's gradebook export (Grades → Export): Student, ID, SIS User ID,
SIS Login ID, Section, then one "name (assignment id)" column per assignment, and a Points Possible row.
samples/moodle_grades_export.csv: Moodle's plain-text grade export: identity columns (ID number, Email
address), then "Assignment: name (Real)" and "(Feedback)" columns.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from grader.batch.gradebook import FILE, Gradebook
from grader.course import config
from grader.course.book import course_rows
from grader.course.lms import canvas_csv, export_course, moodle_csv

from classroom import entry, stored
from classroom import record as grade

SAMPLES = Path(__file__).parent / "samples"
TOML = """
[course]
title = "Week"
[export]
missing = "{missing}"
canvas_id_column = "{column}"
[[assignments]]
name = "fashion_mnist_callback"
due = 2026-11-09T23:59:00Z
canvas_id = 48213
"""


def course_with(tmp_path: Path, missing: str = "empty", column: str = "SIS User ID"):
    (tmp_path / "course.toml").write_text(TOML.format(missing=missing, column=column))
    (tmp_path / "roster.csv").write_text('id,name,email,section\nana,"Lovelace, Ada",ana@example.org,A\nbo,=Bo,bo@example.org,B\ncy,Cy,cy@example.org,\n')
    batch = tmp_path / "grades" / "fashion_mnist_callback"
    batch.mkdir(parents=True)
    with Gradebook(batch / FILE) as book:
        book.claim("fashion_mnist_callback")
        ids = book.register(
            [entry("ana"), entry("bo"), entry("zed")],
            {"ana": "2026-11-09T20:00:00+00:00", "bo": "2026-11-10T12:00:00+00:00", "zed": "2026-11-09T10:00:00+00:00"},
        )
        grade(book, ids["ana"], stored("stops_at_epoch_limit"))  # 60
        grade(book, ids["bo"], stored("stops_at_epoch_limit"))  # 60, 12 h late: -10 %
        grade(book, ids["zed"], stored("passes_as_module"))  # not on the roster
        book.adjust("ana", "callback", 5, "partial credit, see comment", "ta")
    return config.load(tmp_path)


def read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_canvas_follows_its_export_layout_and_holds_final_points(tmp_path):
    course = course_with(tmp_path)
    ours, sample = read(canvas_csv(course, course_rows(course))), read((SAMPLES / "canvas_gradebook_export.csv").read_text())
    assert ours[0][:5] == sample[0][:5] and ours[0][5] == sample[0][6]  # the same identity columns; "name (id)"
    assert ours[1][0] == sample[1][0] and ours[1][5] == sample[1][6] == "100"  # the Points Possible row, as Canvas writes it
    students = {row[2]: row for row in ours[2:]}  # keyed by SIS User ID, as Canvas matches them
    assert set(students) == {"ana", "bo", "cy"}  # zed is not on the roster
    assert (students["ana"][0], students["ana"][5]) == ("Lovelace, Ada", "65")
    assert (students["bo"][0], students["bo"][5], students["cy"][5]) == ("'=Bo", "54", "")


@pytest.mark.parametrize("column", ["ID", "SIS Login ID"])
def test_the_roster_id_goes_where_the_course_says(tmp_path, column):
    course = course_with(tmp_path, column=column)
    ours = read(canvas_csv(course, course_rows(course)))
    assert [row[ours[0].index(column)] for row in ours[2:]] == ["ana", "bo", "cy"]


def test_moodle_follows_its_export_layout_with_feedback_and_missing_as_zero(tmp_path):
    course = course_with(tmp_path, missing="zero")
    ours = list(csv.DictReader(io.StringIO(moodle_csv(course, course_rows(course)))))
    sample = next(csv.DictReader((SAMPLES / "moodle_grades_export.csv").open()))
    grade_column, feedback_column = "Assignment: fashion_mnist_callback (Real)", "Assignment: fashion_mnist_callback (Feedback)"
    assert {"ID number", "Email address", grade_column, feedback_column} <= set(sample) & set(ours[0])
    by_id = {row["ID number"]: row for row in ours}
    assert {key: float(row[grade_column]) for key, row in by_id.items()} == {"ana": 65.0, "bo": 54.0, "cy": 0.0}
    assert by_id["bo"][feedback_column] == "Handed in 12.0 h late: minus 10% of the points."
    assert by_id["ana"][feedback_column].startswith("callback: +5 by ta at ") and by_id["cy"][feedback_column] == "Not handed in."
    assert "Last downloaded from this course" not in ours[0]  # Moodle would check its date against its own grading times


def test_a_course_export_writes_each_assignment_and_both_lms_files(tmp_path):
    exported = export_course(course_with(tmp_path))
    names = sorted(str(path.relative_to(exported.folder)) for path in exported.paths())
    assert names == [
        "canvas.csv",
        "fashion_mnist_callback/gradebook.csv",
        "fashion_mnist_callback/gradescope",
        "fashion_mnist_callback/junit.xml",
        "moodle.csv",
    ]
    rows = {row["student"]: row for row in csv.DictReader((exported.folder / "fashion_mnist_callback" / "gradebook.csv").open(newline=""))}
    assert (rows["cy"]["status"], rows["zed"]["rostered"], rows["bo"]["name"], rows["bo"]["final"]) == ("missing", "false", "'=Bo", "54")
