"""Solution regions in a code cell, and the tags a line inside one may carry.

Two conventions mark the code a starter leaves out:

- the course's (deeplearning.ai): ``### START CODE HERE ###`` … ``### END CODE HERE ###`` (the
  trailing ``###`` and any words after it are optional). The marker lines stay in the starter; the
  code between them becomes ``None`` placeholders (``placeholders.py``);
- nbgrader's: ``### BEGIN SOLUTION`` … ``### END SOLUTION``. The region, markers included,
  becomes ``# YOUR CODE HERE`` and ``raise NotImplementedError()``, indented as the BEGIN line.

Inside a course region, a line's comment may end with a tag of the course's learner generator:
``# @KEEP`` (the line stays), ``# @OMIT`` (it goes), ``# @REPLACE text`` (the line becomes
``text``, indented as it was), ``# @REPLACE EQUALS text`` (what stands before the ``=`` stays,
``text`` follows it). Regions do not nest and close in the cell that opens them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from grader.errors import GraderError
from grader.text import authoring as text


class Kind(Enum):
    CODE_HERE = "code_here"  # the course's: the markers stay, the code becomes placeholders
    SOLUTION = "solution"  # nbgrader's: the whole region becomes the stub


MARKERS = (
    (re.compile(r"#+\s*START CODE HERE\b.*"), Kind.CODE_HERE, True),
    (re.compile(r"#+\s*END CODE HERE\b.*"), Kind.CODE_HERE, False),
    (re.compile(r"#+\s*BEGIN SOLUTION\s*#*"), Kind.SOLUTION, True),
    (re.compile(r"#+\s*END SOLUTION\s*#*"), Kind.SOLUTION, False),
)
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")  # nbgrader's ClearSolutions.code_stub
TAG = re.compile(r"#\s*@(?P<tag>KEEP|OMIT|REPLACE EQUALS|REPLACE)(?![\w])[ \t]*(?P<text>.*)$")
TAG_HINT = re.compile(r"#\s*@(?:KEEP|OMIT|REPLACE)")


class MarkerError(GraderError):
    """A region or tag that cannot be turned into a starter; names the cell and line (both from 1)."""

    def __init__(self, cell: int, line: int, problem: str, path: Path | None = None):
        self.cell, self.line, self.problem, self.path = cell, line, problem, path
        super().__init__(text.marker_error(path, cell, line, problem))

    def located(self, path: Path) -> MarkerError:
        return MarkerError(self.cell, self.line, self.problem, path)


@dataclass(frozen=True)
class Region:
    kind: Kind
    start: int  # index of the opening marker's line
    end: int  # index of the closing marker's line

    @property
    def body(self) -> range:
        return range(self.start + 1, self.end)


@dataclass(frozen=True)
class Tag:
    name: str  # KEEP, OMIT, REPLACE or REPLACE EQUALS
    text: str  # what follows REPLACE or REPLACE EQUALS
    at: int  # where the tag starts in the comment


def marker(line: str) -> tuple[Kind, bool] | None:
    """The kind of region a line opens (True) or closes (False), if it is a marker line."""
    stripped = line.strip()
    for pattern, kind, opens in MARKERS:
        if pattern.fullmatch(stripped):
            return kind, opens
    return None


def regions(lines: list[str], cell: int) -> tuple[Region, ...]:
    """Every region of a cell, in order; raises ``MarkerError`` for one unclosed, unopened or nested."""
    found: list[Region] = []
    opened: tuple[Kind, int] | None = None
    for index, line in enumerate(lines):
        seen = marker(line)
        if seen is None:
            continue
        kind, opens = seen
        if opens and opened:
            raise MarkerError(cell, index + 1, text.nested(opened[0].value, kind.value, opened[1] + 1))
        if opens:
            opened = (kind, index)
        elif opened is None:
            raise MarkerError(cell, index + 1, text.unopened(kind.value))
        elif opened[0] is not kind:
            raise MarkerError(cell, index + 1, text.mismatched(opened[0].value, kind.value, opened[1] + 1))
        else:
            found.append(Region(kind, opened[1], index))
            opened = None
    if opened:
        raise MarkerError(cell, opened[1] + 1, text.unclosed(opened[0].value))
    return tuple(found)


def tag_of(comment: str) -> Tag | None:
    """The tag a comment ends with, if any."""
    found = TAG.search(comment)
    return Tag(found["tag"], found["text"].rstrip(), found.start()) if found else None


def stub(indent: str) -> list[str]:
    return [indent + line for line in STUB]
