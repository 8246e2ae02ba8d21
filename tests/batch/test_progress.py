"""Progress: a live bar on a terminal, plain lines otherwise, both with done, stopped early, grader faults, running and a steady ETA."""

from __future__ import annotations

import io
import random

from grader.batch import progress
from grader.text import batch as batch_words

GRADED = {"status": "graded", "score": 100.0, "max_score": 100.0}
CRASHED = {"status": "crashed", "score": 0.0, "max_score": 100.0}
INTERNAL = {"status": "internal", "score": 0.0, "max_score": 100.0}
# quick failures (1–6 s) between trainings (48–71 s), as a class of mixed hand-ins grades
UNEVEN = [3, 62, 2, 48, 5, 71, 1, 55, 4, 66, 2, 3, 58, 60, 2, 49, 6, 70, 3, 52] * 2


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class PaceSoFar:
    """The estimate this replaced: the time so far per result, times the results left."""

    def __init__(self, remaining: int, slots: int, clock: Clock):
        self.total, self.done, self.clock = remaining, 0, clock

    def finished(self, seconds: float, running: int) -> None:
        self.done += 1

    def left(self) -> float | None:
        return self.clock() / self.done * (self.total - self.done) if self.done else None


def pool(durations: list[float], slots: int) -> tuple[list[tuple[float, float, int]], float]:
    """(time, duration, still running) of each result as ``slots`` graders take the durations in order; and the end."""
    free, jobs = [0.0] * slots, []
    for seconds in durations:
        slot = min(range(slots), key=free.__getitem__)
        jobs.append((free[slot], free[slot] + seconds, seconds))
        free[slot] += seconds
    ends = sorted(jobs, key=lambda job: job[1])
    return [(end, seconds, sum(start < end < other for start, other, _ in jobs)) for _, end, seconds in ends], max(free)


def watched(estimator: type, durations: list[float], slots: int) -> tuple[list[tuple[int, float | None]], float]:
    """(results so far, predicted end) each second, as the bar shows it; and the real end."""
    results, end = pool(durations, slots)
    clock = Clock()
    pace, seen, done = estimator(len(durations), slots, clock), [], 0
    for second in range(int(end) + 1):
        clock.now = float(second)
        while done < len(results) and results[done][0] <= second:
            pace.finished(results[done][1], results[done][2])
            done += 1
        left = pace.left()
        seen.append((done, None if left is None else second + left))
    return seen, end


def movement(seen: list[tuple[int, float | None]], end: float, after: int = 5) -> tuple[float, float]:
    """How far the predicted end moves, once ``after`` results are in: its largest step and its total, as shares of the batch."""
    steps = [abs(b - a) / end for (done, a), (_, b) in zip(seen, seen[1:]) if a is not None and done >= after]
    return max(steps), sum(steps)


def test_uneven_durations_give_a_steady_eta():
    for durations in (UNEVEN, random.Random(1).sample(UNEVEN, len(UNEVEN))):
        seen, end = watched(progress.Pace, durations, slots=2)
        largest, total = movement(seen, end)
        _, before = movement(*watched(PaceSoFar, durations, slots=2))
        assert largest < 0.12 and total < 1.0 and total < before / 2, (largest, total, before)
        assert seen[-1][1] == len(seen) - 1  # the last result: nothing left


def test_between_results_the_eta_counts_down_instead_of_growing():
    clock = Clock()
    pace = progress.Pace(remaining=10, slots=2, clock=clock)
    assert pace.left() is None
    pace.finished(0.0, running=0)  # an entry with nothing to grade: counted, not timed
    assert pace.left() is None and pace.remaining == 9
    clock.now = 60.0
    pace.finished(60.0, running=1)  # 8 left, one of them running and half done, over 2 slots: 7.5 × 60 / 2 s
    assert pace.left() == 225.0
    clock.now = 100.0
    assert pace.left() == 185.0
    clock.now = 400.0
    assert pace.left() == 0.0  # late, never negative
    seen, _ = watched(PaceSoFar, UNEVEN, slots=2)
    assert any(b - a > 1 for (done, a), (same, b) in zip(seen, seen[1:]) if a is not None and done == same)  # the old one grew


def test_the_eta_shares_the_work_among_the_slots():
    one, two = progress.Pace(9, slots=1, clock=Clock()), progress.Pace(9, slots=2, clock=Clock())
    for pace in (one, two):
        pace.finished(40.0, running=0)
    assert (one.left(), two.left()) == (320.0, 160.0)
    last = progress.Pace(2, slots=4, clock=Clock())
    last.finished(40.0, running=1)  # the one left is running, half done
    assert last.left() == 20.0
    last.finished(40.0, running=0)
    assert last.left() == 0.0


def test_plain_lines_count_the_submissions_stops_apart_from_grader_faults():
    stream = io.StringIO()
    lines = progress.for_stream("auto", stream)
    assert isinstance(lines, progress.Lines)
    lines.start(total=12, skipped=2, note="Grading 10 of 12 submissions", slots=2)
    lines.finished("ada", GRADED, 21.04, running=2)
    lines.finished("ben", CRASHED, 3.0, running=1)
    lines.finished("cy", INTERNAL, 1.0, running=1)
    first, second, third, fourth = stream.getvalue().splitlines()
    assert first == "Grading 10 of 12 submissions"
    assert second.startswith("[ 1/10] ada: graded 100/100 in 21.0s · stopped early 0 · grader faults 0 · running 2 · ETA ")
    assert third.startswith("[ 2/10] ben: crashed 0/100 in 3.0s · stopped early 1 · grader faults 0 · running 1 · ETA ")
    assert fourth.startswith("[ 3/10] cy: internal 0/100 in 1.0s · stopped early 1 · grader faults 1 · running 1 · ETA ")
    assert "failed" not in stream.getvalue()
    assert [batch_words.duration(s) for s in (None, 7.4, 75, 3725)] == ["—", "7s", "1m15s", "1h02m"]


def test_a_terminal_gets_the_live_bar_with_the_same_lines_above_it():
    stream = Terminal()
    bar = progress.for_stream("auto", stream)
    assert isinstance(bar, progress.Bar)
    bar.start(total=3, skipped=0, note="Grading 3 of 3 submissions", slots=2)
    bar.finished("ada", CRASHED, 2.5, running=1)
    bar.running(2)
    bar.stop()
    shown = stream.getvalue()
    assert "Grading 3 of 3 submissions" in shown and "[1/3] ada: crashed 0/100 in 2.5s · stopped early 1 · grader faults 0" in shown
    assert "1/3" in shown and "stopped early 1 · grader faults 0 · running 2" in shown
    assert isinstance(progress.for_stream("lines", Terminal()), progress.Lines)
