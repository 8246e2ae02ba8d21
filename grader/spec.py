"""An assignment as data: ``assignments/<name>/assignment.toml``, typed and validated on load.

Errors name the file, the key and the fix (``AssignmentSpecError``).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from grader.errors import AssignmentSpecError
from grader.sandbox import Limits

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SPEC_FILE = "assignment.toml"


@dataclass(frozen=True)
class GradedNames:
    model: str
    callback: str
    training: str

    def all(self) -> tuple[str, ...]:
        return (self.model, self.callback, self.training)


@dataclass(frozen=True)
class Thresholds:
    train_accuracy: float
    max_epochs: int
    test_accuracy: float
    reference_tolerance: float


@dataclass(frozen=True)
class CheckSpec:
    id: str
    points: float
    title: str


@dataclass(frozen=True)
class AssignmentSpec:
    name: str
    title: str
    version: str
    dataset: str
    normalize: bool
    seed: int
    graded: GradedNames
    thresholds: Thresholds
    limits: Limits
    checks: tuple[CheckSpec, ...]
    folder: Path

    @property
    def path(self) -> Path:
        return self.folder / SPEC_FILE

    @property
    def max_score(self) -> float:
        return sum(check.points for check in self.checks)

    @property
    def starter(self) -> Path:
        return self.folder / "starter.ipynb"

    @property
    def reference(self) -> Path:
        folder = self.folder.parent.parent / "reference" / self.name
        notebook = folder / "solution.ipynb"
        return notebook if notebook.exists() or not (folder / "solution.py").exists() else folder / "solution.py"


def assignments_dirs() -> list[Path]:
    extra = os.environ.get("GRADER_ASSIGNMENTS_DIR")
    return ([Path(extra)] if extra else []) + [PROJECT_ROOT / "assignments"]


def available() -> list[str]:
    return sorted({spec.parent.name for folder in assignments_dirs() for spec in folder.glob(f"*/{SPEC_FILE}")})


def find(name_or_path: str) -> Path:
    """The folder of an assignment given its name or its folder."""
    candidate = Path(name_or_path)
    if (candidate / SPEC_FILE).is_file():
        return candidate.resolve()
    for folder in assignments_dirs():
        if (folder / name_or_path / SPEC_FILE).is_file():
            return (folder / name_or_path).resolve()
    known = ", ".join(available()) or "none"
    raise AssignmentSpecError(
        candidate, "assignment", f"no assignment named {name_or_path!r}", f"Known assignments: {known}."
    )


class _Table:
    """One TOML table; reads typed keys and names file and key on error."""

    def __init__(self, path: Path, name: str, data: Any):
        if not isinstance(data, dict):
            raise AssignmentSpecError(path, name, "is missing or not a table", f"Add a [{name}] table.")
        self.path, self.name, self.data = path, name, data

    def get(self, key: str, kind: type, default: Any = ...) -> Any:
        if key not in self.data:
            if default is ...:
                raise AssignmentSpecError(self.path, f"{self.name}.{key}", "is missing", f"Add `{key} = ...`.")
            return default
        value = self.data[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise AssignmentSpecError(
                self.path, f"{self.name}.{key}", f"is {value!r}", f"Write a {kind.__name__} there."
            )
        return value

    def check_known(self, known: set[str]) -> None:
        unknown = sorted(set(self.data) - known)
        if unknown:
            raise AssignmentSpecError(
                self.path, f"{self.name}.{unknown[0]}", "is not a known key", f"Use one of: {', '.join(sorted(known))}."
            )


def _typed(cls: type, table: _Table, defaults: Any = None) -> Any:
    kinds = {"float": float, "int": int, "str": str, "bool": bool}
    table.check_known({field.name for field in fields(cls)})
    values = {}
    for field in fields(cls):
        default = getattr(defaults, field.name) if defaults is not None else ...
        kind = field.type if isinstance(field.type, str) else field.type.__name__
        values[field.name] = table.get(field.name, kinds[kind], default)
    return cls(**values)


def _checks(path: Path, entries: Any) -> tuple[CheckSpec, ...]:
    if not isinstance(entries, list) or not entries:
        raise AssignmentSpecError(path, "checks", "has no [[checks]] entries", "Add at least one [[checks]] table.")
    checks = tuple(_typed(CheckSpec, _Table(path, f"checks[{index}]", entry)) for index, entry in enumerate(entries))
    from grader.checks import CHECKS, load_local

    load_local(path.parent)  # the assignment's own checks.py, if it has one
    for index, check in enumerate(checks):
        if check.id not in CHECKS:
            raise AssignmentSpecError(
                path, f"checks[{index}].id", f"names no check: {check.id!r}", f"Use one of: {', '.join(CHECKS)}."
            )
        if check.points < 0:
            raise AssignmentSpecError(path, f"checks[{index}].points", "is negative", "Give 0 or more points.")
    return checks


def load(name_or_path: str | Path) -> AssignmentSpec:
    folder = find(str(name_or_path))
    path = folder / SPEC_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise AssignmentSpecError(path, "toml", f"is not valid TOML ({error})", "Fix the syntax.") from None
    head = _Table(path, "assignment", data.get("assignment"))
    head.check_known({"name", "title", "version", "dataset", "normalize", "seed"})
    spec = AssignmentSpec(
        name=head.get("name", str),
        title=head.get("title", str),
        version=head.get("version", str),
        dataset=head.get("dataset", str, "fashion_mnist"),
        normalize=head.get("normalize", bool, True),
        seed=head.get("seed", int, 42),
        graded=_typed(GradedNames, _Table(path, "graded", data.get("graded"))),
        thresholds=_typed(Thresholds, _Table(path, "thresholds", data.get("thresholds"))),
        limits=_typed(Limits, _Table(path, "limits", data.get("limits", {})), Limits()),
        checks=_checks(path, data.get("checks")),
        folder=folder,
    )
    if spec.name != folder.name:
        raise AssignmentSpecError(path, "assignment.name", f"is {spec.name!r}", f"Name it {folder.name!r}, like its folder.")
    return spec
