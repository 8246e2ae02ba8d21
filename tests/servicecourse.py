"""A course folder for the grading service, a real `grader serve` in a process of its own, and its API.

Quick hand-ins (no training) grade in a few seconds in the real sandbox: ``QUICK`` maps a name to
(fixture, expected status).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from conftest import ROOT, SUBMISSIONS

ASSIGNMENT = "fashion_mnist_callback"
FAST = ROOT / "tests" / "benchmarks" / "fast_submission.ipynb"  # trains one short epoch: 40/100
QUICK = {
    "syntax": (SUBMISSIONS / "syntax_error.ipynb", "error"),
    "raises": (SUBMISSIONS / "raises_in_cell.ipynb", "error"),
    "missing": (SUBMISSIONS / "missing_graded_name.ipynb", "error"),
    "empty": (SUBMISSIONS / "empty.ipynb", "invalid"),
}
STUDENTS = ("alice", "bob")


def make_course(
    folder: Path, students: tuple[str, ...] = STUDENTS, due: str = "2099-01-01T00:00:00Z", late: str = "", opens: str = "2020-01-01T00:00:00Z"
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "course.toml").write_text(
        f'[course]\ntitle = "Deep learning, test"\n{late}\n[[assignments]]\nname = "{ASSIGNMENT}"\nopens = {opens}\ndue = {due}\n'
    )
    rows = "".join(f"{student},{student.title()} Example,{student}@example.edu\n" for student in students)
    (folder / "roster.csv").write_text("id,name,email\n" + rows)
    return folder


def token(course: Path, person: str, role: str = "student", kind: str = "token") -> str:
    from grader import course as courses
    from grader.service.access import Access
    from grader.service.place import Place

    place = Place(courses.load(course))
    place.prepare()
    return Access(place.access, lambda _: True).issue(kind, person, role)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`grader serve COURSE` on a free port, in a session of its own; ``kill`` sends SIGKILL."""

    def __init__(self, course: Path, *extra: str, port: int | None = None):
        self.course, self.extra, self.port = course, extra, port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = course / f"serve-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> Server:
        command = [sys.executable, "-m", "grader", "serve", str(self.course), "--port", str(self.port), *self.extra]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                call(self.url, "", "/api/me")
            except Failed as failure:
                if failure.status == 401:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"the server did not start:\n{self.log.read_text()}")

    def kill(self) -> None:
        """SIGKILL to the server alone; its grading processes die with it (their parent-death signal)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


class Failed(Exception):
    def __init__(self, status: int, body: dict[str, Any], headers: Any):
        super().__init__(f"HTTP {status}: {body}")
        self.status, self.body, self.headers = status, body, headers


def call(url: str, credential: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None, method: str | None = None) -> Any:
    """The API's JSON answer; an error status raises ``Failed`` with the answer."""
    sent = {**({"Authorization": f"Bearer {credential}"} if credential else {}), **(headers or {})}
    request = urllib.request.Request(url + path, data=body, headers=sent, method=method or ("POST" if body is not None else "GET"))
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            data = response.read()
            return json.loads(data) if response.headers.get("content-type", "").startswith("application/json") else data.decode()
    except urllib.error.HTTPError as error:
        data = error.read()
        try:
            answer = json.loads(data)
        except ValueError:
            answer = {"text": data.decode(errors="replace")}
        raise Failed(error.code, answer, error.headers) from None


def hand_in(url: str, credential: str, path: Path, assignment: str = ASSIGNMENT, name: str | None = None) -> dict[str, Any]:
    from grader.service.client import multipart

    body, content_type = multipart({"assignment": assignment}, name or path.name, path.read_bytes())
    return call(url, credential, "/api/handins", body, {"Content-Type": content_type})


def wait_done(url: str, credential: str, handin: dict[str, Any], seconds: float = 300) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        found = call(url, credential, f"/api/a/{handin['assignment']}/handins/{handin['id']}")
        if found["state"] == "done":
            return found
        assert time.monotonic() < deadline, found
        time.sleep(0.3)


def gradebook_attempts(course: Path) -> list[dict[str, Any]]:
    import sqlite3

    with sqlite3.connect(course / "grades" / ASSIGNMENT / "gradebook.sqlite") as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute("SELECT * FROM attempts ORDER BY id")]


def handin_rows(course: Path) -> list[dict[str, Any]]:
    import sqlite3

    with sqlite3.connect(course / "grades" / ASSIGNMENT / "gradebook.sqlite") as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute("SELECT * FROM service_handins ORDER BY id")]


def variant(source: Path, folder: Path, label: str) -> Path:
    """A copy of a notebook with one more markdown cell: the same work, a different file (no kept report applies, ever)."""
    notebook = json.loads(source.read_text())
    notebook["cells"].append({"cell_type": "markdown", "metadata": {}, "source": [f"Handed in by {label} ({uuid.uuid4().hex})."]})
    path = folder / f"{label}{source.suffix}"
    path.write_text(json.dumps(notebook))
    return path
