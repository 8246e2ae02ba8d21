"""Run an untrusted command in a bubblewrap sandbox with resource limits.

Student misbehaviour comes back as data (`SandboxRun.outcome`); only grader bugs
or machine setup faults raise `SandboxSetupError`.
"""

from __future__ import annotations

import functools
import math
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import IO


class SandboxSetupError(Exception):
    """The sandbox cannot be set up; the message says what to fix."""


class Isolation(Enum):
    BWRAP = "bwrap"
    NONE = "none"


@dataclass(frozen=True)
class Limits:
    """Limits of one run; /tmp, /dev/shm and a tmpfs workdir each get scratch_mb."""

    wall_seconds: float = 600
    cpu_seconds: float = 1200
    memory_mb: int = 4096
    processes: int = 512  # tasks, i.e. threads too: TensorFlow alone starts ~100
    scratch_mb: int = 512
    output_bytes: int = 1_000_000


@dataclass(frozen=True)
class Mount:
    source: Path
    target: str
    writable: bool = False


class Outcome(Enum):
    FINISHED = "finished"
    TIMEOUT = "timeout"
    CPU_TIME = "cpu_time"
    MEMORY = "memory"
    OUTPUT = "output"


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


@dataclass(frozen=True)
class SandboxSupport:
    isolation: Isolation | None
    memory_limit: str
    process_limit: str
    problems: tuple[str, ...]


_CG = Path("/sys/fs/cgroup")
_V1 = {"memory": "memory", "pids": "pids", "cpu": "cpuacct"}  # role -> v1 hierarchy
_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "passwd", "group",
        "nsswitch.conf", "hosts", "host.conf", "alternatives", "fonts", "mime.types")
_POLL = 0.2
_NOBODY = "65534"
_TICK, _PAGE = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE")


