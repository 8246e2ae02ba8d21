"""The dispatcher: queued hand-ins go to the batch's worker pools; each result is recorded as a batch records it.

One thread owns the gradebooks' connections. It takes the oldest queued hand-in of a student who
has none grading (one grading per student at a time), records it in the gradebook (``register``,
``start``), and submits the job to ``LocalPool`` (``--jobs N``) or ``DaskPool`` (``--cluster``),
whose workers grade it in a process and a sandbox of its own. A result is written reports first
(the hand-in's own folder, then the student's latest), then the gradebook (``finish``, one
transaction), then the hand-in is marked done. A hand-in whose file was already graded the same
way (same content, same fingerprint) is done at once with that grading, unless it is a regrade.
"""

from __future__ import annotations

import inspect
import json
import sys
import threading
import time
import traceback
from dataclasses import dataclass, replace
from typing import Any

from grader.batch import summary
from grader.batch.gradebook import Gradebook
from grader.batch.pools import DaskPool, LocalPool
from grader.batch.worker import Job, Outcome, run_job
from grader.files import Folder
from grader.grading.fingerprint import fingerprint
from grader.options import Options
from grader.reports.report import Report
from grader.reports.write import write
from grader.service import handins
from grader.service.handins import HandIn
from grader.service.place import Place, read_upload
from grader.service.progress import Board
from grader.spec import AssignmentSpec
from grader.text import service as text

EVENTS = "on_event" in inspect.signature(run_job).parameters  # the engine reports progress
RETRY_SECONDS = 60.0  # after a fault of the machine, the queue waits this long before trying again


@dataclass(frozen=True)
class Running:
    assignment: str
    handin: int
    attempt: int
    student: str


@dataclass(frozen=True)
class Upload:
    """A hand-in as the gradebook registers it (what ``grader.batch.intake.Entry`` offers)."""

    student: str
    source: str
    file_name: str
    content_hash: str


class EventPool(LocalPool):
    """The batch's local pool, passing the engine's progress events on when it reports them."""

    def submit(self, job: Job, on_event: Any = None) -> Any:
        if not EVENTS:
            return super().submit(job)
        handle = self.pool.submit(run_job, job, self.processes, on_event)
        self.running[handle] = job
        return handle


def write_reports(place: Place, spec: AssignmentSpec, handin: HandIn, data: dict[str, Any]) -> None:
    """The hand-in's reports as `grader grade` writes them (feedback.html too), then the same as the student's latest."""
    report = Report.from_json(data)
    for folder in (place.handin_reports(spec.name, handin.id), place.grades(spec.name) / "reports" / handin.student):
        with Folder.open(folder) as target:
            write(report, target, spec, handin.student)


def write_summary(place: Place, spec: AssignmentSpec, book: Gradebook) -> None:
    with Folder.open(place.grades(spec.name)) as grades:
        grades.write_text("summary.html", summary.render(summary.summarize(book.rows(), spec)))


