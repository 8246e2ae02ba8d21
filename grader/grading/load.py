"""Stage 1, load: a notebook (.ipynb) or module (.py) becomes the code to run.

In a notebook with cells tagged ``graded`` only those cells run (the rest is
the student's scratch space); a notebook without tags runs top to bottom. The
first code cell containing ``# grade-up-to-here`` is the last one run. Nothing
here parses the code itself: translating magics and compiling run inside the
sandbox, under a time budget (``harness/student_code.py``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader.status import Status
from grader.text import messages

GRADED_TAG = "graded"
GRADE_UP_TO_HERE = re.compile(r"grade.?up.?to.?here", re.IGNORECASE)
MAX_BYTES = 20_000_000


@dataclass(frozen=True)
class Cell:
    number: int  # position in the notebook, counting every cell from 1; 1 for a module
    source: str


@dataclass(frozen=True)
class Submission:
    path: Path
    kind: str  # "notebook" or "module"
    cells: tuple[Cell, ...]
    content_hash: str
    selection: str  # which cells run, in words
    assignment_hint: str | None = None

    def cell_label(self, number: int | None) -> str:
        return f"cell {number}" if self.kind == "notebook" and number else self.path.name


@dataclass(frozen=True)
class LoadFailure:
    status: Status
    message: str
    content_hash: str = ""


def load(path: Path) -> Submission | LoadFailure:
    path = Path(path)
    if not path.is_file():
        return LoadFailure(Status.INVALID, messages.not_a_file(path))
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if len(raw) > MAX_BYTES:
        return LoadFailure(Status.INVALID, messages.too_large(path, len(raw), MAX_BYTES), digest)
    if not raw.strip():
        return LoadFailure(Status.INVALID, messages.empty_file(path), digest)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return LoadFailure(Status.INVALID, messages.not_utf8(path, error), digest)
    if path.suffix == ".ipynb":
        loaded = _notebook(path, text, digest)
    elif path.suffix == ".py":
        loaded = Submission(path, "module", (Cell(1, text),), digest, "the whole module")
    else:
        return LoadFailure(Status.INVALID, messages.unknown_kind(path), digest)
    return loaded


def _notebook(path: Path, text: str, digest: str) -> Submission | LoadFailure:
    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as error:  # nbformat raises many kinds for a broken file
        return LoadFailure(Status.INVALID, messages.not_a_notebook(path, error), digest)
    problem = _malformed(notebook)
    if problem:
        return LoadFailure(Status.INVALID, messages.not_a_notebook(path, ValueError(problem)), digest)
    cells = [(number, cell) for number, cell in enumerate(notebook.cells, start=1) if cell.cell_type == "code"]
    tagged = [(number, cell) for number, cell in cells if GRADED_TAG in cell.get("metadata", {}).get("tags", [])]
    chosen, selection = (tagged, "the cells tagged `graded`") if tagged else (cells, "every code cell")
    for position, (number, cell) in enumerate(chosen):
        if GRADE_UP_TO_HERE.search(cell.source):
            chosen, selection = chosen[: position + 1], f"{selection}, up to `# grade-up-to-here` in cell {number}"
            break
    if not chosen:
        return LoadFailure(Status.INVALID, messages.no_code(path), digest)
    grader = notebook.metadata.get("grader")
    hint = grader.get("assignment") if isinstance(grader, dict) and isinstance(grader.get("assignment"), str) else None
    return Submission(path, "notebook", tuple(Cell(n, c.source) for n, c in chosen), digest, selection, hint)


def _malformed(notebook: dict) -> str | None:
    """What nbformat let through with only a warning but grading cannot read."""
    if not isinstance(notebook.get("cells"), list) or not isinstance(notebook.get("metadata"), dict):
        return "its cells or metadata are not what a notebook holds"
    for number, cell in enumerate(notebook["cells"], start=1):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str) or not isinstance(cell.get("source"), str):
            return f"cell {number} has no text as its source"
        metadata = cell.get("metadata", {})
        if not isinstance(metadata, dict) or not isinstance(metadata.get("tags", []), list):
            return f"cell {number} has malformed metadata"
    return None
