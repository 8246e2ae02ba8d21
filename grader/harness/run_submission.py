"""Run a student's submission inside the sandbox and send what happened.

Usage: python run_submission.py JOB.json

Translates and compiles every cell first (a syntax error is reported before TensorFlow loads),
then executes the student's code with every Keras ``fit`` observed, saves the model the graded
builder returns (untrained) and the model training produced, and runs the assignment's own
``collect`` step. It sends ``observations.json`` after every phase (a run that dies midway still
leaves what it saw), one small ``cell`` frame after every cell, ``event`` frames as training
runs, ``cells.json`` (what each cell printed, for the feedback page; ``capture.py``) and the model
files. None of it is trusted: the grader measures the model files itself and checks every claim
here against its own measurements. Imports nothing of the trusted grader.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import io
import json
import json.encoder
import os
import sys
import tempfile
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import compat  # noqa: E402  (sibling modules of the harness)
import pipelines  # noqa: E402
import student_code  # noqa: E402
from capture import Capture  # noqa: E402
from channel import Results  # noqa: E402

SCHEMA = 2


def _sealed_dumps(make=json.encoder.c_make_encoder, strings=json.encoder.c_encode_basestring_ascii):
    """A JSON serialiser made of C functions taken before any student code runs, so that patching the json
    module (its dumps, its JSONEncoder) changes nothing here. Falls back to the pure-Python encoder where
    the C one is missing."""
    if make is None:
        encoder = json.JSONEncoder(allow_nan=False, default=str)
        return encoder.encode
    return lambda value: "".join(make({}, str, strings, None, ": ", ", ", False, False, False)(value, 0))


_dumps = _sealed_dumps()


def _send_json(send, name: str, value) -> None:
    send(name, _dumps(value).encode())


class Observations:
    """observations.json, sent again after every phase."""

    def __init__(self, send):
        self.send = send
        self.data: dict = {"schema": SCHEMA, "phases": []}

    def record(self, phase: str, value) -> None:
        self.data[phase] = value
        self.data["phases"].append(phase)
        _send_json(self.send, "observations.json", self.data)


def _load_data(job: dict):
    import numpy as np

    data = job["data"]
    images = np.load(data["train_images"], allow_pickle=False)
    labels = np.load(data["train_labels"], allow_pickle=False)
    if data.get("normalize", True):
        images = images.astype("float32") / 255.0
    return images, labels


def _save(model, name: str, send) -> dict:
    """Save a model to a file and send it; what is sent is judged by the grader, whatever this says."""
    try:
        path = Path(tempfile.mkdtemp()) / "model.keras"
        model.save(path)
        send(name, path.read_bytes())
        return {"saved": True}
    except BaseException as error:
        return {"saved": False, "error": student_code.describe_error(error)}


def build_model(namespace: dict, name: str, keras, send) -> dict:
    """Call the graded builder and send what it returns, untrained, as ``untrained.keras``."""
    try:
        model = namespace[name]()
    except BaseException as error:  # student code: report, never crash the harness
        return {"error": student_code.describe_error(error)}
    found = {"type": (type(model).__module__ + "." + type(model).__qualname__)[:300]}
    if not isinstance(model, keras.Model):
        return {**found, "keras_model": False}
    return {**found, "keras_model": True, **_save(model, "untrained.keras", send)}


def run_collect(job: dict, namespace: dict, keras, send) -> dict:
    """The assignment's ``probes.py`` ``collect(namespace, save_model[, data][, seed])``, in the student's process.

    ``save_model(name, model)`` sends a model file (``variant-<name>.keras``) for the grader to
    measure; ``data(split)`` gives the served (images, labels). What it returns is a claim.
    """
    import numpy as np

    def data(split: str):
        paths = job["data"]
        return (np.load(paths[f"{split}_images"], mmap_mode="r", allow_pickle=False), np.load(paths[f"{split}_labels"], mmap_mode="r", allow_pickle=False))

    def save_model(name: str, model) -> dict:
        if not isinstance(model, keras.Model):
            return {"saved": False, "type": type(model).__name__[:100]}
        return _save(model, f"variant-{name}.keras", send)

    module: dict = {"__name__": "assignment_probes"}
    try:
        exec(compile(Path(job["assignment_probes"]).read_text(), "probes.py", "exec"), module)
        collect = module["collect"]
        offered = {"data": data, "seed": job["seed"]}
        wanted = {key: value for key, value in offered.items() if key in inspect.signature(collect).parameters}
        keras.utils.set_random_seed(job["seed"])
        with contextlib.redirect_stdout(io.StringIO()):
            return collect(namespace, save_model, **wanted)
    except BaseException as error:  # the student's code raised inside a probe, or the probe is broken
        return {"probe_error": student_code.describe_error(error)}


def _call_training(function, images, labels):
    """``train(x, y)``, or ``train()`` for the generations whose training function loads its own data."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        parameters = None
    if parameters is not None and not any(p.default is p.empty and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) for p in parameters):
        return function()
    return function(images, labels)


