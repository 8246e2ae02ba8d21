"""Solution regions: the two conventions, and the mistakes that must name their cell and line."""

from __future__ import annotations

from textwrap import dedent

import pytest

from grader.authoring.assign import starter_cell
from grader.authoring.markers import Kind, MarkerError, Region, regions, tag_of


def lines(source: str) -> list[str]:
    return dedent(source).strip("\n").split("\n")


def test_both_conventions_are_found_with_their_spelling_variants():
    found = regions(
        lines("""
        ### START CODE HERE ### (~ 2 lines of code)
        x = 1
        ### END CODE HERE ###
        ### START CODE HERE
        y = 2
        ### END CODE HERE
        ### BEGIN SOLUTION
        z = 3
        ### END SOLUTION
    """),
        1,
    )
    assert found == (Region(Kind.CODE_HERE, 0, 2), Region(Kind.CODE_HERE, 3, 5), Region(Kind.SOLUTION, 6, 8))
    assert list(found[0].body) == [1]


def test_nbgrader_regions_become_its_stub_at_the_begin_lines_indentation():
    source = dedent('''
        class Stop(tf.keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                """Stops below 0.4."""

                ### BEGIN SOLUTION
                if logs["loss"] < 0.4:
                    self.model.stop_training = True  # @KEEP is meaningless here and goes with the region
                ### END SOLUTION

        callbacks = Stop()
    ''').strip("\n")
    assert starter_cell(source, 4).split("\n") == [
        "class Stop(tf.keras.callbacks.Callback):",
        "    def on_epoch_end(self, epoch, logs=None):",
        '        """Stops below 0.4."""',
        "",
        "        # YOUR CODE HERE",
        "        raise NotImplementedError()",
        "",
        "callbacks = Stop()",
    ]


def test_a_cell_without_regions_is_left_exactly_as_it_is():
    source = "%matplotlib inline\nx = 1  # START CODE HERE is only words here\nprint('### BEGIN SOLUTION')  "
    assert starter_cell(source, 1) == source


@pytest.mark.parametrize(
    ("source", "line", "words"),
    [
        ("x = 1\n### START CODE HERE ###\ny = 2", 2, "`### START CODE HERE ###` opens a region that no `### END CODE HERE ###` closes in the same cell"),
        ("### BEGIN SOLUTION\ny = 2\n", 1, "`### BEGIN SOLUTION` opens a region that no `### END SOLUTION` closes"),
        ("y = 2\n### END CODE HERE ###", 2, "`### END CODE HERE ###` closes no region"),
        (
            "### START CODE HERE ###\nx = 1\n### START CODE HERE ###\ny = 2\n### END CODE HERE ###\n### END CODE HERE ###",
            3,
            "`### START CODE HERE ###` opens a region inside the `### START CODE HERE ###` region opened on line 1; regions do not nest",
        ),
        (
            "### START CODE HERE ###\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n### END CODE HERE ###",
            2,
            "`### BEGIN SOLUTION` opens a region inside the `### START CODE HERE ###` region opened on line 1",
        ),
        (
            "### BEGIN SOLUTION\nx = 1\n### END CODE HERE ###",
            3,
            "`### END CODE HERE ###` closes the `### BEGIN SOLUTION` region opened on line 1. Close it with `### END SOLUTION`",
        ),
    ],
)
def test_unclosed_unopened_nested_and_mismatched_regions_name_cell_and_line(source, line, words):
    with pytest.raises(MarkerError) as raised:
        regions(source.split("\n"), 12)
    assert (raised.value.cell, raised.value.line) == (12, line)
    assert str(raised.value).startswith(f"cell 12, line {line}: {words}")
    assert str(raised.value).endswith("(docs/authoring.md, Starters from the reference).")


def test_a_marker_error_located_in_a_file_names_it_first(tmp_path):
    error = MarkerError(3, 4, "something").located(tmp_path / "solution.ipynb")
    assert str(error) == f"{tmp_path / 'solution.ipynb'}: cell 3, line 4: something (docs/authoring.md, Starters from the reference)."


@pytest.mark.parametrize(
    ("comment", "tag", "text"),
    [
        ("# @KEEP", "KEEP", ""),
        ("# the input  # @KEEP", "KEEP", ""),
        ("#@OMIT", "OMIT", ""),
        ("# @REPLACE EQUALS (None, None)  ", "REPLACE EQUALS", "(None, None)"),
        ("# @REPLACE model.fit(x, epochs=None)", "REPLACE", "model.fit(x, epochs=None)"),
        ("# @REPLACE", "REPLACE", ""),
    ],
)
def test_tags_are_read_from_the_end_of_a_comment(comment, tag, text):
    found = tag_of(comment)
    assert found is not None and (found.name, found.text) == (tag, text)


@pytest.mark.parametrize("comment", ["# keep this", "# @KEEPING", "# @keep", "# @REPLACER x", "# email me @ KEEP"])
def test_other_comments_carry_no_tag(comment):
    assert tag_of(comment) is None
