"""`grader new NAME`: a new assignment that `grader validate` passes as it comes.

Under ROOT (the course repository; the current folder by default) it writes::

    assignments/NAME/assignment.toml    the grading contract: graded names, thresholds, limits, checks
    assignments/NAME/checks.py          the assignment's own check, a worked example of the check API
    assignments/NAME/starter.ipynb      what students get, `grader assign` of the solution; scores 0
    assignments/NAME/examples/<case>/{submission.*, expected.toml}   one per verdict
    reference/NAME/solution.ipynb       the instructor's solution, with its solution regions; full marks

from the Jinja2 templates in ``grader/assignment_template/``. Notebooks are written there as
percent-format scripts (``# %%`` starts a cell) and converted here; ``tag("KEEP")`` writes a
placeholder tag (``  # @KEEP``) into the solution only. The exercise is the Fashion MNIST callback
one, tuned to stop after two epochs so that validating it stays quick.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import nbformat

from grader.authoring import assign
from grader.checks.facts import Names
from grader.errors import GraderError
from grader.text import validation as validation_words

TEMPLATES = Path(__file__).resolve().parent / "assignment_template"
NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
CELL = re.compile(r"# %%(?P<markdown> \[markdown\])?(?: tags=(?P<tags>\[.*\]))?\s*")
REFERENCE_TEMPLATE = "solution.ipynb.j2"


@dataclass(frozen=True)
class Targets:
    train_accuracy: float
    max_epochs: int
    test_accuracy: float
    reference_tolerance: float


@dataclass(frozen=True)
class Blueprint:
    """What the templates are filled with."""

    name: str
    title: str
    names: Names = Names("create_and_compile_model", "EarlyStoppingCallback", "train_model")
    thresholds: Targets = field(default_factory=lambda: Targets(0.85, 5, 0.82, 0.03))
    max_params: int = 150_000


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["percent"] = lambda fraction: f"{fraction:.0%}"
    environment.globals["tag"] = jinja2.pass_context(lambda context, tag: f"  # @{tag}" if context["reference"] else "")
    return environment


def destination(template: Path, root: Path, name: str) -> Path:
    """Where a template's file goes: the reference folder for the solution, else the assignment's."""
    if template.name == REFERENCE_TEMPLATE:
        return root / "reference" / name / template.stem
    return root / "assignments" / name / template.with_suffix("")


def to_notebook(script: str, assignment: str) -> str:
    """A percent-format script as .ipynb JSON: ``# %%`` starts a code cell, ``# %% [markdown]`` a text one."""
    parts = re.split(r"^(# %%.*)$", script, flags=re.MULTILINE)
    cells = []
    for header, body in zip(parts[1::2], parts[2::2]):
        match = CELL.fullmatch(header)
        if match is None:
            raise ValueError(f"not a cell marker: {header!r}")
        source = body.strip("\n")
        if match["markdown"]:
            text = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in source.splitlines())
            cells.append(nbformat.v4.new_markdown_cell(text))
            continue
        cell = nbformat.v4.new_code_cell(source)
        if match["tags"]:
            cell.metadata["tags"] = json.loads(match["tags"])
        cells.append(cell)
    metadata = {
        "grader": {"assignment": assignment, "version": "1"},
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    notebook = nbformat.v4.new_notebook(cells=cells, metadata=metadata)
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def create(name: str, root: Path = Path("."), title: str | None = None) -> tuple[Path, ...]:
    """Write a new assignment's files under ``root``; refuses a bad name or an existing assignment."""
    if not NAME.fullmatch(name):
        raise GraderError(validation_words.bad_assignment_name(name))
    blueprint = Blueprint(name, title or validation_words.default_title(name))
    for folder in (root / "assignments" / name, root / "reference" / name):
        if folder.exists():
            raise GraderError(validation_words.scaffold_exists(folder))
    environment, values = _environment(), dict(vars(blueprint))
    written = []
    for template in sorted(TEMPLATES.rglob("*.j2")):
        relative = template.relative_to(TEMPLATES)
        if relative.name.startswith("_"):
            continue
        target = destination(relative, root, name)
        text = environment.get_template(relative.as_posix()).render(values, reference=relative.name == REFERENCE_TEMPLATE)
        if target.suffix == ".ipynb" and text.strip():
            text = to_notebook(text, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    starter = root / "assignments" / name / "starter.ipynb"
    starter.write_text(assign.to_text(assign.starter_notebook(assign.read_notebook(root / "reference" / name / "solution.ipynb"))), encoding="utf-8")
    return tuple(sorted([*written, starter]))
