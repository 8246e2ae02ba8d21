"""Hostile and broken submissions, graded end to end in the real sandbox.

Every case is a real file (tests/submissions/hostile/, named by what it does) graded through
``grade_to`` or ``grader.cli.main`` with tight limits, and every test reads the report.json the
grader wrote. Each asserts the status, that no point was earned that the submission's real work
does not deserve, that the message names the limit, that grading ended within the limit plus a
few seconds, and that the machine is left clean: no process carrying the submission's marker,
no file outside the output folder, no work folder, staging folder or cgroup left behind.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from hostile import FAST, HOSTILE, SEARCHED, SLACK, Graded, assert_nothing_earned, check_message, files_named, grade, hostile, passed  # noqa: F401

from grader import cli
from grader.api import choose_isolation
from grader.sandbox import run as sandbox
from grader.sandbox.run import Limits

from conftest import ASSIGNMENT, ROOT, submission
from machine import marked_processes

# -- limits: each breach ends the run with its own status and a message naming the limit ------


@pytest.mark.parametrize(
    "name, limits, status, words, marker",
    [
        ("long_sleep.py", {"wall_seconds": 10}, "timeout", ["wall-clock time limit of 10 seconds", "`wall_seconds`"], "hostile-long-sleep-3f9a1c"),
        ("busy_loop.py", {"cpu_seconds": 6, "wall_seconds": 60}, "cpu_time", ["CPU time limit of 6 CPU seconds", "`cpu_seconds`"], None),
        ("memory_grab.py", {"memory_mb": 1024}, "memory", ["memory limit of 1,024 MB", "`memory_mb`"], None),
        ("floods_output.py", {"output_bytes": 20_000}, "output", ["printed output limit of 20,000 bytes", "verbose=2"], None),
        ("fork_storm.py", {"processes": 96}, "error", ["BlockingIOError", "at most 96 processes and threads", "`processes`"], "hostile-fork-storm-8d2e4b"),
        ("fills_disk.py", {"scratch_mb": 32}, "error", ["No space left on device", "32 MB of scratch space", "`scratch_mb`"], "hostile-fills-disk-61c0f7"),
    ],
)
def test_a_limit_breach_ends_the_run_with_its_status_and_names_the_limit(name, limits, status, words, marker, assignment, tmp_path):
    report = grade(hostile(name), assignment, tmp_path, **limits).report
    assert report["status"] == status, report["message"]
    assert_nothing_earned(report)
    for word in words:
        assert word in report["message"]
    if marker:
        assert marked_processes(marker) == [] and files_named(marker, tmp_path) == []


def test_output_flood_is_cut_at_the_bound(assignment, tmp_path):
    report = grade(hostile("floods_output.py"), assignment, tmp_path, output_bytes=20_000).report
    assert report["output_truncated"] is True and len(report["output"]) <= 20_000
    assert report["status"] == "output"


def test_writes_outside_scratch_are_refused(assignment, tmp_path):
    report = grade(hostile("fills_disk.py"), assignment, tmp_path, scratch_mb=16).report
    assert "WROTE" not in report["output"]
    assert report["output"].count("refused") == 9, report["output"]
    assert report["output"].count("full") == 3  # the home with the working folder, /dev/shm, then /tmp ends it


# -- the grader survives: killing the parent, exiting early -------------------------------------


def test_killing_the_parent_and_everything_visible_only_kills_the_submission(assignment, tmp_path):
    graded = grade(hostile("kills_parent.py"), assignment, tmp_path)
    report = graded.report
    assert (report["status"], report["score"]) == ("crashed", 0)
    assert "killed by SIGKILL" in report["message"]
    assert "still alive after kill -9 -1" not in report["output"]
    visible = re.search(r"processes I can see: \[(.*)\]", report["output"])[1]
    assert len(visible.split(",")) <= 3, visible  # bwrap's pid 1 and itself: no grader, no host


def test_exit_status_zero_at_import_is_a_crash_not_a_pass(assignment, tmp_path):
    graded = grade(submission("exits_early.py"), assignment, tmp_path)
    assert graded.report["status"] == "crashed" and "exited with code 0" in graded.report["message"]
    assert_nothing_earned(graded.report)


def cgroups_of(pid: int) -> list[Path]:
    return [p for parent in set(sandbox._cgroup_parents()[1].values()) for p in parent.glob(f"grader-sandbox-{pid}-*")]


def tasks_of(pid: int) -> list[str]:
    return [task for d in cgroups_of(pid) for task in (d / "cgroup.procs").read_text().split()]


def test_the_sandbox_dies_with_the_grader(tmp_path):
    """SIGKILL the grading process mid-run: the sandbox goes with it; the next run sweeps what it left."""
    marker, out = "hostile-long-sleep-3f9a1c", tmp_path / "out"
    work = tmp_path / "work"
    work.mkdir()
    code = (
        "import sys; from dataclasses import replace; from pathlib import Path; from grader import spec; "
        "from grader.api import grade_to; from grader.options import Options; s = spec.load(sys.argv[1]); "
        "grade_to(sys.argv[2], s, sys.argv[3], Options(limits=replace(s.limits, wall_seconds=300), work_root=Path(sys.argv[4])))"
    )
    grader = subprocess.Popen([sys.executable, "-c", code, ASSIGNMENT, str(hostile("long_sleep.py")), str(out), str(work)])
    try:
        deadline = time.monotonic() + 60
        while not marked_processes(marker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert marked_processes(marker), "the submission never started"
    finally:
        grader.send_signal(signal.SIGKILL)
        grader.wait()
    deadline = time.monotonic() + 10
    while (marked_processes(marker) or tasks_of(grader.pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert marked_processes(marker) == [] and tasks_of(grader.pid) == []
    sandbox.run(["true"], limits=FAST, mounts=(), workdir="/tmp", env={}, isolation=choose_isolation("auto"))
    assert cgroups_of(grader.pid) == [], "the next run sweeps the killed grader's cgroup"
    assert not any(name.startswith(f"grader-stage-{grader.pid}-") for name in os.listdir(tempfile.gettempdir()))


# -- nothing to read, nowhere to go ---------------------------------------------------------------


def test_the_reference_checks_and_other_work_are_invisible(assignment, tmp_path):
    canary = f"canary-{os.getpid()}-other-student"
    other = tmp_path / "work-of-others" / "grader-otherstudent" / "out"
    other.mkdir(parents=True)
    (other / "observations.json").write_text(canary)
    report = grade(hostile("reads_reference.py"), assignment, tmp_path).report
    output = report["output"]
    assert report["output_truncated"] is False and "visible at the top:" in output
    assert report["status"] == "error" and "does not define" in report["message"]
    secrets = [assignment.reference.read_text(), assignment.path.read_text(), (ROOT / "grader" / "checks" / "__init__.py").read_text()]
    for secret in secrets:
        for line in {line.strip() for line in secret.splitlines() if len(line.strip()) > 30}:
            assert line not in output, line
    assert canary not in output and "EarlyStoppingCallback" not in output
    for hidden in ("/work/main/reference", "/work/main/assignments", "/work/main/grader", "/root/.cache/grader", "/tmp/grader-"):
        assert f"READ {hidden}" not in output and f"LISTED {hidden}" not in output, hidden


@pytest.fixture
def listening():
    """A TCP server on every address of this machine; records any connection made to it."""
    server = socket.create_server(("0.0.0.0", 0))
    server.settimeout(0.5)
    seen: list[tuple] = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                seen.append(server.accept()[1])
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], seen
    stop.set()
    thread.join()
    server.close()


def test_no_network_not_even_to_the_grading_machine(listening, assignment, tmp_path):
    port, seen = listening
    try:
        addresses = sorted({"127.0.0.1", *socket.gethostbyname_ex(socket.gethostname())[2]})
    except OSError:
        addresses = ["127.0.0.1"]
    source = hostile("network.py").read_text()
    source = source.replace("PORT = 0", f"PORT = {port}").replace('HOST_ADDRESSES = ["127.0.0.1"]', f"HOST_ADDRESSES = {addresses!r}")
    path = tmp_path / "network.py"
    path.write_text(source)
    report = grade(path, assignment, tmp_path).report
    assert "CONNECTED" not in report["output"] and seen == []
    assert report["output"].count("blocked") == 3 + len(addresses), report["output"]
    assert report["status"] == "error"


# -- forging results: no points the grader did not measure ---------------------------------------


def test_printed_and_written_fake_results_change_nothing(assignment, tmp_path):
    graded = grade(hostile("forges_output.py"), assignment, tmp_path)
    assert graded.report["status"] == "error"
    assert_nothing_earned(graded.report)
    assert files_named("hostile-forges-output-a7b3", tmp_path) == []
    outside_fences = re.sub(r"(`{3,})text\n.*?\n\1(\n|$)", "", graded.markdown, flags=re.DOTALL)
    assert graded.markdown.startswith("# fashion_mnist_callback: 0 / 100")
    assert "100 / 100" not in outside_fences and "100/100" not in outside_fences


def test_forged_observations_earn_nothing(assignment, tmp_path):
    """Frames forged on the results pipe (found through /proc/self/fd) and through the harness's own objects can
    claim anything the harness observes; the grader scores only the model files it measures and the callback it
    tries alone, so a submission that builds no model and defines no real callback earns nothing."""
    report = grade(hostile("forges_observations.py"), assignment, tmp_path).report
    assert "forged frames into descriptor" in report["output"]
    assert_nothing_earned(report)
    metrics = report["metrics"] or {}
    assert metrics.get("test_accuracy") is None and metrics.get("train_accuracy") is None


@pytest.mark.slow
def test_monkeypatched_keras_gets_what_its_real_model_earns(assignment, tmp_path):
    report = grade(hostile("monkeypatches_keras.py"), assignment, tmp_path, wall_seconds=300).report
    assert report["status"] == "graded"
    assert passed(report) == {"model", "callback"} and report["score"] == 40, report["checks"]
    assert "Test accuracy: 0.99" in report["output"]  # what the patched evaluate printed
    assert report["metrics"]["history"]["accuracy"][0] == 0.99  # what the patched logs said
    assert report["metrics"]["test_accuracy"] < 0.85 and report["metrics"]["train_accuracy"] < 0.85
    assert "The logs do not match the model" in check_message(report, "stopped_by_callback")


@pytest.mark.slow
def test_a_fake_history_earns_nothing(assignment, tmp_path):
    report = grade(hostile("fake_history.py"), assignment, tmp_path, wall_seconds=300).report
    assert report["status"] == "graded"
    assert passed(report) == {"model", "callback"} and report["score"] == 40, report["checks"]
    assert report["metrics"]["epochs_run"] == 1 and report["metrics"]["history"]["accuracy"][-1] < 0.99
    assert "the epoch limit ended it" in check_message(report, "stopped_by_callback")
    assert report["metrics"]["test_accuracy"] < 0.85


@pytest.mark.slow
def test_a_lambda_layer_is_refused_and_its_code_never_runs(assignment, tmp_path):
    report = grade(hostile("lambda_layer.py"), assignment, tmp_path, wall_seconds=300).report
    assert report["status"] == "graded"
    assert passed(report) <= {"model", "callback"}, report["checks"]
    assert report["metrics"]["test_accuracy"] is None and report["metrics"]["params"] is None
    assert "without running any of your code" in check_message(report, "accuracy")
    assert "no Lambda layers" in check_message(report, "accuracy")
    assert "hostile-lambda-ran-7e51" not in json.dumps(report)


# -- broken files ---------------------------------------------------------------------------------

MALFORMED = sorted(HOSTILE.glob("*.ipynb"))


@pytest.mark.parametrize("path", MALFORMED, ids=[path.name for path in MALFORMED])
def test_a_malformed_notebook_gets_a_report_not_a_grader_fault(path, assignment, tmp_path):
    graded = grade(path, assignment, tmp_path)
    assert graded.report["status"] in {"invalid", "error"}, graded.report["message"]
    assert_nothing_earned(graded.report)
    assert path.name in graded.report["message"] and "Traceback" not in graded.report["message"]


# -- the command line's limit flags ---------------------------------------------------------------


def test_limit_flags_override_the_assignment(tmp_path, capsys):
    out = tmp_path / "out"
    argv = [
        "grade",
        str(hostile("floods_output.py")),
        "-a",
        ASSIGNMENT,
        "-o",
        str(out),
        "--timeout",
        "40",
        "--cpu-time",
        "50",
        "--memory",
        "1500",
        "--processes",
        "200",
        "--scratch",
        "16",
        "--output-limit",
        "9999",
    ]
    assert cli.main(argv) == cli.EXIT_OK
    report = json.loads((out / "report.json").read_text())
    assert report["status"] == "output" and "limit of 9,999 bytes" in report["message"]
    from grader.cli.common import limits_of

    parsed = cli.parser().parse_args(argv)
    assert limits_of(parsed, Limits()) == Limits(40, 50, 1500, 200, 16, 9999)
    assert cli.main([*argv[:6], "--processes", "0"]) == cli.EXIT_USAGE
    assert "A limit must be positive" in capsys.readouterr().err


# -- no sandbox: refused unless asked for, and then said loudly ------------------------------------


def test_without_a_sandbox_grading_refuses_unless_told_and_then_says_so(monkeypatch, tmp_path, capsys):
    from grader import api
    from grader.sandbox.run import SandboxSupport

    monkeypatch.setattr(api, "support", lambda: SandboxSupport(None, "-", "-", ("bwrap not found on PATH",)))
    out = tmp_path / "out"
    argv = ["grade", str(submission("exits_early.py")), "-a", ASSIGNMENT, "-o", str(out)]
    assert cli.main(argv) == cli.EXIT_USAGE
    assert "No sandbox can start on this machine (bwrap not found on PATH)" in capsys.readouterr().err
    assert not out.exists()
    assert cli.main([*argv, "--sandbox", "none"]) == cli.EXIT_OK
    assert "WARNING: --sandbox none: student code runs WITHOUT isolation" in capsys.readouterr().err
    assert json.loads((out / "report.json").read_text())["sandbox"] == "none"
    assert "Graded WITHOUT a sandbox (--sandbox none)" in (out / "report.md").read_text()


def test_a_student_checking_their_own_notebook_without_a_sandbox_gets_a_one_line_notice(monkeypatch, tmp_path, capsys):
    """grader check is a student's own code on their own machine (macOS, Windows, lab machines): it runs, and says how."""
    from grader import api
    from grader.sandbox.run import SandboxSupport

    monkeypatch.setattr(api, "support", lambda: SandboxSupport(None, "-", "-", ("bwrap not found on PATH",)))
    code = cli.main(["check", str(submission("exits_early.py")), "-a", ASSIGNMENT, "--out", str(tmp_path / "out")])
    assert code == cli.EXIT_BELOW_FULL
    error = capsys.readouterr().err
    assert "No sandbox can start on this machine, so your notebook runs unprotected, as it does in Jupyter" in error
    assert "WARNING" not in error and json.loads((tmp_path / "out" / "report.json").read_text())["sandbox"] == "none"
    assert cli.main(["batch", str(tmp_path), "-a", ASSIGNMENT, "-o", str(tmp_path / "batch")]) == cli.EXIT_USAGE  # others' work: refused


def test_doctor_lists_the_sandbox_and_every_limit(capsys):
    assert cli.main(["doctor"]) == cli.EXIT_OK
    shown = capsys.readouterr().out
    assert shown.startswith("sandbox: bwrap: no network")
    for line in (
        "runs as: uid 65534",
        "wall clock: 600 s",
        "CPU time: 1200 s",
        "memory: 4,096 MB",
        "processes and threads: 512",
        "scratch: 512 MB",
        "output: 1,000,000 bytes",
        "assignment fashion_mnist_callback: wall 600 s",
        "data: Fashion MNIST",
        "tensorflow:",
        "cores:",
    ):
        assert line in shown, line
