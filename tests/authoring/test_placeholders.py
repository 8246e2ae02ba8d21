"""The course's placeholders: what each kind of line of a `### START CODE HERE ###` region becomes."""

from __future__ import annotations

from textwrap import dedent

import pytest

from grader.authoring.assign import starter_cell
from grader.authoring.markers import MarkerError


def starter(source: str) -> str:
    return starter_cell(dedent(source).strip("\n"), 3)


def test_a_sequential_keeps_its_frame_and_each_layer_becomes_none():
    made = starter("""
        def create():
            ### START CODE HERE ###
            model = tf.keras.models.Sequential([
                tf.keras.Input(shape=(28, 28)),  # @KEEP
                tf.keras.layers.Flatten(),
                tf.keras.layers.Dense(
                    128, activation="relu",
                ),
                # the output layer
                tf.keras.layers.Dense(10, activation="softmax")
            ])
            ### END CODE HERE ###
            return model
    """)
    assert made == dedent("""
        def create():
            ### START CODE HERE ###
            model = tf.keras.models.Sequential([
                tf.keras.Input(shape=(28, 28)),
                None,
                None,
                # the output layer
                None
            ])
            ### END CODE HERE ###
            return model
    """).strip("\n")


def test_keyword_arguments_keep_their_names():
    made = starter("""
        ### START CODE HERE ###
        model.compile(
            optimizer="adam",  # the usual one
            loss = "sparse_categorical_crossentropy",
            metrics=["accuracy"]
        )
        ### END CODE HERE ###
    """)
    assert made.split("\n")[2:5] == ["    optimizer=None,  # the usual one", "    loss = None,", "    metrics=None"]


def test_conditions_assignments_and_headers():
    made = starter("""
        class Stop(tf.keras.callbacks.Callback):
            ### START CODE HERE ###
            def on_epoch_end(self, epoch, logs=None):
                if logs["accuracy"] >= 0.88:  # the threshold
                    self.model.stop_training = True
                    print("\\nReached 88% accuracy so cancelling training!")
                elif (logs["loss"] > 10 and
                      epoch > 2):
                    self.fails += 1
            ### END CODE HERE ###
    """)
    assert made.split("\n")[2:9] == [
        "    def on_epoch_end(self, epoch, logs=None):",
        "        if None:  # the threshold",
        "            self.model.stop_training = None",
        '            print("\\nReached 88% accuracy so cancelling training!")',
        "        elif None:",
        "            self.fails += None",
        "    ### END CODE HERE ###",
    ]


def test_an_assignment_keeps_its_comment_and_a_string_holding_a_hash_is_not_one():
    made = starter("""
        ### START CODE HERE ###
        ANSWER = "more_parameters"  # "more_parameters" or "fewer_parameters"
        LABEL = "#1 # @KEEP"
        ### END CODE HERE ###
    """)
    assert made.split("\n")[1:3] == ['ANSWER = None  # "more_parameters" or "fewer_parameters"', "LABEL = None"]


def test_tags_replace_omit_and_keep_whole_statements():
    made = starter("""
        def train(x, y):
            ### START CODE HERE ###
            model = create()  # @KEEP
            history = model.fit(x, y, epochs=10, verbose=2)  # @REPLACE EQUALS model.fit(x, y, epochs=None)
            layers = [  # @REPLACE EQUALS None
                Dense(10),
            ]
            model.summary()  # @OMIT
            # a hint for the grader's eyes only  # @OMIT
            model.compile(optimizer="adam",  # @REPLACE
                          loss="mse")
            # Loss: which?  # @REPLACE # Which loss suits integer labels?
            ### END CODE HERE ###
            return history
    """)
    assert made.split("\n")[2:8] == [
        "    model = create()",
        "    history = model.fit(x, y, epochs=None)",
        "    layers = None",
        "",
        "    # Which loss suits integer labels?",
        "    ### END CODE HERE ###",
    ]


