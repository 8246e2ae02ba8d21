"""cells.json read defensively, and the notebook as it ran built from it, the submission and the observations."""

import dataclasses
import json

import pytest

from grader.grading import cells, observations
from grader.grading.cells import Printed, RanNotebook
from grader.grading.load import Cell, load

from conftest import submission

TRACEBACK = (
    'Traceback (most recent call last):\n  File "/harness/student_code.py", line 201, in execute\n    exec(code, namespace)\n'
    '  File "<cell 5>", line 26, in <module>\n    summary = undefined_helper(create_and_compile_model())\n'
    "              ^^^^^^^^^^^^^^^^\nNameError: name 'undefined_helper' is not defined\n"
)
ERROR = {"type": "NameError", "message": "name 'undefined_helper' is not defined", "file": "<cell 5>", "line": 26, "traceback": TRACEBACK}


def part(head: str, tail: str = "", omitted: int = 0) -> dict:
    return {"head": head, "tail": tail, "omitted": omitted}


def frame(tmp_path, value) -> cells.Captured | None:
    (tmp_path / "cells.json").write_text(value if isinstance(value, str) else json.dumps(value))
    return cells.read(tmp_path)


def test_printed_output_is_collapsed_as_a_terminal_shows_it_and_gaps_are_marked(tmp_path):
    found = frame(
        tmp_path,
        {
            "cells": [{"index": 0, "stdout": part("\x1b[31mred\x1b[0m\n", "1/9 ━\r9/9 ━━━ done\n", 1234), "stderr": part("\ud800 lone\n")}],
            "training": {"stdout": part("Epoch 1/1\n")},
            "defined": {"build": 0},
        },
    )
    assert found.cells[0].stdout == "red\n[… 1,234 characters of output not kept …]\n9/9 ━━━ done\n"
    assert found.cells[0].stderr == "\ufffd lone\n"
    assert found.training == Printed("Epoch 1/1\n", "") and found.defined == {"build": 0}


@pytest.mark.parametrize(
    "value",
    [
        "not json",
        "[1, 2]",
        '{"cells": 5}',
        '{"cells": [{"index": "0"}, {"index": true}, 7]}',
        '{"cells": [{"index": 0, "stdout": {"head": 5, "omitted": "x"}}], "defined": {"a": "1"}}',
    ],
)
def test_a_malformed_frame_gives_no_outputs_never_an_error(tmp_path, value):
    found = frame(tmp_path, value)
    assert found is None or (all(printed == Printed() for printed in found.cells.values()) and found.defined == {})


def test_a_missing_oversized_or_linked_frame_is_none(tmp_path):
    assert cells.read(tmp_path) is None
    assert frame(tmp_path, '{"cells": [], "pad": "' + "x" * cells.MAX_BYTES + '"}') is None
    (tmp_path / "cells.json").unlink()
    (tmp_path / "cells.json").symlink_to("/etc/passwd")
    assert cells.read(tmp_path) is None


def test_a_forged_frame_is_cut_to_the_totals(tmp_path):
    found = frame(tmp_path, {"cells": [{"index": i, "stdout": part("z" * 50_000 + "\n")} for i in range(10)]})
    assert all(len(found.cells[i].stdout) <= cells.PART_LIMIT + 100 for i in range(10))
    assert sum(len(printed.stdout) for printed in found.cells.values()) <= cells.TOTAL_LIMIT + 10 * 100


def notebook_of(tmp_path, found: dict, frame_value: dict) -> RanNotebook:
    loaded = load(submission("raises_in_cell.ipynb"))
    return cells.ran(loaded, observations.parse({"schema": 2, "phases": ["started", "execution", "names"], **found}), frame(tmp_path, frame_value))


def test_the_notebook_as_it_ran_has_each_cells_output_error_and_roles(tmp_path):
    ran = notebook_of(
        tmp_path,
        {"execution": {"error": ERROR, "cell": 5}, "names": {"model": "create_and_compile_model", "callback": None}},
        {"cells": [{"index": 0, "stdout": part("hello\n")}, {"index": 1}], "defined": {"create_and_compile_model": 1}},
    )
    assert [cell.number for cell in ran.cells] == [2, 5, 7, 9] and ran.kind == "notebook"
    assert [cell.count for cell in ran.cells] == [1, 2, None, None]  # the cells after the one that raised never ran
    assert ran.cells[0].printed.stdout == "hello\n" and ran.cells[1].roles == ("model",)
    raised = ran.cells[1].error
    assert raised.type == "NameError" and "/harness/" not in raised.traceback
    assert raised.traceback.startswith('Traceback (most recent call last):\n  File "<cell 5>", line 26')
    assert ran.training is None and RanNotebook.from_json(json.loads(json.dumps(ran.to_json()))) == ran


def test_a_syntax_error_sits_at_its_cell_and_the_graders_training_call_is_its_own_cell(tmp_path):
    syntax = {**ERROR, "type": "SyntaxError", "file": "<cell 7>", "traceback": "SyntaxError: invalid syntax"}
    ran = notebook_of(tmp_path, {"translation": {"syntax_error": syntax}}, {"cells": []})
    assert [cell.error.type if cell.error else None for cell in ran.cells] == [None, None, "SyntaxError", None]
    assert all(cell.count is None for cell in ran.cells)
    failed = {**ERROR, "type": "ValueError", "message": "bad shape", "traceback": "ValueError: bad shape"}
    ran = notebook_of(
        tmp_path,
        {"names": {"training": "train_fashion_mnist"}, "training": {"fits": [], "error": failed}},
        {"cells": [{"index": i} for i in range(4)], "training": {"stdout": part("Epoch 1/10\n")}},
    )
    assert (ran.training.count, ran.training.printed.stdout, ran.training.error.message) == (5, "Epoch 1/10\n", "bad shape")
    assert ran.training_name == "train_fashion_mnist"


def test_a_huge_notebook_shows_a_bounded_part_of_its_sources():
    loaded = load(submission("raises_in_cell.ipynb"))
    huge = dataclasses.replace(loaded, cells=tuple(Cell(number, "x = 1\n" * 20_000) for number in range(1, 41)))
    ran = cells.ran(huge, None, None)
    assert len(ran.cells) == 40 and all(cell.count is None and cell.roles == () for cell in ran.cells)
    assert sum(len(cell.source) for cell in ran.cells) <= cells.SOURCES_LIMIT + 40 * 100
    assert ran.cells[0].source.endswith("# [… 70,000 more characters of this cell not shown …]") and ran.cells[-1].source.startswith("\n# [")
