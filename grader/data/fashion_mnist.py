"""Fashion MNIST offline: find the official files, decode them once, mount them for Keras.

Nothing downloads implicitly (only :func:`fetch`) and nothing imports TensorFlow.
Two byte variants of each ``.gz`` are accepted: the official file (:data:`SHA256`,
also what the Keras mirror serves) and the Debian copy, whose gzip header alone was
rewritten by strip-nondeterminism (name dropped, mtime = upload date); the deflate
stream, hence the decompressed data (:data:`PAYLOAD_SHA256`), is identical.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import os
import shutil
import tempfile
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.data.cache import cache_root as _cache_root
from grader.data.dataset import Decoded, load  # noqa: F401  (load: re-exported for the dataset's users)
from grader.errors import DatasetUnavailable

FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
SHA256 = {  # official files: zalandoresearch/fashion-mnist and the Keras mirror
    "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
}
DEBIAN_SHA256 = {  # Debian dataset-fashion-mnist 0.0~git20200523.55506a9-1
    "train-images-idx3-ubyte.gz": "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
    "train-labels-idx1-ubyte.gz": "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
    "t10k-images-idx3-ubyte.gz": "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
    "t10k-labels-idx1-ubyte.gz": "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
}
PAYLOAD_SHA256 = {  # the decompressed idx files, the same for both variants
    "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
MIRROR = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
KERAS_SUBDIR = "datasets/fashion-mnist"  # the cache_subdir keras.datasets.fashion_mnist uses
SANDBOX_HOME = "/home/student"
ORIGIN_ENV, ORIGIN_DEBIAN = "GRADER_DATA_DIR", "debian package dataset-fashion-mnist"
ORIGIN_KERAS, ORIGIN_FETCHED = "keras cache", "grader cache (fetched)"
FIX = "`apt-get install dataset-fashion-mnist` (as root) or `grader data fetch`"
_LAYOUT = {  # name -> (Decoded field, idx magic, shape)
    "train-images-idx3-ubyte.gz": ("train_images", 0x0803, (60000, 28, 28)),
    "train-labels-idx1-ubyte.gz": ("train_labels", 0x0801, (60000,)),
    "t10k-images-idx3-ubyte.gz": ("test_images", 0x0803, (10000, 28, 28)),
    "t10k-labels-idx1-ubyte.gz": ("test_labels", 0x0801, (10000,)),
}
_KEY = hashlib.sha256("".join(PAYLOAD_SHA256[n] for n in FILES).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class DataSource:
    """A directory holding all four ``.gz`` files, and why it was chosen (an ORIGIN_* label)."""

    directory: Path
    origin: str


@dataclass(frozen=True)
class FileStatus:
    """One ``.gz`` file: where it was found (None: nowhere) and its SHA-256."""

    name: str
    path: Path | None
    sha256: str | None

    @property
    def verified(self) -> bool:
        return self.sha256 in (SHA256[self.name], DEBIAN_SHA256[self.name])

    @property
    def variant(self) -> str:
        known = {SHA256[self.name]: "official", DEBIAN_SHA256[self.name]: "official (Debian copy)"}
        return "missing" if self.path is None else known.get(self.sha256 or "", "UNKNOWN sha256")


@dataclass(frozen=True)
class DataStatus:
    """What :func:`status` found; :meth:`describe` renders it for the terminal."""

    source: DataSource | None
    files: tuple[FileStatus, ...]
    searched: tuple[tuple[Path, str], ...]
    decoded_dir: Path
    decoded_present: bool

    @property
    def ok(self) -> bool:
        return self.source is not None and all(f.verified for f in self.files)

    def describe(self) -> str:
        where = f"{self.source.directory} ({self.source.origin})" if self.source else "NOT FOUND"
        lines = [f"Fashion MNIST: {where}"]
        lines += [f"  {f.name:28} {f.variant:24} {f.path or ''}".rstrip() for f in self.files]
        built = "present" if self.decoded_present else "not built yet, built on first use"
        lines += [f"decoded cache: {self.decoded_dir} ({built})", "searched, in order:"]
        lines += [f"  {d}  ({origin})" for d, origin in self.searched]
        return "\n".join(lines + ([] if self.ok else [f"fix: {FIX}"]))


def search_path() -> list[tuple[Path, str]]:
    """Directories :func:`locate` tries, in order, with their origin labels."""
    env = os.environ
    found = [(Path(env["GRADER_DATA_DIR"]).expanduser(), ORIGIN_ENV)] if env.get("GRADER_DATA_DIR") else []
    found.append((DEBIAN_DIR, ORIGIN_DEBIAN))
    if env.get("KERAS_HOME"):  # keras' own cache when KERAS_HOME is set
        found.append((Path(env["KERAS_HOME"]).expanduser() / KERAS_SUBDIR, ORIGIN_KERAS))
    found += [
        (Path.home() / ".keras" / KERAS_SUBDIR, ORIGIN_KERAS),
        (Path("/tmp/.keras") / KERAS_SUBDIR, ORIGIN_KERAS),
        (_cache_root() / "fashion-mnist" / "raw", ORIGIN_FETCHED),
    ]
    unique: dict[Path, str] = {}
    for directory, origin in found:
        unique.setdefault(directory, origin)  # a directory listed twice keeps its first place
    return list(unique.items())


def locate() -> DataSource:
    """Return the first searched directory holding all four files, else raise DatasetUnavailable."""
    report = []
    for directory, origin in search_path():
        missing = [n for n in FILES if not (directory / n).is_file()]
        if not missing:
            return DataSource(directory, origin)
        why = "missing " + ", ".join(missing) if directory.is_dir() else "no such directory"
        report.append(f"  {directory}  ({origin}): {why}")
    raise DatasetUnavailable(
        f"Fashion MNIST not found: no directory holds all of {', '.join(FILES)}.\n"
        "Looked in:\n" + "\n".join(report) + f"\nFix: {FIX}, "
        "or set GRADER_DATA_DIR to a directory holding the four files."
    )


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def status() -> DataStatus:
    """Locate the files without raising, hash them (~0.03 s), and check the decoded cache."""
    try:
        source: DataSource | None = locate()
    except DatasetUnavailable:
        source = None
    searched = tuple(search_path())
    dirs = [source.directory] if source else [d for d, _ in searched]
    files = []
    for name in FILES:
        path = next((d / name for d in dirs if (d / name).is_file()), None)
        files.append(FileStatus(name, path, _sha256(path) if path else None))
    cache = _decoded_paths()
    return DataStatus(source, tuple(files), searched, cache.directory, _complete(cache))


def _download(url: str, target: Path, timeout: float) -> None:
    fd, part = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response:
                    shutil.copyfileobj(response, out, 1 << 20)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                raise DatasetUnavailable(
                    f"could not download {target.name} from {url}: {exc!r}. Check the network or "
                    "the mirror, or install it offline: `apt-get install dataset-fashion-mnist`."
                ) from exc
        got = _sha256(Path(part))
        if not FileStatus(target.name, target, got).verified:
            raise DatasetUnavailable(
                f"{target.name} downloaded from {url} is not the official file: sha256 {got}, "
                f"expected {SHA256[target.name]}. Nothing was saved; try another mirror, "
                "or `apt-get install dataset-fashion-mnist`."
            )
        os.chmod(part, 0o644)
        os.replace(part, target)
    finally:
        if os.path.exists(part):
            os.unlink(part)


def fetch(destination: Path | None = None, mirror: str = MIRROR, timeout: float = 60) -> DataSource:
    """Download missing or invalid files (temp file, SHA-256 check, atomic rename); keep valid ones."""
    directory = Path(destination) if destination else _cache_root() / "fashion-mnist" / "raw"
    directory.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        target = directory / name
        if not (target.is_file() and FileStatus(name, target, _sha256(target)).verified):
            _download(mirror.rstrip("/") + "/" + name, target, timeout)
    return DataSource(directory, ORIGIN_FETCHED)


def _read_idx(path: Path) -> np.ndarray:
    """Decompress one file and check its idx header, size and content hash."""
    _, magic, shape = _LAYOUT[path.name]
    try:
        with gzip.open(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise DatasetUnavailable(f"{path.name} in {path.parent} is corrupt or truncated ({exc}). Replace or remove it, then {FIX}.") from exc
    header = 4 * (1 + len(shape))
    found = tuple(int(v) for v in np.frombuffer(raw[:header], ">u4")) if len(raw) >= header else ()
    problem = None
    if found != (magic, *shape):
        problem = f"idx header {found} is not magic {magic:#06x} with dims {shape}"
    elif len(raw) != header + int(np.prod(shape)):
        problem = f"{len(raw) - header} data bytes, expected {int(np.prod(shape))}"
    elif hashlib.sha256(raw).hexdigest() != PAYLOAD_SHA256[path.name]:
        problem = "its decompressed content differs from the official data set"
    if problem:
        raise DatasetUnavailable(f"{path.name} in {path.parent} is not official Fashion MNIST: {problem}. Replace or remove it, then {FIX}.")
    return np.frombuffer(raw, np.uint8, offset=header).reshape(shape)


def _decoded_paths() -> Decoded:
    directory = _cache_root() / "fashion-mnist" / f"decoded-{_KEY}"
    return Decoded(**{field: directory / f"{field}.npy" for field, _, _ in _LAYOUT.values()})


def _complete(paths: Decoded) -> bool:
    files = [paths.directory / "manifest.json", *vars(paths).values()]
    return all(Path(p).is_file() for p in files)


def decoded(source: DataSource | None = None) -> Decoded:
    """Decode the four files once into the grader cache and return the ``.npy`` paths.

    The directory, ``decoded-<12 hex>``, is named after the official decompressed
    content and appears complete in one atomic rename of a temporary sibling. So
    concurrent first calls are safe, and later calls cost a few ``stat``s: they
    neither read ``source`` nor call :func:`locate`.
    """
    paths = _decoded_paths()
    if _complete(paths):
        return paths
    source = source or locate()
    paths.directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{paths.directory.name}.", dir=paths.directory.parent))
    try:
        for name, (field, _, _) in _LAYOUT.items():
            np.save(tmp / f"{field}.npy", _read_idx(source.directory / name), allow_pickle=False)
        manifest = {"payload_sha256": PAYLOAD_SHA256, "decoded_from": str(source.directory)}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1))
        tmp.chmod(0o755)
        try:
            os.rename(tmp, paths.directory)
        except OSError:  # another caller won the race, or a damaged cache is in the way
            if not _complete(paths):
                shutil.rmtree(paths.directory, ignore_errors=True)
                os.rename(tmp, paths.directory)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return paths


def keras_cache_mounts(source: DataSource, home: str = SANDBOX_HOME) -> list[tuple[Path, str]]:
    """(host path, sandbox path) read-only bind mounts that let Keras load the data offline.

    Contract (keras 3.15 ``datasets/fashion_mnist.py``, ``utils/file_utils.py:get_file``):
    ``load_data()`` calls ``get_file(name, origin=MIRROR + name, cache_subdir=
    "datasets/fashion-mnist")`` per file, without ``file_hash`` or ``extract``. The base
    is ``$KERAS_HOME``, else ``~/.keras`` if ``~`` is writable, else ``/tmp/.keras``;
    ``get_file`` also falls back to ``/tmp/.keras`` when the base is not writable or
    absent. It ``makedirs(<base>/datasets/fashion-mnist, exist_ok=True)`` (a read-only
    mount is fine) and downloads only if ``<dir>/<name>`` does not exist: no hash check,
    no extraction, no writes; it gunzips the files itself. So the directory is mounted
    at ``{home}/.keras/...`` and ``/tmp/.keras/...``, and KERAS_HOME must stay unset.
    Symlinks are resolved on the host (they would dangle in the sandbox); if the real
    files do not share one directory under their own names, each file is mounted.
    """
    real = [Path(os.path.realpath(source.directory / name)) for name in FILES]
    guests = [f"{home.rstrip('/')}/.keras/{KERAS_SUBDIR}", f"/tmp/.keras/{KERAS_SUBDIR}"]
    if len({p.parent for p in real}) == 1 and [p.name for p in real] == list(FILES):
        return [(real[0].parent, guest) for guest in guests]
    return [(path, f"{guest}/{name}") for guest in guests for path, name in zip(real, FILES)]


def _idx(array: np.ndarray) -> bytes:
    """An array as the idx bytes the official files hold (magic, dimensions, then the uint8 data)."""
    magic = 0x0800 | array.ndim
    return np.array([magic, *array.shape], dtype=">u4").tobytes() + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def _raw_files(served: Decoded, folder: Path) -> tuple[tuple[tuple[Path, str], ...], Path]:
    """The four .gz files ``fashion_mnist.load_data()`` reads, holding the served arrays, in one folder."""
    from grader.data.dataset import write_once

    arrays = dict(zip(("train", "test"), (load("train", served), load("test", served))))
    for name, (_, _, _) in _LAYOUT.items():
        split, kind = ("train" if name.startswith("train") else "test"), (0 if "images" in name else 1)
        write_once(folder / name, lambda split=split, kind=kind: gzip.compress(_idx(arrays[split][kind]), compresslevel=1, mtime=0))  # type: ignore[misc]
    return ((folder, KERAS_SUBDIR),), folder


def _describe_source() -> str:
    source = locate()
    return f"Fashion MNIST ({source.directory}, {source.origin})"


def _dataset():
    from grader.data.dataset import Dataset

    return Dataset("fashion_mnist", "Fashion MNIST", (28, 28), 10, lambda: decoded(), _describe_source, _raw_files, "fashion_mnist", lambda: _KEY)


DATASET = _dataset()
