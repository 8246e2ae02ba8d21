"""Where jobs run: worker threads on this machine, or the workers of a Dask cluster.

Both offer the same four calls (``slots``, ``submit``, ``finished``, ``close``),
and both run ``worker.run_job``, so a job grades the same either way: in a
process of its own, in its own sandbox, on whichever machine takes it.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import replace
from typing import Any
from urllib.parse import urlparse

from grader.batch.worker import Job, Outcome, Processes, died_report, load_spec, run_job
from grader.errors import GraderError
from grader.grading.fingerprint import fingerprint
from grader.options import usable_cores
from grader.text import batch as batch_words

CONNECT_SECONDS = 30


def lost(job: Job, error: BaseException) -> Outcome:
    """The outcome of a job whose result never came back: an internal report, score 0."""
    spec = load_spec(job)
    report = died_report(job, spec, f"was lost ({type(error).__name__}: {error})", "")
    return Outcome(job.student, report, fingerprint=fingerprint(spec))


def _results(done: Any, jobs: dict[Any, Job]) -> list[tuple[Any, Outcome]]:
    results = []
    for handle in done:
        job = jobs.pop(handle)
        try:
            results.append((handle, handle.result()))
        except Exception as error:  # a fault of the grader or the cluster, never of the submission
            results.append((handle, lost(job, error)))
    return results


class LocalPool:
    """``jobs`` worker threads, each waiting on one worker process at a time."""

    where = "on this machine"

    def __init__(self, jobs: int):
        self.jobs, self.processes = jobs, Processes()
        self.running: dict[Future, Job] = {}
        self.pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="grader-job")

    def slots(self) -> int:
        return self.jobs

    def submit(self, job: Job) -> Future:
        handle = self.pool.submit(run_job, job, self.processes)
        self.running[handle] = job
        return handle

    def finished(self, timeout: float) -> list[tuple[Future, Outcome]]:
        done, _ = wait(list(self.running), timeout=timeout, return_when=FIRST_COMPLETED)
        return _results(done, self.running)

    def close(self, abort: bool = False) -> None:
        if abort:
            self.processes.terminate_all()
        self.pool.shutdown(wait=True, cancel_futures=True)


def grade_on_worker(job: Job, threads_by_host: dict[str, int]) -> Outcome:
    """A Dask task: pick the TensorFlow threads for this worker's machine, then grade."""
    if job.options.threads == 0:
        from distributed import get_worker

        worker = get_worker()
        threads = threads_by_host.get(urlparse(worker.address).hostname or "") or max(1, usable_cores() // worker.state.nthreads)
        job = replace(job, options=replace(job.options, threads=threads))
    return run_job(job)


class DaskPool:
    """The workers of the Dask scheduler at ``address``; each grading task takes one worker thread."""

    def __init__(self, address: str):
        try:
            from distributed import Client
        except ImportError:
            raise GraderError(batch_words.dask_missing()) from None
        try:
            self.client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
        except (OSError, TimeoutError) as error:
            raise GraderError(batch_words.cluster_unreachable(address, error)) from None
        self.where = f"on the Dask cluster at {address}"
        self.running: dict[Any, Job] = {}
        self.threads_by_host = self._threads_by_host()

    def _workers(self) -> dict[str, Any]:
        return self.client.scheduler_info(n_workers=-1)["workers"]

    def _threads_by_host(self) -> dict[str, int]:
        """TensorFlow threads per machine: its cores shared among all Dask worker threads on it."""
        cores = self.client.run(usable_cores)
        slots: dict[str, int] = {}
        for address, worker in self._workers().items():
            host = urlparse(address).hostname or ""
            slots[host] = slots.get(host, 0) + worker["nthreads"]
        hosts = {urlparse(address).hostname or "": count for address, count in cores.items()}
        return {host: max(1, hosts.get(host, 1) // count) for host, count in slots.items()}

    def slots(self) -> int:
        return max(1, sum(worker["nthreads"] for worker in self._workers().values()))

    def submit(self, job: Job) -> Any:
        key = f"grade-{job.student}-{os.urandom(4).hex()}"
        handle = self.client.submit(grade_on_worker, job, self.threads_by_host, pure=False, key=key)
        self.running[handle] = job
        return handle

    def finished(self, timeout: float) -> list[tuple[Any, Outcome]]:
        deadline = time.monotonic() + timeout
        while not (done := [handle for handle in self.running if handle.done()]) and time.monotonic() < deadline:
            time.sleep(0.1)
        return _results(done, self.running)

    def close(self, abort: bool = False) -> None:
        if abort and self.running:
            self.client.cancel(list(self.running))
        self.client.close()
