"""The trusted side's reading of ``observations.json``, the only data that leaves the sandbox.

Everything in the file was written next to student code and may be forged or
malformed, so every field is type- and size-checked here and turned into
frozen dataclasses; anything off makes the whole file invalid. What the file
says about training is an observation, never a score: accuracy is measured by
the grader itself (``evaluate``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from grader.sandbox.intake import Untrusted, read_untrusted

MAX_BYTES = 5_000_000
MAX_EPOCHS = 10_000
ROLES = ("model", "callback", "training")


class Malformed(ValueError):
    """observations.json does not follow the schema."""


@dataclass(frozen=True)
class StudentError:
    type: str
    message: str
    file: str | None = None
    line: int | None = None
    text: str | None = None
    traceback: str = ""


@dataclass(frozen=True)
class Stop:
    by: str | None  # class name of the callback that set stop_training, None if no callback did
    student: bool  # that class is defined by the student's code (not keras.callbacks.EarlyStopping)
    epoch: int  # 1-based epoch during which it was set
    method: str | None
    graded: bool = False  # it was the graded callback: the student's own, under the graded name if there is one


@dataclass(frozen=True)
class Fit:
    context: str  # "training" when inside the graded training function, else "execution"
    epochs_requested: int
    epochs_run: int
    history: dict[str, tuple[float | None, ...]]
    callbacks: tuple[str, ...]
    stop: Stop | None
    x_shape: tuple[int | None, ...] | None
    x_max: float | None  # the largest training pixel value: ≤ 1 when the images were scaled
    error: str | None  # "Type: message" when fit raised
    finished: bool


@dataclass(frozen=True)
class CallbackCase:
    logs: dict[str, float]
    stop_training: bool | None
    error: StudentError | None


@dataclass(frozen=True)
class ModelProbe:
    type: str
    error: StudentError | None  # the builder raised
    is_keras_model: bool
    compiled: bool
    compile_config: str
    optimizer_steps: int
    output_shape: tuple[int | None, ...] | None
    output_min: float | None
    output_row_sums: tuple[float | None, ...]
    call_error: StudentError | None  # calling the model on (2, 28, 28) zeros raised


@dataclass(frozen=True)
class Training:
    fits: tuple[Fit, ...]
    graded_fit: Fit | None
    error: StudentError | None
    model_saved: bool


@dataclass(frozen=True)
class CellError:
    cell: int | None
    error: StudentError


@dataclass(frozen=True)
class Observations:
    phases: tuple[str, ...]
    execution_error: StudentError | None
    cell_errors: tuple[CellError, ...]  # cells that raised and were passed over (lessons)
    names: dict[str, str | None]  # per role, the graded name the submission defines (lesson: the callback class used)
    compatibility: tuple[str, ...]  # old idioms the harness let work (codes of messages.COMPATIBILITY)
    assignment_probes: dict[str, Any] | None  # what the assignment's probes.py returned: raw JSON, its checks validate it
    missing_names: tuple[str, ...]
    model_probe: ModelProbe | None
    callback_cases: tuple[CallbackCase, ...] | None
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


def _error(data: Any) -> StudentError | None:
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


def _fit(data: Any) -> Fit:
    history_data = _get(data, "history", dict, {})
    history = {str(key)[:64]: tuple(_number(v) for v in values[:MAX_EPOCHS]) for key, values in list(history_data.items())[:32] if isinstance(values, list)}
    stop_data = _get(data, "stop", dict, None)
    stop = None
    if stop_data is not None:
        stop = Stop(_text(stop_data, "by", 200), _get(stop_data, "student", bool, False), _get(stop_data, "epoch", int), _text(stop_data, "method", 64))
    shape = _get(data, "x_shape", list, None)
    error = _get(data, "error", dict, None)
    return Fit(
        context=_get(data, "context", str),
        epochs_requested=_get(data, "epochs_requested", int),
        epochs_run=_get(data, "epochs_run", int),
        history=history,
        callbacks=tuple(str(name)[:200] for name in _get(data, "callbacks", list, [])[:100]),
        stop=stop,
        x_shape=tuple(dim if isinstance(dim, int) else None for dim in shape[:8]) if shape is not None else None,
        x_max=_number(data.get("x_max")),
        error=f"{_text(error, 'type', 200)}: {_text(error, 'message', 1000)}" if error else None,
        finished=_get(data, "finished", bool, False),
    )


def _graded_stop(fit: Fit, callback: str | None) -> Fit:
    """Mark the stop as the graded callback's: the student's own class, under the graded name when one was found."""
    if fit.stop is None or not fit.stop.student or (callback is not None and fit.stop.by != callback):
        return fit
    return replace(fit, stop=replace(fit.stop, graded=True))


def _training(data: Any, callback: str | None) -> Training:
    fits = tuple(_graded_stop(_fit(fit), callback) for fit in _get(data, "fits", list, [])[:1000])
    index = _get(data, "graded_fit", int, None)
    graded = fits[index] if index is not None and 0 <= index < len(fits) else None
    return Training(fits, graded, _error(_get(data, "error", dict, None)), _get(data, "model_saved", bool, False))


def _model_probe(data: Any) -> ModelProbe:
    shape = _get(data, "output_shape", list, None)
    return ModelProbe(
        type=_text(data, "type", 300) or "",
        error=_error(_get(data, "error", dict, None)),
        is_keras_model=_get(data, "is_keras_model", bool, False),
        compiled=_get(data, "compiled", bool, False),
        compile_config=_text(data, "compile_config", 2000) or "",
        optimizer_steps=_get(data, "optimizer_steps", int, 0),
        output_shape=tuple(dim if isinstance(dim, int) else None for dim in shape[:8]) if shape is not None else None,
        output_min=_number(data.get("output_min")),
        output_row_sums=tuple(_number(total) for total in _get(data, "output_row_sums", list, [])[:8]),
        call_error=_error(_get(data, "call_error", dict, None)),
    )


def _callback_cases(data: Any) -> tuple[CallbackCase, ...]:
    cases = []
    for case in _get(data, "cases", list)[:100]:
        logs = {str(key)[:64]: _number(value) for key, value in _get(case, "logs", dict).items()}
        cases.append(CallbackCase(logs, _get(case, "stop_training", bool, None), _error(_get(case, "error", dict, None))))
    return tuple(cases)


def parse(data: Any) -> Observations:
    """Validate decoded JSON; raises ``Malformed``."""
    if _get(data, "schema", int) != 1:
        raise Malformed("unknown schema version")
    execution = _get(data, "execution", dict, {})
    probe = _get(data, "model_probe", dict, None)
    callback = _get(data, "callback_probe", dict, None)
    training = _get(data, "training", dict, None)
    names = {str(role)[:16]: _text(found, role, 200) for role, found in ((role, _get(data, "names", dict, {})) for role in ROLES)}
    return Observations(
        phases=tuple(str(phase)[:32] for phase in _get(data, "phases", list, [])[:20]),
        execution_error=_error(_get(execution, "error", dict, None)),
        cell_errors=tuple(CellError(_get(entry, "cell", int, None), _error(_get(entry, "error", dict)))
                          for entry in _get(execution, "cell_errors", list, [])[:50]),
        names=names,
        compatibility=tuple(str(code)[:40] for code in _get(data, "compatibility", list, [])[:10]),
        assignment_probes=_get(data, "assignment_probes", dict, None),
        missing_names=tuple(str(name)[:200] for name in _get(execution, "missing_names", list, [])[:50]),
        model_probe=_model_probe(probe) if probe is not None else None,
        callback_cases=_callback_cases(callback) if callback is not None else None,
        training=_training(training, names["callback"]) if training is not None else None,
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
    except (ValueError, RecursionError) as error:
        raise Malformed(f"not JSON ({error})") from None
    return parse(data)
