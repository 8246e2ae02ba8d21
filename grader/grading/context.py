"""The grading context the checks read: what was measured, and what was claimed and must be checked.

Built from the stages' values; nothing here decides a verdict.
"""

from __future__ import annotations

from collections.abc import Mapping

from grader.checks.facts import Builder, CallbackTrial, Context, DatasetFacts, ModelFacts, Names
from grader.checks.registry import run_check
from grader.data.dataset import Dataset
from grader.grading.measurements import Evaluation
from grader.grading.run import Execution
from grader.spec import AssignmentSpec, GradedNames
from grader.text.checks import render

ROLE_WORDS = {"model": "your model", "callback": "myCallback", "training": "your training code"}


def names_for(graded: GradedNames, found: Mapping[str, str | None]) -> Names:
    """What each role is called in messages: the name the submission defines, else the spec's first."""

    def name(role: str) -> str:
        return found.get(role) or next(iter(getattr(graded, role)), ROLE_WORDS[role])

    return Names(name("model"), name("callback"), name("training"))


def early_model_verdict(spec: AssignmentSpec, dataset: Dataset, untrained: ModelFacts) -> dict:
    """The model check on the untrained model alone, as soon as it is measured: a progress event, never a score."""
    name = spec.graded.model[0] if spec.graded.model else ROLE_WORDS["model"]
    early = Context(
        names=names_for(spec.graded, {"model": name}),
        dataset=DatasetFacts(dataset.title, dataset.image_shape, dataset.classes),
        lesson=False,
        reached=(),
        builder=Builder(name, None, "", True, True),
        untrained_model=untrained,
    )
    verdict = run_check("model", early, {})
    return {"kind": "check", "id": "model", "passed": verdict.passed, "message": render(verdict)}


def context(
    spec: AssignmentSpec, dataset: Dataset, execution: Execution, evaluation: Evaluation, callback: CallbackTrial | None, reference_accuracy: float | None
) -> Context:
    found = execution.observations
    names = dict(found.names) if found else {}
    if found and found.callback_class:
        names["callback"] = found.callback_class
    training = found.training if found else None
    return Context(
        names=names_for(spec.graded, names),
        dataset=DatasetFacts(dataset.title, dataset.image_shape, dataset.classes),
        lesson=not names.get("training"),
        reached=found.phases if found else (),
        builder=found.builder if found else None,
        untrained_model=evaluation.model("untrained") if found and found.builder and found.builder.saved else None,
        training=training,
        trained_model=evaluation.model("model") if training and training.model_saved else None,
        callback=callback,
        condition=spec.callback.condition if spec.callback else None,
        max_epochs=spec.callback.max_epochs if spec.callback else None,
        strict_epochs=spec.callback.strict_epochs if spec.callback else False,
        reference_accuracy=reference_accuracy,
        measured=evaluation.assignment,
        claims=found.claims if found else None,
    )
