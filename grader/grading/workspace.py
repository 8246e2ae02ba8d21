"""The private folders and mounts of one sandboxed harness run.

Inside the sandbox the harness sees only: itself at /harness, its job at /job,
the decoded data at /data and the raw files where Keras looks for them, all
read-only, and size-limited scratch: the home folder (the working directory
is its ``work``), /tmp and /dev/shm. Nothing else of the grader, the
reference or other submissions. Results leave through the sandbox's results
channel, not the disk: named frames (see ``harness/channel.py``) that are
unpacked here into ``out/``, only under the names that script may send.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from grader.options import Options
from grader.data.provision import HOME, Provision, link_unisolated
from grader.sandbox.run import Isolation, Limits, Mount, SandboxRun, python_mounts, run

HARNESS = Path(__file__).resolve().parent.parent / "harness"
RESULTS_LIMIT = 256 * 1024 * 1024
RESULT_NAMES = {  # what each harness script may send; any other frame ends the unpacking
    "run_submission.py": frozenset({"observations.json", "model.keras"}),
    "evaluate_model.py": frozenset({"evaluation.json"}),
}


@dataclass(frozen=True)
class Workspace:
    root: Path
    isolated: bool  # False only under --sandbox none, where the harness sees host paths

    def inside(self, host_path: Path, sandbox_path: str) -> str:
        """How the harness names a path: its sandbox name, or the host path when not isolated."""
        return sandbox_path if self.isolated else str(host_path)

    @property
    def job(self) -> Path:
        return self.root / "job"

    @property
    def out(self) -> Path:
        return self.root / "out"

    @property
    def work(self) -> Path:
        return self.root / "work"


@contextmanager
def workspace(options: Options) -> Iterator[Workspace]:
    root = Path(tempfile.mkdtemp(prefix="grader-", dir=options.work_root))
    try:
        space = Workspace(root, options.isolation is not Isolation.NONE)
        space.job.mkdir()
        space.out.mkdir()
        if not space.isolated:
            space.work.mkdir()  # the sandbox makes its own; unprotected runs work here
        yield space
    finally:
        shutil.rmtree(root, ignore_errors=True)


def data_job(space: Workspace, provision: Provision, normalize: bool) -> dict:
    """Where the harness finds the decoded training and held-out arrays, and how to serve the raw files."""
    job = {"normalize": normalize, "dataset": provision.dataset, "unverified": provision.unverified}
    for name in ("train_images", "train_labels", "test_images", "test_labels"):
        host = getattr(provision.decoded, name)
        job[name] = space.inside(host, f"/data/{host.name}")
    return job


def _mounts(space: Workspace, provision: Provision) -> list[Mount]:
    mounts = [
        Mount(HARNESS, "/harness"),
        Mount(space.job, "/job"),
        Mount(provision.decoded.directory, "/data"),
    ]
    mounts += [Mount(source, target) for source, target in provision.mounts]
    return [*python_mounts(), *mounts]


def _environment(space: Workspace, options: Options) -> dict[str, str]:
    env = {
        "HOME": space.inside(space.work, HOME),
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "TF_DETERMINISTIC_OPS": "1",
        "MPLBACKEND": "Agg",
        "PIP_NO_INDEX": "1",
        "LANG": "C.UTF-8",
    }
    if options.threads:
        env.update(OMP_NUM_THREADS=str(options.threads), TF_NUM_INTRAOP_THREADS=str(options.threads), TF_NUM_INTEROP_THREADS="1")
    return env


def run_harness(space: Workspace, script: str, job: dict, limits: Limits, options: Options, provision: Provision) -> SandboxRun:
    """Write the job and run one harness script on it in the sandbox, the assignment's data provided."""
    (space.job / "job.json").write_text(json.dumps(job))
    if not space.isolated:
        link_unisolated(provision, space.work)
    readable(space.job)
    argv = [
        sys.executable,
        "-s",
        space.inside(HARNESS / script, f"/harness/{script}"),
        space.inside(space.job / "job.json", "/job/job.json"),
    ]
    workdir = space.inside(space.work, f"{HOME}/work")
    ran = run(argv, limits=limits, mounts=_mounts(space, provision), workdir=workdir, env=_environment(space, options),
              isolation=options.isolation, results_limit=RESULTS_LIMIT, scratch=(HOME,))
    unpack(ran.results, space.out, RESULT_NAMES[script])
    return ran


def readable(job: Path) -> None:
    """The job as the sandbox's unprivileged user may read it, whatever the umask."""
    job.chmod(0o755)
    for path in job.iterdir():
        path.chmod(0o644)


def unpack(frames: bytes, folder: Path, names: frozenset[str]) -> None:
    """Write the channel's frames named in ``names`` as files; stop at the first malformed or unexpected one."""
    position = 0
    while position < len(frames):
        name_end = frames.find(b"\n", position, position + 64)
        size_end = frames.find(b"\n", name_end + 1, name_end + 16) if name_end >= 0 else -1
        if size_end < 0:
            return
        name, size = frames[position:name_end].decode(errors="replace"), frames[name_end + 1 : size_end]
        if name not in names or not size.isdigit() or size_end + 1 + int(size) > len(frames):
            return
        (folder / name).write_bytes(frames[size_end + 1 : size_end + 1 + int(size)])
        position = size_end + 1 + int(size)
