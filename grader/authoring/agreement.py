"""The starter check of `grader validate`: outside its solution regions, the starter is what
`grader assign` makes of the reference.

The two notebooks must hold the same cells, the same code and text, the same tags and the same
``metadata.grader``; otherwise students would work on a notebook that is graded against a
different one. Inside a ``### START CODE HERE ###`` region (its marker lines are in both) the
starter may hold anything: placeholders, hints. An nbgrader region must have become nbgrader's
stub, which has no variants. No grading is needed, so the case is compared, not graded: its
outcome has the shape of a graded case's (``validate.Outcome``) for the validation summary, with
a sentence in the expected and got columns instead of a status and a score.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader.authoring import markers
from grader.authoring.assign import default_starter, read_notebook, starter_notebook
from grader.authoring.markers import Kind, MarkerError
from grader.errors import GraderError
from grader.spec import AssignmentSpec
from grader.text import authoring as text


@dataclass(frozen=True)
class Comparison:
    """A case of `grader validate` that compares two files instead of grading one."""

    label: str
    path: Path
    expected: str


@dataclass(frozen=True)
class Agreement:
    """Its outcome: ``problem`` says where and how the starter differs; empty when they agree."""

    case: Comparison
    got: str
    problem: str = ""
    report: None = None  # nothing was graded
    skipped: bool = False

    @property
    def ok(self) -> bool:
        return not self.problem


@dataclass(frozen=True)
class Difference:
    where: str  # "cell 5, line 9", or "metadata"
    sentence: str


def starter_agreement(spec: AssignmentSpec) -> Agreement | None:
    """The starter against its reference; ``None`` when the reference is a module, which has no regions."""
    if spec.reference.suffix != ".ipynb":
        return None
    case = Comparison(text.AGREEMENT_LABEL, spec.starter, text.AGREE)
    try:
        made = starter_notebook(read_notebook(spec.reference))
        found = first_difference(read_notebook(spec.starter), made)
    except MarkerError as error:
        return Agreement(case, text.no_starter_at(error.cell, error.line), str(error.located(spec.reference)))
    except GraderError as error:
        return Agreement(case, "not compared", text.agreement_unreadable(str(error)))
    if found is None:
        return Agreement(case, text.AGREE)
    return Agreement(case, text.differ_at(found.where), f"{found.sentence} {text.agreement_fix(_assign_command(spec))}")


def _assign_command(spec: AssignmentSpec) -> str:
    """The `grader assign` command that rewrites this starter: ``--out`` only when it is not the default."""
    try:
        default = default_starter(spec.reference)
    except GraderError:
        default = None
    return f"grader assign {spec.reference}" + ("" if default == spec.starter else f" --out {spec.starter}")


def first_difference(shipped: nbformat.NotebookNode, made: nbformat.NotebookNode) -> Difference | None:
    """The first place where the shipped starter differs from the one made from the reference."""
    if shipped.metadata.get("grader") != made.metadata.get("grader"):
        return Difference("metadata", text.grader_metadata_differs(shipped.metadata.get("grader"), made.metadata.get("grader")))
    for number, (mine, theirs) in enumerate(zip(shipped.cells, made.cells), start=1):
        found = _cell_difference(number, mine, theirs)
        if found:
            return found
    if len(shipped.cells) != len(made.cells):
        return Difference(f"cell {min(len(shipped.cells), len(made.cells)) + 1}", text.cell_count_differs(len(shipped.cells), len(made.cells)))
    return None


def _cell_difference(number: int, mine: nbformat.NotebookNode, theirs: nbformat.NotebookNode) -> Difference | None:
    if mine.cell_type != theirs.cell_type:
        return Difference(f"cell {number}", text.cell_kind_differs(number, mine.cell_type, theirs.cell_type))
    tags, their_tags = mine.get("metadata", {}).get("tags", []), theirs.get("metadata", {}).get("tags", [])
    if tags != their_tags:
        return Difference(f"cell {number}", text.tags_differ(number, tags, their_tags))
    lines, their_lines = _outside(mine.source), _outside(theirs.source)
    for (line, shipped), (_, made) in zip(lines, their_lines):
        if shipped != made:
            return Difference(f"cell {number}, line {line}", text.line_differs(number, line, _shown(shipped), _shown(made)))
    if len(lines) != len(their_lines):
        which, (line, extra) = ("starter", lines[len(their_lines)]) if len(lines) > len(their_lines) else ("reference", their_lines[len(lines)])
        return Difference(f"cell {number}, line {line}", text.line_missing(number, line, which, _shown(extra)))
    return None


REGION = object()  # the body of a course region, whatever it holds


def _outside(source: str) -> list[tuple[int, str | object]]:
    """A cell's lines, numbered from 1, the body of each ``### START CODE HERE ###`` region folded into one ``REGION``."""
    lines = source.split("\n")
    try:
        bodies = {region.start: region.end for region in markers.regions(lines, 0) if region.kind is Kind.CODE_HERE}
    except MarkerError:
        bodies = {}  # compared line by line: the first broken marker differs
    out: list[tuple[int, str | object]] = []
    index = 0
    while index < len(lines):
        out.append((index + 1, lines[index]))
        if index in bodies:
            out.append((index + 2, REGION))
            index = bodies[index]
        else:
            index += 1
    return out


def _shown(line: str | object) -> str:
    return text.REGION_SHOWN if line is REGION else str(line)
