"""The service's JSON API and pages over HTTP, against a real `grader serve` grading in the real sandbox.

A student reads and changes only their own hand-ins: another's answers 404 exactly as one that
does not exist, through the API and the pages alike; instructors' routes refuse students.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
import xml.etree.ElementTree as ElementTree
from types import SimpleNamespace

import pytest

from conftest import ROOT
from servicecourse import ASSIGNMENT, QUICK, Failed, Server, call, gradebook_attempts, hand_in, handin_rows, make_course, token, wait_done


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("api") / "course")
    keys = {person: token(course, person) for person in ("alice", "bob")} | {"prof": token(course, "prof", "instructor")}
    with Server(course, "--jobs", "2", "--per-hour", "50", "--max-upload-mb", "1") as server:
        first = wait_done(server.url, keys["alice"], hand_in(server.url, keys["alice"], QUICK["syntax"][0]))
        yield SimpleNamespace(url=server.url, course=course, keys=keys, first=first)


def session(url: str, credential: str) -> str:
    """A browser's session cookie, made by signing in with ``credential``."""
    request = urllib.request.Request(url + "/signin", data=f"token={credential}".encode(), method="POST")
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as answer:
        opener.open(request)
    assert answer.value.code == 303
    cookie = answer.value.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    return cookie.split(";")[0]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def page(url: str, path: str, cookie: str) -> tuple[int, str]:
    request = urllib.request.Request(url + path, headers={"Cookie": cookie})
    try:
        with urllib.request.build_opener(NoRedirect).open(request) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def refused(status: int, url: str, credential: str, path: str, **options) -> dict:
    with pytest.raises(Failed) as failure:
        call(url, credential, path, **options)
    assert failure.value.status == status, failure.value.body
    return failure.value.body


def test_a_hand_in_is_graded_and_its_report_recorded(served):
    first = served.first
    assert (first["state"], first["result"]["status"], first["result"]["score"], first["student"]) == ("done", "error", 0.0, "alice")
    assert "syntax error" in first["result"]["message"]
    report = call(served.url, served.keys["alice"], f"/api/a/{ASSIGNMENT}/handins/{first['id']}/report")
    assert (report["status"], report["submission"], report["content_hash"]) == ("error", "syntax_error.ipynb", first["content_hash"])
    attempts = [a for a in gradebook_attempts(served.course) if a["id"] == handin_rows(served.course)[0]["attempt"]]
    assert [(a["state"], a["status"]) for a in attempts] == [("finished", "error")]
    html = served.course / "grades" / ASSIGNMENT / "handins" / str(first["id"]) / "report.html"
    assert "syntax error" in html.read_text()


def test_another_student_cannot_read_it_through_the_api(served):
    bob, number = served.keys["bob"], served.first["id"]
    absent = refused(404, served.url, bob, f"/api/a/{ASSIGNMENT}/handins/99999")
    for path in (
        f"/api/a/{ASSIGNMENT}/handins/{number}",
        f"/api/a/{ASSIGNMENT}/handins/{number}/report",
        f"/api/a/{ASSIGNMENT}/handins/{number}/events",
        f"/api/a/nope/handins/{number}",
        f"/api/a/{ASSIGNMENT}/handins/x",
    ):
        assert refused(404, served.url, bob, path) == absent  # not theirs reads exactly as absent
    assert refused(403, served.url, bob, f"/api/a/{ASSIGNMENT}/class")["error"].startswith("Only instructors")
    mine = call(served.url, bob, "/api/handins")
    assert mine[ASSIGNMENT] == {"handins": [], "best": None}


