"""One submission, one worker process: whatever happens to the process, the job comes back with a report or a setup fault."""

from __future__ import annotations

from dataclasses import replace

from grader.batch import worker
from grader.options import Options
from grader.sandbox.run import Isolation, Limits

from conftest import SUBMISSIONS


def job(assignment, name: str = "syntax_error.ipynb", **changes) -> worker.Job:
    path = SUBMISSIONS / name
    found = worker.Job("ada", path.name, path.read_bytes(), assignment.name, str(assignment.folder), Options(threads=1))
    return replace(found, **changes)


def test_options_cross_to_the_worker_process_unchanged():
    options = Options(isolation=Isolation.NONE, limits=Limits(wall_seconds=30, memory_mb=512), threads=3, use_reference_cache=False)
    assert worker.options_from_json(worker.options_json(options)) == options
    assert worker.options_from_json(worker.options_json(Options())) == Options()


def test_a_job_comes_back_with_the_report_of_its_submission(assignment):
    outcome = worker.run_job(job(assignment))
    assert (outcome.student, outcome.report["status"], outcome.report["submission"], outcome.setup_problem) == ("ada", "error", "syntax_error.ipynb", "")
    assert outcome.fingerprint.startswith(f"0.1.0+{assignment.version}+") and outcome.wall_seconds > 0


def test_a_worker_process_that_dies_leaves_an_internal_report(assignment, monkeypatch):
    monkeypatch.setattr(worker, "COMMAND", ("-c", "import os, signal; print('dying'); os.kill(os.getpid(), signal.SIGKILL)"))
    report = worker.run_job(job(assignment)).report
    assert (report["status"], report["score"], report["max_score"]) == ("internal", 0.0, 100.0)
    assert "grading syntax_error.ipynb was killed by SIGKILL" in report["message"] and "--regrade internal" in report["message"]
    assert "dying" in report["output"] and len(report["checks"]) == 5


def test_a_machine_without_the_assignment_is_a_setup_fault(assignment, tmp_path):
    outcome = worker.run_job(job(assignment, spec_name="no_such_assignment", spec_folder=str(tmp_path / "gone")))
    assert outcome.report is None and "no assignment named 'no_such_assignment'" in outcome.setup_problem
