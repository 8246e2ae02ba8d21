"""Run an untrusted command in a bubblewrap sandbox with resource limits.

Student misbehaviour comes back as data (`SandboxRun.outcome`); only grader bugs
or machine setup faults raise `SandboxSetupError`. What the sandbox sees and as
whom it runs is ``grader/bwrap.py`` (with ``grader/staging.py`` when the grader is
root); the per-run cgroup is ``grader/cgroups.py``; watching the run until it ends
is ``grader/watchdog.py``.
"""

from __future__ import annotations

import functools
import math
import os
import resource
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from grader.errors import SandboxSetupError
from grader.sandbox import bwrap, cgroups
from grader.sandbox.bwrap import Mount, python_mounts
from grader.sandbox.cgroups import Cgroup as _Cgroup
from grader.sandbox.cgroups import parents as _cgroup_parents  # noqa: F401  (the tests' view of our cgroups)
from grader.sandbox.limits import Limits
from grader.sandbox.watchdog import Outcome
from grader.sandbox.watchdog import OutputReader as _OutputReader
from grader.sandbox.watchdog import Reader as _Reader
from grader.sandbox.watchdog import State as _State
from grader.sandbox.watchdog import classify as _classify
from grader.sandbox.watchdog import wait as _wait

RAW_OUTPUT_FACTOR = 100  # printed bytes before collapsing may reach this many times the output limit

__all__ = ["Isolation", "Limits", "Mount", "Outcome", "SandboxRun", "SandboxSetupError", "SandboxSupport", "python_mounts", "run", "support"]


class Isolation(Enum):
    BWRAP = "bwrap"
    NONE = "none"


@dataclass(frozen=True)
class SandboxRun:
    outcome: Outcome
    exit_code: int | None
    signal: int | None
    output: str
    output_truncated: bool
    wall_seconds: float
    cpu_seconds: float
    peak_memory_mb: float | None
    isolation: Isolation
    results: bytes = b""  # what the run wrote to its results channel (fd $GRADER_RESULTS_FD), cut at the limit
    process_limit_hits: int = 0  # forks or threads refused at the process limit (pids cgroup only)


@dataclass(frozen=True)
class SandboxSupport:
    isolation: Isolation | None
    memory_limit: str
    process_limit: str
    problems: tuple[str, ...]
    sandbox_user: str = ""  # who the sandboxed code is on the host
    features: bwrap.Features | None = None
    cpu_limit: str = ""


def _create_cgroup(limits: Limits, problems: list[str] | None = None) -> _Cgroup | None:
    return cgroups.create(limits.memory_mb, limits.processes, problems)


def _drops_privileges() -> bool:
    features = support().features
    return bool(features and features.unprivileged)


def _describe(cg: _Cgroup | None) -> tuple[str, str]:
    """Human text for the memory and process limits in force."""
    return cgroups.describe(cg, os.geteuid() != 0 or _drops_privileges())


def _sandbox_user(features: bwrap.Features | None) -> str:
    if features is None:
        return "none"
    if features.unprivileged:
        return f"uid {bwrap.SANDBOX_ID} on the host (the grader is root and drops to it before starting bwrap)"
    if os.geteuid() == 0:
        return f"uid {bwrap.SANDBOX_ID} inside, mapped to host root (unprivileged user namespaces unavailable)"
    return f"uid {bwrap.SANDBOX_ID} inside, mapped to the grader's uid {os.geteuid()}"


@functools.cache
def support() -> SandboxSupport:
    """Probe (once per process) what isolation and limits this machine offers."""
    problems: list[str] = []
    features = bwrap.probe(problems)
    cg = _create_cgroup(Limits(), problems)
    memory, processes = cgroups.describe(cg, os.geteuid() != 0 or bool(features and features.unprivileged))
    cpu = cgroups.describe_cpu(cg)
    if cg:
        cg.remove()
    isolation = Isolation.BWRAP if features else None
    return SandboxSupport(isolation, memory, processes, tuple(problems), _sandbox_user(features), features, cpu)


def _preexec(limits: Limits, cg: _Cgroup | None, launch: _Launch) -> Callable[[], None]:
    """Child-side setup before exec: join the cgroup, set rlimits, then bwrap's own (dropping root)."""
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    cpu_hard = math.ceil(limits.cpu_seconds) + 5
    cpu_hard = cpu_hard if hard == resource.RLIM_INFINITY else min(hard, cpu_hard)
    cpu = min(max(1, math.ceil(limits.cpu_seconds)), cpu_hard)
    drop = bool(launch.command and launch.features and launch.features.unprivileged)
    binds = os.geteuid() != 0 or drop
    nproc = None if not binds or (cg and "pids" in cg.dirs) else limits.processes
    procs = [str(d / "cgroup.procs") for d in (cg.created if cg else [])]

    def apply() -> None:
        for path in procs:
            fd = os.open(path, os.O_WRONLY)
            try:
                os.write(fd, b"0")
            finally:
                os.close(fd)
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu_hard))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if nproc is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        if launch.command and launch.features:
            bwrap.child_setup(launch.command, launch.features)

    return apply


@dataclass(frozen=True)
class _Launch:
    """How to start one run: the command, and what it inherits."""

    argv: list[str]
    cwd: str | None
    env: dict[str, str]
    fds: tuple[int, ...]  # passed to the child and closed here once it started
    isolation: Isolation
    command: bwrap.Command | None = None  # set under BWRAP: what to stage and undo
    features: bwrap.Features | None = None


