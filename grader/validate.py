"""`grader validate`: proof that an assignment grades the way its author says.

For one assignment, every case is graded by the real pipeline, sandbox included:

- the reference solution, twice and never from the cache: both runs pass every check of its own
  (all but ``reference``, which compares with it) and measure the same metrics. Those metrics
  then replace the cached reference, so the other cases compare with what was just proven;
- the starter: graded to its end with a score of 0;
- the starter against the reference: outside the solution regions, it is what `grader assign`
  makes of the reference (compared, not graded: ``compared_cases``);
- each ``examples/<case>/submission.*``: the status, score and passing checks its
  ``expected.toml`` states.

A case that differs is a value (``Outcome``), rendered by ``validation_words.validation_summary``; only
a malformed assignment folder raises (``AssignmentSpecError``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from grader import spec as specs
from grader.authoring.agreement import starter_agreement
from grader.errors import AssignmentSpecError, GraderError
from grader.grading import reference
from grader.options import Options, threads_per_job, usable_cores  # noqa: F401  (threads_per_job: the CLI's)
from grader.pipeline import grade_to
from grader.reports.report import Report
from grader.spec import AssignmentSpec, own_checks
from grader.status import Status
from grader.text import validation as validation_words

EXPECTED_FILE = "expected.toml"
EXPECTED_KEYS = ("status", "score", "passed")
STATUSES = tuple(member.value for member in Status)
REFERENCE_RUNS = 2


@dataclass(frozen=True)
class Expected:
    """What a case must get: the report's status, score and the set of checks that pass."""

    status: str
    score: float
    passed: frozenset[str]

    @classmethod
    def of(cls, report: Report) -> Expected:
        return cls(report.status.value, float(report.score), frozenset(c.id for c in report.checks if c.passed))


@dataclass(frozen=True)
class Case:
    label: str  # "reference", "starter" or "examples/<folder>"
    path: Path
    expected: Expected


@dataclass(frozen=True)
class Outcome:
    case: Case
    report: Report | None  # None when the case was not graded
    problem: str = ""  # what went wrong beyond the expected-versus-got comparison
    skipped: bool = False  # not graded because the reference failed

    @property
    def got(self) -> Expected | None:
        return Expected.of(self.report) if self.report else None

    @property
    def ok(self) -> bool:
        return not self.problem and self.got == self.case.expected


@dataclass(frozen=True)
class Validation:
    spec: AssignmentSpec
    outcomes: tuple[Outcome, ...]

    @property
    def ok(self) -> bool:
        return all(outcome.ok for outcome in self.outcomes)


Progress = Callable[[AssignmentSpec, Outcome], None]  # told of each case as soon as it is graded


def default_jobs() -> int:
    """Gradings at a time: one per core, each a sandboxed process of its own with one TensorFlow thread."""
    return usable_cores()


def cases(spec: AssignmentSpec) -> tuple[Case, ...]:
    """The reference, the starter and every example, in that order; raises on a malformed expected.toml."""
    own = own_checks(spec)
    full = Expected(Status.GRADED.value, own.max_score, frozenset(check.id for check in own.checks))
    zero = Expected(Status.GRADED.value, 0.0, frozenset())
    examples = sorted((spec.folder / "examples").glob(f"*/{EXPECTED_FILE}"))
    return (Case("reference", spec.reference, full), Case("starter", spec.starter, zero), *(_example(spec, path) for path in examples))


def _example(spec: AssignmentSpec, path: Path) -> Case:
    submissions = sorted(path.parent.glob("submission.*"))
    if len(submissions) != 1:
        raise AssignmentSpecError(path.parent, "submission", *validation_words.example_submissions(len(submissions)))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise AssignmentSpecError(path, "toml", *validation_words.expected_unreadable(error)) from None
    return Case(f"examples/{path.parent.name}", submissions[0], expected(spec, path, data))


