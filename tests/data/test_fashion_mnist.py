"""Tests for grader.data.fashion_mnist, on the real Fashion MNIST files of the Debian package."""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from grader.data import fashion_mnist as datasets
from grader.data.fashion_mnist import FILES, DatasetUnavailable, DataSource

from mirrors import DEBIAN, official_bytes  # noqa: E402

pytestmark = pytest.mark.skipif(
    not all((DEBIAN / n).is_file() for n in FILES),
    reason="needs the real data: apt-get install dataset-fashion-mnist",
)
KERAS_HOME_GUEST = datasets.SANDBOX_HOME + "/.keras/datasets/fashion-mnist"
KERAS_TMP_GUEST = "/tmp/.keras/datasets/fashion-mnist"


def link_tree(directory: Path, names=FILES) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        (directory / name).symlink_to(DEBIAN / name)
    return directory


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Private HOME and grader cache; no GRADER_DATA_DIR / KERAS_HOME from the caller."""
    for var in ("GRADER_DATA_DIR", "KERAS_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    """One decoded cache for the read-only tests (decoding takes ~0.5 s)."""
    cache = tmp_path_factory.mktemp("shared-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADER_CACHE_DIR", str(cache))
        return cache, datasets.decoded(DataSource(DEBIAN, datasets.ORIGIN_DEBIAN))


@pytest.fixture(scope="module")
def official_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("official")
    for name in FILES:
        (directory / name).write_bytes(official_bytes(name))
    return directory


@pytest.fixture
def serve(monkeypatch):
    """serve(directory) -> mirror URL of a loopback HTTP server; records request paths."""
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "*")
    servers, requests = [], []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            requests.append(self.path)

    def start(directory: Path) -> str:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(directory)))
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/"

    start.requests = requests
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


# --- constants -------------------------------------------------------------------------


def test_file_list_and_mirror_match_keras_source():
    spec = importlib.util.find_spec("keras")  # read the source: importing keras is slow
    text = (Path(spec.origin).parent / "src" / "datasets" / "fashion_mnist.py").read_text()
    assert f'base = "{datasets.MIRROR}"' in text
    assert all(f'"{name}"' in text for name in FILES) and text.count("-ubyte.gz") == 4
    assert 'os.path.join("datasets", "fashion-mnist")' in text
    assert set(datasets.SHA256) == set(datasets.DEBIAN_SHA256) == set(datasets.PAYLOAD_SHA256) == set(FILES)


@pytest.mark.parametrize("name", FILES)
def test_debian_copy_is_the_official_file_with_a_rewritten_gzip_header(name):
    assert hashlib.sha256((DEBIAN / name).read_bytes()).hexdigest() == datasets.DEBIAN_SHA256[name]
    assert hashlib.sha256(official_bytes(name)).hexdigest() == datasets.SHA256[name]
    payload = gzip.decompress((DEBIAN / name).read_bytes())
    assert hashlib.sha256(payload).hexdigest() == datasets.PAYLOAD_SHA256[name]


# --- locate / search_path --------------------------------------------------------------


def test_search_path_order(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_DATA_DIR", str(tmp_path / "data"))
    home = tmp_path / "home"
    assert datasets.search_path() == [
        (tmp_path / "data", "GRADER_DATA_DIR"),
        (DEBIAN, "debian package dataset-fashion-mnist"),
        (home / ".keras/datasets/fashion-mnist", "keras cache"),
        (Path("/tmp/.keras/datasets/fashion-mnist"), "keras cache"),
        (tmp_path / "cache/fashion-mnist/raw", "grader cache (fetched)"),
    ]
    monkeypatch.delenv("GRADER_CACHE_DIR")
    monkeypatch.delenv("GRADER_DATA_DIR")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    paths = [d for d, _ in datasets.search_path()]
    assert paths[0] == DEBIAN and paths[1] == tmp_path / "kh/datasets/fashion-mnist"
    assert paths[-1] == home / ".cache/grader/fashion-mnist/raw"


def test_locate_prefers_grader_data_dir(tmp_path, monkeypatch):
    data = link_tree(tmp_path / "data")
    monkeypatch.setenv("GRADER_DATA_DIR", str(data))
    assert datasets.locate() == DataSource(data, "GRADER_DATA_DIR")


def test_locate_skips_incomplete_dir_and_falls_back_to_debian(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_DATA_DIR", str(link_tree(tmp_path / "data", FILES[:3])))
    assert datasets.locate() == DataSource(DEBIAN, "debian package dataset-fashion-mnist")


def test_missing_everywhere_names_the_dirs_and_the_fix(tmp_path, monkeypatch):
    partial = link_tree(tmp_path / "partial", FILES[:1])
    searched = [(tmp_path / "absent", "GRADER_DATA_DIR"), (partial, "keras cache")]
    monkeypatch.setattr(datasets, "search_path", lambda: searched)
    with pytest.raises(DatasetUnavailable) as caught:
        datasets.locate()
    message = str(caught.value)
    assert f"{tmp_path / 'absent'}  (GRADER_DATA_DIR): no such directory" in message
    assert f"{partial}  (keras cache): missing " + ", ".join(FILES[1:]) in message
    assert "apt-get install dataset-fashion-mnist" in message and "grader data fetch" in message
    described = datasets.status().describe()
    assert "NOT FOUND" in described and "grader data fetch" in described


def test_status_reports_source_hashes_and_cache(tmp_path, monkeypatch):
    before = datasets.status()
    assert before.ok and before.source.directory == DEBIAN and not before.decoded_present
    assert [f.variant for f in before.files] == ["official (Debian copy)"] * 4
    monkeypatch.setenv("GRADER_DATA_DIR", str(link_tree(tmp_path / "data", FILES[1:])))
    (tmp_path / "data" / FILES[0]).write_bytes(official_bytes(FILES[0]))
    datasets.decoded()
    after = datasets.status()
    assert after.ok and after.decoded_present and after.files[0].variant == "official"
    assert str(after.decoded_dir) in after.describe()


# --- decoded / load ---------------------------------------------------------------------


def test_decoded_arrays(shared_cache):
    _, paths = shared_cache
    (x_train, y_train), (x_test, y_test) = (datasets.load(s, paths) for s in ("train", "test"))
    assert (x_train.shape, y_train.shape, x_test.shape, y_test.shape) == ((60000, 28, 28), (60000,), (10000, 28, 28), (10000,))
    assert all(a.dtype == np.uint8 and isinstance(a, np.memmap) for a in (x_train, y_train, x_test, y_test))
    assert not x_train.flags.writeable
    assert y_train[0] == 9 and y_test[0] == 9
    assert np.bincount(y_train).tolist() == [6000] * 10 and np.bincount(y_test).tolist() == [1000] * 10
    assert (x_train.min(), x_train.max(), x_test.min(), x_test.max()) == (0, 255, 0, 255)
    with pytest.raises(ValueError):
        datasets.load("validation", paths)


def test_second_call_reuses_cache_without_touching_the_source(shared_cache, monkeypatch):
    cache, paths = shared_cache
    monkeypatch.setenv("GRADER_CACHE_DIR", str(cache))
    stamps = {p: os.stat(p).st_mtime_ns for p in vars(paths).values()}

    def no_locate():
        raise AssertionError("cache hit must not locate the source")

    monkeypatch.setattr(datasets, "locate", no_locate)
    assert datasets.decoded() == paths
    assert datasets.decoded(DataSource(cache / "nowhere", "GRADER_DATA_DIR")) == paths
    assert {p: os.stat(p).st_mtime_ns for p in vars(paths).values()} == stamps
    assert sorted(p.name for p in paths.directory.parent.iterdir()) == [paths.directory.name]


def test_concurrent_first_calls_agree(tmp_path):
    source = DataSource(DEBIAN, datasets.ORIGIN_DEBIAN)
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: datasets.decoded(source), range(3)))
    assert results[0] == results[1] == results[2]
    parent = results[0].directory.parent
    assert [p.name for p in parent.iterdir()] == [results[0].directory.name]  # no temp dirs left
    assert datasets.load("test", results[0])[1][0] == 9


def test_truncated_gz_names_the_file(tmp_path):
    data = link_tree(tmp_path / "data", FILES[1:])
    (data / FILES[0]).write_bytes((DEBIAN / FILES[0]).read_bytes()[:1_000_000])
    with pytest.raises(DatasetUnavailable, match=rf"{FILES[0]} in {data} is corrupt or truncated"):
        datasets.decoded(DataSource(data, "GRADER_DATA_DIR"))
    assert list((tmp_path / "cache" / "fashion-mnist").iterdir()) == []  # nothing half-built


@pytest.mark.parametrize(
    "damage, expected",
    [
        (lambda idx: b"\x00\x00\x08\x03" + idx[4:], "idx header"),  # labels claiming to be images
        (lambda idx: idx[:-1], "data bytes"),
        (lambda idx: idx[:100] + bytes([(idx[100] + 1) % 10]) + idx[101:], "content differs"),
    ],
)
def test_valid_gzip_with_wrong_content_is_rejected(tmp_path, damage, expected):
    data = link_tree(tmp_path / "data", [n for n in FILES if n != FILES[1]])
    (data / FILES[1]).write_bytes(gzip.compress(damage(gzip.decompress((DEBIAN / FILES[1]).read_bytes()))))
    with pytest.raises(DatasetUnavailable, match=rf"{FILES[1]} in {data} is not official.*{expected}"):
        datasets.decoded(DataSource(data, "GRADER_DATA_DIR"))


# --- fetch ------------------------------------------------------------------------------


def test_fetch_downloads_verifies_and_skips_valid_files(tmp_path, serve, official_dir):
    mirror = serve(official_dir)
    source = datasets.fetch(mirror=mirror, timeout=10)
    assert source == DataSource(tmp_path / "cache/fashion-mnist/raw", "grader cache (fetched)")
    assert sorted(p.name for p in source.directory.iterdir()) == sorted(FILES)
    assert all((source.directory / n).read_bytes() == official_bytes(n) for n in FILES)
    assert datasets.locate() == DataSource(DEBIAN, datasets.ORIGIN_DEBIAN)  # Debian still comes first
    (source.directory / FILES[3]).write_bytes(b"garbage")
    serve.requests.clear()
    assert datasets.fetch(mirror=mirror, timeout=10) == source
    assert serve.requests == ["/" + FILES[3]]
    assert (source.directory / FILES[3]).read_bytes() == official_bytes(FILES[3])


def test_fetch_rejects_a_tampered_file_and_leaves_nothing_partial(tmp_path, serve, official_dir):
    served = tmp_path / "served"
    shutil.copytree(official_dir, served)
    tampered = bytearray((served / FILES[1]).read_bytes())
    tampered[-9] ^= 0xFF
    (served / FILES[1]).write_bytes(bytes(tampered))
    destination = tmp_path / "dest"
    with pytest.raises(DatasetUnavailable) as caught:
        datasets.fetch(destination, mirror=serve(served), timeout=10)
    message = str(caught.value)
    assert FILES[1] in message and hashlib.sha256(tampered).hexdigest() in message
    assert datasets.SHA256[FILES[1]] in message
    assert sorted(p.name for p in destination.iterdir()) == [FILES[0]]  # verified one kept, no .part


def test_fetch_network_failures_name_the_cause(tmp_path, serve):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with pytest.raises(DatasetUnavailable, match="could not download .*Connection refused"):
        datasets.fetch(tmp_path / "a", mirror=f"http://127.0.0.1:{closed_port}/", timeout=5)
    with pytest.raises(DatasetUnavailable, match="could not download .*404"):
        datasets.fetch(tmp_path / "b", mirror=serve(tmp_path / "empty"), timeout=5)
    assert list((tmp_path / "a").iterdir()) == list((tmp_path / "b").iterdir()) == []


# --- Keras cache contract -----------------------------------------------------------------


def test_keras_cache_mounts_resolve_symlinks(tmp_path):
    expected = [(DEBIAN, KERAS_HOME_GUEST), (DEBIAN, KERAS_TMP_GUEST)]
    assert datasets.keras_cache_mounts(DataSource(DEBIAN, datasets.ORIGIN_DEBIAN)) == expected
    links = DataSource(link_tree(tmp_path / "links"), "GRADER_DATA_DIR")
    assert datasets.keras_cache_mounts(links) == expected
    mixed = link_tree(tmp_path / "mixed", FILES[1:])
    (mixed / FILES[0]).write_bytes(b"")
    mounts = datasets.keras_cache_mounts(DataSource(mixed, "GRADER_DATA_DIR"))
    assert mounts[0] == (mixed / FILES[0], f"{KERAS_HOME_GUEST}/{FILES[0]}")
    assert mounts[1] == (DEBIAN / FILES[1], f"{KERAS_HOME_GUEST}/{FILES[1]}")
    assert len(mounts) == 8 and mounts[4][1] == f"{KERAS_TMP_GUEST}/{FILES[0]}"


def run_keras(home: Path, code: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("KERAS_HOME", "no_proxy", "NO_PROXY")}
    offline = "http://127.0.0.1:9"  # the discard port: any download attempt fails at once
    env.update(
        HOME=str(home), https_proxy=offline, http_proxy=offline, HTTPS_PROXY=offline, HTTP_PROXY=offline, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES=""
    )
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=home, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_keras_load_data_uses_the_mounted_files_offline(tmp_path, shared_cache):
    home = tmp_path / "student"
    home.mkdir()
    for host, guest in datasets.keras_cache_mounts(datasets.locate()):
        if guest.startswith(datasets.SANDBOX_HOME + "/"):  # /tmp/.keras is shared: not touched here
            local = home / guest[len(datasets.SANDBOX_HOME) + 1 :]
            local.parent.mkdir(parents=True, exist_ok=True)
            local.symlink_to(host)
    code = (
        "import hashlib, keras, tensorflow as tf\n"
        "(a, b), (c, d) = keras.datasets.fashion_mnist.load_data()\n"
        "print(a.shape, c.shape)\n"
        "print(hashlib.sha256(b''.join(x.tobytes() for x in (a, b, c, d))).hexdigest())\n"
        "(a2, b2), (c2, d2) = tf.keras.datasets.fashion_mnist.load_data()\n"
        "print((a2 == a).all() and (b2 == b).all() and (c2 == c).all() and (d2 == d).all())\n"
    )
    result = run_keras(home, code)
    assert result.returncode == 0, result.stderr[-3000:]
    arrays = [datasets.load(s, shared_cache[1]) for s in ("train", "test")]
    ours = hashlib.sha256(b"".join(np.asarray(x).tobytes() for pair in arrays for x in pair)).hexdigest()
    assert result.stdout.splitlines() == ["(60000, 28, 28) (10000, 28, 28)", ours, "True"]
    assert "Downloading" not in result.stdout + result.stderr


@pytest.mark.slow
def test_keras_without_the_mounts_tries_to_download_and_fails(tmp_path):
    """Control: proves the test above would catch a download attempt."""
    (tmp_path / "student").mkdir()
    result = run_keras(tmp_path / "student", "import keras; keras.datasets.fashion_mnist.load_data()")
    assert result.returncode != 0
    assert "Downloading data from " + datasets.MIRROR + FILES[1] in result.stdout
    assert "URL fetch failure" in result.stderr
