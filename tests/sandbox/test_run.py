"""Behaviour of grader.sandbox.run with real processes, limits and namespaces."""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from grader.sandbox import run as sandbox
from grader.sandbox.run import Isolation, Limits, Mount, Outcome, SandboxRun, SandboxSetupError, python_mounts, run, support

PY = sys.executable
HAVE_BWRAP = support().isolation is Isolation.BWRAP
needs_bwrap = pytest.mark.skipif(not HAVE_BWRAP, reason=f"bubblewrap sandbox unavailable: {'; '.join(support().problems)}")
FAST = Limits(wall_seconds=20, cpu_seconds=20, memory_mb=1024, processes=64, scratch_mb=64, output_bytes=100_000)


def py(
    code: str,
    *,
    limits: Limits = FAST,
    mounts: tuple[Mount, ...] = (),
    env: dict | None = None,
    workdir: str = "/sandbox",
    isolation: Isolation = Isolation.BWRAP,
) -> SandboxRun:
    return run([PY, "-c", code], limits=limits, mounts=mounts, workdir=workdir, env=env or {}, isolation=isolation)


from machine import marked_processes, own_cgroups  # noqa: E402


@pytest.fixture(autouse=True)
def no_leftover_cgroups():
    yield
    assert own_cgroups() == []


def test_support_is_cached_and_described():
    s = support()
    assert s is support()
    assert s.memory_limit and s.process_limit
    assert all(isinstance(p, str) for p in s.problems)


def test_python_mounts_cover_the_interpreter():
    targets = [m.target for m in python_mounts()]
    real_exe = os.path.realpath(PY)
    assert any(real_exe.startswith(t.rstrip("/") + "/") or real_exe == t for t in targets)
    assert any(sys.prefix.startswith(t) for t in targets)
    assert all(not m.writable for m in python_mounts())


def test_cgroup_v2_counters_are_parsed(tmp_path):
    (tmp_path / "cpu.stat").write_text("usage_usec 2500000\nuser_usec 2000000\n")
    (tmp_path / "memory.peak").write_text(str(300 * 2**20))
    (tmp_path / "memory.events").write_text("low 0\nhigh 0\nmax 7\noom 1\noom_kill 1\n")
    cg = sandbox._Cgroup(2, {"memory": tmp_path, "pids": tmp_path, "cpu": tmp_path}, [])
    assert (cg.cpu_seconds(), cg.peak_mb(), cg.oom_killed(False)) == (2.5, 300.0, True)
    (tmp_path / "memory.events").write_text("oom 0\noom_kill 0\n")
    assert not cg.oom_killed(True)
    assert sandbox._describe(cg)[0].startswith("cgroup v2 memory.max")


@needs_bwrap
def test_exit_code_and_output_pass_through():
    r = py("import sys; print('out', flush=True); print('err', file=sys.stderr); sys.exit(3)")
    assert (r.outcome, r.exit_code, r.signal, r.isolation) == (Outcome.FINISHED, 3, None, Isolation.BWRAP)
    assert r.output.split() == ["out", "err"] and not r.output_truncated
    assert py("pass").exit_code == 0


@needs_bwrap
def test_death_by_signal_is_reported():
    r = py("import os, signal; os.kill(os.getpid(), signal.SIGTERM)")
    assert (r.outcome, r.exit_code, r.signal) == (Outcome.FINISHED, None, 15)


@needs_bwrap
def test_env_is_cleared(monkeypatch):
    monkeypatch.setenv("GRADER_SECRET_MARKER", "leak")
    r = py("import os; print(sorted(os.environ))", env={"HOME": "/sandbox", "A": "1"})
    names = set(eval(r.output)) - {"LC_CTYPE", "PWD"}  # set by python / bwrap --chdir
    assert names == {"HOME", "A"}


@needs_bwrap
def test_uid_is_nobody():
    assert py("import os; print(os.getuid(), os.getgid(), os.geteuid())").output.split() == ["65534"] * 3


