"""Who may do what: the course's roster and the credentials the instructor issues. No outside identity server.

    access.sqlite, table credentials: one row per credential
        kind      token (for the API, `grader submit` and the sign-in form), code (a one-time
                  sign-in link) or session (a browser's cookie, made when a token or code signs in)
        id        public, 12 hex digits: finds the row
        digest    SHA-256 of the credential's 32 random bytes; the credential itself is never stored
        person, role ("student" or "instructor"), created_at, expires_at, used_at (codes), revoked

A credential reads ``g<kind letter>_<id>_<secret>``. It is checked by its digest, compared in
constant time; a code works once; a student's credentials work only while the student is on the
roster. A form's CSRF token is derived from the session's secret, so it is stored nowhere either.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS credentials (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('token', 'code', 'session')), digest TEXT NOT NULL,
    person TEXT NOT NULL, role TEXT NOT NULL CHECK (role IN ('student', 'instructor')),
    created_at TEXT NOT NULL, expires_at TEXT NOT NULL, used_at TEXT, revoked INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS credentials_by_person ON credentials (person);
"""
PREFIX = {"token": "gt", "code": "gc", "session": "gs"}
SHAPE = re.compile(r"(g[tcs])_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
LIFETIME = {"token": timedelta(days=180), "code": timedelta(days=14), "session": timedelta(days=14)}
ROLES = ("student", "instructor")


@dataclass(frozen=True)
class Identity:
    person: str
    role: str

    @property
    def instructor(self) -> bool:
        return self.role == "instructor"

    def may_see(self, student: str) -> bool:
        return self.instructor or self.person == student


def _moment(delta: timedelta = timedelta()) -> str:
    return (datetime.now(timezone.utc) + delta).isoformat(timespec="seconds")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Access:
    """The credentials of one course; each call opens its own connection, so any thread may use it."""

    def __init__(self, path: Path, on_roster: Callable[[str], bool]):
        self.path, self.on_roster = Path(path), on_roster
        with self._connect() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            yield db
        finally:
            db.close()

    def issue(self, kind: str, person: str, role: str, lifetime: timedelta | None = None) -> str:
        """A new credential; its text is returned once and kept nowhere."""
        identifier, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        with self._connect() as db:
            db.execute(
                "INSERT INTO credentials (id, kind, digest, person, role, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (identifier, kind, _digest(secret), person, role, _moment(), _moment(lifetime or LIFETIME[kind])),
            )
        return f"{PREFIX[kind]}_{identifier}_{secret}"

    def verify(self, text: str, kind: str) -> Identity | None:
        """Who ``text`` belongs to, if it is a valid credential of ``kind``; a code is used up by it."""
        found = SHAPE.fullmatch(text or "")
        if not found or found[1] != PREFIX[kind]:
            return None
        with self._connect() as db:
            row = db.execute("SELECT * FROM credentials WHERE id = ? AND kind = ?", (found[2], kind)).fetchone()
            if row is None or not hmac.compare_digest(row["digest"], _digest(found[3])):
                return None
            if row["revoked"] or row["expires_at"] <= _moment() or (row["role"] == "student" and not self.on_roster(row["person"])):
                return None
            if kind == "code" and db.execute("UPDATE credentials SET used_at = ? WHERE id = ? AND used_at IS NULL", (_moment(), row["id"])).rowcount != 1:
                return None
        return Identity(row["person"], row["role"])

    def end(self, text: str) -> None:
        """Sign a session out."""
        found = SHAPE.fullmatch(text or "")
        if found and self.verify(text, "session"):
            with self._connect() as db:
                db.execute("UPDATE credentials SET revoked = 1 WHERE id = ?", (found[2],))

    def revoke(self, person: str) -> int:
        """Every credential of ``person``; returns how many."""
        with self._connect() as db:
            return db.execute("UPDATE credentials SET revoked = 1 WHERE person = ? AND revoked = 0", (person,)).rowcount


def csrf_token(session: str) -> str:
    """The form token of a session: a MAC of a constant under the session's own secret."""
    return hmac.new(session.encode(), b"grader-csrf", hashlib.sha256).hexdigest()


def csrf_valid(session: str, token: str) -> bool:
    return bool(session) and hmac.compare_digest(csrf_token(session), token or "")
