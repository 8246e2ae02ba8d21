"""The bubblewrap command line: what a sandboxed run sees, and as whom it runs.

The run sees a read-only system (/usr, the libraries, a few files of /etc),
read-only binds of what it needs, and size-limited tmpfs scratch folders;
the rest of its root and /dev are remounted read-only. It has no network, its
own process, IPC and hostname namespaces, no capabilities, and cannot create
user namespaces of its own where bwrap supports ``--disable-userns``.

When the grader runs as root it starts bwrap as the unprivileged user 65534.
Without that, bwrap maps host root into the sandbox, and a process that is
host root without capabilities still owns root's files: it can write kernel
settings under /proc/sys (kernel.core_pattern: code run as root on the host)
and change host device nodes. As uid 65534 bwrap cannot reach folders below
a 0700 one (/root/...), so the child first binds each source, still as root,
onto a placeholder in a world-traversable staging folder (``staging.py``), in
a private mount namespace that the host never sees. /proc/sys and
/proc/sysrq-trigger are bound read-only in every case.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.errors import SandboxSetupError
from grader.sandbox import staging

SANDBOX_ID = 65534  # uid and gid inside, and outside when the grader runs as root
ETC = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "passwd",
    "group",
    "nsswitch.conf",
    "hosts",
    "host.conf",
    "alternatives",
    "fonts",
    "mime.types",
)
PROC_COVERS = ("/proc/sys", "/proc/sysrq-trigger")


@dataclass(frozen=True)
class Mount:
    source: Path
    target: str
    writable: bool = False  # the source must then be writable by the sandbox's uid


@dataclass(frozen=True)
class Features:
    """How bwrap runs on this machine, as found by ``probe``."""

    unprivileged: bool  # the grader is root and switches to SANDBOX_ID before starting bwrap
    disable_userns: bool


@dataclass(frozen=True)
class Command:
    argv: list[str]
    staged: tuple[tuple[str, str], ...] = ()  # (source, placeholder) bound by ``staging.bind_in_child``
    stage_dir: str | None = None


def inside(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def python_mounts() -> tuple[Mount, ...]:
    """Read-only mounts making this interpreter (base prefix, venv, executable) visible."""
    paths = {os.path.abspath(p) for p in (sys.base_prefix, sys.prefix)}
    paths.add(os.path.realpath(sys.executable))
    kept = sorted(p for p in paths if not any(q != p and inside(p, q) for q in paths))
    return tuple(Mount(Path(p).resolve(), p) for p in kept)


def drop_privileges() -> None:
    """In the child, before exec: become SANDBOX_ID with no supplementary groups."""
    os.setgroups([])
    os.setresgid(SANDBOX_ID, SANDBOX_ID, SANDBOX_ID)
    os.setresuid(SANDBOX_ID, SANDBOX_ID, SANDBOX_ID)


def _system() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/", name)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in ETC:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return args


def _bind(mount: Mount, staged: list[tuple[str, str]], stage_dir: str | None) -> list[str]:
    source = str(mount.source)
    if stage_dir is not None:
        staging.check_reachable(mount.source, mount.writable, SANDBOX_ID)
        staged.append((source, staging.placeholder(stage_dir, len(staged), mount.source)))
        source = staged[-1][1]
    return ["--bind" if mount.writable else "--ro-bind", source, mount.target]


def unstage(command: Command) -> None:
    """Remove the staging folder; its placeholders are empty outside the child's namespace."""
    if command.stage_dir:
        staging.remove(command.stage_dir)


def _filesystem(mounts: Sequence[Mount], workdir: str, scratch: Sequence[str], size: int, staged: list[tuple[str, str]], stage_dir: str | None) -> list[str]:
    """Binds and scratch tmpfs, parents before children; the workdir made if it is not a mount."""
    tmpfs = ["--size", str(size), "--tmpfs"]
    ops = [(path, [*tmpfs, path]) for path in ("/tmp", "/dev/shm", *scratch)]
    taken = {m.target for m in mounts}
    for m in [*(m for m in python_mounts() if m.target not in taken), *mounts]:
        ops.append((m.target, _bind(m, staged, stage_dir)))
    if not any(inside(workdir, target) for target, _ in ops):
        ops.append((workdir, [*tmpfs, workdir]))
    elif not any(workdir == target for target, _ in ops):
        ops.append((workdir, ["--dir", workdir]))
    args: list[str] = []
    for _, op in sorted(ops, key=lambda item: len(Path(item[0]).parts)):
        args += op
    return args