def test_code_outside_regions_and_other_statements_are_kept():
    source = dedent("""
        import tensorflow as tf
        x = 1  # outside: kept
        ### START CODE HERE ###
        return_value = compute()
        pass
        for epoch in range(3):
            log(epoch)
        ### END CODE HERE ###
        y = x
    """).strip("\n")
    assert starter_cell(source, 1).split("\n") == [
        "import tensorflow as tf",
        "x = 1  # outside: kept",
        "### START CODE HERE ###",
        "return_value = None",
        "pass",
        "for epoch in range(3):",
        "    log(epoch)",
        "### END CODE HERE ###",
        "y = x",
    ]


def test_ipython_magics_do_not_stop_a_cell_being_read():
    made = starter("""
        %matplotlib inline
        !pip list
        ### START CODE HERE ###
        x = 5
        ### END CODE HERE ###
    """)
    assert made.split("\n") == ["%matplotlib inline", "!pip list", "### START CODE HERE ###", "x = None", "### END CODE HERE ###"]


@pytest.mark.parametrize(
    ("source", "line", "words"),
    [
        ("x = 1  # @KEEP\n### START CODE HERE ###\ny = 2\n### END CODE HERE ###", 1, "`# @KEEP` is outside any"),
        ("### START CODE HERE ###\nprint(1)  # @REPLACE EQUALS 2\n### END CODE HERE ###", 2, "has none. Use `# @REPLACE text`"),
        ("### START CODE HERE ###\nfoo(\n    1,  # @OMIT\n    2)\n### END CODE HERE ###", 3, "inside the statement that starts on line 2"),
        ("### START CODE HERE ###\nx = [\n    1,\n]  # @OMIT\n### END CODE HERE ###", 4, "inside the statement that starts on line 2"),
        ("### START CODE HERE ###\n# a hint  # @REPLACE EQUALS 1\n### END CODE HERE ###", 2, "this line is a comment"),
        ("x = (1,\n### START CODE HERE ###\n2)\n### END CODE HERE ###", 2, "this marker is inside the statement that starts on line 1"),
        ("### START CODE HERE ###\ny = 1\nx = f(1,\n### END CODE HERE ###", 3, "not Python the grader can read"),
        ("### START CODE HERE ###\nx = [  # @REPLACE x = [\n    1,\n]\n### END CODE HERE ###", 2, "would not be valid Python"),
    ],
)
def test_a_tag_or_region_that_cannot_make_a_starter_names_cell_and_line(source, line, words):
    with pytest.raises(MarkerError) as raised:
        starter_cell(source, 7)
    assert (raised.value.cell, raised.value.line) == (7, line)
    assert str(raised.value).startswith(f"cell 7, line {line}: ") and words in str(raised.value)


@pytest.mark.parametrize(
    ("line", "becomes"),
    [
        ("while epoch < 10:", "while None:"),
        ("elif x > 1:", "elif None:"),
        ("for epoch in range(10):", "for epoch in range(10):"),
        ("with open(path) as file:", "with open(path) as file:"),
        ("class Stop(Callback):", "class Stop(Callback):"),
        ("def on_epoch_end(self, epoch, logs=None):", "def on_epoch_end(self, epoch, logs=None):"),
        ("try:", "try:"),
        ("else:", "else:"),
        ("return model", "return model"),
        ("total += loss", "total += None"),
        ("best: float = 0.9", "best: float = None"),
        ("print('x =', x)", "print('x =', x)"),
    ],
)
def test_each_kind_of_header_and_statement(line, becomes):
    body = "    pass" if line.endswith(":") else ""
    source = "\n".join(part for part in ("if ready:" if line.startswith("el") else "", "### START CODE HERE ###", line, body, "### END CODE HERE ###") if part)
    lines = starter_cell(source, 1).split("\n")
    assert lines[lines.index("### START CODE HERE ###") + 1] == becomes
