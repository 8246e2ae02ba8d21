"""The starter check of `grader validate`: a case of its own, failing with the first differing cell and line."""

from __future__ import annotations

import json
import shutil

import pytest

from grader import spec as specs
from grader.authoring.agreement import starter_agreement
from grader.text import validation as validation_words
from grader.validate import Validation, compared_cases

from conftest import ROOT

FIX = "Change the starter, or mark that code as solution in the reference; `{command}` rewrites the starter from it."


def course_copy(tmp_path, name):
    shutil.copytree(ROOT / "assignments" / name, tmp_path / "assignments" / name)
    shutil.copytree(ROOT / "reference" / name, tmp_path / "reference" / name)
    return specs.load(tmp_path / "assignments" / name)


def edit(path, cell, old, new):
    notebook = json.loads(path.read_text())
    source = "".join(notebook["cells"][cell - 1]["source"])
    assert source.count(old) == 1, source
    notebook["cells"][cell - 1]["source"] = source.replace(old, new)
    path.write_text(json.dumps(notebook, indent=1))


@pytest.mark.parametrize("name", ["fashion_mnist_callback", "fashion_mnist_classifier", "fashion_mnist_lab", "fashion_mnist_lesson", "mnist_callback"])
def test_each_shipped_starter_agrees_with_its_reference(name):
    (found,) = compared_cases(specs.load(name))
    assert found.ok and found.got == found.case.expected == "agree outside regions" and found.problem == ""
    assert found.case.label == "starter vs reference" and found.case.path == ROOT / "assignments" / name / "starter.ipynb"


def test_a_starter_edited_outside_the_regions_differs_at_its_cell_and_line(tmp_path):
    spec = course_copy(tmp_path, "fashion_mnist_callback")
    edit(spec.starter, 9, "    return history", "    return model")
    found = starter_agreement(spec)
    assert not found.ok and found.got == "differ: cell 9, line 15"
    assert (
        found.problem
        == f"cell 9, line 15: the starter has `return model` where the reference, its regions replaced, has `return history`. {FIX.format(command=f'grader assign {spec.reference}')}"
    )


def test_inside_a_course_region_the_starter_may_hold_its_own_hints(tmp_path):
    spec = course_copy(tmp_path, "fashion_mnist_callback")
    edit(spec.starter, 7, "        if None:\n", "        # Compare logs['accuracy'] with 0.88\n        if None:\n")
    assert starter_agreement(spec).ok


def test_an_nbgrader_region_must_have_become_its_stub(tmp_path):
    spec = course_copy(tmp_path, "fashion_mnist_lab")
    edit(spec.starter, 5, "raise NotImplementedError()", 'raise NotImplementedError("Write the callback")')
    found = starter_agreement(spec)
    assert found.got == "differ: cell 5, line 12" and '`raise NotImplementedError("Write the callback")`' in found.problem


@pytest.mark.parametrize(
    ("change", "got", "words"),
    [
        (
            lambda notebook: notebook["cells"].pop(),
            "differ: cell 11",
            "cell 11: the starter has 10 cells and the reference 11; only the reference has this one",
        ),
        (lambda notebook: notebook["cells"][4]["metadata"].update(tags=[]), "differ: cell 5", "cell 5: the starter's tags are [], the reference's ['graded']"),
        (lambda notebook: notebook["metadata"]["grader"].update(assignment="other"), "differ: metadata", "the notebooks' metadata.grader differ"),
        (
            lambda notebook: notebook["cells"][8]["source"].append("\nprint('more')"),
            "differ: cell 9, line 16",
            "only the starter has this line: `print('more')`",
        ),
    ],
)
def test_cells_tags_and_metadata_must_agree_too(tmp_path, change, got, words):
    spec = course_copy(tmp_path, "fashion_mnist_callback")
    notebook = json.loads(spec.starter.read_text())
    change(notebook)
    spec.starter.write_text(json.dumps(notebook, indent=1))
    found = starter_agreement(spec)
    assert found.got == got and words in found.problem


def test_a_reference_whose_markers_are_broken_fails_the_case_naming_cell_and_line(tmp_path):
    spec = course_copy(tmp_path, "fashion_mnist_callback")
    edit(spec.reference, 7, "    ### END CODE HERE ###", "    ### END SOLUTION")
    found = starter_agreement(spec)
    assert found.got == "no starter: cell 7, line 14"
    assert found.problem.startswith(f"{spec.reference}: cell 7, line 14: `### END SOLUTION` closes the `### START CODE HERE ###` region opened on line 4.")


def test_a_module_reference_has_no_regions_and_no_such_case(tmp_path):
    spec = course_copy(tmp_path, "fashion_mnist_callback")
    spec.reference.unlink()
    spec.reference.with_name("solution.py").write_text("x = 1\n")
    assert compared_cases(specs.load(spec.folder)) == ()


def test_the_validation_summary_lists_the_case_with_its_difference(tmp_path):
    spec = course_copy(tmp_path, "fashion_mnist_callback")
    agreeing = compared_cases(spec)
    edit(spec.starter, 5, "        None,\n        None,\n        None,\n", "        None,\n        None,\n")
    edit(spec.starter, 3, "test_images = test_images / 255.0", "test_images = test_images / 256.0")
    differing = compared_cases(spec)
    assert (
        validation_words.validation_summary(Validation(spec, agreeing)).split("\n")[4]
        == "  ok    starter vs reference  agree outside regions   agree outside regions"
    )
    rows = validation_words.validation_summary(Validation(spec, differing)).split("\n")
    assert rows[0] == "fashion_mnist_callback: 1 of 1 cases differ from what the assignment states."
    assert rows[4] == "  DIFF  starter vs reference  agree outside regions   differ: cell 3, line 6"
    assert rows[5] == f"          file: {spec.starter}"
    assert rows[6].startswith("          cell 3, line 6: the starter has `test_images = test_images / 256.0` where")
    assert validation_words.validated_case(spec, differing[0]) == "fashion_mnist_callback starter vs reference: DIFFERS (differ: cell 3, line 6)"


def test_the_fix_names_the_starter_when_it_is_not_where_grader_assign_writes_by_default(tmp_path):
    shutil.copytree(ROOT / "assignments" / "fashion_mnist_lab", tmp_path / "course" / "labs" / "fashion_mnist_lab")
    shutil.copytree(ROOT / "reference" / "fashion_mnist_lab", tmp_path / "course" / "reference" / "fashion_mnist_lab")
    spec = specs.load(tmp_path / "course" / "labs" / "fashion_mnist_lab")
    edit(spec.starter, 5, "# YOUR CODE HERE", "# your code here")
    found = starter_agreement(spec)
    assert found.problem.endswith(FIX.format(command=f"grader assign {spec.reference} --out {spec.starter}"))
