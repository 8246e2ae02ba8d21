"""Execute the student's cells or module and describe what went wrong in their terms.

Notebook cells are compiled under the name ``<cell N>`` (N counts every cell of
the notebook from 1), IPython magics and shell escapes are rewritten the way
IPython does it, and an error is located at the student's own line.
Imports nothing of the trusted grader.
"""

from __future__ import annotations

import builtins
import functools
import linecache
import traceback
from dataclasses import dataclass, field

TRACEBACK_LIMIT = 4000


@dataclass
class Execution:
    ok: bool
    namespace: dict
    summary: dict = field(default_factory=dict)


def _filename(kind: str, cell: dict) -> str:
    return f"<cell {cell['number']}>" if kind == "notebook" else cell["filename"]


def _is_student_file(filename: str) -> bool:
    return filename.startswith("<cell ") or filename.startswith("/submission/")


def _cut(text: str, limit: int) -> str:
    """At most ``limit`` characters, keeping the start and the end (TensorFlow puts the cause last)."""
    return text if len(text) <= limit else f"{text[: limit // 3]} … {text[-(limit - limit // 3 - 3):]}"


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


def transform_magics(source: str) -> str:
    """IPython's own rewrite of magics and shell escapes into plain Python."""
    if not any(line.lstrip()[:1] in ("%", "!") or line.rstrip().endswith("?") for line in source.splitlines()):
        return source
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


@functools.cache
def _get_ipython():
    """A plain IPython shell for magics and shell escapes; there is no GUI to enable."""
    from IPython.core.interactiveshell import InteractiveShell

    class GradingShell(InteractiveShell):
        def enable_gui(self, gui=None):
            return None

    return GradingShell.instance()


def _namespace(kind: str, module_name: str) -> dict:
    def display(*objects, **_ignored):
        for value in objects:
            print(repr(value))

    return {
        "__name__": "__main__" if kind == "notebook" else module_name,
        "__builtins__": builtins,
        "get_ipython": _get_ipython,
        "display": display,
    }


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


def execute(submission: dict, recorder, training_names: list[str], continue_after_errors: bool = False) -> Execution:
    """Run every cell; stop at the first that raises, or (lessons) note it and run the next."""
    kind = submission["kind"]
    namespace = _namespace(kind, submission.get("module_name", "submission"))
    cell_errors = []
    for cell in submission["cells"]:
        filename = _filename(kind, cell)
        source = transform_magics(cell["source"]) if kind == "notebook" else cell["source"]
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            exec(compile(source, filename, "exec"), namespace)
        except BaseException as error:  # student code: every failure is a value
            if not continue_after_errors or not isinstance(error, Exception):
                summary = {"error": describe_error(error), "cell": cell.get("number"), "cells_run": cell["index"], "cell_errors": cell_errors}
                return Execution(False, namespace, summary)
            cell_errors.append({"cell": cell.get("number"), "error": describe_error(error)})
        for name in training_names:
            _observe_training(namespace, name, recorder)
    missing = [group[0] for group in submission["required_names"] if not any(name in namespace for name in group)]
    summary = {"cells_run": len(submission["cells"]), "missing_names": missing, "cell_errors": cell_errors}
    return Execution(not missing, namespace, summary)
