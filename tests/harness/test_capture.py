"""What each cell printed, kept apart by the harness's tee: the run's own output unchanged, each cell's copy small."""

import io
import types

from grader.harness import capture, student_code
from grader.harness.capture import Capture, Kept, Tee

PROGRESS = "".join(f"\b\b\b\b\r{step:>3}/188 ━━━━ \x1b[1maccuracy: 0.{step:03d}\x1b[0m" for step in range(1, 189, 7)) + "\r188/188 - accuracy: 0.693\n"


class _Recorder:
    context = "execution"


def _run(sources: list[str], watched: list[str]) -> tuple[Capture, str, str]:
    """Run cells with a Capture installed on a stand-in ``sys``; returns it and what reached the real streams."""
    real = types.SimpleNamespace(stdout=io.StringIO(), stderr=io.StringIO())
    found = Capture(watched)
    found.install(real)
    original = (student_code.sys.stdout, student_code.sys.stderr)
    student_code.sys.stdout, student_code.sys.stderr = real.stdout, real.stderr
    try:
        submission = {
            "kind": "notebook",
            "module_name": "answer",
            "required_names": [],
            "cells": [{"index": i, "number": i + 1, "source": s, "filename": "x"} for i, s in enumerate(sources)],
        }
        compiled, problem = student_code.translate(submission, 10)
        assert problem is None
        student_code.execute(submission, compiled, _Recorder(), [], continue_after_errors=True, capture=found)
    finally:
        student_code.sys.stdout, student_code.sys.stderr = original
    return found, real.stdout._stream.getvalue(), real.stderr._stream.getvalue()


def test_each_cell_keeps_what_it_printed_and_the_streams_get_everything_unchanged():
    found, stdout, stderr = _run(["print('one')", "import sys\nprint('two', file=sys.stderr)\nprint('three')", "x = 1"], [])
    assert stdout == "one\nthree\n" and stderr == "two\n"
    cells = {cell["index"]: cell for cell in found.as_json()["cells"]}
    assert cells[0]["stdout"] == {"head": "one\n", "tail": "", "omitted": 0}
    assert (cells[1]["stdout"]["head"], cells[1]["stderr"]["head"]) == ("three\n", "two\n")
    assert cells[2]["stdout"]["head"] == "" and set(cells) == {0, 1, 2}


def test_a_progress_bar_keeps_its_last_drawing_and_the_run_output_keeps_every_redraw():
    kept = Kept()
    for chunk in ("Epoch 1/1\n", *PROGRESS.split("\b\b\b\b"), "done\n"):
        kept.write(chunk)
    assert kept.as_json()["head"] == "Epoch 1/1\n188/188 - accuracy: 0.693\ndone\n"
    assert capture.last_drawing("abc\r") == "abc\r" and capture.last_drawing("abc\rde\r") == "de\r"


def test_a_flood_keeps_the_first_and_last_lines_and_counts_what_fell_between():
    kept = Kept(limit=100)
    for line in range(1000):
        kept.write(f"line {line:04d}\n")
    shown = kept.as_json()
    assert shown["head"].startswith("line 0000\n") and shown["tail"].endswith("line 0999\n")
    assert len(shown["head"]) + len(shown["tail"]) <= 100
    assert len(shown["head"]) + len(shown["tail"]) + shown["omitted"] == 10 * 1000
    kept = Kept(limit=100)
    kept.write("x" * 10_000)  # one line without an end
    assert kept.size <= 100 and kept.as_json()["omitted"] == 10_000 - 50


def test_the_whole_frame_stays_under_its_total():
    found = Capture([])
    for index in range(20):
        with found.cell(index):
            found.add("stdout", "y" * 30_000 + "\n")
    sent = found.as_json()
    kept = sum(len(cell[name]["head"]) + len(cell[name]["tail"]) for cell in sent["cells"] for name in ("stdout", "stderr"))
    assert kept <= capture.TOTAL_LIMIT and len(sent["cells"]) == 20
    assert sent["cells"][-1]["stdout"] == {"head": "", "tail": "", "omitted": 30_001}


def test_the_cell_that_binds_a_graded_name_is_noted_and_a_later_rebinding_wins():
    found, _, _ = _run(["def build(): pass", "x = 1", "class Stop: pass\ndef build(): return 1", "build = build"], ["build", "Stop", "train"])
    assert found.as_json()["defined"] == {"build": 2, "Stop": 2}


def test_a_stream_someone_kept_a_reference_to_still_writes_through_and_keeps_nothing_between_cells():
    real, found = io.StringIO(), Capture([])
    tee = Tee(real, "stdout", found)
    tee.write("before\n")
    with found.cell(0):
        tee.writelines(["a\n", "b\n"])
    tee.write(b"not text".decode() + "\n")
    assert real.getvalue() == "before\na\nb\nnot text\n"
    assert found.as_json()["cells"][0]["stdout"]["head"] == "a\nb\n"
    assert tee.getvalue() == real.getvalue()  # anything else is the real stream's


def test_frames_go_out_at_most_every_few_seconds_unless_asked_now():
    sent, now = [], [100.0]
    found = Capture([], clock=lambda: now[0])
    found.send(lambda name, value: sent.append(name), now=False)
    now[0] += 1
    found.send(lambda name, value: sent.append(name), now=False)
    found.send(lambda name, value: sent.append(name))
    now[0] += capture.SEND_EVERY
    found.send(lambda name, value: sent.append(name), now=False)
    assert sent == ["cells.json"] * 3
