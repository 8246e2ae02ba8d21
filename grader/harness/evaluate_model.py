"""Measure the model files a submission's run produced, running no student code.

Usage: python evaluate_model.py JOB.json

Each model is loaded with Keras safe mode and no custom objects, so a model that needs the
student's code (a Lambda layer, a custom class) is refused instead of run. Its compile settings
and its optimizer's step count are read from the file itself (``config.json`` and the weights),
never from the student's process. An untrained model (what the graded builder returned) is
called on random images of the dataset's shape; a trained one is evaluated on the real held-out
images, which only this process sees, and on the training images. The assignment's own trusted
experiments (``probes.py``: ``measure``) run here too, on the variant models. Sends
``evaluation.json``. Imports nothing of the trusted grader.

The process starts while the student's code is still running: it imports Keras, maps the data
and, when a callback trial will follow, prepares its model (``probe_callback.prepare``: harness
code only), then waits until the grader puts the models in its job folder (``ready``) or calls
the evaluation off (``cancelled``).
"""

from __future__ import annotations

import inspect
import json
import os
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from channel import Results  # noqa: E402  (sibling module of the harness)

CONFIG_LIMIT = 5_000_000
MAX_PARAMS = 5_000_000  # larger models are described, not evaluated (docs/security.md: a lookup table of the training images)
CHANCE_SAMPLE = 2000


def _short(error: BaseException) -> str:
    return f"{type(error).__name__}: {str(error)[:1000]}"


def _metric(entry) -> str:
    """A compiled metric as ``keras:<name>`` when it is Keras's own, else ``custom:<class>``."""
    if isinstance(entry, str):
        return f"keras:{entry}"
    if isinstance(entry, dict):
        module = str(entry.get("module") or "")
        name = str((entry.get("config") or {}).get("name") or entry.get("class_name") or "")
        own = module.startswith("keras.") and not entry.get("registered_name")
        return f"{'keras' if own else 'custom'}:{name}:{entry.get('class_name')}"
    return "custom:?"


def compile_settings(path: str) -> dict:
    """The compile settings and optimizer step count stored in a .keras file, read as data."""
    found: dict = {"compiled": False, "loss": None, "metrics": [], "optimizer": None, "optimizer_steps": 0}
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("config.json")
        if info.file_size > CONFIG_LIMIT:
            raise ValueError("config.json is too large")
        config = json.loads(archive.read("config.json"))
        compiled = config.get("compile_config") if isinstance(config, dict) else None
        if isinstance(compiled, dict):
            loss = compiled.get("loss")
            optimizer = compiled.get("optimizer")
            metrics = compiled.get("metrics") or []
            found.update(
                compiled=optimizer is not None,
                loss=loss if isinstance(loss, str) else _metric(loss),
                optimizer=optimizer if isinstance(optimizer, str) else (optimizer or {}).get("class_name"),
                metrics=[_metric(entry) for entry in (metrics if isinstance(metrics, list) else [metrics])][:20],
            )
        if "model.weights.h5" in archive.namelist():
            import h5py

            with tempfile.TemporaryDirectory() as scratch:
                weights = archive.extract("model.weights.h5", scratch)
                with h5py.File(weights, "r") as store:
                    if "optimizer/vars/0" in store:
                        found["optimizer_steps"] = int(store["optimizer/vars/0"][()])
    return found


def _batches(model, images, form: dict, image_shape, batch_size: int = 2000):
    import numpy as np

    shape = form.get("shape") or image_shape
    for start in range(0, len(images), batch_size):
        batch = (images[start : start + batch_size].astype("float32") * form.get("scale", 1 / 255)).reshape(-1, *shape)
        yield start, np.asarray(model(batch, training=False), dtype="float64").reshape(len(batch), -1)


