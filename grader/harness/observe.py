"""Watch every Keras ``fit`` from inside the sandbox.

Records what each fit was asked to do and what it did: which model and optimizer it trained
(numbered in order of appearance), epochs requested and run, Keras's own steps per epoch and the
optimizer's step count after each epoch, the shape and value range of the training images, the
metric logs of every epoch (copied before any student callback can touch them), the callbacks
passed, and which one set ``stop_training`` (and whether its class is the student's own).

All of this happens in the student's own process, so the trusted side treats it as a claim and
checks it against what it measures itself: the saved model's optimizer step count, its own
accuracy, and the student's callback replayed alone. Imports nothing of the trusted grader.
"""

from __future__ import annotations

import functools
import inspect

FIT_LOG_KEYS_LIMIT = 32


def _plain(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def _largest(value):
    """The largest pixel value of the training images (tells whether they were scaled to [0, 1])."""
    try:
        import numpy as np

        array = value.numpy() if hasattr(value, "numpy") and not isinstance(value, np.ndarray) else value
        if isinstance(array, np.ndarray) and array.size and array.dtype.kind in "fiu":
            return _plain(array.max())
    except BaseException:
        pass
    return None


def _shape(value):
    shape = getattr(value, "shape", None)
    try:
        return [None if dim is None else int(dim) for dim in shape] if shape is not None else None
    except TypeError:
        return None


def _steps(optimizer):
    try:
        return int(optimizer.iterations.numpy())
    except BaseException:
        return None


class FitRecorder:
    """Patches ``keras.Model.fit``; ``fits`` holds one dict per call."""

    def __init__(self, keras, student_module: str, adaptations, on_epoch=lambda record: None):
        self.keras = keras
        self.student_module = student_module  # the __module__ of classes the student's code defines
        self.adaptations = adaptations
        self.on_epoch = on_epoch  # told of each epoch as it ends (live progress)
        self.fits: list[dict] = []
        self.models: list[object] = []
        self.callbacks: list[list[object]] = []  # per fit, the callback objects passed
        self.context = "execution"
        self._numbers: dict[int, int] = {}  # id() of a model or optimizer -> its number
        self._kept: list[object] = []  # keeps numbered objects alive, so their id() is never reused

    def is_student_class(self, cls) -> bool:
        return getattr(cls, "__module__", None) == self.student_module

    def number(self, thing) -> int | None:
        if thing is None:
            return None
        if id(thing) not in self._numbers:
            self._numbers[id(thing)] = len(self._numbers) + 1
            self._kept.append(thing)
        return self._numbers[id(thing)]

    def install(self) -> None:
        original = self.keras.Model.fit
        signature = inspect.signature(original)
        recorder = self

        @functools.wraps(original)
        def fit(model, *args, **kwargs):
            bound = signature.bind(model, *args, **kwargs)
            bound.apply_defaults()
            callbacks = recorder.adaptations.callbacks_list(bound.arguments.get("callbacks"))
            record = recorder._start(model, bound.arguments, callbacks)
            bound.arguments["callbacks"] = recorder._instrument(callbacks, model, record)
            try:
                return original(*bound.args, **bound.kwargs)
            except BaseException as error:
                record["error"] = {"type": type(error).__name__, "message": str(error)[:2000]}
                raise
            finally:
                record["finished"] = "error" not in record
                record["optimizer"] = recorder.number(getattr(model, "optimizer", None))

        self.keras.Model.fit = fit

    def _start(self, model, arguments, callbacks) -> dict:
        record = {
            "context": self.context,
            "model": self.number(model),
            "optimizer": self.number(getattr(model, "optimizer", None)),
            "epochs_requested": int(arguments.get("epochs") or 1),
            "initial_epoch": int(arguments.get("initial_epoch") or 0),
            "x_shape": _shape(arguments.get("x")),
            "x_max": _largest(arguments.get("x")),
            "steps_before": _steps(getattr(model, "optimizer", None)),
            "steps_per_epoch": None,
            "steps_after_epoch": [],
            "callbacks": [],
            "student_callbacks": [],
            "history": {},
            "epochs_run": 0,
            "stop": None,
        }
        self.fits.append(record)
        self.models.append(model)
        self.callbacks.append(list(callbacks))
        return record

    def _instrument(self, callbacks, model, record):
        keras = self.keras
        recorder = self

        class FirstWatcher(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                record["epochs_run"] += 1
                record["steps_per_epoch"] = (self.params or {}).get("steps", record["steps_per_epoch"])
                record["steps_after_epoch"].append(_steps(getattr(model, "optimizer", None)))
                for key, value in list((logs or {}).items())[:FIT_LOG_KEYS_LIMIT]:
                    record["history"].setdefault(str(key)[:64], []).append(_plain(value))
                recorder.on_epoch(record)

        class LastWatcher(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                if model.stop_training and record["stop"] is None:
                    record["stop"] = {"by": None, "student": False, "epoch": epoch + 1 - record["initial_epoch"], "method": None}

        for callback in callbacks:
            name = type(callback).__name__
            record["callbacks"].append(name)
            if self.is_student_class(type(callback)):
                record["student_callbacks"].append(name)
            for method in ("on_epoch_end", "on_train_batch_end", "on_batch_end"):
                recorder._watch(callback, method, model, record, name)
        return [FirstWatcher(), *callbacks, LastWatcher()]

    def _watch(self, callback, method, model, record, name) -> None:
        original = getattr(callback, method, None)
        if original is None:
            return
        student = self.is_student_class(type(callback))

        @functools.wraps(original)
        def watched(*args, **kwargs):
            before = bool(getattr(model, "stop_training", False))
            result = original(*args, **kwargs)
            if not before and getattr(model, "stop_training", False) and record["stop"] is None:
                epoch = record["epochs_run"] if method == "on_epoch_end" else record["epochs_run"] + 1
                record["stop"] = {"by": name, "student": student, "epoch": epoch, "method": method}
            return result

        try:
            setattr(callback, method, watched)
        except (AttributeError, TypeError):
            pass
