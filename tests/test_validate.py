"""`grader validate`: the shipped assignment grades as stated, and a broken one is caught, readably.

The slow test here is how the project's CI runs `grader validate` over every shipped assignment;
it also holds the facts the reference's and the starter's reports must show.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from grader import spec as specs
from grader.checks.scoring import CheckResult
from grader.cli import EXIT_BELOW_FULL, EXIT_OK, EXIT_USAGE, main
from grader.grading import reference
from grader.grading.metrics import Metrics
from grader.reports.report import Report
from grader.status import Status
from grader.text import notes as note_words
from grader.text import validation as validation_words
from grader.validate import Case, Expected, Outcome, Validation, cases, own_checks, reference_outcome

from conftest import ASSIGNMENT, ROOT

LOADS_BY_PATH = ("load_data_path", "cell 4, line 8")  # the 2023 MNIST notebook: load_data(path=data_path)
ADAPTED = {  # (assignment, example): the Keras 2 code its report notes, as (adaptation code, cell and line)
    ("mnist_callback", "old_generation_passes"): (("load_data_path", "cell 4, line 11"),),
    ("mnist_callback", "backslash_data_path_passes"): (("backslash_path", "cell 4, line 8"),),
    ("mnist_callback", "bare_callback_object_passes"): (LOADS_BY_PATH, ("bare_callback", "cell 9, line 23")),
    ("mnist_callback", "model_assigned_in_set_model_passes"): (LOADS_BY_PATH, ("model_assigned", "cell 7, line 8")),
    ("mnist_callback", "predict_classes_passes"): (LOADS_BY_PATH, ("predict_classes", "cell 13, line 4")),
    (ASSIGNMENT, "keras2_optimizer_arguments_passes"): tuple((code, "cell 5, line 18") for code in ("optimizer_lr", "optimizer_epsilon", "optimizer_decay")),
    (ASSIGNMENT, "fit_workers_arguments_passes"): (("loader_arguments", "cell 9, line 12"),),
    ("fashion_mnist_lab", "keras2_lr_argument"): (("optimizer_lr", "cell 8, line 2"),),
    ("fashion_mnist_lab", "fit_generator_passes"): (("fit_generator", "cell 10, line 10"), ("evaluate_generator", "cell 11, line 3")),
}
NOTED = {  # (assignment, example): a note its report carries
    ("fashion_mnist_lesson", "asks_10_epochs_stops_in_epoch_1"): note_words.epochs_asked_note(10, 5),
    (ASSIGNMENT, "exits_after_model_function"): note_words.rerun_note(),
}


def assert_course_notes(out: Path, assignment: str) -> None:
    """Each example's report, as `validate --out` kept it, notes its Keras 2 code once: the adaptation's note at its
    cell and line, with what Keras 3 wants instead, and no old-API note for the same line."""

    def notes(case: str) -> list[str]:
        return json.loads((out / assignment / "examples" / case / "report.json").read_text())["notes"]

    for (name, case), adapted in ADAPTED.items():
        if name == assignment:
            found = notes(case)
            for code, where in adapted:
                assert [note for note in found if note.startswith(f"Keras 2 code in {where}:") and note.endswith(note_words.ADAPTATIONS[code])], (
                    case,
                    code,
                    found,
                )
                assert not [note for note in found if note.startswith(f"Old API in {where}:")], (case, found)
            assert len([note for note in found if note.startswith("Keras 2 code in")]) == len(adapted), (case, found)
    for (name, case), note in NOTED.items():
        if name == assignment:
            assert note in notes(case), (case, notes(case))


def copy_assignment(root: Path) -> Path:
    """The shipped assignment and its reference under ``root``, laid out as in a course repository."""
    shutil.copytree(ROOT / "assignments" / ASSIGNMENT, root / "assignments" / ASSIGNMENT)
    shutil.copytree(ROOT / "reference" / ASSIGNMENT, root / "reference" / ASSIGNMENT)
    return root / "assignments" / ASSIGNMENT


def made_report(score: float, passed: dict[str, bool], metrics: Metrics | None = None) -> Report:
    checks = tuple(CheckResult(id, id, ok, 10.0 if ok else 0.0, 10.0, f"{id} says {'yes' if ok else 'no'}.") for id, ok in passed.items())
    return Report(ASSIGNMENT, "1", "solution.ipynb", "", Status.GRADED, "", score, 10.0 * len(checks), checks, metrics, None, "", False, "bwrap", 1.0, "", "0")


def test_cases_are_the_reference_the_starter_and_every_example_with_its_expected_file(assignment):
    found = {case.label: case for case in cases(assignment)}
    assert list(found)[:2] == ["reference", "starter"] and len(found) == 13
    own = frozenset({"model", "callback", "stopped_by_callback", "accuracy"})
    assert found["reference"].expected == Expected("graded", 90.0, own)
    assert found["reference"].path == ROOT / "reference" / ASSIGNMENT / "solution.ipynb"
    assert found["starter"].expected == Expected("graded", 0.0, frozenset())
    assert found["examples/five_outputs"].expected == Expected("graded", 20.0, frozenset({"callback"}))
    assert found["examples/passes_as_module"].path.name == "submission.py"


@pytest.mark.parametrize(
    "expected_toml, words",
    [
        ('status = "graded"\nscore = 20\npassed = ["callback"]\nnote = "x"', ["[note] is not a known key", "Write only status, score and passed"]),
        ('status = "passed"\nscore = 20\npassed = ["callback"]', ["[status] is 'passed'", "Write one of: internal, invalid, crashed"]),
        ('status = "graded"\nscore = 20\npassed = ["callbacks"]', ["[passed] is ['callbacks']", "from: model, callback, stopped_by_callback"]),
        ('status = "graded"\nscore = 30\npassed = ["callback"]', ["[score] is 30, but the checks listed in `passed` are worth 20", "Make the two agree"]),
        ('status = "graded"\nscore = 20\npassed = ["callback"', ["[toml] is not valid TOML"]),
    ],
)
def test_a_wrong_expected_file_stops_validate_before_grading_and_says_what_to_fix(tmp_path, capsys, expected_toml, words):
    folder = copy_assignment(tmp_path)
    wrong = folder / "examples" / "five_outputs" / "expected.toml"
    wrong.write_text(expected_toml)
    assert main(["validate", str(folder)]) == EXIT_USAGE
    error = capsys.readouterr().err
    assert str(wrong) in error
    for word in words:
        assert word in error


def test_an_example_folder_needs_exactly_one_submission(tmp_path, capsys):
    folder = copy_assignment(tmp_path)
    (folder / "examples" / "five_outputs" / "submission.ipynb").unlink()
    assert main(["validate", str(folder)]) == EXIT_USAGE
    assert "five_outputs: [submission] holds 0 submission.* files. Put exactly one" in capsys.readouterr().err


def test_a_reference_whose_two_runs_measure_differently_fails():
    passing = dict.fromkeys(["model", "callback", "stopped_by_callback", "accuracy"], True)
    case = Case("reference", Path("solution.ipynb"), Expected("graded", 40.0, frozenset(passing)))
    first = Outcome(case, made_report(40.0, passing, Metrics(test_accuracy=0.8654, epochs_run=4)))
    second = Outcome(case, made_report(40.0, passing, Metrics(test_accuracy=0.8661, epochs_run=4)))
    assert first.ok and second.ok
    both = reference_outcome(case, [first, second])
    assert not both.ok
    assert both.problem.startswith("The reference's two runs measured different metrics (test_accuracy: 0.8654 vs 0.8661)")
    assert reference_outcome(case, [first, first]) == first


def test_the_table_shows_each_case_and_for_a_difference_the_checks_and_their_messages(assignment):
    example = Case("examples/threshold_too_high", Path("threshold_too_high/submission.ipynb"), Expected("graded", 10.0, frozenset({"model"})))
    got = made_report(20.0, {"model": True, "callback": True})
    starter = Case("starter", Path("starter.ipynb"), Expected("graded", 0.0, frozenset()))
    validation = Validation(assignment, (Outcome(starter, made_report(0.0, {"model": False})), Outcome(example, got)))
    lines = validation_words.validation_summary(validation).splitlines()
    assert lines[0] == "fashion_mnist_callback: 1 of 2 cases differ from what the assignment states."
    assert lines[3:] == [
        "        case                         expected                got",
        "  ok    starter                      graded, 0 points        graded, 0 points",
        "  DIFF  examples/threshold_too_high  graded, 10 points       graded, 20 points",
        "          file: threshold_too_high/submission.ipynb",
        "          callback: expected FAIL, got PASS. callback says yes.",
    ]


@pytest.mark.slow
@pytest.mark.parametrize("name", [name for name in specs.available() if name != ASSIGNMENT])
def test_each_shipped_assignment_validates(name, tmp_path, capsys, monkeypatch):
    """How CI runs `grader validate` over every shipped assignment, one test each so that they run in parallel."""
    monkeypatch.delenv("GRADER_ASSIGNMENTS_DIR", raising=False)
    code = main(["validate", name, "--jobs", "1", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == EXIT_OK and f"{name}: all " in out and " cases grade as stated." in out, out
    assert_measured_beats_logged(specs.load(name), tmp_path / name)
    assert_course_notes(tmp_path, name)


def assert_measured_beats_logged(spec: specs.AssignmentSpec, out: Path) -> None:
    """docs/security.md, "Why no tolerance": at every real stop, the grader's own measurement of the saved model meets
    the condition by more than the epoch's logged value does, so the condition holds as written."""
    if spec.callback is None:
        return
    metric, above = spec.callback.metric, spec.callback.stops_when in (">=", ">")
    stops = [json.loads(path.read_text())["metrics"] for path in sorted(out.rglob("report.json"))]
    stops = [metrics for metrics in stops if metrics.get("stopped_by_callback")]
    assert stops, f"no real stop among {spec.name}'s reference and examples"
    for metrics in stops:
        logged, measured = metrics["history"][metric][metrics["stop_epoch"] - 1], metrics[f"train_{metric}"]
        assert (measured > logged) if above else (measured < logged), (spec.name, metric, logged, measured)


