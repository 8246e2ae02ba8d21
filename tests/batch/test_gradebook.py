"""The gradebook records every attempt, and a student's current result is their latest finished one."""

from __future__ import annotations

import sqlite3

import pytest

from grader.batch.gradebook import FILE, Gradebook
from grader.errors import GraderError

from classroom import entry, stored
from classroom import record as grade


@pytest.fixture
def book(tmp_path):
    with Gradebook(tmp_path / FILE) as opened:
        opened.claim("fashion_mnist_callback")
        yield opened


def test_a_finished_attempt_is_the_students_row_with_every_check(book):
    ids = book.register([entry("pia"), entry("ben")])
    grade(book, ids["pia"], stored("passes_as_module"))
    ben, pia = book.rows()
    assert (ben.student, ben.status, ben.score, ben.report) == ("ben", "pending", None, None)
    assert (pia.student, pia.status, pia.score, pia.max_score, pia.attempts) == ("pia", "graded", 100.0, 100.0, 1)
    assert [check.id for check in pia.checks] == ["model", "callback", "stopped_by_callback", "accuracy", "reference"]
    assert all(check.passed for check in pia.checks) and pia.checks[3].score == 30.0
    assert pia.wall_seconds == 21.5 and pia.duration_seconds == 20.92 and pia.grader_version == "0.1.0"
    assert pia.report == stored("passes_as_module")


def test_results_are_committed_one_by_one_in_wal_mode(book, tmp_path):
    ids = book.register([entry("pia")])
    grade(book, ids["pia"], stored("passes_as_module"))
    with sqlite3.connect(tmp_path / FILE) as other:  # another process sees it at once
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert other.execute("SELECT count(*) FROM results").fetchone()[0] == 5
        assert other.execute("SELECT state, status, score FROM attempts").fetchall() == [("finished", "graded", 100.0)]


def test_only_a_finished_attempt_with_the_same_fingerprint_counts_as_done(book):
    ids = book.register([entry("pia")])
    assert book.last_finished(ids["pia"], "fp1") is None
    book.start(ids["pia"], "1", "fp1")  # running, then the batch is killed
    assert book.last_finished(ids["pia"], "fp1") is None
    assert book.close_interrupted() == 1
    grade(book, ids["pia"], stored("passes_as_module"))
    assert book.last_finished(ids["pia"], "fp1")["status"] == "graded"
    assert book.last_finished(ids["pia"], "fp2") is None
    (row,) = book.rows()
    assert row.attempts == 1  # finished gradings only: the interrupted one is not an attempt the student made
    states = book.db.execute("SELECT state FROM attempts ORDER BY id").fetchall()
    assert [state[0] for state in states] == ["interrupted", "finished"]


def test_a_changed_submission_replaces_the_current_result(book):
    first = book.register([entry("pia", "h1")])["pia"]
    grade(book, first, stored("stops_at_epoch_limit"))
    assert book.rows()[0].score == 60.0
    second = book.register([entry("pia", "h2")])["pia"]
    assert second != first
    assert book.rows()[0].status == "pending"
    grade(book, second, stored("passes_as_module"))
    (row,) = book.rows()
    assert (row.content_hash, row.score, row.attempts) == ("h2", 100.0, 2)
    assert book.register([entry("pia", "h1")])["pia"] == first  # handed the old file in again


def test_a_gradebook_belongs_to_one_assignment(book, tmp_path):
    with pytest.raises(GraderError, match="holds the gradebook of assignment 'fashion_mnist_callback', not 'other'"):
        book.claim("other")
    with pytest.raises(GraderError, match="holds no gradebook.sqlite"):
        Gradebook.existing(tmp_path / "elsewhere")


