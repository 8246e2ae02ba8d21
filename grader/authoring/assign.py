"""`grader assign`: the starter notebook, made from the reference solution by its solution markers.

As with nbgrader's ``assign`` and ``otter assign``, one annotated notebook is the source of both:
the starter is the reference with each solution region replaced (``markers.py`` says how regions
are marked, ``placeholders.py`` what a course region becomes), every output cleared and every
execution count reset. Everything else is kept as it is: the cells and their ids, tags and
metadata, and the notebook's metadata (``metadata.grader.assignment`` names the assignment).
"""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import nbformat

from grader import files
from grader.authoring import markers, placeholders
from grader.authoring.markers import Kind, MarkerError
from grader.errors import GraderError
from grader.text import authoring as text

SOLUTION_NAMES = ("solution.ipynb",)
WORD_ONLY = re.compile(r"[A-Za-z_]*:?")  # `pass`, `else:` (and `])`, with no word at all): too common to count
TRAILING_COMMENT = re.compile(r"\s+#[^'\"]*$")  # a comment with no quote in it, so not inside a string


def starter_cell(source: str, cell: int) -> str:
    """A code cell's source with its solution regions replaced; ``MarkerError`` names the cell and line of a mistake."""
    lines = source.split("\n")
    found = markers.regions(lines, cell)
    layout = _layout(lines, found, cell)
    out, index = [], 0
    for region in found:
        out += lines[index : region.start]
        if region.kind is Kind.SOLUTION:
            out += markers.stub(_indent(lines[region.start]))
        else:
            out += [lines[region.start], *placeholders.placeholders(layout, region, cell), lines[region.end]]  # type: ignore[arg-type]
        index = region.end + 1
    made = "\n".join(out + lines[index:])
    if layout is not None and any(region.kind is Kind.CODE_HERE for region in found):
        _parses(source, made, cell)
    return made


def _layout(lines: list[str], found: tuple[markers.Region, ...], cell: int) -> placeholders.Layout | None:
    """The tokenized cell when it has a course region or a tag; a tag outside every region is refused."""
    course = any(region.kind is Kind.CODE_HERE for region in found)
    if not course and not markers.TAG_HINT.search("\n".join(lines)):
        return None
    try:
        layout = placeholders.read(lines, cell)
    except MarkerError:
        if course:
            raise
        return None  # not Python the tokenizer reads, and nothing of it to replace
    for index, (_, comment) in sorted(layout.comments.items()):
        tag = markers.tag_of(comment)
        if tag and not any(region.start < index < region.end for region in found):
            raise MarkerError(cell, index + 1, text.tag_outside(tag.name))
    return layout


def _parses(reference: str, starter: str, cell: int) -> None:
    """A cell that is valid Python in the reference must stay so in the starter."""

    def tree(source: str) -> None:
        ast.parse("\n".join(placeholders.masked_magic(line) for line in source.split("\n")))

    try:
        tree(reference)
    except SyntaxError:
        return
    try:
        tree(starter)
    except SyntaxError as error:
        raise MarkerError(cell, error.lineno or 1, text.starter_unparsable(error.msg)) from None


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def starter_notebook(reference: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The starter of a reference notebook: regions replaced, outputs cleared, everything else kept."""
    starter = copy.deepcopy(reference)
    for number, cell in enumerate(starter.cells, start=1):
        if cell.cell_type == "code":
            cell.source = starter_cell(cell.source, number)
            cell.outputs = []
            cell.execution_count = None
    return starter


def regions_of(notebook: nbformat.NotebookNode) -> int:
    return sum(len(markers.regions(cell.source.split("\n"), number)) for number, cell in enumerate(notebook.cells, start=1) if cell.cell_type == "code")


def solution_lines(reference: nbformat.NotebookNode) -> frozenset[str]:
    """The code inside the reference's regions that its starter does not show, one stripped line each."""
    shown = {line.strip() for cell in starter_notebook(reference).cells for line in cell.source.split("\n")}
    hidden: set[str] = set()
    for number, cell in enumerate(reference.cells, start=1):
        if cell.cell_type != "code":
            continue
        lines = cell.source.split("\n")
        for region in markers.regions(lines, number):
            hidden.update(code for index in region.body for code in _code(lines[index]))
    return frozenset(code for code in hidden if code not in shown and re.search(r"\w", code) and not WORD_ONLY.fullmatch(code))


def _code(line: str) -> tuple[str, ...]:
    """A line of code without its tag, and without its trailing comment; nothing for a comment line."""
    tag = markers.TAG.search(line)
    code = (line[: tag.start()] if tag else line).strip()
    if not code or code.startswith("#"):
        return ()
    return (code, TRAILING_COMMENT.sub("", code))


def read_notebook(path: Path) -> nbformat.NotebookNode:
    try:
        return nbformat.read(path, as_version=4)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise GraderError(text.notebook_unreadable(path, error)) from None


def to_text(notebook: nbformat.NotebookNode) -> str:
    return nbformat.writes(notebook) + "\n"


def default_starter(source: Path) -> Path:
    """``assignments/<name>/starter.ipynb`` for ``reference/<name>/solution.ipynb``, when that assignment exists."""
    resolved = Path(source).resolve()
    folder = resolved.parent
    starter = folder.parent.parent / "assignments" / folder.name / "starter.ipynb"
    if resolved.name in SOLUTION_NAMES and folder.parent.name == "reference" and (starter.parent / "assignment.toml").is_file():
        return starter
    raise GraderError(text.no_default_starter(source))


def assign(source: Path, out: Path | None = None) -> tuple[Path, int]:
    """Write the starter of the reference ``source`` to ``out``; returns where, and how many regions it replaced."""
    reference = read_notebook(source)
    out = out or default_starter(source)
    if Path(out).resolve() == Path(source).resolve():
        raise GraderError(text.same_file(Path(out)))
    try:
        starter = starter_notebook(reference)
    except MarkerError as error:
        raise error.located(Path(source)) from None
    return files.write_text(Path(out), to_text(starter)), regions_of(reference)
