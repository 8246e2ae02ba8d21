"""Keras 2 code that was right on its day, made to work under Keras 3, each adaptation noted.

"Its day" is Keras 2 as TensorFlow 2.0–2.15 shipped it (``tf.keras``), the notebooks of 2019–2023.
Only what Keras 2 accepted, Keras 3 refuses (or silently reads otherwise) and whose old meaning is
unambiguous is adapted; each is recorded under a code with the student's cell (or file) and line:

- ``fit(..., callbacks=my_callback)``: a bare callback object, not a list (``bare_callback``);
- ``self.model = model`` in a callback, which Keras 3's read-only property refuses (``model_assigned``);
- ``mnist.load_data(path=...)`` given the path of a file the assignment provides, which Keras 3
  refuses (``load_data_path``), also when it was built with a Windows backslash (``backslash_path``);
- an optimizer's ``lr=`` (``optimizer_lr``), ``epsilon=None`` (``optimizer_epsilon``: Keras 2 read
  it as its default, 1e-7) and ``decay=`` (``optimizer_decay``: Keras 2 divided the learning rate by
  ``1 + decay * step``; Keras 3 ignores the argument with a warning);
- ``fit_generator``, ``evaluate_generator``, ``predict_generator``: ``fit``, ``evaluate`` and
  ``predict``, which read generators themselves (codes by the method's name);
- ``Sequential.predict_classes`` and ``predict_proba`` (codes by the method's name);
- ``workers``, ``use_multiprocessing`` and ``max_queue_size`` given to ``fit``, ``evaluate`` or
  ``predict``, which only tuned how batches were loaded (``loader_arguments``);
- ``compile(optimizer, loss, ["accuracy"])``: Keras 2's third parameter was ``metrics``, Keras 3's
  is ``loss_weights``, whose fit then fails on a string (``compile_metrics_position``). Adapted only
  when that argument holds no number, which a loss weight always is.

TensorFlow 1 idioms (``tf.train.AdamOptimizer``, the ``'acc'`` logs key) already failed under
TensorFlow 2's Keras 2: they stay errors. Imports nothing of the trusted grader.
"""

from __future__ import annotations

import functools
import inspect
import numbers
import os
import traceback

KERAS_2_EPSILON = 1e-7  # keras.backend.epsilon(): what Keras 2 optimizers used for epsilon=None
LOADER_ARGUMENTS = ("workers", "use_multiprocessing", "max_queue_size")  # Keras 3 moved them to keras.utils.PyDataset
OPTIMIZERS = ("SGD", "RMSprop", "Adam", "AdamW", "Adadelta", "Adagrad", "Adamax", "Nadam", "Ftrl")
ADAPTED = "__keras_2_adapted__"  # marks what this module installed, so that installing twice changes nothing


class Adaptations:
    """What was adapted, where: at most one note per code and place."""

    def __init__(self) -> None:
        self.found: list[dict] = []

    def note(self, code: str) -> None:
        frames = [frame for frame in traceback.extract_stack()[:-1] if frame.filename.startswith(("<cell ", "/submission/"))]
        where = frames[-1] if frames else None
        entry = {
            "code": code,
            "file": where.filename if where else None,
            "line": where.lineno if where else None,
            "text": (where.line or "").strip()[:300] if where else None,
        }
        if entry not in self.found and len(self.found) < 50:
            self.found.append(entry)

    def callbacks_list(self, value):
        """The callbacks a fit was given, as a list; a bare callback object is wrapped (Keras 2 accepted it)."""
        if value is None:
            return []
        if isinstance(value, (list, tuple)):
            return list(value)
        if hasattr(value, "on_epoch_end") or hasattr(value, "set_model"):
            self.note("bare_callback")
            return [value]
        return value  # not a callback: Keras raises its own error

    def without_loader_arguments(self, kwargs: dict) -> dict:
        """``kwargs`` without Keras 2's data-loading arguments, which Keras 3's fit, evaluate and predict refuse."""
        if not any(name in kwargs for name in LOADER_ARGUMENTS):
            return kwargs
        self.note("loader_arguments")
        return {name: value for name, value in kwargs.items() if name not in LOADER_ARGUMENTS}


