"""`grader batch`: every input gets a row and a report; a stopped batch resumes without grading anything twice."""

from __future__ import annotations

import io
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from grader import api, cli
from grader.api import choose_isolation
from grader.batch import archives, intake
from grader.batch import run as batch
from grader.batch.gradebook import FILE, Gradebook
from grader.batch.pools import usable_cores
from grader.batch.progress import Lines
from grader.batch.worker import Outcome
from grader.errors import GraderError
from grader.options import Options
from grader.sandbox.run import Limits

from chromium import dump_dom, having, not_blank, screenshot
from classroom import TRAINING, attempts, gradebook_rows, quick_class, report, training_class
from conftest import ASSIGNMENT, ROOT, SUBMISSIONS
from hostile_entries import deadline, hostile_class


def run_batch(source: Path, out: Path, *extra: str) -> int:
    return cli.main(["batch", str(source), "-a", ASSIGNMENT, "-o", str(out), "--jobs", "2", "--progress", "lines", *extra])


def start_batch(source: Path, out: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "grader", "batch", str(source), "-a", ASSIGNMENT, "-o", str(out), "--jobs", "2", "--progress", "lines"]
    # SIGINT at its default, as a terminal gives it: a suite started in the background (`make test &`,
    # nohup) ignores SIGINT, and an ignored signal is inherited, so Ctrl-C would never reach the batch.
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)
    )


