"""Every message a student or an instructor reads, in one place.

Each says which file, what is wrong and what to do. Functions build the text
from the values at hand; no other module writes user-facing prose.
"""

from __future__ import annotations

import re
import signal as signals
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from grader.text.errors import ALL_CELLS_HINT, HINTS, _where, brief, hint, limit_hint, location, path_hint  # noqa: F401

# -- loading ------------------------------------------------------------------------------------


def not_a_file(path: Path) -> str:
    return f"{path}: there is no such file. Check the path and hand in your .ipynb or .py file."


def too_large(path: Path, size: int, limit: int) -> str:
    return f"{path.name} is {size:,} bytes, more than the {limit:,} allowed. Clear the notebook's outputs (Kernel → Restart & Clear Output), save, and hand it in again."


def empty_file(path: Path) -> str:
    return f"{path.name} is empty. Save your work in Jupyter (File → Save) and hand in the saved file."


def not_utf8(path: Path, error: UnicodeDecodeError) -> str:
    return f"{path.name} is not UTF-8 text (byte {error.start} cannot be read). Hand in the .ipynb or .py file itself, not an archive or a PDF."


def unknown_kind(path: Path) -> str:
    return f"{path.name}: the grader reads Jupyter notebooks (.ipynb) and Python modules (.py), not '{path.suffix or 'no extension'}'. Hand in one of those."


def not_a_notebook(path: Path, error: Exception) -> str:
    detail = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
    return f"{path.name} is not a readable Jupyter notebook ({detail}). Open it in Jupyter; if it does not open, download a fresh copy of the starter and copy your code into it."


def no_code(path: Path) -> str:
    return f"{path.name} has no code cells to grade. Write your solution in the starter's code cells and hand the notebook in again."


def syntax_error(submission: Any, error: Any) -> str:
    where = location(error) if error.file else submission.path.name
    return f"{submission.path.name} has a syntax error in {where}\n{error.message}. Fix that line; running the cell in Jupyter shows the same error."


def translation_too_slow(path: Path, seconds: float) -> str:
    return (
        f"{path.name}: translating its IPython magics and shell commands took longer than {seconds:g} seconds, so nothing was run. "
        "Remove the % and ! lines the exercise does not need, and hand the notebook in again."
    )


# -- running ------------------------------------------------------------------------------------


def student_error(submission: Any, error: Any, limits: Any = None) -> str:
    advice = (limit_hint(f"{error.type}: {error.message}", limits) if limits else None) or path_hint(error) or hint(error.type, error.message)
    return f"{submission.path.name}: your code raised {error.type}: {error.message}\n  in {location(error)}\n{advice}"


def missing_names(submission: Any, names: Sequence[str]) -> str:
    listed = ", ".join(f"`{name}`" for name in names)
    return (
        f"{submission.path.name} does not define {listed} (grading ran {submission.selection}). "
        f"Keep the starter's names exactly. {ALL_CELLS_HINT} A `# grade-up-to-here` comment stops grading at its cell."
    )


TENSORFLOW_NOISE = re.compile(r"^(WARNING: All log messages before absl::InitializeLog|[IWEF]\d{4} [\d:.]+ +\d+ \S+:\d+\])")


def without_tensorflow_noise(output: str) -> str:
    """The output without TensorFlow's start-up log lines, which only confuse students."""
    return "\n".join(line for line in output.splitlines() if not TENSORFLOW_NOISE.match(line))


def _tail(output: str, lines: int = 8) -> str:
    kept = without_tensorflow_noise(output).strip().splitlines()[-lines:]
    return ("\nLast output:\n  " + "\n  ".join(kept)) if kept else ""


def _death(run: Any) -> str:
    if run.signal:
        try:
            name = signals.Signals(run.signal).name
        except ValueError:
            name = f"signal {run.signal}"
        return f"was killed by {name}"
    return f"exited with code {run.exit_code}"


def process_limit_note(run: Any, limits: Any) -> str:
    hits = getattr(run, "process_limit_hits", 0) if run else 0
    if not hits:
        return ""
    return (
        f" Your code also reached the limit of {limits.processes:,} processes and threads (limit `processes`) "
        f"{hits:,} times; TensorFlow cannot work without threads, so do not start processes in a loop."
    )


def crashed_before_running(run: Any, limits: Any = None) -> str:
    return (
        f"The Python process running your code {_death(run)} before your code finished loading; "
        f"the checks below grade what ran before that. Code that calls os._exit(), kills its own process or crashes Python "
        f"ends grading early; remove it.{process_limit_note(run, limits)}{_tail(run.output)}"
    )


WHILE = {  # the last phase the run completed -> what it was doing after it, in the student's words
    "started": "loading your code",
    "translation": "loading your code",
    "execution": "calling your graded functions",
    "names": "building your model",
    "builder": "training your model",
    "claims": "training your model",
    "callback_class": "saving your trained model",
    "compatibility": "saving your trained model",
    "training": "finishing",
}


