"""Class folders for batch tests: real submissions copied in under student ids, and hostile entries.

Quick entries grade in 0–3 s (no training); training ones take 10–25 s each.
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

from conftest import ROOT, SUBMISSIONS

EXAMPLES = ROOT / "assignments" / "fashion_mnist_callback" / "examples"

QUICK = {  # student → (fixture, expected status)
    "ada": ("syntax_error.ipynb", "error"),
    "ben": ("raises_in_cell.ipynb", "error"),
    "cho": ("missing_graded_name.ipynb", "error"),
    "dee": ("empty.ipynb", "invalid"),
    "eve": ("not_json.ipynb", "invalid"),
    "fay": ("kernel_dies.py", "crashed"),
    "gus": ("exits_early.py", "crashed"),
}
TRAINING = {  # student → (example, expected status, expected score)
    "pia": ("passes_as_module/submission.py", "graded", 100),
    "quin": ("five_outputs/submission.ipynb", "graded", 20),
    "rae": ("reads_logs_acc/submission.ipynb", "graded", 20),
}
SHOUTS = "print('<script>document.title = \"pwned\"</script><b>bold</b>')\nraise ValueError('<img src=x onerror=alert(1)>')\n"
FLOODS = "while True:\n    print('x' * 10_000)\n"
PEEKS = "open('/etc/shadow').read()\n"


def _hostile(folder: Path) -> dict[str, str]:
    """Hostile entries and their expected statuses."""
    (folder / "hal.py").write_text(SHOUTS)
    (folder / "ivy.py").write_text(FLOODS)
    (folder / "jon.py").write_text(PEEKS)
    os.symlink("/etc/passwd", folder / "kit.py")  # a link out of the class folder: never followed
    (folder / "lou").mkdir()
    shutil.copy(SUBMISSIONS / "syntax_error.ipynb", folder / "lou" / "a.ipynb")
    shutil.copy(SUBMISSIONS / "empty.ipynb", folder / "lou" / "b.ipynb")  # two candidates
    (folder / "max").mkdir()
    (folder / "max" / "README.txt").write_text("I forgot to upload it")
    with zipfile.ZipFile(folder / "ned.zip", "w") as archive:  # zip-slip member and a real one
        archive.writestr("../../escaped.py", "print('escaped')\n")
        archive.writestr("ned/work/solution.ipynb", (SUBMISSIONS / "raises_in_cell.ipynb").read_text())
    (folder / "oli.ipynb").write_bytes(b"{" + b" " * 20_000_001 + b"}")  # over the 20 MB limit
    return {"hal": "error", "ivy": "output", "jon": "error", "kit": "invalid", "lou": "invalid", "max": "invalid", "ned": "error", "oli": "invalid"}


def quick_class(folder: Path, copies: int = 1, hostile: bool = False) -> dict[str, str]:
    """The quick submissions (``copies`` times, as ada1, ada2, …); returns student → expected status."""
    folder.mkdir(parents=True, exist_ok=True)
    expected = {}
    for student, (fixture, status) in QUICK.items():
        for copy in range(1, copies + 1):
            name = student if copies == 1 else f"{student}{copy}"
            shutil.copy(SUBMISSIONS / fixture, folder / f"{name}{Path(fixture).suffix}")
            expected[name] = status
    return {**expected, **(_hostile(folder) if hostile else {})}


def training_class(folder: Path, students: tuple[str, ...] = tuple(TRAINING)) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    for student in students:
        example, status, _ = TRAINING[student]
        (folder / student).mkdir()
        shutil.copy(EXAMPLES / example, folder / student / Path(example).name)  # one folder per student
    return {student: TRAINING[student][1] for student in students}


def stored(name: str) -> dict:
    """A real report.json, kept in tests/golden/ (graded by the pipeline, output trimmed)."""
    return json.loads((ROOT / "tests" / "golden" / f"{name}.json").read_text())


def entry(student: str, content_hash: str = "h1", file_name: str = "work.ipynb"):
    from grader.batch.intake import Entry

    return Entry(student, Path(student), Path(file_name), content_hash)


def record(book, submission: int, report: dict, fingerprint: str = "fp1") -> int:
    """A finished grading of ``submission`` with ``report``, as a batch records it."""
    attempt = book.start(submission, "1", fingerprint)
    book.finish(attempt, report, wall_seconds=21.5, worker="host-a", fingerprint=fingerprint)
    return attempt


def gradebook_rows(out: Path) -> dict[str, dict]:
    from grader.batch.gradebook import Gradebook

    with Gradebook.existing(out) as book:
        return {row.student: row for row in book.rows()}


def attempts(out: Path) -> list[dict]:
    import sqlite3

    with sqlite3.connect(out / "gradebook.sqlite") as db:
        db.row_factory = sqlite3.Row
        query = "SELECT a.id, s.student, a.state, a.status, a.score, a.started_at, a.finished_at FROM attempts a JOIN submissions s ON s.id = a.submission"
        return [dict(row) for row in db.execute(query)]


def report(out: Path, student: str) -> dict:
    return json.loads((out / "reports" / student / "report.json").read_text())
