"""course.toml: dates, late policy, export choices; errors name the file, the key and the fix."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from grader.course import config
from grader.course.config import CourseError

BASE = """
[course]
title = "Week"
[late]
policy = "penalty"
percent_per_day = 10
max_days = 3
grace_minutes = 5
[[assignments]]
name = "fashion_mnist_callback"
opens = 2026-11-02T09:00:00Z
due = 2026-11-09T23:59:00Z
"""


def load(tmp_path, text: str):
    (tmp_path / "course.toml").write_text(text)
    return config.load(tmp_path)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def test_lateness_follows_the_policy(tmp_path):
    assignment = load(tmp_path, BASE).assignment("fashion_mnist_callback")
    assert assignment.lateness(at("2026-11-09T23:00:00")).state == "on_time"
    assert assignment.lateness(at("2026-11-10T00:03:00")).state == "on_time"  # within the grace minutes
    late = assignment.lateness(at("2026-11-11T01:59:00"))  # 26 h: two started days
    assert (late.state, late.hours_late, late.penalty_percent, late.apply(40)) == ("late", 26.0, 20.0, 32.0)
    refused = assignment.lateness(at("2026-11-14T23:59:00"))
    assert (refused.state, refused.accepted, refused.apply(40)) == ("refused", False, 0.0)
    assert assignment.lateness(at("2026-11-01T00:00:00")).state == "not_open"


def test_folders_and_export_choices_have_defaults_and_can_be_set(tmp_path):
    course = load(tmp_path, BASE)
    assert (course.handins_of("fashion_mnist_callback"), course.batch_of("fashion_mnist_callback")) == (
        tmp_path.resolve() / "handins" / "fashion_mnist_callback",
        tmp_path.resolve() / "grades" / "fashion_mnist_callback",
    )
    assert (course.missing, course.canvas_id_column, course.spec_source("fashion_mnist_callback")) == ("empty", "SIS User ID", "fashion_mnist_callback")
    changed = load(tmp_path, BASE.replace('title = "Week"', 'title = "Week"\ngrades = "marks"') + '[export]\nmissing = "zero"\n')
    assert (changed.missing, changed.batch_of("fashion_mnist_callback").parent.name) == ("zero", "marks")


@pytest.mark.parametrize(
    "extra, key",
    [
        ('[export]\nmissing = "blank"\n', "export.missing"),
        ('[export]\ncanvas_id_column = "Email"\n', "export.canvas_id_column"),
        ("canvas_id = -3\n", "assignments[0].canvas_id"),
    ],
)
def test_a_wrong_value_names_its_key(tmp_path, extra, key):
    with pytest.raises(CourseError, match=rf"\[{key.replace('[', '.').replace(']', '.')}\]"):
        load(tmp_path, BASE + extra)


def test_an_unknown_assignment_lists_the_known_ones(tmp_path):
    with pytest.raises(CourseError, match="has no assignment named 'week9'.*fashion_mnist_callback"):
        load(tmp_path, BASE).assignment("week9")
