"""What a run may leave on this machine: processes carrying a marker, cgroups of this test process."""

from __future__ import annotations

import os
from pathlib import Path

from grader.sandbox import run as sandbox


def marked_processes(marker: str) -> list[int]:
    """Host pids whose command line contains marker (psutil-free)."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker.encode() in Path(entry.path, "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def own_cgroups() -> list[Path]:
    """Per-run cgroup directories this test process created and left behind."""
    try:
        _, parents = sandbox._cgroup_parents()
    except OSError:
        return []
    return [p for parent in set(parents.values()) for p in parent.glob(f"grader-sandbox-{os.getpid()}-*")]
