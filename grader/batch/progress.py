"""Where a batch is: a live bar on a terminal, one plain line per submission otherwise.

Both show done, failed (grading stopped early), running and the time left.
"""

from __future__ import annotations

import sys
import time
from typing import IO, Protocol

from grader.text import batch as batch_words


def eta(elapsed: float, done: int, remaining: int) -> float | None:
    """Seconds left at the pace so far; None before the first result."""
    return elapsed / done * remaining if done else None


class Progress(Protocol):
    def start(self, total: int, skipped: int, note: str) -> None: ...
    def finished(self, student: str, report: dict, seconds: float, running: int) -> None: ...
    def running(self, count: int) -> None: ...
    def stop(self) -> None: ...


class _Counts:
    def __init__(self) -> None:
        self.total = self.skipped = self.done = self.failed = 0
        self.began = time.monotonic()

    def start(self, total: int, skipped: int) -> None:
        self.total, self.skipped, self.done, self.failed, self.began = total, skipped, 0, 0, time.monotonic()

    def add(self, report: dict) -> None:
        self.done += 1
        self.failed += report["status"] != "graded"

    def eta(self) -> float | None:
        return eta(time.monotonic() - self.began, self.done, self.total - self.skipped - self.done)


class Lines:
    """One line per finished submission, for logs and CI."""

    def __init__(self, stream: IO[str] | None = None):
        self.stream, self.counts = stream or sys.stderr, _Counts()

    def _print(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def start(self, total: int, skipped: int, note: str) -> None:
        self.counts.start(total, skipped)
        self._print(note)

    def finished(self, student: str, report: dict, seconds: float, running: int) -> None:
        c = self.counts
        c.add(report)
        self._print(batch_words.progress_line(c.done, c.total - c.skipped, student, report["status"], report["score"],
                                           report["max_score"], seconds, c.failed, running, c.eta()))

    def running(self, count: int) -> None:
        pass

    def stop(self) -> None:
        pass


class Bar:
    """A live bar (rich) on a terminal: done/total, failed, running, elapsed and ETA; one line per result above it."""

    def __init__(self, stream: IO[str] | None = None):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.counts, self.console = _Counts(), Console(file=stream or sys.stderr)
        self.bar = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("failed {task.fields[failed]} · running {task.fields[running]}"),
                            TimeElapsedColumn(), TextColumn("ETA {task.fields[eta]}"), console=self.console)
        self.task = self.bar.add_task("grading", total=0, failed=0, running=0, eta="—")

    def start(self, total: int, skipped: int, note: str) -> None:
        self.counts.start(total, skipped)
        self.console.print(note, markup=False, highlight=False)
        self.bar.update(self.task, total=total - skipped)
        self.bar.start()

    def finished(self, student: str, report: dict, seconds: float, running: int) -> None:
        c = self.counts
        c.add(report)
        line = batch_words.progress_line(c.done, c.total - c.skipped, student, report["status"], report["score"],
                                      report["max_score"], seconds, c.failed, running, c.eta())
        self.bar.console.print(line, markup=False, highlight=False)
        self.bar.update(self.task, completed=c.done, failed=c.failed, running=running, eta=batch_words.duration(c.eta()))

    def running(self, count: int) -> None:
        self.bar.update(self.task, running=count, eta=batch_words.duration(self.counts.eta()))

    def stop(self) -> None:
        self.bar.stop()


def for_stream(choice: str = "auto", stream: IO[str] | None = None) -> Progress:
    """``bar`` on a terminal under ``auto``, plain ``lines`` otherwise."""
    stream = stream or sys.stderr
    use_bar = choice == "bar" or (choice == "auto" and stream.isatty())
    return Bar(stream) if use_bar else Lines(stream)
