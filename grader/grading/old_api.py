"""Old TensorFlow and Keras idioms in a submission, found in its text before anything runs.

Students' copies of the course notebooks carry TensorFlow 1 and Keras 2 habits
that fail, or silently misbehave, under Keras 3 (``logs.get('acc')`` returns
None; ``tf.train.AdamOptimizer`` is gone). Each finding names the cell and line
and says what changed and what to write instead; it is a note in the report,
never a score. The patterns read source text only, on the trusted side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.grading.load import Submission
from grader.text import notes as note_words


@dataclass(frozen=True)
class Finding:
    where: str  # "cell 7, line 3" or "solution.py, line 3"
    text: str  # the student's line
    advice: str


PATTERNS = tuple((re.compile(pattern), advice) for pattern, advice in note_words.LEGACY_API)


def _code(line: str) -> str:
    """The line without a trailing comment (a rough cut: a '#' inside a string ends it too)."""
    return line.split("#", 1)[0]


def scan(submission: Submission) -> tuple[Finding, ...]:
    """Every old idiom in the submission's code, at most one finding per line."""
    found = []
    for cell in submission.cells:
        for number, line in enumerate(cell.source.splitlines(), start=1):
            code = _code(line)
            advice = next((advice for pattern, advice in PATTERNS if pattern.search(code)), None)
            if advice:
                found.append(Finding(f"{submission.cell_label(cell.number)}, line {number}", line.strip()[:200], advice))
    return tuple(found[:20])
