"""`grader bundle`: what students may hold, and never the solution."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from grader import spec as specs
from grader.authoring.assign import read_notebook, solution_lines
from grader.authoring.bundle import bundle, lines_of
from grader.cli import EXIT_BELOW_FULL, EXIT_OK, EXIT_USAGE, main
from grader.errors import GraderError
from grader.grading import reference
from grader.grading.metrics import Metrics
from grader.options import Options
from grader.sandbox.run import Isolation

from conftest import ROOT

SHIPPED = ["fashion_mnist_callback", "fashion_mnist_classifier", "fashion_mnist_lab", "fashion_mnist_lesson", "mnist_callback"]
MEASURED = Metrics(
    test_accuracy=0.8712,
    train_accuracy=0.8843,
    epochs_run=3,
    epochs_requested=10,
    stop_epoch=3,
    stopped_by_callback=True,
    params=101_770,
    history={"accuracy": (0.82, 0.86, 0.8843), "loss": (0.5, 0.39, 0.33)},
)
NO_GRADING = Options(isolation=Isolation.NONE)  # every test but the slow one finds the reference's metrics cached


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A reference cache of this test's own; ``seed(spec)`` stores MEASURED as that reference's metrics."""
    folder = tmp_path / "cache"
    monkeypatch.setattr(reference, "cache_dir", lambda: folder)
    return lambda spec: reference.cached(spec, lambda: MEASURED, use_cache=False)


@pytest.mark.parametrize("name", SHIPPED)
def test_a_bundle_holds_the_spec_checks_starter_and_reference_metrics_only(name, tmp_path, cache):
    spec = specs.load(name)
    cache(spec)
    written = bundle(name, tmp_path / "out", NO_GRADING)
    folder = tmp_path / "out" / name
    own = [file for file in ("checks.py", "probes.py") if (spec.folder / file).is_file()]
    assert sorted(path.name for path in written) == sorted(["assignment.toml", "reference.json", "starter.ipynb", *own])
    assert sorted(path.name for path in folder.iterdir()) == sorted(path.name for path in written)
    for file in ("assignment.toml", "starter.ipynb", *own):
        assert (folder / file).read_bytes() == (spec.folder / file).read_bytes()
    assert json.loads((folder / "reference.json").read_text()) == MEASURED.to_json()
    assert Metrics.from_json(json.loads((folder / "reference.json").read_text())) == MEASURED
    assert all(path.stat().st_mode & 0o777 == 0o644 for path in written)


@pytest.mark.parametrize("name", SHIPPED)
def test_a_bundle_holds_no_solution(name, tmp_path, cache):
    cache(specs.load(name))
    written = bundle(name, tmp_path / "out", NO_GRADING)
    hidden = solution_lines(read_notebook(ROOT / "reference" / name / "solution.ipynb"))
    assert len(hidden) >= 3
    assert not any(path.name.startswith("solution") or (path.suffix == ".ipynb" and path.name != "starter.ipynb") for path in written)
    for path in written:
        found = {line.strip() for line in lines_of(path.name, path.read_bytes())} & hidden
        assert not found, (path, found)


def course_copy(tmp_path, name="fashion_mnist_classifier"):
    shutil.copytree(ROOT / "assignments" / name, tmp_path / "course" / "assignments" / name)
    shutil.copytree(ROOT / "reference" / name, tmp_path / "course" / "reference" / name)
    return specs.load(tmp_path / "course" / "assignments" / name)


def test_a_file_holding_a_line_of_the_solution_is_refused_before_anything_is_written(tmp_path, cache, registry):
    spec = course_copy(tmp_path)
    with (spec.folder / "checks.py").open("a") as checks:
        checks.write('\nEXAMPLE = """\n    model = create_classifier()\n"""\n')
    with pytest.raises(GraderError) as raised:
        bundle(spec.folder, tmp_path / "out", NO_GRADING)
    assert str(raised.value).startswith("checks.py holds a line of the reference's solution: `model = create_classifier()`. ")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_an_existing_bundle_is_never_overwritten_but_an_empty_folder_is_filled(tmp_path, cache, capsys):
    name = "fashion_mnist_lab"
    cache(specs.load(name))
    (tmp_path / "out" / name).mkdir(parents=True)
    assert main(["bundle", name, "--out", str(tmp_path / "out"), "--sandbox", "none"]) == EXIT_OK
    assert f"Students install the grader, then run `grader check their_notebook.ipynb -a {tmp_path / 'out' / name}`." in capsys.readouterr().out
    assert main(["bundle", name, "--out", str(tmp_path / "out"), "--sandbox", "none"]) == EXIT_USAGE
    assert (
        capsys.readouterr().err
        == f"grader: {tmp_path / 'out' / name} already exists and is not an empty folder; `grader bundle` never overwrites. Remove it, or give another --out.\n"
    )
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "linked").symlink_to(tmp_path / "elsewhere")
    assert main(["bundle", name, "--out", str(tmp_path), "--sandbox", "none"]) == EXIT_OK  # tmp_path/fashion_mnist_lab
    (tmp_path / "link_out").mkdir()
    (tmp_path / "link_out" / name).symlink_to(tmp_path / "elsewhere")
    assert main(["bundle", name, "--out", str(tmp_path / "link_out"), "--sandbox", "none"]) == EXIT_USAGE
    assert not any((tmp_path / "elsewhere").iterdir())


@pytest.mark.slow
def test_a_reference_not_yet_cached_is_graded_for_its_metrics(tmp_path, cache):
    written = bundle("fashion_mnist_callback", tmp_path / "out", Options(isolation=Isolation.BWRAP))
    metrics = json.loads(next(path for path in written if path.name == "reference.json").read_text())
    assert metrics["test_accuracy"] >= 0.85 and metrics["stopped_by_callback"] is True and metrics["params"] == 101_770
    assert list((tmp_path / "cache").glob("fashion_mnist_callback-*.json"))  # graded once, then cached


def test_grader_check_works_from_a_bundle_folder(tmp_path, cache, capsys):
    name = "fashion_mnist_callback"
    cache(specs.load(name))
    bundle(name, tmp_path / "handout", NO_GRADING)
    folder = tmp_path / "handout" / name
    student = tmp_path / "work" / "notebook.ipynb"
    student.parent.mkdir()
    shutil.copy(folder / "starter.ipynb", student)
    assert main(["check", str(student), "-a", str(folder), "--out", str(tmp_path / "report")]) == EXIT_BELOW_FULL
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert report["status"] == "graded" and report["score"] == 0
    assert report["reference"] == MEASURED.to_json()  # the bundle's reference.json, as no reference solution is there
    assert "notebook.ipynb · graded · score 0/100" in capsys.readouterr().out
    assert not Path(tmp_path / "handout" / "reference").exists()


def test_the_command_passes_its_grading_options_to_the_reference(tmp_path, monkeypatch):
    import grader.authoring.bundle as bundling

    seen = []
    monkeypatch.setattr(bundling, "reference_metrics", lambda spec, options: seen.append(options) or MEASURED)
    arguments = ["bundle", "fashion_mnist_lab", "--sandbox", "none", "--threads", "2", "--rerun-reference"]
    assert main([*arguments, "--out", str(tmp_path / "a")]) == EXIT_OK
    assert main([*arguments[:-1], "--out", str(tmp_path / "b")]) == EXIT_OK
    assert [(options.isolation, options.threads, options.use_reference_cache) for options in seen] == [(Isolation.NONE, 2, False), (Isolation.NONE, 2, True)]
