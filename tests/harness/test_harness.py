"""The sandbox-side harness, exercised in-process on tiny real Keras models."""

import ast
from pathlib import Path

import numpy as np
import pytest

from grader.harness import compat, student_code
from grader.harness.observe import FitRecorder

HARNESS = Path(student_code.__file__).parent


def test_harness_imports_nothing_of_the_trusted_grader():
    for path in HARNESS.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(name == "grader" or name.startswith("grader.") for name in names), (path.name, names)


class _Recorder:
    context = "execution"


def _submission(*sources, kind="notebook", required=()):
    cells = [{"index": i, "number": i + 2, "source": s, "filename": "/submission/answer.py"} for i, s in enumerate(sources)]
    return {"kind": kind, "cells": cells, "required_names": [[name] for name in required], "module_name": "answer"}


def execute(submission, recorder, training, continue_after_errors=False):
    compiled, problem = student_code.translate(submission, 10)
    assert problem is None, problem
    return student_code.execute(submission, compiled, recorder, training, continue_after_errors)


def test_a_syntax_error_is_found_before_anything_runs():
    compiled, problem = student_code.translate(_submission("a = 1", "def f(:\n  pass"), 10)
    assert compiled is None and problem["syntax_error"]["file"] == "<cell 3>" and problem["syntax_error"]["line"] == 1


def test_translating_magics_has_a_time_budget():
    bomb = "\n".join(f"%time x{i} = {i}" for i in range(4000))
    compiled, problem = student_code.translate(_submission(bomb), 0.05)
    assert compiled is None and problem == {"too_slow": 0.05}


def test_a_callback_process_runs_only_definitions():
    kept = student_code.definitions_only("import os\nTHRESHOLD = 0.88\nclass A: pass\nmodel.fit(x)\ncallbacks = A()\ndef f(): pass", "<cell 1>")
    namespace = {}
    for code in kept:
        exec(code, namespace)
    assert {"os", "THRESHOLD", "A", "f"} <= set(namespace) and "callbacks" not in namespace


def test_error_is_located_at_the_students_cell_and_line():
    execution = execute(_submission("a = 1", "b = 2\nc = undefined_name + 1\nd = 4"), _Recorder(), [])
    assert not execution.ok
    error = execution.summary["error"]
    assert (error["type"], error["file"], error["line"]) == ("NameError", "<cell 3>", 2)
    assert error["text"] == "c = undefined_name + 1"
    assert execution.summary["cells_run"] == 1  # the first cell ran, the second failed


def test_module_errors_name_the_file():
    execution = execute(_submission("x = 1\n\nraise ValueError('bad value')", kind="module"), _Recorder(), [])
    error = execution.summary["error"]
    assert (error["file"], error["line"], error["message"]) == ("/submission/answer.py", 3, "bad value")


def test_missing_graded_names_are_listed():
    execution = execute(_submission("def f(): pass"), _Recorder(), [])
    assert execution.ok
    execution = execute(_submission("def f(): pass", required=("f", "g")), _Recorder(), [])
    assert execution.ok and execution.summary["missing_names"] == ["g"]  # the run goes on: what is defined is graded


def test_a_lesson_goes_on_past_a_raising_cell_and_notes_it():
    lesson = _submission("a = 1", "model_without_flatten = 1 / 0", "b = a + 1")
    execution = execute(lesson, _Recorder(), [], continue_after_errors=True)
    assert execution.ok and execution.namespace["b"] == 2
    (entry,) = execution.summary["cell_errors"]
    assert entry["cell"] == 3 and entry["error"]["type"] == "ZeroDivisionError" and entry["error"]["line"] == 1
    stopped = execute(lesson, _Recorder(), [], continue_after_errors=False)
    assert not stopped.ok and "b" not in stopped.namespace


def test_an_alternative_graded_name_satisfies_its_role():
    submission = {**_submission("class myCallback: pass"), "required_names": [["EarlyStoppingCallback", "myCallback"]]}
    assert execute(submission, _Recorder(), []).ok


