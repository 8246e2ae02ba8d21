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
    return (f"{path.name}: translating its IPython magics and shell commands took longer than {seconds:g} seconds, so nothing was run. "
            "Remove the % and ! lines the exercise does not need, and hand the notebook in again.")


# -- running ------------------------------------------------------------------------------------

def student_error(submission: Any, error: Any, limits: Any = None) -> str:
    advice = (limit_hint(f"{error.type}: {error.message}", limits) if limits else None) or path_hint(error) or hint(error.type, error.message)
    return (
        f"{submission.path.name}: your code raised {error.type}: {error.message}\n"
        f"  in {location(error)}\n{advice}"
    )


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
    return (f" Your code also reached the limit of {limits.processes:,} processes and threads (limit `processes`) "
            f"{hits:,} times; TensorFlow cannot work without threads, so do not start processes in a loop.")


def crashed_before_running(run: Any, limits: Any = None) -> str:
    return (
        f"The Python process running your code {_death(run)} before your code finished loading, "
        f"so nothing could be graded. Code that calls os._exit(), kills its own process or crashes Python "
        f"ends grading early; remove it.{process_limit_note(run, limits)}{_tail(run.output)}"
    )


def crashed_while(phase: str, run: Any, limits: Any = None) -> str:
    step = {"execution": "probing your model", "model_probe": "probing your callback", "callback_probe": "training", "training": "saving the results"}
    return f"The Python process running your code {_death(run)} while {step.get(phase, 'grading')}. This happens when the code crashes Python or exits on purpose.{process_limit_note(run, limits)}{_tail(run.output)}"


LIMIT_TEXT = {
    "timeout": ("wall-clock time", "wall_seconds", "seconds", "Train for fewer epochs or a smaller model, and make sure nothing waits forever (input(), sleep loops)."),
    "cpu_time": ("CPU time", "cpu_seconds", "CPU seconds", "Train a smaller model or fewer epochs."),
    "memory": ("memory", "memory_mb", "MB", "Use a smaller model or batch size, and do not copy the dataset many times."),
    "output": ("printed output", "output_bytes", "bytes", "Print less: fit(..., verbose=2) prints one line per epoch instead of a progress bar."),
}


def limit_breached(outcome: str, limits: Any, found: Any, run: Any = None) -> str:
    what, field, unit, advice = LIMIT_TEXT[outcome]
    phase = found.phases[-1] if found and found.phases else "started"
    value = getattr(limits, field)
    shown = f"{value:,g}" if isinstance(value, float) else f"{value:,}"
    return f"Your code went over the {what} limit of {shown} {unit} (`{field}`; last step reached: {phase}), so grading stopped. {advice}{process_limit_note(run, limits)}"


def results_too_large(limit: int) -> str:
    return (f"Your run sent more than {limit // 2**20:,} MB through the grader's results channel (the saved model and "
            "what the grader observed), so grading stopped. Train a smaller model, and do not write to the grader's descriptors.")


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


# -- notes: what the report adds beside the checks ----------------------------------------------

LEGACY_API = (  # (regular expression on one line of code, what changed and what to write instead)
    (r"""(logs|history)\s*(\.get\(\s*|\[\s*)['"](val_)?acc['"]""",
     "TensorFlow 1 logged accuracy as 'acc'; TensorFlow 2 and Keras 3 log it as 'accuracy' (logs.get('acc') is None). Write logs.get('accuracy')."),
    (r"""metrics\s*=\s*\[\s*['"]acc['"]""", "metrics=['acc'] makes Keras log the metric as 'acc', not 'accuracy'. Write metrics=['accuracy']."),
    (r"\btf\.train\.\w*Optimizer\b", "tf.train optimizers are TensorFlow 1 and gone from TensorFlow 2. Write tf.keras.optimizers.Adam() (or RMSprop, SGD) or optimizer='adam'."),
    (r"\b(Adam|RMSprop|SGD|Adagrad|Adadelta|Adamax|Nadam)\s*\([^)]*\blr\s*=", "Keras 3 renamed the optimizer argument lr to learning_rate. Write learning_rate=..."),
    (r"\.(fit|evaluate|predict)_generator\s*\(", "Keras 3 removed fit_generator and its kin. Pass the generator to model.fit / evaluate / predict."),
    (r"\.predict_classes\s*\(", "Keras 3 removed predict_classes. Write np.argmax(model.predict(x), axis=-1)."),
    (r"\btf\.(Session|placeholder|global_variables_initializer|logging)\b", "This is TensorFlow 1's graph API, gone from TensorFlow 2. Keras models run eagerly; remove it."),
    (r"""['"][A-Za-z]:\\""", "A Windows path exists only on your computer; grading runs on Linux in a fresh folder. Use the path the instructions give (relative), or load_data() without one."),
)