def adapt_keras_2(keras, adaptations: Adaptations) -> None:
    """Everything this module adapts in Keras itself, installed before student code runs.

    ``fit``'s arguments (a bare callback, the loader arguments) are adapted where the harness
    observes each fit (``observe.FitRecorder``); data paths by ``serve_load_data``.
    """
    allow_model_assignment(keras, adaptations)
    accept_optimizer_arguments(keras, adaptations)
    restore_generator_methods(keras, adaptations)
    restore_sequential_predictions(keras, adaptations)
    drop_loader_arguments(keras, adaptations)
    accept_metrics_third(keras, adaptations)


def _install(owner, name: str, value) -> None:
    setattr(value, ADAPTED, True)
    setattr(owner, name, value)


def _installed(owner, name: str) -> bool:
    return getattr(owner.__dict__.get(name), ADAPTED, False)


def allow_model_assignment(keras, adaptations: Adaptations) -> None:
    """Give ``Callback.model`` a setter, as Keras 2 had one."""
    callback = keras.callbacks.Callback
    prop = callback.__dict__.get("model")
    if not isinstance(prop, property) or prop.fset is not None:
        return

    def set_model(self, value):
        adaptations.note("model_assigned")
        self._model = value

    callback.model = property(prop.fget, set_model, prop.fdel, prop.__doc__)


def accept_optimizer_arguments(keras, adaptations: Adaptations) -> None:
    """Keras 2's ``lr=``, ``epsilon=None`` and ``decay=`` for every built-in optimizer, with their Keras 2 meaning."""
    for name in OPTIMIZERS:
        optimizer = getattr(keras.optimizers, name, None)
        if optimizer is not None and "__init__" in optimizer.__dict__ and not _installed(optimizer, "__init__"):
            _install(optimizer, "__init__", _keras_2_arguments(optimizer.__init__, keras, adaptations))


def _keras_2_arguments(init, keras, adaptations: Adaptations):
    signature = inspect.signature(init)

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        if "lr" in kwargs:  # Keras 2: lr, when given, is the learning rate
            adaptations.note("optimizer_lr")
            kwargs["learning_rate"] = kwargs.pop("lr")
        if "epsilon" in kwargs and kwargs["epsilon"] is None:
            adaptations.note("optimizer_epsilon")
            kwargs["epsilon"] = KERAS_2_EPSILON
        decay = kwargs.pop("decay", None)
        bound = signature.bind(self, *args, **kwargs)
        default = signature.parameters.get("learning_rate")
        rate = bound.arguments.get("learning_rate", default.default if default else None)
        if _positive(decay) and _positive(rate):
            adaptations.note("optimizer_decay")
            bound.arguments["learning_rate"] = keras.optimizers.schedules.InverseTimeDecay(float(rate), decay_steps=1, decay_rate=float(decay))
        elif decay is not None:
            bound.arguments.setdefault("kwargs", {})["decay"] = decay  # Keras 3's own warning: ignored
        init(*bound.args, **bound.kwargs)

    return __init__


def _positive(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and value > 0


def restore_generator_methods(keras, adaptations: Adaptations) -> None:
    """Keras 2's ``fit_generator``, ``evaluate_generator`` and ``predict_generator``, as the calls TensorFlow 2 made of them."""
    model = keras.Model
    if _installed(model, "fit_generator"):
        return

    def fit_generator(
        self,
        generator,
        steps_per_epoch=None,
        epochs=1,
        verbose=1,
        callbacks=None,
        validation_data=None,
        validation_steps=None,
        validation_freq=1,
        class_weight=None,
        max_queue_size=10,
        workers=1,
        use_multiprocessing=False,
        shuffle=True,
        initial_epoch=0,
    ):
        adaptations.note("fit_generator")
        return self.fit(
            generator,
            steps_per_epoch=steps_per_epoch,
            epochs=epochs,
            verbose=verbose,
            callbacks=callbacks,
            validation_data=validation_data,
            validation_steps=validation_steps,
            validation_freq=validation_freq,
            class_weight=class_weight,
            shuffle=shuffle,
            initial_epoch=initial_epoch,
        )

    def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1, use_multiprocessing=False, verbose=0):
        adaptations.note("evaluate_generator")
        return self.evaluate(generator, steps=steps, callbacks=callbacks, verbose=verbose)

    def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1, use_multiprocessing=False, verbose=0):
        adaptations.note("predict_generator")
        return self.predict(generator, steps=steps, callbacks=callbacks, verbose=verbose)

    for method in (fit_generator, evaluate_generator, predict_generator):
        _install(model, method.__name__, method)