def test_another_student_cannot_change_it(served):
    bob = served.keys["bob"]
    refused(403, served.url, bob, f"/api/a/{ASSIGNMENT}/regrade", body=b'{"student": "alice"}')
    before = len(handin_rows(served.course))
    cookie = session(served.url, bob)
    csrf = page(served.url, "/", cookie)[1].split('name="csrf" value="')[1].split('"')[0]
    request = urllib.request.Request(
        served.url + f"/instructor/a/{ASSIGNMENT}/regrade", data=f"csrf={csrf}&student=alice".encode(), headers={"Cookie": cookie}, method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.build_opener(NoRedirect).open(request)
    assert answer.value.code == 404
    assert len(handin_rows(served.course)) == before


def test_another_student_cannot_read_it_through_the_pages(served):
    cookie, number = session(served.url, served.keys["bob"]), served.first["id"]
    absent = page(served.url, f"/a/{ASSIGNMENT}/handins/99999", cookie)
    assert absent[0] == 404
    for path in (
        f"/a/{ASSIGNMENT}/handins/{number}",
        f"/a/{ASSIGNMENT}/handins/{number}/report",
        f"/a/{ASSIGNMENT}/handins/{number}/feedback.html",
        "/instructor",
        f"/instructor/a/{ASSIGNMENT}",
        f"/instructor/a/{ASSIGNMENT}/summary.html",
        f"/instructor/a/{ASSIGNMENT}/reports/alice/report.html",
        f"/instructor/a/{ASSIGNMENT}/reports/alice/feedback.html",
        f"/instructor/a/{ASSIGNMENT}/export/gradebook.csv",
        f"/instructor/a/{ASSIGNMENT}/students/alice",
    ):
        status, html = page(served.url, path, cookie)
        assert status == 404 and "syntax" not in html and "alice" not in html.replace('value="', ""), path
    status, home = page(served.url, "/", cookie)
    assert status == 200 and "No hand-ins yet" in home and "syntax_error" not in home


def test_the_owner_and_the_instructor_can_read_it(served):
    number = served.first["id"]
    for who in ("alice", "prof"):
        cookie = session(served.url, served.keys[who])
        status, html = page(served.url, f"/a/{ASSIGNMENT}/handins/{number}/report", cookie)
        assert status == 200 and "syntax error" in html and 'href="feedback.html"' in html
        status, notebook = page(served.url, f"/a/{ASSIGNMENT}/handins/{number}/feedback.html", cookie)  # where the report's link leads
        assert status == 200 and "SyntaxError: expected" in notebook
    status, latest = page(served.url, f"/instructor/a/{ASSIGNMENT}/reports/alice/feedback.html", cookie)
    assert status == 200 and "<title>alice · " in latest and "SyntaxError: expected" in latest
    status, html = page(served.url, f"/instructor/a/{ASSIGNMENT}", session(served.url, served.keys["prof"]))
    assert status == 200 and 'data-student="alice"' in html and 'data-student="bob"' in html


def test_without_credentials_nothing_is_shown(served):
    assert refused(401, served.url, "", f"/api/a/{ASSIGNMENT}/handins/{served.first['id']}")["error"].startswith("Sign in first")
    refused(401, served.url, "gt_000000000000_" + "A" * 43, "/api/me")
    status, _ = page(served.url, f"/a/{ASSIGNMENT}/handins/{served.first['id']}", "")
    assert status == 303


def test_a_cookie_needs_the_form_token_and_the_same_origin(served):
    from grader.service.client import multipart

    cookie = session(served.url, served.keys["bob"])
    body, content_type = multipart({"assignment": ASSIGNMENT}, "a.ipynb", b"{}")
    assert refused(403, served.url, "", "/api/handins", body=body, headers={"Cookie": cookie, "Content-Type": content_type})["error"].startswith(
        "This form has expired"
    )
    csrf = page(served.url, "/", cookie)[1].split('data-csrf="')[1].split('"')[0]
    headers = {"Cookie": cookie, "Content-Type": content_type, "X-CSRF-Token": csrf, "Origin": "http://evil.example"}
    refused(403, served.url, "", "/api/handins", body=body, headers=headers)
    assert not any(row["student"] == "bob" for row in handin_rows(served.course))


def test_every_response_carries_the_security_headers(served):
    with urllib.request.urlopen(served.url + "/signin") as response:
        headers = response.headers
    assert "script-src 'self'" in headers["content-security-policy"] and headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "same-origin"
    cookie = session(served.url, served.keys["alice"])
    request = urllib.request.Request(served.url + f"/a/{ASSIGNMENT}/handins/{served.first['id']}/report", headers={"Cookie": cookie})
    with urllib.request.urlopen(request) as response:
        assert response.headers["content-security-policy"].startswith("sandbox; default-src 'none'")
        assert "frame-ancestors 'self'" in response.headers["content-security-policy"] and response.headers["x-frame-options"] == "SAMEORIGIN"


def test_uploads_over_the_limit_or_not_notebooks_are_refused(served):
    from grader.service.client import multipart

    alice = served.keys["alice"]
    body, content_type = multipart({"assignment": ASSIGNMENT}, "big.ipynb", b"x" * 1_200_000)
    assert (
        "more than the 1,000,000 the service accepts"
        in refused(413, served.url, alice, "/api/handins", body=body, headers={"Content-Type": content_type})["error"]
    )
    body, content_type = multipart({"assignment": ASSIGNMENT}, "work.docx", b"x")
    assert "not '.docx'" in refused(415, served.url, alice, "/api/handins", body=body, headers={"Content-Type": content_type})["error"]


def test_the_same_file_again_is_not_graded_again(served):
    alice = served.keys["alice"]
    before = len(gradebook_attempts(served.course))
    again = wait_done(served.url, alice, hand_in(served.url, alice, QUICK["syntax"][0]))
    assert again["reused"] and again["result"]["status"] == "error" and again["id"] != served.first["id"]
    assert len(gradebook_attempts(served.course)) == before


def test_an_instructor_regrades_and_exports(served):
    prof = served.keys["prof"]
    before = len([a for a in gradebook_attempts(served.course) if a["state"] == "finished"])
    assert call(served.url, prof, f"/api/a/{ASSIGNMENT}/regrade", b'{"student": "alice"}') == {"queued": 1}
    regrade = [row for row in handin_rows(served.course) if row["origin"] == "regrade"][-1]
    wait_done(served.url, prof, {"assignment": ASSIGNMENT, "id": regrade["id"]})
    assert len([a for a in gradebook_attempts(served.course) if a["state"] == "finished"]) == before + 1
    cookie = session(served.url, prof)
    status, table = page(served.url, f"/instructor/a/{ASSIGNMENT}/export/gradebook.csv", cookie)
    assert status == 200 and table.splitlines()[1].startswith("alice,Alice Example,alice@example.edu,,true,syntax_error.ipynb,error,on_time,")
    status, results = page(served.url, f"/instructor/a/{ASSIGNMENT}/export/gradescope.json", cookie)
    assert json.loads(results)["alice"]["score"] == 0.0
    status, junit = page(served.url, f"/instructor/a/{ASSIGNMENT}/export/junit.xml", cookie)
    assert ElementTree.fromstring(junit).find("testsuite").get("name") == "alice"
    status, summary = page(served.url, f"/instructor/a/{ASSIGNMENT}/summary.html", cookie)
    assert status == 200 and 'href="reports/alice/report.html"' in summary


def test_a_sign_in_link_works_once(served):
    code = token(served.course, "bob", kind="code")
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as first:
        opener.open(urllib.request.Request(f"{served.url}/signin/{code}", data=b"", method="POST"))
    assert first.value.code == 303 and first.value.headers["set-cookie"].startswith("grader_session=gs_")
    with pytest.raises(urllib.error.HTTPError) as second:
        opener.open(urllib.request.Request(f"{served.url}/signin/{code}", data=b"", method="POST"))
    assert second.value.code == 403


def test_events_stream_the_hand_in(served):
    request = urllib.request.Request(
        f"{served.url}/api/a/{ASSIGNMENT}/handins/{served.first['id']}/events", headers={"Authorization": f"Bearer {served.keys['alice']}"}
    )
    with urllib.request.urlopen(request, timeout=30) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream") and stream.headers["x-accel-buffering"] == "no"
        line = stream.readline().decode()
    assert line.startswith("data: ") and json.loads(line[6:])["state"] == "done"


def test_grader_submit_hands_in_and_waits(served):
    command = [sys.executable, "-m", "grader", "submit", str(QUICK["raises"][0]), "--assignment", ASSIGNMENT, "--server", served.url]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "GRADER_TOKEN": served.keys["bob"]},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("raises_in_cell.ipynb: error, ") and "/100\n" in done.stdout and "Handed in raises_in_cell.ipynb" in done.stderr
    refused_run = subprocess.run(
        [*command[:-2], "--server", served.url, "--token", "gt_000000000000_" + "A" * 43],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert refused_run.returncode == 2 and "refused the hand-in (HTTP 401)" in refused_run.stderr


def test_submit_from_the_notebook(served, capsys):
    from grader import submit

    done = submit(assignment=ASSIGNMENT, server=served.url, token=served.keys["bob"], path=QUICK["missing"][0])
    assert done["state"] == "done" and done["result"]["status"] == "error"
    printed = capsys.readouterr().out
    assert "Handed in missing_graded_name.ipynb" in printed and "missing_graded_name.ipynb: error, " in printed
    assert submit(assignment=ASSIGNMENT, server=served.url, token="", path=QUICK["missing"][0]) is None
    assert "No access token" in capsys.readouterr().out


def test_one_grading_per_student_at_a_time(served, tmp_path):
    from servicecourse import variant

    bob = served.keys["bob"]
    first, second = (hand_in(served.url, bob, variant(QUICK["missing"][0], tmp_path, f"bob-{n}")) for n in (1, 2))
    wait_done(served.url, bob, first), wait_done(served.url, bob, second)
    rows = {row["id"]: row for row in handin_rows(served.course)}
    assert rows[second["id"]]["started_at"] >= rows[first["id"]]["finished_at"]


def test_a_form_without_its_token_is_refused(served):
    from grader.service.client import multipart

    cookie = session(served.url, served.keys["bob"])
    body, content_type = multipart({"assignment": ASSIGNMENT}, "a.ipynb", b"{}")
    before = len(handin_rows(served.course))
    status, html = page_post(served.url, "/handins", cookie, body, content_type)
    assert status == 403 and "This form has expired" in html
    assert len(handin_rows(served.course)) == before


def page_post(url: str, path: str, cookie: str, body: bytes, content_type: str) -> tuple[int, str]:
    request = urllib.request.Request(url + path, data=body, headers={"Cookie": cookie, "Content-Type": content_type}, method="POST")
    try:
        with urllib.request.build_opener(NoRedirect).open(request) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_no_batch_writes_where_the_service_grades_and_export_reads_it(served, tmp_path, capsys):
    from grader import cli

    grades = served.course / "grades" / ASSIGNMENT
    (tmp_path / "class").mkdir()
    assert cli.main(["batch", str(tmp_path / "class"), "-a", ASSIGNMENT, "-o", str(grades)]) == 2
    assert "batch" in capsys.readouterr().err
    assert cli.main(["export", "--course", str(served.course), "--to", str(tmp_path / "export")]) == 0
    rows = {line.split(",")[0]: line for line in (tmp_path / "export" / ASSIGNMENT / "gradebook.csv").read_text().splitlines()}
    assert ",syntax_error.ipynb,error,on_time," in rows["alice"]


def test_secure_cookies_travel_over_https_only(tmp_path):
    course = make_course(tmp_path / "course")
    with Server(course, "--secure-cookies") as server:
        request = urllib.request.Request(server.url + "/signin", data=f"token={token(course, 'alice')}".encode(), method="POST")
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.build_opener(NoRedirect).open(request)
    assert "Secure" in answer.value.headers["set-cookie"]


def test_a_second_server_for_the_same_course_is_refused(served, capsys):
    from grader import cli

    from servicecourse import free_port

    assert cli.main(["serve", str(served.course), "--port", str(free_port())]) == 2
    assert "a `grader serve` already runs for this course" in capsys.readouterr().err