@pytest.mark.slow
def test_the_first_assignment_validates_and_its_reports_hold_the_facts(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("GRADER_ASSIGNMENTS_DIR", raising=False)
    assert main(["validate", ASSIGNMENT, "--out", str(tmp_path)]) == EXIT_OK
    out = capsys.readouterr().out
    assert f"{ASSIGNMENT}: all " in out and " cases grade as stated." in out
    assert_measured_beats_logged(specs.load(ASSIGNMENT), tmp_path / ASSIGNMENT)

    def report(*parts: str) -> dict:
        return json.loads(tmp_path.joinpath(ASSIGNMENT, *parts, "report.json").read_text())

    first, second = report("reference", "run-1"), report("reference", "run-2")
    metrics = first["metrics"]
    assert second["metrics"] == metrics
    assert metrics["test_accuracy"] >= 0.85 and metrics["stopped_by_callback"] is True
    assert metrics["stop_epoch"] == metrics["epochs_run"] < metrics["epochs_requested"] == 10
    assert metrics["params"] == 101_770
    example = report("examples", "passes_as_module")
    assert example["reference"] == metrics  # the examples compare with the reference validate just proved
    starter = {check["id"]: check["message"] for check in report("starter")["checks"]}
    assert "Only instances of `keras.Layer`" in starter["model"] and "cell 5" in starter["model"]
    assert "'NoneType' object has no attribute 'fit'" in starter["stopped_by_callback"]
    assert all("Traceback" not in message for message in starter.values())
    assert_course_notes(tmp_path, ASSIGNMENT)
    partial = report("examples", "grade_up_to_here_after_model")
    assert partial["message"].startswith("submission.ipynb does not define `EarlyStoppingCallback`, `train_fashion_mnist`")
    assert "up to `# grade-up-to-here` in cell 5" in partial["message"]


@pytest.mark.slow
def test_a_broken_reference_fails_validate_naming_it_its_failing_checks_and_their_messages(tmp_path, capsys, monkeypatch):
    folder = copy_assignment(tmp_path / "course")
    solution = tmp_path / "course" / "reference" / ASSIGNMENT / "solution.ipynb"
    solution.write_text(solution.read_text().replace('Dense(10, activation=\\"softmax\\")', 'Dense(5, activation=\\"softmax\\")'))
    monkeypatch.setenv("GRADER_ASSIGNMENTS_DIR", str(folder.parent))
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    broken = specs.load(ASSIGNMENT)
    assert broken.reference == solution
    reference.cached(broken, lambda: Metrics(test_accuracy=0.87), use_cache=False)  # a stale cache entry must not hide it
    assert main(["validate", ASSIGNMENT]) == EXIT_BELOW_FULL
    out = capsys.readouterr().out
    assert out.startswith("fashion_mnist_callback: 1 of 14 cases differ from what the assignment states. The other 12 were not graded")
    rows = out.splitlines()
    at = next(
        index for index, row in enumerate(rows) if row.split() == "DIFF reference graded, 90 points graded, 20 points".split()
    )  # columns as wide as the longest case
    assert rows[at + 1] == f"          file: {solution}"
    assert (
        rows[at + 2]
        == "          model: expected PASS, got FAIL. For each image the model outputs (5,), but Fashion MNIST has 10 classes. End with Dense(10, activation='softmax')."
    )
    assert rows[at + 3].startswith("          stopped_by_callback: expected PASS, got FAIL. `train_fashion_mnist` raised InvalidArgumentError")
    assert rows[at + 4].startswith("          accuracy: expected PASS, got FAIL. There is no trained model to evaluate")
    assert "  skip  starter " in out and "  skip  examples/five_outputs " in out


def test_validate_of_an_unknown_assignment_is_a_usage_error(capsys):
    assert main(["validate", "nope"]) == EXIT_USAGE
    assert "no assignment named 'nope'" in capsys.readouterr().err


def test_own_checks_leave_out_only_the_comparison_with_the_reference(assignment):
    assert [check.id for check in own_checks(assignment).checks] == ["model", "callback", "stopped_by_callback", "accuracy"]
    assert own_checks(assignment).max_score == 90
