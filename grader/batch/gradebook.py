"""The gradebook: one SQLite file per batch folder, the record of every grading.

    students     one row per student id seen in the class folder
    submissions  what a student handed in: file name and content hash, first and last seen
    attempts     each grading of a submission: running → finished (or interrupted), with the
                 status, score, durations, assignment and grader versions, and the whole report
    results      each check's verdict in a finished attempt
    adjustments  a person's point change to one check of a student's result, with who, when, why,
                 and the automatic points it was made on; it outlives regrades
    similarity   pairs of submissions whose graded code is alike (``grader similarity``)

Every finished grading is written in its own transaction, in WAL mode with full
sync, as soon as it arrives, so a batch killed at any point loses at most the
gradings that were running. A student's current result is the latest finished
attempt at their latest submission.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from grader.batch.records import Adjustment, Pair, Row
from grader.checks.scoring import CheckResult
from grader.errors import GraderError
from grader.files import refuse_link
from grader.text import batch as batch_words
from grader.text import course as course_text

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
CREATE TABLE IF NOT EXISTS adjustments (
    id INTEGER PRIMARY KEY, student TEXT NOT NULL REFERENCES students(id), check_id TEXT NOT NULL, points REAL NOT NULL,
    comment TEXT NOT NULL, author TEXT NOT NULL, made_at TEXT NOT NULL, content_hash TEXT NOT NULL, automatic REAL NOT NULL);
CREATE TABLE IF NOT EXISTS similarity (
    first TEXT NOT NULL, second TEXT NOT NULL, first_hash TEXT NOT NULL, second_hash TEXT NOT NULL,
    score REAL NOT NULL, first_share REAL NOT NULL, second_share REAL NOT NULL, computed_at TEXT NOT NULL,
    PRIMARY KEY (first, second));
CREATE INDEX IF NOT EXISTS attempts_by_submission ON attempts (submission, state);
"""
COLUMNS_ADDED = {"submissions": {"handed_in": "TEXT"}}  # columns newer than the first gradebooks
CURRENT = """
SELECT st.id AS student, su.file_name, su.content_hash, su.handed_in, a.*,
       (SELECT count(*) FROM attempts x JOIN submissions y ON x.submission = y.id WHERE y.student = st.id AND x.state = 'finished') AS attempts
FROM students st JOIN submissions su ON su.id = st.current_submission
LEFT JOIN attempts a ON a.id = (SELECT max(id) FROM attempts WHERE submission = su.id AND state = 'finished')
ORDER BY st.id
"""


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def open_database(path: Path) -> sqlite3.Connection:
    """Connect to ``path`` only when it, its -wal and its -shm are absent or regular files (no planted link)."""
    for suffix in ("", "-wal", "-shm"):
        refuse_link(Path(f"{path}{suffix}"))
    return sqlite3.connect(path, isolation_level=None, timeout=30)