def _inside(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def _field(text: str | None, key: str) -> int | None:
    """Value of a `key value` line in a cgroup stat file."""
    found = re.search(rf"^{key} (\d+)$", text or "", re.MULTILINE)
    return int(found[1]) if found else None


def python_mounts() -> tuple[Mount, ...]:
    """Read-only mounts making this interpreter (base prefix, venv, executable) visible."""
    paths = {os.path.abspath(p) for p in (sys.base_prefix, sys.prefix)}
    paths.add(os.path.realpath(sys.executable))
    kept = sorted(p for p in paths if not any(q != p and _inside(p, q) for q in paths))
    return tuple(Mount(Path(p).resolve(), p) for p in kept)


@dataclass
class _Cgroup:
    """A per-run cgroup: one directory per role (memory, pids, cpu)."""

    version: int
    dirs: dict[str, Path] = field(default_factory=dict)
    created: list[Path] = field(default_factory=list)

    def read(self, role: str, name: str) -> str | None:
        try:
            return (self.dirs[role] / name).read_text()
        except (KeyError, OSError):
            return None

    def cpu_seconds(self) -> float | None:
        if self.version == 1:
            text = self.read("cpu", "cpuacct.usage")
            return int(text) / 1e9 if text else None
        usec = _field(self.read("cpu", "cpu.stat"), "usage_usec")
        return usec / 1e6 if usec is not None else None

    def peak_mb(self) -> float | None:
        text = self.read("memory", "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak")
        return int(text) / 2**20 if text else None

    def oom_killed(self, got_sigkill: bool) -> bool:
        name = "memory.oom_control" if self.version == 1 else "memory.events"
        kills = _field(self.read("memory", name), "oom_kill")
        if kills is not None:
            return kills > 0
        return got_sigkill and int(self.read("memory", "memory.failcnt") or 0) > 0

    def kill_all(self) -> None:
        for d in self.created:
            try:
                if (d / "cgroup.kill").exists():
                    (d / "cgroup.kill").write_text("1")
                    continue
                pids = (d / "cgroup.procs").read_text().split()
            except OSError:
                continue  # already removed
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except OSError:
                    pass

    def remove(self) -> None:
        """Kill whatever is left inside, then delete the directories."""
        deadline = time.monotonic() + 10
        for d in reversed(self.created):
            while d.exists():
                self.kill_all()
                try:
                    d.rmdir()
                except FileNotFoundError:
                    break
                except OSError as exc:
                    if time.monotonic() > deadline:
                        raise SandboxSetupError(
                            f"cannot remove cgroup {d} ({exc}); kill its processes and rmdir it") from exc
                    time.sleep(0.05)


def _cgroup_parents() -> tuple[int, dict[str, Path]]:
    """cgroup version and, per role, the directory of this process's own cgroup."""
    lines = Path("/proc/self/cgroup").read_text().splitlines()
    if (_CG / "cgroup.controllers").exists():
        parent = _CG / next(ln[3:] for ln in lines if ln.startswith("0::")).lstrip("/")
        for controller in ("memory", "pids"):
            try:
                (parent / "cgroup.subtree_control").write_text("+" + controller)
            except OSError:
                pass  # reported when the limit file turns out to be missing
        return 2, {role: parent for role in _V1}
    own = {c: ln.split(":", 2)[2] for ln in lines for c in ln.split(":", 2)[1].split(",")}
    parents = {}
    for role, ctrl in _V1.items():
        if ctrl in own and (_CG / ctrl).is_dir():
            path = _CG / ctrl / own[ctrl].lstrip("/")
            parents[role] = path if path.is_dir() else _CG / ctrl
    return 1, parents


def _apply_limit(cg: _Cgroup, role: str, d: Path, limits: Limits) -> None:
    """Write one role's limit into d; OSError if its controller is missing there."""
    memory = str(limits.memory_mb * 2**20)
    files = {"memory": [("memory.limit_in_bytes", memory), ("memory.memsw.limit_in_bytes", memory)]
             if cg.version == 1 else [("memory.max", memory), ("memory.swap.max", "0")],
             "pids": [("pids.max", str(limits.processes))],
             "cpu": [("cpuacct.usage" if cg.version == 1 else "cpu.stat", None)]}[role]
    for i, (name, value) in enumerate(files):
        if not (d / name).exists():
            if i == 0:
                raise OSError(f"{d / name} missing: controller not enabled")
        elif value is not None:
            (d / name).write_text(value)


def _create_cgroup(limits: Limits, problems: list[str] | None = None) -> _Cgroup | None:
    """Make a per-run cgroup below our own; None (reasons in problems) if impossible."""
    notes = problems if problems is not None else []
    try:
        version, parents = _cgroup_parents()
    except (OSError, ValueError, IndexError, StopIteration) as exc:
        notes.append(f"cgroups unusable ({exc}); limits fall back to watchdogs and rlimits")
        return None
    cg, name = _Cgroup(version), f"grader-sandbox-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    for role, parent in parents.items():
        d = parent / name
        try:
            if d not in cg.created:
                d.mkdir()
                cg.created.append(d)
            _apply_limit(cg, role, d, limits)
            cg.dirs[role] = d
        except OSError as exc:
            notes.append(f"cgroup v{version} {role} below {parent} unusable ({exc}); "
                         "give the grader a writable (delegated) cgroup subtree")
    return cg if cg.created else None


def _describe(cg: _Cgroup | None) -> tuple[str, str]:
    """Human text for the memory and process limits in force."""
    roles, v = (cg.dirs, cg.version) if cg else ({}, 0)
    if "memory" not in roles:
        memory = "RSS watchdog (VmRSS of the process tree summed every 0.2 s)"
    elif v == 2:
        memory = "cgroup v2 memory.max (+ memory.swap.max 0)"
    else:
        swap = (roles["memory"] / "memory.memsw.limit_in_bytes").exists()
        memory = "cgroup v1 memory.limit_in_bytes" + (" + memory.memsw.limit_in_bytes" if swap else "")
    if "pids" in roles:
        processes = f"cgroup v{v} pids.max"
    elif os.geteuid() != 0:
        processes = "RLIMIT_NPROC (counts every process of the grader's uid, not just this run)"
    else:
        processes = "none: no writable pids cgroup, and RLIMIT_NPROC does not bind root"
    return memory, processes


def _bwrap_argv(argv: Sequence[str], mounts: Sequence[Mount], workdir: str,
                env: Mapping[str, str], limits: Limits) -> list[str]:
    """The bwrap command line: read-only system, python, caller mounts, tmpfs scratch."""
    size = ["--size", str(limits.scratch_mb * 2**20), "--tmpfs"]
    args = [shutil.which("bwrap") or "bwrap", "--unshare-all", "--unshare-user",
            "--uid", _NOBODY, "--gid", _NOBODY, "--die-with-parent", "--new-session",
            "--cap-drop", "ALL", "--clearenv", "--ro-bind", "/usr", "/usr",
            "--proc", "/proc", "--dev", "/dev"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/", name)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in _ETC:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    ops = [("/tmp", [*size, "/tmp"]), ("/dev/shm", [*size, "/dev/shm"])]
    taken = {m.target for m in mounts}
    for m in [*(m for m in python_mounts() if m.target not in taken), *mounts]:
        ops.append((m.target, ["--bind" if m.writable else "--ro-bind", str(m.source), m.target]))
    if not any(_inside(workdir, target) for target, _ in ops):
        ops.append((workdir, [*size, workdir]))
    for _, op in sorted(ops, key=lambda item: len(Path(item[0]).parts)):
        args += op
    for key, value in env.items():
        args += ["--setenv", key, value]
    return [*args, "--chdir", workdir, "--", *argv]


def _probe_bwrap(problems: list[str]) -> bool:
    """True if bwrap exists and can start a sandbox like the real ones."""
    if shutil.which("bwrap") is None:
        problems.append("bwrap not found on PATH; install bubblewrap (apt-get install bubblewrap)")
        return False
    cmd = _bwrap_argv(["true"], (), "/tmp", {"PATH": "/usr/bin:/bin"}, Limits())
    try:
        done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=30, env={})
    except (OSError, subprocess.SubprocessError) as exc:
        problems.append(f"bwrap could not be run ({exc})")
        return False
    if done.returncode != 0:
        problems.append(f"bwrap cannot create a sandbox (exit {done.returncode}: "
                        f"{done.stderr.decode(errors='replace').strip()}); enable user namespaces "
                        "(sysctl user.max_user_namespaces>0, kernel.unprivileged_userns_clone=1)")
    return done.returncode == 0


@functools.cache
def support() -> SandboxSupport:
    """Probe (once per process) what isolation and limits this machine offers."""
    problems: list[str] = []
    isolation = Isolation.BWRAP if _probe_bwrap(problems) else None
    cg = _create_cgroup(Limits(), problems)
    memory, processes = _describe(cg)
    if cg:
        cg.remove()
    if os.geteuid() == 0:
        problems.append("grader runs as root: sandbox uid 65534 is host root, so root-owned files "
                        "in mounted paths are readable per their owner bits (e.g. 0600); run the "
                        "grader as a dedicated unprivileged user for stronger isolation")
    return SandboxSupport(isolation, memory, processes, tuple(problems))


def _tree_usage(root: int) -> tuple[float, float]:
    """(RSS MiB, CPU seconds incl. reaped children) summed over root and its descendants."""
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                text = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            fields = text[text.rindex(")") + 2:].split()
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


class _State:
    """Shared run state: why it was killed, and usage samples."""

    def __init__(self, pid: int, cg: _Cgroup | None) -> None:
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
            rss, tree_cpu = _tree_usage(self.pid)
            cpu = tree_cpu if cpu is None else cpu
            if watch_memory:
                self.peak_mb = max(self.peak_mb, rss)
                if rss > limits.memory_mb:
                    self.kill(Outcome.MEMORY)
        self.cpu = max(self.cpu, cpu)
        if self.cpu > limits.cpu_seconds:
            self.kill(Outcome.CPU_TIME)


class _Reader(threading.Thread):
    """Drains the merged stdout/stderr pipe, keeping the first `limit` bytes."""

    def __init__(self, pipe: IO[bytes], limit: int, on_overflow: Callable[[], None]) -> None:
        super().__init__(daemon=True)
        self.pipe, self.limit, self.on_overflow = pipe, limit, on_overflow
        self.data, self.truncated = bytearray(), False

    def run(self) -> None:
        with self.pipe:
            while chunk := os.read(self.pipe.fileno(), 1 << 16):
                room = self.limit - len(self.data)
                self.data += chunk[:room]
                if len(chunk) > room and not self.truncated:
                    self.truncated = True
                    self.on_overflow()


def _preexec(limits: Limits, cg: _Cgroup | None) -> Callable[[], None]:
    """Child-side setup before exec: join the cgroup, set rlimits."""
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    cpu_hard = math.ceil(limits.cpu_seconds) + 5
    cpu_hard = cpu_hard if hard == resource.RLIM_INFINITY else min(hard, cpu_hard)
    cpu = min(max(1, math.ceil(limits.cpu_seconds)), cpu_hard)
    nproc = None if os.geteuid() == 0 or (cg and "pids" in cg.dirs) else limits.processes
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
    return apply


def _wait(pid: int, state: _State, limits: Limits, start: float) -> tuple[int, resource.struct_rusage]:
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


def _classify(state: _State, sig: int | None, cpu: float, limits: Limits) -> Outcome:
    if state.reason is not None:
        return state.reason
    if state.cg and "memory" in state.cg.dirs and state.cg.oom_killed(sig == signal.SIGKILL):
        return Outcome.MEMORY
    if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu >= limits.cpu_seconds):
        return Outcome.CPU_TIME
    return Outcome.FINISHED


