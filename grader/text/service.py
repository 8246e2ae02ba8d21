"""What the grading service says to students and instructors: refusals, sign-in, the command line.

Each refusal says what is wrong and what to do; none names another student or their work.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

NOT_FOUND = "There is no such page, or it is not yours to see. Check the address, or go back to your hand-ins."
SIGN_IN_FIRST = "Sign in first: open the sign-in link your instructor sent you, or paste your access token on the sign-in page."
BAD_CREDENTIAL = "That access token or sign-in link is not valid: it may be mistyped, expired, revoked or already used. Ask your instructor for a new one."
BAD_CSRF = "This form has expired (the page was open before you signed in again, or it came from another site). Reload the page and try again."
INSTRUCTORS_ONLY = "Only instructors can do this. Sign in with an instructor's token."
NO_FILE = "Choose a notebook (.ipynb) or module (.py) to hand in."
NEED_LENGTH = "The upload did not say its size (Content-Length). Hand it in from the page, with `grader submit`, or with a client that sends the size."
CHUNKED_TOO_LARGE = "The upload is larger than the service accepts."


def already_serving(course: Path) -> str:
    return f"{course}: a `grader serve` already runs for this course (its lock is held). Stop it first, or serve another course."


def batch_running(grades: Path) -> str:
    return f"{grades}: a `grader batch` is writing into this folder. Wait for it to finish, then start the service."


def grading_paused(problem: str, seconds: float) -> str:
    return f"Grading is paused: {problem} The hand-ins stay queued; grading tries again in {seconds:.0f} s."


def dispatcher_fault(trace: str) -> str:
    return f"Grading stopped on a fault of the grader; it tries again shortly and the hand-ins stay queued. Please report it:\n{trace}"


def instructors_do_not_hand_in() -> str:
    return "Instructors do not hand in. Sign in as a student to try the hand-in page, or regrade from the dashboard."


def no_such_assignment(name: str, known: Sequence[str]) -> str:
    return f"This course has no assignment {name!r}. Hand in to one of: {', '.join(known) or 'none yet'}."


def not_gradable(name: str) -> str:
    suffix = Path(name).suffix or "no extension"
    return f"{name or 'The file'} cannot be graded: the grader reads Jupyter notebooks (.ipynb) and Python modules (.py), not '{suffix}'. Hand in one of those."


def too_large(name: str, size: int, limit: int) -> str:
    return (
        f"{name} is {size:,} bytes, more than the {limit:,} the service accepts. Clear the notebook's outputs "
        "(Kernel → Restart & Clear Output), save, and hand it in again."
    )


def upload_too_large(size: int, limit: int) -> str:
    return f"The upload is {size:,} bytes, more than the {limit:,} the service accepts. Clear the notebook's outputs, save, and hand it in again."


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def late_refused(assignment: Any, lateness: Any, at: datetime) -> str:
    if lateness.state == "not_open":
        return f"{assignment.name} opens for hand-ins at {_when(assignment.opens)}. Hand it in then."
    if assignment.late.policy == "refuse":
        return f"{assignment.name} was due at {_when(assignment.due)} and this course does not accept late hand-ins for it. Talk to your instructor."
    return (
        f"{assignment.name} was due at {_when(assignment.due)}; hand-ins are accepted up to {assignment.late.max_days:g} days late, "
        f"and this one is {lateness.hours_late / 24:.1f} days late. Talk to your instructor."
    )


def too_many_waiting(count: int) -> str:
    return (
        f"You already have {count} hand-in{'s' if count != 1 else ''} waiting or being graded. Wait until "
        f"{'one is' if count != 1 else 'it is'} done (your hand-ins page shows it), then hand in again."
    )


def too_many_per_hour(limit: int) -> str:
    return f"You have handed in {limit} times in the last hour, the most this course allows. Check your work with the reports you have, and try again later."


def late_note(lateness: Any) -> str:
    if lateness.state != "late":
        return ""
    return f"Late by {lateness.hours_late:.1f} h: {lateness.penalty_percent:g}% off the points earned."


# -- command line ---------------------------------------------------------------------------------


def serving(url: str, course: str, jobs: str) -> str:
    return f"Serving {course} at {url} ({jobs}). Stop with Ctrl-C; hand-ins stay queued and grading resumes on the next start."


def token_issued(person: str, role: str, credential: str) -> str:
    return f"Access token for {role} {person} (shown once; hand it over privately):\n{credential}"


def link_issued(person: str, role: str, link: str, days: float) -> str:
    return f"Sign-in link for {role} {person} (works once, for {days:g} days):\n{link}"


def revoked(person: str, count: int) -> str:
    return f"Revoked {count} credential{'s' if count != 1 else ''} of {person}."


def not_on_roster(person: str, roster: Path) -> str:
    return f"{person} is not on the course's roster ({roster}). Add them to it, or issue an instructor's token with --instructor."


def submit_no_token() -> str:
    return "No access token: pass --token, or set GRADER_TOKEN to the token your instructor gave you."


def submit_refused(status: int, message: str) -> str:
    return f"The service refused the hand-in (HTTP {status}): {message}"


def submit_unreachable(url: str, error: Any) -> str:
    return f"Could not reach the grading service at {url} ({error}). Check the address (--server or GRADER_SERVER) and your network."


def submitted(handin: dict[str, Any], url: str) -> str:
    return f"Handed in {handin['file_name']} for {handin['assignment']} (hand-in {handin['id']}). Follow it at {url}"


def submit_result(handin: dict[str, Any]) -> str:
    result = handin.get("result") or {}
    late = f" ({late_note_json(handin['lateness'])})" if handin["lateness"]["state"] == "late" else ""
    return f"{handin['file_name']}: {result.get('status', '?')}, {result.get('score', 0):g}/{result.get('max_score', 0):g}{late}\n{result.get('message', '')}".rstrip()


def late_note_json(lateness: dict[str, Any]) -> str:
    return f"late by {lateness['hours_late']:.1f} h, {lateness['penalty_percent']:g}% off"


def gradescope_written(path: Path, assignment: str) -> str:
    return f"Wrote {path}: upload it as the autograder of {assignment} on Gradescope (Configure Autograder → Zip file upload)."


def submit_no_file(path: Path) -> str:
    return f"{path}: there is no such file. Check the path, and save the notebook first."


def submit_no_notebook() -> str:
    return 'Could not tell which notebook this is. Save it (File → Save), then call submit(path="your_notebook.ipynb").'