def restore_sequential_predictions(keras, adaptations: Adaptations) -> None:
    """Keras 2's ``Sequential.predict_classes`` and ``predict_proba``."""
    sequential = keras.Sequential
    if _installed(sequential, "predict_classes"):
        return

    def predict_classes(self, x, batch_size=32, verbose=0):
        adaptations.note("predict_classes")
        probabilities = self.predict(x, batch_size=batch_size, verbose=verbose)
        if probabilities.shape[-1] > 1:
            return probabilities.argmax(axis=-1)
        return (probabilities > 0.5).astype("int32")

    def predict_proba(self, x, batch_size=32, verbose=0):
        adaptations.note("predict_proba")
        return self.predict(x, batch_size=batch_size, verbose=verbose)

    _install(sequential, "predict_classes", predict_classes)
    _install(sequential, "predict_proba", predict_proba)


def drop_loader_arguments(keras, adaptations: Adaptations) -> None:
    """``evaluate`` and ``predict`` accept Keras 2's loader arguments and pass them over (``fit``: ``observe.FitRecorder``)."""
    for name in ("evaluate", "predict"):
        if not _installed(keras.Model, name):
            _install(keras.Model, name, _without_loader_arguments(getattr(keras.Model, name), adaptations))


def _without_loader_arguments(method, adaptations: Adaptations):
    @functools.wraps(method)
    def adapted(self, *args, **kwargs):
        return method(self, *args, **adaptations.without_loader_arguments(kwargs))

    return adapted


def accept_metrics_third(keras, adaptations: Adaptations) -> None:
    """Keras 2's ``compile(optimizer, loss, metrics, loss_weights, ...)``: Keras 3 put ``loss_weights`` third.

    Installed on the class that defines ``compile`` (Keras's ``Trainer``), not on ``Model``: Keras
    compiles a loaded model only when ``compile`` is not overridden.
    """
    model = next(owner for owner in keras.Model.__mro__ if "compile" in owner.__dict__)
    if _installed(model, "compile"):
        return
    original = model.compile

    @functools.wraps(original)
    def compile(self, *args, **kwargs):
        if len(args) >= 3 and "metrics" not in kwargs and _names_metrics(args[2]):
            adaptations.note("compile_metrics_position")
            args = (*args[:2], args[3] if len(args) > 3 else None, args[2], *args[4:])
        return original(self, *args, **kwargs)

    _install(model, "compile", compile)


def _names_metrics(value) -> bool:
    """Whether a third argument of compile is Keras 2's metrics: a list or dict with no number in it (loss weights are numbers)."""
    items = list(value.values()) if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else None
    return bool(items) and not any(isinstance(item, numbers.Real) for item in items)


def serve_load_data(keras_name: str | None, adaptations: Adaptations) -> None:
    """Let every generation's ``<dataset>.load_data`` find the provided file, without a download or hash check.

    The served file is never the official one (its test split is a stand-in), so the SHA-256 Keras
    knows would not match: the check is lifted. Keras 3 refuses a path in ``load_data(path=...)``
    (the 2019 notebooks pass ``f"{getcwd()}/../tmp2/mnist.npz"``): an existing file given by path is
    read as Keras 2 did, a Windows backslash read as a slash.
    """
    if keras_name is None:
        return
    import importlib

    try:
        module = importlib.import_module(f"keras.src.datasets.{keras_name}")
    except ImportError:
        return
    original = getattr(module, "get_file", None)
    if original is None:
        return

    def get_file(fname=None, origin=None, file_hash=None, **kwargs):
        if fname and ("/" in fname or "\\" in fname or os.path.isabs(fname)):
            candidate = fname.replace("\\", "/")
            if os.path.isfile(candidate):
                adaptations.note("backslash_path" if "\\" in fname else "load_data_path")
                return candidate
        return original(fname=fname, origin=origin, file_hash=None, **kwargs)

    module.get_file = get_file
