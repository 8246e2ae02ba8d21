"""One submission graded in a process of its own: ``python -m grader.batch.worker FOLDER``.

``run_job`` (the coordinator's side, or a Dask worker's) writes the job and the
submission's bytes into a private folder, starts the worker process on it and
reads back report.json. A job carries the bytes, not a path, so it runs the
same on a cluster machine that cannot see the class folder. One process per
submission keeps a grader fault, or a worker's death, to that one submission,
and the process dies with its parent, so a killed batch leaves nothing running.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from grader import spec as specs
from grader.checks.scoring import nothing_graded
from grader.data import fashion_mnist as datasets
from grader.errors import GraderError
from grader.grading.evaluator import EVALUATION_LIMITS
from grader.grading.fingerprint import fingerprint
from grader.options import Options
from grader.reports.report import Report
from grader.sandbox.limits import Limits
from grader.sandbox.run import Isolation
from grader.status import Status
from grader.text import batch as batch_words
from grader.text import messages

EXIT_SETUP = 2
COMMAND = ("-m", "grader.batch.worker")  # how run_job starts the worker process, after the interpreter
SETUP_FILE = "setup-error.txt"
EVENTS_FILE = "events.jsonl"  # progress events of the grading, one JSON object a line
OUTPUT_KEPT = 20_000  # of a dead grading process's own output


@dataclass(frozen=True)
class Job:
    student: str
    file_name: str
    content: bytes
    spec_name: str
    spec_folder: str
    options: Options
    overrides: tuple[tuple[str, str], ...] = ()  # --set key=value of the batch


@dataclass(frozen=True)
class Outcome:
    student: str
    report: dict[str, Any] | None  # report.json's content; None only for a setup fault
    setup_problem: str = ""  # a fault of the machine, not the submission: the batch stops
    wall_seconds: float = 0.0
    worker: str = ""
    fingerprint: str = ""


class Processes:
    """The worker processes running now, so that an interrupted batch can stop them."""

    def __init__(self) -> None:
        self._lock, self._running = threading.Lock(), set[subprocess.Popen]()

    def add(self, process: subprocess.Popen) -> None:
        with self._lock:
            self._running.add(process)

    def discard(self, process: subprocess.Popen) -> None:
        with self._lock:
            self._running.discard(process)

    def terminate_all(self) -> None:
        with self._lock:
            for process in self._running:
                process.terminate()


def options_json(options: Options) -> dict[str, Any]:
    """Every field of ``Options`` as JSON: the worker process gets exactly the coordinator's choices."""
    data = {field.name: getattr(options, field.name) for field in fields(Options)}
    return {
        **data,
        "isolation": options.isolation.value,
        "limits": asdict(options.limits) if options.limits else None,
        "work_root": str(options.work_root) if options.work_root else None,
    }


def options_from_json(data: dict[str, Any]) -> Options:
    return Options(
        **{
            **data,
            "isolation": Isolation(data["isolation"]),
            "limits": Limits(**data["limits"]) if data["limits"] else None,
            "work_root": Path(data["work_root"]) if data["work_root"] else None,
        }
    )


def job_json(job: Job) -> dict[str, Any]:
    """The job without its content (that goes next to it as a file)."""
    return {
        "student": job.student,
        "file_name": job.file_name,
        "spec_name": job.spec_name,
        "spec_folder": job.spec_folder,
        "options": options_json(job.options),
        "overrides": [list(pair) for pair in job.overrides],
    }


def load_spec(job: Job) -> specs.AssignmentSpec:
    spec = specs.load(job.spec_folder if Path(job.spec_folder).is_dir() else job.spec_name)
    return specs.with_overrides(spec, dict(job.overrides))


def died_report(job: Job, spec: specs.AssignmentSpec, how: str, output: str) -> dict[str, Any]:
    """The report of a submission whose grading process died: status internal, score 0."""
    return Report.of(
        assignment=spec.name,
        version=spec.version,
        submission=job.file_name,
        status=Status.INTERNAL,
        message=batch_words.grading_process_died(job.file_name, how, output),
        score=nothing_graded(spec, messages.not_graded()),
        output=output[-OUTPUT_KEPT:],
        output_truncated=len(output) > OUTPUT_KEPT,
        sandbox=job.options.isolation.value,
    ).to_json()


