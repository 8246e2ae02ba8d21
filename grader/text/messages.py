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

ALL_CELLS_HINT = "Only cells tagged `graded` run when a notebook has such tags; put what the graded code needs in them."


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


def _where(label: str, line: int | None, text: str | None) -> str:
    place = f"{label}, line {line}" if line else label
    return f"{place}:  {text}" if text else place


def syntax_error(path: Path, label: str, error: SyntaxError) -> str:
    where = _where(label, error.lineno, (error.text or "").strip() or None)
    return f"{path.name} has a syntax error in {where}\n{error.msg}. Fix that line; running the cell in Jupyter shows the same error."


def unparsable(path: Path, label: str, error: Exception) -> str:
    return f"{path.name}: Python cannot parse {label} ({type(error).__name__}). Simplify that cell's code."


# -- running ------------------------------------------------------------------------------------

HINTS = (
    ("KeyError", "'acc'", "Keras 3 names the training accuracy logs['accuracy']; 'acc' was the TensorFlow 1 name."),
    ("TypeError", "'NoneType' and 'float'", "A logs.get(...) returned None: that key is not in the logs. Keras 3 logs 'accuracy' and 'loss' ('acc' was the TensorFlow 1 name)."),
    ("AttributeError", "Optimizer", "tf.train.AdamOptimizer and its kin are TensorFlow 1; write tf.keras.optimizers.Adam() or optimizer='adam'."),
    ("ValueError", "{'lr'", "Keras 3 renamed the optimizer argument lr to learning_rate: write Adam(learning_rate=0.001)."),
    ("TypeError", "'lr'", "Keras 3 renamed the optimizer argument lr to learning_rate: write Adam(learning_rate=0.001)."),
    ("AttributeError", "fit_generator", "Keras 3 removed fit_generator: model.fit takes generators and datasets itself."),
    ("AttributeError", "predict_classes", "Keras 3 removed predict_classes: write np.argmax(model.predict(x), axis=-1)."),
    ("RuntimeError", "compile()", "The model was never compiled (an earlier cell that compiles it failed?). Fix that cell first."),
    ("ValueError", "compile()", "The model was never compiled (an earlier cell that compiles it failed?). Fix that cell first."),
    ("Exception", "URL fetch failure", "Grading runs offline, and load_data() found no file where it looked, so it tried to download. "
                                       "Pass no path, or the file name or relative path the instructions give (data/mnist.npz); a path from your own computer does not exist here."),
    ("InvalidArgumentError", "label value", "A label is outside the model's outputs: the last layer needs one unit per class, Dense(10) for labels 0–9."),
    ("InvalidArgumentError", "is not in [0, ", "A label is outside the model's outputs: the last layer needs one unit per class, Dense(10) for labels 0–9."),
    ("NameError", "", ALL_CELLS_HINT + " Also check the spelling."),
    ("ModuleNotFoundError", "", "Grading runs offline with only the course's packages installed; remove the import or use one of those."),
    ("FileNotFoundError", "", "Grading runs in a fresh folder; load the data with tf.keras.datasets.fashion_mnist.load_data()."),
    ("SystemExit", "", "Do not call exit() or sys.exit() in graded code."),
)


def brief(message: str, limit: int = 300) -> str:
    """The informative lines of an error message: TensorFlow's graph tracebacks and node names left out."""
    noise = ("Graph execution error", "Detected at node", "File ", "[[{{node", "[Op:")
    lines = [line.strip() for line in message.splitlines()]
    kept = [line for line in lines if line and not line.startswith(noise) and not line.startswith(("\t",))]
    text = " ".join(kept) or message.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def hint(error_type: str, message: str) -> str:
    for kind, fragment, advice in HINTS:
        if error_type == kind and fragment in message:
            return advice
    return "Run the notebook top to bottom in Jupyter (Kernel → Restart & Run All) to see the same error."


