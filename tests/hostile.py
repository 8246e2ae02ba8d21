"""Grading hostile submissions the way the adversarial tests do: tight limits, nothing left behind, the report read back."""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from grader.api import choose_isolation, grade_to
from grader.options import Options
from grader.sandbox.run import Limits

from conftest import ROOT, SUBMISSIONS
from machine import own_cgroups

HOSTILE = SUBMISSIONS / "hostile"
SLACK = 10  # seconds beyond a limit: sandbox start, TensorFlow import, teardown, a busy 2-core machine
FAST = Limits(wall_seconds=30, cpu_seconds=60, memory_mb=2048, processes=512, scratch_mb=64, output_bytes=50_000)
SEARCHED = (Path(tempfile.gettempdir()), Path("/dev/shm"), Path("/var/tmp"), Path.home() / ".cache" / "grader")


@dataclass(frozen=True)
class Graded:
    report: dict
    seconds: float
    markdown: str


def hostile(name: str) -> Path:
    path = HOSTILE / name
    assert path.exists(), path
    return path


def files_named(marker: str, *more: Path) -> list[Path]:
    """Files or folders whose name carries marker, anywhere a run could have written on the host."""
    found = []
    for top in (*SEARCHED, ROOT, *more):
        for folder, dirs, files in os.walk(top, onerror=lambda error: None):
            found += [Path(folder, name) for name in (*dirs, *files) if marker in name]
            if Path(folder) == ROOT:
                dirs[:] = []  # the repository: only its top level
    return found


def own_stage_folders() -> list[str]:
    return [name for name in os.listdir(tempfile.gettempdir()) if name.startswith(f"grader-stage-{os.getpid()}-")]


def grade(path: Path, assignment, tmp_path: Path, **limits) -> Graded:
    """Grade with FAST limits (some replaced), leaving nothing behind, in the wall-clock limit plus SLACK.

    The time bound holds for runs that end before the checks; a graded run goes on to the grader's own
    evaluation (its own limits) and may grade the reference once if its metrics are not cached yet.
    The grader's work folders go to tmp_path/work.
    """
    work, out, chosen = tmp_path / "work", tmp_path / "out", replace(FAST, **limits)
    work.mkdir()
    started = time.monotonic()
    grade_to(path, assignment, out, Options(isolation=choose_isolation("auto"), limits=chosen, work_root=work))
    seconds = time.monotonic() - started
    report = json.loads((out / "report.json").read_text())
    feedback = ["feedback.html"] if report["notebook"] else []  # every submission that loads has its notebook as it ran
    assert sorted(p.name for p in out.iterdir()) == [*feedback, "report.html", "report.json", "report.md"]
    assert list(work.iterdir()) == [], "work folders left behind"
    assert own_cgroups() == [] and own_stage_folders() == []
    assert report["status"] == "graded" or seconds <= chosen.wall_seconds + SLACK, seconds
    return Graded(report, seconds, (out / "report.md").read_text())


def passed(report: dict) -> set[str]:
    return {check["id"] for check in report["checks"] if check["passed"]}


def check_message(report: dict, check_id: str) -> str:
    return next(check["message"] for check in report["checks"] if check["id"] == check_id)


def assert_nothing_earned(report: dict) -> None:
    assert report["score"] == 0 and passed(report) == set(), report["checks"]
