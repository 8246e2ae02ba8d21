"""Stage 4, score: small check functions that name what they need. The stable API for assignments.

An assignment's ``checks.py`` writes::

    from grader.checks import Verdict, check

    @check
    def my_check(trained_model, at_least: float = 0.9) -> Verdict:
        ...
        return Verdict(passed, "my_check.below", {"value": value, "required": at_least})

    TEXT = {"my_check.below": "The model reaches {value:.3f}; it needs {required}."}

Parameters name context values (``grader.checks.facts.CONTEXT``) or arguments that the
``[[checks]]`` entry gives. ``TEXT`` words each reason (``str.format`` over the values).
"""

from grader.checks import builtin  # noqa: F401  (registers the built-in checks)
from grader.checks.facts import (
    CONTEXT,
    Builder,
    CallbackAnswer,
    CallbackCase,
    CallbackTrial,
    Context,
    DatasetFacts,
    Fit,
    Layer,
    ModelFacts,
    Names,
    Stop,
    StopCondition,
    StudentError,
    Training,
)
from grader.checks.registry import CHECKS, TEXT, Argument, Verdict, arguments, check, load_local, needs, run_check

__all__ = [
    "CHECKS",
    "CONTEXT",
    "TEXT",
    "Argument",
    "Builder",
    "CallbackAnswer",
    "CallbackCase",
    "CallbackTrial",
    "Context",
    "DatasetFacts",
    "Fit",
    "Layer",
    "ModelFacts",
    "Names",
    "Stop",
    "StopCondition",
    "StudentError",
    "Training",
    "Verdict",
    "arguments",
    "check",
    "load_local",
    "needs",
    "run_check",
]
