"""20 hand-ins from 10 students at once, `--jobs 2`, across a `kill -9` of the server and a restart: nothing lost, nothing graded twice."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from servicecourse import ASSIGNMENT, FAST, QUICK, Server, gradebook_attempts, hand_in, handin_rows, make_course, token, variant, wait_done

STUDENTS = tuple(f"s{number:02d}" for number in range(1, 11))


@pytest.mark.slow
def test_twenty_hand_ins_survive_a_kill_and_a_restart(tmp_path):
    course = make_course(tmp_path / "course", students=STUDENTS)
    keys = {student: token(course, student) for student in STUDENTS}
    files = tmp_path / "files"
    files.mkdir()
    work = [(student, variant(FAST, files, f"{student}-train")) for student in STUDENTS]
    work += [(student, variant(QUICK["raises"][0], files, f"{student}-quick")) for student in STUDENTS]
    server = Server(course, "--jobs", "2").start()
    try:
        with ThreadPoolExecutor(max_workers=20) as pool:  # all at once
            accepted = list(pool.map(lambda pair: hand_in(server.url, keys[pair[0]], pair[1]), work))
        assert len({(h["assignment"], h["id"]) for h in accepted}) == 20
        deadline = time.monotonic() + 600
        while not (sum(row["state"] == "done" for row in handin_rows(course)) >= 3 and any(row["state"] == "running" for row in handin_rows(course))):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        server.kill()  # SIGKILL, in the middle of grading
        running = [row["id"] for row in handin_rows(course) if row["state"] == "running"]
        assert running
        server.start()
        done = [wait_done(server.url, keys[h["student"]], h, seconds=900) for h in accepted]
    finally:
        server.stop()
    rows, attempts = handin_rows(course), gradebook_attempts(course)
    assert len(rows) == 20 and all(row["state"] == "done" and not row["reused"] for row in rows)  # nothing lost
    finished = [attempt for attempt in attempts if attempt["state"] == "finished"]
    assert len(finished) == 20 and len({row["attempt"] for row in rows}) == 20  # nothing graded twice
    assert sum(attempt["state"] == "interrupted" for attempt in attempts) == len(running)  # the kill cut those gradings short
    results = {(h["student"], h["file_name"].split("-")[1]): (h["result"]["status"], h["result"]["score"]) for h in done}
    assert {results[(s, "train.ipynb")] for s in STUDENTS} == {("graded", 40.0)}
    assert {results[(s, "quick.ipynb")][0] for s in STUDENTS} == {"error"}
    reports = course / "grades" / ASSIGNMENT / "handins"
    assert sorted(int(path.name) for path in reports.iterdir()) == sorted(row["id"] for row in rows)