def _deadline(job: Job, spec: specs.AssignmentSpec) -> float:
    limits = job.options.limits or spec.limits
    return 2 * (limits.wall_seconds + EVALUATION_LIMITS.wall_seconds) + 120


def _wait(process: subprocess.Popen, seconds: float) -> tuple[str, str | None]:
    try:
        output, _ = process.communicate(timeout=seconds)
        return output, None
    except subprocess.TimeoutExpired:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        return output, batch_words.grading_process_timed_out(seconds)


def _how(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


class _Events(threading.Thread):
    """Reads the worker process's events.jsonl as it grows and hands each event to ``on_event``."""

    def __init__(self, path: Path, on_event: Callable[[dict], None]):
        super().__init__(daemon=True)
        self.path, self.on_event, self.done, self.position = path, on_event, threading.Event(), 0

    def run(self) -> None:
        while not self.done.wait(0.2):
            self.poll()
        self.poll()

    def poll(self) -> None:
        try:
            with open(self.path, "rb") as stream:
                stream.seek(self.position)
                data = stream.read()
        except OSError:
            return
        complete = data[: data.rfind(b"\n") + 1]
        self.position += len(complete)
        for line in complete.splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict):
                self.on_event(event)


def _spawn(folder: Path, job: Job, spec: specs.AssignmentSpec, processes: Processes | None) -> tuple[int, str, str | None]:
    command = [sys.executable, *COMMAND, str(folder)]
    env = {**os.environ, "GRADER_PARENT_PID": str(os.getpid())}
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", env=env, start_new_session=True
    )
    if processes:
        processes.add(process)
    try:
        output, timed_out = _wait(process, _deadline(job, spec))
    finally:
        if processes:
            processes.discard(process)
    return process.returncode, output, timed_out


def run_job(job: Job, processes: Processes | None = None, on_event: Callable[[dict], None] | None = None) -> Outcome:
    """Grade one job in a fresh worker process; every outcome but a setup fault has a report.

    ``on_event`` is told the grading's progress as it happens (stages, epochs, check verdicts).
    """
    started = time.monotonic()
    try:
        spec = load_spec(job)
    except GraderError as problem:  # this machine lacks the assignment: a setup fault, like missing data
        return Outcome(job.student, None, f"{socket.gethostname()}: {problem}")
    with tempfile.TemporaryDirectory(prefix="grader-job-") as scratch:
        folder = Path(scratch)
        (folder / "in").mkdir()
        (folder / "in" / job.file_name).write_bytes(job.content)
        (folder / "job.json").write_text(json.dumps(job_json(job)))
        events = _Events(folder / EVENTS_FILE, on_event) if on_event else None
        if events:
            events.start()
        try:
            code, output, timed_out = _spawn(folder, job, spec, processes)
        finally:
            if events:
                events.done.set()
                events.join()
        written = folder / "out" / "report.json"
        if code == EXIT_SETUP and (folder / SETUP_FILE).is_file():
            return Outcome(job.student, None, (folder / SETUP_FILE).read_text())
        if code == 0 and written.is_file():
            report = json.loads(written.read_text())
        else:
            report = died_report(job, spec, timed_out or _how(code), output)
    return Outcome(job.student, report, "", time.monotonic() - started, socket.gethostname(), fingerprint(spec))


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM this process when the batch that started it dies, however it dies."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.environ.get("GRADER_PARENT_PID") and os.getppid() != int(os.environ["GRADER_PARENT_PID"]):
        sys.exit(143)  # the parent died before prctl took effect


def main(argv: list[str]) -> int:
    _die_with_parent()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwinds, so the sandbox cleans up
    folder = Path(argv[0])
    data = json.loads((folder / "job.json").read_text())
    job = Job(
        **{**data, "content": b"", "options": options_from_json(data["options"]), "overrides": tuple(tuple(pair) for pair in data.get("overrides", []))}
    )  # the content is in/
    from grader.pipeline import grade_to  # after the signal handlers: imports take a moment

    def on_event(event: dict) -> None:
        with open(folder / EVENTS_FILE, "a") as stream:
            stream.write(json.dumps(event) + "\n")

    try:
        grade_to(folder / "in" / job.file_name, load_spec(job), folder / "out", job.options, on_event)
    except (GraderError, datasets.DatasetUnavailable) as problem:
        (folder / SETUP_FILE).write_text(str(problem))
        return EXIT_SETUP
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
