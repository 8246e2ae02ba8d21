"""grader: grade machine-learning notebook exercises.

Student code runs in a sandbox; the grader evaluates the trained model itself
and never trusts numbers the student's code reports. The public API is
``__all__``; names load on first use so that ``import grader`` stays cheap.
"""

from importlib import import_module

_EXPORTS = {
    "Options": "grader.options",
    "Report": "grader.reports.report",
    "Status": "grader.status",
    "assignment_of": "grader.api",
    "check": "grader.in_notebook",
    "choose_isolation": "grader.api",
    "doctor": "grader.api",
    "export_gradebook": "grader.api",
    "grade_batch": "grader.api",
    "grade_submission": "grader.pipeline",
    "grade_to": "grader.api",
    "load_assignment": "grader.spec",
    "submit": "grader.in_notebook",
    "terminal": "grader.api",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'grader' has no attribute {name!r}")
    module = import_module(_EXPORTS[name])
    return getattr(module, "load" if name == "load_assignment" else name)
