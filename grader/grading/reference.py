"""The reference solution's metrics, cached on disk.

The key covers everything that could change them: the reference file, the
assignment spec, the harness code, the grader and TensorFlow versions. One
process computes a missing entry while others wait on a file lock.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from grader.data.provision import provide
from grader.grading.metrics import Metrics
from grader.grading.workspace import HARNESS
from grader.spec import AssignmentSpec


def cache_dir() -> Path:
    root = os.environ.get("GRADER_CACHE_DIR") or Path.home() / ".cache" / "grader"
    return Path(root) / "reference"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "none"


def cache_key(spec: AssignmentSpec) -> str:
    digest = hashlib.sha256()
    sources = [spec.reference, spec.reference_metrics, spec.path]
    for path in [*(source for source in sources if source.is_file()), *sorted(spec.folder.glob("*.py")), *sorted(HARNESS.glob("*.py"))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for package in ("grader", "tensorflow-cpu", "tensorflow", "keras"):
        digest.update(f"{package}={_version(package)}\0".encode())
    digest.update(f"overrides={spec.overrides}\0data={provide(spec.data, spec.folder).identity}\0".encode())
    return digest.hexdigest()[:16]


def cached(spec: AssignmentSpec, compute: Callable[[], Metrics], use_cache: bool = True) -> Metrics:
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    entry = folder / f"{spec.name}-{cache_key(spec)}.json"
    with open(folder / f"{spec.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if use_cache and entry.is_file():
            return Metrics.from_json(json.loads(entry.read_text()))
        metrics = compute()
        temporary = entry.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(metrics.to_json(), indent=1))
        os.replace(temporary, entry)
        return metrics


def bundled(spec: AssignmentSpec) -> Metrics:
    """The reference's metrics a student bundle carries (``reference.json``) in place of the solution."""
    return Metrics.from_json(json.loads(spec.reference_metrics.read_text()))


def known(spec: AssignmentSpec) -> Metrics | None:
    """The reference's metrics if they are at hand (a bundle's file, or the cache), without grading anything."""
    if not spec.reference.exists():
        return bundled(spec) if spec.reference_metrics.is_file() else None
    entry = cache_dir() / f"{spec.name}-{cache_key(spec)}.json"
    try:
        return Metrics.from_json(json.loads(entry.read_text()))
    except (OSError, ValueError, TypeError):
        return None
