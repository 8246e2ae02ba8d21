"""What grading costs beyond the student's own training.

Run:  .venv/bin/python tests/benchmarks/bench_grading.py [--repeats 3] [--no-batch]
Writes tests/benchmarks/results/grading.json and prints a table.

In one run, alternating, each submission is run several ways:
  floor       the notebook's code cells as a plain `python` script
  nbconvert   `jupyter nbconvert --to notebook --execute` (what most tools pay)
  grade       `grader grade --regrade` into a fresh folder: graded for real, never answered from the
              grader's kept reports (the reference's own result, which the `reference` check
              compares with, is cached before timing, as it is for any class)
  regrade     `grader grade` again on the unchanged submission, same folder: the kept report
and a batch of 10 copies with --jobs 1 and --jobs 2 (`--regrade`: every copy graded for real).
Wall time, CPU time (user+system of every process the way starts, sandboxed ones
included) and peak memory (the high-water mark of a cgroup around the way, sandboxed
processes included; where no cgroup is writable, the sampled PSS of the process tree)
are measured; medians are reported.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ASSIGNMENT = "fashion_mnist_callback"
FAST = Path(__file__).resolve().parent / "fast_submission.ipynb"
SUBMISSIONS = {"reference": ROOT / "reference" / ASSIGNMENT / "solution.ipynb", "fast": FAST}
RESULTS = Path(__file__).resolve().parent / "results" / "grading.json"


# Each command runs under a fresh wrapper process, which starts inside a cgroup of its own (the
# grader's sandbox code makes it: cgroup v1 or v2). Every descendant inherits it, the grader's
# sandboxes included: they get per-run cgroups below it, charged to it.
# CPU time: the cgroup's CPU counter; without one, the wrapper's getrusage of its children, which
# misses processes bwrap starts as another user.
# Peak memory: the cgroup's high-water mark (v1 memory.max_usage_in_bytes, v2 memory.peak), which
# the kernel keeps exactly, however short the peak: anonymous memory, page cache the run brings in
# and kernel memory, each page counted once. Page cache that earlier runs brought in (TensorFlow's
# libraries, the data files) is charged to them, so no way pays for it; every way runs warm.
# Only where no memory cgroup is writable is the peak sampled instead: the proportional set size
# (PSS: shared pages split among the processes that map them) of the whole process tree. A sample
# is a lower bound: nbconvert's peak, while the notebook divides the images into new float64
# arrays, lasts well under a second, and a 0.1-s sampler caught it in some runs and not in others
# (1373 to 1560 MB in single runs of one day). Sampling also costs what it measures: reading PSS
# walks each process's page tables, tens of milliseconds for a TensorFlow process; every 0.1 s it
# took 17% of a core beside a single grading and 6.6 CPU-seconds of a 34 s batch with --jobs 2,
# which it slowed by 20%. So in the batch ways the sampler waits at least 20 times as long as its
# last sample took (at most 5% of one core). Its CPU time is recorded (sampler_cpu).
SAMPLE_EVERY, SAMPLER_SHARE = 0.1, 20
WRAPPER = (
    "import json, resource, subprocess, sys; code = subprocess.run(sys.argv[1:], capture_output=True).returncode; "
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "print(json.dumps([code, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024]))"
)
NO_LIMIT_PROCESSES = 100_000


def memory_kb() -> int:
    return int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")))


def run_cgroup():
    """A fresh cgroup below this process's own, whose limits never bind; None where none is writable."""
    from grader.sandbox import cgroups

    return cgroups.create(memory_kb() // 1024 * 2, NO_LIMIT_PROCESSES, [])


def counters() -> dict[str, str]:
    """How CPU time and peak memory are counted on this machine."""
    group = run_cgroup()
    roles = group.dirs if group is not None else {}
    version = group.version if group is not None else 0
    found = {
        "cpu": f"cgroup v{version} CPU counter" if "cpu" in roles else "getrusage of the wrapper's children (misses processes bwrap starts as another user)",
        "peak_memory": f"cgroup v{version} {'memory.max_usage_in_bytes' if version == 1 else 'memory.peak'}"
        if "memory" in roles
        else "PSS of the process tree, sampled (no writable memory cgroup)",
    }
    if group is not None:
        group.remove()
    return found


def _pss_kb(pid: int) -> int:
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in lines if line.startswith("Pss:")), 0)


