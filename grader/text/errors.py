"""Student errors in the student's terms: where they happened, and what to do about them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ALL_CELLS_HINT = "Only cells tagged `graded` run when a notebook has such tags; put what the graded code needs in them."


def _where(label: str, line: int | None, text: str | None) -> str:
    place = f"{label}, line {line}" if line else label
    return f"{place}:  {text}" if text else place


HINTS = (
    ("KeyError", "'acc'", "Keras 3 names the training accuracy logs['accuracy']; 'acc' was the TensorFlow 1 name."),
    (
        "TypeError",
        "'NoneType' and 'float'",
        "A logs.get(...) returned None: that key is not in the logs. Keras 3 logs 'accuracy' and 'loss' ('acc' was the TensorFlow 1 name).",
    ),
    ("AttributeError", "Optimizer", "tf.train.AdamOptimizer and its kin are TensorFlow 1; write tf.keras.optimizers.Adam() or optimizer='adam'."),
    ("ValueError", "{'lr'", "Keras 3 renamed the optimizer argument lr to learning_rate: write Adam(learning_rate=0.001)."),
    ("TypeError", "'lr'", "Keras 3 renamed the optimizer argument lr to learning_rate: write Adam(learning_rate=0.001)."),
    ("AttributeError", "fit_generator", "Keras 3 removed fit_generator: model.fit takes generators and datasets itself."),
    ("AttributeError", "predict_classes", "Keras 3 removed predict_classes: write np.argmax(model.predict(x), axis=-1)."),
    ("RuntimeError", "compile()", "The model was never compiled (an earlier cell that compiles it failed?). Fix that cell first."),
    ("ValueError", "compile()", "The model was never compiled (an earlier cell that compiles it failed?). Fix that cell first."),
    (
        "Exception",
        "URL fetch failure",
        "Grading runs offline, and load_data() found no file where it looked, so it tried to download. "
        "Pass no path, or the file name or relative path the instructions give (data/mnist.npz); a path from your own computer does not exist here.",
    ),
    ("InvalidArgumentError", "label value", "A label is outside the model's outputs: the last layer needs one unit per class, Dense(10) for labels 0–9."),
    ("InvalidArgumentError", "is not in [0, ", "A label is outside the model's outputs: the last layer needs one unit per class, Dense(10) for labels 0–9."),
    ("NameError", "", ALL_CELLS_HINT + " Also check the spelling."),
    ("ModuleNotFoundError", "", "Grading runs offline with only the course's packages installed; remove the import or use one of those."),
    ("FileNotFoundError", "", "Grading runs in a fresh folder; load the data with tf.keras.datasets.fashion_mnist.load_data()."),
    ("SystemExit", "", "Do not call exit() or sys.exit() in graded code."),
)


def brief(message: str, limit: int = 300) -> str:
    """The informative lines of an error message: TensorFlow's graph tracebacks and node names left out."""
    noise = ("Graph execution error", "Detected at node", "File ", "[[{{node", "[Op:")
    lines = [line.strip() for line in message.splitlines()]
    kept = [line for line in lines if line and not line.startswith(noise) and not line.startswith(("\t",))]
    text = " ".join(kept) or message.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def hint(error_type: str, message: str) -> str:
    for kind, fragment, advice in HINTS:
        if error_type == kind and fragment in message:
            return advice
    return "Run the notebook top to bottom in Jupyter (Kernel → Restart & Run All) to see the same error."


def location(error: Any) -> str:
    """Where a student error happened, in the student's terms: cell and line, or file and line."""
    if not error.file:
        return "outside your code (the traceback below shows where)"
    label = error.file[1:-1] if error.file.startswith("<") else Path(error.file).name
    return _where(label, error.line, error.text)


def limit_hint(text: str, limits: Any) -> str | None:
    """Advice when an error is the kernel enforcing a limit the student cannot see."""
    if "No space left on device" in text:
        return (
            f"Each run gets {limits.scratch_mb:,} MB of scratch space (limit `scratch_mb`) in its working folder, "
            "/tmp and /dev/shm each, and what is stored there counts towards the memory limit. Write less, or delete files you no longer need."
        )
    if "Resource temporarily unavailable" in text or "can't start new thread" in text:
        return (
            f"Each run may have at most {limits.processes:,} processes and threads (limit `processes`; TensorFlow "
            "alone uses about 100). Do not start processes or threads in a loop."
        )
    if "Read-only file system" in text:
        return "Grading runs on a read-only system: write files only in the working folder, the home folder or /tmp."
    return None


WINDOWS_PATH = re.compile(r"""['"][A-Za-z]:[\\/]""")


def path_hint(error: Any) -> str | None:
    """Advice when the failing line opens a file by a path that exists only on the student's machine."""
    line = error.text or ""
    if WINDOWS_PATH.search(line):
        return (
            "That line opens a Windows path (C:\\...), which exists only on your computer; grading runs on Linux in a fresh "
            "folder. Open the data by the path the instructions give (for MNIST: data/mnist.npz), or call load_data() without a path."
        )
    if re.search(r"""['"](/Users/|/home/|/content/|/kaggle/|/mnt/)""", line):
        return (
            "That line opens an absolute path from your own machine or notebook service; grading runs in a fresh folder. "
            "Use the path the instructions give, relative to the notebook (for MNIST: data/mnist.npz)."
        )
    return None


def fit_advice(kind: str, text: str) -> str:
    """What to do about an error raised inside model.fit."""
    if any(kind == k and fragment in text for k, fragment, _ in HINTS):
        return hint(kind, text)
    if "label" in text or "shape" in text or "rank" in text:
        return "Check that the model's input and output shapes match the images and the labels."
    return "Fix that error: the notebook's own run of model.fit must finish, with your callback running without errors."
