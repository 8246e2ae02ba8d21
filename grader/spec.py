"""An assignment as data: ``assignments/<name>/assignment.toml``, typed and validated on load.

Errors name the file, the key and the fix (``AssignmentSpecError``). ``--set key=value``
overrides a threshold for one run (``with_overrides``): the 98% and 99% versions of an
exercise are one assignment.
"""

from __future__ import annotations

import operator
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from grader.errors import AssignmentSpecError
from grader.sandbox.run import Limits

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SPEC_FILE = "assignment.toml"


DATASETS = ("fashion_mnist", "mnist")
FIT_SELECTIONS = ("last_with_callback", "last")
METRICS = ("accuracy", "loss")
OPERATORS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}
SYMBOLS = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}


@dataclass(frozen=True)
class GradedNames:
    """Each role's accepted names, first preferred; the first one a notebook defines is graded.

    ``required``: a notebook must define a name for every listed role (else status error);
    when false, a notebook without a training function is graded in lesson mode.
    """

    model: tuple[str, ...] = ()
    callback: tuple[str, ...] = ()
    training: tuple[str, ...] = ()
    required: bool = True

    def all(self) -> tuple[str, ...]:
        return (*self.model, *self.callback, *self.training)

    def roles(self) -> dict[str, tuple[str, ...]]:
        return {role: names for role in ("model", "callback", "training") if (names := getattr(self, role))}


@dataclass(frozen=True)
class DataSpec:
    dataset: str = "fashion_mnist"
    normalize: bool = True  # the grader's own call of the training function gets images / 255
    files: tuple[str, ...] = ()  # where students' code opens the dataset file, relative to the working folder


@dataclass(frozen=True)
class LessonSpec:
    fit: str = "last_with_callback"  # which recorded fit is graded when no training function ran
    continue_after_errors: bool = False  # report a raising cell and run the next (lessons raise on purpose)


@dataclass(frozen=True)
class StopCondition:
    """The training metric the callback watches and when it must stop: ``accuracy >= 0.88``, ``loss < 0.4``."""

    metric: str
    stops_when: str
    threshold: float

    def holds(self, value: float | None) -> bool:
        return value is not None and OPERATORS[self.stops_when](value, self.threshold)

    def first_epoch(self, history: Mapping[str, tuple[float | None, ...]]) -> int | None:
        """The 1-based first epoch whose logged metric meets the condition."""
        return next((epoch for epoch, value in enumerate(history.get(self.metric, ()), start=1) if self.holds(value)), None)

    @property
    def rising(self) -> bool:
        return self.stops_when in (">=", ">")

    def __str__(self) -> str:
        return f"training {self.metric} {SYMBOLS[self.stops_when]} {self.threshold:g}"


@dataclass(frozen=True)
class Thresholds:
    metric: str
    stops_when: str
    threshold: float
    max_epochs: int
    test_accuracy: float
    reference_tolerance: float

    @property
    def condition(self) -> StopCondition:
        return StopCondition(self.metric, self.stops_when, self.threshold)


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
    seed: int
    data: DataSpec
    graded: GradedNames
    lesson: LessonSpec
    thresholds: Thresholds
    limits: Limits
    checks: tuple[CheckSpec, ...]
    folder: Path
    overrides: tuple[tuple[str, str], ...] = ()  # --set key=value, as given

    @property
    def dataset(self) -> str:
        return self.data.dataset

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
        if kind == "tuple[str, ...]":
            values[field.name] = _names(table, field.name, default)
        else:
            values[field.name] = table.get(field.name, kinds[kind], default)
    return cls(**values)


def _names(table: _Table, key: str, default: Any) -> tuple[str, ...]:
    """A string or a list of strings, as a tuple."""
    value = table.data.get(key, list(default) if default is not ... else ...)
    if value is ...:
        table.get(key, str)  # raises: missing
    value = [value] if isinstance(value, str) else value
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise AssignmentSpecError(table.path, f"{table.name}.{key}", f"is {value!r}", 'Write a name or a list of names: ["a", "b"].')
    return tuple(value)


def _choice(table: _Table, key: str, value: str, allowed) -> str:
    if value not in allowed:
        raise AssignmentSpecError(table.path, f"{table.name}.{key}", f"is {value!r}", f"Use one of: {', '.join(allowed)}.")
    return value


