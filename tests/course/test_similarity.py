"""Similarity: the student's regions, the starter left out, pairs ranked, similarity.html in a real Chromium."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from grader.batch.gradebook import FILE, Gradebook
from grader.batch.intake import Entry
from grader.course.similarity import PAGE, similarity, student_regions

from chromium import by_id, dump_dom, having
from classroom import record as grade
from classroom import stored
from conftest import ROOT, SUBMISSIONS

MODULES = Path(__file__).parent / "submissions"
STARTER = ROOT / "assignments" / "fashion_mnist_callback" / "starter.ipynb"
CLASS = {
    "ana": MODULES / "sequential_list.py",
    "bo": MODULES / "near_copy.py",
    "cy": MODULES / "original.py",
    "jo": STARTER,
    "kim": STARTER,
    "lee": MODULES / "functional_api.py",
    "hal": SUBMISSIONS / "empty.ipynb",
}


def graded_class(tmp_path: Path) -> Path:
    out, handins = tmp_path / "out", tmp_path / "handins"
    out.mkdir()
    with Gradebook(out / FILE) as book:
        book.claim("fashion_mnist_callback")
        for student, source in CLASS.items():
            (handins / student).mkdir(parents=True)
            copy = Path(shutil.copy(source, handins / student / source.name))
            entry = Entry(student, handins / student, copy, hashlib.sha256(copy.read_bytes()).hexdigest())
            report = stored("raises_in_cell") if student != "hal" else {**stored("raises_in_cell"), "status": "invalid"}
            grade(book, book.register([entry])[student], report)
    return out


def test_only_the_code_between_the_markers_counts():
    cell = "def f():\n    ### START CODE HERE ###\n    x = 1\n    ### END CODE HERE ###\n    return x\n"
    assert student_regions(cell) == "    x = 1"
    assert student_regions("y = 2\n") == "y = 2\n"


def test_the_near_copy_ranks_first_and_starter_code_alone_matches_nothing(tmp_path):
    out = graded_class(tmp_path)
    result = similarity(out, 0.5, STARTER)
    assert len(result.pairs) == 15  # 6 students compared (hal's hand-in is invalid): every pair once
    assert (result.pairs[0].first, result.pairs[0].second, result.pairs[0].score) == ("bo", "cy", 1.0)
    starter_pair = next(pair for pair in result.pairs if (pair.first, pair.second) == ("jo", "kim"))
    assert starter_pair.score == 0.0
    assert [(item.pair.first, item.pair.second) for item in result.shown] == [("bo", "cy")]
    with Gradebook.existing(out) as book:
        assert [(pair.first, pair.second) for pair in book.similarity()][:1] == [("bo", "cy")]
    dom = dump_dom(result.page)
    first = by_id(dom, "pair-1")
    assert (first.attrs["data-first"], first.attrs["data-second"]) == ("bo", "cy")
    sides = having(dom, "data-share")
    assert [side.attrs["data-student"] for side in sides] == ["bo", "cy"]
    matched = [element.attrs["data-line"] for element in having(dom, "data-line") if element.attrs.get("class") == "match"]
    assert "13" in matched and len(matched) > 20  # `units = hidden_size(28 * 28, 6)` and most of the rest


def test_a_changed_file_is_left_out_and_the_page_replaces_a_planted_link(tmp_path):
    out = graded_class(tmp_path)
    (tmp_path / "handins" / "lee" / "functional_api.py").write_text("print('changed after grading')\n")
    victim = tmp_path / "victim.html"
    victim.write_text("keep")
    (out / PAGE).symlink_to(victim)
    result = similarity(out, 0.9, STARTER)
    assert result.left_out == ("lee: left out of the comparison: the graded file of lee is no longer where it was graded from",)
    assert victim.read_text() == "keep" and not (out / PAGE).is_symlink()