def accuracy_and_loss(model, images, labels, form: dict, image_shape) -> tuple[float, float | None]:
    """Accuracy and mean cross-entropy; the loss reads the outputs as probabilities when they are, else as logits."""
    import numpy as np

    correct, loss = 0, 0.0
    for start, output in _batches(model, images, form, image_shape):
        truth = labels[start : start + len(output)]
        correct += int((output.argmax(axis=-1) == truth).sum())
        probabilities = output
        if not (output.min() >= 0 and np.allclose(output.sum(axis=-1), 1, atol=1e-3)):
            shifted = np.exp(output - output.max(axis=-1, keepdims=True))
            probabilities = shifted / shifted.sum(axis=-1, keepdims=True)
        if probabilities.shape[-1] > int(truth.max()):
            loss += float(-np.log(np.clip(probabilities[np.arange(len(truth)), truth], 1e-7, 1)).sum())
        else:
            loss = float("nan")
    mean = loss / len(images)
    return correct / len(images), (mean if np.isfinite(mean) else None)


def _aliases(keras) -> dict:
    """TensorFlow's own activations under the names Keras saves them by (``activation=tf.nn.softmax``
    is saved as the function ``softmax_v2``), mapped to Keras' built-ins: no student code."""
    activations = keras.activations
    return {"softmax_v2": activations.softmax, "log_softmax_v2": activations.log_softmax}


def load(keras, path: str):
    return keras.saving.load_model(path, compile=False, safe_mode=True, custom_objects=_aliases(keras))


def describe(model) -> dict:
    layers = []
    for layer in model.layers[:200]:
        units = getattr(layer, "units", None)
        layers.append({"class": type(layer).__name__, "units": units if isinstance(units, int) else None})
    try:
        output_shape = [None if dim is None else int(dim) for dim in model.output_shape]
    except (AttributeError, TypeError, ValueError):
        output_shape = None
    return {"params": int(model.count_params()), "layers": layers, "output_shape": output_shape}


def call(model, image_shape, seed: int) -> dict:
    """The model on two random images of the dataset's shape: output shape, and whether rows are probabilities."""
    import numpy as np

    images = np.random.default_rng(seed).random((2, *image_shape), dtype="float32")
    try:
        output = np.asarray(model(images, training=False), dtype="float64")
    except BaseException as error:
        return {"call_error": _short(error)}
    rows = output.reshape(2, -1)
    finite = bool(np.isfinite(rows).all())
    return {"call_shape": list(output.shape), "probabilities": finite and bool(rows.min() >= 0) and bool(np.allclose(rows.sum(axis=-1), 1, atol=1e-3))}


def measure(job: dict, spec: dict, arrays: dict, keras) -> dict:
    """What one model file is: loaded or refused, its compile settings, and the measurements its role asks for."""
    path, role, form = spec["file"], spec["role"], spec.get("form") or {}
    try:
        result: dict = {"loaded": True, **compile_settings(path)}
        model = load(keras, path)
    except BaseException as error:  # the model file is untrusted input
        return {"loaded": False, "load_error": _short(error)}
    result.update(describe(model))
    if result["params"] > MAX_PARAMS:
        return {**result, "evaluate_error": f"the model has {result['params']:,} parameters; the grader measures models of up to {MAX_PARAMS:,}"}
    image_shape = job["image_shape"]
    if role in ("untrained", "variant"):
        result.update(call(model, image_shape, job["seed"]))
    try:
        if role == "untrained" and "call_error" not in result and "test" in arrays:
            images, labels = arrays["test"]
            result["held_out_accuracy"] = accuracy_and_loss(model, images[:CHANCE_SAMPLE], labels[:CHANCE_SAMPLE], {"scale": 1 / 255}, image_shape)[0]
        if role == "trained":
            for split, (images, labels) in arrays.items():
                accuracy, loss = accuracy_and_loss(model, images, labels, form, image_shape)
                result[f"{'held_out' if split == 'test' else 'train'}_accuracy"] = accuracy
                result[f"{split}_loss"] = loss
    except BaseException as error:
        result["evaluate_error"] = _short(error)
    return result


def _arrays(data: dict) -> dict:
    """The real data, mapped; the held-out images are paged in while the student's code runs.

    The training images are not touched until they are measured: the student's run has just read
    the same file, so they are in the page cache, and mapping them in now would only add their
    60,000 × 784 bytes to this process while the student's model trains.
    """
    import numpy as np

    arrays = {}
    for split in ("test", "train"):
        images = np.load(data[f"{split}_images"], mmap_mode="r", allow_pickle=False)
        arrays[split] = (images, np.asarray(np.load(data[f"{split}_labels"], mmap_mode="r", allow_pickle=False)))
    int(arrays["test"][0].sum(dtype="uint64"))  # read the held-out file now, not after training
    return arrays


