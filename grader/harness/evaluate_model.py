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


def _accuracy(model, images, labels, batch_size: int) -> tuple[float, list[float]]:
    import numpy as np

    correct = 0
    row_sums: list[float] = []
    for start in range(0, len(images), batch_size):
        batch = images[start : start + batch_size].astype("float32") / 255.0
        output = np.asarray(model(batch, training=False))
        correct += int((output.argmax(axis=-1) == labels[start : start + batch_size]).sum())
        if not row_sums:
            row_sums = [float(total) if np.isfinite(total) else None for total in output[:8].sum(axis=-1)]
    return correct / len(images), row_sums


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


def evaluate(job: dict, arrays: dict) -> dict:
    import keras

    try:
        model = keras.saving.load_model(job["model"], compile=False, safe_mode=True)
    except BaseException as error:  # the model file is untrusted input
        return {"loaded": False, "load_error": f"{type(error).__name__}: {str(error)[:1000]}"}
    result: dict = {"loaded": True, "params": int(model.count_params())}
    result["layers"] = [type(layer).__name__ for layer in model.layers][:200]
    try:
        result["output_shape"] = [None if dim is None else int(dim) for dim in model.output_shape]
    except (AttributeError, TypeError, ValueError):
        result["output_shape"] = None
    for split, (images, labels) in arrays.items():
        try:
            accuracy, row_sums = _accuracy(model, images, labels, job.get("batch_size", 2000))
        except BaseException as error:
            result["evaluate_error"] = f"{type(error).__name__}: {str(error)[:1000]}"
            return result
        result[f"{split}_accuracy"] = accuracy
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
