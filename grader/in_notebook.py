"""``from grader import check; check("create_and_compile_model")``: quick checks inside the notebook.

In the student's own kernel, the graded builder's model is saved and measured by the evaluation
harness's own functions, the callback class is tried on freshly drawn cases by the callback
harness's own function, and every check of the assignment that needs nothing more runs and prints
the message a full grade gives. Checks that need the trained model are left to ``grader check``: training in
the kernel would take minutes and prove less. This is a convenience for the student, not a
grade: it runs the student's code unprotected, in the student's kernel.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import os
import re
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from grader import spec as specs
from grader.checks import CallbackTrial, Context, DatasetFacts, needs, run_check
from grader.checks.scoring import CheckResult
from grader.data import provision
from grader.errors import GraderError
from grader.grading import callback_trial, measurements, observations
from grader.grading.context import names_for
from grader.grading.workspace import HARNESS
from grader.spec import AssignmentSpec
from grader.text import validation as validation_words
from grader.text.checks import render as words

PROBED = {"model": "untrained_model", "callback": "callback"}  # graded role -> the context value its quick check fills
FRAME = re.compile(r'^  File "(?P<file>[^"]+)", line (?P<line>\d+), in .*\n(?P<text>    .*)?', re.MULTILINE)


@functools.cache
def _harness(script: str) -> ModuleType:
    """A harness script, loaded as the sandbox loads it, without leaving its sibling imports behind."""
    siblings = {path.stem for path in HARNESS.glob("*.py")}
    saved_path, saved = list(sys.path), {name: sys.modules.pop(name) for name in siblings if name in sys.modules}
    module_spec = importlib.util.spec_from_file_location(f"grader_notebook_{script}", HARNESS / f"{script}.py")
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


def _model_facts(spec: AssignmentSpec, name: str, namespace: Mapping[str, Any]) -> dict[str, Any]:
    """The builder called here, its model saved and measured by the evaluation harness's own functions."""
    import keras

    sent: dict[str, bytes] = {}
    with contextlib.redirect_stdout(io.StringIO()):
        built = _harness("run_submission").build_model(dict(namespace), name, keras, lambda frame, data: sent.__setitem__(frame, data))
    builder = observations.parse(
        {"schema": 2, "phases": ["builder"], "names": {"model": name}, "builder": {**built, "error": _located(built.get("error"))}}
    ).builder
    if "untrained.keras" not in sent:
        return {"builder": builder, "untrained_model": None}
    dataset = provision.dataset_of(spec.data, spec.folder)
    with tempfile.TemporaryDirectory(prefix="grader-check-") as scratch:
        path = Path(scratch) / "untrained.keras"
        path.write_bytes(sent["untrained.keras"])
        job = {"image_shape": list(dataset.image_shape), "seed": spec.seed}
        facts = _harness("evaluate_model").measure(job, {"file": str(path), "role": "untrained"}, {}, keras)
    return {"builder": builder, "untrained_model": measurements.model_facts(facts)}


def _callback_trial(spec: AssignmentSpec, name: str, namespace: Mapping[str, Any]) -> CallbackTrial:
    """The class tried here on freshly drawn cases, by the callback harness's own function."""
    import keras

    assert spec.callback is not None
    dataset = provision.dataset_of(spec.data, spec.folder)
    cases = callback_trial.draw(spec.callback.condition)
    harness = _harness("probe_callback")
    model, data, _ = harness.prepare(keras, list(dataset.image_shape), dataset.classes, spec.seed)
    with contextlib.redirect_stdout(io.StringIO()):
        answers = [
            harness.answer(keras, model, namespace[name], {"id": c.id, "first_epoch": c.first_epoch, "logs": [dict(logs) for logs in c.logs]}, data)
            for c in cases
        ]
    answers = [{**answer, "error": _located(answer.get("error"))} if answer.get("error") else answer for answer in answers]
    parsed = callback_trial.answers_of({"answers": answers}, cases)
    assert parsed is not None
    return CallbackTrial(name, cases, parsed[0], parsed[1])


def _defined(spec: AssignmentSpec, role: str, namespace: Mapping[str, Any]) -> str:
    """The name of ``role`` this notebook defines (the spec's first when none)."""
    names = getattr(spec.graded, role)
    return next((name for name in names if name in namespace), names[0] if names else "")


def quick_checks(spec: AssignmentSpec, role: str, namespace: Mapping[str, Any]) -> tuple[CheckResult, ...]:
    """Run every check of ``spec`` that reads what ``role``'s quick check fills and nothing the training makes."""
    found = {role: _defined(spec, role, namespace) for role in spec.graded.roles()}
    dataset = provision.dataset_of(spec.data, spec.folder)
    filled = _model_facts(spec, found["model"], namespace) if role == "model" else {"callback": _callback_trial(spec, found["callback"], namespace)}
    graded = Context(
        names=names_for(spec.graded, found),
        dataset=DatasetFacts(dataset.title, dataset.image_shape, dataset.classes),
        lesson=False,
        reached=(),
        condition=spec.callback.condition if spec.callback else None,
        max_epochs=spec.callback.max_epochs if spec.callback else None,
        **filled,
    )
    results = []
    for check in spec.checks:
        wanted = needs(check.id)
        if PROBED[role] in wanted and not wanted & {"training", "trained_model", "reference_accuracy", "measured", "claims"}:
            verdict = run_check(check.id, graded, check.arguments)
            results.append(
                CheckResult(check.id, check.title, verdict.passed, check.points if verdict.passed else 0.0, check.points, words(verdict), verdict.reason)
            )
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
        return specs.load(assignment, by_name_only=True)

    def defines_all(graded) -> bool:
        return all(any(n in namespace for n in names) for names in graded.roles().values())

    fits = (
        (lambda graded: name in graded.all())
        if name
        else (lambda graded: any(n in namespace for n in graded.model) and any(n in namespace for n in graded.callback))
    )
    candidates = [spec for spec in _loadable(specs.available()) if fits(spec.graded)]
    if len(candidates) > 1:  # prefer the assignments whose every graded role this notebook defines
        candidates = [spec for spec in candidates if defines_all(spec.graded)] or candidates
    if len(candidates) != 1:
        raise GraderError(validation_words.notebook_which_assignment(name, [spec.name for spec in candidates]))
    return candidates[0]


def _loadable(names: list[str]) -> list[AssignmentSpec]:
    """The assignments that load; one that does not is no candidate (``grader list`` names its problem)."""
    found = []
    for name in names:
        with contextlib.suppress(GraderError):
            found.append(specs.load(name))
    return found


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
            lines.append(validation_words.notebook_unknown_name(graded, spec))
        elif role == "training":
            lines.append(validation_words.notebook_needs_full_grade(graded, spec, notebook))
        elif graded not in namespace:
            lines.append(validation_words.notebook_not_defined(graded))
        else:
            lines.extend(validation_words.notebook_check_line(result) for result in quick_checks(spec, role, namespace))
    return "\n".join(lines)


def submit(
    assignment: str | None = None, server: str | None = None, token: str | None = None, path: str | Path | None = None, wait: bool = True
) -> dict[str, Any] | None:
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
