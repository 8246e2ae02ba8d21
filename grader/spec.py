"""An assignment as data: ``assignments/<name>/assignment.toml``, typed and validated on load.

Errors name the file, the key and the fix (``AssignmentSpecError``). An assignment is found by
name among the installed assignments, ``$GRADER_ASSIGNMENTS_DIR`` and a course's own
assignments folder (``find``); only the operator may name a folder by path. ``--set key=value``
overrides a setting for one run (``with_overrides``): the 98% and 99% versions of an exercise are
one assignment.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields, replace
from pathlib import Path
from typing import Any

from grader.checks import registry
from grader.checks.facts import METRICS, OPERATORS, StopCondition
from grader.data.provision import DataSpec
from grader.errors import AssignmentSpecError
from grader.sandbox.limits import Limits
from grader.text import messages

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SPEC_FILE = "assignment.toml"
REFERENCE_METRICS = "reference.json"  # a bundle's stand-in for the reference solution: its metrics only
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,99}")
FIT_SELECTIONS = ("last_with_callback", "last")
CALLBACK_CONTEXT = frozenset({"condition", "max_epochs"})


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
class LessonSpec:
    fit: str = "last_with_callback"  # which recorded fit is graded when no training function ran
    continue_after_errors: bool = False  # report a raising cell and run the next (lessons raise on purpose)


@dataclass(frozen=True)
class CallbackSpec:
    """``[callback]``: when the graded callback must stop training, and how many epochs training may run."""

    metric: str
    stops_when: str
    threshold: float
    max_epochs: int
    strict_epochs: bool = False  # asking fit for more than max_epochs fails too (by default it is only noted)

    @property
    def condition(self) -> StopCondition:
        return StopCondition(self.metric, self.stops_when, self.threshold)


@dataclass(frozen=True)
class CheckSpec:
    id: str
    points: float
    title: str
    args: tuple[tuple[str, Any], ...] = ()

    @property
    def arguments(self) -> dict[str, Any]:
        return dict(self.args)


@dataclass(frozen=True)
class AssignmentSpec:
    name: str
    title: str
    version: str
    seed: int
    data: DataSpec
    graded: GradedNames
    lesson: LessonSpec
    callback: CallbackSpec | None
    limits: Limits
    checks: tuple[CheckSpec, ...]
    folder: Path
    overrides: tuple[tuple[str, str], ...] = ()  # --set key=value, as given

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

    @property
    def reference_metrics(self) -> Path:
        return self.folder / REFERENCE_METRICS

    def check(self, check_id: str) -> CheckSpec | None:
        return next((check for check in self.checks if check.id == check_id), None)


def assignments_dirs(course: Path | None = None) -> list[Path]:
    """Where assignments are found, in order: a course's own folder, $GRADER_ASSIGNMENTS_DIR, the installed ones."""
    found = []
    if course is not None:
        from grader.course import load as load_course

        found.append(load_course(course).assignments_dir)
    extra = os.environ.get("GRADER_ASSIGNMENTS_DIR")
    return found + ([Path(extra)] if extra else []) + [PROJECT_ROOT / "assignments"]


def available(course: Path | None = None) -> list[str]:
    return sorted({spec.parent.name for folder in assignments_dirs(course) for spec in folder.glob(f"*/{SPEC_FILE}")})


def is_path(given: str) -> bool:
    """Whether the operator named a folder rather than an assignment."""
    return "/" in given or given.startswith(".") or given.startswith("~")


def find(given: str, course: Path | None = None, by_name_only: bool = False) -> Path:
    """The folder of an assignment named ``given``, or the folder ``given`` names (operator input only).

    ``by_name_only`` is for names that come from a submission (a notebook's metadata): those
    resolve among the known assignments and never as a path.
    """
    if is_path(given) or not NAME.fullmatch(given):
        candidate = Path(given).expanduser()
        if by_name_only or not NAME.fullmatch(candidate.name):
            raise AssignmentSpecError(Path(given[:200]), "assignment", *messages.assignment_not_a_name(given[:200], by_name_only))
        if (candidate / SPEC_FILE).is_file():
            return candidate.resolve()
        raise AssignmentSpecError(candidate, "assignment", f"holds no {SPEC_FILE}", "Give an assignment's folder or name.")
    for folder in assignments_dirs(course):
        if (folder / given / SPEC_FILE).is_file():
            return (folder / given).resolve()
    known = ", ".join(available(course)) or "none"
    raise AssignmentSpecError(Path(given), "assignment", f"no assignment named {given!r}", f"Known assignments: {known}.")


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
            raise AssignmentSpecError(self.path, f"{self.name}.{key}", f"is {value!r}", f"Write a {kind.__name__} there.")
        return value

    def check_known(self, known: set[str]) -> None:
        unknown = sorted(set(self.data) - known)
        if unknown:
            raise AssignmentSpecError(self.path, f"{self.name}.{unknown[0]}", "is not a known key", f"Use one of: {', '.join(sorted(known))}.")

    def choice(self, key: str, value: str, allowed) -> str:
        if value not in allowed:
            raise AssignmentSpecError(self.path, f"{self.name}.{key}", f"is {value!r}", f"Use one of: {', '.join(allowed)}.")
        return value


