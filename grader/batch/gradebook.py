"""The gradebook: one SQLite file per batch folder, the record of every grading.

    students     one row per student id seen in the class folder
    submissions  what a student handed in: file name and content hash, first and last seen
    attempts     each grading of a submission: running → finished (or interrupted), with the
                 status, score, durations, assignment and grader versions, and the whole report
    results      each check's verdict in a finished attempt

Every finished grading is written in its own transaction, in WAL mode with full
sync, as soon as it arrives, so a batch killed at any point loses at most the
gradings that were running. A student's current result is the latest finished
attempt at their latest submission.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from grader.text import messages
from grader.errors import GraderError
from grader.checks.scoring import CheckResult

FILE = "gradebook.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS students (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, current_submission INTEGER, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY, student TEXT NOT NULL REFERENCES students(id), file_name TEXT NOT NULL,
    content_hash TEXT NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, UNIQUE (student, file_name, content_hash));
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY, submission INTEGER NOT NULL REFERENCES submissions(id),
    state TEXT NOT NULL CHECK (state IN ('running', 'finished', 'interrupted')),
    assignment_version TEXT NOT NULL, fingerprint TEXT NOT NULL, grader_version TEXT,
    status TEXT, score REAL, max_score REAL, message TEXT, duration_seconds REAL, wall_seconds REAL,
    worker TEXT, started_at TEXT NOT NULL, finished_at TEXT, report TEXT);
CREATE TABLE IF NOT EXISTS results (
    attempt INTEGER NOT NULL REFERENCES attempts(id), position INTEGER NOT NULL, check_id TEXT NOT NULL,
    title TEXT NOT NULL, passed INTEGER NOT NULL, score REAL NOT NULL, max_score REAL NOT NULL, message TEXT NOT NULL,
    PRIMARY KEY (attempt, check_id));
CREATE INDEX IF NOT EXISTS attempts_by_submission ON attempts (submission, state);
"""
CURRENT = """
SELECT st.id AS student, su.file_name, su.content_hash, a.*,
       (SELECT count(*) FROM attempts x JOIN submissions y ON x.submission = y.id WHERE y.student = st.id) AS attempts
FROM students st JOIN submissions su ON su.id = st.current_submission
LEFT JOIN attempts a ON a.id = (SELECT max(id) FROM attempts WHERE submission = su.id AND state = 'finished')
ORDER BY st.id
"""


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Row:
    """A student's current result; ``status`` is "pending" until a grading finished."""

    student: str
    file_name: str
    content_hash: str
    status: str
    score: float | None
    max_score: float | None
    message: str
    duration_seconds: float | None
    wall_seconds: float | None
    finished_at: str
    assignment_version: str
    grader_version: str
    attempts: int
    checks: tuple[CheckResult, ...]
    report: dict[str, Any] | None


