"""Where the service keeps its state: a folder inside the course folder.

    COURSE/service/
        access.sqlite             tokens, sign-in codes and sessions, each secret stored as a hash
        uploads/<sha256>          every upload, named by its content; written once, never run here
    COURSE/grades/<assignment>/   the course's batch folder, the one `grader batch --course` writes:
                                  gradebook.sqlite (which also holds the hand-in queue), summary.html,
                                  reports/<student>/ (the latest report), handins/<id>/ (each hand-in's)

So the service's gradings are the course's: `grader export --course` and the course gradebook
read them as they read a batch's.
While the service runs it holds each grades folder's batch lock, so a `grader batch` cannot
write into the same folder at the same time.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from grader import spec as specs
from grader.batch.gradebook import FILE as GRADEBOOK
from grader.batch.run import LOCK
from grader.course import Course
from grader.errors import GraderError
from grader.files import Folder, refuse_link
from grader.text import service as text

STATE = "service"
HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Place:
    course: Course

    @property
    def state(self) -> Path:
        return self.course.folder / STATE

    @property
    def access(self) -> Path:
        return self.state / "access.sqlite"

    @property
    def uploads(self) -> Path:
        return self.state / "uploads"

    def grades(self, assignment: str) -> Path:
        return self.course.batch_of(assignment)

    def gradebook(self, assignment: str) -> Path:
        return self.grades(assignment) / GRADEBOOK

    def handin_reports(self, assignment: str, handin: int) -> Path:
        return self.grades(assignment) / "handins" / str(handin)

    def prepare(self) -> None:
        """Make the state folders (never through a link) and refuse databases that are links."""
        with Folder.open(self.state) as state:
            state.sub("uploads").close()
        for assignment in self.course.assignments:
            Folder.open(self.grades(assignment.name)).close()
        for path in [self.access, *(self.gradebook(a.name) for a in self.course.assignments)]:
            refuse_link(path)


def spec_for(course: Course, name: str) -> specs.AssignmentSpec:
    """The assignment the course names: its own folder under the course's assignments, else a shipped one."""
    own = course.assignments_dir / name
    return specs.load(own if (own / specs.SPEC_FILE).is_file() else name)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store_upload(place: Place, data: bytes) -> str:
    """Keep ``data`` under its SHA-256 (once: the same bytes are one file); returns the hash."""
    digest = content_hash(data)
    if not (place.uploads / digest).is_file():
        with Folder.open(place.uploads) as uploads:
            uploads.write_bytes(digest, data)
    return digest


def read_upload(place: Place, digest: str) -> bytes:
    if not HASH.fullmatch(digest):
        raise ValueError(f"not a content hash: {digest!r}")  # a grader bug: hashes are the service's own
    descriptor = os.open(place.uploads / digest, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(descriptor, "rb") as stream:
        return stream.read()


def hold_locks(place: Place, stack: ExitStack) -> None:
    """Take the service's lock and every grades folder's batch lock for as long as ``stack`` lives."""
    for folder, problem in [
        (place.state, text.already_serving(place.course.folder)),
        *((place.grades(a.name), text.batch_running(place.grades(a.name))) for a in place.course.assignments),
    ]:
        name = LOCK if folder != place.state else ".serve.lock"
        descriptor = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        stack.callback(os.close, descriptor)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise GraderError(problem) from None