def expected(spec: AssignmentSpec, path: Path, data: dict[str, Any]) -> Expected:
    """An ``expected.toml``, checked against the spec: known keys, a status, and a score its checks add up to."""
    points = {check.id: check.points for check in spec.checks}
    problem = _problem(data, points)
    if problem is not None:
        raise AssignmentSpecError(path, *validation_words.expected_wrong(problem, data, points, STATUSES))
    return Expected(data["status"], float(data["score"]), frozenset(data.get("passed", [])))


def _problem(data: dict[str, Any], points: dict[str, float]) -> str | None:
    status, score, passed = data.get("status"), data.get("score"), data.get("passed", [])
    if any(key not in EXPECTED_KEYS for key in data):
        return "keys"
    if status not in STATUSES:
        return "status"
    if isinstance(score, bool) or not isinstance(score, (int, float)):
        return "score"
    if not isinstance(passed, list) or not all(isinstance(check, str) and check in points for check in passed):
        return "passed"
    if abs(sum(points[check] for check in set(passed)) - score) > 1e-9:
        return "sum"
    return None


def _grade(case: Case, spec: AssignmentSpec, options: Options, out: Path) -> Outcome:
    """One case, graded for real: a validation never answers from a kept report."""
    try:
        return Outcome(case, grade_to(case.path, spec, out, replace(options, regrade=True)))
    except GraderError as error:
        return Outcome(case, None, validation_words.case_not_graded(error))


def reference_outcome(case: Case, runs: Sequence[Outcome]) -> Outcome:
    """The reference's outcome: its first failing run, or a difference between the runs' metrics."""
    failed = next((run for run in runs if not run.ok), None)
    if failed is not None:
        return failed
    metrics = [run.report.metrics for run in runs if run.report]
    if any(other != metrics[0] for other in metrics[1:]):
        return Outcome(case, runs[0].report, validation_words.runs_disagree(metrics))
    return runs[0]


def validate(spec: AssignmentSpec, options: Options, out: Path, jobs: int = 1, progress: Progress | None = None) -> Validation:
    """Grade every case of ``spec`` into ``out/<case>``, ``jobs`` gradings at a time."""
    reference_case, *others = cases(spec)
    tell = (lambda outcome: progress(spec, outcome)) if progress else (lambda outcome: None)
    compared = compared_cases(spec)
    for outcome in compared:
        tell(outcome)
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        runs = [pool.submit(_grade, reference_case, own_checks(spec), options, out / "reference" / f"run-{n}") for n in range(1, REFERENCE_RUNS + 1)]
        first = reference_outcome(reference_case, [run.result() for run in runs])
        tell(first)
        if not first.ok or first.report is None or first.report.metrics is None:
            return Validation(spec, (first, *compared, *(Outcome(case, None, validation_words.skipped_for_reference(spec), skipped=True) for case in others)))
        proven = first.report.metrics
        reference.cached(spec, lambda: proven, use_cache=False)  # the other cases compare with the proven run
        futures = [pool.submit(_grade, case, spec, options, out / case.label) for case in others]
        for future in as_completed(futures):
            tell(future.result())
        return Validation(spec, (first, *compared, *(future.result() for future in futures)))
    finally:
        pool.shutdown(cancel_futures=True)  # on Ctrl-C, start nothing more


def compared_cases(spec: AssignmentSpec) -> tuple[Any, ...]:
    """Cases compared, not graded (``grader.authoring.agreement``): the starter against what
    `grader assign` makes of the reference. Each has an Outcome's shape, so the summary lists it."""
    found = starter_agreement(spec)
    return (found,) if found else ()


def validate_all(
    names: Sequence[str], options: Options, out: Path, jobs: int, progress: Progress | None = None, course: Path | None = None
) -> tuple[Validation, ...]:
    """Each named assignment (all known ones, a course's own included, when none is named), one after the other."""
    loaded = [specs.load(name, course=course) for name in names or specs.available(course)]
    for spec in loaded:
        cases(spec)  # every malformed expected.toml before any grading
    return tuple(validate(spec, options, out / spec.name, jobs, progress) for spec in loaded)
