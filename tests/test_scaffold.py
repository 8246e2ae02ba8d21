"""`grader new`, an assignment's own checks.py, and the CI workflow instructors copy.

The slow test is the instructor's path from nothing to a green CI: `grader new` in an empty
course repository, then the commands of docs/ci/github-actions-grader.yml, run as written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest
import yaml

from grader import checks
from grader import spec as specs
from grader.cli import EXIT_OK, EXIT_USAGE, main
from grader.errors import AssignmentSpecError
from grader.scaffold import to_notebook
from grader.validate import Expected, cases

from conftest import ROOT

WORKFLOW = ROOT / "docs" / "ci" / "github-actions-grader.yml"
FILES = [
    "assignments/demo_callback/assignment.toml",
    "assignments/demo_callback/checks.py",
    "assignments/demo_callback/examples/empty_file/expected.toml",
    "assignments/demo_callback/examples/empty_file/submission.ipynb",
    "assignments/demo_callback/examples/passes_as_module/expected.toml",
    "assignments/demo_callback/examples/passes_as_module/submission.py",
    "assignments/demo_callback/examples/raises_in_cell/expected.toml",
    "assignments/demo_callback/examples/raises_in_cell/submission.ipynb",
    "assignments/demo_callback/examples/stops_at_epoch_limit/expected.toml",
    "assignments/demo_callback/examples/stops_at_epoch_limit/submission.ipynb",
    "assignments/demo_callback/starter.ipynb",
    "reference/demo_callback/solution.ipynb",
]


def code_cells(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    notebook = nbformat.read(path, as_version=4)
    return [(cell.source, tuple(cell.metadata.get("tags", ()))) for cell in notebook.cells if cell.cell_type == "code"]


def test_new_writes_an_assignment_that_loads_with_its_own_check(tmp_path, capsys, registry):
    assert main(["new", "demo_callback", "--dir", str(tmp_path)]) == EXIT_OK
    assert sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*") if path.is_file()) == FILES
    out = capsys.readouterr().out
    assert out.startswith("Created assignment demo_callback:") and f"grader validate {tmp_path}/assignments/demo_callback" in out
    spec = specs.load(str(tmp_path / "assignments" / "demo_callback"))
    assert (spec.name, spec.graded.training, spec.callback.threshold, spec.callback.max_epochs) == ("demo_callback", ("train_model",), 0.85, 5)
    assert [check.id for check in spec.checks] == ["model", "callback", "stopped_by_callback", "accuracy", "reference", "small_model"]
    assert spec.reference == tmp_path / "reference" / "demo_callback" / "solution.ipynb" and spec.max_score == 100
    expected = {case.label: case.expected for case in cases(spec)}
    assert expected["examples/stops_at_epoch_limit"] == Expected("graded", 60.0, frozenset({"model", "accuracy", "reference", "small_model"}))
    assert expected["examples/empty_file"] == Expected("invalid", 0.0, frozenset())
    assert (tmp_path / "assignments" / "demo_callback" / "examples" / "empty_file" / "submission.ipynb").read_bytes() == b""


def test_the_starter_and_the_reference_differ_only_inside_the_graded_cells(tmp_path, registry):
    main(["new", "demo_callback", "--dir", str(tmp_path)])
    starter = code_cells(tmp_path / "assignments" / "demo_callback" / "starter.ipynb")
    solution = code_cells(tmp_path / "reference" / "demo_callback" / "solution.ipynb")
    differ = [tags for (mine, tags), (theirs, _) in zip(starter, solution) if mine != theirs]
    assert len(starter) == len(solution) and differ == [("graded",)] * 3
    assert [source for source, tags in starter if not tags][2:4] == ['check("create_and_compile_model")', 'check("EarlyStoppingCallback")']
    metadata = json.loads((tmp_path / "assignments" / "demo_callback" / "starter.ipynb").read_text())["metadata"]
    assert metadata["grader"] == {"assignment": "demo_callback", "version": "1"}


@pytest.mark.parametrize(
    "name, words",
    [
        ("Week-2", "'Week-2' cannot name an assignment"),
        ("2nd_week", "starting with a letter"),
        ("demo_callback", "already exists; `grader new` never overwrites"),
    ],
)
def test_new_refuses_a_bad_name_or_an_existing_assignment(tmp_path, capsys, name, words, registry):
    (tmp_path / "reference" / "demo_callback").mkdir(parents=True)
    assert main(["new", name, "--dir", str(tmp_path)]) == EXIT_USAGE
    assert words in capsys.readouterr().err
    assert not (tmp_path / "assignments").exists()


def test_a_percent_script_becomes_a_notebook_with_markdown_code_and_tags():
    script = '# %% [markdown]\n# # Title\n#\n# Text\n\n# %% tags=["graded"]\nimport numpy as np\n\n\n# %%\nprint(1)\n'
    notebook = nbformat.reads(to_notebook(script, "demo"), as_version=4)
    assert [(cell.cell_type, cell.source, cell.metadata.get("tags")) for cell in notebook.cells] == [
        ("markdown", "# Title\n\nText", None),
        ("code", "import numpy as np", ["graded"]),
        ("code", "print(1)", None),
    ]
    assert notebook.metadata.grader == {"assignment": "demo", "version": "1"}


def test_an_assignments_own_check_takes_its_own_argument_from_the_spec(tmp_path, registry):
    """The scaffold's small_model check reads `at_most` from its [[checks]] entry; its words come from its TEXT."""
    from grader.checks import Context, DatasetFacts, ModelFacts, Names
    from grader.text.checks import render

    main(["new", "demo_callback", "--dir", str(tmp_path)])
    spec = specs.load(str(tmp_path / "assignments" / "demo_callback"))
    assert spec.check("small_model").arguments == {"at_most": 150_000}
    context = Context(Names("m", "c", "t"), DatasetFacts("Fashion MNIST", (28, 28), 10), False, ())

    def verdict(params: int, at_most: int = 150_000):
        return checks.run_check("small_model", replace(context, trained_model=ModelFacts(True, params=params)), {"at_most": at_most})

    assert render(verdict(101_770)) == "The model has 101,770 parameters, within the 150,000 allowed." and verdict(101_770).passed
    assert not verdict(407_050).passed and render(verdict(407_050)).startswith("The model has 407,050 parameters, more than the 150,000 allowed.")
    assert verdict(407_050, at_most=500_000).passed
    tighter = specs.with_overrides(spec, {"small_model.at_most": "50000"})
    assert tighter.check("small_model").arguments == {"at_most": 50_000}


