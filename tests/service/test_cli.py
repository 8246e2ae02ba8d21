"""`grader token`: tokens and one-time links for the roster, refused for strangers, revoked on request."""

from __future__ import annotations

import csv
import io

from grader import cli
from grader import course as courses
from grader.service.access import Access
from grader.service.place import Place

from servicecourse import make_course


def access(course) -> Access:
    loaded = courses.load(course)
    return Access(Place(loaded).access, lambda person: person in {s.id for s in loaded.roster()})


def test_a_token_for_someone_on_the_roster(tmp_path, capsys):
    course = make_course(tmp_path / "course")
    assert cli.main(["token", str(course), "--student", "alice"]) == 0
    credential = capsys.readouterr().out.splitlines()[-1]
    assert access(course).verify(credential, "token").person == "alice"


def test_no_token_for_someone_off_the_roster(tmp_path, capsys):
    course = make_course(tmp_path / "course")
    assert cli.main(["token", str(course), "--student", "mallory"]) == 2
    assert "mallory is not on the course's roster" in capsys.readouterr().err


def test_links_for_every_student_as_csv(tmp_path, capsys):
    course = make_course(tmp_path / "course")
    assert cli.main(["token", str(course), "--all-students", "--link", "https://grader.example.edu/"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(row["id"], row["email"]) for row in rows] == [("alice", "alice@example.edu"), ("bob", "bob@example.edu")]
    code = rows[0]["link"].removeprefix("https://grader.example.edu/signin/")
    assert access(course).verify(code, "code").person == "alice"
    assert access(course).verify(code, "code") is None


def test_revoke_ends_every_credential_of_a_person(tmp_path, capsys):
    course = make_course(tmp_path / "course")
    cli.main(["token", str(course), "--instructor", "prof"])
    credential = capsys.readouterr().out.splitlines()[-1]
    assert cli.main(["token", str(course), "--instructor", "prof", "--revoke"]) == 0
    assert capsys.readouterr().out.strip() == "Revoked 1 credential of prof."
    assert access(course).verify(credential, "token") is None


def test_submit_names_a_missing_file(tmp_path, capsys):
    assert cli.main(["submit", str(tmp_path / "gone.ipynb"), "-a", "fashion_mnist_callback", "--server", "http://127.0.0.1:9", "--token", "gt_x"]) == 2
    assert "gone.ipynb: there is no such file" in capsys.readouterr().err


def test_submit_needs_a_token(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("GRADER_TOKEN", raising=False)
    assert cli.main(["submit", str(tmp_path / "gone.ipynb"), "-a", "fashion_mnist_callback", "--server", "http://127.0.0.1:9"]) == 2
    assert "No access token" in capsys.readouterr().err