def tree_memory_mb(root: int) -> float:
    """Proportional set size of the process tree under root: shared pages are counted once."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier += children
    return sum(_pss_kb(pid) for pid in tree) / 1024


def measure(command: list[str], cwd: Path, env: dict[str, str], throttled: bool = False) -> dict[str, float]:
    group = run_cgroup()

    def enter_group() -> None:
        for folder in dict.fromkeys((group.dirs if group is not None else {}).values()):
            (folder / "cgroup.procs").write_text(str(os.getpid()))

    start = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-c", WRAPPER, *command], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, preexec_fn=enter_group
    )
    sampled = group is None or "memory" not in group.dirs
    pss_peak, sampling = 0.0, time.process_time()
    while sampled and process.poll() is None:
        began = time.process_time()
        pss_peak = max(pss_peak, tree_memory_mb(process.pid))
        time.sleep(max(SAMPLE_EVERY, SAMPLER_SHARE * (time.process_time() - began)) if throttled else SAMPLE_EVERY)
    process.wait()
    wall = time.monotonic() - start
    sampler_cpu = time.process_time() - sampling
    code, cpu, _ = json.loads(process.stdout.read().strip().splitlines()[-1])
    peak = None
    if group is not None:
        cpu = group.cpu_seconds() if "cpu" in group.dirs else cpu
        peak = group.peak_mb() if "memory" in group.dirs else None
        group.remove()
    if code != 0:
        raise SystemExit(f"{' '.join(command)} failed ({code})")
    return {"wall": wall, "cpu": cpu, "peak_mb": pss_peak if peak is None else peak, "sampler_cpu": sampler_cpu}


def as_script(notebook: Path, destination: Path) -> Path:
    cells = nbformat.read(notebook, as_version=4).cells
    code = [cell.source for cell in cells if cell.cell_type == "code" and not cell.source.lstrip().startswith(("%", "!"))]
    destination.write_text("\n\n".join(code) + "\n")
    return destination


def offline_home(folder: Path) -> dict[str, str]:
    """A HOME whose Keras cache holds Fashion MNIST, so every way runs offline on the same files."""
    from grader.data import fashion_mnist as datasets

    cache = folder / "home" / ".keras" / "datasets"
    cache.mkdir(parents=True)
    (cache / "fashion-mnist").symlink_to(datasets.locate().directory)
    cache = os.environ.get("GRADER_CACHE_DIR") or str(Path.home() / ".cache" / "grader")
    return {**os.environ, "HOME": str(folder / "home"), "GRADER_CACHE_DIR": cache, "TF_CPP_MIN_LOG_LEVEL": "2"}


def ways(name: str, notebook: Path, work: Path, with_batch: bool) -> list[tuple[str, list[str], Path | None]]:
    """(way, command, folder to empty first) in the order they run; regrade reuses grade's folder."""
    script = as_script(notebook, work / f"{name}.py")
    out = work / f"out-{name}"
    grader = [str(BIN / "grader")]
    plan = [
        ("floor", [sys.executable, str(script)], None),
        ("nbconvert", [str(BIN / "jupyter"), "nbconvert", "--to", "notebook", "--execute", str(notebook), "--output-dir", str(work / "executed")], None),
        ("grade", [*grader, "grade", str(notebook), "-a", ASSIGNMENT, "-o", str(out / "graded"), "--regrade"], out / "graded"),
        ("regrade", [*grader, "grade", str(notebook), "-a", ASSIGNMENT, "-o", str(out / "graded")], None),
    ]
    if with_batch and batch_available():
        students = work / f"class-{name}"
        students.mkdir(exist_ok=True)
        for index in range(10):
            shutil.copy(notebook, students / f"student{index:02d}.ipynb")
        for jobs in (1, 2):
            folder = out / f"batch-jobs{jobs}"
            plan.append((f"batch_jobs{jobs}", [*grader, "batch", str(students), "-a", ASSIGNMENT, "-o", str(folder), "--jobs", str(jobs), "--regrade"], folder))
    return plan


