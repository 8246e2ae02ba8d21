from pathlib import Path

import pytest

from grader import spec as specs
from grader.errors import AssignmentSpecError

SHIPPED = Path(__file__).resolve().parent.parent / "assignments" / "fashion_mnist_callback" / "assignment.toml"


def test_shipped_assignment_loads_with_its_values(assignment):
    assert assignment.name == "fashion_mnist_callback"
    assert assignment.thresholds.condition == specs.StopCondition("accuracy", ">=", 0.88)  # train_accuracy = 0.88, the shorthand
    assert assignment.thresholds.max_epochs == 10
    assert assignment.thresholds.test_accuracy == 0.85
    assert assignment.graded.all() == ("create_and_compile_model", "EarlyStoppingCallback", "train_fashion_mnist")
    assert assignment.max_score == 100
    assert assignment.reference.is_file() and assignment.starter.is_file()


def _copy(tmp_path, text: str) -> Path:
    folder = tmp_path / "fashion_mnist_callback"
    folder.mkdir()
    (folder / "assignment.toml").write_text(text)
    return folder


@pytest.mark.parametrize(
    "change, key, fix",
    [
        (("max_epochs = 10", 'max_epochs = "ten"'), "thresholds.max_epochs", "Write a int"),
        (("train_accuracy = 0.88 ", ""), "thresholds.metric", "Add `metric"),
        (("train_accuracy = 0.88 ", 'metric = "acc"\nstops_when = ">="\nthreshold = 0.88'), "thresholds.metric", "Use one of: accuracy, loss"),
        (("train_accuracy = 0.88 ", 'metric = "loss"\nstops_when = "=<"\nthreshold = 0.4'), "thresholds.stops_when", "Use one of: >=, >, <=, <"),
        (("train_accuracy = 0.88 ", 'train_accuracy = 0.88\nthreshold = 0.9'), "thresholds.threshold", "not both"),
        (('dataset = "fashion_mnist"', 'dataset = "cifar10"'), "data.dataset", "Use one of: fashion_mnist, mnist"),
        (('id = "accuracy"', 'id = "acuracy"'), "checks[3].id", "Use one of"),
        (("wall_seconds = 600", "wall_secs = 600"), "limits.wall_secs", "Use one of"),
        (("[graded]", "[graded\n"), "toml", "Fix the syntax"),
    ],
)
def test_errors_name_file_key_and_fix(tmp_path, change, key, fix):
    folder = _copy(tmp_path, SHIPPED.read_text().replace(*change))
    with pytest.raises(AssignmentSpecError) as raised:
        specs.load(folder)
    message = str(raised.value)
    assert str(folder / "assignment.toml") in message
    assert f"[{key}]" in message
    assert fix in message


def test_unknown_assignment_lists_the_known_ones():
    with pytest.raises(AssignmentSpecError, match="Known assignments: .*fashion_mnist_callback"):
        specs.load("no_such_assignment")


def test_limits_fall_back_to_defaults(tmp_path):
    text = SHIPPED.read_text()
    start = text.index("[limits]")
    end = text.index("[[checks]]")
    loaded = specs.load(_copy(tmp_path, text[:start] + text[end:]))
    assert loaded.limits.wall_seconds == 600 and loaded.limits.memory_mb == 4096


def test_lesson_and_data_tables_have_defaults_and_alternatives():
    lab = specs.load("fashion_mnist_lab")
    assert lab.thresholds.condition == specs.StopCondition("loss", "<", 0.4)
    assert lab.lesson.continue_after_errors and lab.lesson.fit == "last_with_callback"
    assert lab.graded == specs.GradedNames(callback=("myCallback",), required=False)
    exercise = specs.load("mnist_callback")
    assert exercise.graded.callback == ("EarlyStoppingCallback", "myCallback") and exercise.graded.training == ("train_mnist",)
    assert exercise.data == specs.DataSpec("mnist", True, ("data/mnist.npz", "../tmp2/mnist.npz"))


def test_a_condition_reads_its_metric_both_ways():
    loss = specs.StopCondition("loss", "<", 0.4)
    assert loss.first_epoch({"loss": (0.6, 0.41, 0.39, 0.2)}) == 3 and not loss.holds(0.4) and not loss.holds(None)
    accuracy = specs.StopCondition("accuracy", ">=", 0.98)
    assert accuracy.first_epoch({"accuracy": (0.9, None, 0.98)}) == 3 and str(accuracy) == "training accuracy ≥ 0.98"


def test_set_overrides_a_threshold_for_one_run():
    exercise = specs.load("mnist_callback")
    strict = specs.with_overrides(exercise, {"threshold": "0.99", "max_epochs": "12"})
    assert strict.thresholds.threshold == 0.99 and strict.thresholds.max_epochs == 12
    assert strict.overrides == (("max_epochs", "12"), ("threshold", "0.99")) and exercise.thresholds.threshold == 0.98
    assert specs.with_overrides(exercise, {}) is exercise


@pytest.mark.parametrize(
    "setting, fix",
    [
        ({"treshold": "0.99"}, "Use one of: threshold, max_epochs"),
        ({"threshold": "high"}, "Give a float, like threshold=0.98"),
        ({"max_epochs": "2.5"}, "Give a int"),
        ({"metric": "f1"}, "Use one of: accuracy, loss"),
    ],
)
def test_a_bad_override_names_the_flag_and_the_fix(setting, fix):
    with pytest.raises(AssignmentSpecError) as raised:
        specs.with_overrides(specs.load("mnist_callback"), setting)
    assert "--set" in str(raised.value) and fix in str(raised.value)
