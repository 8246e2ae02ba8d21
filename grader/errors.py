"""Exceptions for faults of the grader or its setup, never of a submission.

    GraderError
    ├── AssignmentSpecError   an assignment.toml is missing, malformed or inconsistent
    │   └── CourseError       course.toml or the roster is
    ├── SandboxSetupError     the sandbox cannot start on this machine
    └── DatasetUnavailable    the training data cannot be found or verified

A submission's own trouble is never an exception: it is a ``Status`` with a
message in its report.
"""

from __future__ import annotations

from pathlib import Path


class GraderError(Exception):
    """A fault the operator must fix; the message says what and how."""


class AssignmentSpecError(GraderError):
    def __init__(self, path: Path, key: str, problem: str, fix: str):
        self.path, self.key = path, key
        super().__init__(f"{path}: [{key}] {problem}. {fix}")


class CourseError(AssignmentSpecError):
    """course.toml or the roster is missing, malformed or inconsistent; the message names file, key and fix."""


class SandboxSetupError(GraderError):
    """The sandbox cannot start here; the message says what to install or pass."""


class DatasetUnavailable(GraderError):
    """The data set is missing, corrupt or cannot be fetched; the message says how to fix it."""
