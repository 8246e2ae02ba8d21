"""`grader assign`: every shipped starter is what it makes of its reference, byte for byte."""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from grader import spec as specs
from grader.authoring.assign import assign, solution_lines, starter_notebook, to_text
from grader.cli import EXIT_OK, EXIT_USAGE, main

from conftest import ROOT

REGIONS = {"fashion_mnist_callback": 3, "fashion_mnist_classifier": 15, "fashion_mnist_lab": 1, "fashion_mnist_lesson": 1, "mnist_callback": 3}
SHIPPED = sorted(REGIONS)


def test_every_shipped_assignment_is_regenerated_here(monkeypatch):
    monkeypatch.delenv("GRADER_ASSIGNMENTS_DIR", raising=False)
    assert specs.available() == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_starter_is_its_reference_assigned(name, tmp_path):
    out = tmp_path / "starter.ipynb"
    assert assign(ROOT / "reference" / name / "solution.ipynb", out) == (out, REGIONS[name])
    assert out.read_bytes() == (ROOT / "assignments" / name / "starter.ipynb").read_bytes()


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_starter_hides_its_references_solution(name):
    hidden = solution_lines(nbformat.read(ROOT / "reference" / name / "solution.ipynb", as_version=4))
    starter = (ROOT / "assignments" / name / "starter.ipynb").read_text()
    shown = {line.strip() for cell in json.loads(starter)["cells"] for line in "".join(cell["source"]).split("\n")}
    assert hidden and not hidden & shown


def test_the_callback_references_solution_lines_are_the_code_it_hides():
    hidden = solution_lines(nbformat.read(ROOT / "reference" / "fashion_mnist_callback" / "solution.ipynb", as_version=4))
    assert {'if logs["accuracy"] >= 0.88:', "self.model.stop_training = True", "tf.keras.layers.Flatten(),", 'optimizer="adam",'} <= hidden
    assert "tf.keras.Input(shape=(28, 28))," not in hidden  # kept by `# @KEEP`: the starter shows it
    assert not any("@KEEP" in line or "@REPLACE" in line for line in hidden)


def executed_reference() -> nbformat.NotebookNode:
    """A reference as an instructor leaves it after running it: outputs, counts, cell and notebook metadata."""
    cells = [
        nbformat.v4.new_markdown_cell("# Week 2"),
        nbformat.v4.new_code_cell(
            "### START CODE HERE ###\nx = 41 + 1\n### END CODE HERE ###\nprint(x)",
            execution_count=3,
            outputs=[nbformat.v4.new_output("stream", text="42\n")],
            metadata={"tags": ["graded"], "scrolled": True},
        ),
        nbformat.v4.new_code_cell("print('no region')", execution_count=4, outputs=[nbformat.v4.new_output("stream", text="no region\n")]),
    ]
    return nbformat.v4.new_notebook(
        cells=cells, metadata={"grader": {"assignment": "week2", "version": "3"}, "kernelspec": {"name": "python3", "display_name": "Python 3"}}
    )


def test_outputs_are_cleared_counts_reset_and_all_metadata_and_ids_kept():
    reference = executed_reference()
    starter = starter_notebook(reference)
    assert [cell.source for cell in starter.cells] == ["# Week 2", "### START CODE HERE ###\nx = None\n### END CODE HERE ###\nprint(x)", "print('no region')"]
    assert [cell.get("outputs") for cell in starter.cells] == [None, [], []]
    assert [cell.get("execution_count") for cell in starter.cells] == [None, None, None]
    assert starter.cells[1].metadata == {"tags": ["graded"], "scrolled": True}
    assert [cell.id for cell in starter.cells] == [cell.id for cell in reference.cells]
    assert starter.metadata == reference.metadata and starter.metadata.grader.assignment == "week2"
    assert reference.cells[1].outputs and reference.cells[1].source.startswith("### START CODE HERE ###\nx = 41")  # the reference is untouched
    nbformat.validate(starter)


def course_copy(tmp_path, name="fashion_mnist_lab"):
    """A course repository holding one shipped assignment and its reference."""
    shutil.copytree(ROOT / "assignments" / name, tmp_path / "assignments" / name)
    shutil.copytree(ROOT / "reference" / name, tmp_path / "reference" / name)
    return tmp_path / "reference" / name / "solution.ipynb", tmp_path / "assignments" / name / "starter.ipynb"


def test_the_command_rewrites_the_assignments_starter_by_default(tmp_path, capsys):
    reference, starter = course_copy(tmp_path)
    starter.write_text("stale")
    assert main(["assign", str(reference)]) == EXIT_OK
    assert starter.read_text() == (ROOT / "assignments" / "fashion_mnist_lab" / "starter.ipynb").read_text()
    assert capsys.readouterr().out == f"{starter}: the starter of {reference}, 1 solution region(s) replaced by placeholders; outputs cleared.\n"


def test_the_command_writes_where_it_is_told(tmp_path):
    out = tmp_path / "handout" / "week2.ipynb"
    source = tmp_path / "week2_solution.ipynb"
    source.write_text(to_text(executed_reference()))
    assert main(["assign", str(source), "--out", str(out)]) == EXIT_OK
    assert nbformat.read(out, as_version=4).cells[1].source.split("\n")[1] == "x = None"


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["{dir}/loose.ipynb"], "is not reference/<name>/solution.ipynb of an assignment beside it"),
        (["{dir}/loose.ipynb", "--out", "{dir}/loose.ipynb"], "is the reference itself"),
        (["{dir}/broken.ipynb", "--out", "{dir}/out.ipynb"], "broken.ipynb: not a notebook the grader can read"),
        (["{dir}/unclosed.ipynb", "--out", "{dir}/out.ipynb"], "unclosed.ipynb: cell 2, line 1: `### START CODE HERE ###` opens a region that no"),
    ],
)
def test_the_command_refuses_with_a_message_naming_the_file(tmp_path, capsys, arguments, words):
    (tmp_path / "loose.ipynb").write_text(to_text(executed_reference()))
    (tmp_path / "broken.ipynb").write_text("{not json")
    unclosed = executed_reference()
    unclosed.cells[1].source = "### START CODE HERE ###\nx = 1"
    (tmp_path / "unclosed.ipynb").write_text(to_text(unclosed))
    assert main(["assign", *(argument.format(dir=tmp_path) for argument in arguments)]) == EXIT_USAGE
    error = capsys.readouterr().err
    assert error.startswith("grader: ") and words in error and "Traceback" not in error
    assert not (tmp_path / "out.ipynb").exists()
