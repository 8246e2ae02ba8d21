from pathlib import Path

import pytest

from grader import spec as specs
from grader.checks import StopCondition
from grader.data.provision import DataSpec
from grader.errors import AssignmentSpecError

SHIPPED = Path(__file__).resolve().parent.parent / "assignments" / "fashion_mnist_callback" / "assignment.toml"


def test_shipped_assignment_loads_with_its_values(assignment):
    assert assignment.name == "fashion_mnist_callback"
    assert assignment.callback.condition == StopCondition("accuracy", ">=", 0.88)
    assert assignment.callback.max_epochs == 10 and not assignment.callback.strict_epochs
    assert assignment.check("accuracy").arguments == {"at_least": 0.85}
    assert assignment.check("reference").arguments == {"tolerance": 0.03}
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
        (("max_epochs = 10", 'max_epochs = "ten"'), "callback.max_epochs", "Write a int"),
        (('metric = "accuracy"\n', ""), "callback.metric", "Add `metric"),
        (('metric = "accuracy"', 'metric = "acc"'), "callback.metric", "Use one of: accuracy, loss"),
        (('stops_when = ">="', 'stops_when = "=<"'), "callback.stops_when", "Use one of: >=, >, <=, <"),
        (("at_least = 0.85", "at_least = 0.85\nat_most = 0.99"), "checks[3].at_most", "Its arguments are: at_least"),
        (("at_least = 0.85", ""), "checks[3].at_least", "needs `at_least = ...`"),
        (("at_least = 0.85", 'at_least = "high"'), "checks[3].at_least", "Write a float"),
        (('id = "accuracy"', 'id = "acuracy"'), "checks[3].id", "Use one of"),
        (("wall_seconds = 600", "wall_secs = 600"), "limits.wall_secs", "Use one of"),
        (("[callback]", "[thresholds]"), "thresholds", "[callback] table"),
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


def test_a_callback_check_needs_the_callback_table(tmp_path):
    text = SHIPPED.read_text()
    start, end = text.index("[callback]"), text.index("[limits]")
    with pytest.raises(AssignmentSpecError, match=r"\[callback\] is missing, and check 'callback' grades a callback"):
        specs.load(_copy(tmp_path, text[:start] + text[end:]))


def test_unknown_assignment_lists_the_known_ones():
    with pytest.raises(AssignmentSpecError, match="Known assignments: .*fashion_mnist_callback"):
        specs.load("no_such_assignment")


def test_a_name_from_a_submission_never_resolves_as_a_path(tmp_path, monkeypatch):
    """A student folder that ships its own assignment, named by path or by a name shadowing a real one, is never loaded."""
    evil = tmp_path / "evil_assignment"
    evil.mkdir()
    (evil / "assignment.toml").write_text(SHIPPED.read_text().replace("fashion_mnist_callback", "evil_assignment"))
    (evil / "checks.py").write_text("raise SystemExit('host code ran')\n")
    shadow = tmp_path / "fashion_mnist_callback"
    shadow.mkdir()
    (shadow / "assignment.toml").write_text("not even toml [")
    monkeypatch.chdir(tmp_path)
    for given in ("./evil_assignment", str(evil), "../x/evil_assignment", "evil_assignment/"):
        with pytest.raises(AssignmentSpecError, match="not the name of an assignment"):
            specs.load(given, by_name_only=True)
    with pytest.raises(AssignmentSpecError, match="no assignment named 'evil_assignment'"):
        specs.load("evil_assignment", by_name_only=True)
    assert specs.load("fashion_mnist_callback").folder == SHIPPED.parent  # ./fashion_mnist_callback does not shadow it


def test_the_operator_may_name_a_folder_by_path(tmp_path):
    folder = _copy(tmp_path, SHIPPED.read_text())
    assert specs.load(str(folder)).folder == folder.resolve()


def test_limits_fall_back_to_defaults(tmp_path):
    text = SHIPPED.read_text()
    start = text.index("[limits]")
    end = text.index("[[checks]]")
    loaded = specs.load(_copy(tmp_path, text[:start] + text[end:]))
    assert loaded.limits.wall_seconds == 600 and loaded.limits.memory_mb == 4096


