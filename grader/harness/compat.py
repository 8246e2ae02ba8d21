"""Keras 2 code that was right on its day, made to work under Keras 3, each adaptation noted.

Only where the old meaning is unambiguous:

- ``fit(..., callbacks=my_callback)``: a bare callback object, not a list (``bare_callback``);
- ``self.model = model`` in a callback, which Keras 3's read-only property refuses (``model_assigned``);
- ``mnist.load_data(path=...)`` given the path of a file the assignment provides, which Keras 3
  refuses (``load_data_path``), also when it was built with a Windows backslash (``backslash_path``).

Each adaptation is recorded with the student's cell (or file) and line, for the report's notes.
Imports nothing of the trusted grader.
"""

from __future__ import annotations

import os
import traceback


class Adaptations:
    """What was adapted, where: at most one note per code and place."""

    def __init__(self) -> None:
        self.found: list[dict] = []

    def note(self, code: str) -> None:
        frames = [frame for frame in traceback.extract_stack()[:-1] if frame.filename.startswith(("<cell ", "/submission/"))]
        where = frames[-1] if frames else None
        entry = {"code": code, "file": where.filename if where else None, "line": where.lineno if where else None,
                 "text": (where.line or "").strip()[:300] if where else None}
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
