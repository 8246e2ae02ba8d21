"""A cgroup per sandboxed run: memory and process limits the kernel enforces, CPU accounting.

Works with cgroup v2 (one directory) and v1 (one directory per controller),
below the grader's own cgroup, which must be writable (delegated). Anything
missing is reported in words and the sandbox falls back to watchdogs and
rlimits. Directories left by a grader that was killed are swept on the next run.
"""

from __future__ import annotations

import os
import re
import signal
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import SandboxSetupError

ROOT = Path("/sys/fs/cgroup")
V1 = {"memory": "memory", "pids": "pids", "cpu": "cpuacct"}  # role -> v1 hierarchy
PREFIX = "grader-sandbox-"


def stat_field(text: str | None, key: str) -> int | None:
    """Value of a `key value` line in a cgroup stat file."""
    found = re.search(rf"^{key} (\d+)$", text or "", re.MULTILINE)
    return int(found[1]) if found else None


@dataclass
class Cgroup:
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
        usec = stat_field(self.read("cpu", "cpu.stat"), "usage_usec")
        return usec / 1e6 if usec is not None else None

    def peak_mb(self) -> float | None:
        text = self.read("memory", "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak")
        return int(text) / 2**20 if text else None

    def oom_killed(self, got_sigkill: bool) -> bool:
        name = "memory.oom_control" if self.version == 1 else "memory.events"
        kills = stat_field(self.read("memory", name), "oom_kill")
        if kills is not None:
            return kills > 0
        return got_sigkill and int(self.read("memory", "memory.failcnt") or 0) > 0

    def process_limit_hits(self) -> int:
        """How often a fork or new thread was refused because pids.max was reached."""
        return stat_field(self.read("pids", "pids.events"), "max") or 0

    def kill_all(self) -> None:
        for d in self.created:
            _kill_inside(d)

    def remove(self) -> None:
        """Kill whatever is left inside, then delete the directories."""
        for d in reversed(self.created):
            _remove(d, time.monotonic() + 10)


def _kill_inside(d: Path) -> None:
    try:
        if (d / "cgroup.kill").exists():
            (d / "cgroup.kill").write_text("1")
            return
        pids = (d / "cgroup.procs").read_text().split()
    except OSError:
        return  # already removed
    for pid in pids:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass


def _remove(d: Path, deadline: float) -> None:
    while d.exists():
        _kill_inside(d)
        try:
            d.rmdir()
        except FileNotFoundError:
            return
        except OSError as exc:
            if time.monotonic() > deadline:
                raise SandboxSetupError(f"cannot remove cgroup {d} ({exc}); kill its processes and rmdir it") from exc
            time.sleep(0.05)


def parents() -> tuple[int, dict[str, Path]]:
    """cgroup version and, per role, the directory of this process's own cgroup."""
    lines = Path("/proc/self/cgroup").read_text().splitlines()
    if (ROOT / "cgroup.controllers").exists():
        parent = ROOT / next(ln[3:] for ln in lines if ln.startswith("0::")).lstrip("/")
        for controller in ("memory", "pids"):
            try:
                (parent / "cgroup.subtree_control").write_text("+" + controller)
            except OSError:
                pass  # reported when the limit file turns out to be missing
        return 2, {role: parent for role in V1}
    own = {c: ln.split(":", 2)[2] for ln in lines for c in ln.split(":", 2)[1].split(",")}
    found = {}
    for role, ctrl in V1.items():
        if ctrl in own and (ROOT / ctrl).is_dir():
            path = ROOT / ctrl / own[ctrl].lstrip("/")
            found[role] = path if path.is_dir() else ROOT / ctrl
    return 1, found


def _apply_limit(cg: Cgroup, role: str, d: Path, memory_mb: int, processes: int) -> None:
    """Write one role's limit into d; OSError if its controller is missing there."""
    memory = str(memory_mb * 2**20)
    choices: dict[str, list[tuple[str, str | None]]] = {
        "memory": [("memory.limit_in_bytes", memory), ("memory.memsw.limit_in_bytes", memory)]
        if cg.version == 1
        else [("memory.max", memory), ("memory.swap.max", "0")],
        "pids": [("pids.max", str(processes))],
        "cpu": [("cpuacct.usage" if cg.version == 1 else "cpu.stat", None)],
    }
    files = choices[role]
    for i, (name, value) in enumerate(files):
        if not (d / name).exists():
            if i == 0:
                raise OSError(f"{d / name} missing: controller not enabled")
        elif value is not None:
            (d / name).write_text(value)


def _sweep(places: tuple[Path, ...]) -> None:
    """Remove the empty run cgroups of graders that are gone (killed before cleaning up).

    Only empty ones: a grader in another PID namespace may look gone and still be running.
    """
    for parent in places:
        for d in parent.glob(PREFIX + "*"):
            owner = d.name[len(PREFIX) :].split("-")[0]
            if owner.isdigit() and int(owner) != os.getpid() and not Path(f"/proc/{owner}").exists():
                try:
                    d.rmdir()
                except OSError:
                    pass  # still busy, or gone already


def create(memory_mb: int, processes: int, problems: list[str] | None = None) -> Cgroup | None:
    """Make a per-run cgroup below our own; None (reasons in problems) if impossible."""
    notes = problems if problems is not None else []
    try:
        version, found = parents()
    except (OSError, ValueError, IndexError, StopIteration) as exc:
        notes.append(f"cgroups unusable ({exc}); limits fall back to watchdogs and rlimits")
        return None
    _sweep(tuple(sorted(set(found.values()))))
    cg, name = Cgroup(version), f"{PREFIX}{os.getpid()}-{uuid.uuid4().hex[:12]}"
    for role, parent in found.items():
        d = parent / name
        try:
            if d not in cg.created:
                d.mkdir()
                cg.created.append(d)
            _apply_limit(cg, role, d, memory_mb, processes)
            cg.dirs[role] = d
        except OSError as exc:
            notes.append(f"cgroup v{version} {role} below {parent} unusable ({exc}); give the grader a writable (delegated) cgroup subtree")
    return cg if cg.created else None


def describe(cg: Cgroup | None, nproc_binds: bool) -> tuple[str, str]:
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
    elif nproc_binds:
        processes = "RLIMIT_NPROC (counts every process of the sandbox's uid, not just this run)"
    else:
        processes = "none: no writable pids cgroup, and RLIMIT_NPROC does not bind root"
    return memory, processes


def describe_cpu(cg: Cgroup | None) -> str:
    """Human text for how CPU time is counted and enforced."""
    if cg and "cpu" in cg.dirs:
        counter = "cgroup v1 cpuacct.usage" if cg.version == 1 else "cgroup v2 cpu.stat"
    else:
        counter = "CPU time of the process tree, sampled every 0.2 s"
    return f"{counter}, checked every 0.2 s, + RLIMIT_CPU per process"
