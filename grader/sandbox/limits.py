"""The limits of one sandboxed run."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Limits of one run; each scratch tmpfs (/tmp, /dev/shm, the home or workdir) gets scratch_mb."""

    wall_seconds: float = 600
    cpu_seconds: float = 1200
    memory_mb: int = 4096
    processes: int = 512  # tasks, i.e. threads too: TensorFlow alone starts ~100
    scratch_mb: int = 512
    output_bytes: int = 1_000_000
