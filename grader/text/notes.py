"""What a report adds beside the checks: cells passed over, old API, Keras 2 code adapted, the data graded on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from grader.text.errors import ALL_CELLS_HINT, HINTS, _where, brief, hint, limit_hint, location, path_hint  # noqa: F401

# -- notes: what the report adds beside the checks ----------------------------------------------

LEGACY_API = (  # (regular expression on one line of code, what changed and what to write instead)
    (r"""(logs|history)\s*(\.get\(\s*|\[\s*)['"](val_)?acc['"]""",
     "TensorFlow 1 logged accuracy as 'acc'; TensorFlow 2 and Keras 3 log it as 'accuracy' (logs.get('acc') is None). Write logs.get('accuracy')."),
    (r"""metrics\s*=\s*\[\s*['"]acc['"]""", "metrics=['acc'] makes Keras log the metric as 'acc', not 'accuracy'. Write metrics=['accuracy']."),
    (r"\btf\.train\.\w*Optimizer\b", "tf.train optimizers are TensorFlow 1 and gone from TensorFlow 2. Write tf.keras.optimizers.Adam() (or RMSprop, SGD) or optimizer='adam'."),
    (r"\b(Adam|RMSprop|SGD|Adagrad|Adadelta|Adamax|Nadam)\s*\([^)]*\blr\s*=", "Keras 3 renamed the optimizer argument lr to learning_rate. Write learning_rate=..."),
    (r"\.(fit|evaluate|predict)_generator\s*\(", "Keras 3 removed fit_generator and its kin. Pass the generator to model.fit / evaluate / predict."),
    (r"\.predict_classes\s*\(", "Keras 3 removed predict_classes. Write np.argmax(model.predict(x), axis=-1)."),
    (r"\btf\.(Session|placeholder|global_variables_initializer|logging)\b", "This is TensorFlow 1's graph API, gone from TensorFlow 2. Keras models run eagerly; remove it."),
    (r"""['"][A-Za-z]:\\""", "A Windows path exists only on your computer; grading runs on Linux in a fresh folder. Use the path the instructions give (relative), or load_data() without one."),
)


COMPATIBILITY = {
    "load_data_path": ("Your code passes a path to mnist.load_data(path=...). Keras 3 accepts only a file name there and raises "
                       "ValueError; the grader read the file anyway, as Keras 2 did. For Keras 3, load the file with "
                       "np.load(path) (keys x_train, y_train, x_test, y_test) or call load_data() without a path."),
}


def compatibility_note(code: str) -> str | None:
    return COMPATIBILITY.get(code)


def legacy_note(finding: Any) -> str:
    return f"Old API in {finding.where}: `{finding.text}`. {finding.advice}"


def passed_over(label: str, error: Any) -> str:
    where = location(error) if error.file else label
    place, _, code = where.partition(":  ")
    code = f" (`{code.strip()}`)" if code.strip() else ""
    advice = next((f" {advice}" for kind, fragment, advice in HINTS if error.type == kind and fragment in error.message), "")
    return (f"{place[0].upper()}{place[1:]}{code} raised {error.type}: {brief(error.message).rstrip('.')}.{advice} "
            "Grading went on with the next cell, as this assignment allows.")


def data_note(description: str) -> str:
    return f"Graded on {description}."


def overrides_note(overrides: Sequence[tuple[str, str]]) -> str:
    return "Graded with " + ", ".join(f"--set {key}={value}" for key, value in overrides) + "."


FIT_SELECTION_WORDS = {"last_with_callback": "the last one given a callback", "last": "the last one"}


def lesson_note(fit_index: int | None, total: int, selection: str) -> str:
    return f"No training function, so the notebook's own training was graded: model.fit call {fit_index} of the {total} that ran ({FIT_SELECTION_WORDS[selection]})."


# -- notes ---------------------------------------------------------------------------------------

ADAPTATIONS = {
    "bare_callback": "model.fit was given a callback object, not a list; Keras 3 wants callbacks=[...], so the grader wrapped it in one.",
    "model_assigned": "The callback assigns self.model, which Keras 3 no longer allows (set_model does it); the grader let the assignment work as Keras 2 did.",
    "load_data_path": ("load_data(path=...) was given a path; Keras 3 accepts only a file name there and raises ValueError, so the grader read "
                       "the file as Keras 2 did. For Keras 3, load the file with np.load(path) (keys x_train, y_train, x_test, y_test) "
                       "or call load_data() without a path."),
    "backslash_path": ("The path to the data uses a Windows backslash (data\\mnist.npz); grading runs on Linux, so the grader read it with a "
                       "slash. Write data/mnist.npz (or os.path.join('data', 'mnist.npz')) so it works everywhere."),
}


def adaptation_note(submission: Any, adaptation: Any) -> str:
    where = location(adaptation) if adaptation.file else "your code"
    return f"Keras 2 code in {where}: {ADAPTATIONS.get(adaptation.code, adaptation.code)}"


def epochs_asked_note(requested: int, allowed: int) -> str:
    return f"model.fit asked for {requested} epochs, more than the {allowed} this exercise allows; what counts is how many ran, so this is only a note. Pass epochs={allowed}."


def rerun_note() -> str:
    return "The run stopped in a cell (see the message above); the cells before it were run again on their own, and the checks grade what they define."
