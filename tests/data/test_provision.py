"""The data an assignment declares reaches the sandbox wherever students' code looks for it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.data import mnist
from grader.data import provision
from grader.spec import DataSpec


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


def test_fashion_mnist_is_served_where_keras_looks():
    served = provision.provide(DataSpec("fashion_mnist"))
    targets = {target for _, target in served.mounts}
    assert "/home/student/.keras/datasets/fashion-mnist" in targets and "/tmp/.keras/datasets/fashion-mnist" in targets
    assert not served.unverified and served.decoded.train_images.is_file()


def test_mnist_is_served_in_the_keras_cache_and_every_declared_file(mnist_source):
    served = provision.provide(DataSpec("mnist", True, ("data/mnist.npz", "../tmp2/mnist.npz")))
    targets = {target: source for source, target in served.mounts}
    for target in ("/home/student/.keras/datasets/mnist.npz", "/home/student/work/data/mnist.npz", "/home/student/tmp2/mnist.npz"):
        assert targets[target] == Path(os.path.realpath(mnist_source.path))
    assert served.unverified == mnist_source.unverified
    assert ("SUBSET" in served.description) == mnist_source.subset
    assert served.identity.startswith("mnist:subset:" if mnist_source.subset else "mnist:real:")


def test_without_a_sandbox_the_files_are_linked_into_the_home_folder(tmp_path, mnist_source):
    served = provision.provide(DataSpec("mnist", True, ("data/mnist.npz",)))
    provision.link_unisolated(served, tmp_path)
    assert (tmp_path / "data" / "mnist.npz").resolve() == Path(os.path.realpath(mnist_source.path))
    assert (tmp_path / ".keras" / "datasets" / "mnist.npz").is_file()


def test_the_subset_is_labelled_and_the_real_file_found_first(mnist_source):
    text = mnist.describe()
    assert text.startswith("MNIST: ") and str(mnist_source.path) in text
    assert ("SUBSET" in text) == mnist_source.subset


def test_a_verified_real_file_is_served_as_is_and_keras_checks_its_hash(tmp_path, monkeypatch, mnist_source):
    """The real mnist.npz path, exercised with a stand-in whose SHA-256 is made the official one for this test."""
    import hashlib
    import shutil

    real = tmp_path / "mnist.npz"
    shutil.copyfile(mnist_source.path, real)
    monkeypatch.setenv("GRADER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(mnist, "SHA256", hashlib.sha256(real.read_bytes()).hexdigest())
    served = provision.provide(DataSpec("mnist", True, ("data/mnist.npz",)))
    assert not served.unverified and "the official mnist.npz" in served.description
    assert dict((target, source) for source, target in served.mounts)["/home/student/.keras/datasets/mnist.npz"] == real.resolve()
    assert served.identity.startswith("mnist:real:")
