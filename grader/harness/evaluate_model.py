"""Evaluate a saved model on held-out data, running no student code.

Usage: python evaluate_model.py JOB.json

The model is loaded with Keras safe mode and no custom objects, so a model
that needs the student's code (a Lambda layer, a custom class) is refused
instead of run. Sends ``evaluation.json`` on the results channel. Imports nothing of the trusted
grader.
"""

from __future__ import annotations

import json
import sys
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


def evaluate(job: dict) -> dict:
    import numpy as np
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
    data = job["data"]
    for split in ("test", "train"):
        images = np.load(data[f"{split}_images"], mmap_mode="r", allow_pickle=False)
        labels = np.load(data[f"{split}_labels"], mmap_mode="r", allow_pickle=False)
        try:
            accuracy, row_sums = _accuracy(model, images, np.asarray(labels), job.get("batch_size", 2000))
        except BaseException as error:
            result["evaluate_error"] = f"{type(error).__name__}: {str(error)[:1000]}"
            return result
        result[f"{split}_accuracy"] = accuracy
        result["output_row_sums"] = row_sums
    return result


def main(job_path: str) -> int:
    job = json.loads(Path(job_path).read_text())
    import keras

    keras.utils.set_random_seed(job.get("seed", 0))
    result = evaluate(job)
    Results().send("evaluation.json", json.dumps(result, allow_nan=False).encode())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
