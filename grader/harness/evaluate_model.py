"""Evaluate a saved model on held-out data, running no student code.

Usage: python evaluate_model.py JOB.json

The model is loaded with Keras safe mode and no custom objects, so a model
that needs the student's code (a Lambda layer, a custom class) is refused
instead of run. Sends ``evaluation.json`` on the results channel. Imports
nothing of the trusted grader.

The process starts while the student's code is still training: it imports
Keras and maps the data, then waits until the grader puts the model in its
job folder (``ready``) or calls the evaluation off (``cancelled``).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from channel import Results  # noqa: E402  (sibling module of the harness)


def _measure(model, images, labels, batch_size: int, form: dict) -> tuple[float, float | None, list[float]]:
    """Accuracy, mean cross-entropy and the first output rows' sums, on images given the training form.

    ``form``: ``scale`` (1/255 when the student trained on scaled images, else 1) and ``shape``
    (one image as the model was trained on it: (28, 28), (28, 28, 1) or (784,)). The loss reads
    the output as probabilities when its rows are, else as logits.
    """
    import numpy as np

    correct, loss = 0, 0.0
    row_sums: list[float] = []
    for start in range(0, len(images), batch_size):
        batch = (images[start : start + batch_size].astype("float32") * form.get("scale", 1 / 255)).reshape(-1, *form.get("shape", (28, 28)))
        output = np.asarray(model(batch, training=False), dtype="float64").reshape(len(batch), -1)
        truth = labels[start : start + batch_size]
        correct += int((output.argmax(axis=-1) == truth).sum())
        probabilities = output
        if not (output.min() >= 0 and np.allclose(output.sum(axis=-1), 1, atol=1e-3)):
            shifted = np.exp(output - output.max(axis=-1, keepdims=True))
            probabilities = shifted / shifted.sum(axis=-1, keepdims=True)
        if probabilities.shape[-1] > int(truth.max()):
            loss += float(-np.log(np.clip(probabilities[np.arange(len(truth)), truth], 1e-7, 1)).sum())
        else:
            loss = float("nan")
        if not row_sums:
            row_sums = [float(total) if np.isfinite(total) else None for total in output[:8].sum(axis=-1)]
    mean_loss = loss / len(images)
    return correct / len(images), (mean_loss if np.isfinite(mean_loss) else None), row_sums


def _arrays(data: dict) -> dict:
    """The data, mapped and paged in while the student's code trains."""
    import numpy as np

    arrays = {}
    for split in ("test", "train"):
        images = np.load(data[f"{split}_images"], mmap_mode="r", allow_pickle=False)
        arrays[split] = (images, np.asarray(np.load(data[f"{split}_labels"], mmap_mode="r", allow_pickle=False)))
        int(images.sum(dtype="uint64"))  # touch every page now, not after training
    return arrays


def _end_when_called_off(job: dict) -> None:
    """Exit at once, even mid-import, when the grader calls the evaluation off."""
    cancelled = Path(job["cancelled"])

    def watch() -> None:
        while not cancelled.exists():
            time.sleep(0.02)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def _wait_until_ready(job: dict) -> None:
    ready = Path(job["ready"])
    while not ready.exists():
        time.sleep(0.02)


def _form(job: dict) -> dict:
    """How the student fed the images to fit, written by the grader beside the model."""
    try:
        form = json.loads(Path(job["form"]).read_text())
    except (OSError, ValueError):
        return {}
    shape = form.get("shape")
    valid_shape = isinstance(shape, list) and all(isinstance(d, int) and d > 0 for d in shape)
    return {"scale": float(form.get("scale", 1 / 255)), **({"shape": tuple(shape)} if valid_shape else {})}


def _tensorflow_aliases(keras) -> dict:
    """TensorFlow's own activations under the names Keras saves them by (``activation=tf.nn.softmax``
    is saved as the function ``softmax_v2``), mapped to Keras' built-ins: no student code."""
    activations = keras.activations
    return {"softmax_v2": activations.softmax, "log_softmax_v2": activations.log_softmax}


def evaluate(job: dict, arrays: dict) -> dict:
    import keras

    try:
        model = keras.saving.load_model(job["model"], compile=False, safe_mode=True, custom_objects=_tensorflow_aliases(keras))
    except BaseException as error:  # the model file is untrusted input
        return {"loaded": False, "load_error": f"{type(error).__name__}: {str(error)[:1000]}"}
    result: dict = {"loaded": True, "params": int(model.count_params())}
    result["layers"] = [type(layer).__name__ for layer in model.layers][:200]
    try:
        result["output_shape"] = [None if dim is None else int(dim) for dim in model.output_shape]
    except (AttributeError, TypeError, ValueError):
        result["output_shape"] = None
    form = _form(job)
    for split, (images, labels) in arrays.items():
        try:
            accuracy, loss, row_sums = _measure(model, images, labels, job.get("batch_size", 2000), form)
        except BaseException as error:
            result["evaluate_error"] = f"{type(error).__name__}: {str(error)[:1000]}"
            return result
        result[f"{split}_accuracy"] = accuracy
        result[f"{split}_loss"] = loss
        result["output_row_sums"] = row_sums
    return result


def main(job_path: str) -> int:
    job = json.loads(Path(job_path).read_text())
    _end_when_called_off(job)
    import keras

    keras.utils.set_random_seed(job.get("seed", 0))
    arrays = _arrays(job["data"])
    _wait_until_ready(job)
    result = evaluate(job, arrays)
    Results().send("evaluation.json", json.dumps(result, allow_nan=False).encode())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
