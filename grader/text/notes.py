"""What a report adds beside the checks: cells passed over, old API, Keras 2 code adapted, the data graded on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from grader.text.errors import ALL_CELLS_HINT, HINTS, _where, brief, hint, limit_hint, location, path_hint  # noqa: F401

# -- notes: what the report adds beside the checks ----------------------------------------------

OPTIMIZER_CALL = r"\b(Adam|AdamW|RMSprop|SGD|Adagrad|Adadelta|Adamax|Nadam|Ftrl)\s*\([^)]*"

LEGACY_API = {  # idiom: (regular expression on one line of code, what changed and what to write instead)
    "logs_acc": (
        r"""(logs|history)\s*(\.get\(\s*|\[\s*)['"](val_)?acc['"]""",
        "TensorFlow 1 logged accuracy as 'acc'; TensorFlow 2 and Keras 3 log it as 'accuracy' (logs.get('acc') is None). Write logs.get('accuracy').",
    ),
    "metrics_acc": (
        r"""metrics\s*=\s*\[\s*['"]acc['"]""",
        "metrics=['acc'] makes Keras log the metric as 'acc', not 'accuracy', and the grader reads 'accuracy'. Write metrics=['accuracy'].",
    ),
    "tf1_optimizer": (
        r"\btf\.train\.\w*Optimizer\b",
        "tf.train optimizers are TensorFlow 1 and gone from TensorFlow 2. Write tf.keras.optimizers.Adam() (or RMSprop, SGD) or optimizer='adam'.",
    ),
    "optimizer_lr": (OPTIMIZER_CALL + r"\blr\s*=", "Keras 3 renamed the optimizer argument lr to learning_rate. Write learning_rate=..."),
    "optimizer_decay": (
        OPTIMIZER_CALL + r"\bdecay\s*=",
        "Keras 3 ignores an optimizer's decay= (with only a warning). Write "
        "learning_rate=keras.optimizers.schedules.InverseTimeDecay(rate, decay_steps=1, decay_rate=decay).",
    ),
    "generator_methods": (
        r"\.(fit|evaluate|predict)_generator\s*\(",
        "Keras 3 removed fit_generator and its kin. Pass the generator to model.fit / evaluate / predict.",
    ),
    "predict_classes": (
        r"\.predict_(classes|proba)\s*\(",
        "Keras 3 removed predict_classes and predict_proba. Write np.argmax(model.predict(x), axis=-1), or model.predict(x).",
    ),
    "tf1_graph": (
        r"\btf\.(Session|placeholder|global_variables_initializer|logging)\b",
        "This is TensorFlow 1's graph API, gone from TensorFlow 2. Keras models run eagerly; remove it.",
    ),
    "windows_path": (
        r"""['"][A-Za-z]:\\""",
        "A Windows path exists only on your computer; grading runs on Linux in a fresh folder. "
        "Use the path the instructions give (relative), or load_data() without one.",
    ),
}


def legacy_note(finding: Any) -> str:
    return f"Old API in {finding.where}: `{finding.text}`. {finding.advice}"


def passed_over(label: str, error: Any) -> str:
    where = location(error) if error.file else label
    place, _, code = where.partition(":  ")
    code = f" (`{code.strip()}`)" if code.strip() else ""
    advice = next((f" {advice}" for kind, fragment, advice in HINTS if error.type == kind and fragment in error.message), "")
    return (
        f"{place[0].upper()}{place[1:]}{code} raised {error.type}: {brief(error.message).rstrip('.')}.{advice} "
        "Grading went on with the next cell, as this assignment allows."
    )


def data_note(description: str) -> str:
    return f"Graded on {description}."


def overrides_note(overrides: Sequence[tuple[str, str]]) -> str:
    return "Graded with " + ", ".join(f"--set {key}={value}" for key, value in overrides) + "."


FIT_SELECTION_WORDS = {"last_with_callback": "the last one given a callback", "last": "the last one"}


def lesson_note(fit_index: int | None, total: int, selection: str) -> str:
    return f"No training function, so the notebook's own training was graded: model.fit call {fit_index} of the {total} that ran ({FIT_SELECTION_WORDS[selection]})."


# -- notes ---------------------------------------------------------------------------------------

ADAPTATIONS = {  # code (grader/harness/compat.py): what Keras 3 refused, what the grader did, what Keras 3 wants instead
    "bare_callback": (
        "model.fit was given a callback object, not a list, which Keras 3 refuses; the grader wrapped it in a list, as Keras 2 did. Write callbacks=[callback]."
    ),
    "model_assigned": (
        "The callback assigns self.model, which Keras 3 refuses (AttributeError: the property has no setter); the grader let "
        "the assignment work as Keras 2 did. Keras sets self.model itself: leave the assignment out, or call super().set_model(model)."
    ),
    "load_data_path": (
        "mnist.load_data(path=...) was given a path; Keras 3 accepts only a file name there and raises ValueError, so the grader read "
        "the file as Keras 2 did. For Keras 3, load the file with np.load(path) (keys x_train, y_train, x_test, y_test) "
        "or call load_data() without a path."
    ),
    "backslash_path": (
        "The path given to load_data(path=...) uses a Windows backslash (data\\mnist.npz), and Keras 3 accepts only a file name "
        "there; grading runs on Linux, so the grader read the file with a slash, as Keras 2 on Windows did. Write "
        "os.path.join('data', 'mnist.npz') (or data/mnist.npz), and for Keras 3 load it with np.load(path) or call load_data() without a path."
    ),
    "optimizer_lr": (
        "The optimizer is given lr=, which Keras 3 refuses (ValueError: Argument(s) not recognized); the grader passed it as "
        "learning_rate, as Keras 2 did. Write learning_rate=..."
    ),
    "optimizer_epsilon": (
        "The optimizer is given epsilon=None, which Keras 2 read as its default, 1e-7, and Keras 3 cannot train with "
        "(ValueError: None values not supported); the grader used 1e-7. Leave epsilon out, or write epsilon=1e-7."
    ),
    "optimizer_decay": (
        "The optimizer is given decay=, which Keras 3 ignores (with only a warning); the grader kept Keras 2's meaning, the "
        "learning rate divided by 1 + decay × step. For Keras 3, write learning_rate="
        "keras.optimizers.schedules.InverseTimeDecay(rate, decay_steps=1, decay_rate=decay)."
    ),
    "fit_generator": (
        "model.fit_generator is gone from Keras 3; the grader called model.fit with the same arguments, as TensorFlow 2 did. "
        "Write model.fit(generator, ...): fit reads generators itself."
    ),
    "evaluate_generator": (
        "model.evaluate_generator is gone from Keras 3; the grader called model.evaluate, as TensorFlow 2 did. Write model.evaluate(generator, ...)."
    ),
    "predict_generator": (
        "model.predict_generator is gone from Keras 3; the grader called model.predict, as TensorFlow 2 did. Write model.predict(generator, ...)."
    ),
    "predict_classes": (
        "model.predict_classes is gone from Keras 3; the grader computed it as Keras 2 did. "
        "Write np.argmax(model.predict(x), axis=-1) (or (model.predict(x) > 0.5).astype('int32') for one sigmoid output)."
    ),
    "predict_proba": "model.predict_proba is gone from Keras 3; it was model.predict, which the grader called. Write model.predict(x).",
    "loader_arguments": (
        "workers, use_multiprocessing and max_queue_size are not arguments of Keras 3's fit, evaluate and predict (TypeError); "
        "they only tuned how batches were loaded, so the grader left them out. Remove them (in Keras 3 a keras.utils.PyDataset takes them)."
    ),
    "compile_metrics_position": (
        "model.compile was given its metrics as the third argument, where Keras 2 read metrics and Keras 3 reads "
        "loss_weights (training then fails on a string); the grader passed them as metrics, as Keras 2 did. "
        "Write metrics=['accuracy']."
    ),
}


def adaptation_note(submission: Any, adaptation: Any) -> str:
    where = location(adaptation) if adaptation.file else "your code"
    return f"Keras 2 code in {where}: {ADAPTATIONS.get(adaptation.code, adaptation.code)}"


def epochs_asked_note(requested: int, allowed: int) -> str:
    return f"model.fit asked for {requested} epochs, more than the {allowed} this exercise allows; what counts is how many ran, so this is only a note. Pass epochs={allowed}."


def rerun_note() -> str:
    return "The run stopped in a cell (see the message above); the cells before it were run again on their own, and the checks grade what they define."
