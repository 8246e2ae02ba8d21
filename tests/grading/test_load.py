import json
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.grading.load import LoadFailure, Submission, load
from grader.status import Status

from conftest import submission


def _notebook(tmp_path: Path, cells, name="work.ipynb") -> Path:
    path = tmp_path / name
    path.write_text(nbformat.writes(new_notebook(cells=cells)))
    return path


def test_only_graded_cells_run_when_tags_exist(tmp_path):
    path = _notebook(
        tmp_path,
        [
            new_markdown_cell("# intro"),
            new_code_cell("import math", metadata={"tags": ["graded"]}),
            new_code_cell("scratch = ("),  # not graded, not even valid: must be ignored
            new_code_cell("def f():\n    return 1", metadata={"tags": ["graded", "other"]}),
        ],
    )
    loaded = load(path)
    assert isinstance(loaded, Submission)
    assert [cell.number for cell in loaded.cells] == [2, 4]
    assert "tagged `graded`" in loaded.selection


def test_untagged_notebook_runs_every_code_cell(tmp_path):
    path = _notebook(tmp_path, [new_code_cell("a = 1"), new_markdown_cell("text"), new_code_cell("b = 2")])
    loaded = load(path)
    assert [cell.number for cell in loaded.cells] == [1, 3]
    assert loaded.selection == "every code cell"


def test_grade_up_to_here_is_the_last_cell_run():
    loaded = load(submission("magics_and_grade_up_to_here.ipynb"))
    assert isinstance(loaded, Submission)
    assert "grade-up-to-here" in loaded.cells[-1].source
    assert all("past grade-up-to-here" not in cell.source for cell in loaded.cells)
    assert "up to `# grade-up-to-here` in cell 10" in loaded.selection


def test_magics_are_kept_for_the_sandbox_to_translate():
    loaded = load(submission("magics_and_grade_up_to_here.ipynb"))
    assert isinstance(loaded, Submission)
    assert loaded.cells[0].source.startswith("%matplotlib inline\n!echo")


def test_module_is_one_cell_named_by_its_file(tmp_path):
    path = tmp_path / "answer.py"
    path.write_text("x = 1\n")
    loaded = load(path)
    assert isinstance(loaded, Submission) and loaded.kind == "module"
    assert loaded.cell_label(1) == "answer.py"
    assert len(loaded.content_hash) == 64


def test_notebook_metadata_names_the_assignment(assignment):
    loaded = load(assignment.starter)
    assert isinstance(loaded, Submission) and loaded.assignment_hint == "fashion_mnist_callback"


def _failure(path) -> LoadFailure:
    loaded = load(path)
    assert isinstance(loaded, LoadFailure), loaded
    assert "Traceback" not in loaded.message
    return loaded


def test_empty_file_is_invalid_and_says_to_save():
    failure = _failure(submission("empty.ipynb"))
    assert failure.status is Status.INVALID
    assert "empty.ipynb is empty" in failure.message and "Save" in failure.message


def test_notebook_that_is_not_json_is_invalid():
    failure = _failure(submission("not_json.ipynb"))
    assert failure.status is Status.INVALID
    assert "not_json.ipynb is not a readable Jupyter notebook" in failure.message


def test_other_file_kinds_and_missing_files(tmp_path):
    (tmp_path / "answer.txt").write_text("x = 1")
    assert "reads Jupyter notebooks (.ipynb) and Python modules (.py)" in _failure(tmp_path / "answer.txt").message
    assert "no such file" in _failure(tmp_path / "absent.py").message


def test_binary_file_is_invalid(tmp_path):
    path = tmp_path / "answer.py"
    path.write_bytes(b"\xff\xfe\x00garbage")
    assert "not UTF-8" in _failure(path).message


def test_notebook_without_code_cells_is_invalid(tmp_path):
    path = _notebook(tmp_path, [new_markdown_cell("only words")])
    assert "no code cells" in _failure(path).message


def test_json_that_is_not_a_notebook_is_invalid(tmp_path):
    path = tmp_path / "work.ipynb"
    path.write_text(json.dumps({"hello": "world"}))
    assert _failure(path).status is Status.INVALID