def test_magics_and_shell_escapes_run(capfd):
    execution = execute(_submission("!echo from-the-shell\n%time x = 41 + 1"), _Recorder(), [])
    assert execution.ok and execution.namespace["x"] == 42, execution.summary
    assert "from-the-shell" in capfd.readouterr().out


def test_exit_in_student_code_is_an_error_not_an_exit():
    execution = execute(_submission("import sys\nsys.exit(0)"), _Recorder(), [])
    assert not execution.ok and execution.summary["error"]["type"] == "SystemExit"


@pytest.fixture(scope="module")
def keras():
    import keras

    recorder = FitRecorder(keras, __name__, compat.Adaptations())  # classes this module defines play the student's
    original = keras.Model.fit
    recorder.install()
    yield keras, recorder
    keras.Model.fit = original


def _tiny_model(keras):
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_fit_records_epochs_logs_and_who_stopped(keras):
    keras, recorder = keras

    class StopAtSecondEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["accuracy"] = 1.0  # a forged log must not reach the observations
            if epoch == 1:
                self.model.stop_training = True

    x, y = np.zeros((8, 4), "float32"), np.array([0, 1] * 4)  # zeros in: accuracy is exactly 0.5
    recorder.fits.clear()
    _tiny_model(keras).fit(x, y, epochs=5, verbose=0, callbacks=[StopAtSecondEpoch()])
    fit = recorder.fits[-1]
    assert (fit["epochs_requested"], fit["epochs_run"], fit["x_shape"]) == (5, 2, [8, 4])
    assert fit["stop"] == {"by": "StopAtSecondEpoch", "student": True, "epoch": 2, "method": "on_epoch_end"}
    assert fit["x_max"] == 0.0
    assert fit["history"]["accuracy"] == [0.5, 0.5]
    assert fit["callbacks"] == ["StopAtSecondEpoch"] and fit["finished"]


def test_epoch_limit_leaves_no_stop_and_errors_are_recorded(keras):
    keras, recorder = keras
    x, y = np.zeros((8, 4), "float32"), np.zeros(8, "int64")
    recorder.fits.clear()
    _tiny_model(keras).fit(x, y, epochs=3, verbose=0)
    assert recorder.fits[-1]["stop"] is None and recorder.fits[-1]["epochs_run"] == 3

    class Broken(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise KeyError("acc")

    with pytest.raises(KeyError):
        _tiny_model(keras).fit(x, y, epochs=3, verbose=0, callbacks=[Broken()])
    assert recorder.fits[-1]["error"]["type"] == "KeyError" and not recorder.fits[-1]["finished"]


def test_fit_records_the_model_its_optimizer_and_keras_steps(keras):
    keras, recorder = keras
    x, y = np.zeros((100, 4), "float32"), np.zeros(100, "int64")
    recorder.fits.clear()
    model, other = _tiny_model(keras), _tiny_model(keras)
    model.fit(x, y, epochs=2, batch_size=32, verbose=0)
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    other.fit(x, y, epochs=1, batch_size=32, verbose=0)
    first, second, third = recorder.fits
    assert first["model"] == second["model"] != third["model"] and first["optimizer"] == second["optimizer"]
    assert first["steps_per_epoch"] == 4 and first["steps_after_epoch"] == [4, 8] and second["steps_after_epoch"] == [12]


def test_keras_2_callbacks_work_and_are_noted(keras):
    keras, recorder = keras
    adaptations = recorder.adaptations

    class Keras2Style(keras.callbacks.Callback):
        def set_model(self, model):
            self.model = model  # Keras 3 has no setter

        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = True

    compat.allow_model_assignment(keras, adaptations)
    recorder.fits.clear()
    _tiny_model(keras).fit(np.zeros((8, 4), "float32"), np.zeros(8, "int64"), epochs=3, verbose=0, callbacks=Keras2Style())  # bare, not a list
    assert recorder.fits[-1]["epochs_run"] == 1 and recorder.fits[-1]["stop"]["by"] == "Keras2Style"
    assert {entry["code"] for entry in adaptations.found} >= {"bare_callback", "model_assigned"}