def crashed_while(phase: str, run: Any, limits: Any = None) -> str:
    return (
        f"The Python process running your code {_death(run)} while {WHILE.get(phase, 'grading')}. This happens when the code crashes "
        f"Python or exits on purpose.{process_limit_note(run, limits)}{_tail(run.output)}"
    )


LIMIT_TEXT = {
    "timeout": (
        "wall-clock time",
        "wall_seconds",
        "seconds",
        "Train for fewer epochs or a smaller model, and make sure nothing waits forever (input(), sleep loops).",
    ),
    "cpu_time": ("CPU time", "cpu_seconds", "CPU seconds", "Train a smaller model or fewer epochs."),
    "memory": ("memory", "memory_mb", "MB", "Use a smaller model or batch size, and do not copy the dataset many times."),
    "output": ("printed output", "output_bytes", "bytes", "Print less: fit(..., verbose=2) prints one line per epoch instead of a progress bar."),
}


def limit_breached(outcome: str, limits: Any, found: Any, run: Any = None) -> str:
    what, field, unit, advice = LIMIT_TEXT[outcome]
    doing = WHILE.get(found.phases[-1] if found and found.phases else "started", "running")
    value = getattr(limits, field)
    shown = f"{value:,g}" if isinstance(value, float) else f"{value:,}"
    return (
        f"Your code went over the {what} limit of {shown} {unit} while {doing}, so the grader stopped it there "
        f"(the assignment's `{field}`). {advice} The checks below grade what ran before.{process_limit_note(run, limits)}"
    )


def results_too_large(limit: int) -> str:
    return (
        f"Your run sent more than {limit // 2**20:,} MB through the grader's results channel (the saved model and "
        "what the grader observed), so grading stopped. Train a smaller model, and do not write to the grader's descriptors."
    )


def observations_malformed(problem: Exception) -> str:
    return f"The grader could not read what your run produced ({problem}). Code that writes into the grader's output folder or crashes Python mid-write causes this."


# -- evaluating ---------------------------------------------------------------------------------


def evaluation_failed(detail: str) -> str:
    return f"The grader could not evaluate your trained model ({detail.strip()[-600:]}). Make sure it takes 28×28 images and returns 10 class probabilities."


def model_refused(detail: str) -> str:
    return (
        "The grader loads your trained model without running any of your code, and it could not "
        f"({detail.strip()[:400]}). Build the model from standard Keras layers only: no Lambda layers and no custom layer classes."
    )


# -- the grader's own faults ---------------------------------------------------------------------


def reference_failed(spec: Any, status: str, message: str, failed: Iterable[Any]) -> str:
    details = "; ".join(f"{result.id}: {result.message}" for result in failed) or message
    return (
        f"The reference solution {spec.reference} does not pass its own assignment {spec.name!r} (status {status}): {details} Fix the reference or {spec.path}."
    )


def internal_error(path: Path, error: BaseException) -> str:
    return f"The grader itself failed on {path.name} ({type(error).__name__}: {error}). This is not your fault; tell your instructor. The traceback is in the report's output."


# -- the command line --------------------------------------------------------------------------

UNSANDBOXED = (
    "WARNING: --sandbox none: student code runs WITHOUT isolation. It can read and change your files, "
    "reach the network and see the reference solution. Use this only for code you trust."
)
UNSANDBOXED_REPORT = (
    "Graded WITHOUT a sandbox (--sandbox none): the code ran with the grader's own user rights and network access; "
    "it could read the reference solution and change or delete any file the grader can. Only the time, memory, "
    "process and output limits applied. Trust this report only as far as you trust the code."
)
INTERRUPTED = "grader: interrupted. Reports already written are kept."


def bad_limit(field: str, value: float) -> str:
    return f"A limit must be positive, but {field} was given as {value:g}. Pass a number above 0, or leave the flag out to use the assignment's."


OWN_CODE_UNSANDBOXED = (
    "No sandbox can start on this machine, so your notebook runs unprotected, as it does in Jupyter: "
    "fine for your own code. Your instructor's grading runs it in a sandbox."
)


def progress_event(event: dict) -> str:
    """One line of `grader check`'s live progress; empty for events it does not show."""
    kind = event.get("kind")
    if kind == "epoch":
        shown = ", ".join(f"{key} {event[key]:.4f}" for key in ("accuracy", "loss") if isinstance(event.get(key), (int, float)))
        return f"  epoch {event.get('epoch')}/{event.get('of')}: {shown}"
    if kind == "check" and event.get("message"):  # an early verdict, before training ends
        return f"  {'PASS' if event.get('passed') else 'FAIL'}  {event.get('id')}: {event['message']}"
    if kind == "stage" and event.get("stage") == "evaluating":
        return "  measuring your model on images it never saw…"
    return ""


def no_sandbox(problems: Sequence[str]) -> str:
    why = "; ".join(problems) or "bubblewrap is not available"
    return (
        f"No sandbox can start on this machine ({why}). Install bubblewrap (`apt-get install bubblewrap`) "
        "and allow unprivileged user namespaces, or pass --sandbox none to run trusted code without isolation."
    )