def _supervise(cmd: list[str], cwd: str | None, env: dict[str, str], limits: Limits,
               cg: _Cgroup | None, isolation: Isolation, channel: tuple[int, int, int] | None) -> SandboxRun:
    start = time.monotonic()
    try:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True, preexec_fn=_preexec(limits, cg),
                                pass_fds=(channel[1],) if channel else ())
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        raise SandboxSetupError(f"cannot start {cmd[0]!r} ({exc}); check the command and workdir") from exc
    finally:
        if channel:
            os.close(channel[1])
    state = _State(proc.pid, cg)
    assert proc.stdout is not None
    reader = _Reader(proc.stdout, limits.output_bytes, lambda: state.kill(Outcome.OUTPUT))
    reader.start()
    results = _Reader(os.fdopen(channel[0], "rb"), channel[2], lambda: state.kill(Outcome.OUTPUT)) if channel else None
    if results:
        results.start()
    status, usage = _wait(proc.pid, state, limits, start)
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - start
    reader.join(timeout=5)
    if results:
        results.join(timeout=5)
    sig = -code if code < 0 else None
    if sig is None and isolation is Isolation.BWRAP and 128 < code <= 128 + 64:
        sig = code - 128  # bwrap reports death by signal N as exit 128+N
    cpu = cg.cpu_seconds() if cg else None
    cpu = max(state.cpu, usage.ru_utime + usage.ru_stime) if cpu is None else cpu
    peak = cg.peak_mb() if cg and "memory" in cg.dirs else max(state.peak_mb, usage.ru_maxrss / 1024)
    return SandboxRun(_classify(state, sig, cpu, limits), None if sig else code, sig,
                      bytes(reader.data).decode(errors="replace"), reader.truncated,
                      wall, cpu, peak, isolation, bytes(results.data) if results else b"")


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


