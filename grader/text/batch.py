"""What a batch says: its progress, its summary, its gradebook and exports, and its problems."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from grader.text.errors import ALL_CELLS_HINT, HINTS, _where, brief, hint, limit_hint, location, path_hint  # noqa: F401
from grader.text.messages import _tail

# -- batch grading, gradebook and exports --------------------------------------------------------

STATUS_LABELS = {
    "internal": "The grader itself failed",
    "invalid": "Not a gradable submission",
    "crashed": "The student's process died",
    "memory": "Over the memory limit",
    "timeout": "Over the time limit",
    "cpu_time": "Over the CPU-time limit",
    "output": "Printed too much output",
    "error": "The code raised an error or lacks a graded name",
    "graded": "Graded",
    "pending": "Not graded yet",
}
BATCH_INTERRUPTED = "grader: batch interrupted. Finished results are in the gradebook; run the same command again to grade the rest."


def batch_locked(out: Path) -> str:
    return f"Another `grader batch` is writing to {out} right now. Wait for it to finish, or give this batch another --out folder."


def batch_other_assignment(out: Path, recorded: str, asked: str) -> str:
    return f"{out} holds the gradebook of assignment {recorded!r}, not {asked!r}. Give each assignment its own --out folder."


def no_gradebook(path: Path) -> str:
    return f"{path} holds no gradebook.sqlite. Pass the --out folder of a `grader batch` run."


def bad_jobs(jobs: int) -> str:
    return f"--jobs {jobs}: give 1 or more submissions to grade at once (the default is one per core)."


def bad_regrade(choice: str, statuses: Sequence[str]) -> str:
    return f"--regrade {choice}: give `all`, or a comma list of statuses from: {', '.join(statuses)}."


def grading_process_died(file_name: str, how: str, output: str) -> str:
    return (
        f"The grader's own process grading {file_name} {how}, so no result came back. This is not the student's fault. "
        f"Run `grader batch` again with `--regrade internal` to retry it.{_tail(output)}"
    )


def grading_process_timed_out(seconds: float) -> str:
    return f"did not finish within {seconds:,.0f} seconds and was stopped"


def dask_missing() -> str:
    return "--cluster needs the Dask distributed client, which is not installed. Install it with `pip install 'grader[cluster]'`."


def cluster_unreachable(address: str, error: Exception) -> str:
    return f"Cannot reach the Dask scheduler at {address} ({type(error).__name__}: {error}). Start it (`dask scheduler`) and its workers, or check the address."


def cluster_version_mismatch(worker: str, theirs: str, ours: str) -> str:
    return (
        f"WARNING: worker {worker} grades with a different grader or assignment ({theirs}, here {ours}). "
        "Its results are kept but will be graded again next time; install the same grader and assignments on every worker."
    )


def batch_started(total: int, skipped: int, jobs: int, threads: int, where: str) -> str:
    kept = f", {skipped} unchanged since their last grading" if skipped else ""
    return f"Grading {total - skipped} of {total} submissions{kept}: {jobs} at a time {where}, {threads or 'auto'} TensorFlow thread(s) each."


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = max(0, round(seconds))
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"


BAR_COUNTS = "stopped early {task.fields[stopped]} · grader faults {task.fields[faults]} · running {task.fields[running]}"


def progress_line(
    done: int, total: int, student: str, status: str, score: float, max_score: float, seconds: float, stopped: int, faults: int, running: int, eta: float | None
) -> str:
    width = len(str(total))
    return (
        f"[{done:>{width}}/{total}] {student}: {status} {score:g}/{max_score:g} in {seconds:.1f}s"
        f" · stopped early {stopped} · grader faults {faults} · running {running} · ETA {duration(eta)}"
    )


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{count} {status}" for status, count in counts.items())


def batch_done(result: Any) -> str:
    """The final line: what this run did, then every student's current result by whose doing it is."""
    grouped = result.by_ending
    graded, stopped, faults, pending = (sum(grouped[key].values()) for key in ("graded", "stopped", "fault", "pending"))
    parts = [f"{graded} graded to the end"]
    parts += [f"{stopped} stopped early by the submission ({_counts(grouped['stopped'])})"] if stopped else []
    parts += (
        [f"{faults} grader fault(s) ({_counts(grouped['fault'])}: not the students' doing; `--regrade {','.join(grouped['fault'])}` grades them again)"]
        if faults
        else []
    )
    parts += [f"{pending} not graded yet"] if pending else []
    return (
        f"Graded {result.graded} and kept {result.skipped} of {result.total} submissions in {duration(result.seconds)}: {'; '.join(parts)}.\n"
        f"  gradebook: {result.gradebook}\n  summary:   {result.summary}\n  reports:   {result.reports}/<student>/report.html\n"
        f"  export:    grader export {result.out}"
    )


def exported(paths: Sequence[Path]) -> str:
    return "Wrote " + ", ".join(str(path) for path in paths)


def check_failed(check_id: str, title: str) -> str:
    return f"Check failed: `{check_id}`: {title}"


ENDING_LABELS = {  # summary.html's words for whose doing a result is (grader.batch.endings)
    "graded": "graded to the end",
    "stopped": "stopped early by the submission (score 0)",
    "fault": "grader faults (no score: not the students' doing)",
    "pending": "not graded yet",
}
WHOSE = {"stopped": "stopped by the submission", "fault": "a grader fault, not the student's doing"}  # beside a cause in summary.html
