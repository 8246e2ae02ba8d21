"""A dataset as grading sees it: image shape, classes, where its arrays come from, how it is served.

Every dataset has a real training split and a real held-out (test) split, decoded once into
uint8 ``.npy`` files the grader memory-maps (``Decoded``). The held-out split never enters the
sandbox of a submission: student code gets the real training split and a *stand-in* test split
of the same size drawn from the training images (``served``), so a model cannot be fitted to,
or look up, the images it is scored on. The grader measures held-out accuracy on the real split,
in its own evaluation process.

A dataset of another shape is one module defining a ``Dataset`` (or an ``NpzDataset`` for an
``.npz`` file with ``x_train``, ``y_train``, ``x_test``, ``y_test``): the built-in ones live in
this package, an assignment may bring its own as ``dataset.py`` beside its ``assignment.toml``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from grader.data.cache import cache_root
from grader.errors import DatasetUnavailable

SPLITS = ("train_images", "train_labels", "test_images", "test_labels")
DECOY_SEED = 20_261_130


@dataclass(frozen=True)
class Decoded:
    """The four arrays as uint8 ``.npy`` files; memory-map them with :func:`load`."""

    train_images: Path
    train_labels: Path
    test_images: Path
    test_labels: Path

    @property
    def directory(self) -> Path:
        return self.train_images.parent

    @classmethod
    def inside(cls, folder: Path) -> Decoded:
        return cls(*(folder / f"{name}.npy" for name in SPLITS))

    def complete(self) -> bool:
        return all(Path(path).is_file() for path in vars(self).values())


@dataclass(frozen=True)
class Served:
    """What a submission's sandbox gets: the real training split, a stand-in test split, and raw files."""

    decoded: Decoded  # train_* real, test_* the stand-in drawn from the training images
    keras_files: tuple[tuple[Path, str], ...]  # (host file or folder, path below the Keras home, e.g. datasets/mnist.npz)
    data_file: Path  # what each `[data] files` path of the spec opens: a file (mnist.npz) or a folder


@dataclass(frozen=True)
class Dataset:
    """One dataset: its shape and classes, and the functions that find, decode and serve it.

    ``decode()`` returns the real arrays (building the cache on first use; raises
    ``DatasetUnavailable`` with the fix). ``raw_files(served, folder)`` writes the files student
    code opens (what ``keras.datasets.<keras_name>.load_data()`` reads) for the served arrays into
    ``folder`` and says where each goes; None when the dataset has no such files.
    """

    name: str
    title: str
    image_shape: tuple[int, ...]
    classes: int
    decode: Callable[[], Decoded]
    describe_source: Callable[[], str]
    raw_files: Callable[[Decoded, Path], tuple[tuple[tuple[Path, str], ...], Path]] | None = None
    keras_name: str | None = None  # keras.datasets.<keras_name>
    identity: Callable[[], str] = field(default=lambda: "")  # changes when the source data changes (cache keys)

    @property
    def pixels(self) -> int:
        return int(np.prod(self.image_shape))


