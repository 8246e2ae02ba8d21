"""Progress: a live bar on a terminal, plain lines otherwise, both with done, failed, running and ETA."""

from __future__ import annotations

import io

from grader.batch import progress
from grader.text import batch as batch_words

GRADED = {"status": "graded", "score": 100.0, "max_score": 100.0}
CRASHED = {"status": "crashed", "score": 0.0, "max_score": 100.0}


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_eta_is_the_pace_so_far_times_what_is_left():
    assert progress.eta(elapsed=30.0, done=3, remaining=6) == 60.0
    assert progress.eta(elapsed=5.0, done=0, remaining=6) is None
    assert [batch_words.duration(s) for s in (None, 7.4, 75, 3725)] == ["—", "7s", "1m15s", "1h02m"]


def test_plain_lines_count_done_failed_and_running():
    stream = io.StringIO()
    lines = progress.for_stream("auto", stream)
    assert isinstance(lines, progress.Lines)
    lines.start(total=12, skipped=2, note="Grading 10 of 12 submissions")
    lines.finished("ada", GRADED, 21.04, running=2)
    lines.finished("ben", CRASHED, 3.0, running=1)
    first, second, third = stream.getvalue().splitlines()
    assert first == "Grading 10 of 12 submissions"
    assert second.startswith("[ 1/10] ada: graded 100/100 in 21.0s · failed 0 · running 2 · ETA ")
    assert third.startswith("[ 2/10] ben: crashed 0/100 in 3.0s · failed 1 · running 1 · ETA ")


def test_a_terminal_gets_the_live_bar_with_the_same_lines_above_it():
    stream = Terminal()
    bar = progress.for_stream("auto", stream)
    assert isinstance(bar, progress.Bar)
    bar.start(total=3, skipped=0, note="Grading 3 of 3 submissions")
    bar.finished("ada", CRASHED, 2.5, running=1)
    bar.running(2)
    bar.stop()
    shown = stream.getvalue()
    assert "Grading 3 of 3 submissions" in shown and "[1/3] ada: crashed 0/100 in 2.5s · failed 1" in shown
    assert "1/3" in shown and "failed 1 · running 2" in shown
    assert isinstance(progress.for_stream("lines", Terminal()), progress.Lines)