def run_training(namespace: dict, name: str, job: dict, recorder, keras, send, capture: Capture) -> dict:
    already = [fit for fit in recorder.fits if fit["context"] == "training" and fit.get("finished")]
    if not already:
        images, labels = _load_data(job)
        keras.utils.set_random_seed(job["seed"])
        recorder.context = "training"
        try:
            with capture.cell("training"):
                _call_training(namespace[name], images, labels)
        except BaseException as error:
            return {"fits": recorder.fits, "error": student_code.describe_error(error)}
    graded = [index for index, fit in enumerate(recorder.fits) if fit["context"] == "training"]
    return _save_trained(recorder, graded[-1] if graded else None, send)


def lesson_fit(recorder, selection: str) -> int | None:
    """The recorded fit a lesson is graded on: the last one passed a callback (or simply the last)."""
    indices = list(range(len(recorder.fits)))
    if selection == "last_with_callback":
        indices = [index for index in indices if recorder.fits[index]["callbacks"]] or indices
    return indices[-1] if indices else None


def _save_trained(recorder, graded: int | None, send) -> dict:
    """Send the graded fit's model, only if that fit finished: a run that crashed scores no accuracy."""
    result = {"fits": recorder.fits, "graded_fit": graded, "model_saved": False}
    if graded is not None and recorder.fits[graded].get("finished"):
        saved = _save(recorder.models[graded], "model.keras", send)
        result["model_saved"] = saved["saved"]
        if "error" in saved:
            result["save_error"] = saved["error"]
    return result


def _student_callback(recorder, graded: int | None) -> str | None:
    """The student's own callback class passed to the graded fit: the one that stopped it, else the first."""
    if graded is None:
        return None
    classes = [type(callback).__name__ for callback in recorder.callbacks[graded] if recorder.is_student_class(type(callback))]
    stop = recorder.fits[graded].get("stop") or {}
    return next((name for name in classes if name == stop.get("by")), classes[0] if classes else None)


def main(job_path: str) -> int:
    job = json.loads(Path(job_path).read_text())
    send = Results().send
    observations = Observations(send)
    observations.record("started", True)
    submission = job["submission"]
    compiled, problem = student_code.translate(submission, job.get("translate_seconds", 30))
    if problem is not None:
        observations.record("translation", problem)
        return 0
    import keras
    from observe import FitRecorder

    adaptations = compat.Adaptations()
    compat.adapt_keras_2(keras, adaptations)
    compat.serve_load_data(job["data"].get("keras_name"), adaptations)
    pipelines.without_autotuning()  # no second-long pause at the start of an epoch (pipelines.py)

    roles = job["roles"]
    capture = Capture([name for names in roles.values() for name in names])
    capture.install(sys)
    sent = functools.partial(_send_json, send)

    def epoch_ended(record: dict) -> None:
        history = record["history"]
        _send_json(
            send,
            "event",
            {
                "kind": "epoch",
                "epoch": record["epochs_run"],
                "of": record["epochs_requested"],
                **{key: values[-1] for key, values in history.items() if key in ("accuracy", "loss") and values},
            },
        )
        capture.send(sent, now=False)

    def cell_done(index: int) -> None:
        _send_json(send, "cell", {"done": index})
        capture.send(sent, now=False)

    recorder = FitRecorder(keras, student_code.module_name(submission), adaptations, epoch_ended)
    recorder.install()
    keras.utils.set_random_seed(job["seed"])
    execution = student_code.execute(
        submission, compiled, recorder, roles.get("training", []), job["lesson"]["continue_after_errors"], cell_done=cell_done, capture=capture
    )
    capture.send(sent)
    observations.record("execution", execution.summary)
    namespace = execution.namespace
    names = {role: next((name for name in candidates if callable(namespace.get(name))), None) for role, candidates in roles.items()}
    observations.record("names", names)
    if names.get("model"):
        with contextlib.redirect_stdout(io.StringIO()):  # the builder's prints would only repeat the student's own
            observations.record("builder", build_model(namespace, names["model"], keras, send))
    if job.get("assignment_probes") and execution.ok:
        observations.record("claims", run_collect(job, namespace, keras, send))
    if not execution.ok:
        observations.record("compatibility", adaptations.found)
        return 0
    if names.get("training"):
        training = run_training(namespace, names["training"], job, recorder, keras, send, capture)
        capture.send(sent)
    elif job["lesson"].get("allowed", True):
        training = _save_trained(recorder, lesson_fit(recorder, job["lesson"]["fit"]), send)
    else:
        training = {"fits": recorder.fits, "graded_fit": None, "model_saved": False}
    observations.record("callback_class", names.get("callback") or _student_callback(recorder, training.get("graded_fit")))
    observations.record("compatibility", adaptations.found)
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
