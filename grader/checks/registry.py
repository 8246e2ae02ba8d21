"""Checks by id: the built-in ones and each assignment's ``checks.py``, their arguments, and how they run.

A check is a function registered with ``@check``. Its parameters are filled by name: from the
grading context (``grader.checks.facts.CONTEXT``) and, for any other parameter, from its
``[[checks]]`` entry in assignment.toml (``at_least = 0.85``), typed by its annotation, with the
function's default when the entry leaves it out. It returns a ``Verdict``: passed or not, a
reason code and the values it compared; ``grader.text`` turns that into words.
"""

from __future__ import annotations

import hashlib
import inspect
import sys
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.checks.facts import CONTEXT, Context

LOCAL_FILE = "checks.py"
LOCAL_MODULE = "grader_local_checks."
ARGUMENT_TYPES = {"float": float, "int": int, "str": str, "bool": bool}


@dataclass(frozen=True)
class Verdict:
    """A check's result: whether it passed, why (a reason code that ``grader.text`` words) and the values it compared."""

    passed: bool
    reason: str
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Argument:
    name: str
    kind: type
    default: Any = ...  # ... when the spec must give it

    @property
    def required(self) -> bool:
        return self.default is ...


class LocalChecksError(Exception):
    """An assignment's checks.py cannot be loaded; ``key``, ``problem`` and ``fix`` say what and how."""

    def __init__(self, path: Path, key: str, problem: str, fix: str):
        super().__init__(problem)
        self.path, self.key, self.problem, self.fix = path, key, problem, fix


CHECKS: dict[str, Callable[..., Verdict]] = {}
TEXT: dict[str, Any] = {}  # reason -> template, from assignments' checks.py (the built-in ones are grader.text.checks)
_LOCAL_OWNERS: dict[str, tuple[Path, str]] = {}  # check id -> the checks.py defining it, and that file's SHA-256


def check(function: Callable[..., Verdict]) -> Callable[..., Verdict]:
    """Register a check under its function's name (an assignment's checks.py is registered by ``load_local``)."""
    function.__grader_check__ = True  # type: ignore[attr-defined]
    if not function.__module__.startswith(LOCAL_MODULE):
        CHECKS[function.__name__] = function
    return function


def arguments(check_id: str) -> tuple[Argument, ...]:
    """The parameters of a check that its ``[[checks]]`` entry provides (all but the context's)."""
    found = []
    for parameter in inspect.signature(CHECKS[check_id]).parameters.values():
        if parameter.name in CONTEXT:
            continue
        annotation = parameter.annotation if isinstance(parameter.annotation, str) else getattr(parameter.annotation, "__name__", "")
        kind = ARGUMENT_TYPES.get(annotation, str)
        default = ... if parameter.default is inspect.Parameter.empty else parameter.default
        found.append(Argument(parameter.name, kind, default))
    return tuple(found)


def needs(check_id: str) -> frozenset[str]:
    """The context values a check asks for."""
    return frozenset(name for name in inspect.signature(CHECKS[check_id]).parameters if name in CONTEXT)


def run_check(check_id: str, context: Context, given: Mapping[str, Any]) -> Verdict:
    """Call a check with the context values and arguments its parameters name."""
    values = {name: getattr(context, name) for name in needs(check_id)}
    values.update({argument.name: given.get(argument.name, argument.default) for argument in arguments(check_id)})
    return CHECKS[check_id](**values)


def load_local(folder: Path) -> None:
    """Register the ``@check`` functions (and ``TEXT`` templates) of ``folder/checks.py``; ids are shared by every assignment."""
    path = folder / LOCAL_FILE
    if not path.is_file():
        return
    source = path.read_bytes()
    digest = hashlib.sha256(source).hexdigest()
    module = types.ModuleType(LOCAL_MODULE + folder.name)
    module.__file__ = str(path)
    sys.modules[module.__name__] = module  # what dataclasses and pickle look up
    try:
        exec(compile(source, str(path), "exec"), vars(module))
    except Exception as error:  # the instructor's file: name it and the error
        raise LocalChecksError(path, LOCAL_FILE, "broken", f"{type(error).__name__}: {error}") from None
    found = {name: value for name, value in vars(module).items() if getattr(value, "__grader_check__", False) and value.__module__ == module.__name__}
    for name, function in found.items():
        owner = _LOCAL_OWNERS.get(name)
        if (name in CHECKS and owner is None) or (owner is not None and owner[0] != path and owner[1] != digest):
            raise LocalChecksError(path, name, "taken", str(owner[0]) if owner else "")
        CHECKS[name], _LOCAL_OWNERS[name] = function, (path, digest)
    TEXT.update(getattr(module, "TEXT", {}))