class Gradebook:
    def __init__(self, path: Path):
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)

    @classmethod
    def existing(cls, folder: Path) -> Gradebook:
        if not (folder / FILE).is_file():
            raise GraderError(messages.no_gradebook(folder))
        return cls(folder / FILE)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _transaction(self, statements: Iterable[tuple[str, tuple]]) -> list[sqlite3.Cursor]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            cursors = [self.db.execute(sql, values) for sql, values in statements]
            self.db.execute("COMMIT")
            return cursors
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def claim(self, assignment: str) -> None:
        """Bind this gradebook to one assignment; refuse another."""
        recorded = self.meta("assignment")
        if recorded is not None and recorded != assignment:
            raise GraderError(messages.batch_other_assignment(self.path.parent, recorded, assignment))
        self._transaction([("INSERT OR IGNORE INTO meta VALUES ('assignment', ?)", (assignment,))])

    def close_interrupted(self) -> int:
        """Mark the attempts a killed batch left running; returns how many."""
        return self._transaction([("UPDATE attempts SET state = 'interrupted' WHERE state = 'running'", ())])[0].rowcount

    def register(self, entries: Iterable[Any]) -> dict[str, int]:
        """Record who handed in what, now; returns each student's submission id."""
        seen, ids = now(), {}
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for entry in entries:
                self.db.execute("INSERT INTO students VALUES (?, ?, NULL, ?, ?) ON CONFLICT (id) DO UPDATE SET source = excluded.source, last_seen = excluded.last_seen",
                                (entry.student, str(entry.source), seen, seen))
                self.db.execute("INSERT INTO submissions (student, file_name, content_hash, first_seen, last_seen) VALUES (?, ?, ?, ?, ?) "
                                "ON CONFLICT DO UPDATE SET last_seen = excluded.last_seen", (entry.student, entry.file_name, entry.content_hash, seen, seen))
                ids[entry.student] = self.db.execute("SELECT id FROM submissions WHERE student = ? AND file_name = ? AND content_hash = ?",
                                                     (entry.student, entry.file_name, entry.content_hash)).fetchone()[0]
                self.db.execute("UPDATE students SET current_submission = ? WHERE id = ?", (ids[entry.student], entry.student))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return ids

    def last_finished(self, submission: int, fingerprint: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM attempts WHERE submission = ? AND fingerprint = ? AND state = 'finished' ORDER BY id DESC LIMIT 1",
                               (submission, fingerprint)).fetchone()

    def start(self, submission: int, assignment_version: str, fingerprint: str) -> int:
        sql = "INSERT INTO attempts (submission, state, assignment_version, fingerprint, started_at) VALUES (?, 'running', ?, ?, ?)"
        return self._transaction([(sql, (submission, assignment_version, fingerprint, now()))])[0].lastrowid

    def finish(self, attempt: int, report: dict[str, Any], wall_seconds: float, worker: str, fingerprint: str) -> None:
        """Record a finished grading and its check results, in one transaction."""
        update = ("UPDATE attempts SET state = 'finished', status = ?, score = ?, max_score = ?, message = ?, duration_seconds = ?, "
                  "wall_seconds = ?, worker = ?, fingerprint = ?, grader_version = ?, finished_at = ?, report = ? WHERE id = ?")
        values = (report["status"], report["score"], report["max_score"], report["message"], report["duration_seconds"],
                  round(wall_seconds, 2), worker, fingerprint, report["grader_version"], now(), json.dumps(report), attempt)
        checks = [("INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (attempt, position, c["id"], c["title"], int(c["passed"]), c["score"], c["max_score"], c["message"]))
                  for position, c in enumerate(report["checks"])]
        self._transaction([(update, values), *checks])

    def interrupt(self, attempts: Iterable[int]) -> None:
        self._transaction([("UPDATE attempts SET state = 'interrupted' WHERE id = ? AND state = 'running'", (a,)) for a in attempts])

    def _checks(self, attempt: int | None) -> tuple[CheckResult, ...]:
        rows = self.db.execute("SELECT * FROM results WHERE attempt = ? ORDER BY position", (attempt,)).fetchall()
        return tuple(CheckResult(r["check_id"], r["title"], bool(r["passed"]), r["score"], r["max_score"], r["message"]) for r in rows)

    def rows(self) -> tuple[Row, ...]:
        """Each student's current result, by student id."""
        return tuple(_row(found, self._checks(found["id"])) for found in self.db.execute(CURRENT).fetchall())


def _row(found: sqlite3.Row, checks: tuple[CheckResult, ...]) -> Row:
    finished = found["id"] is not None
    return Row(
        student=found["student"], file_name=found["file_name"], content_hash=found["content_hash"],
        status=found["status"] if finished else "pending", score=found["score"], max_score=found["max_score"],
        message=found["message"] or "", duration_seconds=found["duration_seconds"], wall_seconds=found["wall_seconds"],
        finished_at=found["finished_at"] or "", assignment_version=found["assignment_version"] or "",
        grader_version=found["grader_version"] or "", attempts=found["attempts"], checks=checks,
        report=json.loads(found["report"]) if finished else None,
    )