def _thresholds(path: Path, data: Any) -> Thresholds:
    """[thresholds]; ``train_accuracy = x`` is short for ``metric = "accuracy"``, ``stops_when = ">="``, ``threshold = x``."""
    table = _Table(path, "thresholds", data)
    if "train_accuracy" in table.data:
        both = sorted({"metric", "stops_when", "threshold"} & set(table.data))
        if both:
            raise AssignmentSpecError(path, f"thresholds.{both[0]}", "is given together with train_accuracy",
                                      "Keep train_accuracy (accuracy ≥ it) or metric/stops_when/threshold, not both.")
        shorthand = {"metric": "accuracy", "stops_when": ">=", "threshold": table.get("train_accuracy", float)}
        table = _Table(path, "thresholds", {**{k: v for k, v in table.data.items() if k != "train_accuracy"}, **shorthand})
    thresholds = _typed(Thresholds, table)
    _choice(table, "metric", thresholds.metric, METRICS)
    _choice(table, "stops_when", thresholds.stops_when, tuple(OPERATORS))
    return thresholds


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
    head.check_known({"name", "title", "version", "seed"})
    data_table = _Table(path, "data", data.get("data", {}))
    graded_table = _Table(path, "graded", data.get("graded", {"required": False}))
    lesson_table = _Table(path, "lesson", data.get("lesson", {}))
    spec = AssignmentSpec(
        name=head.get("name", str),
        title=head.get("title", str),
        version=head.get("version", str),
        seed=head.get("seed", int, 42),
        data=_typed(DataSpec, data_table, DataSpec()),
        graded=_typed(GradedNames, graded_table, GradedNames()),
        lesson=_typed(LessonSpec, lesson_table, LessonSpec()),
        thresholds=_thresholds(path, data.get("thresholds")),
        limits=_typed(Limits, _Table(path, "limits", data.get("limits", {})), Limits()),
        checks=_checks(path, data.get("checks")),
        folder=folder,
    )
    if spec.name != folder.name:
        raise AssignmentSpecError(path, "assignment.name", f"is {spec.name!r}", f"Name it {folder.name!r}, like its folder.")
    _choice(data_table, "dataset", spec.data.dataset, DATASETS)
    _choice(lesson_table, "fit", spec.lesson.fit, FIT_SELECTIONS)
    if "training" not in spec.graded.roles() and "graded" in data and spec.graded.required:
        raise AssignmentSpecError(path, "graded.training", "is missing while graded.required is true",
                                  "Name the training function, or set `required = false` to grade notebooks in lesson mode.")
    for file in spec.data.files:
        if file.startswith("/") or "\\" in file:
            raise AssignmentSpecError(path, "data.files", f"holds {file!r}", "Give paths relative to the working folder, with /.")
    return spec


OVERRIDABLE = ("threshold", "max_epochs", "test_accuracy", "reference_tolerance", "metric", "stops_when", "seed")


def with_overrides(spec: AssignmentSpec, settings: Mapping[str, str]) -> AssignmentSpec:
    """The spec with ``--set key=value`` applied; errors name the flag, the key and what it accepts."""
    if not settings:
        return spec
    path = spec.path
    table = {field.name: getattr(spec.thresholds, field.name) for field in fields(Thresholds)}
    seed = spec.seed
    for key, text in settings.items():
        if key not in OVERRIDABLE:
            raise AssignmentSpecError(path, f"--set {key}", "is not a setting that can be overridden",
                                      f"Use one of: {', '.join(OVERRIDABLE)} (e.g. --set threshold=0.99).")
        current = seed if key == "seed" else table[key]
        try:
            value = type(current)(text) if not isinstance(current, str) else text
        except ValueError:
            raise AssignmentSpecError(path, f"--set {key}", f"is {text!r}", f"Give a {type(current).__name__}, like {key}={current}.") from None
        allowed = {"metric": METRICS, "stops_when": tuple(OPERATORS)}.get(key)
        if allowed and value not in allowed:
            raise AssignmentSpecError(path, f"--set {key}", f"is {text!r}", f"Use one of: {', '.join(allowed)}.")
        if key == "seed":
            seed = value
        else:
            table[key] = value
    thresholds = _thresholds(path, table)
    return replace(spec, thresholds=thresholds, seed=seed, overrides=tuple(sorted(settings.items())))