@needs_bwrap
def test_network_is_unreachable():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    code = f"""
import socket
for addr in [("1.1.1.1", 53), ("127.0.0.1", {port})]:
    try:
        socket.create_connection(addr, timeout=3).close()
        print("CONNECTED", addr)
    except OSError as exc:
        print("blocked", type(exc).__name__)
"""
    try:
        r = py(code)
    finally:
        server.close()
    assert "CONNECTED" not in r.output and r.output.count("blocked") == 2, r.output


@needs_bwrap
def test_host_is_hidden():
    code = """
import os
print(os.path.exists("/work/main/reference"), os.path.exists("/etc/shadow"),
      os.path.exists("/home"), os.listdir("/root"))
"""
    r = py(code)
    expected_root = sorted({t.split("/")[2] for t in (m.target for m in python_mounts()) if t.startswith("/root/")})
    assert r.output.split("[")[0].split() == ["False", "False", "False"], r.output
    assert eval("[" + r.output.split("[", 1)[1]) == expected_root


HOST_KERNEL_AND_DEVICES = """
import os
for path in ["/proc/sys/kernel/core_pattern", "/proc/sys/vm/drop_caches", "/proc/sysrq-trigger"]:
    try:
        os.close(os.open(path, os.O_WRONLY))  # opened, never written: harmless if this test ever fails
        print("WRITABLE", path)
    except OSError as exc:
        print("refused", path, exc.errno)
for path in ["/dev/null", "/dev/urandom"]:
    try:
        os.chmod(path, 0o666)  # the mode they already have: harmless if this test ever fails
        print("CHMOD", path)
    except OSError as exc:
        print("refused", path, exc.errno)
"""


@needs_bwrap
def test_host_kernel_settings_and_devices_are_out_of_reach():
    r = py(HOST_KERNEL_AND_DEVICES)
    assert "WRITABLE" not in r.output and "CHMOD" not in r.output and r.output.count("refused") == 5, r.output


@needs_bwrap
def test_host_kernel_settings_are_out_of_reach_even_when_root_is_mapped(monkeypatch):
    """The fallback when bwrap cannot start unprivileged: /proc/sys is still bound read-only."""
    if os.geteuid() != 0:
        pytest.skip("only a grader running as root can map host root")
    mapped = replace(support(), features=sandbox.bwrap.Features(unprivileged=False, disable_userns=False))
    monkeypatch.setattr(sandbox, "support", lambda: mapped)
    r = py(HOST_KERNEL_AND_DEVICES)
    assert "WRITABLE" not in r.output, r.output