def _limit_values(limits: Any) -> str:
    return (
        f"wall {limits.wall_seconds:g} s, CPU {limits.cpu_seconds:g} s, memory {limits.memory_mb:,} MB, "
        f"{limits.processes:,} processes, scratch {limits.scratch_mb:,} MB, output {limits.output_bytes:,} bytes"
    )


def doctor_sandbox(found: Any, defaults: Any, assignments: dict[str, Any]) -> list[str]:
    """`grader doctor`'s lines on isolation and limits: what protects the machine, and how."""
    if found.isolation is None:
        lines = ["sandbox: NONE AVAILABLE (grading refuses student code unless --sandbox none is given)"]
    else:
        lines = [
            f"sandbox: {found.isolation.value}: no network, read-only system, private /tmp and home, own process tree",
            f"  runs as: {found.sandbox_user}",
            f"  nested user namespaces: {'refused (--disable-userns)' if found.features.disable_userns else 'allowed (bwrap too old for --disable-userns)'}",
        ]
    lines += [
        "  limits per run (defaults; an assignment's [limits] and the --timeout, --cpu-time, --memory, --processes, --scratch, --output-limit flags override them):",
        f"    wall clock: {defaults.wall_seconds:g} s, by the grader's watchdog",
        f"    CPU time: {defaults.cpu_seconds:g} s, by {found.cpu_limit}",
        f"    memory: {defaults.memory_mb:,} MB, by {found.memory_limit}",
        f"    processes and threads: {defaults.processes:,}, by {found.process_limit}",
        f"    scratch: {defaults.scratch_mb:,} MB each for the home folder (holding the working folder), /tmp and /dev/shm (size-limited tmpfs)",
        f"    output: {defaults.output_bytes:,} bytes kept; more ends the run",
    ]
    for name, limits in assignments.items():
        lines.append(f"  assignment {name}: {limits if isinstance(limits, str) else _limit_values(limits)}")
    return lines + [f"  problem: {problem}" for problem in found.problems]


def no_assignment_named(path: Path) -> str:
    return f"{path.name} does not say which assignment it is for (no metadata.grader.assignment in the notebook). Pass --assignment NAME."


def checking(path: Path, spec: Any) -> str:
    return f"Checking {path.name} against {spec.name} (v{spec.version}); this trains your model, usually under a minute…"


def graded_line(report: Any, out: Path) -> str:
    return f"{report.submission}: {report.status.value}, {report.score:g}/{report.max_score:g} → {out}/report.json"


def fetched(source: Any) -> str:
    return f"Fashion MNIST stored and verified in {source.directory}."


def fetched_mnist(source: Any) -> str:
    what = "A labelled MNIST subset (reports say so)" if source.subset else "MNIST (SHA-256 verified)"
    return f"{what} stored in {source.path}."


def bad_setting(setting: str) -> str:
    return f"--set {setting!r} is not KEY=VALUE. Write e.g. --set threshold=0.99."


# -- files the grader writes --------------------------------------------------------------------


def unsafe_folder(path: Path, why: str) -> str:
    return f"{path}: the grader will not write there ({why}). Give an output folder of your own that is a real folder, not a link."


def unsafe_file(path: Path) -> str:
    return f"{path} is a symbolic link or not a regular file, so the grader will not open it. Remove it, or give another output folder."


# -- resolving assignments, reading specs ---------------------------------------------------------

THRESHOLDS_MOVED = (
    "[thresholds] was split: the callback's condition and epoch limit go in a [callback] table "
    "(metric, stops_when, threshold, max_epochs), test_accuracy becomes `at_least` of the accuracy check and "
    "reference_tolerance `tolerance` of the reference check, in their [[checks]] entries (see docs/authoring.md)."
)


def assignment_not_a_name(given: str, from_submission: bool) -> tuple[str, str]:
    if from_submission:
        return (
            f"is {given!r}, which is not the name of an assignment",
            "A notebook may only name one of the assignments the grader was given; ask your instructor for the assignment's name, or pass --assignment.",
        )
    return f"is {given!r}", "Give an assignment's name (letters, digits, _ and -) or the path of its folder."


def local_checks_problem(error: Any) -> tuple[str, str]:
    if error.problem == "broken":
        return f"cannot be loaded: {error.fix}", "Fix the file; `python checks.py` in its folder shows the same error."
    other = f"{error.fix} defines it differently" if error.fix else "it is a built-in check"
    return f"defines a check named {error.key!r}, but {other}", "Check ids are shared by every assignment: rename the function, and its [[checks]] id."


def overridable(spec: Any) -> str:
    from grader.checks.registry import arguments

    settings = ["seed"] + (["threshold", "metric", "stops_when", "max_epochs", "strict_epochs"] if spec.callback else [])
    settings += [f"{check.id}.{argument.name}" for check in spec.checks for argument in arguments(check.id)]
    return f"Use one of: {', '.join(settings)} (e.g. --set threshold=0.99)."


def not_graded() -> str:
    return "Not checked: grading stopped before this check could run (see the message above)."
