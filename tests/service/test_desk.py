"""The hand-in desk: every refusal says why and what to do; a late hand-in is accepted and flagged or refused, as the policy says."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from grader import course as courses
from grader.service.access import Identity
from grader.service.desk import Desk, Limits, Refusal, file_name_of
from grader.service.place import Place

from servicecourse import ASSIGNMENT, FAST, make_course

ALICE, BOB, PROF = Identity("alice", "student"), Identity("bob", "student"), Identity("prof", "instructor")
DUE = datetime(2030, 6, 1, 12, 0, tzinfo=timezone.utc)
NOTEBOOK = FAST.read_bytes()


DEFAULT_LIMITS = Limits()


def desk(tmp_path, limits: Limits = DEFAULT_LIMITS, late: str = "") -> Desk:
    folder = make_course(tmp_path / "course", due="2030-06-01T12:00:00Z", late=late)
    place = Place(courses.load(folder))
    place.prepare()
    return Desk(place, limits)


def test_a_hand_in_is_stored_by_content_and_queued(tmp_path):
    found = desk(tmp_path).hand_in(ALICE, ASSIGNMENT, "My Work (1).ipynb", NOTEBOOK, DUE - timedelta(days=1))
    assert (found.student, found.state, found.file_name, found.size, found.lateness.state) == ("alice", "queued", "My_Work_1.ipynb", len(NOTEBOOK), "on_time")
    stored = tmp_path / "course" / "service" / "uploads" / found.content_hash
    assert stored.read_bytes() == NOTEBOOK


@pytest.mark.parametrize(
    "given, expected",
    [
        ("a.ipynb", "a.ipynb"),
        ("../../etc/x.py", "x.py"),
        ("C:\\Users\\a\\b.PY", "b.py"),
        ("..ipynb", "submission.ipynb"),
        ("work.pdf", None),
        ("notebook", None),
    ],
)
def test_file_names_are_made_safe(given, expected):
    assert file_name_of(given) == expected


def test_refusals_say_why(tmp_path):
    front = desk(tmp_path, Limits(max_bytes=1000))
    early = DUE - timedelta(days=1)
    cases = {
        "other assignment": (front.hand_in(ALICE, "nope", "a.ipynb", b"{}", early), 404, "no assignment 'nope'"),
        "not a notebook": (front.hand_in(ALICE, ASSIGNMENT, "a.pdf", b"%PDF", early), 415, "'.pdf'"),
        "too large": (front.hand_in(ALICE, ASSIGNMENT, "a.ipynb", b"x" * 1001, early), 413, "more than the 1,000"),
        "instructor": (front.hand_in(PROF, ASSIGNMENT, "a.ipynb", b"{}", early), 403, "Instructors do not hand in"),
    }
    for name, (refusal, status, words) in cases.items():
        assert isinstance(refusal, Refusal), name
        assert refusal.http_status == status and words in refusal.message, (name, refusal)


def test_an_assignment_not_open_yet_refuses(tmp_path):
    folder = make_course(tmp_path / "course", opens="2030-05-01T00:00:00Z", due="2030-06-01T12:00:00Z")
    place = Place(courses.load(folder))
    place.prepare()
    refusal = Desk(place, Limits()).hand_in(ALICE, ASSIGNMENT, "a.ipynb", b"{}", datetime(2030, 4, 1, tzinfo=timezone.utc))
    assert refusal.http_status == 403 and "opens for hand-ins at 2030-05-01 00:00 UTC" in refusal.message


def test_a_late_hand_in_is_accepted_and_flagged_under_the_penalty_policy(tmp_path):
    front = desk(tmp_path, late='[late]\npolicy = "penalty"\npercent_per_day = 10\nmax_days = 3')
    found = front.hand_in(ALICE, ASSIGNMENT, "a.ipynb", NOTEBOOK, DUE + timedelta(hours=30))
    assert (found.lateness.state, found.lateness.penalty_percent, round(found.lateness.hours_late)) == ("late", 20.0, 30)
    too_late = front.hand_in(BOB, ASSIGNMENT, "a.ipynb", NOTEBOOK, DUE + timedelta(days=4))
    assert too_late.http_status == 403 and "up to 3 days late" in too_late.message


def test_a_late_hand_in_is_refused_under_the_refuse_policy(tmp_path):
    refusal = desk(tmp_path, late='[late]\npolicy = "refuse"').hand_in(ALICE, ASSIGNMENT, "a.ipynb", NOTEBOOK, DUE + timedelta(minutes=5))
    assert refusal.http_status == 403 and "does not accept late hand-ins" in refusal.message


def test_a_student_may_have_only_so_many_waiting(tmp_path):
    front = desk(tmp_path, Limits(waiting=2))
    early = DUE - timedelta(days=1)
    assert front.hand_in(ALICE, ASSIGNMENT, "a.ipynb", b"1", early).state == "queued"
    assert front.hand_in(ALICE, ASSIGNMENT, "a.ipynb", b"2", early).state == "queued"
    refusal = front.hand_in(ALICE, ASSIGNMENT, "a.ipynb", b"3", early)
    assert refusal.http_status == 429 and "already have 2 hand-ins waiting" in refusal.message
    assert front.hand_in(BOB, ASSIGNMENT, "a.ipynb", b"1", early).state == "queued"  # one student's limit is not another's


def test_a_student_may_hand_in_only_so_often_an_hour(tmp_path):
    front = desk(tmp_path, Limits(per_hour=2, waiting=10))
    early = DUE - timedelta(days=1)
    front.hand_in(ALICE, ASSIGNMENT, "a.ipynb", b"1", early)
    front.hand_in(ALICE, ASSIGNMENT, "a.ipynb", b"2", early)
    refusal = front.hand_in(ALICE, ASSIGNMENT, "a.ipynb", b"3", early)
    assert refusal.http_status == 429 and "2 times in the last hour" in refusal.message


def test_a_regrade_queues_each_students_latest_again(tmp_path):
    front = desk(tmp_path)
    early = DUE - timedelta(days=1)
    front.hand_in(ALICE, ASSIGNMENT, "a.ipynb", b"1", early)
    latest = front.hand_in(ALICE, ASSIGNMENT, "b.ipynb", b"2", early)
    front.hand_in(BOB, ASSIGNMENT, "c.ipynb", b"3", early)
    assert front.regrade(ASSIGNMENT, "alice") == 1
    assert front.regrade(ASSIGNMENT) == 2
    regrades = [h for h in front.waiting() if h.origin == "regrade"]
    assert [(h.student, h.content_hash) for h in regrades][:1] == [("alice", latest.content_hash)]
    assert [h.student for h in regrades] == ["alice", "alice", "bob"]


def test_queue_positions_follow_hand_in_order(tmp_path):
    front = desk(tmp_path)
    early = DUE - timedelta(days=1)
    first = front.hand_in(ALICE, ASSIGNMENT, "a.ipynb", b"1", early)
    second = front.hand_in(BOB, ASSIGNMENT, "a.ipynb", b"2", early)
    assert (front.position(first), front.position(second)) == (1, 2)
    rows = {row.student: row for row in front.class_rows(ASSIGNMENT)}
    assert (rows["alice"].handins, rows["alice"].latest.id, rows["alice"].best) == (1, first.id, None)