def location(error: Any) -> str:
    """Where a student error happened, in the student's terms: cell and line, or file and line."""
    if not error.file:
        return "outside your code (the traceback below shows where)"
    label = error.file[1:-1] if error.file.startswith("<") else Path(error.file).name
    return _where(label, error.line, error.text)


def limit_hint(text: str, limits: Any) -> str | None:
    """Advice when an error is the kernel enforcing a limit the student cannot see."""
    if "No space left on device" in text:
        return (f"Each run gets {limits.scratch_mb:,} MB of scratch space (limit `scratch_mb`) in its working folder, "
                "/tmp and /dev/shm each, and what is stored there counts towards the memory limit. Write less, or delete files you no longer need.")
    if "Resource temporarily unavailable" in text or "can't start new thread" in text:
        return (f"Each run may have at most {limits.processes:,} processes and threads (limit `processes`; TensorFlow "
                "alone uses about 100). Do not start processes or threads in a loop.")
    if "Read-only file system" in text:
        return "Grading runs on a read-only system: write files only in the working folder, the home folder or /tmp."
    return None


WINDOWS_PATH = re.compile(r"""['"][A-Za-z]:[\\/]""")


def path_hint(error: Any) -> str | None:
    """Advice when the failing line opens a file by a path that exists only on the student's machine."""
    line = error.text or ""
    if WINDOWS_PATH.search(line):
        return ("That line opens a Windows path (C:\\...), which exists only on your computer; grading runs on Linux in a fresh "
                "folder. Open the data by the path the instructions give (for MNIST: data/mnist.npz), or call load_data() without a path.")
    if re.search(r"""['"](/Users/|/home/|/content/|/kaggle/|/mnt/)""", line):
        return ("That line opens an absolute path from your own machine or notebook service; grading runs in a fresh folder. "
                "Use the path the instructions give, relative to the notebook (for MNIST: data/mnist.npz).")
    return None


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


# -- checks -------------------------------------------------------------------------------------

ROLE_WORDS = {"model": "your model", "callback": "myCallback", "training": "your training code"}


def not_reached(name: str) -> str:
    return f"`{name}` could not be checked because grading stopped earlier; fix the problem reported above first."


def model_problem(probe: Any, name: str) -> str | None:
    if probe.error is not None:
        return f"Calling `{name}()` raised {probe.error.type}: {probe.error.message} (in {location(probe.error)})."
    if not probe.is_keras_model:
        return f"`{name}()` returned a {probe.type}, not a Keras model. Return the model you built."
    if not probe.compiled:
        return f"`{name}()` returned a model that is not compiled. Call model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy']) before returning it."
    if "accuracy" not in probe.compile_config:
        return f"`{name}()` compiles the model without an accuracy metric. Add metrics=['accuracy'] to model.compile so training reports accuracy."
    if probe.optimizer_steps:
        return f"`{name}()` returned a model that was already trained ({probe.optimizer_steps} steps). Return it untrained; training belongs in the training function."
    if probe.call_error is not None:
        return f"The model cannot take a batch of 28×28 images, shape (None, 28, 28): {probe.call_error.type}: {probe.call_error.message[:300]}. Start with keras.Input(shape=(28, 28)) followed by a Flatten layer."
    if probe.output_shape != (2, 10):
        shown = probe.output_shape[1:] if probe.output_shape else "nothing"
        return f"For each image the model outputs {shown}, but Fashion MNIST has 10 classes. End with Dense(10, activation='softmax')."
    sums = probe.output_row_sums
    if probe.output_min is None or probe.output_min < 0 or any(s is None or abs(s - 1) > 1e-3 for s in sums):
        return "The model's outputs are not probabilities (each ≥ 0, summing to 1 per image). Use activation='softmax' on the last layer."
    return None


def model_ok(name: str) -> str:
    return f"`{name}()` returns a compiled, untrained model: (None, 28, 28) → 10 probabilities, with an accuracy metric."


