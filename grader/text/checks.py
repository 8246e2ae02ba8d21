"""What each check's verdict says to the student, keyed by reason: templates over the values the check compared.

A template is ``str.format``-ed with the verdict's values. A ``StudentError`` value offers
``{error.type}``, ``{error.message}``, ``{error.where}`` (cell and line) and ``{error.hint}``
(what to do); a condition prints as ``training accuracy ≥ 0.88`` and offers ``{condition.metric}``,
``{condition.op}`` and ``{condition.threshold}``; a dataset offers ``{dataset.title}``,
``{dataset.shape}`` and ``{dataset.classes}``. An assignment adds templates for its own
reasons in its checks.py (``TEXT``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grader.checks.facts import DatasetFacts, StopCondition, StudentError
from grader.checks.registry import TEXT, Verdict
from grader.text.errors import hint, location

NOT_REACHED = "`{name}` could not be checked because grading stopped earlier; fix the problem reported above first."

TEMPLATES: dict[str, str] = {
    # model: the untrained model the builder returns, measured from its file
    "model.not_reached": NOT_REACHED,
    "model.raised": "Calling `{name}()` raised {error.type}: {error.message} (in {error.where}).",
    "model.not_keras": "`{name}()` returned a {type}, not a Keras model. Return the model you built.",
    "model.not_loadable": "The model `{name}()` returns could not be saved and loaded without running your code ({detail}). "
    "Build it from standard Keras layers only: no Lambda layers and no custom layer classes.",
    "model.wrong_input": "The model cannot take a batch of {dataset.title} images, shape {shape}: {detail}. "
    "Start with keras.Input(shape={dataset.shape}) followed by a Flatten layer.",
    "model.wrong_output": "For each image the model outputs {shown}, but {dataset.title} has {dataset.classes} classes. "
    "End with Dense({dataset.classes}, activation='softmax').",
    "model.not_probabilities": "The model's outputs are not probabilities (each ≥ 0, summing to 1 per image). Use activation='softmax' on the last layer.",
    "model.not_compiled": "`{name}()` returned a model that is not compiled. Call model.compile(optimizer='adam', "
    "loss='sparse_categorical_crossentropy', metrics=['accuracy']) before returning it.",
    "model.no_accuracy": "`{name}()` compiles the model without an accuracy metric. Add metrics=['accuracy'] to model.compile so training reports accuracy.",
    "model.custom_accuracy": "`{name}()` compiles the model with a metric of its own named accuracy. Use Keras's own: metrics=['accuracy'].",
    "model.trained": "`{name}()` returned a model that was already trained ({steps} steps). Return it untrained; training belongs in the training function.",
    "model.pretrained": "`{name}()` returned a model that already classifies {accuracy:.0%} of held-out images, more than an untrained model "
    "can ({limit:.0%}). Return a freshly built model, without trained weights.",
    "model.ok": "`{name}()` returns a compiled, untrained model: {shape} → {dataset.classes} probabilities, with an accuracy metric.",
    # callback: the class run alone, on cases the grader drew
    "callback.not_reached": NOT_REACHED,
    "callback.not_defined": "`{name}` could not be found among your definitions. Define class {name}(tf.keras.callbacks.Callback) at the top level of a cell.",
    "callback.no_class": "No callback class of yours was found: the notebook defines no `{name}` and passes no callback class it defines to "
    "model.fit. Write class {name}(tf.keras.callbacks.Callback) and pass callbacks=[{name}()].",
    "callback.not_run": "The grader could not try `{name}` on its own ({problem}). Make sure the class can be created with {name}() "
    "and does not depend on variables made by running the notebook.",
    "callback.unexpected": "Trying `{name}` alone gave answers to cases the grader never asked ({ids}). Do not write to the grader's channels.",
    "callback.unanswered": "Trying `{name}` alone gave no answer for one of the grader's cases. Make sure training always returns normally.",
    "callback.raised": "`{name}.on_epoch_end` raised {error.type}: {error.message} when given logs={logs} (in {error.where}). {error.hint}",
    "callback.missed_stop": "Given logs with {condition.metric} {value}, `{name}` did not stop training, but {value} already meets {condition}. "
    "Set self.model.stop_training = True when logs['{condition.metric}'] {condition.op} {condition.threshold:g}.",
    "callback.early_stop": "Given logs with {condition.metric} {value}, `{name}` stopped training, but {value} does not meet {condition} yet. "
    "Stop only once logs['{condition.metric}'] {condition.op} {condition.threshold:g}.",
    "callback.inconsistent": "Given the logs of your own training run, `{name}` tried alone {alone_text}, but in your run it {real_text}. "
    "A callback must decide from the logs alone, the same way every time.",
    "callback.ok": "`{name}` keeps training until {condition} and asks to stop once it holds ({cases} cases the grader drew, each in a real fit).",
    # stopped_by_callback: the graded run, its claims checked against the saved model and the class replayed alone
    "stop.not_reached": NOT_REACHED,
    "stop.training_raised": "`{name}` raised {error.type}: {error.message} (in {error.where}). {error.hint}",
    "stop.no_fit_lesson": "No model.fit ran, so no training could be observed. Fit your model with callbacks=[{callback}()].",
    "stop.no_fit": "`{name}` never called model.fit, so no training could be observed. Call model.fit(..., callbacks=[{callback}()]) in it.",
    "stop.fit_failed": "Training failed inside model.fit: {kind}: {brief}. {advice}",
    "stop.callback_not_passed": "model.fit was not given a `{name}` (callbacks passed: {passed}). Pass callbacks=[{name}()].",
    "stop.metric_not_logged": "Training logged no '{metric}' metric, so the callback had nothing to read. Compile with metrics=['accuracy'].",
    "stop.too_many_epochs": "The graded model was trained for {trained} epochs in {fits} call(s) of model.fit; the exercise allows at most "
    "{max_epochs}. Train it once, with epochs={max_epochs}.",
    "stop.asked_too_many": "model.fit asked for {requested} epochs; this exercise allows at most {max_epochs}. Pass epochs={max_epochs}.",
    "stop.epoch_limit": "Training ran all {run} of {requested} epochs: the epoch limit ended it, not your callback. {first_text}",
    "stop.other_stopper": "stop_training was set by {by_text}, not by your own `{name}`, in epoch {epoch}. Let your callback stop training.",
    "stop.wrong_method": "`{name}` set stop_training in {method}, during epoch {epoch}. Check the {condition.metric} in on_epoch_end, once per epoch.",
    "stop.wrong_epoch": "`{name}` stopped training in epoch {epoch}, where training {condition.metric} was {value_text}. {first_text} "
    "Stop at the first epoch where {condition}.",
    "stop.at_limit": "`{name}` stopped in the last epoch ({epoch} of {requested}), when the epoch limit would have stopped training anyway.",
    "stop.unconfirmed": "The training logs say your callback stopped training at the right epoch, but the grader could not measure the saved "
    "model to confirm them. {detail}",
    "stop.custom_metric": "Training was compiled with a metric of its own named accuracy, so its logs do not show Keras's accuracy. "
    "Compile with metrics=['accuracy'].",
    "stop.steps_disagree": "The saved model's optimizer took {saved} steps, but the recorded training ({epochs} epochs of {per_epoch} steps) "
    "accounts for {expected}. Train the graded model once, in one model.fit call, and do not change what the grader records.",
    "stop.replay_disagrees": "Given the logs of your own training run, `{name}` tried alone {replayed_text}, but training stopped in epoch {epoch}. "
    "Let the callback alone decide when training stops.",
    "stop.logs_disagree": "The training logs claim {condition}, but the grader measured {condition.metric} {measured:.4f} on the training images "
    "with the saved model. The logs do not match the model.",
    "stop.ok": "`{name}` stopped training in epoch {epoch} of {requested}, the first where {condition} ({condition.metric} {value:.4f}).",
    # accuracy and reference: the trained model's file, evaluated on held-out images the submission never saw
    "accuracy.no_model": "There is no trained model to evaluate: {why}",
    "accuracy.refused": "The grader loads your trained model without running any of your code, and it could not ({detail}). "
    "Build the model from standard Keras layers only: no Lambda layers and no custom layer classes.",
    "accuracy.not_measured": "The grader could not evaluate your trained model ({detail}). Make sure it takes the dataset's images and returns one probability per class.",
    "accuracy.never_trained": "The model training produced was never trained: its optimizer took no step. Train it with model.fit.",
    "accuracy.ok": "The grader measured {value:.4f} accuracy on held-out images the model never saw, which reaches the required {required}.",
    "accuracy.below": "The grader measured {value:.4f} accuracy on held-out images the model never saw, which falls short of the required "
    "{required}. Check the model and the training, and that the images are normalised to [0, 1].",
    "reference.no_comparison": "No held-out accuracy to compare with the reference's.",
    "reference.unavailable": "This assignment folder holds no reference solution and no reference.json, so the comparison with the reference "
    "cannot be made here; your instructor's grading makes it.",
    "reference.ok": "Held-out accuracy {value:.4f} against the reference's {expected:.4f}: within {tolerance}.",
    "reference.trails": "Held-out accuracy {value:.4f} trails the reference's {expected:.4f} by {gap:.4f}, more than {tolerance}. "
    "Compare your model and training with the instructions.",
}

NOT_GRADED = "Not checked: grading stopped before this check could run (see the message above)."


class _Error:
    """A student error as templates show it."""

    def __init__(self, error: StudentError):
        self.type, self.message, self.where = error.type, error.message, location(error)
        self.hint = hint(error.type, error.message)


class _Condition:
    def __init__(self, condition: StopCondition):
        self.metric, self.op, self.threshold, self._text = condition.metric, condition.stops_when, condition.threshold, str(condition)

    def __str__(self) -> str:
        return self._text

    def __format__(self, spec: str) -> str:
        return format(self._text, spec)


class _Dataset:
    def __init__(self, dataset: DatasetFacts):
        self.title, self.classes = dataset.title, dataset.classes
        self.shape = dataset.image_shape if len(dataset.image_shape) > 1 else f"({dataset.image_shape[0]},)"


def _shown(value: Any) -> Any:
    if isinstance(value, StudentError):
        return _Error(value)
    if isinstance(value, StopCondition):
        return _Condition(value)
    if isinstance(value, DatasetFacts):
        return _Dataset(value)
    return value


def _derived(reason: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Phrases some templates need that depend on which values are present."""
    extra: dict[str, Any] = {}
    condition = values.get("condition")
    if "first" in values and condition is not None:
        text = f"{condition} first held in epoch {values['first']}." if values["first"] else f"{condition} never held."
        extra["first_text"] = text[0].upper() + text[1:]
    if reason == "stop.other_stopper":
        extra["by_text"] = f"`{values['by']}`" if values.get("by") else "code outside any callback"
    if reason == "stop.wrong_epoch":
        value = values.get("value")
        extra["value_text"] = f"{value:.4f}" if isinstance(value, float) else "unknown"
    if reason == "stop.replay_disagrees":
        error, replayed = values.get("error"), values.get("replayed")
        extra["replayed_text"] = f"raised {error.type}: {error.message}" if error else f"stopped in epoch {replayed}" if replayed else "did not stop at all"
    if reason == "callback.inconsistent":
        error, alone, real = values.get("error"), values.get("alone"), values.get("real")
        extra["alone_text"] = f"raised {error.type}: {error.message}" if error else f"stopped in epoch {alone}" if alone else "did not stop"
        extra["real_text"] = f"stopped training in epoch {real}" if real else "did not stop training"
    if reason == "stop.fit_failed":
        from grader.text.errors import brief, fit_advice

        extra["brief"] = brief(values["text"], 500).rstrip(".")
        extra["advice"] = fit_advice(values["kind"], values["text"])
    if reason == "accuracy.no_model":
        error = values.get("error")
        extra["why"] = f"training raised {error.type}: {error.message[:300]}." if error else "training did not finish."
    return extra


def render(verdict: Verdict) -> str:
    """The student's sentence for a verdict."""
    template = TEMPLATES.get(verdict.reason) or TEXT.get(verdict.reason)
    if template is None:
        return verdict.reason  # an assignment's reason without a template: shown as its code
    values = {key: _shown(value) for key, value in verdict.values.items()}
    values.update({key: _shown(value) for key, value in _derived(verdict.reason, verdict.values).items()})
    return (template(**values) if callable(template) else template.format(**values)).strip()
