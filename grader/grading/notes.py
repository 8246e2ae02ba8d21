"""What a report says beside the checks, in the student's terms. Notes never change a score.

Cells passed over (lessons), old TensorFlow 1 and Keras 2 idioms found in the code, Keras 2 code
the harness let work, which recorded fit lesson mode graded, epochs asked beyond the limit, cells
run again after a crash, the data graded on (and which set scored), and the ``--set`` overrides.
"""

from __future__ import annotations

from grader.data.provision import Provision
from grader.grading import old_api
from grader.grading.load import Submission
from grader.grading.run import Execution
from grader.spec import AssignmentSpec
from grader.text import notes as note_words


def report_notes(spec: AssignmentSpec, submission: Submission, execution: Execution, provision: Provision) -> tuple[str, ...]:
    found = execution.observations
    notes = [note_words.passed_over(submission.cell_label(entry.cell), entry.error) for entry in (found.cell_errors if found else ())]
    notes += [note_words.legacy_note(finding) for finding in old_api.scan(submission)]
    notes += [note_words.adaptation_note(submission, adaptation) for adaptation in (found.adaptations if found else ())]
    training = found.training if found else None
    fit = training.graded_fit if training else None
    if training and found and not found.names.get("training") and training.fits:
        index = training.fits.index(fit) + 1 if fit else None
        notes.append(note_words.lesson_note(index, len(training.fits), spec.lesson.fit))
    if fit and spec.callback and fit.epochs_requested > spec.callback.max_epochs and not spec.callback.strict_epochs:
        notes.append(note_words.epochs_asked_note(fit.epochs_requested, spec.callback.max_epochs))
    if execution.rerun:
        notes.append(note_words.rerun_note())
    notes.append(note_words.data_note(provision.description))
    if spec.overrides:
        notes.append(note_words.overrides_note(spec.overrides))
    return tuple(notes)