def wait_for_reports(out: Path, count: int, process: subprocess.Popen, seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while len(list(out.glob("reports/*/report.html"))) < count:
        assert process.poll() is None, process.communicate()[0]
        assert time.monotonic() < deadline
        time.sleep(0.1)


def workers_of(pid: int) -> list[int]:
    """Grading processes still alive that a batch with this pid started."""
    alive = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and f"GRADER_PARENT_PID={pid}\0".encode() in (proc / "environ").read_bytes():
                alive.append(int(proc.name))
        except OSError:
            continue
    return alive


def assert_no_workers_left(pid: int) -> None:
    deadline = time.monotonic() + 60
    while workers_of(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert workers_of(pid) == []


def assert_complete(out: Path, expected: dict[str, str]) -> None:
    rows = gradebook_rows(out)
    assert {student: row.status for student, row in rows.items()} == expected
    for student, row in rows.items():
        assert all((out / "reports" / student / f"report.{kind}").is_file() for kind in ("json", "md", "html")), student
        assert (report(out, student)["status"], report(out, student)["score"]) == (row.status, row.score)
    finished = [a for a in attempts(out) if a["state"] == "finished"]
    assert sorted(a["student"] for a in finished) == sorted(expected)  # exactly one finished attempt each


def test_every_input_gets_a_row_and_a_report_and_a_rerun_grades_nothing(tmp_path, capsys):
    expected = quick_class(tmp_path / "class", hostile=True)
    assert run_batch(tmp_path / "class", tmp_path / "out") == cli.EXIT_OK
    assert_complete(tmp_path / "out", expected)
    first = attempts(tmp_path / "out")
    output = capsys.readouterr()
    assert "Grading 15 of 15 submissions: 2 at a time on this machine" in output.err
    assert "· stopped early 15 · grader faults 0 ·" in output.err and "failed" not in output.err
    assert (
        "submissions in " in output.out and ": 0 graded to the end; 15 stopped early by the submission (2 crashed, 6 error, 6 invalid, 1 output)." in output.out
    )
    assert run_batch(tmp_path / "class", tmp_path / "out") == cli.EXIT_OK
    assert attempts(tmp_path / "out") == first
    output = capsys.readouterr()
    assert "Graded 0 and kept 15 of 15 submissions" in output.out and "15 unchanged since their last grading" in output.err
    assert "document.title" in report(tmp_path / "out", "hal")["output"]


def test_only_changed_or_chosen_submissions_are_graded_again(tmp_path, capsys):
    (tmp_path / "class").mkdir()
    shutil.copy(SUBMISSIONS / "syntax_error.ipynb", tmp_path / "class" / "ada.ipynb")
    shutil.copy(SUBMISSIONS / "empty.ipynb", tmp_path / "class" / "dee.ipynb")
    out = tmp_path / "out"
    assert run_batch(tmp_path / "class", out) == cli.EXIT_OK
    shutil.copy(SUBMISSIONS / "not_json.ipynb", tmp_path / "class" / "dee.ipynb")  # dee hands in again
    (out / "reports" / "ada" / "report.html").unlink()  # a lost report comes back from the gradebook
    assert run_batch(tmp_path / "class", out) == cli.EXIT_OK
    assert (out / "reports" / "ada" / "report.html").is_file()
    assert [(a["student"], a["status"]) for a in attempts(out)] == [("ada", "error"), ("dee", "invalid"), ("dee", "invalid")]
    assert "not a readable Jupyter notebook" in gradebook_rows(out)["dee"].message
    first_grading = report(out, "ada")["graded_at"]
    assert run_batch(tmp_path / "class", out, "--regrade", "error") == cli.EXIT_OK
    assert [a["student"] for a in attempts(out)] == ["ada", "dee", "dee", "ada"]
    assert report(out, "ada")["graded_at"] > first_grading  # graded again, not answered from the grader's kept reports
    assert run_batch(tmp_path / "class", out, "--regrade") == cli.EXIT_OK
    assert len(attempts(out)) == 6 and gradebook_rows(out)["ada"].attempts == 3
    assert run_batch(tmp_path / "class", out, "--regrade", "nonsense") == cli.EXIT_USAGE
    assert "--regrade nonsense: give `all`" in capsys.readouterr().err


def test_a_class_archive_grades_like_its_folder(tmp_path):
    expected = quick_class(tmp_path / "class" / "term1")
    shutil.make_archive(str(tmp_path / "class"), "gztar", tmp_path / "class")
    assert run_batch(tmp_path / "class.tar.gz", tmp_path / "out") == cli.EXIT_OK
    assert_complete(tmp_path / "out", expected)


def test_jobs_share_the_cores(tmp_path):
    assert batch.threads_per_job(1) == usable_cores()
    assert batch.threads_per_job(usable_cores() * 2) == 1
    with pytest.raises(GraderError, match="--jobs -1"):
        batch.grade_batch(tmp_path, None, tmp_path / "out", None, jobs=-1)


def test_an_unreachable_cluster_is_the_operators_problem(tmp_path, monkeypatch, capsys):
    pytest.importorskip("distributed")
    from grader.batch import pools as executors

    monkeypatch.setattr(executors, "CONNECT_SECONDS", 2)
    quick_class(tmp_path / "class")
    assert run_batch(tmp_path / "class", tmp_path / "out", "--cluster", f"tcp://127.0.0.1:{free_port()}") == cli.EXIT_USAGE
    assert "Cannot reach the Dask scheduler at tcp://127.0.0.1:" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()  # a failed start leaves nothing behind


def contents(folder: Path) -> dict[str, bytes | None] | None:
    """Every path under ``folder`` and each file's bytes; None when the folder does not exist."""
    if not folder.exists():
        return None
    return {str(path.relative_to(folder)): path.read_bytes() if path.is_file() else None for path in sorted(folder.rglob("*"))}


def another_assignments_gradebook(out: Path) -> None:
    out.mkdir(parents=True)
    with Gradebook(out / FILE) as book:
        book.claim("mnist_callback")
    (out / "notes.txt").write_text("the instructor's own file\n")


@pytest.mark.parametrize(
    "source, prepare, problem",
    [
        ("nowhere", None, "there is no such folder or archive"),
        ("class.zip", None, "cannot be unpacked"),
        ("notes.txt", None, "is neither a folder nor a .zip"),
        ("class", another_assignments_gradebook, "holds the gradebook of assignment 'mnist_callback'"),
        ("nowhere", another_assignments_gradebook, "holds the gradebook of assignment 'mnist_callback'"),
        ("nowhere", lambda out: (out.mkdir(parents=True), (out / "keep.txt").write_text("x")), "there is no such folder or archive"),
    ],
)
def test_a_failed_start_leaves_nothing_behind_in_out(tmp_path, capsys, source, prepare, problem):
    quick_class(tmp_path / "class")
    (tmp_path / "class.zip").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "notes.txt").write_text("not a class\n")
    out = tmp_path / "grades" / "week2"
    if prepare:
        prepare(out)
    before = contents(tmp_path / "grades")
    assert run_batch(tmp_path / source, out) == cli.EXIT_USAGE
    assert problem in capsys.readouterr().err
    assert contents(tmp_path / "grades") == before


def test_a_batch_refused_by_the_lock_takes_nothing_of_the_other_batchs(tmp_path, capsys):
    quick_class(tmp_path / "class")
    out = tmp_path / "out"
    with batch._locked(out):  # another batch holds out/ and has not made its gradebook yet
        before = contents(out)
        assert run_batch(tmp_path / "class", out) == cli.EXIT_USAGE
        assert contents(out) == before == {".batch.lock": b""}
    assert "Another `grader batch` is writing to" in capsys.readouterr().err


def test_an_out_that_is_a_file_is_refused_before_anything_is_made(tmp_path, capsys):
    quick_class(tmp_path / "class")
    (tmp_path / "taken").write_text("a file\n")
    assert run_batch(tmp_path / "class", tmp_path / "taken") == cli.EXIT_USAGE
    assert run_batch(tmp_path / "class", tmp_path / "taken" / "week2") == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "--out " + str(tmp_path / "taken") + " is a file, not a folder" in err and "is inside " + str(tmp_path / "taken") in err
    assert (tmp_path / "taken").read_text() == "a file\n"


class FaultyPool:
    """A pool whose first job reports a broken machine."""

    where = "nowhere"

    def __init__(self):
        self.submitted = []

    def slots(self):
        return 1

    def submit(self, job):
        self.submitted.append(job.student)
        return job.student

    def finished(self, timeout):
        return [(self.submitted[-1], Outcome(self.submitted[-1], None, "The data set is missing."))]

    def close(self, abort=False):
        pass


def test_a_fault_of_the_machine_stops_the_batch_and_records_no_result(tmp_path, assignment):
    quick_class(tmp_path / "class")
    with Gradebook(tmp_path / FILE) as book:
        book.claim(ASSIGNMENT)
        from grader.batch import intake

        entries = intake.discover(tmp_path / "class", tmp_path / "s")
        ids = book.register(entries)
        run = batch._Run(book, assignment, tmp_path, batch.Options(), Lines(io.StringIO()))
        pool = FaultyPool()
        with pytest.raises(GraderError, match="The data set is missing."):
            batch._dispatch(run, pool, [e for e in entries if e.file], ids)
        assert pool.submitted == ["ada"]
        assert [row[0] for row in book.db.execute("SELECT state FROM attempts")] == ["interrupted"]


def test_ctrl_c_stops_the_workers_and_a_rerun_finishes(tmp_path):
    expected = quick_class(tmp_path / "class", copies=3)  # 21 students: work is left when the second report appears
    process = start_batch(tmp_path / "class", tmp_path / "out")
    wait_for_reports(tmp_path / "out", 2, process)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 130 and "run the same command again to grade the rest" in output
    assert_no_workers_left(process.pid)
    assert {a["state"] for a in attempts(tmp_path / "out")} <= {"finished", "interrupted"}
    assert run_batch(tmp_path / "class", tmp_path / "out") == cli.EXIT_OK
    assert_complete(tmp_path / "out", expected)


class UnpackedAtStart:
    """Progress that weighs the unpack folder when grading starts: by then intake has unpacked every archive."""

    def __init__(self, inputs: Path):
        self.inputs, self.bytes = inputs, -1

    def start(self, total: int, skipped: int, note: str, slots: int = 1) -> None:
        self.bytes = sum(path.lstat().st_size for path in self.inputs.rglob("*") if path.is_file() and not path.is_symlink())

    def finished(self, student: str, report: dict, seconds: float, running: int) -> None:
        pass

    def running(self, count: int) -> None:
        pass

    def stop(self) -> None:
        pass


def test_a_hostile_class_folder_finishes_with_one_row_and_report_per_entry(tmp_path, monkeypatch, assignment):
    cap = 3 * 2**20
    monkeypatch.setattr(archives, "CLASS_MAX_BYTES", cap)
    monkeypatch.setattr(archives, "CLASS_MAX_MEMBERS", 1000)
    expected = {intake.shown(name): status for name, status in hostile_class(tmp_path / "class").items()}
    out, progress = tmp_path / "out", UnpackedAtStart(tmp_path / "out" / "inputs")
    options = Options(isolation=choose_isolation(), limits=Limits(30, 60, 2048, 512, 64, 50_000))
    with deadline(600):  # a pipe that were opened would block here for ever
        result = api.grade_batch(tmp_path / "class", assignment, out, options, jobs=2, progress=progress)

    with sqlite3.connect(out / FILE) as db:
        entry_of = {student: Path(source).name for student, source in db.execute("SELECT id, source FROM students")}
    rows = gradebook_rows(out)
    assert result.total == len(rows) == len(entry_of) == len(expected) == 9
    assert {entry_of[student]: row.status for student, row in rows.items()} == expected
    for student, row in rows.items():
        assert (report(out, student)["status"], report(out, student)["message"]) == (row.status, row.message)
    by_entry = {entry_of[student]: (student, row, report(out, student)) for student, row in rows.items()}
    assert by_entry["submission.py"][1].message.startswith("submission.py is a named pipe (FIFO), not a regular file")
    assert by_entry["sock.py"][1].message.startswith("sock.py is a UNIX socket, not a regular file")
    assert (by_entry[".carol.py"][0], by_entry["__pycache__"][0], by_entry["\ufffd\ufffdname.py"][0]) == ("carol", "pycache", "name")
    for entry, other in (("o'neil.py", "o(neil.py"), ("o(neil.py", "o'neil.py")):
        student, row, written = by_entry[entry]
        assert student.startswith("o_neil-") and f"comes from the entry {entry}. It is not o_neil because {other}" in written["notes"][-1]
    assert by_entry["o(neil.py"][1].message.startswith("o(neil.py is empty") and "o'neil.py" in by_entry["o'neil.py"][1].message
    for bomb in ("zip_bomb_a.zip", "zip_bomb_b.zip"):
        assert by_entry[bomb][1].message.startswith(f"{bomb} was not unpacked in full: the archives of one batch may unpack 3 MB")
    assert 0 < progress.bytes <= cap  # the first bomb filled the budget, the second got nothing
    assert not (out / "inputs").exists()
    (out / "inputs" / "students" / "gone").mkdir(parents=True)  # what a batch killed outright (SIGKILL) left
    (out / "inputs" / "students" / "gone" / "work.py").write_text("x = 1\n")
    with deadline(600):
        again = api.grade_batch(tmp_path / "class", assignment, out, options, jobs=2, progress=progress)
    assert (again.graded, again.skipped, gradebook_rows(out)) == (0, 9, rows)  # the same ids: every row kept
    assert not (out / "inputs").exists()


@pytest.mark.parametrize("stop, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stopped_batch_removes_what_it_unpacked(tmp_path, stop, code):
    (tmp_path / "class").mkdir()
    with zipfile.ZipFile(tmp_path / "class" / "ada.zip", "w") as archive:
        archive.writestr("ada/work.py", (SUBMISSIONS / "hostile" / "batch" / "syntax_error.py").read_text())
    shutil.copy(SUBMISSIONS / "hostile" / "long_sleep.py", tmp_path / "class" / "zed.py")
    process = start_batch(tmp_path / "class", tmp_path / "out")
    wait_for_reports(tmp_path / "out", 1, process)
    assert (tmp_path / "out" / "inputs" / "students" / "ada" / "ada" / "work.py").is_file()
    process.send_signal(stop)
    process.communicate(timeout=120)
    assert process.returncode == code
    assert_no_workers_left(process.pid)
    assert not (tmp_path / "out" / "inputs").exists()
    assert {(a["student"], a["state"]) for a in attempts(tmp_path / "out")} == {("ada", "finished"), ("zed", "interrupted")}


def forty_students(folder: Path) -> dict[str, str]:
    """28 quick, 8 hostile, 4 that train (two pass, two fail), one of them first in line."""
    expected = quick_class(folder, copies=4, hostile=True)
    expected |= training_class(folder, ("quin", "rae"))
    for student, example in (("abe", "passes_as_module"), ("sol", "magics")):
        (folder / student).mkdir()
        source = (
            ROOT / "assignments" / ASSIGNMENT / "examples" / example / "submission.py"
            if example != "magics"
            else SUBMISSIONS / "magics_and_grade_up_to_here.ipynb"
        )
        shutil.copy(source, folder / student / source.name)
        expected[student] = "graded"
    assert len(expected) == 40
    return expected


@pytest.mark.slow
def test_forty_submissions_killed_halfway_finish_without_grading_anything_twice(tmp_path):
    expected = forty_students(tmp_path / "class")
    out = tmp_path / "out"
    process = start_batch(tmp_path / "class", out)
    wait_for_reports(out, 16, process)
    process.kill()  # like a power cut: no clean-up of any kind
    process.wait()
    assert_no_workers_left(process.pid)
    before = {a["id"]: a for a in attempts(out) if a["state"] == "finished"}
    assert 12 <= len(before) < 40

    assert run_batch(tmp_path / "class", out) == cli.EXIT_OK
    assert_complete(out, expected)
    after = attempts(out)
    assert all(after_attempt == before[after_attempt["id"]] for after_attempt in after if after_attempt["id"] in before)
    regraded = {a["student"] for a in after if a["state"] == "finished" and a["id"] not in before}
    assert regraded == set(expected) - {a["student"] for a in before.values()}
    assert len([a for a in after if a["state"] == "interrupted"]) <= 2
    rows = gradebook_rows(out)
    assert [(rows[s].status, rows[s].score) for s in ("abe", "sol", "quin", "rae")] == [("graded", 100), ("graded", 100), ("graded", 20), ("graded", 20)]

    dom = dump_dom(out / "summary.html")
    students = {
        r.attrs["data-student"]: (r.attrs["data-status"], float(r.attrs["data-score"]), int(r.attrs["data-attempts"]))
        for r in having(dom, "data-status")
        if r.tag == "tr"
    }
    assert students == {s: (row.status, row.score, row.attempts) for s, row in rows.items()}
    headline = {e.attrs["data-key"]: e.attrs["data-value"] for e in having(dom, "data-key")}
    assert (headline["students"], headline["graded"], headline["stopped"], headline["faults"], headline["full_marks"]) == ("40", "4", "36", "0", "2")
    rates = {r.attrs["data-check"]: (int(r.attrs["data-passed"]), int(r.attrs["data-total"])) for r in having(dom, "data-check") if r.tag == "tr"}
    graded_to_the_end = [row for row in rows.values() if row.status == "graded"]
    assert rates == {  # pass rates over the runs graded to the end, not over every hand-in
        check: (sum(c.passed for row in graded_to_the_end for c in row.checks if c.id == check), 4)
        for check in ("model", "callback", "stopped_by_callback", "accuracy", "reference")
    }
    assert not_blank(screenshot(out / "summary.html", tmp_path / "summary.png", "1000,3000"))
    abe = dump_dom(out / "reports" / "abe" / "report.html")
    assert [float(v) for v in having(abe, "data-series")[0].attrs["data-values"].split(",")] == [
        round(v, 4) for v in report(out, "abe")["metrics"]["history"]["accuracy"]
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def dask_cluster():
    pytest.importorskip("distributed")
    from distributed import Client

    address = f"tcp://127.0.0.1:{free_port()}"
    python = [sys.executable, "-m"]
    started = [
        subprocess.Popen(
            [*python, "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1], "--no-dashboard"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    for name in ("w1", "w2"):
        started.append(
            subprocess.Popen(
                [*python, "distributed.cli.dask_worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--no-dashboard", "--name", name],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    try:
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for process in reversed(started):
            process.terminate()
        for process in started:
            process.wait(timeout=60)


@pytest.mark.slow
def test_a_dask_cluster_grades_like_this_machine(tmp_path, dask_cluster):
    expected = quick_class(tmp_path / "class") | training_class(tmp_path / "class", ("pia",))
    assert run_batch(tmp_path / "class", tmp_path / "local") == cli.EXIT_OK
    assert (
        cli.main(["batch", str(tmp_path / "class"), "-a", ASSIGNMENT, "-o", str(tmp_path / "cluster"), "--cluster", dask_cluster, "--progress", "lines"])
        == cli.EXIT_OK
    )
    assert_complete(tmp_path / "cluster", expected)
    local, cluster = gradebook_rows(tmp_path / "local"), gradebook_rows(tmp_path / "cluster")

    def verdicts(row):  # a crash message's "Last output" holds TensorFlow's log timestamps: compare its headline
        metrics = row.report["metrics"] or {}
        checks = [(c.id, c.passed, c.score, c.message) for c in row.checks]
        return row.status, row.score, row.message.split("\n")[0], checks, metrics.get("test_accuracy"), metrics.get("history")

    assert {s: verdicts(row) for s, row in cluster.items()} == {s: verdicts(row) for s, row in local.items()}
    assert cluster["pia"].report["metrics"]["test_accuracy"] is not None and TRAINING["pia"][2] == cluster["pia"].score