@needs_bwrap
def test_sandboxed_processes_are_not_host_root():
    marker = f"whoami-{uuid.uuid4().hex}"
    done = []
    thread = threading.Thread(target=lambda: done.append(py(f"import time  # {marker}\ntime.sleep(3)")))
    thread.start()
    deadline = time.monotonic() + 10
    while not marked_processes(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    uids = {Path(f"/proc/{pid}/status").read_text().split("Uid:")[1].split()[0] for pid in marked_processes(marker)}
    thread.join()
    assert uids and "0" not in uids, uids
    assert done[0].exit_code == 0


@needs_bwrap
def test_only_scratch_is_writable():
    code = """
import errno, os
for folder in ["/", "/etc", "/dev", "/usr", "/sandbox", "/tmp", "/dev/shm", "/scratch"]:
    try:
        open(os.path.join(folder, "probe"), "w").close()
        print(folder, "writable")
    except OSError as exc:
        print(folder, errno.errorcode[exc.errno])
"""
    r = run([PY, "-c", code], limits=FAST, mounts=(), workdir="/sandbox", env={}, isolation=Isolation.BWRAP, scratch=("/scratch",))
    assert r.output.split() == [
        "/",
        "EROFS",
        "/etc",
        "EROFS",
        "/dev",
        "EROFS",
        "/usr",
        "EROFS",
        "/sandbox",
        "writable",
        "/tmp",
        "writable",
        "/dev/shm",
        "writable",
        "/scratch",
        "writable",
    ], r.output


@needs_bwrap
def test_read_only_mount_cannot_be_written(tmp_path):
    tmp_path.chmod(0o755)  # readable by the sandbox's uid 65534 when the grader runs as root
    (tmp_path / "data.txt").write_text("given")
    code = """
import errno
print(open("/data/data.txt").read())
try:
    open("/data/new.txt", "w")
except OSError as exc:
    print(errno.errorcode[exc.errno])
"""
    r = py(code, mounts=(Mount(tmp_path, "/data"),))
    assert r.output.split() == ["given", "EROFS"], r.output
    assert not (tmp_path / "new.txt").exists()


@needs_bwrap
def test_writable_mount_can_be_written(tmp_path):
    tmp_path.chmod(0o777)  # writable by the sandbox's uid 65534 when the grader runs as root
    r = py("open('/out/result.txt', 'w').write('written')", mounts=(Mount(tmp_path, "/out", writable=True),))
    assert r.exit_code == 0, r.output
    assert (tmp_path / "result.txt").read_text() == "written"


@needs_bwrap
def test_workdir_is_private_scratch():
    r = py("import os; open('f.txt', 'w').write('x'); print(os.getcwd(), os.listdir('.'))")
    assert r.output.split(maxsplit=1) == ["/sandbox", "['f.txt']\n"]


@needs_bwrap
def test_wall_timeout():
    r = py("import time; time.sleep(60)", limits=Limits(wall_seconds=1))
    assert r.outcome is Outcome.TIMEOUT and r.signal == 9 and r.exit_code is None
    assert 1 <= r.wall_seconds < 3


@needs_bwrap
def test_cpu_time_limit():
    r = py("while True: pass", limits=Limits(cpu_seconds=2, wall_seconds=20))
    assert r.outcome is Outcome.CPU_TIME
    assert 1.5 < r.cpu_seconds < 5 and r.wall_seconds < 8


@needs_bwrap
def test_memory_limit():
    r = py("b = b'x' * (1 << 30); print('survived')", limits=Limits(memory_mb=300))
    assert r.outcome is Outcome.MEMORY and "survived" not in r.output
    assert r.peak_memory_mb is not None and r.peak_memory_mb <= 310


@needs_bwrap
def test_output_flood_is_cut():
    r = py("while True: print('y' * 999)", limits=Limits(output_bytes=50_000, wall_seconds=20))
    assert r.outcome is Outcome.OUTPUT and r.output_truncated
    assert len(r.output) == 50_000 and set(r.output) <= {"y", "\n"}
    assert r.wall_seconds < 5


@needs_bwrap
def test_fork_storm_is_contained():
    code = """
import os, time
n = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        n += 1
except OSError as exc:
    print("fork failed after", n, exc.errno)
    raise SystemExit(5)
"""
    r = py(code, limits=Limits(processes=50, wall_seconds=20))
    assert r.wall_seconds < 10
    if support().process_limit.startswith("cgroup"):
        assert r.exit_code == 5 and int(r.output.split()[3]) < 50, r.output


@needs_bwrap
def test_exponential_fork_bomb_ends_and_leaves_nothing():
    marker = f"bomb-{uuid.uuid4().hex}"
    code = f"""
import os  # {marker}
while True:
    try:
        os.fork()
    except OSError:
        pass
"""
    r = py(code, limits=Limits(processes=50, wall_seconds=2))
    assert r.outcome is Outcome.TIMEOUT and r.wall_seconds < 5
    assert marked_processes(marker) == []


@needs_bwrap
def test_scratch_space_is_limited():
    code = """
import errno
try:
    with open("/tmp/big", "wb") as f:
        for _ in range(1024):
            f.write(b"0" * (1 << 20))
    print("wrote 1 GB")
except OSError as exc:
    print(errno.errorcode[exc.errno])
"""
    r = py(code, limits=Limits(scratch_mb=50))
    assert r.output.split() == ["ENOSPC"], r.output


@needs_bwrap
def test_no_process_left_after_timeout():
    marker = f"leftover-{uuid.uuid4().hex}"
    code = f"""
import os, sys, time  # {marker}
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        sys.stdout.close()
        time.sleep(100)
    os._exit(0)
time.sleep(100)
"""
    r = py(code, limits=Limits(wall_seconds=1))
    assert r.outcome is Outcome.TIMEOUT
    assert marked_processes(marker) == []


def test_none_isolation_runs_directly(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_SECRET_MARKER", "leak")
    r = py("import os; print(os.getcwd(), 'GRADER_SECRET_MARKER' in os.environ); raise SystemExit(4)", workdir=str(tmp_path), isolation=Isolation.NONE)
    assert (r.outcome, r.exit_code, r.isolation) == (Outcome.FINISHED, 4, Isolation.NONE)
    assert r.output.split() == [str(tmp_path), "False"]


def test_none_isolation_enforces_limits(tmp_path):
    marker = f"none-{uuid.uuid4().hex}"
    r = py(f"import os, time  # {marker}\nos.fork(); time.sleep(60)", workdir=str(tmp_path), limits=Limits(wall_seconds=1), isolation=Isolation.NONE)
    assert r.outcome is Outcome.TIMEOUT and r.wall_seconds < 3
    assert marked_processes(marker) == []
    r = py("while True: print('z' * 99)", workdir=str(tmp_path), limits=Limits(output_bytes=1000), isolation=Isolation.NONE)
    assert r.outcome is Outcome.OUTPUT and len(r.output) == 1000


@pytest.mark.parametrize("isolation", [Isolation.NONE, pytest.param(Isolation.BWRAP, marks=needs_bwrap)])
def test_watchdogs_without_cgroups(tmp_path, monkeypatch, isolation):
    monkeypatch.setattr(sandbox, "_create_cgroup", lambda *args, **kwargs: None)
    workdir = str(tmp_path) if isolation is Isolation.NONE else "/sandbox"
    r = py("import time; b = b'x' * (1 << 30); time.sleep(30)", workdir=workdir, limits=Limits(memory_mb=300, wall_seconds=20), isolation=isolation)
    assert r.outcome is Outcome.MEMORY and r.wall_seconds < 5
    r = py("while True: pass", workdir=workdir, limits=Limits(cpu_seconds=2), isolation=isolation)
    assert r.outcome is Outcome.CPU_TIME and r.wall_seconds < 8


def test_rlimit_cpu_alone_gives_cpu_time(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "_create_cgroup", lambda *args, **kwargs: None)
    monkeypatch.setattr(sandbox._State, "check", lambda self, limits: None)
    r = py("while True: pass", workdir=str(tmp_path), limits=Limits(cpu_seconds=1), isolation=Isolation.NONE)
    assert (r.outcome, r.signal) == (Outcome.CPU_TIME, 24)


def test_setup_faults_raise(tmp_path):
    with pytest.raises(SandboxSetupError, match="does not exist"):
        py("pass", mounts=(Mount(tmp_path / "missing", "/data"),))
    with pytest.raises(SandboxSetupError, match="absolute"):
        py("pass", mounts=(Mount(tmp_path, "data"),))
    with pytest.raises(SandboxSetupError, match="empty"):
        run([], limits=FAST, mounts=(), workdir="/work", env={}, isolation=Isolation.NONE)
    with pytest.raises(SandboxSetupError, match="cannot start"):
        run(["/nonexistent/binary"], limits=FAST, mounts=(), workdir=str(tmp_path), env={}, isolation=Isolation.NONE)


@pytest.mark.slow
@needs_bwrap
def test_tensorflow_trains_inside():
    code = """
import os, threading
import numpy as np, tensorflow as tf
model = tf.keras.Sequential([tf.keras.Input((8,)), tf.keras.layers.Dense(4), tf.keras.layers.Dense(1)])
model.compile("adam", "mse")
model.fit(np.zeros((64, 8)), np.zeros((64, 1)), epochs=2, verbose=0)
print("TF", tf.__version__, "threads", len(os.listdir("/proc/self/task")))
"""
    r = py(code, limits=Limits(memory_mb=2048), env={"HOME": "/sandbox"})
    assert r.outcome is Outcome.FINISHED and r.exit_code == 0, r.output
    assert "TF " in r.output
    print(r.output.splitlines()[-1], f"peak {r.peak_memory_mb:.0f} MiB, cpu {r.cpu_seconds:.1f} s")
