"""Hand-in times: the LMS manifest overrides; else the entry's own mtime, never a file inside it."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

from grader.course.config import CourseError
from grader.course.handins import hand_in_times, manifest_path, parse_time, read_manifest


def test_times_parse_as_canvas_moodle_and_nbgrader_write_them():
    assert parse_time("2026-11-10T01:59:00Z") == datetime(2026, 11, 10, 1, 59, tzinfo=timezone.utc)
    assert parse_time("2026-11-10 02:59:00+01:00") == datetime(2026, 11, 10, 1, 59, tzinfo=timezone.utc)
    assert parse_time("Tuesday, 10 November 2026, 1:59 AM") == datetime(2026, 11, 10, 1, 59, tzinfo=timezone.utc)
    assert parse_time("2026-11-10 01:59:00.123456 UTC") == datetime(2026, 11, 10, 1, 59, 0, 123456, tzinfo=timezone.utc)
    assert parse_time("-") is None and parse_time("soon") is None


def test_the_manifest_wins_over_the_mtime_and_a_file_inside_does_not_count(tmp_path):
    folder = tmp_path / "handins" / "week2"
    (folder / "ana").mkdir(parents=True)
    (folder / "bo.ipynb").write_text("{}")
    (folder / "ana" / "work.ipynb").write_text("{}")
    os.utime(folder / "ana" / "work.ipynb", (0, 0))  # a student's archive could set this: it is not read
    os.utime(folder / "ana", (1_790_000_000, 1_790_000_000))
    os.utime(folder / "bo.ipynb", (1_790_000_000, 1_790_000_000))
    manifest_path(folder).write_text('SIS User ID,Last modified (submission)\nbo,"Tuesday, 10 November 2026, 1:59 AM"\n')
    entries = [SimpleNamespace(student="ana", source=folder / "ana"), SimpleNamespace(student="bo", source=folder / "bo.ipynb")]
    assert hand_in_times(folder, entries) == {"ana": "2026-09-21T14:13:20+00:00", "bo": "2026-11-10T01:59:00+00:00"}
    assert manifest_path(folder) == tmp_path / "handins" / "week2.submitted_at.csv"


def test_a_bad_manifest_says_which_row(tmp_path):
    path = tmp_path / "week2.submitted_at.csv"
    path.write_text("student,submitted_at\nana,yesterday\n")
    with pytest.raises(CourseError, match=r"\[row 2\] has the time 'yesterday'"):
        read_manifest(path)
    path.write_text("who,when\n")
    with pytest.raises(CourseError, match="no student and time columns"):
        read_manifest(path)


def test_a_manifest_that_is_a_link_is_refused(tmp_path):
    (tmp_path / "real.csv").write_text("student,submitted_at\nana,2026-11-10T01:59:00Z\n")
    (tmp_path / "week2.submitted_at.csv").symlink_to(tmp_path / "real.csv")
    with pytest.raises(Exception, match="symbolic link"):
        read_manifest(Path(tmp_path / "week2.submitted_at.csv"))
