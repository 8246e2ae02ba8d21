"""Stage 3, evaluate: the grader measures the model files itself, in a process that runs no student code.

The evaluation process (``grading/evaluator.py``, ``harness/evaluate_model.py``) starts beside the
student's run. When the run is over, the model files it sent (the untrained model the graded builder
returned, the model training produced, the assignment's variants) are measured: loaded in safe mode,
compile settings and optimizer steps read from the file, held-out and training accuracy computed on
images fed the way the student trained. These are the only numbers that score. Then, in the same
sandbox and only after those measurements were sent, the student's callback class is tried alone on
the grader's cases (``callback_trial``).
"""

from __future__ import annotations

from pathlib import Path

from grader.checks.facts import CallbackTrial
from grader.data.provision import Provision
from grader.grading import callback_trial
from grader.grading.evaluator import Evaluator
from grader.grading.load import Submission
from grader.grading.measurements import Evaluation, InputForm
from grader.grading.run import Execution
from grader.spec import AssignmentSpec

__all__ = ["Evaluation", "InputForm", "measure"]


def _models(execution: Execution, pixels: int, normalize: bool) -> dict[str, tuple[Path, str, InputForm | None]]:
    """The run's model files and what each is to be measured as: the untrained model, the trained one (fed as the student fed it), variants."""
    found, files = execution.observations, execution.files
    training = found.training if found else None
    fit = training.graded_fit if training else None
    models: dict[str, tuple[Path, str, InputForm | None]] = {}
    if "untrained" in files and found and found.builder and found.builder.saved:
        models["untrained"] = (files["untrained"], "untrained", None)
    if "model" in files and training and training.model_saved:
        models["model"] = (files["model"], "trained", InputForm.of(fit.x_shape, fit.x_max, normalize, pixels) if fit else None)
    models.update({name: (path, "variant", None) for name, path in sorted(files.items()) if name.startswith("variant-")})
    return models


def _trial_job(execution: Execution, submission: Submission, spec: AssignmentSpec, provision: Provision) -> callback_trial.Job | None:
    """What the callback trial tries: the graded name (or the lesson's class), on fresh cases and the run's own logs."""
    found = execution.observations
    if spec.callback is None or (found is not None and (found.translation_too_slow is not None or found.translation_error is not None)):
        return None  # nothing of the submission compiled: there is no class to try
    names = tuple(spec.graded.callback) or ((found.callback_class,) if found and found.callback_class else ())
    if not names:
        return None
    condition = spec.callback.condition
    replayed = callback_trial.replay(found.training if found else None, condition, found.callback_class if found else None)
    cases = callback_trial.draw(condition) + ((replayed,) if replayed else ())
    return callback_trial.Job(submission, names, cases, spec.seed, provision.dataset.image_shape, provision.dataset.classes)


def measure(
    pending: Evaluator, execution: Execution, submission: Submission, spec: AssignmentSpec, provision: Provision
) -> tuple[Evaluation, CallbackTrial | None]:
    """Stage 3: the model files measured by the evaluation process, then the callback class tried alone in its sandbox."""
    collected = execution.observations is not None and execution.observations.claims is not None
    return pending.finish(
        _models(execution, provision.dataset.pixels, spec.data.normalize), _trial_job(execution, submission, spec, provision), experiments=collected
    )
