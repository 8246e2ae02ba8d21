"""What `grader validate`, `grader new` and the in-notebook `check()` say."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from grader.text.errors import ALL_CELLS_HINT, HINTS, _where, brief, hint, limit_hint, location, path_hint  # noqa: F401

# -- validating assignments, new assignments, checks inside the notebook ------------------------

LOCAL_CHECKS_FIX = "Fix the file; `python checks.py` in its folder shows the same error."
CHECK_RENAME = "Check ids are shared by every assignment: rename the function, and its [[checks]] id."
VALIDATE_REFERENCE_NOTE = (
    "The reference runs twice, from scratch, without the `reference` check (which compares with it); both runs must pass and measure the same metrics."
)


def local_checks_broken(error: BaseException) -> str:
    return f"cannot be loaded: {type(error).__name__}: {error}"


def unknown_check_parameters(function: str, unknown: Sequence[str], known: Sequence[str]) -> tuple[str, str]:
    return (
        f"check `{function}` asks for {', '.join(map(repr, unknown))}, which the grading context does not hold",
        f"Name parameters from: {', '.join(known)}.",
    )


def check_name_taken(name: str, other: Path | None) -> str:
    owner = f"{other} defines it differently" if other else "it is a built-in check"
    return f"defines a check named {name!r}, but {owner}"


def example_submissions(count: int) -> tuple[str, str]:
    return f"holds {count} submission.* files", "Put exactly one submission.ipynb or submission.py next to expected.toml."


def expected_unreadable(error: Exception) -> tuple[str, str]:
    return f"is not valid TOML ({error})", "Fix the syntax."


def expected_wrong(problem: str, data: dict, points: dict, statuses: Sequence[str]) -> tuple[str, str, str]:
    """``(key, problem, fix)`` for an expected.toml that cannot be right."""
    if problem == "keys":
        key = next(key for key in data if key not in ("status", "score", "passed"))
        return key, "is not a known key", "Write only status, score and passed."
    if problem == "status":
        return "status", f"is {data.get('status')!r}", f"Write one of: {', '.join(statuses)}."
    if problem == "score":
        return "score", f"is {data.get('score')!r}", "Write the score the example gets, a number."
    if problem == "passed":
        return "passed", f"is {data.get('passed')!r}", f"List the checks that pass, from: {', '.join(points)}; [] when none does."
    total = sum(points[check] for check in set(data.get("passed", [])))
    return "score", f"is {data['score']:g}, but the checks listed in `passed` are worth {total:g}", "Make the two agree."


def case_not_graded(error: Exception) -> str:
    return f"Could not be graded: {error}"


def runs_disagree(metrics: Sequence[Any]) -> str:
    first, *others = [m.to_json() if m else {} for m in metrics]
    changed = sorted({key for other in others for key in set(first) | set(other) if first.get(key) != other.get(key)})
    shown = "; ".join(f"{key}: {' vs '.join(str(m.get(key)) for m in (first, *others))}" for key in changed if key != "history")
    return (
        f"The reference's two runs measured different metrics ({shown or 'the per-epoch history'}), so grades would not be "
        "reproducible. Seed everything random through the assignment's seed, and do not read the clock or the network."
    )


def skipped_for_reference(spec: Any) -> str:
    return f"Not graded: every case is compared with the reference solution {spec.reference}, which must pass first."


def _verdict_text(expected: Any) -> str:
    if isinstance(expected, str):  # a case compared, not graded: grader.authoring.agreement
        return expected
    return f"{expected.status}, {expected.score:g} points" if expected else "not graded"


def validated_case(spec: Any, outcome: Any) -> str:
    return f"{spec.name} {outcome.case.label}: {'ok' if outcome.ok else 'DIFFERS'} ({_verdict_text(outcome.got)})"


def _short(text: str, limit: int = 360) -> str:
    """One line of at most about ``limit`` characters, keeping the end, where a message says what to do."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else f"{flat[: limit * 2 // 3]} … {flat[-limit // 3 :]}"


def _case_details(outcome: Any) -> list[str]:
    lines = [f"file: {outcome.case.path}", *([_short(outcome.problem)] if outcome.problem else [])]
    report, expected = outcome.report, outcome.case.expected
    if report is None:
        return lines
    if report.status.value != expected.status:
        return [*lines, _short(f"status {report.status.value}: {report.message}")]
    for check in report.checks:
        if check.passed != (check.id in expected.passed):
            wanted, got = ("PASS", "FAIL") if not check.passed else ("FAIL", "PASS")
            lines.append(_short(f"{check.id}: expected {wanted}, got {got}. {check.message}"))
    return lines


def validation_summary(validation: Any) -> str:
    """The table `grader validate` ends with: each case, what it should get, what it got, and why not."""
    outcomes, name = validation.outcomes, validation.spec.name
    differ = sum(not outcome.ok and not outcome.skipped for outcome in outcomes)
    skipped = sum(outcome.skipped for outcome in outcomes)
    head = (
        f"{name}: all {len(outcomes)} cases grade as stated."
        if not differ
        else f"{name}: {differ} of {len(outcomes)} cases differ from what the assignment states."
    )
    if skipped:
        head += f" The other {skipped} were not graded: each is compared with the reference, which must pass first."
    width = max(len("case"), *(len(outcome.case.label) for outcome in outcomes))
    rows = [head, VALIDATE_REFERENCE_NOTE, "", f"  {'':4}  {'case':{width}}  {'expected':22}  got"]
    for outcome in outcomes:
        mark = "ok" if outcome.ok else "skip" if outcome.skipped else "DIFF"
        rows.append(f"  {mark:4}  {outcome.case.label:{width}}  {_verdict_text(outcome.case.expected):22}  {_verdict_text(outcome.got)}")
        for line in [] if outcome.ok or outcome.skipped else _case_details(outcome):
            rows.append(f"          {line}")
    return "\n".join(rows)


def validating(names: Sequence[str], jobs: int, threads: int) -> str:
    which = ", ".join(names) or "every assignment"
    return f"Validating {which}: {jobs} grading(s) at a time, {threads} TensorFlow thread(s) each; each case trains a model, so this takes minutes…"


def bad_assignment_name(name: str) -> str:
    return f"{name!r} cannot name an assignment. Use lowercase letters, digits and underscores, starting with a letter (like week2_callback)."


def default_title(name: str) -> str:
    return f"{name.replace('_', ' ').capitalize()}: a callback that stops training"


def scaffold_exists(folder: Path) -> str:
    return f"{folder} already exists; `grader new` never overwrites. Pick another name or remove the folder."


def scaffolded(name: str, root: Path, written: Sequence[Path]) -> str:
    files = "\n".join(f"  {path}" for path in written)
    folder = root / "assignments" / name
    return (
        f"Created assignment {name}:\n{files}\n"
        f"Next: `grader validate {folder}` proves it grades as stated (a few minutes). "
        "Then make it yours: the notebooks, assignment.toml, checks.py and the examples; docs/authoring.md explains each."
    )


def notebook_check_line(result: Any) -> str:
    mark = "PASS" if result.passed else "FAIL"
    return f"{mark}  {result.id:20} {result.score:5g}/{result.max_score:g}  {result.message}"


def notebook_unknown_name(name: str, spec: Any) -> str:
    graded = ", ".join(f"`{graded}`" for graded in spec.graded.all())
    return f"`{name}` is not graded in {spec.name}. The graded names are {graded}."


def notebook_not_defined(name: str) -> str:
    return f"`{name}` is not defined in this notebook yet. Run the cell that defines it, then check again."


def notebook_needs_full_grade(name: str, spec: Any, notebook: Path | None) -> str:
    where = notebook.name if notebook else "your_notebook.ipynb"
    return (
        f"`{name}` is checked by training your model and measuring it, which the full grade does in a sandbox. "
        f"Save the notebook and run `grader check {where}` in a terminal (about a minute)."
    )


def notebook_which_assignment(name: str | None, candidates: Sequence[str]) -> str:
    what = f"`{name}`" if name else "this notebook"
    if not candidates:
        return f"No assignment grades {what}. Check the spelling, or pass the assignment: check({name!r}, assignment='NAME')."
    return f"Several assignments could grade {what} ({', '.join(candidates)}). Pass one: check({name!r}, assignment='{candidates[0]}')."
