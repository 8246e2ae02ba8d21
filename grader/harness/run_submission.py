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
import inspect
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


def probe_callback(make, cases: list[dict]) -> dict:
    """Call a fresh callback's on_epoch_end with each case's logs; record whether it asked to stop."""
    results = []
    for case in cases:
        model = types.SimpleNamespace(stop_training=False)
        try:
            callback = make()
            if hasattr(callback, "set_model"):
                callback.set_model(model)
            else:
                callback.model = model
            callback.on_epoch_end(0, logs=dict(case["logs"]))
            results.append({"logs": case["logs"], "stop_training": bool(model.stop_training)})
        except BaseException as error:
            results.append({"logs": case["logs"], "error": student_code.describe_error(error)})
    return {"cases": results}


def run_assignment_probes(job: dict, namespace: dict, keras) -> dict:
    """The assignment's own ``probes.py``: ``probe(namespace, data[, seed])`` returns JSON about the student's code.

    ``data(split)`` gives (images, labels) of "train" or "test" as uint8 arrays, memory-mapped.
    What it returns is as untrusted as everything else from here; the assignment's checks validate it.
    """
    import numpy as np

    def data(split: str):
        paths = job["data"]
        return (np.load(paths[f"{split}_images"], mmap_mode="r", allow_pickle=False),
                np.load(paths[f"{split}_labels"], mmap_mode="r", allow_pickle=False))

    module: dict = {"__name__": "assignment_probes"}
    try:
        source = Path(job["assignment_probes"]).read_text()
        exec(compile(source, "probes.py", "exec"), module)
        _seed(keras, job["seed"])
        probe = module["probe"]
        seeded = {"seed": job["seed"]} if "seed" in inspect.signature(probe).parameters else {}
        with contextlib.redirect_stdout(io.StringIO()):
            found = probe(namespace, data, **seeded)
        json.dumps(found, allow_nan=False)
        return found
    except BaseException as error:  # the student's code raised inside a probe, or the probe is broken
        return {"probe_error": student_code.describe_error(error)}


def _call_training(function, images, labels):
    """``train(x, y)``, or ``train()`` for the generations whose training function loads its own data."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        parameters = None
    if parameters is not None and not any(p.default is p.empty and p.kind is not p.VAR_KEYWORD and p.kind is not p.VAR_POSITIONAL for p in parameters):
        return function()
    return function(images, labels)


def run_training(namespace: dict, name: str, job: dict, recorder, keras, results: Results) -> dict:
    already = [fit for fit in recorder.fits if fit["context"] == "training" and fit.get("finished")]
    if not already:
        images, labels = _load_data(job)
        _seed(keras, job["seed"])
        recorder.context = "training"
        try:
            _call_training(namespace[name], images, labels)
        except BaseException as error:
            return {"fits": recorder.fits, "error": student_code.describe_error(error)}
    graded = [index for index, fit in enumerate(recorder.fits) if fit["context"] == "training"]
    return _save_model(recorder, graded[-1] if graded else None, results)


def lesson_fit(recorder, selection: str) -> int | None:
    """The recorded fit a lesson is graded on: the last one passed a callback (or simply the last)."""
    indices = list(range(len(recorder.fits)))
    if selection == "last_with_callback":
        with_callback = [index for index in indices if recorder.fits[index]["callbacks"]]
        indices = with_callback or indices
    return indices[-1] if indices else None


def _save_model(recorder, graded: int | None, results: Results) -> dict:
    """Send the graded fit's model, only if that fit finished: a run that crashed scores no accuracy."""
    result = {"fits": recorder.fits, "graded_fit": graded, "model_saved": False}
    if graded is not None and recorder.fits[graded].get("finished"):
        try:
            path = Path(tempfile.mkdtemp()) / "model.keras"
            recorder.models[graded].save(path)
            results.send("model.keras", path.read_bytes())
            result["model_saved"] = True
        except BaseException as error:
            result["save_error"] = student_code.describe_error(error)
    return result


def _student_callback(recorder, graded: int | None):
    """The student's own callback class passed to the graded fit: the one that stopped it, else the first."""
    if graded is None:
        return None
    classes = [type(callback) for callback in recorder.callbacks[graded] if recorder.is_student_class(type(callback))]
    stop = recorder.fits[graded].get("stop") or {}
    return next((cls for cls in classes if cls.__name__ == stop.get("by")), classes[0] if classes else None)


COMPATIBILITY: set[str] = set()  # old idioms the harness let work, reported as notes


def _serve_data(dataset: str, unverified: bool) -> None:
    """Let every generation's ``mnist.load_data`` find the provided file.

    Keras 3 refuses a path in ``load_data(path=...)`` (the 2019 notebooks pass
    ``f"{getcwd()}/../tmp2/mnist.npz"``): an existing file given by path is read
    as Keras 2 did, and noted. A subset (``unverified``) is not the official
    file, whose SHA-256 Keras checks (and would download on a mismatch).
    """
    if dataset != "mnist":
        return
    import keras.src.datasets.mnist as module

    original = module.get_file

    def get_file(fname=None, origin=None, file_hash=None, **kwargs):
        if fname and ("/" in fname or os.path.isabs(fname)) and os.path.isfile(fname):
            COMPATIBILITY.add("load_data_path")
            return fname
        return original(fname=fname, origin=origin, file_hash=None if unverified else file_hash, **kwargs)

    module.get_file = get_file


def main(job_path: str) -> int:
    job = json.loads(Path(job_path).read_text())
    results = Results()
    observations = Observations(results)
    observations.record("started", True)
    import keras

    from observe import FitRecorder

    _serve_data(job["data"]["dataset"], bool(job["data"].get("unverified")))
    probes = job["probes"]
    recorder = FitRecorder(keras, student_code.module_name(job["submission"]))
    recorder.install()
    _seed(keras, job["seed"])
    training_names = probes.get("training", {}).get("names", [])
    execution = student_code.execute(job["submission"], recorder, training_names, job["lesson"]["continue_after_errors"])
    observations.record("execution", execution.summary)
    if not execution.ok:
        return 0
    namespace = execution.namespace
    names = {role: next((name for name in probe["names"] if callable(namespace.get(name))), None) for role, probe in probes.items()}
    observations.record("names", names)
    cases = probes.get("callback", {}).get("cases", [])
    with contextlib.redirect_stdout(io.StringIO()):  # the probes' prints would only confuse the student
        if names.get("model"):
            observations.record("model_probe", probe_model(namespace, names["model"]))
        if names.get("callback"):
            observations.record("callback_probe", probe_callback(namespace[names["callback"]], cases))
    if job.get("assignment_probes"):
        observations.record("assignment_probes", run_assignment_probes(job, namespace, keras))
    if names.get("training"):
        training = run_training(namespace, names["training"], job, recorder, keras, results)
    else:
        training = _save_model(recorder, lesson_fit(recorder, job["lesson"]["fit"]), results)
    if not names.get("callback"):
        found = _student_callback(recorder, training.get("graded_fit"))
        if found is not None:
            names["callback"] = found.__name__
            observations.record("names", names)
            with contextlib.redirect_stdout(io.StringIO()):
                observations.record("callback_probe", probe_callback(found, cases))
    observations.record("compatibility", sorted(COMPATIBILITY))
    observations.record("training", training)
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
