"""Grade a class: in parallel, resumable, every input recorded.

    discover the students → register them in the gradebook → skip those already
    graded with the same content and grader → grade the rest, a few at a time,
    recording each result as it arrives → write summary.html

Each result is written (reports first, then the gradebook in one transaction)
as soon as it finishes, so a batch stopped at any point, run again, grades only
what is missing. Folder layout under ``out``: gradebook.sqlite, summary.html,
reports/<student>/report.{json,md,html}, and while the batch runs inputs/ (the
unpacked archives, removed when it ends, however it ends but SIGKILL; the next
run removes what a killed one left).
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from grader.batch import archives, endings, intake, summary
from grader.batch.gradebook import FILE, Gradebook
from grader.batch.intake import Entry
from grader.batch.pools import DaskPool, LocalPool
from grader.batch.progress import Progress, for_stream
from grader.batch.worker import Job, Outcome
from grader.course import handins as course_handins
from grader.course import pages as course_pages
from grader.course.config import Course
from grader.errors import GraderError
from grader.files import FILE_MODE, Folder, write_text
from grader.grading.fingerprint import fingerprint
from grader.options import Options, threads_per_job, usable_cores
from grader.pipeline import ungraded
from grader.reports.report import Report
from grader.reports.write import write
from grader.spec import AssignmentSpec
from grader.status import Status
from grader.text import batch as batch_words

REPORTS, SUMMARY, INPUTS, LOCK = "reports", "summary.html", "inputs", ".batch.lock"
CLAIMED = (LOCK, FILE, f"{FILE}-wal", f"{FILE}-shm")  # what a batch adds to its folder before it grades
ALL = "all"


@dataclass(frozen=True)
class BatchResult:
    out: Path
    total: int  # students in the class folder
    graded: int  # graded by this run
    skipped: int  # unchanged since their last finished grading
    statuses: dict[str, int]  # every student's current status
    seconds: float

    @property
    def gradebook(self) -> Path:
        return self.out / FILE

    @property
    def summary(self) -> Path:
        return self.out / SUMMARY

    @property
    def reports(self) -> Path:
        return self.out / REPORTS

    @property
    def by_ending(self) -> dict[str, dict[str, int]]:
        """Every student's current status counted, grouped by whose doing it is (``endings``)."""
        return {kind.value: counts for kind, counts in endings.by_ending(self.statuses).items()}


