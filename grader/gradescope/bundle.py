"""autograder.zip: what Gradescope's "Zip file upload" takes.

setup.sh            installs bubblewrap, Python, the grader and the assignment's data (once, in the image)
run_autograder      grades /autograder/submission/, writes /autograder/results/results.json
autograder.json     the assignment, the sandbox and the overrides this zip was made with
grader/             the grader's source: pyproject.toml, README.md, grader/, and only this
                    assignment under assignments/ and reference/ (without its examples)
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import jinja2

from grader.files import write_bytes
from grader.spec import PROJECT_ROOT, AssignmentSpec

ZIP = "autograder.zip"
FILES = Path(__file__).resolve().parent / "files"
SKIPPED = {"__pycache__", ".ipynb_checkpoints", "examples"}
DATA = {  # the commands setup.sh runs for each dataset
    "fashion_mnist": ['"$ROOT/venv/bin/grader" data fetch fashion_mnist'],
    "mnist": ['"$ROOT/venv/bin/grader" data fetch mnist || "$ROOT/venv/bin/grader" data subset mnist'],
}
EXECUTABLE = 0o100755 << 16
PLAIN = 0o100644 << 16


def _tree(folder: Path, under: str) -> list[tuple[Path, str]]:
    found = []
    for path in sorted(folder.iterdir()):
        if path.name in SKIPPED or path.name.startswith(".") or path.is_symlink() or path.suffix == ".pyc":
            continue
        found += _tree(path, f"{under}/{path.name}") if path.is_dir() else [(path, f"{under}/{path.name}")]
    return found


def sources(spec: AssignmentSpec) -> list[tuple[Path, str]]:
    """(file, name in the zip) for the grader's source, the assignment and its reference."""
    files = [(PROJECT_ROOT / name, f"grader/{name}") for name in ("pyproject.toml", "README.md", "LICENSE") if (PROJECT_ROOT / name).is_file()]
    files += _tree(PROJECT_ROOT / "grader", "grader/grader")
    files += _tree(spec.folder, f"grader/assignments/{spec.name}")
    files += _tree(spec.reference.parent, f"grader/reference/{spec.name}")
    return files


def _add(archive: zipfile.ZipFile, name: str, data: bytes, mode: int = PLAIN) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr, info.compress_type = mode, zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def setup_script(spec: AssignmentSpec) -> str:
    template = jinja2.Template((FILES / "setup.sh.j2").read_text(encoding="utf-8"), trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    return template.render(assignment=spec.name, data_commands=DATA[spec.data.dataset])


def build(spec: AssignmentSpec, out: Path, sandbox: str = "auto") -> Path:
    """Write OUT/autograder.zip for ``spec``; returns its path."""
    config = {"assignment": spec.name, "sandbox": sandbox, "overrides": dict(spec.overrides)}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _add(archive, "setup.sh", setup_script(spec).encode(), EXECUTABLE)
        _add(archive, "run_autograder", (FILES / "run_autograder").read_bytes(), EXECUTABLE)
        _add(archive, "autograder.json", (json.dumps(config, indent=2) + "\n").encode())
        for path, name in sources(spec):
            _add(archive, name, path.read_bytes())
    return write_bytes(Path(out) / ZIP, buffer.getvalue())
