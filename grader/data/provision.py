"""The data an assignment declares, provided read-only wherever students' code looks for it.

``provide`` finds the assignment's dataset (a built-in one by name, or the ``dataset.py`` the
assignment brings), decodes it once, and builds what the submission's sandbox gets: the real
training split and a stand-in test split (``grader.data.dataset.served``), as arrays at ``/data``
and as the raw files ``keras.datasets.<name>.load_data()`` reads, placed in the Keras cache and
wherever the spec's ``[data] files`` say (relative to the working folder, e.g. ``data/mnist.npz``
or the 2019 notebooks' ``../tmp2/mnist.npz``). The real held-out split is only ever mounted in
the grader's evaluation process.
"""

from __future__ import annotations

import functools
import hashlib
import posixpath
import runpy
from dataclasses import dataclass
from pathlib import Path

from grader.data import fashion_mnist, mnist
from grader.data.dataset import Dataset, Decoded, NpzDataset, load, served
from grader.errors import DatasetUnavailable

HOME = "/home/student"
WORKDIR = f"{HOME}/work"
KERAS_HOMES = (f"{HOME}/.keras", "/tmp/.keras")  # Keras uses ~/.keras, or /tmp/.keras when home is not writable
BUILT_IN = {"fashion_mnist": fashion_mnist.DATASET, "mnist": mnist.DATASET}
DATASET_FILE = "dataset.py"


@dataclass(frozen=True)
class DataSpec:
    """``[data]`` of assignment.toml: which dataset, how the grader feeds it, where notebooks open it."""

    dataset: str = "fashion_mnist"
    normalize: bool = True  # the grader's own call of the training function gets images / 255
    files: tuple[str, ...] = ()  # where students' code opens the dataset file, relative to the working folder


@dataclass(frozen=True)
class Provision:
    dataset: Dataset
    real: Decoded  # the grader's own arrays: the real training and held-out splits
    served: Decoded  # what the submission gets: the real training split, a stand-in test split
    mounts: tuple[tuple[Path, str], ...]  # (host file or folder, sandbox path), read-only
    description: str  # what was graded on, for reports
    identity: str  # changes when the data changes (cache keys)


def sandbox_path(relative: str) -> str:
    """Where a ``[data] files`` entry lands: relative to the working folder, kept inside the home folder."""
    target = posixpath.normpath(posixpath.join(WORKDIR, relative))
    return target if target.startswith(HOME + "/") else posixpath.join(WORKDIR, posixpath.basename(relative))


def dataset_of(data: DataSpec, assignment_folder: Path | None = None) -> Dataset:
    """The dataset a spec names: built in, or defined by the assignment's own ``dataset.py``."""
    if data.dataset in BUILT_IN:
        return BUILT_IN[data.dataset]
    if assignment_folder is not None and (assignment_folder / DATASET_FILE).is_file():
        return _own_dataset(assignment_folder.resolve())
    raise DatasetUnavailable(
        f"No dataset named {data.dataset!r}: the built-in ones are {', '.join(BUILT_IN)}; "
        f"an assignment may define its own in {DATASET_FILE} beside its assignment.toml."
    )


@functools.cache
def _own_dataset(folder: Path) -> Dataset:
    found = runpy.run_path(str(folder / DATASET_FILE)).get("DATASET")
    if isinstance(found, NpzDataset):
        return found.dataset(folder)
    if isinstance(found, Dataset):
        return found
    raise DatasetUnavailable(f"{folder / DATASET_FILE} defines no DATASET (a grader.data.NpzDataset or grader.data.Dataset).")


def provide(data: DataSpec, assignment_folder: Path | None = None) -> Provision:
    """Locate and decode the assignment's dataset, and what its sandbox gets; raises ``DatasetUnavailable`` with the fix."""
    dataset = dataset_of(data, assignment_folder)
    real = dataset.decode()
    given = served(dataset, real)
    mounts = [(host, f"{home}/{relative}") for host, relative in given.keras_files for home in KERAS_HOMES]
    mounts += [(given.data_file, sandbox_path(file)) for file in data.files]
    train, test = len(load("train", real)[1]), len(load("test", real)[1])
    description = (
        f"{dataset.describe_source()}: the grader measured held-out accuracy on the {test:,} official test images, "
        f"which never entered the submission's sandbox; its load_data() got the {train:,} real training images and, "
        f"as its test split, a stand-in of {len(load('test', given.decoded)[1]):,} training images"
    )
    identity = hashlib.sha256(f"{dataset.name}\0{real.directory}\0{dataset.identity()}".encode()).hexdigest()[:12]
    return Provision(dataset, real, given.decoded, tuple(mounts), description, f"{dataset.name}:{identity}")


def link_unisolated(provision: Provision, home: Path) -> None:
    """Without a sandbox (``--sandbox none``) the home folder is a host folder: link the files into it."""
    for source, target in provision.mounts:
        if target.startswith("/tmp/"):
            continue
        relative = posixpath.relpath(target, WORKDIR if target.startswith(WORKDIR + "/") else HOME)
        link = home / relative
        if link.exists() or not link.resolve().is_relative_to(home.resolve()):
            continue
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(source)