@contextmanager
def _locked(out: Path) -> Iterator[None]:
    """One batch at a time in ``out``: the lock file is opened without following a link, and held."""
    with Folder.open(out) as folder:
        descriptor = os.open(LOCK, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE, dir_fd=folder.fd)
    with os.fdopen(descriptor, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise GraderError(batch_words.batch_locked(out)) from None
        yield


class _Start:
    """Whether grading began; until it does, a failure takes back what the batch added to its folder."""

    begun = False


@contextmanager
def _claimed(out: Path) -> Iterator[_Start]:
    """``out`` made if need be and locked for this batch; a start that fails leaves it as it was found.

    Until ``start.begun`` is set, a failure (no such source, an archive that does not unpack, another
    assignment's gradebook, another batch writing there, Ctrl-C...) removes the lock file and gradebook
    files this batch created, and the folders it made; nothing that was there before is touched.
    """
    made = [folder for folder in (*reversed(out.parents), out) if not os.path.lexists(folder)]
    start = _Start()
    try:
        Folder.open(out).close()  # made with its parents; a link or a file there is refused
        created = [name for name in CLAIMED if not os.path.lexists(out / name)]
        with _locked(out):
            try:
                yield start
            except BaseException:
                if not start.begun:  # still locked: no other batch can have made these since
                    for name in created:
                        (out / name).unlink(missing_ok=True)
                raise
    except BaseException:
        if not start.begun:
            _remove_empty(made)
        raise


def _remove_empty(folders: list[Path]) -> None:
    """Remove ``folders``, deepest first, while they are empty."""
    for folder in reversed(folders):
        try:
            folder.rmdir()
        except OSError:
            return


@contextmanager
def _unpack_space(folder: Path) -> Iterator[Path]:
    """The batch's unpack folder: what a killed batch left there is removed first, and all of it when the batch ends."""
    archives.reclaim(folder)
    try:
        yield folder
    finally:
        archives.reclaim(folder)


def _terminated(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def _unwinds_on_sigterm() -> Iterator[None]:
    """SIGTERM (`kill`, a service stop) unwinds the batch as Ctrl-C does: attempts marked, inputs/ removed, exit 143."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def write_reports(data: dict[str, Any], spec: AssignmentSpec, out: Path, student: str) -> Report:
    """A student's reports under ``out/reports/<student>/``, every folder opened without following a link."""
    report = Report.from_json(data)
    with Folder.open(out) as batch, batch.sub(REPORTS) as reports, reports.sub(student) as folder:
        write(report, folder, spec, student)
    return report


def unreadable_report(entry: Entry, spec: AssignmentSpec, options: Options) -> dict[str, Any]:
    """The report of an entry with nothing gradable in it: status invalid, score 0."""
    return ungraded(spec, entry.file_name, Status.INVALID, entry.problem, options, entry.content_hash).to_json()


def with_notes(report: dict[str, Any], notes: tuple[str, ...]) -> dict[str, Any]:
    """``report`` with intake's notes (how the student id was made, which file was taken) after its own."""
    return {**report, "notes": [*report.get("notes", []), *notes]} if notes else report


class _Run:
    """One batch run's state: where results go and how they are recorded."""

    def __init__(
        self,
        book: Gradebook,
        spec: AssignmentSpec,
        out: Path,
        options: Options,
        progress: Progress,
        entries: tuple[Entry, ...] = (),
        course: Course | None = None,
    ):
        self.book, self.spec, self.out, self.options, self.progress, self.course = book, spec, out, options, progress, course
        self.fingerprint, self.graded, self.warned = fingerprint(spec), 0, False
        self.notes = {entry.student: entry.notes for entry in entries}

    def record(self, attempt: int, outcome: Outcome, running: int) -> None:
        assert outcome.report is not None  # only a setup fault has none, and it never reaches here
        report = with_notes(outcome.report, self.notes.get(outcome.student, ()))
        outcome = replace(outcome, report=report)
        write_reports(report, self.spec, self.out, outcome.student)
        self.book.finish(attempt, report, outcome.wall_seconds, outcome.worker, outcome.fingerprint or self.fingerprint)
        course_pages.annotate(self.book, self.spec, self.out / REPORTS / outcome.student, outcome.student, self.course)
        self.graded += 1
        if outcome.fingerprint and outcome.fingerprint != self.fingerprint and not self.warned:
            self.warned = True
            print(batch_words.cluster_version_mismatch(outcome.worker, outcome.fingerprint, self.fingerprint), file=sys.stderr)
        self.progress.finished(outcome.student, report, outcome.wall_seconds, running)

    def start(self, submission: int) -> int:
        return self.book.start(submission, self.spec.version, self.fingerprint)

    def job(self, entry: Entry, content: bytes) -> Job:
        return Job(entry.student, entry.file_name, content, self.spec.name, str(self.spec.folder), self.options, self.spec.overrides)

    def record_invalid(self, attempt: int, entry: Entry) -> None:
        self.record(attempt, Outcome(entry.student, unreadable_report(entry, self.spec, self.options), fingerprint=self.fingerprint), 0)

    def submit(self, pool: LocalPool | DaskPool, entry: Entry, attempt: int) -> Any | None:
        """Send the entry's bytes to the pool; a file that is no longer a plain file is recorded invalid instead."""
        content, problem = intake.read(entry)
        if problem:
            self.record_invalid(attempt, replace(entry, file=None, problem=problem))
            return None
        return pool.submit(self.job(entry, content))


def _plan(run: _Run, entries: tuple[Entry, ...], ids: dict[str, int], regrade: frozenset[str] | None) -> list[Entry]:
    """The entries to grade now; the others keep their result (and get their reports back if missing)."""
    todo = []
    for entry in entries:
        last = run.book.last_finished(ids[entry.student], run.fingerprint)
        if last is None or (regrade is not None and (ALL in regrade or last["status"] in regrade)):
            todo.append(entry)
        else:
            if not (run.out / REPORTS / entry.student / "report.html").is_file():
                write_reports(json.loads(last["report"]), run.spec, run.out, entry.student)
            course_pages.annotate(run.book, run.spec, run.out / REPORTS / entry.student, entry.student, run.course)
    return todo


def _dispatch(run: _Run, pool: LocalPool | DaskPool, queue: list[Entry], ids: dict[str, int]) -> None:
    inflight: dict[Any, int] = {}  # handle → attempt
    problem = ""
    try:
        while queue or inflight:
            while queue and len(inflight) < pool.slots() and not problem:
                entry = queue.pop(0)
                attempt = run.start(ids[entry.student])
                if (handle := run.submit(pool, entry, attempt)) is not None:
                    inflight[handle] = attempt
            run.progress.running(len(inflight))
            for handle, outcome in pool.finished(timeout=1.0):
                attempt = inflight.pop(handle)
                if outcome.report is None:
                    problem, queue[:] = outcome.setup_problem, []
                    run.book.interrupt([attempt])
                else:
                    run.record(attempt, outcome, len(inflight))
    except BaseException:
        run.book.interrupt(inflight.values())
        pool.close(abort=True)
        raise
    pool.close()
    if problem:
        raise GraderError(problem)


def _write_summary(book: Gradebook, spec: AssignmentSpec, out: Path, course: Course | None = None) -> None:
    write_text(out / SUMMARY, summary.render(summary.summarize(book.rows(), spec, course, book.similarity())))


def grade_batch(
    source: Path,
    spec: AssignmentSpec,
    out: Path,
    options: Options,
    jobs: int = 0,
    cluster: str | None = None,
    regrade: frozenset[str] | None = None,
    progress: Progress | None = None,
    course: Course | None = None,
) -> BatchResult:
    """Grade every student in ``source`` into ``out``; resumes where an earlier run stopped.

    With a ``course``, each hand-in's time is recorded (``grader.course.handins``), and the
    reports and summary.html show the roster, lateness and adjustments.
    """
    started, jobs = time.monotonic(), jobs or usable_cores()
    if jobs < 1:
        raise GraderError(batch_words.bad_jobs(jobs))
    if not options.threads and not cluster:
        options = replace(options, threads=threads_per_job(jobs))
    with _unwinds_on_sigterm(), _claimed(out) as start, Gradebook(out / FILE) as book, _unpack_space(out / INPUTS) as inputs:
        book.claim(spec.name)
        book.close_interrupted()
        entries = intake.discover(Path(source), inputs, out)
        pool = DaskPool(cluster) if cluster else LocalPool(jobs)
        try:
            ids = book.register(entries, course_handins.hand_in_times(Path(source), entries) if course else None)
            run = _Run(book, spec, out, options, progress or for_stream(), entries, course)
            todo = _plan(run, entries, ids, regrade)
        except BaseException:
            pool.close(abort=True)
            raise
        start.begun = True
        slots, skipped = pool.slots(), len(entries) - len(todo)
        run.progress.start(len(entries), skipped, batch_words.batch_started(len(entries), skipped, slots, options.threads, pool.where), slots=slots)
        try:
            for entry in [entry for entry in todo if entry.file is None]:
                run.record_invalid(run.start(ids[entry.student]), entry)
            _dispatch(run, pool, [entry for entry in todo if entry.file is not None], ids)
        finally:
            run.progress.stop()
            _write_summary(book, spec, out, course)
        statuses = Counter(row.status for row in book.rows())
    return BatchResult(out, len(entries), run.graded, len(entries) - len(todo), dict(statuses), time.monotonic() - started)
