"""The notebook as it ran: each graded cell with what it printed while the grader ran it, and its error.

``cells.json`` comes from the student's process (``harness/capture.py``): for each cell run, its
printed output (the start and the end of each stream, and how much fell between), what the
grader's own call of the training function printed, and the cell that defined each graded name.
It is a claim that decides no point: it only places things on the student's feedback page. So it
is parsed defensively: anything off in it gives a notebook without outputs, never an error.
Printed text is collapsed as a terminal shows it (``sandbox/output.py``): no escape sequence or
progress-bar redraw reaches the page.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from grader.checks.facts import StudentError
from grader.grading.load import Submission
from grader.grading.observations import Observations
from grader.sandbox.intake import Untrusted, read_untrusted
from grader.sandbox.output import collapse
from grader.text import feedback as words

MAX_BYTES = 2_000_000  # the frame: 100,000 characters, each at most 12 bytes as JSON, and room to spare
PART_LIMIT, TOTAL_LIMIT = 20_000, 100_000  # characters of printed output kept per cell and stream, and in all
SOURCE_LIMIT, SOURCES_LIMIT = 50_000, 300_000  # characters of source shown per cell, and in all (a notebook may hold 20 MB)
HARNESS_FRAME = re.compile(r'^  File "[^"\n]*/harness/[a-z_]+\.py", line \d+, in [^\n]*\n(?:    [^\n]*\n)*', re.MULTILINE)
STUDENT_FILE = re.compile(r"<cell (\d+)>")
SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Printed:
    stdout: str = ""
    stderr: str = ""


@dataclass(frozen=True)
class Captured:
    """``cells.json``, validated: what each cell run printed (by its index among the cells run), and where the graded names were defined."""

    cells: dict[int, Printed]
    training: Printed | None  # what the graded training function printed when the grader called it
    defined: dict[str, int]  # graded name → index of the cell that last defined it


@dataclass(frozen=True)
class Raised:
    type: str
    message: str
    traceback: str


@dataclass(frozen=True)
class RanCell:
    number: int  # the notebook's cell number, counting every cell from 1; 1 for a module; 0 for the grader's call of the training function
    source: str
    count: int | None  # its place among the cells run (Jupyter's execution count); None when it did not run
    printed: Printed
    error: Raised | None
    roles: tuple[str, ...] = ()  # the graded roles whose name this cell defined


@dataclass(frozen=True)
class RanNotebook:
    """What the feedback page shows: the graded cells as they ran, and the grader's own call of the training function."""

    kind: str  # notebook or module
    selection: str  # which cells ran, in words
    cells: tuple[RanCell, ...]
    training: RanCell | None = None
    training_name: str | None = None

    def to_json(self) -> dict[str, Any]:
        def cell(value: RanCell) -> dict[str, Any]:
            return {**asdict(value), "roles": list(value.roles)}

        return {
            "kind": self.kind,
            "selection": self.selection,
            "cells": [cell(value) for value in self.cells],
            "training": cell(self.training) if self.training else None,
            "training_name": self.training_name,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RanNotebook:
        def cell(value: dict[str, Any]) -> RanCell:
            error = Raised(**value["error"]) if value.get("error") else None
            return RanCell(value["number"], value["source"], value["count"], Printed(**value["printed"]), error, tuple(value["roles"]))

        training = cell(data["training"]) if data.get("training") else None
        return cls(data["kind"], data["selection"], tuple(cell(value) for value in data["cells"]), training, data.get("training_name"))


def clean(text: str) -> str:
    """Text that can be written as UTF-8: a lone surrogate (valid in JSON, not in UTF-8) becomes U+FFFD."""
    return SURROGATE.sub("\ufffd", text)


def _part(data: Any, budget: int) -> str:
    """One stream of one cell as a terminal would show it; the marker says how much was left out."""
    if not isinstance(data, dict):
        return ""
    head, tail, omitted = data.get("head"), data.get("tail"), data.get("omitted")
    head = head[:PART_LIMIT] if isinstance(head, str) else ""
    tail = tail[-PART_LIMIT:] if isinstance(tail, str) else ""
    omitted = omitted if isinstance(omitted, int) and not isinstance(omitted, bool) and omitted > 0 else 0
    marker = f"{words.omitted(omitted)}\n" if omitted else ""
    text = collapse(clean(head + marker + tail).encode())
    return text if len(text) <= budget else text[:budget] + words.omitted(len(text) - budget)


def _printed(data: Any, budget: list[int]) -> Printed:
    streams = {}
    for name in ("stdout", "stderr"):
        streams[name] = _part(data.get(name) if isinstance(data, dict) else None, max(budget[0], 0))
        budget[0] -= len(streams[name])
    return Printed(**streams)


def parse(data: Any) -> Captured:
    """Validated ``cells.json``; anything that is not what the harness sends is left out."""
    data = data if isinstance(data, dict) else {}
    budget, cells = [TOTAL_LIMIT], {}
    for entry in data.get("cells", [])[:10_000] if isinstance(data.get("cells"), list) else []:
        index = entry.get("index") if isinstance(entry, dict) else None
        if isinstance(index, int) and not isinstance(index, bool) and 0 <= index and index not in cells:
            cells[index] = _printed(entry, budget)
    training = _printed(data["training"], budget) if isinstance(data.get("training"), dict) else None
    defined = data.get("defined") if isinstance(data.get("defined"), dict) else {}
    return Captured(
        cells, training, {str(name)[:200]: index for name, index in list(defined.items())[:100] if isinstance(index, int) and not isinstance(index, bool)}
    )


def read(folder: Path) -> Captured | None:
    """``cells.json`` in the run's output folder; None when it is missing, too large or not JSON."""
    try:
        raw = read_untrusted(folder / "cells.json", MAX_BYTES)
        return parse(json.loads(raw)) if raw else None
    except (Untrusted, ValueError, RecursionError):
        return None


def _raised(error: StudentError | None) -> Raised | None:
    if error is None:
        return None
    traceback = HARNESS_FRAME.sub("", collapse(clean(error.traceback).encode()))  # the harness's own frames say nothing to a student
    return Raised(clean(error.type), clean(error.message), traceback)


def _errors(submission: Submission, found: Observations | None) -> dict[int, StudentError]:
    """Each cell's error, by its number: the one that does not compile, the one that stopped the run, those passed over."""
    if found is None:
        return {}
    errors = {entry.cell: entry.error for entry in found.cell_errors if entry.cell is not None}
    if found.execution_error is not None and found.fatal_cell is not None:
        errors[found.fatal_cell] = found.execution_error
    if found.translation_error is not None:
        where = STUDENT_FILE.fullmatch(found.translation_error.file or "")
        errors[int(where.group(1)) if where else submission.cells[0].number] = found.translation_error
    return errors


def ran(submission: Submission, found: Observations | None, captured: Captured | None) -> RanNotebook:
    """The graded cells with what the run printed and raised; each cell knows the graded roles it defined."""
    captured = captured or Captured({}, None, {})
    names = found.names if found else {}
    errors = _errors(submission, found)
    cells, count, budget = [], 0, SOURCES_LIMIT
    for index, cell in enumerate(submission.cells):
        done = index in captured.cells
        count += done
        roles = tuple(role for role, name in names.items() if name and captured.defined.get(name) == index)
        shown = max(min(SOURCE_LIMIT, budget), 0)
        source = cell.source if len(cell.source) <= shown else f"{cell.source[:shown]}\n# {words.source_omitted(len(cell.source) - shown)}"
        budget -= len(source)
        cells.append(
            RanCell(cell.number, clean(source), count if done else None, captured.cells.get(index, Printed()), _raised(errors.get(cell.number)), roles)
        )
    failed = found.training.error if found and found.training else None
    training = None
    if captured.training is not None or failed is not None:
        training = RanCell(0, "", count + 1, captured.training or Printed(), _raised(failed))
    return RanNotebook(submission.kind, submission.selection, tuple(cells), training, names.get("training") if training else None)
