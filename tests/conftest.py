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