COMPATIBILITY = {
    "load_data_path": ("Your code passes a path to mnist.load_data(path=...). Keras 3 accepts only a file name there and raises "
                       "ValueError; the grader read the file anyway, as Keras 2 did. For Keras 3, load the file with "
                       "np.load(path) (keys x_train, y_train, x_test, y_test) or call load_data() without a path."),
}


def compatibility_note(code: str) -> str | None:
    return COMPATIBILITY.get(code)


def legacy_note(finding: Any) -> str:
    return f"Old API in {finding.where}: `{finding.text}`. {finding.advice}"


def passed_over(label: str, error: Any) -> str:
    where = location(error) if error.file else label
    place, _, code = where.partition(":  ")
    code = f" (`{code.strip()}`)" if code.strip() else ""
    advice = next((f" {advice}" for kind, fragment, advice in HINTS if error.type == kind and fragment in error.message), "")
    return (f"{place[0].upper()}{place[1:]}{code} raised {error.type}: {brief(error.message).rstrip('.')}.{advice} "
            "Grading went on with the next cell, as this assignment allows.")


def data_note(description: str) -> str:
    return f"Graded on {description}."


def overrides_note(overrides: Sequence[tuple[str, str]]) -> str:
    return "Graded with " + ", ".join(f"--set {key}={value}" for key, value in overrides) + "."


FIT_SELECTION_WORDS = {"last_with_callback": "the last one given a callback", "last": "the last one"}


def lesson_note(fit_index: int | None, total: int, selection: str) -> str:
    return f"No training function, so the notebook's own training was graded: model.fit call {fit_index} of the {total} that ran ({FIT_SELECTION_WORDS[selection]})."


# -- the grader's own faults ---------------------------------------------------------------------


def reference_failed(spec: Any, status: str, message: str, failed: Iterable[Any]) -> str:
    details = "; ".join(f"{result.id}: {result.message}" for result in failed) or message
    return f"The reference solution {spec.reference} does not pass its own assignment {spec.name!r} (status {status}): {details} Fix the reference or {spec.path}."


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


def no_sandbox(problems: Sequence[str]) -> str:
    why = "; ".join(problems) or "bubblewrap is not available"
    return (
        f"No sandbox can start on this machine ({why}). Install bubblewrap (`apt-get install bubblewrap`) "
        "and allow unprivileged user namespaces, or pass --sandbox none to run trusted code without isolation."
    )


def _limit_values(limits: Any) -> str:
    return (f"wall {limits.wall_seconds:g} s, CPU {limits.cpu_seconds:g} s, memory {limits.memory_mb:,} MB, "
            f"{limits.processes:,} processes, scratch {limits.scratch_mb:,} MB, output {limits.output_bytes:,} bytes")


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


# -- batch grading, gradebook and exports --------------------------------------------------------

STATUS_LABELS = {
    "internal": "The grader itself failed",
    "refused": "No sandbox could start",
    "invalid": "Not a gradable submission",
    "crashed": "The student's process died",
    "memory": "Over the memory limit",
    "timeout": "Over the time limit",
    "cpu_time": "Over the CPU-time limit",
    "output": "Printed too much output",
    "error": "The code raised an error or lacks a graded name",
    "graded": "Graded",
    "pending": "Not graded yet",
}
BATCH_INTERRUPTED = "grader: batch interrupted. Finished results are in the gradebook; run the same command again to grade the rest."


def batch_locked(out: Path) -> str:
    return f"Another `grader batch` is writing to {out} right now. Wait for it to finish, or give this batch another --out folder."


def batch_other_assignment(out: Path, recorded: str, asked: str) -> str:
    return f"{out} holds the gradebook of assignment {recorded!r}, not {asked!r}. Give each assignment its own --out folder."


def no_gradebook(path: Path) -> str:
    return f"{path} holds no gradebook.sqlite. Pass the --out folder of a `grader batch` run."


def bad_jobs(jobs: int) -> str:
    return f"--jobs {jobs}: give 1 or more submissions to grade at once (the default is one per core)."