def _start(launch: _Launch, limits: Limits, cg: _Cgroup | None) -> subprocess.Popen:
    try:
        return subprocess.Popen(
            launch.argv,
            cwd=launch.cwd,
            env=launch.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_preexec(limits, cg, launch),
            pass_fds=launch.fds,
        )
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        raise SandboxSetupError(f"cannot start {launch.argv[0]!r} ({exc}); check the command and workdir") from exc
    finally:
        for fd in launch.fds:
            os.close(fd)


def _supervise(
    launch: _Launch, limits: Limits, cg: _Cgroup | None, channel: tuple[int, int] | None, on_results: Callable[[bytes], None] | None = None
) -> SandboxRun:
    start = time.monotonic()
    proc = _start(launch, limits, cg)
    state = _State(proc.pid, cg)
    assert proc.stdout is not None
    reader = _OutputReader(proc.stdout, limits.output_bytes, RAW_OUTPUT_FACTOR * limits.output_bytes, lambda: state.kill(Outcome.OUTPUT))
    reader.start()
    results = _Reader(os.fdopen(channel[0], "rb"), channel[1], lambda: state.kill(Outcome.OUTPUT), on_results) if channel else None
    if results:
        results.start()
    status, usage = _wait(proc.pid, state, limits, start)
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - start
    reader.join(timeout=5)
    if results:
        results.join(timeout=5)
    sig = -code if code < 0 else None
    if sig is None and launch.isolation is Isolation.BWRAP and 128 < code <= 128 + 64:
        sig = code - 128  # bwrap reports death by signal N as exit 128+N
    cpu = cg.cpu_seconds() if cg else None
    cpu = max(state.cpu, usage.ru_utime + usage.ru_stime) if cpu is None else cpu
    peak = cg.peak_mb() if cg and "memory" in cg.dirs else max(state.peak_mb, usage.ru_maxrss / 1024)
    return SandboxRun(
        _classify(state, sig, cpu, limits),
        None if sig else code,
        sig,
        reader.text,
        reader.truncated,
        wall,
        cpu,
        peak,
        launch.isolation,
        bytes(results.data) if results else b"",
        cg.process_limit_hits() if cg else 0,
    )


def _validate(argv: Sequence[str], mounts: Sequence[Mount], workdir: str, env: Mapping[str, str]) -> None:
    if not argv:
        raise SandboxSetupError("argv is empty; pass the command to run")
    if not workdir.startswith("/"):
        raise SandboxSetupError(f"workdir {workdir!r} must be an absolute path")
    for m in mounts:
        if not m.target.startswith("/"):
            raise SandboxSetupError(f"mount target {m.target!r} must be an absolute path")
        if not Path(m.source).exists():
            raise SandboxSetupError(f"mount source {m.source} does not exist; create it or drop the mount")
    if any(not key or "=" in key for key in env):
        raise SandboxSetupError("environment names must be non-empty and contain no '='")


def _launch(
    argv: Sequence[str],
    mounts: Sequence[Mount],
    workdir: str,
    env: Mapping[str, str],
    isolation: Isolation,
    limits: Limits,
    scratch: Sequence[str],
    passed: tuple[int, ...],
) -> _Launch:
    if isolation is Isolation.NONE:
        return _Launch(list(argv), workdir, dict(env), passed, isolation)
    found = support()
    if found.isolation is not Isolation.BWRAP or found.features is None:
        raise SandboxSetupError("bubblewrap sandbox unavailable: " + "; ".join(found.problems))
    command = bwrap.command(argv, mounts, workdir, env, scratch, limits.scratch_mb * 2**20, found.features)
    return _Launch(command.argv, None, {}, passed, isolation, command, found.features)


def run(
    argv: Sequence[str],
    *,
    limits: Limits,
    mounts: Sequence[Mount],
    workdir: str,
    env: Mapping[str, str],
    isolation: Isolation,
    results_limit: int = 0,
    scratch: Sequence[str] = (),
    on_results: Callable[[bytes], None] | None = None,
) -> SandboxRun:
    """Run argv with limits. BWRAP: workdir is a sandbox path (tmpfs unless mounted), and
    ``scratch`` names more sandbox folders that get a size-limited tmpfs, besides /tmp and
    /dev/shm. NONE: no isolation, mounts are ignored, workdir must be an existing host folder.

    With ``results_limit``, the run gets a results channel: a pipe whose write end
    is inherited as file descriptor ``$GRADER_RESULTS_FD``; at most that many bytes
    are kept (``SandboxRun.results``, each chunk also given to ``on_results`` as it
    arrives) and more ends the run as ``OUTPUT``. Nothing
    the run writes to disk reaches the host: this pipe is the only way out."""
    _validate(argv, mounts, workdir, env)
    read_end, write_end = os.pipe() if results_limit else (-1, -1)
    if results_limit:
        env = {**env, "GRADER_RESULTS_FD": str(write_end)}
    try:
        launch = _launch(argv, mounts, workdir, env, isolation, limits, scratch, (write_end,) if results_limit else ())
    except BaseException:
        for fd in (read_end, write_end) if results_limit else ():
            os.close(fd)
        raise
    cg = _create_cgroup(limits)
    try:
        return _supervise(launch, limits, cg, (read_end, results_limit) if results_limit else None, on_results)
    finally:
        if cg:
            cg.remove()
        if launch.command:
            bwrap.unstage(launch.command)
