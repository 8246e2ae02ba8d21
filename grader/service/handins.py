"""The hand-in queue: a table of the service's own in the assignment's gradebook.sqlite.

    service_handins   one row per hand-in: who, which file (by SHA-256), when, how late, and its
                      state: queued → running (with its gradebook attempt) → done

A hand-in is recorded, in one transaction, before the student is told it was accepted. It enters
the gradebook (``submissions``, ``attempts``, ``results``) only when the dispatcher takes it, through
the Gradebook API, exactly as `grader batch` records a grading. So a server killed at any moment
and started again finds every accepted hand-in: ``recover`` puts the ones that were running back
in the queue, unless their grading had already been recorded, which then counts.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from grader.batch.gradebook import Gradebook, now
from grader.course import Lateness

SCHEMA = """
CREATE TABLE IF NOT EXISTS service_handins (
    id INTEGER PRIMARY KEY, student TEXT NOT NULL, file_name TEXT NOT NULL, content_hash TEXT NOT NULL,
    size INTEGER NOT NULL, origin TEXT NOT NULL CHECK (origin IN ('student', 'regrade')),
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done')), submission INTEGER REFERENCES submissions(id),
    attempt INTEGER REFERENCES attempts(id), reused INTEGER NOT NULL DEFAULT 0,
    lateness TEXT NOT NULL, hours_late REAL NOT NULL, penalty_percent REAL NOT NULL,
    handed_in_at TEXT NOT NULL, started_at TEXT, finished_at TEXT);
CREATE INDEX IF NOT EXISTS service_handins_by_state ON service_handins (state, id);
CREATE INDEX IF NOT EXISTS service_handins_by_student ON service_handins (student, id);
"""
SELECT = """
SELECT h.*, a.status, a.score, a.max_score, a.message, a.duration_seconds FROM service_handins h
LEFT JOIN attempts a ON a.id = h.attempt AND a.state = 'finished'
"""


@dataclass(frozen=True)
class Result:
    status: str
    score: float
    max_score: float
    message: str
    duration_seconds: float


@dataclass(frozen=True)
class HandIn:
    id: int
    assignment: str
    student: str
    file_name: str
    content_hash: str
    size: int
    origin: str  # "student", or "regrade" (an instructor's, graded again whatever the cache holds)
    state: str  # "queued", "running", "done"
    attempt: int | None
    reused: bool  # done without grading: the same file was graded the same way before
    lateness: Lateness
    handed_in_at: str
    started_at: str
    finished_at: str
    result: Result | None  # when done

    @property
    def adjusted_score(self) -> float | None:
        """The score after the late penalty."""
        return None if self.result is None else round(self.lateness.apply(self.result.score), 2)

    def to_json(self) -> dict[str, Any]:
        result = None if self.result is None else {**vars(self.result), "adjusted_score": self.adjusted_score}
        return {
            "id": self.id,
            "assignment": self.assignment,
            "student": self.student,
            "file_name": self.file_name,
            "content_hash": self.content_hash,
            "size": self.size,
            "origin": self.origin,
            "state": self.state,
            "reused": self.reused,
            "handed_in_at": self.handed_in_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "result": result,
            "lateness": {"state": self.lateness.state, "hours_late": round(self.lateness.hours_late, 2), "penalty_percent": self.lateness.penalty_percent},
        }


def open_book(path: Path, assignment: str) -> Gradebook:
    """The assignment's gradebook, bound to it, with the hand-in table."""
    book = Gradebook(path)
    book.claim(assignment)
    book.db.executescript(SCHEMA)
    return book


def _handin(assignment: str, row: sqlite3.Row) -> HandIn:
    result = None if row["status"] is None else Result(row["status"], row["score"], row["max_score"], row["message"] or "", row["duration_seconds"] or 0.0)
    return HandIn(
        row["id"],
        assignment,
        row["student"],
        row["file_name"],
        row["content_hash"],
        row["size"],
        row["origin"],
        row["state"],
        row["attempt"],
        bool(row["reused"]),
        Lateness(row["lateness"], row["hours_late"], row["penalty_percent"]),
        row["handed_in_at"],
        row["started_at"] or "",
        row["finished_at"] or "",
        result,
    )


