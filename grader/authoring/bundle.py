"""`grader bundle`: what students may hold, to grade their work on their own machine.

``grader bundle NAME --out DIR`` writes ``DIR/NAME/``::

    assignment.toml    the spec
    checks.py          the assignment's own checks, when it has them
    probes.py          and its probes, when it has them
    starter.ipynb      the notebook students start from
    reference.json     the reference solution's metrics as the pipeline graded it (``Metrics.to_json()``)

Never the reference solution, nor the examples (some are full-marks solutions). Every file is
searched for the code of the reference's solution regions first (``assign.solution_lines``), and a
bundle that would hold a line of it is refused. The folder appears whole or not at all: it is
written into a fresh folder beside it, then renamed into place; an existing one is never replaced.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import nbformat

from grader import spec as specs
from grader.authoring.assign import read_notebook, solution_lines
from grader.errors import GraderError
from grader.files import Folder
from grader.options import Options
from grader.pipeline import reference_metrics
from grader.spec import AssignmentSpec
from grader.text import authoring as text

BUNDLED = ("assignment.toml", "checks.py", "probes.py", "starter.ipynb")
REFERENCE_METRICS = "reference.json"


def bundle(name: str | Path, out: Path, options: Options) -> tuple[Path, ...]:
    """Write the student bundle of assignment ``name`` to ``out/<name>``; returns the files written."""
    spec = specs.load(name)
    target = Path(out) / spec.name
    _refuse_existing(target)
    contents = {file: (spec.folder / file).read_bytes() for file in BUNDLED if (spec.folder / file).is_file()}
    _refuse_solution(spec, contents)
    metrics = reference_metrics(spec, options)
    contents[REFERENCE_METRICS] = (json.dumps(metrics.to_json(), indent=1) + "\n").encode()
    return _write_whole(target, contents)


def _refuse_existing(target: Path) -> None:
    if os.path.lexists(target) and (target.is_symlink() or not target.is_dir() or any(target.iterdir())):
        raise GraderError(text.bundle_exists(target))


def _refuse_solution(spec: AssignmentSpec, contents: dict[str, bytes]) -> None:
    """Refuse to bundle a file that holds a line of the reference's solution code."""
    if spec.reference.suffix != ".ipynb":
        return
    hidden = solution_lines(read_notebook(spec.reference))
    for name, data in contents.items():
        leaked = next((line for line in lines_of(name, data) if line.strip() in hidden), None)
        if leaked is not None:
            raise GraderError(text.bundle_leaks(spec.folder / name, leaked))


def lines_of(name: str, data: bytes) -> list[str]:
    """A file's lines as a reader sees them: a notebook's are its cells' lines."""
    if name.endswith(".ipynb"):
        notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
        return [line for cell in notebook.cells for line in cell.source.split("\n")]
    return data.decode("utf-8", errors="replace").splitlines()


def _write_whole(target: Path, contents: dict[str, bytes]) -> tuple[Path, ...]:
    with Folder.open(target.parent) as parent:
        scratch = f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
        with parent.sub(scratch) as folder:
            for name, data in sorted(contents.items()):
                folder.write_bytes(name, data)
        try:
            os.rename(scratch, target.name, src_dir_fd=parent.fd, dst_dir_fd=parent.fd)
        except OSError:
            shutil.rmtree(parent.path / scratch, ignore_errors=True)
            raise GraderError(text.bundle_exists(target)) from None
    return tuple(target / name for name in sorted(contents))