def test_an_adjustment_outlives_a_regrade_and_is_flagged_when_the_result_under_it_changes(book):
    ids = book.register([entry("sam", "h1")])
    grade(book, ids["sam"], stored("stops_at_epoch_limit"))  # 60: callback 0 of 20
    made = book.adjust("sam", "callback", 15, "stops at 0.88 in my own run", "ta-lin")
    assert (made.automatic, made.content_hash, made.author) == (0.0, "h1", "ta-lin")
    (row,) = book.rows()
    assert (row.score, row.adjustment, row.adjusted_score, row.needs_review) == (60.0, 15.0, 75.0, False)
    grade(book, ids["sam"], stored("stops_at_epoch_limit"))  # a regrade with the same result keeps it, unflagged
    (row,) = book.rows()
    assert (row.attempts, row.adjusted_score, row.needs_review) == (2, 75.0, False)
    grade(book, ids["sam"], stored("passes_as_module"))  # the automatic result changed: still applied, flagged
    (row,) = book.rows()
    assert (row.score, row.adjusted_score, row.needs_review) == (100.0, 100.0, True)  # 20 + 15 is kept within the check's 20
    book.adjust("sam", "callback", 0, "", "ta-lin")  # withdrawn
    assert book.rows()[0].adjustments == () and len(book.adjustment_history("sam")) == 2


def test_a_new_hand_in_flags_the_adjustment_for_review(book):
    grade(book, book.register([entry("sam", "h1")])["sam"], stored("stops_at_epoch_limit"))
    book.adjust("sam", "callback", 5, "partial credit", "ta")
    grade(book, book.register([entry("sam", "h2")])["sam"], stored("stops_at_epoch_limit"))
    (row,) = book.rows()
    assert (row.content_hash, row.adjusted_score, row.needs_review) == ("h2", 65.0, True)


def test_an_adjustment_needs_a_result_a_known_check_and_points_within_the_check(book):
    ids = book.register([entry("sam"), entry("pia")])
    grade(book, ids["sam"], stored("stops_at_epoch_limit"))
    with pytest.raises(GraderError, match="pia has no finished grading"):
        book.adjust("pia", "callback", 5, "", "ta")
    with pytest.raises(GraderError, match="no check 'nonsense'. Use one of: model, callback"):
        book.adjust("sam", "nonsense", 5, "", "ta")
    with pytest.raises(GraderError, match="Check 'model' scored 20 of 20; \\+1 would give 21. Give --points between -20 and \\+0"):
        book.adjust("sam", "model", 1, "", "ta")


def test_hand_in_times_are_recorded_and_a_later_registration_keeps_them(book):
    book.register([entry("sam")], {"sam": "2026-11-10T01:00:00+00:00"})
    book.register([entry("sam")])
    (row,) = book.rows()
    assert row.handed_in == "2026-11-10T01:00:00+00:00"


@pytest.mark.parametrize("planted", ["", "-wal", "-shm"])
def test_a_link_planted_at_the_gradebook_or_its_journal_is_refused(tmp_path, planted):
    target = tmp_path / "elsewhere.sqlite"
    target.write_bytes(b"")
    (tmp_path / f"{FILE}{planted}").symlink_to(target)
    with pytest.raises(GraderError, match="symbolic link or not a regular file"):
        Gradebook(tmp_path / FILE)
    assert target.read_bytes() == b""


def test_a_folder_at_the_journal_is_refused(tmp_path):
    (tmp_path / f"{FILE}-wal").mkdir()
    with pytest.raises(GraderError, match="not a regular file"):
        Gradebook(tmp_path / FILE)


class _SignalAfterCommit:
    """The gradebook's connection, with a signal (KeyboardInterrupt) landing just after its first COMMIT."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db, self.fired = db, False

    def execute(self, sql: str, *values):
        cursor = self.db.execute(sql, *values)
        if sql == "COMMIT" and not self.fired:
            self.fired = True
            raise KeyboardInterrupt
        return cursor

    def __getattr__(self, name: str):
        return getattr(self.db, name)


def test_a_signal_just_after_commit_keeps_the_write_and_raises_the_signal_not_a_rollback_error(book):
    book.db = _SignalAfterCommit(book.db)
    with pytest.raises(KeyboardInterrupt):
        book.register([entry("pia")])
    assert [row.student for row in book.rows()] == ["pia"]  # committed, and the connection is usable