def load(split: str, decoded: Decoded) -> tuple[np.ndarray, np.ndarray]:
    """Memory-map ``(images, labels)`` of ``split`` ("train" or "test"), read-only."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    return tuple(
        np.load(getattr(decoded, f"{split}_{kind}"), mmap_mode="r", allow_pickle=False)  # type: ignore[return-value]
        for kind in ("images", "labels")
    )


def write_decoded(folder: Path, arrays: dict[str, np.ndarray], manifest: dict) -> Decoded:
    """Write the four arrays into ``folder`` in one atomic rename of a temporary sibling; concurrent writers are safe."""
    decoded = Decoded.inside(folder)
    if decoded.complete():
        return decoded
    folder.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        for name in SPLITS:
            np.save(temporary / f"{name}.npy", np.ascontiguousarray(arrays[name]), allow_pickle=False)
        (temporary / "manifest.json").write_text(json.dumps(manifest, indent=1))
        for path in temporary.iterdir():
            path.chmod(0o644)
        temporary.chmod(0o755)
        try:
            os.rename(temporary, folder)
        except OSError:  # another process finished first, or a damaged copy is in the way
            if not decoded.complete():
                shutil.rmtree(folder, ignore_errors=True)
                os.rename(temporary, folder)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return decoded


def stand_in_indices(train_count: int, test_count: int) -> np.ndarray:
    """Which training images make up the stand-in test split: fixed, so caches stay valid."""
    return np.sort(np.random.default_rng(DECOY_SEED).choice(train_count, size=min(test_count, train_count), replace=False))


def served(dataset: Dataset, real: Decoded) -> Served:
    """The arrays and raw files a submission's sandbox gets, built once per dataset source."""
    key = hashlib.sha256(f"{dataset.name}\0{real.directory}\0{dataset.identity()}".encode()).hexdigest()[:12]
    folder = cache_root() / "served" / f"{dataset.name}-{key}"
    train_images, train_labels = load("train", real)
    test_count = len(load("test", real)[1])
    chosen = stand_in_indices(len(train_labels), test_count)
    arrays = {
        "train_images": train_images,
        "train_labels": train_labels,
        "test_images": np.asarray(train_images[chosen]),
        "test_labels": np.asarray(train_labels[chosen]),
    }
    decoded = write_decoded(folder / "arrays", arrays, {"dataset": dataset.name, "test": "stand-in drawn from the training images", "indices_seed": DECOY_SEED})
    if dataset.raw_files is None:
        return Served(decoded, (), decoded.directory)
    raw = folder / "raw"
    keras_files, data_file = dataset.raw_files(decoded, raw)
    return Served(decoded, keras_files, data_file)


def npz_bytes(decoded: Decoded) -> bytes:
    """The four arrays as an ``.npz`` with Keras's keys (x_train, y_train, x_test, y_test)."""
    buffer = io.BytesIO()
    train, test = load("train", decoded), load("test", decoded)
    np.savez(buffer, x_train=train[0], y_train=train[1], x_test=test[0], y_test=test[1])
    return buffer.getvalue()


def write_once(path: Path, content: Callable[[], bytes]) -> Path:
    """``path`` written atomically from ``content()`` unless it is already there."""
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "wb") as stream:
        stream.write(content())
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)
    path.parent.chmod(0o755)
    return path


@dataclass(frozen=True)
class NpzDataset:
    """A dataset held in one ``.npz`` file (``x_train``, ``y_train``, ``x_test``, ``y_test``).

    ``file`` is relative to ``folder`` (the assignment's folder when an assignment brings it).
    Student code reads the served copy where the spec's ``[data] files`` say, and, when
    ``keras_name`` is set, where ``keras.datasets.<keras_name>.load_data()`` looks.
    """

    name: str
    title: str
    file: str
    image_shape: tuple[int, ...]
    classes: int
    keras_name: str | None = None

    def dataset(self, folder: Path) -> Dataset:
        path = (folder / self.file).resolve()

        def identity() -> str:
            info = path.stat()
            return f"{path}:{info.st_size}:{info.st_mtime_ns}"

        def decode() -> Decoded:
            if not path.is_file():
                raise DatasetUnavailable(f"{self.title}: {path} does not exist. Put the dataset's .npz file there.")
            key = hashlib.sha256(identity().encode()).hexdigest()[:12]
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: np.asarray(data[key_name]) for name, key_name in zip(SPLITS, ("x_train", "y_train", "x_test", "y_test"))}
            for name in ("train", "test"):
                images, labels = arrays[f"{name}_images"], arrays[f"{name}_labels"]
                if images.shape[1:] != self.image_shape or len(images) != len(labels):
                    raise DatasetUnavailable(
                        f"{path}: x_{name} has shape {images.shape}, not (N, {', '.join(map(str, self.image_shape))}) with one label each."
                    )
            return write_decoded(cache_root() / self.name / f"decoded-{key}", arrays, {"source": str(path)})

        def raw_files(decoded: Decoded, folder: Path) -> tuple[tuple[tuple[Path, str], ...], Path]:
            served_file = write_once(folder / f"{self.keras_name or self.name}.npz", lambda: npz_bytes(decoded))
            keras = ((served_file, f"datasets/{self.keras_name}.npz"),) if self.keras_name else ()
            return keras, served_file

        return Dataset(
            self.name, self.title, tuple(self.image_shape), self.classes, decode, lambda: f"{self.title} ({path})", raw_files, self.keras_name, identity
        )