def callback_raised(name: str, logs: dict, error: Any) -> str:
    return f"`{name}.on_epoch_end` raised {error.type}: {error.message} when given logs={logs} (in {location(error)}). {hint(error.type, error.message)}"


def _key(condition: Any) -> str:
    return f"logs['{condition.metric}'] {condition.stops_when} {condition.threshold:g}"


def callback_wrong(name: str, logs: dict, should_stop: bool, condition: Any) -> str:
    value = logs.get(condition.metric)
    if should_stop:
        return (f"Given logs with {condition.metric} {value}, `{name}` did not stop training, but {value} already meets "
                f"{condition}. Set self.model.stop_training = True when {_key(condition)}.")
    return (f"Given logs with {condition.metric} {value}, `{name}` stopped training, but {value} does not meet {condition} yet. "
            f"Stop only once {_key(condition)}.")


def callback_ok(name: str, condition: Any) -> str:
    return f"`{name}` keeps training until {condition} and asks to stop once it holds."


def no_callback_class(names: Any) -> str:
    return (f"No callback class of yours was found: the notebook defines no `{names.callback}` and passes no callback class it "
            f"defines to model.fit. Write class {names.callback}(tf.keras.callbacks.Callback) and pass callbacks=[{names.callback}()].")


def training_problem(fit: Any, training: Any, names: Any, max_epochs: int, condition: Any, lesson: bool = False) -> str | None:
    if training is None:
        return not_reached(names.training)
    if training.error is not None and fit is None:
        return f"`{names.training}` raised {training.error.type}: {training.error.message} (in {location(training.error)}). {hint(training.error.type, training.error.message)}"
    if fit is None and lesson:
        return f"No model.fit ran, so no training could be observed. Fit your model with callbacks=[{names.callback}()]."
    if fit is None:
        return f"`{names.training}` never called model.fit, so no training could be observed. Call model.fit(..., callbacks=[{names.callback}()]) in it."
    if fit.error:
        kind, _, text = fit.error.partition(": ")
        if any(kind == k and fragment in text for k, fragment, _ in HINTS):
            advice = hint(kind, text)
        elif "label" in text or "shape" in text or "rank" in text:
            advice = "Check that the model's input and output shapes match the images and the 10 labels."
        else:
            advice = "Fix that error: the notebook's own run of model.fit must finish, with your callback running without errors."
        return f"Training failed inside model.fit: {kind}: {brief(text, 500).rstrip('.')}. {advice}"
    if fit.epochs_requested > max_epochs:
        who = "Your model.fit call" if lesson else f"`{names.training}`"
        return f"{who} asked for {fit.epochs_requested} epochs; the exercise allows at most {max_epochs}. Pass epochs={max_epochs}."
    if names.callback not in fit.callbacks:
        return f"model.fit was not given a `{names.callback}` (callbacks passed: {', '.join(fit.callbacks) or 'none'}). Pass callbacks=[{names.callback}()]."
    if condition.metric not in fit.history:
        return f"Training logged no '{condition.metric}' metric, so the callback had nothing to read. Compile with metrics=['accuracy']."
    return None


def _value_at(fit: Any, metric: str, epoch: int) -> str:
    values = fit.history.get(metric, ())
    return f"{values[epoch - 1]:.4f}" if 0 < epoch <= len(values) and values[epoch - 1] is not None else "unknown"