@pytest.mark.parametrize(
    "source, words",
    [
        (
            "from grader.checks import check\n@check\ndef model(builder):\n    pass\n",
            "[model] defines a check named 'model', but it is a built-in check. Check ids are shared",
        ),
        ("def broken(:\n", "[checks.py] cannot be loaded: SyntaxError"),
        ("import not_a_module\n", "[checks.py] cannot be loaded: ModuleNotFoundError"),
    ],
)
def test_a_checks_py_that_cannot_work_is_a_spec_error_naming_it(tmp_path, registry, source, words):
    main(["new", "demo_callback", "--dir", str(tmp_path)])
    local = tmp_path / "assignments" / "demo_callback" / "checks.py"
    local.write_text(source)
    with pytest.raises(AssignmentSpecError) as raised:
        specs.load(str(local.parent))
    assert str(raised.value).startswith(f"{local}: ") and words in str(raised.value)


def test_two_assignments_may_share_a_check_only_when_their_checks_py_are_the_same(tmp_path, registry):
    for name in ("week_1", "week_2", "week_3"):
        main(["new", name, "--dir", str(tmp_path)])
    specs.load(str(tmp_path / "assignments" / "week_1"))
    specs.load(str(tmp_path / "assignments" / "week_2"))  # the same file: one check, no conflict
    other = tmp_path / "assignments" / "week_3" / "checks.py"
    other.write_text(other.read_text().replace("within the {at_most:,} allowed", "at most {at_most:,} are allowed"))
    with pytest.raises(AssignmentSpecError) as raised:
        specs.load(str(other.parent))
    assert f"[small_model] defines a check named 'small_model', but {tmp_path}/assignments/week_" in str(raised.value)


def workflow_steps() -> tuple[dict, list[dict], list[dict]]:
    """The workflow's env, its install steps (they need root and the network) and the rest."""
    workflow = yaml.safe_load(WORKFLOW.read_text())
    steps = workflow["jobs"]["validate"]["steps"]
    install = [step for step in steps if "run" in step and step["name"].startswith("Install")]
    rest = [step for step in steps if "run" in step and step not in install]
    return workflow["env"], install, rest


def test_the_workflow_installs_what_the_readme_says_and_runs_validate():
    env, install, rest = workflow_steps()
    assert "apt-get install -y -qq bubblewrap" in install[0]["run"] and "pip install --quiet -r requirements-grader.txt" in install[1]["run"]
    assert [step["run"].strip() for step in rest] == [
        'grader data fetch --mirror "$GRADER_DATA_MIRROR"',
        "grader doctor",
        "grader validate assignments/*/",
    ]
    assert env["GRADER_DATA_MIRROR"] == "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


@pytest.mark.slow
def test_a_new_assignment_passes_the_ci_workflow_as_written(tmp_path, mirror):  # noqa: F811
    course = tmp_path / "course"
    assert main(["new", "week2_callback", "--dir", str(course)]) == EXIT_OK
    env, _, rest = workflow_steps()
    bin_dir = Path(sys.executable).parent  # where `pip install` put the grader command
    environment = {**os.environ, **env, "GRADER_DATA_MIRROR": mirror, "GRADER_CACHE_DIR": str(tmp_path / "cache")}
    environment["PATH"] = f"{bin_dir}{os.pathsep}{environment['PATH']}"
    outputs = []
    for step in rest:
        done = subprocess.run(["bash", "-eo", "pipefail", "-c", step["run"]], cwd=course, env=environment, capture_output=True, text=True)
        assert done.returncode == 0, (step["name"], done.stdout[-3000:], done.stderr[-3000:])
        outputs.append(done.stdout)
    assert "Fashion MNIST stored and verified" in outputs[0]
    assert "sandbox: bwrap" in outputs[1]
    assert outputs[2].startswith("week2_callback: all 7 cases grade as stated.")
