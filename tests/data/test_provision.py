"""The data an assignment declares reaches the sandbox wherever students' code looks for it; the held-out split never does."""

from __future__ import annotations

import numpy as np
import pytest

from grader.data import load, provision
from grader.data.provision import DataSpec


@pytest.mark.parametrize(
    "relative, target",
    [
        ("data/mnist.npz", "/home/student/work/data/mnist.npz"),
        ("./data/mnist.npz", "/home/student/work/data/mnist.npz"),
        ("../tmp2/mnist.npz", "/home/student/tmp2/mnist.npz"),  # the 2019 notebooks' f"{getcwd()}/../tmp2/mnist.npz"
        ("../../../etc/mnist.npz", "/home/student/work/mnist.npz"),  # never outside the home folder
    ],
)
def test_declared_files_land_relative_to_the_working_folder_inside_home(relative, target):
    assert provision.sandbox_path(relative) == target


def _rows(images) -> set[bytes]:
    return {bytes(image) for image in np.asarray(images)}


def test_fashion_mnist_is_served_where_keras_looks_with_a_stand_in_test_split():
    given = provision.provide(DataSpec("fashion_mnist"))
    targets = {target for _, target in given.mounts}
    assert "/home/student/.keras/datasets/fashion-mnist" in targets and "/tmp/.keras/datasets/fashion-mnist" in targets
    real_train, real_test = load("train", given.real), load("test", given.real)
    served_train, served_test = load("train", given.served), load("test", given.served)
    assert np.array_equal(served_train[0], real_train[0]) and len(served_test[1]) == len(real_test[1]) == 10_000
    training = _rows(real_train[0])
    assert _rows(served_test[0]) <= training  # the stand-in is drawn from the training images
    assert len(_rows(real_test[0]) & _rows(served_test[0])) < 50  # the official test images are not there (a few duplicates exist in the data)
    assert all(given.real.directory not in source.parents and source != given.real.directory for source, _ in given.mounts)
    assert "never entered the submission's sandbox" in given.description


def test_the_raw_files_keras_reads_hold_the_served_arrays():
    import gzip

    given = provision.provide(DataSpec("fashion_mnist"))
    folder = next(source for source, target in given.mounts if target.endswith(".keras/datasets/fashion-mnist"))
    raw = gzip.decompress((folder / "t10k-labels-idx1-ubyte.gz").read_bytes())
    assert np.array_equal(np.frombuffer(raw, np.uint8, offset=8), load("test", given.served)[1])


def test_mnist_is_served_in_the_keras_cache_and_every_declared_file(mnist_source):
    given = provision.provide(DataSpec("mnist", True, ("data/mnist.npz", "../tmp2/mnist.npz")))
    targets = {target: source for source, target in given.mounts}
    served = {targets[target] for target in ("/home/student/.keras/datasets/mnist.npz", "/home/student/work/data/mnist.npz", "/home/student/tmp2/mnist.npz")}
    (file,) = served
    with np.load(file) as arrays:
        assert np.array_equal(arrays["x_test"], load("test", given.served)[0]) and np.array_equal(arrays["y_train"], load("train", given.real)[1])
    assert given.identity.startswith("mnist:")


def test_without_a_sandbox_the_files_are_linked_into_the_home_folder(tmp_path, mnist_source):
    given = provision.provide(DataSpec("mnist", True, ("data/mnist.npz",)))
    provision.link_unisolated(given, tmp_path)
    assert (tmp_path / "data" / "mnist.npz").is_file() and (tmp_path / ".keras" / "datasets" / "mnist.npz").is_file()


def test_an_assignment_brings_a_dataset_of_another_shape(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    generator = np.random.default_rng(0)
    np.savez(
        tmp_path / "colour.npz",
        x_train=generator.integers(0, 255, (300, 32, 32, 3), dtype=np.uint8),
        y_train=generator.integers(0, 5, 300, dtype=np.uint8),
        x_test=generator.integers(0, 255, (100, 32, 32, 3), dtype=np.uint8),
        y_test=generator.integers(0, 5, 100, dtype=np.uint8),
    )
    (tmp_path / "dataset.py").write_text(
        'from grader.data import NpzDataset\n\nDATASET = NpzDataset("colour", "Colour squares", "colour.npz", (32, 32, 3), 5)\n'
    )
    given = provision.provide(DataSpec("colour", True, ("data/colour.npz",)), tmp_path)
    assert (given.dataset.image_shape, given.dataset.classes, given.dataset.pixels) == ((32, 32, 3), 5, 3072)
    assert load("test", given.served)[0].shape == (100, 32, 32, 3) and _rows(load("test", given.served)[0]) <= _rows(load("train", given.real)[0])
    assert dict((target, source) for source, target in given.mounts)["/home/student/work/data/colour.npz"].is_file()


def test_an_unknown_dataset_says_where_one_could_come_from():
    from grader.errors import DatasetUnavailable

    with pytest.raises(DatasetUnavailable, match="dataset.py beside its assignment.toml"):
        provision.provide(DataSpec("cifar10"))
