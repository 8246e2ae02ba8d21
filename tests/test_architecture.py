"""The house rules of the package, checked: no import cycle, small modules, words apart from rules, a pinned public API."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import grader

PACKAGE = Path(grader.__file__).resolve().parent
MAX_LINES = 400


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        if "harness" in path.relative_to(PACKAGE).parts or "assignment_template" in path.parts:
            continue
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every grader module ``name`` imports, at any depth of its code (a function-level import counts too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {target for target in targets if target in known and target != name}
    return found


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports(name, path, known) for name, path in found.items()}


def test_no_import_cycle_in_the_package():
    edges, cycles = graph(), []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append(trail[trail.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    assert not cycles, "\n".join(" → ".join(cycle) for cycle in cycles)


def test_no_module_is_over_the_size_a_reader_takes_in_one_sitting():
    long = {str(path.relative_to(PACKAGE)): lines for path in PACKAGE.rglob("*.py") if (lines := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long


def test_the_words_hold_no_pass_or_fail_rule():
    """grader/text words verdicts; no module there builds one or returns a pass/fail decision."""
    for path in (PACKAGE / "text").glob("*.py"):
        source = path.read_text()
        assert "Verdict(" not in source and "passed=" not in source, path.name
        tree = ast.parse(source)
        decisions = [
            node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.returns is not None and ast.unparse(node.returns) == "bool"
        ]
        assert not decisions, (path.name, decisions)


def test_checks_import_nothing_of_grading_and_the_harness_nothing_of_grader():
    edges = graph()
    assert not {
        target
        for name, targets in edges.items()
        if name.startswith("grader.checks")
        for target in targets
        if target.startswith(("grader.grading", "grader.pipeline", "grader.reports", "grader.batch"))
    }
    for path in (PACKAGE / "harness").glob("*.py"):
        assert not re.search(r"^\s*(from|import) grader\b", path.read_text(), re.M), path.name


def test_the_pipeline_reads_as_the_five_stages_in_at_most_25_lines():
    source = (PACKAGE / "pipeline.py").read_text()
    function = next(node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef) and node.name == "grade_submission")
    assert function.end_lineno - function.lineno + 1 <= 25
    body = ast.get_source_segment(source, function)
    stages = [body.index(marker) for marker in ("# 1. load", "# 2. run", "# 3. evaluate", "# 4. score", "# 5. report")]
    assert stages == sorted(stages)


PUBLIC = [
    "Options",
    "Report",
    "Status",
    "assignment_of",
    "check",
    "choose_isolation",
    "doctor",
    "export_gradebook",
    "grade_batch",
    "grade_submission",
    "grade_to",
    "load_assignment",
    "submit",
    "terminal",
]
CHECK_API = [
    "CHECKS",
    "CONTEXT",
    "TEXT",
    "Argument",
    "Builder",
    "CallbackAnswer",
    "CallbackCase",
    "CallbackTrial",
    "Context",
    "DatasetFacts",
    "Fit",
    "Layer",
    "ModelFacts",
    "Names",
    "Stop",
    "StopCondition",
    "StudentError",
    "Training",
    "Verdict",
    "arguments",
    "check",
    "load_local",
    "needs",
    "run_check",
]


def test_the_public_api_is_pinned():
    import grader.checks
    import grader.data

    assert sorted(grader.__all__) == sorted(PUBLIC) + [name for name in grader.__all__ if name not in PUBLIC] and set(PUBLIC) <= set(grader.__all__)
    assert all(getattr(grader, name) is not None for name in grader.__all__)
    assert grader.checks.__all__ == CHECK_API
    assert grader.data.__all__ == ["Dataset", "Decoded", "NpzDataset", "load"]
    assert set(grader.checks.CONTEXT) == {
        "names",
        "dataset",
        "lesson",
        "reached",
        "builder",
        "untrained_model",
        "training",
        "trained_model",
        "callback",
        "condition",
        "max_epochs",
        "strict_epochs",
        "reference_accuracy",
        "measured",
        "claims",
    }