def assignment_measure(job: dict, files: dict, arrays: dict, keras) -> dict | None:
    """The assignment's trusted experiments: ``measure(model[, data][, served][, seed][, keras][, file])`` of its probes.py.

    ``model(name)`` loads the variant ``name`` the student's run sent (safe mode; None when there is none),
    ``file(name)`` is the path of its file (None when there is none: read it as data, never load it unsafely),
    ``data(split)`` the real (images, labels), ``served(split)`` those the student's sandbox got.
    """
    if not job.get("assignment_probes"):
        return None
    module: dict = {"__name__": "assignment_measure"}
    exec(compile(Path(job["assignment_probes"]).read_text(), "probes.py", "exec"), module)
    function = module.get("measure")
    if function is None:
        return None

    def model(name: str):
        return load(keras, files[name]) if name in files else None

    import numpy as np

    def served(split: str):
        paths = job["served"]
        return (
            np.load(paths[f"{split}_images"], mmap_mode="r", allow_pickle=False),
            np.asarray(np.load(paths[f"{split}_labels"], mmap_mode="r", allow_pickle=False)),
        )

    offered = {"data": lambda split: arrays[split], "served": served, "seed": job["seed"], "keras": keras, "file": files.get}
    wanted = {key: value for key, value in offered.items() if key in inspect.signature(function).parameters}
    keras.utils.set_random_seed(job["seed"])
    try:
        return function(model, **wanted)
    except BaseException as error:  # instructor code on a student's model: a value, not a crash
        return {"measure_error": _short(error)}


def finite(value):
    """JSON-safe: non-finite floats become None, at any depth."""
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, dict):
        return {str(key): finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value


def _end_when_called_off(job: dict) -> None:
    """Exit at once, even mid-import, when the grader calls the evaluation off."""
    cancelled = Path(job["cancelled"])

    def watch() -> None:
        while not cancelled.exists():
            time.sleep(0.02)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def main(job_path: str) -> int:
    job = json.loads(Path(job_path).read_text())
    _end_when_called_off(job)
    import keras

    keras.utils.set_random_seed(job.get("seed", 0))
    arrays = _arrays(job["data"])
    send = Results().send
    early: dict = {}
    prepared = None  # the callback trial's model and data, fitted once while the student's code trains
    ready, untrained_ready = Path(job["ready"]), Path(job["untrained_ready"])
    while True:  # the untrained model may arrive while the student's code still trains, or just before ready
        done = ready.exists()
        if untrained_ready.exists() and not early:
            early = {"untrained": measure(job, {"file": job["untrained"], "role": "untrained"}, arrays, keras)}
            send("early.json", json.dumps({"models": early}, allow_nan=False, default=str).encode())
        if done:
            break
        if prepared is None and job.get("trial_classes"):
            import probe_callback  # harness code only: no student code runs before the measurements are sent

            prepared = probe_callback.prepare(keras, job["image_shape"], job["trial_classes"], job["seed"])
            continue
        time.sleep(0.02)
    manifest = json.loads(Path(job["manifest"]).read_text())
    files = {spec["name"]: spec["file"] for spec in manifest["models"]}
    result = {"models": {**early, **{spec["name"]: measure(job, spec, arrays, keras) for spec in manifest["models"]}}}
    result["assignment"] = finite(
        assignment_measure(job, {name[len("variant-") :]: path for name, path in files.items() if name.startswith("variant-")}, arrays, keras)
    )
    send("evaluation.json", json.dumps(result, allow_nan=False, default=str).encode())
    # Sealed: the grader keeps the first evaluation.json only. From here on the student's definitions may run.
    if manifest.get("trial"):
        import probe_callback

        trial = probe_callback.trial(json.loads(Path(manifest["trial"]).read_text()), prepared)
        send("callback.json", json.dumps(trial, allow_nan=False, default=str).encode())
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1])
    sys.stdout.flush()
    os._exit(code)  # no finalizer of the student's definitions runs after the last frame
