"""Credentials: stored as digests only, checked in constant time, codes work once, students only while on the roster."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from grader.service.access import Access, csrf_token, csrf_valid


def access(tmp_path, roster=("alice", "bob")) -> Access:
    return Access(tmp_path / "access.sqlite", lambda person: person in roster)


def test_a_token_names_its_person_and_role(tmp_path):
    keys = access(tmp_path)
    token = keys.issue("token", "alice", "student")
    who = keys.verify(token, "token")
    assert (who.person, who.role, who.instructor) == ("alice", "student", False)
    assert who.may_see("alice") and not who.may_see("bob")
    assert keys.verify(keys.issue("token", "prof", "instructor"), "token").may_see("bob")


def test_no_secret_is_stored_as_it_is(tmp_path):
    keys = access(tmp_path)
    token = keys.issue("token", "alice", "student")
    secret = token.split("_", 2)[2]
    stored = (tmp_path / "access.sqlite").read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("access.sqlite-*"))
    assert secret.encode() not in stored
    with sqlite3.connect(tmp_path / "access.sqlite") as db:
        digest = db.execute("SELECT digest FROM credentials").fetchone()[0]
    assert len(digest) == 64 and secret not in digest


def test_a_changed_forged_or_wrong_kind_of_credential_is_refused(tmp_path):
    keys = access(tmp_path)
    token = keys.issue("token", "alice", "student")
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert keys.verify(flipped, "token") is None
    assert keys.verify(token.replace("gt_", "gs_"), "session") is None  # a token is not a session cookie
    assert keys.verify(token, "session") is None
    assert keys.verify("", "token") is None and keys.verify("gt_zzz", "token") is None


def test_a_sign_in_code_works_once(tmp_path):
    keys = access(tmp_path)
    code = keys.issue("code", "bob", "student")
    assert keys.verify(code, "code").person == "bob"
    assert keys.verify(code, "code") is None


def test_expired_and_revoked_credentials_are_refused(tmp_path):
    keys = access(tmp_path)
    assert keys.verify(keys.issue("token", "alice", "student", timedelta(seconds=-1)), "token") is None
    token = keys.issue("token", "alice", "student")
    session = keys.issue("session", "alice", "student")
    assert keys.revoke("alice") == 3  # the expired one too
    assert keys.verify(token, "token") is None and keys.verify(session, "session") is None


def test_signing_out_ends_that_session_only(tmp_path):
    keys = access(tmp_path)
    first, second = keys.issue("session", "alice", "student"), keys.issue("session", "alice", "student")
    keys.end(first)
    assert keys.verify(first, "session") is None
    assert keys.verify(second, "session").person == "alice"


def test_a_student_taken_off_the_roster_loses_access(tmp_path):
    roster = {"alice"}
    keys = Access(tmp_path / "access.sqlite", lambda person: person in roster)
    token = keys.issue("token", "alice", "student")
    assert keys.verify(token, "token") is not None
    roster.clear()
    assert keys.verify(token, "token") is None


def test_the_form_token_belongs_to_its_session():
    assert csrf_valid("gs_a", csrf_token("gs_a"))
    assert not csrf_valid("gs_b", csrf_token("gs_a"))
    assert not csrf_valid("", csrf_token(""))
    assert not csrf_valid("gs_a", "")
