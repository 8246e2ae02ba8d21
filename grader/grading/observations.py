"""The trusted side's reading of ``observations.json``: what the student's process says happened.

Everything in the file was written next to student code and may be forged or malformed, so every
field is type- and size-checked here and turned into frozen dataclasses; anything off makes the
whole file invalid. What the file says is a claim, never a score: checks hold it against what the
grader measured itself.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.checks.facts import Builder, Fit, Stop, StudentError, Training
from grader.sandbox.intake import Untrusted, read_untrusted

MAX_BYTES = 5_000_000
MAX_EPOCHS = 10_000
ROLES = ("model", "callback", "training")


class Malformed(ValueError):
    """observations.json does not follow the schema."""


@dataclass(frozen=True)
class CellError:
    cell: int | None
    error: StudentError


@dataclass(frozen=True)
class Adaptation:
    """Keras 2 code the harness let work (``grader/harness/compat.py``), and where."""

    code: str
    file: str | None
    line: int | None
    text: str | None


@dataclass(frozen=True)
class Observations:
    phases: tuple[str, ...]
    translation_error: StudentError | None  # a cell that does not compile
    translation_too_slow: float | None  # the seconds the translation of magics was given and exceeded
    execution_error: StudentError | None
    fatal_cell: int | None  # the cell whose error stopped the run
    cell_errors: tuple[CellError, ...]  # cells that raised and were passed over (lessons)
    names: dict[str, str | None]  # per role, the graded name the submission defines
    missing_names: tuple[str, ...]
    builder: Builder | None
    callback_class: str | None  # the class the callback check tries: the graded name, or (lessons) the class passed to the graded fit
    adaptations: tuple[Adaptation, ...]
    claims: Any  # what the assignment's collect returned: raw JSON, its checks validate it
    training: Training | None
    finished: bool


def _get(data: Any, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
    if not isinstance(data, dict):
        raise Malformed(f"expected an object holding {key!r}")
    if key not in data or data[key] is None:
        if default is ...:
            raise Malformed(f"{key!r} is missing")
        return default
    value = data[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float, (int, float))):
        raise Malformed(f"{key!r} has the wrong type")
    if isinstance(value, float) and not math.isfinite(value):
        raise Malformed(f"{key!r} is not finite")
    return value


def _text(data: Any, key: str, limit: int = 5000) -> str | None:
    value = _get(data, key, str, None)
    return value[:limit] if value is not None else None


def error(data: Any) -> StudentError | None:
    """A student error as the harness described it."""
    if data is None:
        return None
    return StudentError(
        type=_text(data, "type", 200) or "Error",
        message=_text(data, "message", 1000) or "",
        file=_text(data, "file", 300),
        line=_get(data, "line", int, None),
        text=_text(data, "text", 300),
        traceback=_text(data, "traceback", 5000) or "",
    )


def _number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Malformed("a metric value is not a finite number")
    return float(value)


def _integers(values: Any, limit: int = MAX_EPOCHS) -> tuple[int | None, ...]:
    if not isinstance(values, list):
        raise Malformed("expected a list of integers")
    return tuple(value if isinstance(value, int) and not isinstance(value, bool) else None for value in values[:limit])


def _fit(data: Any) -> Fit:
    history_data = _get(data, "history", dict, {})
    history = {str(key)[:64]: tuple(_number(v) for v in values[:MAX_EPOCHS]) for key, values in list(history_data.items())[:32] if isinstance(values, list)}
    stop_data = _get(data, "stop", dict, None)
    stop = None
    if stop_data is not None:
        stop = Stop(_text(stop_data, "by", 200), _get(stop_data, "student", bool, False), _get(stop_data, "epoch", int), _text(stop_data, "method", 64))
    shape = _get(data, "x_shape", list, None)
    failure = _get(data, "error", dict, None)
    return Fit(
        context=_get(data, "context", str),
        model=_get(data, "model", int, None),
        optimizer=_get(data, "optimizer", int, None),
        epochs_requested=_get(data, "epochs_requested", int),
        epochs_run=_get(data, "epochs_run", int),
        initial_epoch=_get(data, "initial_epoch", int, 0),
        steps_per_epoch=_get(data, "steps_per_epoch", int, None),
        steps_after_epoch=_integers(_get(data, "steps_after_epoch", list, [])),
        history=history,
        callbacks=tuple(str(name)[:200] for name in _get(data, "callbacks", list, [])[:100]),
        student_callbacks=tuple(str(name)[:200] for name in _get(data, "student_callbacks", list, [])[:100]),
        stop=stop,
        x_shape=tuple(dim if isinstance(dim, int) else None for dim in shape[:8]) if shape is not None else None,
        x_max=_number(data.get("x_max")),
        error=f"{_text(failure, 'type', 200)}: {_text(failure, 'message', 1000)}" if failure else None,
        finished=_get(data, "finished", bool, False),
    )


def _training(data: Any) -> Training:
    fits = tuple(_fit(fit) for fit in _get(data, "fits", list, [])[:1000])
    index = _get(data, "graded_fit", int, None)
    graded = index if index is not None and 0 <= index < len(fits) else None
    return Training(fits, graded, error(_get(data, "error", dict, None)), _get(data, "model_saved", bool, False))


def _builder(data: Any, name: str | None) -> Builder:
    return Builder(
        name=name or "",
        error=error(_get(data, "error", dict, None)),
        type=_text(data, "type", 300) or "",
        keras_model=_get(data, "keras_model", bool, False),
        saved=_get(data, "saved", bool, False),
    )


def _adaptations(data: Any) -> tuple[Adaptation, ...]:
    if not isinstance(data, list):
        raise Malformed("compatibility is not a list")
    return tuple(
        Adaptation(_text(entry, "code", 40) or "", _text(entry, "file", 300), _get(entry, "line", int, None), _text(entry, "text", 300)) for entry in data[:50]
    )


def parse(data: Any) -> Observations:
    """Validate decoded JSON; raises ``Malformed``."""
    if _get(data, "schema", int) != 2:
        raise Malformed("unknown schema version")
    translation = _get(data, "translation", dict, {})
    execution = _get(data, "execution", dict, {})
    names_data = _get(data, "names", dict, {})
    names = {role: _text(names_data, role, 200) for role in ROLES}
    builder = _get(data, "builder", dict, None)
    training = _get(data, "training", dict, None)
    syntax = _get(translation, "syntax_error", dict, None)
    return Observations(
        phases=tuple(str(phase)[:32] for phase in _get(data, "phases", list, [])[:20]),
        translation_error=error(syntax),
        translation_too_slow=_number(translation.get("too_slow")),
        execution_error=error(_get(execution, "error", dict, None)),
        fatal_cell=_get(execution, "cell", int, None) if _get(execution, "error", dict, None) is not None else None,
        cell_errors=tuple(
            CellError(_get(entry, "cell", int, None), error(_get(entry, "error", dict)))  # type: ignore[arg-type]
            for entry in _get(execution, "cell_errors", list, [])[:50]
        ),
        names=names,
        missing_names=tuple(str(name)[:200] for name in _get(execution, "missing_names", list, [])[:50]),
        builder=_builder(builder, names["model"]) if builder is not None else None,
        callback_class=_text(data, "callback_class", 200),
        adaptations=_adaptations(_get(data, "compatibility", list, [])),
        claims=data.get("claims"),
        training=_training(training) if training is not None else None,
        finished=_get(data, "finished", bool, False),
    )


def read(path: Path) -> Observations | None:
    """The observations in ``path``; None when the file is missing; raises ``Malformed``."""
    try:
        raw = read_untrusted(path, MAX_BYTES)
    except Untrusted as problem:
        raise Malformed(str(problem)) from None
    if raw is None:
        return None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as problem:
        raise Malformed(f"not JSON ({problem})") from None
    return parse(data)


def last_cell(path: Path) -> int | None:
    """The index of the last cell the run finished, from its ``cell`` frame."""
    try:
        raw = read_untrusted(path, 1000)
        done = json.loads(raw)["done"] if raw else None
    except (Untrusted, ValueError, KeyError, TypeError):
        return None
    return done if isinstance(done, int) and not isinstance(done, bool) else None
