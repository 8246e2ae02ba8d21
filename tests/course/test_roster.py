"""Roster import: LMS column names, one row per id, written as the course's roster.csv."""

from __future__ import annotations

import pytest

from grader.course.config import CourseError
from grader.course.roster import import_roster, read_roster


def test_a_canvas_export_imports_by_sis_user_id_with_the_student_column_as_the_name(tmp_path):
    source = tmp_path / "canvas.csv"
    source.write_text(
        '\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Email\n"Lovelace, Ada",1201,ana,ana.l,A,ana@example.org\nBo,1202,bo,bo,B,bo@example.org\n'
    )
    students = import_roster(source, tmp_path / "roster.csv")
    assert [(s.id, s.name, s.email, s.section) for s in students] == [("ana", "Lovelace, Ada", "ana@example.org", "A"), ("bo", "Bo", "bo@example.org", "B")]
    assert read_roster(tmp_path / "roster.csv") == students


def test_a_repeated_id_names_its_row(tmp_path):
    source = tmp_path / "roster.csv"
    source.write_text("id,name,email\nana,Ana,a@x\nana,Ana again,b@x\n")
    with pytest.raises(CourseError, match=r"\[roster row 3\] repeats the id 'ana'"):
        read_roster(source)
