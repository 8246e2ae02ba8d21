"""What run_autograder starts: ``python -m grader.gradescope.run [--root /autograder] [--warm]``.

Reads ``source/autograder.json`` (the assignment, the sandbox, the overrides), grades the one
notebook or module in ``submission/`` (found as `grader batch` finds a student's file), writes
``results/results.json`` in Gradescope's schema and prints report.md for the instructors' view of
stdout. Every run writes results.json, whatever the submission holds; a fault of the container
(no sandbox, no data) gives 0 points and says what to fix. ``--warm``, from setup.sh, grades the
reference solution once so that its cached metrics are part of the image.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from grader import spec as specs
from grader.errors import GraderError
from grader.files import write_text
from grader.gradescope.results import results_json, setup_fault
from grader.options import Options

DEFAULT_ROOT = "/autograder"


def load(root: Path) -> tuple[specs.AssignmentSpec, dict[str, Any]]:
    config = json.loads((root / "source" / "autograder.json").read_text(encoding="utf-8"))
    folder = root / "source" / "grader" / "assignments" / config["assignment"]
    return specs.with_overrides(specs.load(folder), config.get("overrides", {})), config


def options(config: dict[str, Any]) -> Options:
    from grader.api import choose_isolation

    return Options(isolation=choose_isolation(config.get("sandbox", "auto")))


def grade(root: Path, spec: specs.AssignmentSpec, config: dict[str, Any]) -> dict[str, Any]:
    """The report of the submission in ``root/submission``."""
    from grader.api import grade_to
    from grader.batch import intake
    from grader.batch.run import unreadable_report

    chosen = options(config)
    with tempfile.TemporaryDirectory(prefix="grader-gradescope-") as scratch:
        folder = Path(scratch) / "class"
        shutil.copytree(root / "submission", folder / "submission", symlinks=True)
        entry = intake.discover(folder, Path(scratch) / "unpacked")[0]
        if entry.file is None:
            return unreadable_report(entry, spec, chosen)
        return grade_to(entry.file, spec, Path(scratch) / "out", chosen).to_json()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.gradescope.run")
    parser.add_argument("--root", type=Path, default=Path(os.environ.get("GRADER_AUTOGRADER_ROOT", DEFAULT_ROOT)))
    parser.add_argument("--warm", action="store_true", help="grade the reference once, so its metrics are cached in the image")
    arguments = parser.parse_args(argv)
    spec, config = load(arguments.root)
    if arguments.warm:
        from grader.pipeline import reference_metrics

        reference_metrics(spec, options(config))
        return 0
    try:
        report = grade(arguments.root, spec, config)
        results = results_json(report)
        from grader.reports.render import markdown
        from grader.reports.report import Report

        print(markdown(Report.from_json(report)))
    except GraderError as problem:  # the container's fault, not the student's
        results = setup_fault(str(problem), spec.max_score)
        print(problem, file=sys.stderr)
    write_text(arguments.root / "results" / "results.json", json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