def add(book: Gradebook, student: str, file_name: str, digest: str, size: int, lateness: Lateness, origin: str = "student", at: datetime | None = None) -> int:
    sql = (
        "INSERT INTO service_handins (student, file_name, content_hash, size, origin, state, lateness, hours_late, penalty_percent, handed_in_at) "
        "VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)"
    )
    values = (
        student,
        file_name,
        digest,
        size,
        origin,
        lateness.state,
        lateness.hours_late,
        lateness.penalty_percent,
        at.astimezone(timezone.utc).isoformat(timespec="milliseconds") if at else now(),
    )
    number = book.db.execute(sql, values).lastrowid
    assert number is not None
    return number


def get(book: Gradebook, assignment: str, handin: int) -> HandIn | None:
    row = book.db.execute(f"{SELECT} WHERE h.id = ?", (handin,)).fetchone()
    return _handin(assignment, row) if row else None


def of_student(book: Gradebook, assignment: str, student: str) -> list[HandIn]:
    """A student's hand-ins, newest first."""
    return [_handin(assignment, row) for row in book.db.execute(f"{SELECT} WHERE h.student = ? ORDER BY h.id DESC", (student,))]


def every(book: Gradebook, assignment: str) -> list[HandIn]:
    return [_handin(assignment, row) for row in book.db.execute(f"{SELECT} ORDER BY h.id")]


def waiting(book: Gradebook, assignment: str) -> list[HandIn]:
    """Queued and running hand-ins, in the order they were handed in."""
    return [_handin(assignment, row) for row in book.db.execute(f"{SELECT} WHERE h.state != 'done' ORDER BY h.id")]


def count_since(book: Gradebook, student: str, since: str) -> int:
    sql = "SELECT count(*) FROM service_handins WHERE student = ? AND origin = 'student' AND handed_in_at >= ?"
    return book.db.execute(sql, (student, since)).fetchone()[0]


def start(book: Gradebook, handin: int, submission: int, attempt: int) -> None:
    book.db.execute(
        "UPDATE service_handins SET state = 'running', submission = ?, attempt = ?, started_at = ? WHERE id = ?", (submission, attempt, now(), handin)
    )


def finish(book: Gradebook, handin: int, attempt: int, reused: bool = False) -> None:
    book.db.execute("UPDATE service_handins SET state = 'done', attempt = ?, reused = ?, finished_at = ? WHERE id = ?", (attempt, int(reused), now(), handin))


def requeue(book: Gradebook, handin: int) -> None:
    """A grading that could not run (the machine's fault, not the hand-in's): back to the queue."""
    book.db.execute("UPDATE service_handins SET state = 'queued', attempt = NULL, started_at = NULL WHERE id = ?", (handin,))


def recover(book: Gradebook) -> tuple[int, int]:
    """After a stop: running hand-ins whose grading was recorded are done; the others queue again.

    Returns (done, requeued). The gradebook's attempts left running are marked interrupted.
    """
    book.db.execute("BEGIN IMMEDIATE")
    try:
        done = book.db.execute(
            "UPDATE service_handins SET state = 'done', finished_at = (SELECT finished_at FROM attempts WHERE id = attempt) "
            "WHERE state = 'running' AND attempt IN (SELECT id FROM attempts WHERE state = 'finished')"
        ).rowcount
        requeued = book.db.execute("UPDATE service_handins SET state = 'queued', attempt = NULL, started_at = NULL WHERE state = 'running'").rowcount
        book.db.execute("COMMIT")
    except BaseException:
        book.db.execute("ROLLBACK")
        raise
    book.close_interrupted()
    return done, requeued