class Dispatcher:
    def __init__(self, place: Place, specs: dict[str, AssignmentSpec], options: Options, board: Board, jobs: int, cluster: str | None = None):
        self.place, self.specs, self.options, self.board = place, specs, options, board
        self.jobs, self.cluster = jobs, cluster
        self.fingerprints = {name: fingerprint(spec) for name, spec in specs.items()}
        self.wake, self.stopping = threading.Event(), threading.Event()
        self.inflight: dict[Any, Running] = {}
        self.paused_until = 0.0
        self.pool: LocalPool | DaskPool | None = None
        self.thread = threading.Thread(target=self._run, name="grader-dispatcher", daemon=True)

    def start(self) -> None:
        """Recover what a stop left running, connect the pool, start dispatching; a setup fault raises here."""
        books = self._books()
        try:
            for book in books.values():
                handins.recover(book)
        finally:
            for book in books.values():
                book.close()
        self.pool = DaskPool(self.cluster) if self.cluster else EventPool(self.jobs)
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
        self.thread.join(timeout=60)

    def _books(self) -> dict[str, Gradebook]:
        return {name: handins.open_book(self.place.gradebook(name), name) for name in self.specs}

    def _run(self) -> None:
        books, pool = self._books(), self.pool
        assert pool is not None
        self.board.bump()
        try:
            while not self.stopping.is_set():
                try:
                    self._step(books, pool)
                except Exception:  # a grader bug: say so, keep the queue, try again; the server goes on serving
                    self.board.problem = text.dispatcher_fault(traceback.format_exc(limit=3))
                    print(self.board.problem, file=sys.stderr, flush=True)
                    self.stopping.wait(RETRY_SECONDS / 10)
        finally:
            pool.close(abort=True)
            for running in self.inflight.values():
                books[running.assignment].interrupt([running.attempt])
                handins.requeue(books[running.assignment], running.handin)
            for book in books.values():
                book.close()

    def _step(self, books: dict[str, Gradebook], pool: LocalPool | DaskPool) -> None:
        self._fill(books, pool)
        if self.inflight:
            for handle, outcome in pool.finished(timeout=0.25):
                self._record(books, self.inflight.pop(handle), outcome)
        else:
            self.wake.wait(0.5)
            self.wake.clear()

    def _next(self, books: dict[str, Gradebook]) -> tuple[Gradebook, HandIn] | None:
        """The oldest queued hand-in of a student with nothing grading."""
        busy = {running.student for running in self.inflight.values()}
        candidates = [
            (book, handin) for name, book in books.items() for handin in handins.waiting(book, name) if handin.state == "queued" and handin.student not in busy
        ]
        return min(candidates, key=lambda pair: (pair[1].handed_in_at, pair[1].assignment, pair[1].id), default=None)

    def _fill(self, books: dict[str, Gradebook], pool: LocalPool | DaskPool) -> None:
        while len(self.inflight) < pool.slots() and time.monotonic() >= self.paused_until and (found := self._next(books)):
            self._dispatch(*found, pool)

    def _dispatch(self, book: Gradebook, handin: HandIn, pool: LocalPool | DaskPool) -> None:
        spec, mark = self.specs[handin.assignment], self.fingerprints[handin.assignment]
        upload = Upload(handin.student, f"upload {handin.content_hash}", handin.file_name, handin.content_hash)
        submission = book.register([upload], handed_in={handin.student: handin.handed_in_at})[handin.student]
        earlier = None if handin.origin == "regrade" else book.last_finished(submission, mark)
        if earlier is not None:
            write_reports(self.place, spec, handin, json.loads(earlier["report"]))
            handins.finish(book, handin.id, earlier["id"], reused=True)
            write_summary(self.place, spec, book)
            self.board.bump()
            return
        attempt = book.start(submission, spec.version, mark, then=lambda attempt: handins.start(book, handin.id, submission, attempt))  # one transaction
        key = (handin.assignment, handin.id)
        options = replace(self.options, regrade=True) if handin.origin == "regrade" else self.options  # a regrade runs again
        job = Job(handin.student, handin.file_name, read_upload(self.place, handin.content_hash), spec.name, str(spec.folder), options, spec.overrides)
        self.board.started(key, "loading" if EVENTS and isinstance(pool, EventPool) else "running")  # without events: grading, no detail
        handle = pool.submit(job, lambda event: self.board.event(key, event)) if isinstance(pool, EventPool) else pool.submit(job)
        self.inflight[handle] = Running(handin.assignment, handin.id, attempt, handin.student)

    def _record(self, books: dict[str, Gradebook], running: Running, outcome: Outcome) -> None:
        book, spec = books[running.assignment], self.specs[running.assignment]
        if outcome.report is None:  # the machine's fault (no data, no sandbox): keep the hand-in, hold the queue
            book.interrupt([running.attempt])
            handins.requeue(book, running.handin)
            self.board.problem = text.grading_paused(outcome.setup_problem, RETRY_SECONDS)
            print(self.board.problem, file=sys.stderr, flush=True)
            self.paused_until = time.monotonic() + RETRY_SECONDS
        else:
            handin = handins.get(book, running.assignment, running.handin)
            assert handin is not None
            write_reports(self.place, spec, handin, outcome.report)
            fingerprint = outcome.fingerprint or self.fingerprints[running.assignment]
            then = lambda: handins.finish(book, running.handin, running.attempt)  # noqa: E731  (one transaction with the attempt)
            book.finish(running.attempt, outcome.report, outcome.wall_seconds, outcome.worker, fingerprint, then=then)
            self.board.problem = ""
            write_summary(self.place, spec, book)
        self.board.finished((running.assignment, running.handin))
