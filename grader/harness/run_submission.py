"""Run a student's submission inside the sandbox and write what happened.

Usage: python run_submission.py JOB.json

Reads the job (the code to run and the graded names to probe), executes the
student's code with every Keras ``fit`` observed, probes the graded names,
and sends ``observations.json`` after every phase (so a run that dies midway
still leaves what it saw) and the trained model on the results channel. Only
that JSON and the saved model leave this process. Imports nothing of the trusted grader.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
import traceback
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import student_code  # noqa: E402  (sibling modules of the harness)
from channel import Results  # noqa: E402

SCHEMA = 1


class Observations:
    """observations.json, sent again after every phase."""

    def __init__(self, results: Results):
        self.results = results
        self.data: dict = {"schema": SCHEMA, "phases": []}

    def record(self, phase: str, value) -> None:
        self.data[phase] = value
        self.data["phases"].append(phase)
        self.results.send("observations.json", json.dumps(self.data, allow_nan=False, default=str).encode())


def _seed(keras, seed: int) -> None:
    keras.utils.set_random_seed(seed)


def _load_data(job: dict):
    import numpy as np

    data = job["data"]
    images = np.load(data["train_images"], allow_pickle=False)
    labels = np.load(data["train_labels"], allow_pickle=False)
    if data.get("normalize", True):
        images = images.astype("float32") / 255.0
    return images, labels


def probe_model(namespace: dict, name: str) -> dict:
    import numpy as np

    try:
        model = namespace[name]()
    except BaseException as error:  # student code: report, never crash the harness
        return {"error": student_code.describe_error(error)}
    found: dict = {"type": type(model).__module__ + "." + type(model).__qualname__}
    found["is_keras_model"] = hasattr(model, "predict") and hasattr(model, "count_params")
    if not found["is_keras_model"]:
        return found
    found["compiled"] = bool(getattr(model, "compiled", False) or getattr(model, "optimizer", None))
    try:
        found["compile_config"] = str(model.get_compile_config())[:2000]
    except BaseException:
        found["compile_config"] = ""
    optimizer = getattr(model, "optimizer", None)
    iterations = getattr(optimizer, "iterations", None)
    found["optimizer_steps"] = int(iterations.numpy()) if hasattr(iterations, "numpy") else 0
    try:
        output = np.asarray(model(np.zeros((2, 28, 28), dtype="float32")))
        found["output_shape"] = list(output.shape)
        found["output_min"] = float(output.min())
        found["output_min"] = found["output_min"] if np.isfinite(found["output_min"]) else None
        found["output_row_sums"] = [float(total) if np.isfinite(total) else None for total in output.reshape(2, -1).sum(axis=1)]
    except BaseException as error:
        found["call_error"] = student_code.describe_error(error)
    return found


def probe_callback(namespace: dict, name: str, cases: list[dict]) -> dict:
    results = []
    for case in cases:
        model = types.SimpleNamespace(stop_training=False)
        try:
            callback = namespace[name]()
            if hasattr(callback, "set_model"):
                callback.set_model(model)
            else:
                callback.model = model
            callback.on_epoch_end(0, logs=dict(case["logs"]))
            results.append({"logs": case["logs"], "stop_training": bool(model.stop_training)})
        except BaseException as error:
            results.append({"logs": case["logs"], "error": student_code.describe_error(error)})
    return {"cases": results}


def run_training(namespace: dict, job: dict, recorder, keras, results: Results) -> dict:
    training = job["probes"]["training"]
    already = [fit for fit in recorder.fits if fit["context"] == "training" and fit.get("finished")]
    if not already:
        images, labels = _load_data(job)
        _seed(keras, job["seed"])
        recorder.context = "training"
        try:
            namespace[training["name"]](images, labels)
        except BaseException as error:
            return {"fits": recorder.fits, "error": student_code.describe_error(error)}
    return _save_model(recorder, results)


def _save_model(recorder, results: Results) -> dict:
    graded = [index for index, fit in enumerate(recorder.fits) if fit["context"] == "training"]
    result = {"fits": recorder.fits, "graded_fit": graded[-1] if graded else None, "model_saved": False}
    if graded:
        try:
            path = Path(tempfile.mkdtemp()) / "model.keras"
            recorder.models[graded[-1]].save(path)
            results.send("model.keras", path.read_bytes())
            result["model_saved"] = True
        except BaseException as error:
            result["save_error"] = student_code.describe_error(error)
    return result


def main(job_path: str) -> int:
    job = json.loads(Path(job_path).read_text())
    results = Results()
    observations = Observations(results)
    observations.record("started", True)
    import keras

    from observe import FitRecorder

    probes = job["probes"]
    callback_name = probes.get("callback", {}).get("name")
    recorder = FitRecorder(keras, callback_name)
    recorder.install()
    _seed(keras, job["seed"])
    training_name = probes.get("training", {}).get("name")
    execution = student_code.execute(job["submission"], recorder, training_name)
    observations.record("execution", execution.summary)
    if not execution.ok:
        return 0
    namespace = execution.namespace
    with contextlib.redirect_stdout(io.StringIO()):  # the probes' prints would only confuse the student
        if "model" in probes:
            observations.record("model_probe", probe_model(namespace, probes["model"]["name"]))
        if "callback" in probes:
            cases = probes["callback"]["cases"]
            observations.record("callback_probe", probe_callback(namespace, callback_name, cases))
    if "training" in probes:
        observations.record("training", run_training(namespace, job, recorder, keras, results))
    observations.record("finished", True)
    return 0


def _leave(code: int) -> None:
    """Exit now: no atexit handler, finalizer or thread of the student's runs after the last frame."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    try:
        _leave(main(sys.argv[1]))
    except Exception:  # a harness fault: the trusted side sees the exit code and this traceback
        traceback.print_exc()
        _leave(70)