def test_lesson_and_data_tables_have_defaults_and_alternatives():
    lab = specs.load("fashion_mnist_lab")
    assert lab.callback.condition == StopCondition("loss", "<", 0.4)
    assert lab.lesson.continue_after_errors and lab.lesson.fit == "last_with_callback"
    assert lab.graded == specs.GradedNames(callback=("myCallback",), required=False)
    exercise = specs.load("mnist_callback")
    assert exercise.graded.callback == ("EarlyStoppingCallback", "myCallback") and exercise.graded.training == ("train_mnist",)
    assert exercise.data == DataSpec("mnist", True, ("data/mnist.npz", "../tmp2/mnist.npz"))


def test_an_assignment_without_a_callback_has_no_callback_settings():
    classifier = specs.load("fashion_mnist_classifier")
    assert classifier.callback is None
    with pytest.raises(AssignmentSpecError, match="Use one of: seed, "):
        specs.with_overrides(classifier, {"threshold": "0.9"})


def test_a_condition_reads_its_metric_both_ways():
    loss = StopCondition("loss", "<", 0.4)
    assert loss.first_epoch((0.6, 0.41, 0.39, 0.2)) == 3 and not loss.holds(0.4) and not loss.holds(None)
    accuracy = StopCondition("accuracy", ">=", 0.98)
    assert accuracy.first_epoch((0.9, None, 0.98)) == 3 and str(accuracy) == "training accuracy ≥ 0.98"


def test_set_overrides_a_setting_for_one_run():
    exercise = specs.load("mnist_callback")
    strict = specs.with_overrides(exercise, {"threshold": "0.99", "max_epochs": "12", "test_accuracy": "0.97", "reference.tolerance": "0.01"})
    assert strict.callback.threshold == 0.99 and strict.callback.max_epochs == 12
    assert strict.check("accuracy").arguments["at_least"] == 0.97 and strict.check("reference").arguments["tolerance"] == 0.01
    assert ("threshold", "0.99") in strict.overrides and exercise.callback.threshold == 0.98
    assert specs.with_overrides(exercise, {}) is exercise


@pytest.mark.parametrize(
    "setting, fix",
    [
        ({"treshold": "0.99"}, "Use one of: seed, threshold, metric"),
        ({"threshold": "high"}, "Give a float, like threshold=0.98"),
        ({"max_epochs": "2.5"}, "Give a int"),
        ({"metric": "f1"}, "Use one of: accuracy, loss"),
        ({"accuracy.at_most": "1"}, "accuracy.at_least"),
    ],
)
def test_a_bad_override_names_the_flag_and_the_fix(setting, fix):
    with pytest.raises(AssignmentSpecError) as raised:
        specs.with_overrides(specs.load("mnist_callback"), setting)
    assert "--set" in str(raised.value) or "callback" in str(raised.value)
    assert fix in str(raised.value)


def test_a_course_folders_assignments_are_listed_and_resolve_by_name(tmp_path, monkeypatch, capsys):
    from grader.cli import main

    course = tmp_path / "course"
    (course / "assignments" / "week_9").mkdir(parents=True)
    (course / "course.toml").write_text('[course]\ntitle = "T"\n')
    text = (
        SHIPPED.read_text()
        .replace('name = "fashion_mnist_callback"', 'name = "week_9"')
        .replace('title = "Fashion MNIST: a callback that stops training"', 'title = "Week 9"')
    )
    (course / "assignments" / "week_9" / "assignment.toml").write_text(text)
    assert main(["list", "--course", str(course)]) == 0 and "week_9\tWeek 9" in capsys.readouterr().out
    monkeypatch.chdir(course / "assignments")  # an author inside the course repository: found upward
    assert main(["list"]) == 0 and "week_9\tWeek 9" in capsys.readouterr().out
    assert specs.load("week_9", course=course).folder == (course / "assignments" / "week_9").resolve()
    with pytest.raises(AssignmentSpecError, match="no assignment named 'week_9'"):
        specs.load("week_9")  # grading commands take --course explicitly
