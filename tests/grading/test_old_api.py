"""Old TensorFlow 1 and Keras 2 idioms are named with their cell, line and what to write instead."""

from __future__ import annotations

import pytest

from grader.grading import old_api as legacy_api
from grader.grading.load import load
from grader.grading.observations import StudentError
from grader.text import messages


def notebook(tmp_path, *sources):
    import nbformat

    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Week 2"), *map(nbformat.v4.new_code_cell, sources)])
    path = tmp_path / "copy.ipynb"
    nbformat.write(book, path)
    return load(path)


@pytest.mark.parametrize(
    "line, advice",
    [
        ("    if(logs.get('acc')>0.99):", "Write logs.get('accuracy')"),
        ('    if logs["acc"] > 0.6:', "log it as 'accuracy'"),
        ("return history.epoch, history.history['acc'][-1]", "log it as 'accuracy'"),
        ("model.compile(optimizer=tf.train.AdamOptimizer(), loss='sparse_categorical_crossentropy')", "tf.keras.optimizers.Adam()"),
        ("model.compile(optimizer=tf.keras.optimizers.RMSprop(lr=0.001), loss='mse')", "learning_rate"),
        ("model.fit_generator(train_generator, epochs=15)", "removed fit_generator"),
        ("classes = model.predict_classes(x)", "np.argmax(model.predict(x), axis=-1)"),
        ("sess = tf.Session()", "graph API"),
        ("model.compile(optimizer='adam', metrics=['acc'])", "Write metrics=['accuracy']"),
        ('path = "C:\\\\Users\\\\ana\\\\Downloads\\\\mnist.npz"', "Windows path"),
    ],
)
def test_each_old_idiom_is_found_at_its_cell_and_line(tmp_path, line, advice):
    body = f"def on_epoch_end(logs):\n{line}\n        pass" if line.startswith(" ") else f"x = 1\n{line}"
    submission = notebook(tmp_path, "import tensorflow as tf", body)
    (finding,) = legacy_api.scan(submission)
    assert finding.where == "cell 3, line 2" and finding.text == line.strip() and advice in finding.advice


def test_current_code_and_comments_raise_nothing(tmp_path):
    submission = notebook(
        tmp_path,
        "if logs.get('accuracy') >= 0.98:  # TF1 used logs.get('acc')\n    pass",
        "opt = tf.keras.optimizers.Adam(learning_rate=0.001)",
        "# model.fit_generator(gen)",
    )
    assert legacy_api.scan(submission) == ()


def test_a_module_names_its_file(tmp_path):
    path = tmp_path / "answer.py"
    path.write_text("import tensorflow as tf\nopt = tf.train.GradientDescentOptimizer(0.1)\n")
    (finding,) = legacy_api.scan(load(path))
    assert finding.where == "answer.py, line 2"


@pytest.mark.parametrize(
    "text, advice",
    [
        ('data = np.load("C:\\\\Users\\\\ana\\\\mnist.npz")', "Windows path"),
        ("(x, y), _ = mnist.load_data(path='/content/drive/MyDrive/mnist.npz')", "absolute path from your own machine"),
    ],
)
def test_a_file_opened_by_a_path_from_the_students_machine_gets_path_advice(tmp_path, text, advice):
    error = StudentError("FileNotFoundError", "No such file or directory", "<cell 4>", 2, text)
    message = messages.student_error(notebook(tmp_path, "x = 1"), error)
    assert advice in message and "cell 4, line 2" in message


@pytest.mark.parametrize(
    "kind, text, advice",
    [
        ("TypeError", "'>' not supported between instances of 'NoneType' and 'float'", "Keras 3 logs 'accuracy' and 'loss'"),
        ("ValueError", "Argument(s) not recognized: {'lr': 0.001}", "lr to learning_rate"),
        ("AttributeError", "module 'tensorflow._api.v2.train' has no attribute 'AdamOptimizer'", "tf.keras.optimizers.Adam()"),
    ],
)
def test_errors_of_old_idioms_say_what_changed(kind, text, advice):
    assert advice in messages.hint(kind, text)


def test_an_idiom_the_run_adapted_on_that_line_gets_only_the_adaptations_note(tmp_path):
    from grader.grading.observations import Adaptation

    submission = notebook(
        tmp_path,
        "opt = tf.keras.optimizers.Adam(lr=0.001)\nhistory = model.fit_generator(gen, epochs=5)",
        "model.compile(optimizer=tf.keras.optimizers.SGD(lr=0.1), metrics=['acc'])",
    )
    adapted = (
        Adaptation("optimizer_lr", "<cell 2>", 1, "opt = ..."),
        Adaptation("fit_generator", "<cell 2>", 2, "history = ..."),
        Adaptation("optimizer_lr", "<cell 3>", 1, "model.compile(...)"),
    )
    (finding,) = legacy_api.scan(submission, adapted)
    assert finding.where == "cell 3, line 1" and "Write metrics=['accuracy']" in finding.advice  # the line's other idiom stays
    assert len(legacy_api.scan(submission)) == 3  # a cell the run never reached keeps its advice


def test_an_adaptation_in_a_module_is_matched_by_its_file_name(tmp_path):
    from grader.grading.observations import Adaptation

    path = tmp_path / "answer.py"
    path.write_text("import numpy as np\nclasses = model.predict_classes(x)\n")
    assert legacy_api.scan(load(path), (Adaptation("predict_classes", "/submission/answer.py", 2, None),)) == ()
    assert len(legacy_api.scan(load(path), (Adaptation("predict_classes", "/submission/answer.py", 3, None),))) == 1


def test_the_decay_idiom_is_found_and_weight_decay_is_not(tmp_path):
    found = legacy_api.scan(notebook(tmp_path, "opt = Adam(learning_rate=0.01, decay=1e-6)\nopt = AdamW(weight_decay=0.004)"))
    assert [finding.where for finding in found] == ["cell 2, line 1"] and "InverseTimeDecay" in found[0].advice