def command(
    argv: Sequence[str], mounts: Sequence[Mount], workdir: str, env: Mapping[str, str], scratch: Sequence[str], scratch_bytes: int, features: Features
) -> Command:
    """The bwrap command line for argv; read-only except the scratch tmpfs. Call ``unstage`` after the run."""
    staged: list[tuple[str, str]] = []
    stage_dir = staging.new_folder() if features.unprivileged else None
    try:
        args = [
            shutil.which("bwrap") or "bwrap",
            "--unshare-all",
            "--unshare-user",
            *(["--disable-userns"] if features.disable_userns else []),
            "--uid",
            str(SANDBOX_ID),
            "--gid",
            str(SANDBOX_ID),
            "--die-with-parent",
            "--new-session",
            "--cap-drop",
            "ALL",
            "--clearenv",
            *_system(),
            "--proc",
            "/proc",
        ]
        for path in PROC_COVERS:
            args += ["--ro-bind-try", path, path]
        args += ["--dev", "/dev"]
        args += _filesystem(mounts, workdir, scratch, scratch_bytes, staged, stage_dir)
        for path in ("/", "/dev"):  # not the device nodes: a remount would add nodev
            args += ["--remount-ro", path]
        for key, value in env.items():
            args += ["--setenv", key, value]
    except (OSError, SandboxSetupError):
        unstage(Command([], tuple(staged), stage_dir))
        raise
    return Command([*args, "--chdir", workdir, "--", *argv], tuple(staged), stage_dir)


def child_setup(command: Command, features: Features) -> None:
    """In the child before exec, as root: stage the sources, then become SANDBOX_ID."""
    if features.unprivileged:
        staging.bind_in_child(command.staged)
        drop_privileges()


def _try(features: Features, problems: list[str]) -> bool:
    """True if bwrap starts a sandbox like the real ones with these features."""
    cmd = command(["true"], (), "/tmp", {"PATH": "/usr/bin:/bin"}, (), 2**20, features)
    try:
        done = subprocess.run(cmd.argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=30, env={}, preexec_fn=lambda: child_setup(cmd, features))
    except (OSError, subprocess.SubprocessError) as exc:
        problems.append(f"bwrap could not be run ({exc})")
        return False
    finally:
        unstage(cmd)
    if done.returncode != 0:
        who = f" as uid {SANDBOX_ID}" if features.unprivileged else ""
        problems.append(f"bwrap cannot create a sandbox{who} (exit {done.returncode}: {done.stderr.decode(errors='replace').strip()})")
    return done.returncode == 0


def probe(problems: list[str]) -> Features | None:
    """The features bwrap works with here, the safest first; None if it does not start at all."""
    if shutil.which("bwrap") is None:
        problems.append("bwrap not found on PATH; install bubblewrap (apt-get install bubblewrap)")
        return None
    helped = subprocess.run(["bwrap", "--help"], capture_output=True, text=True, check=False).stdout
    root = os.geteuid() == 0
    tried: list[str] = []
    disable = "--disable-userns" in helped
    for features in dict.fromkeys([Features(root, disable), Features(root, False), Features(False, disable), Features(False, False)]):
        if _try(features, tried):
            if root and not features.unprivileged:
                problems.append(
                    "bwrap cannot start as an unprivileged user here, so sandboxed code is host "
                    "root without capabilities: it owns root's files in the mounted folders (they "
                    "stay read-only) and can change the mode of /dev/null and the other device nodes. "
                    "Allow unprivileged user namespaces, or run the grader as an unprivileged user "
                    "(see docs/security.md)"
                )
            return features
    problems += tried[-1:]
    problems.append("enable user namespaces (sysctl user.max_user_namespaces>0, kernel.unprivileged_userns_clone=1, or an AppArmor profile allowing bwrap)")
    return None
