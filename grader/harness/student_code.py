"""Translate, compile and execute the student's cells or module; describe what went wrong in their terms.

Notebook cells are compiled under the name ``<cell N>`` (N counts every cell of the notebook
from 1), IPython magics and shell escapes are rewritten the way IPython does it, and an error is
located at the student's own line. The translation runs here, inside the sandbox and under a time
budget, never in the grader's own process. The student's code runs in a module of its own, which
is ``sys.modules["__main__"]`` for a notebook as in Jupyter: the harness's own module is not there
to find. Imports nothing of the trusted grader.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import functools
import linecache
import signal
import sys
import traceback
import types
from dataclasses import dataclass, field

TRACEBACK_LIMIT = 4000
DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class TooSlow(Exception):
    """Translating the notebook's magics took longer than its budget."""


@dataclass
class Execution:
    ok: bool
    namespace: dict
    summary: dict = field(default_factory=dict)


def filename(kind: str, cell: dict) -> str:
    return f"<cell {cell['number']}>" if kind == "notebook" else cell["filename"]


def _is_student_file(name: str) -> bool:
    return name.startswith("<cell ") or name.startswith("/submission/")


def _cut(text: str, limit: int) -> str:
    """At most ``limit`` characters, keeping the start and the end (TensorFlow puts the cause last)."""
    return text if len(text) <= limit else f"{text[: limit // 3]} … {text[-(limit - limit // 3 - 3) :]}"


def describe_error(error: BaseException) -> dict:
    """Type, message and the student's own line where the error happened."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if _is_student_file(frame.filename)]
    where = frames[-1] if frames else None
    if isinstance(error, SyntaxError) and error.filename and _is_student_file(error.filename):
        where = traceback.FrameSummary(error.filename, error.lineno or 0, "", line=(error.text or "").strip())
    formatted = "".join(traceback.format_exception(error))
    return {
        "type": type(error).__name__,
        "message": _cut(str(error), 1000),
        "file": where.filename if where else None,
        "line": where.lineno if where else None,
        "text": (where.line or "").strip()[:300] if where else None,
        "traceback": formatted[-TRACEBACK_LIMIT:],
    }


def has_magics(source: str) -> bool:
    return any(line.lstrip()[:1] in ("%", "!") or line.rstrip().endswith("?") for line in source.splitlines())


def transform_magics(source: str) -> str:
    """IPython's own rewrite of magics and shell escapes into plain Python."""
    if not has_magics(source):
        return source
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


class _Budget:
    """A SIGALRM budget that fires again every 10 ms once spent, so that an alarm raised where Python
    drops exceptions (a gc callback) is not the last; it raises nothing once ``armed`` is False."""

    def __init__(self) -> None:
        self.armed = True
        self.previous = signal.signal(signal.SIGALRM, self._alarm)

    def _alarm(self, _signal, _frame) -> None:
        if self.armed:
            raise TooSlow()

    def start(self, seconds: float) -> None:
        signal.setitimer(signal.ITIMER_REAL, seconds, 0.01)

    def stop(self) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.previous)


def translate(submission: dict, seconds: float) -> tuple[list[tuple[dict, types.CodeType]] | None, dict | None]:
    """Every cell rewritten and compiled, within ``seconds`` in all; else the problem.

    Returns ``(compiled, None)``, or ``(None, {"syntax_error": ...})`` for the first cell that does
    not compile, or ``(None, {"too_slow": seconds})`` when the budget ran out.
    """
    kind = submission["kind"]
    if kind == "notebook" and any(has_magics(cell["source"]) for cell in submission["cells"]):
        import IPython.core.interactiveshell  # noqa: F401  (imported whole before the budget starts, never cut off halfway)
        from IPython.core.inputtransformer2 import TransformerManager  # noqa: F401
    compiled = []
    budget = _Budget()
    try:
        try:
            budget.start(seconds)
            for cell in submission["cells"]:
                name = filename(kind, cell)
                source = transform_magics(cell["source"]) if kind == "notebook" else cell["source"]
                linecache.cache[name] = (len(source), None, source.splitlines(True), name)
                try:
                    compiled.append((cell, compile(source, name, "exec", dont_inherit=True)))
                except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
                    return None, {"syntax_error": {**describe_error(error), "cell": cell.get("number")}}
        finally:
            budget.armed = False  # first, inline: no signal handler runs between entering finally and this store
            budget.stop()
    except TooSlow:
        return None, {"too_slow": seconds}
    return compiled, None


