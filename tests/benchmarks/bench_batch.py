"""Benchmark: `grader batch` on the same 10 training submissions with --jobs 1 and --jobs 2.

Not a test (pytest does not collect it). Run it on an otherwise idle machine:

    .venv/bin/python tests/benchmarks/bench_batch.py [--repeats 3] [--jobs 1 2]

It warms the reference cache and the decoded data first, then alternates the
job counts, each run a fresh `grader batch` process into a fresh folder, and
writes tests/benchmarks/results/batch.json: the machine, every run's wall time,
the median per job count and the speed-up of each over --jobs 1.

On a shared machine, each run first waits until the CPUs have been idle for a
few seconds, and records the CPU time other processes took while it ran
(``foreign_cpu_seconds``: the machine's busy time less the batch's own), so a
disturbed run shows. It also records how busy the job slots were (the sum of
per-submission wall times over jobs × batch wall time).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = Path(__file__).resolve().parent / "results" / "batch.json"
ASSIGNMENT = "fashion_mnist_callback"
EXAMPLES = ROOT / "assignments" / ASSIGNMENT / "examples"
CLASS = {  # student → submission: a class's mix of right and wrong, all of which train
    "s01": EXAMPLES / "passes_as_module" / "submission.py",
    "s02": ROOT / "reference" / ASSIGNMENT / "solution.ipynb",
    "s03": EXAMPLES / "stops_at_epoch_limit" / "submission.ipynb",
    "s04": EXAMPLES / "threshold_too_high" / "submission.ipynb",
    "s05": EXAMPLES / "callback_raises" / "submission.ipynb",
    "s06": EXAMPLES / "five_outputs" / "submission.ipynb",
    "s07": EXAMPLES / "reads_logs_acc" / "submission.ipynb",
    "s08": EXAMPLES / "passes_as_module" / "submission.py",
    "s09": ROOT / "tests" / "submissions" / "magics_and_grade_up_to_here.ipynb",
    "s10": EXAMPLES / "threshold_too_high" / "submission.ipynb",
}


def machine() -> dict:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), platform.processor()
    )
    memory = next(int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)),
        "memory_mb": memory,
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "tensorflow": metadata.version("tensorflow-cpu"),
        "keras": metadata.version("keras"),
        "grader": metadata.version("grader"),
    }


def make_class(folder: Path) -> None:
    for student, source in CLASS.items():
        (folder / student).mkdir(parents=True)
        shutil.copy(source, folder / student / source.name)


def warm() -> None:
    """The reference's metrics and the decoded data, cached before any timing."""
    sys.path.insert(0, str(ROOT))
    from grader import pipeline
    from grader import spec as specs
    from grader.api import choose_isolation
    from grader.data import fashion_mnist as datasets
    from grader.options import Options

    datasets.decoded()
    pipeline.reference_metrics(specs.load(ASSIGNMENT), Options(isolation=choose_isolation("auto")))


def busy_seconds() -> float:
    """CPU seconds the whole machine has been busy since boot (all cores)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def wait_for_idle(seconds: float = 5, idle: float = 0.9, patience: float = 1800) -> float:
    """Wait until the CPUs were at least ``idle`` idle over ``seconds``; returns the minutes waited."""
    cores, started = len(os.sched_getaffinity(0)), time.monotonic()
    while time.monotonic() - started < patience:
        before = busy_seconds()
        time.sleep(seconds)
        if (busy_seconds() - before) / (seconds * cores) <= 1 - idle:
            break
    return (time.monotonic() - started) / 60


class Accounting:
    """A cpuacct cgroup of the batch's own: the sandbox nests its per-run cgroups inside, so its usage is exact."""

    def __init__(self) -> None:
        v1 = Path(f"/sys/fs/cgroup/cpuacct/grader-bench-{os.getpid()}")
        v2 = Path(f"/sys/fs/cgroup/grader-bench-{os.getpid()}")
        self.group = v1 if v1.parent.is_dir() else v2
        self.group.mkdir(exist_ok=True)

    def enter(self) -> None:  # runs in the child, before exec
        (self.group / "cgroup.procs").write_text(str(os.getpid()))

    def seconds(self) -> float:
        if (self.group / "cpuacct.usage").is_file():
            return int((self.group / "cpuacct.usage").read_text()) / 1e9
        usage = next(line for line in (self.group / "cpu.stat").read_text().splitlines() if line.startswith("usage_usec"))
        return int(usage.split()[1]) / 1e6

    def close(self) -> None:
        self.group.rmdir()


