"""The private folders and mounts of one sandboxed harness run, and the frames it sends back.

Inside the sandbox the harness sees only: itself at /harness, its job at /job, the arrays its
role may see at /data, the raw files where Keras looks for them, all read-only, and size-limited
scratch: the home folder (the working directory is its ``work``), /tmp and /dev/shm. Nothing else
of the grader, the reference or other submissions. Results leave through the sandbox's results
channel, not the disk: named frames (see ``harness/channel.py``) that are unpacked here into
``out/`` as they arrive, only under the names that script may send; ``event`` frames are handed
to a listener instead (live progress).
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from grader.data.dataset import Decoded
from grader.data.provision import HOME, Provision, link_unisolated
from grader.options import Options
from grader.sandbox.limits import Limits
from grader.sandbox.run import Isolation, Mount, SandboxRun, python_mounts, run

HARNESS = Path(__file__).resolve().parent.parent / "harness"
RESULTS_LIMIT = 256 * 1024 * 1024
RESULT_NAMES = {  # what each harness script may send; any other frame ends the unpacking
    "run_submission.py": re.compile(r"observations\.json|cells\.json|untrained\.keras|model\.keras|variant-[a-z0-9_]{1,40}\.keras|cell|event"),
    "evaluate_model.py": re.compile(r"early\.json|evaluation\.json|callback\.json"),
}
STREAMED = frozenset({"event"})  # frames handed to the listener, not kept
WRITE_ONCE = frozenset({"early.json", "evaluation.json"})  # the evaluation's measurements: a later frame of that name is ignored
Listener = Callable[[str, bytes], None]


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


def data_job(space: Workspace, arrays: Decoded, normalize: bool, keras_name: str | None, at: str = "/data") -> dict:
    """Where the harness finds the arrays it may see (mounted at ``at``), and which Keras dataset to serve."""
    job: dict = {"normalize": normalize, "keras_name": keras_name}
    for name in ("train_images", "train_labels", "test_images", "test_labels"):
        host = getattr(arrays, name)
        job[name] = space.inside(host, f"{at}/{host.name}")
    return job


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


class Frames:
    """Unpacks the channel's frames as they arrive: allowed names become files in ``folder`` (the last frame of
    a name wins, except ``WRITE_ONCE`` names: the first), streamed names go to ``listener``, which also hears
    of each file written; the first malformed or unexpected frame ends the unpacking."""

    def __init__(self, folder: Path, allowed: re.Pattern, listener: Listener | None = None):
        self.folder, self.allowed, self.listener = folder, allowed, listener
        self.buffer, self.position, self.broken = bytearray(), 0, False

    def feed(self, chunk: bytes) -> None:
        if self.broken:
            return
        self.buffer += chunk
        while not self.broken:
            frame = self._next()
            if frame is None:
                break
            name, data = frame
            if name in STREAMED:
                if self.listener:
                    self.listener(name, data)
            elif not (name in WRITE_ONCE and (self.folder / name).exists()):
                (self.folder / name).write_bytes(data)
                if self.listener:
                    self.listener(name, b"")
        if self.position > 1 << 20:
            del self.buffer[: self.position]
            self.position = 0

    def _next(self) -> tuple[str, bytes] | None:
        buffer, position = self.buffer, self.position
        name_end = buffer.find(b"\n", position, position + 64)
        size_end = buffer.find(b"\n", name_end + 1, name_end + 16) if name_end >= 0 else -1
        if size_end < 0:
            self.broken = len(buffer) - position > 80 and (name_end < 0 or len(buffer) - name_end > 16)
            return None
        name, size = bytes(buffer[position:name_end]).decode(errors="replace"), bytes(buffer[name_end + 1 : size_end])
        if not self.allowed.fullmatch(name) or not size.isdigit():
            self.broken = True
            return None
        end = size_end + 1 + int(size)
        if end > len(buffer):
            return None
        self.position = end
        return name, bytes(buffer[size_end + 1 : end])


def run_harness(
    space: Workspace, script: str, job: dict, limits: Limits, options: Options, mounts: list[Mount], listener: Listener | None = None
) -> SandboxRun:
    """Write the job and run one harness script on it in the sandbox, with ``mounts`` (the data it may see)."""
    (space.job / "job.json").write_text(json.dumps(job))
    readable(space.job)
    argv = [sys.executable, "-s", space.inside(HARNESS / script, f"/harness/{script}"), space.inside(space.job / "job.json", "/job/job.json")]
    workdir = space.inside(space.work, f"{HOME}/work")
    frames = Frames(space.out, RESULT_NAMES[script], listener)
    return run(
        argv,
        limits=limits,
        mounts=[*python_mounts(), Mount(HARNESS, "/harness"), Mount(space.job, "/job"), *mounts],
        workdir=workdir,
        env=_environment(space, options),
        isolation=options.isolation,
        results_limit=RESULTS_LIMIT,
        scratch=(HOME,),
        on_results=frames.feed,
    )


def data_mounts(space: Workspace, provision: Provision, raw_files: bool) -> list[Mount]:
    """What a run may see of the data. The student's run (``raw_files``): the served arrays at /data and the raw files
    where Keras and the notebook look. The evaluation process: the real arrays at /data, the served ones at /served."""
    if raw_files:
        if not space.isolated:
            link_unisolated(provision, space.work)
        return [Mount(provision.served.directory, "/data"), *(Mount(source, target) for source, target in provision.mounts)]
    return [Mount(provision.real.directory, "/data"), Mount(provision.served.directory, "/served")]


def readable(job: Path) -> None:
    """The job as the sandbox's unprivileged user may read it, whatever the umask."""
    job.chmod(0o755)
    for path in job.iterdir():
        path.chmod(0o644)
