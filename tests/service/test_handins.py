"""The hand-in queue in the gradebook: a server stopped at any step and started again loses nothing and grades nothing twice."""

from __future__ import annotations

from grader.course import Lateness
from grader.service import handins
from grader.service.grading import Upload

ON_TIME = Lateness("on_time", 0.0, 0.0)


def book(tmp_path):
    return handins.open_book(tmp_path / "gradebook.sqlite", "fashion_mnist_callback")


def report(score: float) -> dict:
    return {
        "status": "graded",
        "score": score,
        "max_score": 100.0,
        "message": "",
        "duration_seconds": 1.0,
        "grader_version": "0",
        "checks": [{"id": "model", "title": "Model", "passed": True, "score": score, "max_score": 100.0, "message": "ok"}],
    }


def dispatched(gradebook, number: int, student: str = "alice", digest: str = "h1") -> int:
    submission = gradebook.register([Upload(student, "upload", "work.ipynb", digest)])[student]
    attempt = gradebook.start(submission, "1", "fp")
    handins.start(gradebook, number, submission, attempt)
    return attempt


def test_a_hand_in_goes_queued_running_done(tmp_path):
    with book(tmp_path) as gradebook:
        number = handins.add(gradebook, "alice", "work.ipynb", "h1", 10, ON_TIME)
        assert handins.get(gradebook, "fashion_mnist_callback", number).state == "queued"
        attempt = dispatched(gradebook, number)
        assert handins.get(gradebook, "fashion_mnist_callback", number).state == "running"
        gradebook.finish(attempt, report(40.0), 1.0, "host", "fp")
        handins.finish(gradebook, number, attempt)
        done = handins.get(gradebook, "fashion_mnist_callback", number)
    assert (done.state, done.result.status, done.result.score, done.adjusted_score) == ("done", "graded", 40.0, 40.0)


def test_recovery_requeues_running_hand_ins_and_interrupts_their_attempts(tmp_path):
    with book(tmp_path) as gradebook:
        number = handins.add(gradebook, "alice", "work.ipynb", "h1", 10, ON_TIME)
        attempt = dispatched(gradebook, number)
        assert handins.recover(gradebook) == (0, 1)
        assert handins.get(gradebook, "fashion_mnist_callback", number).state == "queued"
        state = gradebook.db.execute("SELECT state FROM attempts WHERE id = ?", (attempt,)).fetchone()[0]
    assert state == "interrupted"


def test_recovery_keeps_a_grading_recorded_just_before_the_stop(tmp_path):
    with book(tmp_path) as gradebook:
        number = handins.add(gradebook, "alice", "work.ipynb", "h1", 10, ON_TIME)
        attempt = dispatched(gradebook, number)
        gradebook.finish(attempt, report(70.0), 1.0, "host", "fp")  # the stop came before the hand-in was marked done
        assert handins.recover(gradebook) == (1, 0)
        done = handins.get(gradebook, "fashion_mnist_callback", number)
    assert (done.state, done.attempt, done.result.score) == ("done", attempt, 70.0)


def test_a_queued_hand_in_survives_a_reopened_gradebook(tmp_path):
    with book(tmp_path) as gradebook:
        handins.add(gradebook, "bob", "b.py", "h2", 5, Lateness("late", 5.0, 10.0))
    with book(tmp_path) as gradebook:
        waiting = handins.waiting(gradebook, "fashion_mnist_callback")
        assert handins.recover(gradebook) == (0, 0)
    assert [(h.student, h.state, h.lateness.state, h.lateness.penalty_percent) for h in waiting] == [("bob", "queued", "late", 10.0)]


def test_a_late_penalty_lowers_the_score_shown(tmp_path):
    with book(tmp_path) as gradebook:
        number = handins.add(gradebook, "alice", "work.ipynb", "h1", 10, Lateness("late", 20.0, 10.0))
        attempt = dispatched(gradebook, number)
        gradebook.finish(attempt, report(80.0), 1.0, "host", "fp")
        handins.finish(gradebook, number, attempt)
        done = handins.get(gradebook, "fashion_mnist_callback", number)
    assert (done.result.score, done.adjusted_score) == (80.0, 72.0)
    assert done.to_json()["result"]["adjusted_score"] == 72.0
