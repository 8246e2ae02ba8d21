"""The hand-in desk: it accepts a hand-in or refuses it saying why, and answers what the pages show.

A hand-in is refused, with a message that says what to do, when the assignment is not the
course's or not open yet, when the late policy refuses it, when the file is not a notebook or a
module, when it is over the size limit, when the student already has ``Limits.waiting`` hand-ins
queued or grading, or ``Limits.per_hour`` in the last hour. Checking and recording happen under
one lock, so two hand-ins at once cannot both slip under a limit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import PurePath

from grader.batch.gradebook import Gradebook
from grader.batch.intake import GRADABLE
from grader.batch.student_ids import UNSAFE
from grader.course import CourseError, Student
from grader.grading.load import MAX_BYTES
from grader.service import handins
from grader.service.access import Identity
from grader.service.handins import HandIn
from grader.service.place import Place, store_upload
from grader.text import service as text


@dataclass(frozen=True)
class Limits:
    max_bytes: int = MAX_BYTES  # one upload
    per_hour: int = 10  # hand-ins of one student in any hour, all assignments together
    waiting: int = 2  # hand-ins of one student queued or grading at once; one of them grades at a time


@dataclass(frozen=True)
class Refusal:
    http_status: int
    message: str


@dataclass(frozen=True)
class ClassRow:
    """A student's line on the instructors' dashboard."""

    student: str
    name: str
    handins: int
    latest: HandIn | None
    best: HandIn | None


def best_of(found: list[HandIn]) -> HandIn | None:
    scored = [handin for handin in found if handin.adjusted_score is not None]
    return max(scored, key=lambda handin: (handin.adjusted_score, handin.id), default=None)


def file_name_of(given: str) -> str | None:
    """A safe name keeping the extension, or None for a file the grader does not read."""
    path = PurePath(given.replace("\\", "/"))
    if path.suffix.lower() not in GRADABLE:
        return None
    stem = UNSAFE.sub("_", path.stem).strip("._")[:100] or "submission"
    return f"{stem}{path.suffix.lower()}"


class Desk:
    def __init__(self, place: Place, limits: Limits, wake: Callable[[], None] = lambda: None, bump: Callable[[], None] = lambda: None):
        self.place, self.course, self.limits, self.wake, self.bump = place, place.course, limits, wake, bump
        self.lock = threading.Lock()

    @contextmanager
    def book(self, assignment: str) -> Iterator[Gradebook]:
        book = handins.open_book(self.place.gradebook(assignment), assignment)
        try:
            yield book
        finally:
            book.close()

    def students(self) -> tuple[Student, ...]:
        return self.course.roster()

    def known(self, assignment: str) -> bool:
        return any(entry.name == assignment for entry in self.course.assignments)

    def hand_in(self, who: Identity, assignment: str, given_name: str, data: bytes, at: datetime | None = None) -> HandIn | Refusal:
        at = at or datetime.now(timezone.utc)
        if who.instructor:
            return Refusal(403, text.instructors_do_not_hand_in())
        if not self.known(assignment):
            return Refusal(404, text.no_such_assignment(assignment, [a.name for a in self.course.assignments]))
        file_name = file_name_of(given_name)
        if file_name is None:
            return Refusal(415, text.not_gradable(given_name))
        if len(data) > self.limits.max_bytes:
            return Refusal(413, text.too_large(given_name, len(data), self.limits.max_bytes))
        lateness = self.course.assignment(assignment).lateness(at)
        if not lateness.accepted:
            return Refusal(403, text.late_refused(self.course.assignment(assignment), lateness, at))
        with self.lock:
            refusal = self._over_limit(who.person, at)
            if refusal:
                return refusal
            digest = store_upload(self.place, data)
            with self.book(assignment) as book:
                number = handins.add(book, who.person, file_name, digest, len(data), lateness, at=at)
                found = handins.get(book, assignment, number)
        self.wake()
        self.bump()
        assert found is not None
        return found

    def _over_limit(self, student: str, at: datetime) -> Refusal | None:
        since = (at - timedelta(hours=1)).isoformat(timespec="milliseconds")
        waiting, recent = 0, 0
        for entry in self.course.assignments:
            with self.book(entry.name) as book:
                waiting += sum(handin.student == student for handin in handins.waiting(book, entry.name))
                recent += handins.count_since(book, student, since)
        if waiting >= self.limits.waiting:
            return Refusal(429, text.too_many_waiting(waiting))
        if recent >= self.limits.per_hour:
            return Refusal(429, text.too_many_per_hour(self.limits.per_hour))
        return None

    def regrade(self, assignment: str, student: str | None = None) -> int:
        """Queue the latest hand-in of ``student`` (of everyone when None) again, graded whatever the cache holds."""
        queued = 0
        with self.lock, self.book(assignment) as book:
            latest: dict[str, HandIn] = {}
            for handin in handins.every(book, assignment):
                if handin.origin == "student" and (student is None or handin.student == student):
                    latest[handin.student] = handin
            for handin in latest.values():
                handins.add(book, handin.student, handin.file_name, handin.content_hash, handin.size, handin.lateness, origin="regrade")
                queued += 1
        self.wake()
        self.bump()
        return queued

    def handin(self, assignment: str, number: int) -> HandIn | None:
        if not self.known(assignment):
            return None
        with self.book(assignment) as book:
            return handins.get(book, assignment, number)

    def waiting(self) -> list[HandIn]:
        """Every queued or running hand-in, in the order the dispatcher takes them."""
        found = []
        for entry in self.course.assignments:
            with self.book(entry.name) as book:
                found += handins.waiting(book, entry.name)
        return sorted(found, key=lambda handin: (handin.handed_in_at, handin.assignment, handin.id))

    def position(self, handin: HandIn, waiting: list[HandIn] | None = None) -> int | None:
        """1 for the next to grade; None unless queued."""
        if handin.state != "queued":
            return None
        queued = [h for h in (waiting if waiting is not None else self.waiting()) if h.state == "queued"]
        return next((index for index, h in enumerate(queued, start=1) if (h.assignment, h.id) == (handin.assignment, handin.id)), None)

    def history(self, student: str) -> dict[str, list[HandIn]]:
        found = {}
        for entry in self.course.assignments:
            with self.book(entry.name) as book:
                found[entry.name] = handins.of_student(book, entry.name, student)
        return found

    def class_rows(self, assignment: str) -> list[ClassRow]:
        with self.book(assignment) as book:
            every = handins.every(book, assignment)
        by_student: dict[str, list[HandIn]] = {}
        for handin in every:
            by_student.setdefault(handin.student, []).append(handin)
        try:
            names = {student.id: student.name for student in self.students()}
        except CourseError:
            names = {}
        rows = []
        for student in sorted(set(names) | set(by_student)):
            found = by_student.get(student, [])
            rows.append(ClassRow(student, names.get(student, ""), len(found), found[-1] if found else None, best_of(found)))
        return rows
