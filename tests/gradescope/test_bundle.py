"""`grader gradescope`: the zip's contents, and run_autograder run against a simulated /autograder tree.

The tree is what Gradescope makes: the zip unpacked into source/, the student's files in
submission/, an empty results/. GRADER_AUTOGRADER_ROOT points run_autograder at it, and the
grader it runs is the source inside the zip, so the bundle is shown to be complete.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from grader import cli

from conftest import ROOT, SUBMISSIONS

SCHEMA = json.loads((Path(__file__).with_name("results_schema.json")).read_text())
FAST = ROOT / "tests" / "benchmarks" / "fast_submission.ipynb"


def build(tmp_path: Path, *extra: str, assignment: str = "fashion_mnist_callback") -> Path:
    assert cli.main(["gradescope", assignment, "--out", str(tmp_path / "out"), *extra]) == 0
    return tmp_path / "out" / "autograder.zip"


def simulated_run(tmp_path: Path, archive: Path, *files: Path) -> dict:
    root = tmp_path / "autograder"
    for folder in ("source", "submission", "results"):
        (root / folder).mkdir(parents=True)
    with zipfile.ZipFile(archive) as unzipped:
        unzipped.extractall(root / "source")
    for member in zipfile.ZipFile(archive).infolist():  # extractall drops the modes; Gradescope keeps them
        os.chmod(root / "source" / member.filename, member.external_attr >> 16 & 0o777)
    for path in files:
        shutil.copy(path, root / "submission" / path.name)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/root"),
        "GRADER_AUTOGRADER_ROOT": str(root),
        "GRADER_PYTHON": sys.executable,
        "PYTHONPATH": str(root / "source" / "grader"),
        "GRADER_CACHE_DIR": os.environ.get("GRADER_CACHE_DIR", str(Path.home() / ".cache" / "grader")),
    }
    done = subprocess.run([str(root / "source" / "run_autograder")], cwd=root, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, SCHEMA)
    return results


def test_the_zip_holds_the_scripts_the_config_and_the_graders_source(tmp_path):
    archive = build(tmp_path, "--set", "threshold=0.9")
    with zipfile.ZipFile(archive) as unzipped:
        members = {info.filename: info for info in unzipped.infolist()}
        config = json.loads(unzipped.read("autograder.json"))
        setup = unzipped.read("setup.sh").decode()
    for name in ("setup.sh", "run_autograder"):
        assert members[name].external_attr >> 16 & stat.S_IXUSR, name
    for name in (
        "grader/pyproject.toml",
        "grader/README.md",
        "grader/grader/gradescope/run.py",
        "grader/grader/harness/run_submission.py",
        "grader/assignments/fashion_mnist_callback/assignment.toml",
        "grader/reference/fashion_mnist_callback/solution.ipynb",
    ):
        assert name in members, name
    assert not [name for name in members if "__pycache__" in name or "/examples/" in name or name.startswith("grader/assignments/mnist")]
    assert config == {"assignment": "fashion_mnist_callback", "sandbox": "auto", "overrides": {"threshold": "0.9"}}
    assert "apt-get install -y -qq bubblewrap" in setup and 'bin/pip" install --quiet -e "$ROOT/source/grader"' in setup
    assert 'grader" data fetch fashion_mnist' in setup and "--warm" in setup
    (tmp_path / "setup.sh").write_text(setup)
    assert subprocess.run(["bash", "-n", str(tmp_path / "setup.sh")]).returncode == 0


def test_an_mnist_assignment_sets_up_mnist(tmp_path):
    with zipfile.ZipFile(build(tmp_path, assignment="mnist_callback")) as unzipped:
        setup = unzipped.read("setup.sh").decode()
    assert 'data fetch mnist || "$ROOT/venv/bin/grader" data subset mnist' in setup


def test_a_submission_that_fails_gets_results_in_gradescopes_schema(tmp_path):
    results = simulated_run(tmp_path, build(tmp_path), SUBMISSIONS / "syntax_error.ipynb")
    assert results["score"] == 0.0 and "syntax error" in results["output"]
    assert [test["tags"] for test in results["tests"]] == [["model"], ["callback"], ["stopped_by_callback"], ["accuracy"], ["reference"]]
    assert {(test["status"], test["score"], test["visibility"]) for test in results["tests"]} == {("failed", 0.0, "visible")}
    assert sum(test["max_score"] for test in results["tests"]) == 100


def test_a_submission_folder_with_nothing_gradable_still_gets_results(tmp_path):
    readme = tmp_path / "README.txt"
    readme.write_text("I forgot the notebook")
    results = simulated_run(tmp_path, build(tmp_path), readme)
    assert results["score"] == 0.0 and results["extra_data"]["status"] == "invalid" and "README.txt" in results["output"]


@pytest.mark.slow
def test_a_real_submission_is_graded_in_the_simulated_tree(tmp_path):
    results = simulated_run(tmp_path, build(tmp_path), FAST)
    assert results["score"] == 40.0 and results["extra_data"]["status"] == "graded"
    assert [test["status"] for test in results["tests"]] == ["passed", "passed", "failed", "failed", "failed"]


def test_the_sandbox_choice_is_the_zips(tmp_path):
    with zipfile.ZipFile(build(tmp_path, "--sandbox", "none")) as unzipped:
        assert json.loads(unzipped.read("autograder.json"))["sandbox"] == "none"


def test_warming_grades_the_reference_into_the_cache(tmp_path):
    from grader.gradescope import run

    root = tmp_path / "autograder"
    with zipfile.ZipFile(build(tmp_path)) as unzipped:
        unzipped.extractall(root / "source")
    assert run.main(["--root", str(root), "--warm"]) == 0


def test_a_container_that_cannot_grade_writes_results_that_say_why(tmp_path, monkeypatch):
    from grader.errors import SandboxSetupError
    from grader.gradescope import run

    root = tmp_path / "autograder"
    with zipfile.ZipFile(build(tmp_path)) as unzipped:
        unzipped.extractall(root / "source")
    (root / "submission").mkdir()
    shutil.copy(SUBMISSIONS / "syntax_error.ipynb", root / "submission")

    def no_sandbox(choice):
        raise SandboxSetupError("bubblewrap cannot create a user namespace here. Pass --sandbox none.")

    monkeypatch.setattr("grader.api.choose_isolation", no_sandbox)  # the container's fault, not TensorFlow's: no grading is faked
    assert run.main(["--root", str(root)]) == 0
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, SCHEMA)
    assert results["score"] == 0.0 and "user namespace" in results["output"] and results["tests"][0]["max_score"] == 100
