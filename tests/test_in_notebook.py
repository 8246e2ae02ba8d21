"""``from grader import check`` inside the notebook: the harness's probes, the grader's checks and messages.

The student's code is the shipped starter and reference, run as a kernel runs it: in ``__main__``.
"""

from __future__ import annotations

import json
import linecache
import re
import sys
import types
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from grader.api import choose_isolation, grade_to
from grader.checks import DatasetFacts, StopCondition
from grader.cli import EXIT_OK, main
from grader.in_notebook import render
from grader.options import Options
from grader.text import validation as validation_words
from grader.validate import own_checks

from conftest import ROOT

ASSIGNMENT = ROOT / "assignments" / "fashion_mnist_callback"
REFERENCE = ROOT / "reference" / "fashion_mnist_callback" / "solution.ipynb"
SHOWN_AS = "FAIL  model                    0/20  "


def _words(reason: str, **values) -> str:
    from grader.checks import Verdict
    from grader.text.checks import render

    return render(Verdict(True, reason, values))


MODEL_OK = _words("model.ok", name="create_and_compile_model", shape=(None, 28, 28), dataset=DatasetFacts("Fashion MNIST", (28, 28), 10))
CALLBACK_OK = _words("callback.ok", name="EarlyStoppingCallback", condition=StopCondition("accuracy", ">=", 0.88), cases=6)


def graded_cells(notebook: Path) -> list[tuple[int, str]]:
    cells = json.loads(notebook.read_text())["cells"]
    return [(n, "".join(c["source"])) for n, c in enumerate(cells, 1) if "graded" in c["metadata"].get("tags", [])]


@pytest.fixture
def kernel_main(monkeypatch):
    """Run notebook cells into a fresh ``__main__``, named ``<cell N>`` as the grader names them."""
    main = types.ModuleType("__main__")
    monkeypatch.setitem(sys.modules, "__main__", main)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)

    def run(cells: list[tuple[int, str]]) -> dict:
        for number, source in cells:
            filename = f"<cell {number}>"
            linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
            exec(compile(source, filename, "exec"), vars(main))
        return vars(main)

    return run


def test_a_correct_model_and_callback_pass_with_the_graders_messages(kernel_main, capsys):
    kernel_main(graded_cells(REFERENCE))
    from grader import check

    check("create_and_compile_model")
    check("EarlyStoppingCallback")
    assert capsys.readouterr().out.splitlines() == [
        f"PASS  model                   20/20  {MODEL_OK}",
        f"PASS  callback                20/20  {CALLBACK_OK}",
    ]


def test_the_training_function_is_left_to_the_full_grade(kernel_main, capsys):
    kernel_main(graded_cells(REFERENCE))
    from grader import check

    check("train_fashion_mnist")
    out = capsys.readouterr().out
    assert "`train_fashion_mnist` is checked by training your model" in out and "grader check" in out
    assert "PASS" not in out and "FAIL" not in out


def test_names_not_defined_yet_unknown_or_ambiguous_get_a_clear_answer(kernel_main, capsys):
    from grader import check

    kernel_main([(2, "x = 1")])
    check("create_and_compile_model")
    check("build_model")
    check()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == validation_words.notebook_not_defined("create_and_compile_model")
    assert lines[1].startswith("No assignment grades `build_model`.")
    assert lines[2].startswith("No assignment grades this notebook.")


def test_the_notebook_metadata_picks_the_assignment_when_names_alone_cannot(kernel_main, monkeypatch, tmp_path, capsys, registry):
    assert main(["new", "look_alike", "--dir", str(tmp_path)]) == EXIT_OK  # same graded names, threshold 0.85
    monkeypatch.setenv("GRADER_ASSIGNMENTS_DIR", str(tmp_path / "assignments"))
    namespace = kernel_main(graded_cells(REFERENCE))
    namespace["train_model"] = namespace["train_fashion_mnist"]  # now every graded role of both is defined
    from grader import check

    check()
    assert "Several assignments could grade this notebook (fashion_mnist_callback, look_alike)" in capsys.readouterr().out
    namespace["__session__"] = str(ASSIGNMENT / "starter.ipynb")  # what Jupyter tells the kernel: the open notebook
    check("EarlyStoppingCallback")
    assert capsys.readouterr().out == f"PASS  callback                20/20  {CALLBACK_OK}\n"


@pytest.mark.slow
def test_the_starter_gets_the_same_messages_as_its_full_grade(assignment, kernel_main, tmp_path):
    own = own_checks(assignment)  # all but `reference`: the starter needs no reference solution graded first
    graded = grade_to(assignment.starter, own, tmp_path, Options(isolation=choose_isolation("auto")))
    full = {check.id: check.message for check in graded.checks}
    namespace = kernel_main(graded_cells(assignment.starter))
    lines = render(assignment, None, namespace).splitlines()
    drawn = re.compile(r"\d\.\d{3,}")  # the callback is tried on cases drawn afresh each time: their numbers differ, the words do not
    assert [drawn.sub("N", line) for line in lines] == [
        drawn.sub("N", f"FAIL  model                    0/20  {full['model']}"),
        drawn.sub("N", f"FAIL  callback                 0/20  {full['callback']}"),
    ]
    assert "cell 5, line 8" in lines[0]


def test_check_in_a_real_kernel_prints_into_the_cell_and_names_the_cell(tmp_path, monkeypatch):
    cells = [nbformat.v4.new_code_cell(source) for _, source in graded_cells(REFERENCE)]
    broken = "def create_and_compile_model():\n    return tf.keras.Sequential([tf.keras.Input(shape=(28, 28)), None])"
    cells += [
        nbformat.v4.new_code_cell('from grader import check\ncheck("create_and_compile_model")'),
        nbformat.v4.new_code_cell(broken),
        nbformat.v4.new_code_cell('check("create_and_compile_model")'),
    ]
    notebook = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    path = tmp_path / "C1W2_Assignment.ipynb"
    path.write_text(nbformat.writes(notebook))
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))  # what Jupyter tells the kernel; this notebook names no assignment
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = ["".join(output.get("text", "") for output in cell.outputs if output.get("name") == "stdout") for cell in notebook.cells[-3:]]
    assert printed[0] == f"PASS  model                   20/20  {MODEL_OK}\n"
    assert printed[2].startswith(SHOWN_AS + "Calling `create_and_compile_model()` raised ValueError: Only instances of `keras.Layer`")
    broken_cell = notebook.cells[-2].execution_count
    assert printed[2].rstrip().endswith(f"(in Cell In[{broken_cell}], line 2:  return tf.keras.Sequential([tf.keras.Input(shape=(28, 28)), None])).")