def batch_available() -> bool:
    return subprocess.run([str(BIN / "grader"), "batch", "--help"], capture_output=True).returncode == 0


def run(repeats: int, with_batch: bool) -> dict:
    warm = [str(BIN / "grader"), "grade", str(SUBMISSIONS["reference"]), "-a", ASSIGNMENT, "-o", tempfile.mkdtemp()]
    subprocess.run(warm, check=True, capture_output=True)  # the reference's result is cached before timing
    samples: dict[str, dict[str, list[dict]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as scratch:
        work = Path(scratch)
        env = offline_home(work)
        plans = {name: ways(name, notebook, work, with_batch) for name, notebook in SUBMISSIONS.items()}
        for repeat in range(repeats):
            for name, plan in plans.items():
                for way, command, fresh in plan:
                    if fresh is not None:
                        shutil.rmtree(fresh, ignore_errors=True)
                    sample = measure(command, work, env, throttled=way.startswith("batch"))
                    samples.setdefault(name, {}).setdefault(way, []).append(sample)
                    print(f"[{repeat + 1}/{repeats}] {name:9} {way:12} {sample['wall']:7.2f} s {sample['peak_mb']:6.0f} MB", flush=True)
    return summarise(samples, repeats)


def summarise(samples: dict, repeats: int) -> dict:
    result = {"machine": machine(), "repeats": repeats, "submissions": {}}
    for name, by_way in samples.items():
        medians = {way: {key: statistics.median(s[key] for s in runs) for key in ("wall", "cpu", "peak_mb", "sampler_cpu")} for way, runs in by_way.items()}
        floor = medians["floor"]["wall"]
        for values in medians.values():
            values["wall_ratio_to_floor"] = values["wall"] / floor
            values["wall_above_floor"] = values["wall"] - floor
        result["submissions"][name] = medians
    return result


def machine() -> dict:
    from importlib import metadata

    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), platform.processor()
    )
    return {
        "date": time.strftime("%Y-%m-%d"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kb() / 2**20, 1),
        "python": platform.python_version(),
        "tensorflow": metadata.version("tensorflow-cpu"),
        "grader": metadata.version("grader"),
    }


def targets(result: dict) -> dict[str, bool]:
    reference, fast = result["submissions"]["reference"], result["submissions"]["fast"]
    checks = {
        "reference: grade wall ≤ 1.10 × floor": reference["grade"]["wall_ratio_to_floor"] <= 1.10,
        "fast: grade wall ≤ floor + 2 s": fast["grade"]["wall_above_floor"] <= 2.0,
        "regrade of an unchanged submission < 1 s": max(reference["regrade"]["wall"], fast["regrade"]["wall"]) < 1.0,
        "reference: grade peak memory ≤ nbconvert's": reference["grade"]["peak_mb"] <= reference["nbconvert"]["peak_mb"],
    }
    if "batch_jobs2" in reference:
        checks["batch of 10: --jobs 2 ≥ 1.8 × faster than --jobs 1"] = reference["batch_jobs1"]["wall"] / reference["batch_jobs2"]["wall"] >= 1.8
    return checks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-batch", action="store_true", help="skip the batches of 10 (tests/benchmarks/bench_batch.py measures them too)")
    arguments = parser.parse_args()
    result = run(arguments.repeats, not arguments.no_batch)
    result["counted_by"] = counters()
    result["targets"] = targets(result)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\n{'submission':10} {'way':12} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'× floor':>8}")
    for name, medians in result["submissions"].items():
        for way, values in medians.items():
            print(f"{name:10} {way:12} {values['wall']:8.2f} {values['cpu']:8.2f} {values['peak_mb']:8.0f} {values['wall_ratio_to_floor']:8.2f}")
    for target, met in result["targets"].items():
        print(f"{'MET ' if met else 'MISSED'}  {target}")
    print(f"\nwritten: {RESULTS}")
    return 0 if all(result["targets"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
