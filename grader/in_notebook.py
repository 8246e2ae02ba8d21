"""``from grader import check; check("create_and_compile_model")``: quick checks inside the notebook.

In the student's own kernel, a graded name is probed by the sandbox harness's own probe
functions, what they find is read by the grader's own parser (``observations.parse``), and every
check of the assignment that needs nothing more than that probe runs and prints the message a
full grade gives. Checks that need the trained model are left to ``grader check``: training in
the kernel would take minutes and prove less. This is a convenience for the student, not a
grade: it runs the student's code unprotected, in the student's kernel.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import inspect
import io
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from grader.text import messages
from grader import spec as specs
from grader.checks import CHECKS, names_for, run_check
from grader.errors import GraderError
from grader.grading.run import callback_cases
from grader.grading.observations import parse
from grader.checks.scoring import CheckResult
from grader.spec import AssignmentSpec
from grader.grading.workspace import HARNESS

PROBED = {"model": "probe", "callback": "callback_cases"}  # graded role -> the context key its probe fills
FRAME = re.compile(r'^  File "(?P<file>[^"]+)", line (?P<line>\d+), in .*\n(?P<text>    .*)?', re.MULTILINE)


@functools.cache
def _harness() -> ModuleType:
    """``harness/run_submission.py``, loaded as the sandbox loads it, without leaving its sibling imports behind."""
    siblings = {path.stem for path in HARNESS.glob("*.py")}
    saved_path, saved = list(sys.path), {name: sys.modules.pop(name) for name in siblings if name in sys.modules}
    module_spec = importlib.util.spec_from_file_location("grader_notebook_harness", HARNESS / "run_submission.py")
    module = importlib.util.module_from_spec(module_spec)  # type: ignore[arg-type]
    try:
        module_spec.loader.exec_module(module)  # type: ignore[union-attr]
    finally:
        sys.path[:] = saved_path
        for name in siblings:
            sys.modules.pop(name, None)
        sys.modules.update(saved)
    return module


def _kernel_cell(filename: str) -> str | None:
    """How Jupyter names the cell compiled under ``filename`` ("In[5]"), when this is a kernel."""
    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    named = shell.compile.format_code_name(filename) if shell and hasattr(shell.compile, "format_code_name") else None
    return named[1] if named else None


def _located(error: Any) -> Any:
    """An error the harness could not place (a kernel cell is no submission file), placed in its cell."""
    if not isinstance(error, dict) or error.get("file"):
        return error
    for frame in reversed(list(FRAME.finditer(error.get("traceback", "")))):
        cell = _kernel_cell(frame["file"])
        if cell:
            return {**error, "file": f"<Cell {cell}>", "line": int(frame["line"]), "text": (frame["text"] or "").strip() or None}
    return error


def probe(spec: AssignmentSpec, role: str, namespace: Mapping[str, Any]) -> dict[str, Any]:
    """The grading context a probe of one graded role fills, parsed as the grader parses it."""
    harness, name = _harness(), _defined(spec, role, namespace)
    with contextlib.redirect_stdout(io.StringIO()):  # as in the sandbox: the probes' prints would only confuse
        if role == "model":
            found = harness.probe_model(dict(namespace), name)
            document = {"model_probe": {**found, "error": _located(found.get("error")), "call_error": _located(found.get("call_error"))}}
        else:
            cases = harness.probe_callback(namespace[name], callback_cases(spec))["cases"]
            document = {"callback_probe": {"cases": [{**case, "error": _located(case.get("error"))} for case in cases]}}
    observed = parse({"schema": 1, "phases": list(document), **document})
    return {"probe": observed.model_probe, "callback_cases": observed.callback_cases}


def _defined(spec: AssignmentSpec, role: str, namespace: Mapping[str, Any]) -> str:
    """The name of ``role`` this notebook defines (the spec's first when none)."""
    names = getattr(spec.graded, role)
    return next((name for name in names if name in namespace), names[0] if names else "")


def quick_checks(spec: AssignmentSpec, role: str, namespace: Mapping[str, Any]) -> tuple[CheckResult, ...]:
    """Run every check of ``spec`` that reads the probe of ``role`` and nothing the training makes."""
    found = {role: _defined(spec, role, namespace) for role in spec.graded.roles()}
    context = {"names": names_for(spec.graded, found), "condition": spec.thresholds.condition, "lesson": False,
               **vars(spec.thresholds), **probe(spec, role, namespace)}
    results = []
    for check in spec.checks:
        wanted = set(inspect.signature(CHECKS[check.id]).parameters)
        if PROBED[role] in wanted and wanted <= set(context):
            verdict = run_check(check.id, context)
            results.append(CheckResult(check.id, check.title, verdict.passed, check.points if verdict.passed else 0.0, check.points, verdict.message))
    return tuple(results)


def _notebook_path(namespace: Mapping[str, Any]) -> Path | None:
    session = namespace.get("__session__") or os.environ.get("JPY_SESSION_NAME")
    return Path(session) if isinstance(session, str) and session.endswith(".ipynb") else None


def find_assignment(name: str | None, namespace: Mapping[str, Any], assignment: str | None = None) -> AssignmentSpec:
    """The assignment named, else the one this notebook's metadata names, else the only one that fits."""
    from grader.api import assignment_of

    notebook = _notebook_path(namespace)
    if assignment is None and notebook is not None and notebook.is_file():
        with contextlib.suppress(GraderError):
            assignment = assignment_of(notebook)
    if assignment is not None:
        return specs.load(assignment)
    def defines_all(graded) -> bool:
        return all(any(n in namespace for n in names) for names in graded.roles().values())

    fits = (lambda graded: name in graded.all()) if name else (lambda graded: any(n in namespace for n in graded.model) and any(n in namespace for n in graded.callback))
    candidates = [spec for spec in map(specs.load, specs.available()) if fits(spec.graded)]
    if len(candidates) > 1:  # prefer the assignments whose every graded role this notebook defines
        candidates = [spec for spec in candidates if defines_all(spec.graded)] or candidates
    if len(candidates) != 1:
        raise GraderError(messages.notebook_which_assignment(name, [spec.name for spec in candidates]))
    return candidates[0]


def check(name: str | None = None, assignment: str | None = None) -> None:
    """Check one graded name of this notebook (all that need no training when none is given) and print the verdicts."""
    namespace = vars(sys.modules["__main__"])  # in a kernel, the notebook's namespace
    try:
        spec = find_assignment(name, namespace, assignment)
    except GraderError as problem:
        print(problem)
        return
    print(render(spec, name, namespace, _notebook_path(namespace)))


def render(spec: AssignmentSpec, name: str | None, namespace: Mapping[str, Any], notebook: Path | None = None) -> str:
    """What ``check`` prints: each quick check's line, or why a name cannot be checked here."""
    roles = {graded: role for role, names in spec.graded.roles().items() for graded in names}
    wanted = [name] if name else [_defined(spec, role, namespace) for role in ("model", "callback") if getattr(spec.graded, role)]
    lines = []
    for graded in wanted:
        role = roles.get(graded)
        if role is None:
            lines.append(messages.notebook_unknown_name(graded, spec))
        elif role == "training":
            lines.append(messages.notebook_needs_full_grade(graded, spec, notebook))
        elif graded not in namespace:
            lines.append(messages.notebook_not_defined(graded))
        else:
            lines.extend(messages.notebook_check_line(result) for result in quick_checks(spec, role, namespace))
    return "\n".join(lines)



def submit(assignment: str | None = None, server: str | None = None, token: str | None = None, path: str | Path | None = None,
           wait: bool = True) -> dict[str, Any] | None:
    """Hand this notebook (its last saved version) in to the course's grading service and print how it grades.

    ``server`` and ``token`` default to $GRADER_SERVER and $GRADER_TOKEN; ``path`` to this notebook's file.
    Returns the hand-in as the service reports it, or None when it could not be handed in (the reason is printed).
    """
    from grader.api import assignment_of
    from grader.service import client
    from grader.text import service as service_text

    notebook = Path(path) if path else _notebook_path(vars(sys.modules["__main__"]))
    try:
        if notebook is None or not notebook.is_file():
            raise GraderError(service_text.submit_no_notebook())
        handin = client.hand_in(notebook, assignment or assignment_of(notebook), server, token)
        address, _ = client.credentials(server, token)
        print(service_text.submitted(handin, address + handin["page_url"]), flush=True)
        if wait:
            handin = client.follow(handin, lambda h: print(client.describe(h), flush=True), server, token)
            print(service_text.submit_result(handin))
        return handin
    except GraderError as problem:
        print(problem)
        return None
