from pathlib import Path

import pytest

from grader import spec as specs
from grader.errors import AssignmentSpecError

SHIPPED = Path(__file__).resolve().parent.parent / "assignments" / "fashion_mnist_callback" / "assignment.toml"


def test_shipped_assignment_loads_with_its_values(assignment):
    assert assignment.name == "fashion_mnist_callback"
    assert assignment.thresholds.train_accuracy == 0.88
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
        (("train_accuracy = 0.88 ", ""), "thresholds.train_accuracy", "Add `train_accuracy"),
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
