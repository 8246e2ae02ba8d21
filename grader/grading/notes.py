"""What a report says beside the checks, in the student's terms.

Cells passed over (lessons), old TensorFlow 1 and Keras 2 idioms found in the code, old idioms
the harness let work, which recorded fit lesson mode graded, the data graded on (an MNIST subset
says so) and the ``--set`` overrides of the run. Notes never change a score.
"""

from __future__ import annotations

from grader.grading import old_api as legacy_api
from grader.text import messages
from grader.grading.run import Execution
from grader.data.provision import Provision
from grader.spec import AssignmentSpec
from grader.grading.load import Submission


def report_notes(spec: AssignmentSpec, submission: Submission, execution: Execution, provision: Provision) -> tuple[str, ...]:
    """What the report says beside the checks: cells passed over, old API, the run graded, the data, overrides."""
    found = execution.observations
    notes = [messages.passed_over(submission.cell_label(entry.cell), entry.error) for entry in (found.cell_errors if found else ())]
    notes += [messages.legacy_note(finding) for finding in legacy_api.scan(submission)]
    notes += [note for code in (found.compatibility if found else ()) if (note := messages.compatibility_note(code))]
    if found and found.training and not found.names.get("training") and found.training.fits:
        graded = found.training.graded_fit
        index = found.training.fits.index(graded) + 1 if graded else None
        notes.append(messages.lesson_note(index, len(found.training.fits), spec.lesson.fit))
    if provision.unverified or spec.data.dataset != "fashion_mnist":
        notes.append(messages.data_note(provision.description))
    if spec.overrides:
        notes.append(messages.overrides_note(spec.overrides))
    return tuple(notes)
