"""Where a batch is: a live bar on a terminal, one plain line per submission otherwise.

Both show done, stopped early by the submission, grader faults, running and the time left.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import IO, Protocol

from grader.batch.endings import Ending, tally
from grader.text import batch as batch_words


class Pace:
    """Seconds left, from the durations of the gradings finished so far, shared among the slots.

    A grading's typical length is the plain mean of the first ``1 / DURATION_WEIGHT`` durations, then
    an exponentially weighted one (``DURATION_WEIGHT`` for the newest), so neither a run of quick
    failures nor one long training swings it. At each result the work left is the waiting gradings
    and half of each running one (on average they are half done), spread over the slots that still
    have work; that gives a predicted end, which moves only part of the way (``END_WEIGHT``) towards
    each new prediction. Between results the time left counts down with the clock instead of growing
    with it. An entry with no measured time (nothing to grade) is counted done, not timed.
    """

    DURATION_WEIGHT = 0.1
    END_WEIGHT = 0.3

    def __init__(self, remaining: int, slots: int = 1, clock: Callable[[], float] = time.monotonic):
        self.remaining, self.slots, self.clock = remaining, max(1, slots), clock
        self.typical: float | None = None  # seconds one grading takes
        self.end: float | None = None  # the predicted end, on ``clock``
        self.timed = self.predictions = 0

    def finished(self, seconds: float, running: int) -> None:
        self.remaining = max(0, self.remaining - 1)
        if seconds > 0:
            self.timed += 1
            self.typical = _towards(self.typical, seconds, max(self.DURATION_WEIGHT, 1 / self.timed))
        if self.typical is None:
            return
        work = (self.remaining - min(running, self.remaining) / 2) * self.typical
        predicted = self.clock() + work / min(self.slots, max(1, self.remaining))
        self.predictions += 1
        self.end = _towards(self.end, predicted, max(self.END_WEIGHT, 1 / self.predictions))

    def left(self) -> float | None:
        """Seconds left now; None before the first timed grading."""
        if self.remaining == 0:
            return 0.0
        if self.end is None:
            return None
        return max(0.0, self.end - self.clock())


def _towards(value: float | None, new: float, weight: float) -> float:
    return new if value is None else value + weight * (new - value)


class Progress(Protocol):
    def start(self, total: int, skipped: int, note: str, slots: int = 1) -> None: ...
    def finished(self, student: str, report: dict, seconds: float, running: int) -> None: ...
    def running(self, count: int) -> None: ...
    def stop(self) -> None: ...


class _Counts:
    def __init__(self) -> None:
        self.total = self.skipped = 0
        self.endings = tally(())
        self.pace = Pace(0)

    def start(self, total: int, skipped: int, slots: int) -> None:
        self.total, self.skipped, self.endings, self.pace = total, skipped, tally(()), Pace(total - skipped, slots)

    def add(self, report: dict, seconds: float, running: int) -> None:
        self.endings.update(tally((report["status"],)))
        self.pace.finished(seconds, running)

    @property
    def done(self) -> int:
        return sum(self.endings.values())

    def line(self, student: str, report: dict, seconds: float, running: int) -> str:
        return batch_words.progress_line(
            self.done,
            self.total - self.skipped,
            student,
            report["status"],
            report["score"],
            report["max_score"],
            seconds,
            self.endings[Ending.STOPPED],
            self.endings[Ending.FAULT],
            running,
            self.pace.left(),
        )


class Lines:
    """One line per finished submission, for logs and CI."""

    def __init__(self, stream: IO[str] | None = None):
        self.stream, self.counts = stream or sys.stderr, _Counts()

    def _print(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def start(self, total: int, skipped: int, note: str, slots: int = 1) -> None:
        self.counts.start(total, skipped, slots)
        self._print(note)

    def finished(self, student: str, report: dict, seconds: float, running: int) -> None:
        self.counts.add(report, seconds, running)
        self._print(self.counts.line(student, report, seconds, running))

    def running(self, count: int) -> None:
        pass

    def stop(self) -> None:
        pass


class Bar:
    """A live bar (rich) on a terminal: done/total, stopped early, grader faults, running, elapsed and ETA; one line per result above it."""

    def __init__(self, stream: IO[str] | None = None):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.counts, self.console = _Counts(), Console(file=stream or sys.stderr)
        self.bar = Progress(
            TextColumn("grading"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(batch_words.BAR_COUNTS),
            TimeElapsedColumn(),
            TextColumn("ETA {task.fields[eta]}"),
            console=self.console,
        )
        self.task = self.bar.add_task("grading", total=0, stopped=0, faults=0, running=0, eta="—")

    def start(self, total: int, skipped: int, note: str, slots: int = 1) -> None:
        self.counts.start(total, skipped, slots)
        self.console.print(note, markup=False, highlight=False)
        self.bar.update(self.task, total=total - skipped)
        self.bar.start()

    def finished(self, student: str, report: dict, seconds: float, running: int) -> None:
        c = self.counts
        c.add(report, seconds, running)
        self.bar.console.print(c.line(student, report, seconds, running), markup=False, highlight=False)
        self.bar.update(
            self.task,
            completed=c.done,
            stopped=c.endings[Ending.STOPPED],
            faults=c.endings[Ending.FAULT],
            running=running,
            eta=batch_words.duration(c.pace.left()),
        )

    def running(self, count: int) -> None:
        self.bar.update(self.task, running=count, eta=batch_words.duration(self.counts.pace.left()))

    def stop(self) -> None:
        self.bar.stop()


def for_stream(choice: str = "auto", stream: IO[str] | None = None) -> Progress:
    """``bar`` on a terminal under ``auto``, plain ``lines`` otherwise."""
    stream = stream or sys.stderr
    use_bar = choice == "bar" or (choice == "auto" and stream.isatty())
    return Bar(stream) if use_bar else Lines(stream)