def definitions_only(cell_code: str, name: str) -> list[types.CodeType]:
    """The cell's imports, functions, classes and plain constant assignments, each compiled alone.

    Enough to define a callback class in a process that must not run the rest of the notebook
    (its training, its data loading): expression statements and assignments that call anything
    are left out.
    """
    try:
        tree = ast.parse(cell_code, name)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    kept = []
    for statement in tree.body:
        constant = (
            isinstance(statement, (ast.Assign, ast.AnnAssign))
            and statement.value is not None
            and not any(isinstance(node, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)) for node in ast.walk(statement.value))
        )
        if isinstance(statement, DEFINITIONS) or constant:
            kept.append(compile(ast.Module(body=[statement], type_ignores=[]), name, "exec", dont_inherit=True))
    return kept


def _shell_for(module: types.ModuleType):
    """``get_ipython`` for the student's code: a plain IPython shell whose namespace is the student's module."""
    shell = []

    def get_ipython():
        if not shell:
            from IPython.core.interactiveshell import InteractiveShell

            class GradingShell(InteractiveShell):
                def enable_gui(self, gui=None):
                    return None

            GradingShell.clear_instance()
            shell.append(GradingShell.instance(user_module=module))
        return shell[0]

    return get_ipython


def student_module(kind: str, module_name: str) -> types.ModuleType:
    """The module the student's code runs in; a notebook's is ``__main__``, as in Jupyter."""
    module = types.ModuleType("__main__" if kind == "notebook" else module_name)

    def display(*objects, **_ignored):
        for value in objects:
            print(repr(value))

    module.__dict__.update(__builtins__=builtins, get_ipython=_shell_for(module), display=display)
    sys.modules[module.__name__] = module
    return module


def _observe_training(namespace: dict, name: str | None, recorder) -> None:
    """Mark fits made by the graded training function, whoever calls it."""
    function = namespace.get(name) if name else None
    if not callable(function) or getattr(function, "__graded_wrapper__", False):
        return

    @functools.wraps(function)
    def observed(*args, **kwargs):
        previous, recorder.context = recorder.context, "training"
        try:
            return function(*args, **kwargs)
        finally:
            recorder.context = previous

    observed.__graded_wrapper__ = True
    namespace[name] = observed


def module_name(submission: dict) -> str:
    """The ``__module__`` of the classes the student's code defines."""
    return "__main__" if submission["kind"] == "notebook" else submission.get("module_name", "submission")


def execute(
    submission: dict, compiled, recorder, training_names: list[str], continue_after_errors: bool = False, cell_done=lambda index: None, capture=None
) -> Execution:
    """Run every compiled cell; stop at the first that raises, or (lessons) note it and run the next.

    ``capture`` (``capture.Capture``) keeps what each cell prints and notes the cell that binds each graded name.
    """
    namespace = student_module(submission["kind"], module_name(submission)).__dict__
    cell_errors = []
    for cell, code in compiled:
        try:
            with capture.cell(cell["index"], namespace) if capture else contextlib.nullcontext():
                exec(code, namespace)
        except BaseException as error:  # student code: every failure is a value
            if not continue_after_errors or not isinstance(error, Exception):
                summary = {"error": describe_error(error), "cell": cell.get("number"), "cells_run": cell["index"], "cell_errors": cell_errors}
                return Execution(False, namespace, summary)
            cell_errors.append({"cell": cell.get("number"), "error": describe_error(error)})
        for name in training_names:
            _observe_training(namespace, name, recorder)
        cell_done(cell["index"])
    missing = [group[0] for group in submission["required_names"] if not any(name in namespace for name in group)]
    summary = {"cells_run": len(submission["cells"]), "missing_names": missing, "cell_errors": cell_errors}
    return Execution(True, namespace, summary)