class Gradebook:
    def __init__(self, path: Path):
        self.path = path
        self.db = open_database(path)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)
        for table, columns in COLUMNS_ADDED.items():
            present = {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}
            for name, kind in columns.items():
                if name not in present:
                    self.db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")

    @classmethod
    def existing(cls, folder: Path) -> Gradebook:
        refuse_link(folder / FILE)
        if not (folder / FILE).is_file():
            raise GraderError(batch_words.no_gradebook(folder))
        return cls(folder / FILE)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextmanager
    def _immediate(self) -> Iterator[None]:
        """One write transaction; rolled back on any exception, including a signal that lands after COMMIT."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:  # SIGTERM just after COMMIT: nothing is left to roll back
                self.db.execute("ROLLBACK")
            raise

    def _transaction(self, statements: Iterable[tuple[str, tuple]]) -> list[sqlite3.Cursor]:
        with self._immediate():
            return [self.db.execute(sql, values) for sql, values in statements]

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def claim(self, assignment: str) -> None:
        """Bind this gradebook to one assignment; refuse another."""
        recorded = self.meta("assignment")
        if recorded is not None and recorded != assignment:
            raise GraderError(batch_words.batch_other_assignment(self.path.parent, recorded, assignment))
        self._transaction([("INSERT OR IGNORE INTO meta VALUES ('assignment', ?)", (assignment,))])

    def close_interrupted(self) -> int:
        """Mark the attempts a killed batch left running; returns how many."""
        return self._transaction([("UPDATE attempts SET state = 'interrupted' WHERE state = 'running'", ())])[0].rowcount

    def register(self, entries: Iterable[Any], handed_in: dict[str, str] | None = None) -> dict[str, int]:
        """Record who handed in what, now, and when they handed it in if known; returns each student's submission id."""
        seen, ids, handed_in = now(), {}, handed_in or {}
        with self._immediate():
            for entry in entries:
                self.db.execute(
                    "INSERT INTO students VALUES (?, ?, NULL, ?, ?) ON CONFLICT (id) DO UPDATE SET source = excluded.source, last_seen = excluded.last_seen",
                    (entry.student, str(entry.source), seen, seen),
                )
                self.db.execute(
                    "INSERT INTO submissions (student, file_name, content_hash, first_seen, last_seen, handed_in) VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT DO UPDATE SET last_seen = excluded.last_seen, handed_in = coalesce(excluded.handed_in, handed_in)",
                    (entry.student, entry.file_name, entry.content_hash, seen, seen, handed_in.get(entry.student)),
                )
                ids[entry.student] = self.db.execute(
                    "SELECT id FROM submissions WHERE student = ? AND file_name = ? AND content_hash = ?", (entry.student, entry.file_name, entry.content_hash)
                ).fetchone()[0]
                self.db.execute("UPDATE students SET current_submission = ? WHERE id = ?", (ids[entry.student], entry.student))
        return ids

    def last_finished(self, submission: int, fingerprint: str) -> sqlite3.Row | None:
        return self.db.execute(
            "SELECT * FROM attempts WHERE submission = ? AND fingerprint = ? AND state = 'finished' ORDER BY id DESC LIMIT 1", (submission, fingerprint)
        ).fetchone()

    def start(self, submission: int, assignment_version: str, fingerprint: str, then: Callable[[int], None] | None = None) -> int:
        """A new running attempt; ``then(attempt)`` writes in the same transaction (the service marks its hand-in running)."""
        sql = "INSERT INTO attempts (submission, state, assignment_version, fingerprint, started_at) VALUES (?, 'running', ?, ?, ?)"
        with self._immediate():
            attempt = int(self.db.execute(sql, (submission, assignment_version, fingerprint, now())).lastrowid or 0)
            if then is not None:
                then(attempt)
        return attempt

    def finish(self, attempt: int, report: dict[str, Any], wall_seconds: float, worker: str, fingerprint: str, then: Callable[[], None] | None = None) -> None:
        """Record a finished grading and its check results, in one transaction, with what ``then()`` writes."""
        update = (
            "UPDATE attempts SET state = 'finished', status = ?, score = ?, max_score = ?, message = ?, duration_seconds = ?, "
            "wall_seconds = ?, worker = ?, fingerprint = ?, grader_version = ?, finished_at = ?, report = ? WHERE id = ?"
        )
        values = (
            report["status"],
            report["score"],
            report["max_score"],
            report["message"],
            report["duration_seconds"],
            round(wall_seconds, 2),
            worker,
            fingerprint,
            report["grader_version"],
            now(),
            json.dumps(report),
            attempt,
        )
        checks = [
            (
                "INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (attempt, position, c["id"], c["title"], int(c["passed"]), c["score"], c["max_score"], c["message"]),
            )
            for position, c in enumerate(report["checks"])
        ]
        with self._immediate():
            for sql, row in [(update, values), *checks]:
                self.db.execute(sql, row)
            if then is not None:
                then()

    def interrupt(self, attempts: Iterable[int]) -> None:
        self._transaction([("UPDATE attempts SET state = 'interrupted' WHERE id = ? AND state = 'running'", (a,)) for a in attempts])

    def _checks(self, attempt: int | None) -> tuple[CheckResult, ...]:
        rows = self.db.execute("SELECT * FROM results WHERE attempt = ? ORDER BY position", (attempt,)).fetchall()
        return tuple(CheckResult(r["check_id"], r["title"], bool(r["passed"]), r["score"], r["max_score"], r["message"]) for r in rows)

    def rows(self) -> tuple[Row, ...]:
        """Each student's current result, by student id, with the adjustments on it."""
        found = [_row(row, self._checks(row["id"])) for row in self.db.execute(CURRENT).fetchall()]
        made = self._latest_adjustments()
        return tuple(replace(row, adjustments=_reviewed(made.get(row.student, ()), row)) for row in found)

    def row(self, student: str) -> Row | None:
        """One student's current result, or None when they handed nothing in."""
        found = self.db.execute(CURRENT.replace("ORDER BY st.id", "WHERE st.id = ?"), (student,)).fetchone()
        if found is None:
            return None
        row = _row(found, self._checks(found["id"]))
        return replace(row, adjustments=_reviewed(self._latest_adjustments(student).get(student, ()), row))

    def _latest_adjustments(self, student: str | None = None) -> dict[str, tuple[Adjustment, ...]]:
        latest = (
            "SELECT * FROM adjustments WHERE id IN (SELECT max(id) FROM adjustments GROUP BY student, check_id)"
            + (" AND student = ?" if student else "")
            + " ORDER BY id"
        )
        made: dict[str, list[Adjustment]] = {}
        for found in self.db.execute(latest, (student,) if student else ()):
            adjustment = Adjustment(
                found["student"],
                found["check_id"],
                found["points"],
                found["comment"],
                found["author"],
                found["made_at"],
                found["content_hash"],
                found["automatic"],
            )
            if adjustment.points or adjustment.comment:  # points 0 and no comment: withdrawn
                made.setdefault(adjustment.student, []).append(adjustment)
        return {student: tuple(adjustments) for student, adjustments in made.items()}

    def adjust(self, student: str, check_id: str, points: float, comment: str, author: str) -> Adjustment:
        """Record a person's change to one check of ``student``'s current result; the latest per check counts.

        Raises ``GraderError`` when the student has no finished result, the check is not one of it,
        or the check's points would leave 0..its maximum. ``points`` 0 with an empty comment withdraws it.
        """
        row = self.row(student)
        if row is None or row.status == "pending":
            raise GraderError(course_text.no_result_to_adjust(self.path.parent, student))
        check = next((check for check in row.checks if check.id == check_id), None)
        if check is None:
            raise GraderError(course_text.unknown_check(student, check_id, [c.id for c in row.checks]))
        if not 0 <= check.score + points <= check.max_score:
            raise GraderError(course_text.adjustment_out_of_range(check.id, check.score, points, check.max_score))
        adjustment = Adjustment(student, check_id, float(points), comment.strip(), author, now(), row.content_hash, check.score)
        self._transaction(
            [
                (
                    "INSERT INTO adjustments (student, check_id, points, comment, author, made_at, content_hash, automatic) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (student, check_id, adjustment.points, adjustment.comment, author, adjustment.made_at, row.content_hash, check.score),
                )
            ]
        )
        return adjustment

    def sources(self) -> dict[str, str]:
        """Student id → the entry they handed in (a file, folder or archive), as the last batch found it."""
        return {row["id"]: row["source"] for row in self.db.execute("SELECT id, source FROM students")}

    def adjustment_history(self, student: str | None = None) -> tuple[Adjustment, ...]:
        """Every adjustment ever recorded (withdrawn and replaced ones too), oldest first."""
        query = "SELECT * FROM adjustments" + (" WHERE student = ?" if student else "") + " ORDER BY id"
        return tuple(
            Adjustment(f["student"], f["check_id"], f["points"], f["comment"], f["author"], f["made_at"], f["content_hash"], f["automatic"])
            for f in self.db.execute(query, (student,) if student else ())
        )

    def record_similarity(self, pairs: Iterable[Pair], hashes: dict[str, str]) -> None:
        """Replace the stored pairs with ``pairs`` (computed on the submissions with ``hashes``)."""
        computed = now()
        self._transaction(
            [
                ("DELETE FROM similarity", ()),
                *(
                    (
                        "INSERT INTO similarity VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (p.first, p.second, hashes[p.first], hashes[p.second], p.score, p.first_share, p.second_share, computed),
                    )
                    for p in pairs
                ),
            ]
        )

    def similarity(self) -> tuple[Pair, ...]:
        """The stored pairs whose submissions are still both students' current ones, most alike first."""
        current = {row.student: row.content_hash for row in self.rows()}
        found = self.db.execute("SELECT * FROM similarity ORDER BY score DESC, first, second").fetchall()
        return tuple(
            Pair(f["first"], f["second"], f["score"], f["first_share"], f["second_share"])
            for f in found
            if current.get(f["first"]) == f["first_hash"] and current.get(f["second"]) == f["second_hash"]
        )


def _reviewed(adjustments: tuple[Adjustment, ...], row: Row) -> tuple[Adjustment, ...]:
    """Each adjustment flagged when the automatic result under it is no longer the one it was made on."""
    scores = {check.id: check.score for check in row.checks}
    return tuple(
        replace(a, needs_review=row.status == "pending" or a.content_hash != row.content_hash or scores.get(a.check_id) != a.automatic) for a in adjustments
    )


def _row(found: sqlite3.Row, checks: tuple[CheckResult, ...]) -> Row:
    finished = found["id"] is not None
    return Row(
        student=found["student"],
        file_name=found["file_name"],
        content_hash=found["content_hash"],
        status=found["status"] if finished else "pending",
        score=found["score"],
        max_score=found["max_score"],
        message=found["message"] or "",
        duration_seconds=found["duration_seconds"],
        wall_seconds=found["wall_seconds"],
        finished_at=found["finished_at"] or "",
        assignment_version=found["assignment_version"] or "",
        grader_version=found["grader_version"] or "",
        attempts=found["attempts"],
        checks=checks,
        report=json.loads(found["report"]) if finished else None,
        handed_in=found["handed_in"] or "",
    )
