"""Benchmark: what `grader serve` adds to `grader grade`, and how fast it grades a class's hand-ins.

Not a test (pytest does not collect it). Run it on an otherwise idle machine:

    .venv/bin/python tests/benchmarks/bench_service.py [--repeats 3] [--students 10] [--patience SECONDS]

It writes tests/benchmarks/results/service.json with two figures:

  overhead_seconds     for one hand-in of tests/benchmarks/fast_submission.ipynb (it trains one
                       short epoch): what the service adds to `grader grade` on the same file in a
                       fresh process. Each way's time beyond the grading itself (wall time minus
                       the report's duration_seconds) is taken, as medians, and the service's less
                       `grader grade`'s: on a shared machine the training's own time varies by
                       seconds from run to run and would drown the difference. The plain
                       difference of the median wall times is kept too
                       (``overhead_of_medians_seconds``). Measured twice: through the JSON API (hand in, then poll every 50 ms) and
                       in headless Chromium (click "Hand in", until the report link shows), with
                       `grader serve --jobs 1`, so that each grading gets the same two TensorFlow
                       threads as `grader grade --threads 2`.
  throughput           20 hand-ins (2 per student, each a different file) handed in at once to
                       `grader serve --jobs 2`: seconds until all are graded, hand-ins per minute,
                       and `grader batch --jobs 2` on the same 20 files for comparison.

Each hand-in is a different file (one more markdown cell), so no cached grading is reused.
Every run records the CPU time other processes took while it ran (``foreign_cpu_seconds``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(HERE)]

from bench_batch import busy_seconds, machine, wait_for_idle  # noqa: E402

from servicecourse import ASSIGNMENT, FAST, Server, call, hand_in, make_course, token, variant  # noqa: E402

RESULTS = HERE / "results" / "service.json"
PATIENCE = [1800.0]  # seconds to wait for an idle machine before each measurement (--patience)


def measured(run) -> dict:
    """Run ``run()`` (returns seconds, details) after the machine is idle; note what else used the CPU."""
    waited = wait_for_idle(patience=PATIENCE[0])
    busy, started = busy_seconds(), time.monotonic()
    seconds, details = run()
    wall = time.monotonic() - started
    return {
        "seconds": round(seconds, 2),
        "waited_minutes_for_idle": round(waited, 1),
        "machine_cpu_seconds": round(busy_seconds() - busy, 1),
        "wall_seconds": round(wall, 2),
        **details,
    }


def grade_once(path: Path) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as out:
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "grader", "grade", str(path), "-a", ASSIGNMENT, "-o", out, "--threads", "2"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
        )
        seconds = time.monotonic() - started
        report = json.loads((Path(out) / "report.json").read_text())
    return seconds, {"score": report["score"], "grading_seconds": report["duration_seconds"]}


def api_once(url: str, key: str, path: Path) -> tuple[float, dict]:
    started = time.monotonic()
    handin = hand_in(url, key, path)
    while (found := call(url, key, f"/api/a/{ASSIGNMENT}/handins/{handin['id']}"))["state"] != "done":
        time.sleep(0.05)
    call(url, key, f"/api/a/{ASSIGNMENT}/handins/{handin['id']}/report")
    return time.monotonic() - started, {"score": found["result"]["score"], "grading_seconds": found["result"]["duration_seconds"]}


def browser_once(tab, url: str, key: str, path: Path) -> tuple[float, dict]:
    tab.goto(url + "/")
    tab.set_input_files("#file", str(path))
    started = time.monotonic()
    tab.click("#submit")
    tab.wait_for_selector("#report:not([hidden])", timeout=600_000)
    seconds = time.monotonic() - started
    found = call(url, key, "/api" + tab.url.removeprefix(url))
    return seconds, {"score": tab.inner_text("#score"), "grading_seconds": found["result"]["duration_seconds"]}


def overhead(scratch: Path, repeats: int) -> dict:
    from playwright.sync_api import sync_playwright

    from chromium import FLAGS, browser

    course = make_course(scratch / "overhead" / "course", students=("alice",))
    key = token(course, "alice")
    files = scratch / "overhead" / "files"
    files.mkdir()
    runs: dict[str, list] = {"grade": [], "api": [], "browser": []}
    with Server(course, "--jobs", "1", "--per-hour", "1000") as server, sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=browser(), args=FLAGS)
        tab = chromium.new_page()
        tab.goto(server.url + "/signin")
        tab.fill("#token", key)
        tab.click("button[type=submit]")
        tab.wait_for_url(f"{server.url}/")
        api_once(server.url, key, variant(FAST, files, "warm-up"))  # the server's first grading: reference cache, imports
        for number in range(repeats):  # alternate the ways, so a disturbance hits all of them
            grade, api, browsed = (variant(FAST, files, f"{way}-{number}") for way in ("grade", "api", "browser"))
            runs["grade"].append(measured(partial(grade_once, grade)))
            runs["api"].append(measured(partial(api_once, server.url, key, api)))
            runs["browser"].append(measured(partial(browser_once, tab, server.url, key, browsed)))
            print({way: found[-1]["seconds"] for way, found in runs.items()}, flush=True)
        chromium.close()
    medians = {way: round(statistics.median(run["seconds"] for run in found), 2) for way, found in runs.items()}
    beyond = {way: round(statistics.median(run["seconds"] - run["grading_seconds"] for run in found), 2) for way, found in runs.items()}
    return {
        "median_seconds": medians,
        "median_seconds_beyond_grading": beyond,
        "overhead_seconds": {way: round(beyond[way] - beyond["grade"], 2) for way in ("api", "browser")},
        "overhead_of_medians_seconds": {way: round(medians[way] - medians["grade"], 2) for way in ("api", "browser")},
        "runs": runs,
    }


def throughput(scratch: Path, students: int, batch_only: bool = False) -> dict:
    ids = tuple(f"s{number:02d}" for number in range(1, students + 1))
    course = make_course(scratch / "throughput" / "course", students=ids)
    keys = {student: token(course, student) for student in ids}
    files = scratch / "throughput" / "files"
    (files / "class").mkdir(parents=True)
    work = [(student, variant(FAST, files, f"{student}-{copy}")) for copy in (1, 2) for student in ids]
    others = [(student, variant(FAST, files, f"{student}-batch-{copy}")) for copy in (1, 2) for student in ids]  # kept reports must not answer

    def serve() -> tuple[float, dict]:
        with Server(course, "--jobs", "2") as server:
            started = time.monotonic()
            with ThreadPoolExecutor(max_workers=len(work)) as pool:
                accepted = list(pool.map(lambda pair: hand_in(server.url, keys[pair[0]], pair[1]), work))
            while any(call(server.url, keys[h["student"]], f"/api/a/{ASSIGNMENT}/handins/{h['id']}")["state"] != "done" for h in accepted):
                time.sleep(0.5)
            seconds = time.monotonic() - started
        return seconds, {"handins": len(accepted), "per_minute": round(60 * len(accepted) / seconds, 2)}

    def batch() -> tuple[float, dict]:
        for _, path in others:  # one folder per hand-in, as `grader batch` takes a class
            (files / "class" / path.stem).mkdir()
            shutil.copy(path, files / "class" / path.stem / path.name)
        out = scratch / "throughput" / "batch"
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "grader", "batch", str(files / "class"), "-a", ASSIGNMENT, "-o", str(out), "--jobs", "2", "--progress", "lines"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
        )
        seconds = time.monotonic() - started
        return seconds, {"handins": len(others), "per_minute": round(60 * len(others) / seconds, 2)}

    if batch_only:
        return {"batch": measured(batch)}
    served, batched = measured(serve), measured(batch)
    print({"serve": served["seconds"], "batch": batched["seconds"]}, flush=True)
    return {
        "handins": len(work),
        "students": students,
        "jobs": 2,
        "serve": served,
        "batch": batched,
        "serve_over_batch": round(served["seconds"] / batched["seconds"], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--patience", type=float, default=1800.0, help="seconds to wait for an idle machine before each run")
    parser.add_argument("--batch-only", action="store_true", help="measure only `grader batch` on the 20 and update its entry in the results")
    arguments = parser.parse_args()
    PATIENCE[0] = arguments.patience
    if arguments.batch_only:
        with tempfile.TemporaryDirectory(prefix="bench-service-") as scratch:
            batched = throughput(Path(scratch), arguments.students, batch_only=True)["batch"]
        result = json.loads(RESULTS.read_text())
        result["throughput"]["batch"] = {**batched, "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        result["throughput"]["serve_over_batch"] = round(result["throughput"]["serve"]["seconds"] / batched["seconds"], 3)
        RESULTS.write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps({"batch_seconds": batched["seconds"]}))
        return
    with tempfile.TemporaryDirectory(prefix="bench-service-") as scratch:
        one = overhead(Path(scratch), arguments.repeats)
        many = throughput(Path(scratch), arguments.students)
    result = {
        "benchmark": "grader serve: overhead over grader grade for one hand-in; throughput for 20",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "submission": str(FAST.relative_to(ROOT)),
        "overhead_seconds": one["overhead_seconds"],
        "throughput_per_minute": many["serve"]["per_minute"],
        "overhead": one,
        "throughput": many,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(
        json.dumps(
            {
                "overhead_seconds": one["overhead_seconds"],
                "median_seconds": one["median_seconds"],
                "throughput": {"serve_seconds": many["serve"]["seconds"], "batch_seconds": many["batch"]["seconds"], "per_minute": many["serve"]["per_minute"]},
            }
        )
    )


if __name__ == "__main__":
    main()