def run(argv: Sequence[str], *, limits: Limits, mounts: Sequence[Mount], workdir: str,
        env: Mapping[str, str], isolation: Isolation, results_limit: int = 0) -> SandboxRun:
    """Run argv with limits. BWRAP: workdir is a sandbox path (tmpfs unless mounted).
    NONE: no isolation, mounts are ignored, workdir must be an existing host folder.

    With ``results_limit``, the run gets a results channel: a pipe whose write end
    is inherited as file descriptor ``$GRADER_RESULTS_FD``; at most that many bytes
    are kept (``SandboxRun.results``) and more ends the run as ``OUTPUT``. Nothing
    the run writes to disk reaches the host: this pipe is the only way out."""
    _validate(argv, mounts, workdir, env)
    channel = None
    if results_limit:
        read_end, write_end = os.pipe()
        channel = (read_end, write_end, results_limit)
        env = {**env, "GRADER_RESULTS_FD": str(write_end)}
    if isolation is Isolation.BWRAP:
        if support().isolation is not Isolation.BWRAP:
            raise SandboxSetupError("bubblewrap sandbox unavailable: " + "; ".join(support().problems))
        cmd, cwd, host_env = _bwrap_argv(argv, mounts, workdir, env, limits), None, {}
    else:
        cmd, cwd, host_env = list(argv), workdir, dict(env)
    cg = _create_cgroup(limits)
    try:
        return _supervise(cmd, cwd, host_env, limits, cg, isolation, channel)
    finally:
        if cg:
            cg.remove()
