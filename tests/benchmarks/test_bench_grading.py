"""The grading benchmark's counters: what its peak memory figure counts."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location("bench_grading", Path(__file__).with_name("bench_grading.py"))
assert spec is not None and spec.loader is not None
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

# A grandchild fills 400 MB, frees it at once and then idles.
SHORT_PEAK = (
    "import subprocess, sys; subprocess.run([sys.executable, '-c', 'block = b\"x\" * (400 * 2**20); del block; import time; time.sleep(0.5)'], check=True)"
)


@pytest.fixture
def memory_counted_by_cgroup():
    if "cgroup" not in bench.counters()["peak_memory"]:
        pytest.skip("no writable memory cgroup here: the benchmark falls back to sampled PSS")


def test_the_peak_counts_a_short_allocation_in_a_grandchild(memory_counted_by_cgroup, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(bench, "SAMPLE_EVERY", 3.0)  # were it sampled, one sample as the run starts could not see the block
    result = bench.measure([sys.executable, "-c", SHORT_PEAK], tmp_path, dict(os.environ))
    assert 400 <= result["peak_mb"] < 600  # the kernel's high-water mark
    assert result["sampler_cpu"] < 0.05  # and no sampler took CPU beside the run


def test_each_way_gets_a_cgroup_of_its_own_and_leaves_none_behind(memory_counted_by_cgroup, tmp_path: Path):
    small = bench.measure([sys.executable, "-c", "pass"], tmp_path, dict(os.environ))
    big = bench.measure([sys.executable, "-c", SHORT_PEAK], tmp_path, dict(os.environ))
    again = bench.measure([sys.executable, "-c", "pass"], tmp_path, dict(os.environ))
    assert small["peak_mb"] < 100 and again["peak_mb"] < 100 < big["peak_mb"]
    from grader.sandbox import cgroups

    _, parents = cgroups.parents()
    assert not [path for parent in set(parents.values()) for path in parent.glob(f"{cgroups.PREFIX}{os.getpid()}-*")]