def bad_regrade(choice: str, statuses: Sequence[str]) -> str:
    return f"--regrade {choice}: give `all`, or a comma list of statuses from: {', '.join(statuses)}."


def grading_process_died(file_name: str, how: str, output: str) -> str:
    return (
        f"The grader's own process grading {file_name} {how}, so no result came back. This is not the student's fault. "
        f"Run `grader batch` again with `--regrade internal` to retry it.{_tail(output)}"
    )


def grading_process_timed_out(seconds: float) -> str:
    return f"did not finish within {seconds:,.0f} seconds and was stopped"


def dask_missing() -> str:
    return "--cluster needs the Dask distributed client, which is not installed. Install it with `pip install 'grader[cluster]'`."


def cluster_unreachable(address: str, error: Exception) -> str:
    return f"Cannot reach the Dask scheduler at {address} ({type(error).__name__}: {error}). Start it (`dask scheduler`) and its workers, or check the address."


def cluster_version_mismatch(worker: str, theirs: str, ours: str) -> str:
    return (
        f"WARNING: worker {worker} grades with a different grader or assignment ({theirs}, here {ours}). "
        "Its results are kept but will be graded again next time; install the same grader and assignments on every worker."
    )


def batch_started(total: int, skipped: int, jobs: int, threads: int, where: str) -> str:
    kept = f", {skipped} unchanged since their last grading" if skipped else ""
    return f"Grading {total - skipped} of {total} submissions{kept}: {jobs} at a time {where}, {threads or 'auto'} TensorFlow thread(s) each."


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = max(0, round(seconds))
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"


def progress_line(done: int, total: int, student: str, status: str, score: float, max_score: float, seconds: float, failed: int, running: int, eta: float | None) -> str:
    width = len(str(total))
    return (
        f"[{done:>{width}}/{total}] {student}: {status} {score:g}/{max_score:g} in {seconds:.1f}s"
        f" · failed {failed} · running {running} · ETA {duration(eta)}"
    )


def batch_done(result: Any) -> str:
    counts = ", ".join(f"{count} {status}" for status, count in sorted(result.statuses.items())) or "nothing"
    return (
        f"Graded {result.graded} and kept {result.skipped} of {result.total} submissions ({counts}) in {duration(result.seconds)}.\n"
        f"  gradebook: {result.gradebook}\n  summary:   {result.summary}\n  reports:   {result.reports}/<student>/report.html\n"
        f"  export:    grader export {result.out}"
    )


def exported(paths: Sequence[Path]) -> str:
    return "Wrote " + ", ".join(str(path) for path in paths)


# -- validating assignments, new assignments, checks inside the notebook ------------------------

LOCAL_CHECKS_FIX = "Fix the file; `python checks.py` in its folder shows the same error."
CHECK_RENAME = "Check ids are shared by every assignment: rename the function, and its [[checks]] id."
VALIDATE_REFERENCE_NOTE = "The reference runs twice, from scratch, without the `reference` check (which compares with it); both runs must pass and measure the same metrics."


def local_checks_broken(error: BaseException) -> str:
    return f"cannot be loaded: {type(error).__name__}: {error}"


def unknown_check_parameters(function: str, unknown: Sequence[str], known: Sequence[str]) -> tuple[str, str]:
    return (f"check `{function}` asks for {', '.join(map(repr, unknown))}, which the grading context does not hold",
            f"Name parameters from: {', '.join(known)}.")


def check_name_taken(name: str, other: Path | None) -> str:
    owner = f"{other} defines it differently" if other else "it is a built-in check"
    return f"defines a check named {name!r}, but {owner}"


def example_submissions(count: int) -> tuple[str, str]:
    return f"holds {count} submission.* files", "Put exactly one submission.ipynb or submission.py next to expected.toml."


def expected_unreadable(error: Exception) -> tuple[str, str]:
    return f"is not valid TOML ({error})", "Fix the syntax."


def expected_wrong(problem: str, data: dict, points: dict, statuses: Sequence[str]) -> tuple[str, str, str]:
    """``(key, problem, fix)`` for an expected.toml that cannot be right."""
    if problem == "keys":
        key = next(key for key in data if key not in ("status", "score", "passed"))
        return key, "is not a known key", "Write only status, score and passed."
    if problem == "status":
        return "status", f"is {data.get('status')!r}", f"Write one of: {', '.join(statuses)}."
    if problem == "score":
        return "score", f"is {data.get('score')!r}", "Write the score the example gets, a number."
    if problem == "passed":
        return "passed", f"is {data.get('passed')!r}", f"List the checks that pass, from: {', '.join(points)}; [] when none does."
    total = sum(points[check] for check in set(data.get("passed", [])))
    return "score", f"is {data['score']:g}, but the checks listed in `passed` are worth {total:g}", "Make the two agree."