def stop_problem(fit: Any, name: str, reached: int | None, condition: Any) -> str | None:
    stop = fit.stop
    first = f"{condition} first held in epoch {reached}." if reached else f"{condition} never held."
    first = first[0].upper() + first[1:]
    if stop is None:
        return f"Training ran all {fit.epochs_run} of {fit.epochs_requested} epochs: the epoch limit ended it, not your callback. {first}"
    if stop.by != name or not stop.graded:
        who = f"`{stop.by}`" if stop.by else "code outside any callback"
        return f"stop_training was set by {who}, not by your own `{name}`, in epoch {stop.epoch}. Let your callback stop training."
    if stop.method != "on_epoch_end":
        return f"`{name}` set stop_training in {stop.method}, during epoch {stop.epoch}. Check the {condition.metric} in on_epoch_end, once per epoch."
    if stop.epoch != reached:
        return (f"`{name}` stopped training in epoch {stop.epoch}, where training {condition.metric} was "
                f"{_value_at(fit, condition.metric, stop.epoch)}. {first} Stop at the first epoch where {condition}.")
    if stop.epoch >= fit.epochs_requested:
        return f"`{name}` stopped in the last epoch ({stop.epoch} of {fit.epochs_requested}), when the epoch limit would have stopped training anyway."
    return None


def logs_disagree_with_model(measured: float, condition: Any) -> str:
    return (f"The training logs claim {condition}, but the grader measured {condition.metric} {measured:.4f} on the training "
            "images with the saved model. The logs do not match the model.")


def logs_unconfirmed(problem: str) -> str:
    return f"The training logs say your callback stopped training at the right epoch, but the grader could not measure the saved model to confirm them. {problem}".strip()


def stop_ok(name: str, fit: Any, condition: Any) -> str:
    return (f"`{name}` stopped training in epoch {fit.stop.epoch} of {fit.epochs_requested}, the first where {condition} "
            f"({condition.metric} {_value_at(fit, condition.metric, fit.stop.epoch)}).")


def no_trained_model(training: Any) -> str:
    if training is not None and training.error is not None:
        return f"There is no trained model to evaluate: training raised {training.error.type}: {training.error.message[:300]}."
    return "There is no trained model to evaluate: training did not finish."


def held_out(value: float, threshold: float) -> str:
    verdict = "reaches" if value >= threshold else "falls short of"
    advice = "" if value >= threshold else " Check the model and the training, and that the images are normalised to [0, 1]."
    return f"The grader measured {value:.4f} accuracy on held-out images the model never saw, which {verdict} the required {threshold}.{advice}"


def no_comparison(problem: str) -> str:
    return f"No held-out accuracy to compare with the reference. {problem}".strip()


def compared(student: float, expected: float, tolerance: float) -> str:
    gap = expected - student
    if gap <= tolerance:
        return f"Held-out accuracy {student:.4f} against the reference's {expected:.4f}: within {tolerance}."
    return f"Held-out accuracy {student:.4f} trails the reference's {expected:.4f} by {gap:.4f}, more than {tolerance}. Compare your model and training with the instructions."


def not_graded() -> str:
    return "Not checked: grading stopped before the checks (see the message above)."


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


def batch_source_missing(path: Path) -> str:
    return f"{path}: there is no such folder or archive. Pass the folder (or .zip/.tar.gz) holding one file or one folder per student."


def batch_source_kind(path: Path) -> str:
    return f"{path} is neither a folder nor a .zip/.tar.gz/.tgz/.tar archive. Pass the folder holding one file or one folder per student."


def batch_archive_unreadable(path: Path, error: Exception) -> str:
    return f"{path} cannot be unpacked ({type(error).__name__}: {error}). Download the archive again, or unpack it yourself and pass the folder."


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


def nothing_in_folder(folder: Path, names: Sequence[str]) -> str:
    seen = ", ".join(names[:10]) + (" …" if len(names) > 10 else "") if names else "nothing"
    return f"The folder {folder.name} holds no .ipynb or .py file to grade (found: {seen}). Hand in the notebook itself."


def several_in_folder(folder: Path, names: Sequence[str]) -> str:
    return f"The folder {folder.name} holds several files that could be the submission ({', '.join(names[:10])}). Keep exactly one notebook (.ipynb) or module (.py) in it."


def symlink_submission(path: Path) -> str:
    return f"{path.name} is a symbolic link; the grader does not follow links out of the class folder. Hand in the file itself."


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