def run(folder: Path, jobs: int) -> dict:
    out = Path(tempfile.mkdtemp(prefix=f"bench-j{jobs}-"))
    waited = wait_for_idle()
    load, account = os.getloadavg()[0], Accounting()
    # --regrade: every submission graded for real, never answered from the grader's kept reports
    command = [sys.executable, "-m", "grader", "batch", str(folder), "-a", ASSIGNMENT, "-o", str(out), "--jobs", str(jobs), "--progress", "lines", "--regrade"]
    started, busy = time.monotonic(), busy_seconds()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=account.enter)
    wall = time.monotonic() - started
    ours = account.seconds()
    account.close()
    foreign = max(0.0, busy_seconds() - busy - ours)
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        rows = db.execute("SELECT s.student, a.status, a.score, a.wall_seconds FROM attempts a JOIN submissions s ON s.id = a.submission").fetchall()
    shutil.rmtree(out)
    slots = sum(row[3] for row in rows) / (jobs * wall)
    print(
        f"--jobs {jobs}: {wall:.1f} s (batch cpu {ours:.0f} s = {ours / wall:.2f} cores; others' cpu {foreign:.0f} s;"
        f" waited {waited:.1f} min for idle; slots busy {slots:.0%})",
        flush=True,
    )
    return {
        "jobs": jobs,
        "wall_seconds": round(wall, 2),
        "cpu_seconds": round(ours, 1),
        "foreign_cpu_seconds": round(foreign, 1),
        "load_before": round(load, 2),
        "waited_minutes_for_idle": round(waited, 1),
        "slots_busy": round(slots, 3),
        "submissions": {student: {"status": status, "score": score, "wall_seconds": seconds} for student, status, score, seconds in rows},
    }


def summarize(runs: list[dict], job_counts: list[int]) -> dict:
    cores = len(os.sched_getaffinity(0))
    clean = [r for r in runs if r["foreign_cpu_seconds"] <= 0.05 * r["wall_seconds"] * cores]
    counted = clean if all(any(r["jobs"] == jobs for r in clean) for jobs in job_counts) else runs
    medians = {
        str(jobs): round(statistics.median(r["wall_seconds"] for r in counted if r["jobs"] == jobs), 2)
        for jobs in job_counts
        if any(r["jobs"] == jobs for r in counted)
    }
    base = medians.get(str(job_counts[0]))
    return {
        "benchmark": "grader batch, 10 training submissions",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "submissions": {student: str(path.relative_to(ROOT)) for student, path in CLASS.items()},
        "medians_over": "undisturbed runs (others took under 5% of the CPU)" if counted is clean else "all runs (none undisturbed for some job count)",
        "median_wall_seconds": medians,
        "speedup": {jobs: round(base / median, 2) for jobs, median in medians.items()} if base else {},
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    arguments = parser.parse_args()
    warm()
    runs: list[dict] = []
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-class-") as scratch:
        make_class(Path(scratch) / "class")
        for _ in range(arguments.repeats):
            for jobs in arguments.jobs:
                runs.append(run(Path(scratch) / "class", jobs))
                result = summarize(runs, arguments.jobs)  # written after every run: a stopped benchmark keeps its runs
                RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({"median_wall_seconds": result["median_wall_seconds"], "speedup": result["speedup"]}))


if __name__ == "__main__":
    main()
