"""What a course team reads: adjustments, hand-in states, similarity, LMS exports, the roster.

Each says which file or student, what is wrong and what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

HANDIN_LABELS = {
    "missing": "not handed in",
    "on_time": "on time",
    "late": "late, accepted with a penalty",
    "refused": "too late: not accepted",
    "not_open": "handed in before the assignment opened",
    "handed_in": "handed in (no due date to compare with)",
}


def no_result_to_adjust(batch: Path, student: str) -> str:
    return (
        f"{student} has no finished grading in {batch}, so there is nothing to adjust. "
        "Check the student id (`grader export` lists them), or grade the hand-in first with `grader batch`."
    )


def unknown_check(student: str, check: str, known: Sequence[str]) -> str:
    return f"{student}'s result has no check {check!r}. Use one of: {', '.join(known) or 'none'}."


def adjustment_out_of_range(check: str, automatic: float, points: float, maximum: float) -> str:
    return (
        f"Check {check!r} scored {automatic:g} of {maximum:g}; {points:+g} would give {automatic + points:g}. "
        f"Give --points between {0 - automatic:g} and {maximum - automatic:+g}."
    )


def adjusted(student: str, assignment: str, check: str, points: float, final: float | None, maximum: float | None) -> str:
    total = f"; {student}'s points are now {final:g}/{maximum:g}" if final is not None and maximum else ""
    return (
        f"Recorded {points:+g} on {check!r} for {student} in {assignment}{total}. A regrade keeps it; it is flagged if the automatic result under it changes."
    )


def adjustment_line(check: str, points: float, comment: str, author: str, made_at: str, needs_review: bool) -> str:
    review = " [review: the automatic result changed since]" if needs_review else ""
    return f"{check}: {points:+g} by {author} at {made_at[:16].replace('T', ' ')}: {comment or '(no comment)'}{review}"


def late_note(hours: float, penalty: float) -> str:
    return f"Handed in {hours:.1f} h late: minus {penalty:g}% of the points."


def refused_note(hours: float) -> str:
    return f"Handed in {hours:.1f} h late: past what the late policy accepts, so it scores 0."


def not_open_note() -> str:
    return "Handed in before the assignment opened: not accepted, so it scores 0."


def missing_note() -> str:
    return "Not handed in."


def not_rostered(students: Sequence[str]) -> str:
    return (
        f"Not on the roster, graded and kept in the gradebook: {', '.join(students)}. "
        "Add them to roster.csv (`grader roster import`) or rename their hand-ins to their roster ids."
    )


def roster_imported(count: int, path: Path) -> str:
    return f"Wrote {count} students to {path}."


def no_course_batch(assignment: str, folder: Path) -> str:
    return f"{assignment} has no gradebook in {folder} yet. Grade it first: grader batch --course COURSE -a {assignment}."


def no_handins(folder: Path, assignment: str) -> str:
    return f"{folder} does not exist: no hand-ins have landed for {assignment}. Put each student's hand-in in {folder}/<student id>/, or pass SUBMISSIONS."


def course_batch_needs_assignment() -> str:
    return "--course grades one assignment at a time: add --assignment NAME (one of the course's [[assignments]])."


def batch_needs_submissions() -> str:
    return "Give SUBMISSIONS and --out, or --course COURSE to grade the course's hand-in folder into its grades folder."


def export_needs_batch() -> str:
    return "Give the BATCH folder of `grader batch`, or --course COURSE to export every assignment of the course."


# -- similarity -----------------------------------------------------------------------------------


def similarity_done(pairs: int, shown: int, threshold: float, page: Path) -> str:
    return f"Compared {pairs} pairs; {shown} at or above {threshold:.0%} similar. Wrote {page}. It shows what to look at; it judges no one."


def similarity_unreadable(student: str, why: str) -> str:
    return f"{student}: left out of the comparison: {why}"


def similarity_changed(path: Path) -> str:
    return f"{path} is not the file that was graded (its content changed since); run grader batch again first."


def similarity_missing(student: str) -> str:
    return f"the graded file of {student} is no longer where it was graded from"


def bad_threshold(value: float) -> str:
    return f"--threshold {value}: give a share between 0 and 1, e.g. 0.5 for half of the code matching."