def _typed(cls: type, table: _Table, defaults: Any = None) -> Any:
    kinds = {"float": float, "int": int, "str": str, "bool": bool}
    table.check_known({field.name for field in fields(cls)})
    values = {}
    for field in fields(cls):
        default = getattr(defaults, field.name) if defaults is not None else field.default if field.default is not MISSING else ...
        kind = field.type if isinstance(field.type, str) else field.type.__name__
        values[field.name] = _names(table, field.name, default) if kind == "tuple[str, ...]" else table.get(field.name, kinds[kind], default)
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


def _callback(path: Path, data: Any) -> CallbackSpec | None:
    if data is None:
        return None
    table = _Table(path, "callback", data)
    callback = _typed(CallbackSpec, table)
    table.choice("metric", callback.metric, METRICS)
    table.choice("stops_when", callback.stops_when, tuple(OPERATORS))
    if callback.max_epochs < 1:
        raise AssignmentSpecError(path, "callback.max_epochs", f"is {callback.max_epochs}", "Allow at least 1 epoch.")
    return callback


def _check_arguments(path: Path, key: str, check_id: str, given: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    expected = {argument.name: argument for argument in registry.arguments(check_id)}
    for name in sorted(set(given) - set(expected)):
        fix = f"Its arguments are: {', '.join(expected)}." if expected else f"Check {check_id!r} takes no arguments."
        raise AssignmentSpecError(path, f"{key}.{name}", "is not an argument of this check", fix)
    values = []
    for name, argument in expected.items():
        if name not in given:
            if argument.required:
                raise AssignmentSpecError(path, f"{key}.{name}", "is missing", f"Check {check_id!r} needs `{name} = ...` ({argument.kind.__name__}).")
            continue
        value = float(given[name]) if argument.kind is float and isinstance(given[name], int) and not isinstance(given[name], bool) else given[name]
        if not isinstance(value, argument.kind) or (argument.kind is not bool and isinstance(value, bool)):
            raise AssignmentSpecError(path, f"{key}.{name}", f"is {given[name]!r}", f"Write a {argument.kind.__name__} there.")
        values.append((name, value))
    return tuple(values)


def _checks(path: Path, entries: Any, callback: CallbackSpec | None) -> tuple[CheckSpec, ...]:
    if not isinstance(entries, list) or not entries or not all(isinstance(entry, dict) for entry in entries):
        raise AssignmentSpecError(path, "checks", "has no [[checks]] entries", "Add at least one [[checks]] table.")
    try:
        registry.load_local(path.parent)  # the assignment's own checks.py, if it has one
    except registry.LocalChecksError as error:
        raise AssignmentSpecError(error.path, error.key, *messages.local_checks_problem(error)) from None
    checks = []
    for index, entry in enumerate(entries):
        key = f"checks[{index}]"
        table = _Table(path, key, {name: entry[name] for name in ("id", "points", "title") if name in entry})
        check_id, points, title = table.get("id", str), table.get("points", float), table.get("title", str)
        if check_id not in registry.CHECKS:
            raise AssignmentSpecError(path, f"{key}.id", f"names no check: {check_id!r}", f"Use one of: {', '.join(registry.CHECKS)}.")
        if points < 0:
            raise AssignmentSpecError(path, f"{key}.points", "is negative", "Give 0 or more points.")
        if callback is None and registry.needs(check_id) & CALLBACK_CONTEXT:
            raise AssignmentSpecError(
                path,
                "callback",
                f"is missing, and check {check_id!r} grades a callback",
                'Add a [callback] table: metric = "accuracy", stops_when = ">=", threshold = 0.88, max_epochs = 10.',
            )
        arguments = {name: value for name, value in entry.items() if name not in ("id", "points", "title")}
        checks.append(CheckSpec(check_id, points, title, _check_arguments(path, key, check_id, arguments)))
    return tuple(checks)


def load(given: str | Path, course: Path | None = None, by_name_only: bool = False) -> AssignmentSpec:
    folder = find(str(given), course, by_name_only)
    path = folder / SPEC_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise AssignmentSpecError(path, "toml", f"is not valid TOML ({error})", "Fix the syntax.") from None
    if "thresholds" in data:
        raise AssignmentSpecError(path, "thresholds", "is the old layout", messages.THRESHOLDS_MOVED)
    head = _Table(path, "assignment", data.get("assignment"))
    head.check_known({"name", "title", "version", "seed"})
    known = {"assignment", "data", "graded", "lesson", "callback", "limits", "checks"}
    _Table(path, "assignment.toml", data).check_known(known)
    data_table, lesson_table = _Table(path, "data", data.get("data", {})), _Table(path, "lesson", data.get("lesson", {}))
    callback = _callback(path, data.get("callback"))
    spec = AssignmentSpec(
        name=head.get("name", str),
        title=head.get("title", str),
        version=head.get("version", str),
        seed=head.get("seed", int, 42),
        data=_typed(DataSpec, data_table, DataSpec()),
        graded=_typed(GradedNames, _Table(path, "graded", data.get("graded", {"required": False})), GradedNames()),
        lesson=_typed(LessonSpec, lesson_table, LessonSpec()),
        callback=callback,
        limits=_typed(Limits, _Table(path, "limits", data.get("limits", {})), Limits()),
        checks=_checks(path, data.get("checks"), callback),
        folder=folder,
    )
    if spec.name != folder.name:
        raise AssignmentSpecError(path, "assignment.name", f"is {spec.name!r}", f"Name it {folder.name!r}, like its folder.")
    lesson_table.choice("fit", spec.lesson.fit, FIT_SELECTIONS)
    if "training" not in spec.graded.roles() and "graded" in data and spec.graded.required:
        raise AssignmentSpecError(
            path,
            "graded.training",
            "is missing while graded.required is true",
            "Name the training function, or set `required = false` to grade notebooks in lesson mode.",
        )
    for file in spec.data.files:
        if file.startswith("/") or "\\" in file:
            raise AssignmentSpecError(path, "data.files", f"holds {file!r}", "Give paths relative to the working folder, with /.")
    return spec


CALLBACK_SETTINGS = {"threshold": "threshold", "metric": "metric", "stops_when": "stops_when", "max_epochs": "max_epochs", "strict_epochs": "strict_epochs"}
CHECK_SETTINGS = {"test_accuracy": ("accuracy", "at_least"), "reference_tolerance": ("reference", "tolerance")}


def _converted(path: Path, key: str, text: str, current: Any) -> Any:
    try:
        if isinstance(current, bool):
            if text.lower() not in ("true", "false"):
                raise ValueError(text)
            return text.lower() == "true"
        return type(current)(text) if not isinstance(current, str) else text
    except ValueError:
        raise AssignmentSpecError(path, f"--set {key}", f"is {text!r}", f"Give a {type(current).__name__}, like {key}={current}.") from None


def with_overrides(spec: AssignmentSpec, settings: Mapping[str, str]) -> AssignmentSpec:
    """The spec with ``--set key=value`` applied; errors name the flag, the key and what it accepts.

    Keys: ``seed``; the [callback] settings (``threshold``, ``metric``, ``stops_when``, ``max_epochs``,
    ``strict_epochs``); ``test_accuracy`` and ``reference_tolerance`` (the accuracy and reference checks);
    and any check argument as ``<check id>.<argument>``.
    """
    if not settings:
        return spec
    path, callback, checks, seed = spec.path, spec.callback, list(spec.checks), spec.seed
    for key, text in settings.items():
        if key == "seed":
            seed = _converted(path, key, text, seed)
        elif key in CALLBACK_SETTINGS and callback is not None:
            callback = replace(callback, **{key: _converted(path, key, text, getattr(callback, key))})
        elif key in CHECK_SETTINGS or "." in key:
            check_id, argument = CHECK_SETTINGS.get(key) or tuple(key.split(".", 1))
            index = next((i for i, check in enumerate(checks) if check.id == check_id), None)
            known = {a.name: a for a in registry.arguments(check_id)} if check_id in registry.CHECKS else {}
            if index is None or argument not in known:
                raise AssignmentSpecError(path, f"--set {key}", f"names no argument of a check of {spec.name}", messages.overridable(spec))
            current = checks[index].arguments.get(argument, known[argument].default)
            value = _converted(path, key, text, current if current is not ... else known[argument].kind())
            checks[index] = replace(checks[index], args=tuple({**checks[index].arguments, argument: value}.items()))
        else:
            raise AssignmentSpecError(path, f"--set {key}", "is not a setting that can be overridden", messages.overridable(spec))
    if callback is not None:
        _callback(path, vars(callback))  # the same validation as the file's
    return replace(spec, callback=callback, checks=tuple(checks), seed=seed, overrides=tuple(sorted(settings.items())))


def own_checks(spec: AssignmentSpec) -> AssignmentSpec:
    """The spec the reference is graded by: every check but the one comparing with the reference."""
    return replace(spec, checks=tuple(check for check in spec.checks if check.id != "reference"))
