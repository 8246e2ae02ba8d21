"""Watching one run: enforce the limits the kernel does not, drain its output, reap it, say how it ended.

The wall clock is always the watchdog's; CPU time and memory are sampled here
when no cgroup counts or enforces them. The first reason to kill wins.
"""

from __future__ import annotations

import os
import resource
import signal
import threading
import time
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from grader.sandbox.cgroups import Cgroup
    from grader.sandbox.limits import Limits

_POLL = 0.2
_TICK, _PAGE = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE")


class Outcome(Enum):
    FINISHED = "finished"
    TIMEOUT = "timeout"
    CPU_TIME = "cpu_time"
    MEMORY = "memory"
    OUTPUT = "output"


def tree_usage(root: int) -> tuple[float, float]:
    """(RSS MiB, CPU seconds incl. reaped children) summed over root and its descendants."""
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                text = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            fields = text[text.rindex(")") + 2 :].split()
            stats[int(entry.name)] = fields
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    rss = cpu = 0.0
    todo = [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        if pid in stats:
            rss += int(stats[pid][21]) * _PAGE / 2**20
            cpu += sum(int(x) for x in stats[pid][11:15]) / _TICK
    return rss, cpu


class State:
    """Shared run state: why it was killed, and usage samples."""

    def __init__(self, pid: int, cg: Cgroup | None) -> None:
        self.pid, self.cg = pid, cg
        self.lock, self.wake = threading.Lock(), threading.Event()
        self.reason: Outcome | None = None
        self.reaped = False
        self.cpu = self.peak_mb = 0.0

    def kill(self, reason: Outcome | None) -> None:
        """Kill the whole run (process group and cgroup); first reason wins."""
        with self.lock:
            if self.reaped:
                return
            self.reason = self.reason or reason
            try:
                os.killpg(self.pid, signal.SIGKILL)  # leader not reaped yet: pgid is ours
            except OSError:
                pass
        if self.cg:
            self.cg.kill_all()
        self.wake.set()

    def check(self, limits: Limits) -> None:
        """Sample CPU and memory; kill on breach of limits the kernel doesn't enforce."""
        cpu = self.cg.cpu_seconds() if self.cg else None
        watch_memory = self.cg is None or "memory" not in self.cg.dirs
        if watch_memory or cpu is None:
            rss, tree_cpu = tree_usage(self.pid)
            cpu = tree_cpu if cpu is None else cpu
            if watch_memory:
                self.peak_mb = max(self.peak_mb, rss)
                if rss > limits.memory_mb:
                    self.kill(Outcome.MEMORY)
        self.cpu = max(self.cpu, cpu)
        if self.cpu > limits.cpu_seconds:
            self.kill(Outcome.CPU_TIME)


class Reader(threading.Thread):
    """Drains a pipe, keeping the first ``limit`` bytes, each chunk also given to ``on_chunk`` as it arrives."""

    def __init__(self, pipe: IO[bytes], limit: int, on_overflow: Callable[[], None], on_chunk: Callable[[bytes], None] | None = None) -> None:
        super().__init__(daemon=True)
        self.pipe, self.limit, self.on_overflow, self.on_chunk = pipe, limit, on_overflow, on_chunk
        self.data, self.truncated = bytearray(), False

    def run(self) -> None:
        with self.pipe:
            while chunk := os.read(self.pipe.fileno(), 1 << 16):
                room = self.limit - len(self.data)
                self.data += chunk[:room]
                if self.on_chunk and room > 0:
                    self.on_chunk(chunk[:room])
                if len(chunk) > room and not self.truncated:
                    self.truncated = True
                    self.on_overflow()


class OutputReader(threading.Thread):
    """Drains the merged stdout/stderr pipe into a ``Screen``: ``limit`` counts the collapsed text, ``raw_limit`` the bytes."""

    def __init__(self, pipe: IO[bytes], limit: int, raw_limit: int, on_overflow: Callable[[], None]) -> None:
        super().__init__(daemon=True)
        from grader.sandbox.output import Screen

        self.pipe, self.limit, self.raw_limit, self.on_overflow = pipe, limit, raw_limit, on_overflow
        self.screen, self.raw, self.truncated = Screen(), 0, False

    def run(self) -> None:
        with self.pipe:
            while chunk := os.read(self.pipe.fileno(), 1 << 16):
                self.raw += len(chunk)
                if self.truncated:
                    continue
                self.screen.feed(chunk)
                if self.screen.size > self.limit or self.raw > self.raw_limit:
                    self.truncated = True
                    self.on_overflow()

    @property
    def text(self) -> str:
        text = self.screen.text()
        return text[: self.limit] if self.truncated else text


def wait(pid: int, state: State, limits: Limits, start: float) -> tuple[int, resource.struct_rusage]:
    """Enforce limits until the process exits; kill its group; reap it."""
    deadline = start + limits.wall_seconds
    try:
        while os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
            remaining = deadline - time.monotonic()
            if state.reason is not None:
                os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)  # SIGKILLed: exits shortly
            elif remaining <= 0:
                state.kill(Outcome.TIMEOUT)
            else:
                state.check(limits)
                state.wake.wait(min(_POLL, max(remaining, 0.01)))
    finally:
        state.kill(None)  # leftovers of the group / cgroup
        with state.lock:
            state.reaped = True
        _, status, usage = os.wait4(pid, 0)
    return status, usage


def classify(state: State, sig: int | None, cpu: float, limits: Limits) -> Outcome:
    if state.reason is not None:
        return state.reason
    if state.cg and "memory" in state.cg.dirs and state.cg.oom_killed(sig == signal.SIGKILL):
        return Outcome.MEMORY
    if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu >= limits.cpu_seconds):
        return Outcome.CPU_TIME
    return Outcome.FINISHED
