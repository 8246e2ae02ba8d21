"""Old TensorFlow and Keras idioms in a submission, found in its text before anything runs.

Students' copies of the course notebooks carry TensorFlow 1 and Keras 2 habits
that fail, or silently misbehave, under Keras 3 (``logs.get('acc')`` returns
None; ``tf.train.AdamOptimizer`` is gone). Each finding names the cell and line
and says what changed and what to write instead; it is a note in the report,
never a score. The patterns read source text only, on the trusted side.

Keras 2 code the harness adapted (``grader/harness/compat.py``) gets one note,
the adaptation's: a finding is left out where the run adapted that idiom on
that very line. The same idiom where the run never got to is still found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from grader.grading.load import Submission
from grader.grading.observations import Adaptation
from grader.text import notes as note_words

PATTERNS = {idiom: (re.compile(pattern), advice) for idiom, (pattern, advice) in note_words.LEGACY_API.items()}
IDIOM_ADAPTED_BY = {  # adaptation code (harness/compat.py) -> the idiom of LEGACY_API it makes work
    "optimizer_lr": "optimizer_lr",
    "optimizer_decay": "optimizer_decay",
    "fit_generator": "generator_methods",
    "evaluate_generator": "generator_methods",
    "predict_generator": "generator_methods",
    "predict_classes": "predict_classes",
    "predict_proba": "predict_classes",
}


@dataclass(frozen=True)
class Finding:
    where: str  # "cell 7, line 3" or "solution.py, line 3"
    text: str  # the student's line
    advice: str


def _code(line: str) -> str:
    """The line without a trailing comment (a rough cut: a '#' inside a string ends it too)."""
    return line.split("#", 1)[0]


def _label(file: str | None) -> str | None:
    """The submission's name for a file the harness ran: ``<cell 7>`` is "cell 7", ``/submission/answer.py`` is "answer.py"."""
    if not file:
        return None
    return file[1:-1] if file.startswith("<") else Path(file).name


def scan(submission: Submission, adapted: Iterable[Adaptation] = ()) -> tuple[Finding, ...]:
    """Every old idiom in the submission's code that the run did not adapt there, at most one finding per line."""
    covered = {(_label(entry.file), entry.line, IDIOM_ADAPTED_BY.get(entry.code)) for entry in adapted}
    found = []
    for cell in submission.cells:
        label = submission.cell_label(cell.number)
        for number, line in enumerate(cell.source.splitlines(), start=1):
            code = _code(line)
            advice = next((advice for idiom, (pattern, advice) in PATTERNS.items() if pattern.search(code) and (label, number, idiom) not in covered), None)
            if advice:
                found.append(Finding(f"{label}, line {number}", line.strip()[:200], advice))
    return tuple(found[:20])