def case_not_graded(error: Exception) -> str:
    return f"Could not be graded: {error}"


def runs_disagree(metrics: Sequence[Any]) -> str:
    first, *others = [m.to_json() if m else {} for m in metrics]
    changed = sorted({key for other in others for key in set(first) | set(other) if first.get(key) != other.get(key)})
    shown = "; ".join(f"{key}: {' vs '.join(str(m.get(key)) for m in (first, *others))}" for key in changed if key != "history")
    return (
        f"The reference's two runs measured different metrics ({shown or 'the per-epoch history'}), so grades would not be "
        "reproducible. Seed everything random through the assignment's seed, and do not read the clock or the network."
    )


def skipped_for_reference(spec: Any) -> str:
    return f"Not graded: every case is compared with the reference solution {spec.reference}, which must pass first."


def _verdict_text(expected: Any) -> str:
    if isinstance(expected, str):  # a case compared, not graded: grader.authoring.agreement
        return expected
    return f"{expected.status}, {expected.score:g} points" if expected else "not graded"


def validated_case(spec: Any, outcome: Any) -> str:
    return f"{spec.name} {outcome.case.label}: {'ok' if outcome.ok else 'DIFFERS'} ({_verdict_text(outcome.got)})"


def _short(text: str, limit: int = 360) -> str:
    """One line of at most about ``limit`` characters, keeping the end, where a message says what to do."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else f"{flat[: limit * 2 // 3]} … {flat[-limit // 3:]}"


def _case_details(outcome: Any) -> list[str]:
    lines = [f"file: {outcome.case.path}", *([_short(outcome.problem)] if outcome.problem else [])]
    report, expected = outcome.report, outcome.case.expected
    if report is None:
        return lines
    if report.status.value != expected.status:
        return [*lines, _short(f"status {report.status.value}: {report.message}")]
    for check in report.checks:
        if check.passed != (check.id in expected.passed):
            wanted, got = ("PASS", "FAIL") if not check.passed else ("FAIL", "PASS")
            lines.append(_short(f"{check.id}: expected {wanted}, got {got}. {check.message}"))
    return lines


def validation_summary(validation: Any) -> str:
    """The table `grader validate` ends with: each case, what it should get, what it got, and why not."""
    outcomes, name = validation.outcomes, validation.spec.name
    differ = sum(not outcome.ok and not outcome.skipped for outcome in outcomes)
    skipped = sum(outcome.skipped for outcome in outcomes)
    head = f"{name}: all {len(outcomes)} cases grade as stated." if not differ else f"{name}: {differ} of {len(outcomes)} cases differ from what the assignment states."
    if skipped:
        head += f" The other {skipped} were not graded: each is compared with the reference, which must pass first."
    width = max(len("case"), *(len(outcome.case.label) for outcome in outcomes))
    rows = [head, VALIDATE_REFERENCE_NOTE, "", f"  {'':4}  {'case':{width}}  {'expected':22}  got"]
    for outcome in outcomes:
        mark = "ok" if outcome.ok else "skip" if outcome.skipped else "DIFF"
        rows.append(f"  {mark:4}  {outcome.case.label:{width}}  {_verdict_text(outcome.case.expected):22}  {_verdict_text(outcome.got)}")
        for line in [] if outcome.ok or outcome.skipped else _case_details(outcome):
            rows.append(f"          {line}")
    return "\n".join(rows)


def validating(names: Sequence[str], jobs: int, threads: int) -> str:
    which = ", ".join(names) or "every assignment"
    return f"Validating {which}: {jobs} grading(s) at a time, {threads} TensorFlow thread(s) each; each case trains a model, so this takes minutes…"


def bad_assignment_name(name: str) -> str:
    return f"{name!r} cannot name an assignment. Use lowercase letters, digits and underscores, starting with a letter (like week2_callback)."


def default_title(name: str) -> str:
    return f"{name.replace('_', ' ').capitalize()}: a callback that stops training"


def scaffold_exists(folder: Path) -> str:
    return f"{folder} already exists; `grader new` never overwrites. Pick another name or remove the folder."


def scaffolded(name: str, root: Path, written: Sequence[Path]) -> str:
    files = "\n".join(f"  {path}" for path in written)
    folder = root / "assignments" / name
    return (
        f"Created assignment {name}:\n{files}\n"
        f"Next: `grader validate {folder}` proves it grades as stated (a few minutes). "
        "Then make it yours: the notebooks, assignment.toml, checks.py and the examples; docs/authoring.md explains each."
    )


def notebook_check_line(result: Any) -> str:
    mark = "PASS" if result.passed else "FAIL"
    return f"{mark}  {result.id:20} {result.score:5g}/{result.max_score:g}  {result.message}"


def notebook_unknown_name(name: str, spec: Any) -> str:
    graded = ", ".join(f"`{graded}`" for graded in spec.graded.all())
    return f"`{name}` is not graded in {spec.name}. The graded names are {graded}."


def notebook_not_defined(name: str) -> str:
    return f"`{name}` is not defined in this notebook yet. Run the cell that defines it, then check again."


def notebook_needs_full_grade(name: str, spec: Any, notebook: Path | None) -> str:
    where = notebook.name if notebook else "your_notebook.ipynb"
    return (
        f"`{name}` is checked by training your model and measuring it, which the full grade does in a sandbox. "
        f"Save the notebook and run `grader check {where}` in a terminal (about a minute)."
    )


def notebook_which_assignment(name: str | None, candidates: Sequence[str]) -> str:
    what = f"`{name}`" if name else "this notebook"
    if not candidates:
        return f"No assignment grades {what}. Check the spelling, or pass the assignment: check({name!r}, assignment='NAME')."
    return f"Several assignments could grade {what} ({', '.join(candidates)}). Pass one: check({name!r}, assignment='{candidates[0]}')."


# -- files the grader writes --------------------------------------------------------------------


def unsafe_folder(path: Path, why: str) -> str:
    return f"{path}: the grader will not write there ({why}). Give an output folder of your own that is a real folder, not a link."


def unsafe_file(path: Path) -> str:
    return f"{path} is a symbolic link or not a regular file, so the grader will not open it. Remove it, or give another output folder."


# -- resolving assignments, reading specs ---------------------------------------------------------

THRESHOLDS_MOVED = ("[thresholds] was split: the callback's condition and epoch limit go in a [callback] table "
                    "(metric, stops_when, threshold, max_epochs), test_accuracy becomes `at_least` of the accuracy check and "
                    "reference_tolerance `tolerance` of the reference check, in their [[checks]] entries (see docs/authoring.md).")


def assignment_not_a_name(given: str, from_submission: bool) -> tuple[str, str]:
    if from_submission:
        return (f"is {given!r}, which is not the name of an assignment",
                "A notebook may only name one of the assignments the grader was given; ask your instructor for the assignment's name, or pass --assignment.")
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


# -- notes ---------------------------------------------------------------------------------------

ADAPTATIONS = {
    "bare_callback": "model.fit was given a callback object, not a list; Keras 3 wants callbacks=[...], so the grader wrapped it in one.",
    "model_assigned": "The callback assigns self.model, which Keras 3 no longer allows (set_model does it); the grader let the assignment work as Keras 2 did.",
    "load_data_path": ("load_data(path=...) was given a path; Keras 3 accepts only a file name there and raises ValueError, so the grader read "
                       "the file as Keras 2 did. For Keras 3, load the file with np.load(path) (keys x_train, y_train, x_test, y_test) "
                       "or call load_data() without a path."),
    "backslash_path": ("The path to the data uses a Windows backslash (data\\mnist.npz); grading runs on Linux, so the grader read it with a "
                       "slash. Write data/mnist.npz (or os.path.join('data', 'mnist.npz')) so it works everywhere."),
}


def adaptation_note(submission: Any, adaptation: Any) -> str:
    where = location(adaptation) if adaptation.file else "your code"
    return f"Keras 2 code in {where}: {ADAPTATIONS.get(adaptation.code, adaptation.code)}"


def epochs_asked_note(requested: int, allowed: int) -> str:
    return f"model.fit asked for {requested} epochs, more than the {allowed} this exercise allows; what counts is how many ran, so this is only a note. Pass epochs={allowed}."


def rerun_note() -> str:
    return "The run stopped in a cell (see the message above); the cells before it were run again on their own, and the checks grade what they define."


def not_graded() -> str:
    return "Not checked: grading stopped before this check could run (see the message above)."
