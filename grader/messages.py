"""Every message a student or an instructor reads, in one place.

Each says which file, what is wrong and what to do. Functions build the text
from the values at hand; no other module writes user-facing prose.
"""

from __future__ import annotations

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
    ("AttributeError", "AdamOptimizer", "tf.train.AdamOptimizer is TensorFlow 1; write tf.keras.optimizers.Adam() or optimizer='adam'."),
    ("NameError", "", ALL_CELLS_HINT + " Also check the spelling."),
    ("ModuleNotFoundError", "", "Grading runs offline with only the course's packages installed; remove the import or use one of those."),
    ("FileNotFoundError", "", "Grading runs in a fresh folder; load the data with tf.keras.datasets.fashion_mnist.load_data()."),
    ("SystemExit", "", "Do not call exit() or sys.exit() in graded code."),
)


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


def student_error(submission: Any, error: Any) -> str:
    return (
        f"{submission.path.name}: your code raised {error.type}: {error.message}\n"
        f"  in {location(error)}\n{hint(error.type, error.message)}"
    )


def missing_names(submission: Any, names: Sequence[str]) -> str:
    listed = ", ".join(f"`{name}`" for name in names)
    return (
        f"{submission.path.name} does not define {listed} (grading ran {submission.selection}). "
        f"Keep the starter's names exactly. {ALL_CELLS_HINT} A `# grade-up-to-here` comment stops grading at its cell."
    )


def _tail(output: str, lines: int = 8) -> str:
    kept = [line for line in output.strip().splitlines()[-lines:]]
    return ("\nLast output:\n  " + "\n  ".join(kept)) if kept else ""


def _death(run: Any) -> str:
    if run.signal:
        try:
            name = signals.Signals(run.signal).name
        except ValueError:
            name = f"signal {run.signal}"
        return f"was killed by {name}"
    return f"exited with code {run.exit_code}"


def crashed_before_running(run: Any) -> str:
    return (
        f"The Python process running your code {_death(run)} before your code finished loading, "
        f"so nothing could be graded. Code that calls os._exit(), kills its own process or crashes Python "
        f"ends grading early; remove it.{_tail(run.output)}"
    )


def crashed_while(phase: str, run: Any) -> str:
    step = {"execution": "probing your model", "model_probe": "probing your callback", "callback_probe": "training", "training": "saving the results"}
    return f"The Python process running your code {_death(run)} while {step.get(phase, 'grading')}. This happens when the code crashes Python or exits on purpose.{_tail(run.output)}"


LIMIT_TEXT = {
    "timeout": ("wall-clock time", "wall_seconds", "seconds", "Train for fewer epochs or a smaller model, and make sure nothing waits forever (input(), sleep loops)."),
    "cpu_time": ("CPU time", "cpu_seconds", "CPU seconds", "Train a smaller model or fewer epochs."),
    "memory": ("memory", "memory_mb", "MB", "Use a smaller model or batch size, and do not copy the dataset many times."),
    "output": ("printed output", "output_bytes", "bytes", "Print less: fit(..., verbose=2) prints one line per epoch instead of a progress bar."),
}


def limit_breached(outcome: str, limits: Any, found: Any) -> str:
    what, field, unit, advice = LIMIT_TEXT[outcome]
    phase = found.phases[-1] if found and found.phases else "started"
    return f"Your code went over the {what} limit of {getattr(limits, field):,} {unit} (last step reached: {phase}), so grading stopped. {advice}"


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


# -- checks -------------------------------------------------------------------------------------


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


def callback_wrong(name: str, logs: dict, should_stop: bool, threshold: float) -> str:
    accuracy = logs.get("accuracy")
    if should_stop:
        return f"Given logs with accuracy {accuracy}, `{name}` did not stop training, but {accuracy} ≥ {threshold}. Set self.model.stop_training = True when logs['accuracy'] >= {threshold}."
    return f"Given logs with accuracy {accuracy}, `{name}` stopped training, but {accuracy} < {threshold}. Stop only once logs['accuracy'] >= {threshold}."


def callback_ok(name: str, threshold: float) -> str:
    return f"`{name}` keeps training below {threshold:.0%} training accuracy and stops at or above it."


def training_problem(fit: Any, training: Any, names: Any, max_epochs: int) -> str | None:
    if training is None:
        return not_reached(names.training)
    if training.error is not None and fit is None:
        return f"`{names.training}` raised {training.error.type}: {training.error.message} (in {location(training.error)}). {hint(training.error.type, training.error.message)}"
    if fit is None:
        return f"`{names.training}` never called model.fit, so no training could be observed. Call model.fit(..., callbacks=[{names.callback}()]) in it."
    if fit.error:
        return f"Training failed inside model.fit: {fit.error[:500]}. Check that the model's output size matches the 10 labels and that your callback runs without errors."
    if fit.epochs_requested > max_epochs:
        return f"`{names.training}` asked model.fit for {fit.epochs_requested} epochs; the exercise allows at most {max_epochs}. Pass epochs={max_epochs}."
    if names.callback not in fit.callbacks:
        return f"model.fit was not given a `{names.callback}` (callbacks passed: {', '.join(fit.callbacks) or 'none'}). Pass callbacks=[{names.callback}()]."
    if "accuracy" not in fit.history:
        return "Training logged no 'accuracy' metric, so the callback had nothing to read. Compile with metrics=['accuracy']."
    return None


def _accuracy_at(fit: Any, epoch: int) -> str:
    values = fit.history.get("accuracy", ())
    return f"{values[epoch - 1]:.4f}" if 0 < epoch <= len(values) and values[epoch - 1] is not None else "unknown"


def stop_problem(fit: Any, name: str, reached: int | None, threshold: float) -> str | None:
    stop = fit.stop
    first = f"Training accuracy first reached {threshold} in epoch {reached}." if reached else f"Training accuracy never reached {threshold}."
    if stop is None:
        return f"Training ran all {fit.epochs_run} of {fit.epochs_requested} epochs: the epoch limit ended it, not your callback. {first}"
    if stop.by != name:
        who = f"`{stop.by}`" if stop.by else "code outside any callback"
        return f"stop_training was set by {who}, not by `{name}`, in epoch {stop.epoch}. Let your callback stop training."
    if stop.method != "on_epoch_end":
        return f"`{name}` set stop_training in {stop.method}, during epoch {stop.epoch}. Check the accuracy in on_epoch_end, once per epoch."
    if stop.epoch != reached:
        return f"`{name}` stopped training in epoch {stop.epoch}, where training accuracy was {_accuracy_at(fit, stop.epoch)}. {first} Stop at the first epoch whose accuracy is ≥ {threshold}."
    if stop.epoch >= fit.epochs_requested:
        return f"`{name}` stopped in the last epoch ({stop.epoch} of {fit.epochs_requested}), when the epoch limit would have stopped training anyway."
    return None


def logs_disagree_with_model(measured: float, threshold: float) -> str:
    return f"The training logs claim accuracy ≥ {threshold}, but the grader measured {measured:.4f} on the training images with the saved model. The logs do not match the model."


def stop_ok(name: str, fit: Any, threshold: float) -> str:
    return f"`{name}` stopped training in epoch {fit.stop.epoch} of {fit.epochs_requested}, the first whose training accuracy ({_accuracy_at(fit, fit.stop.epoch)}) reached {threshold}."


def no_trained_model(training: Any) -> str:
    if training is not None and training.error is not None:
        return f"There is no trained model to evaluate: training raised {training.error.type}: {training.error.message[:300]}."
    return "There is no trained model to evaluate: training did not finish."


def held_out(value: float, threshold: float) -> str:
    verdict = "reaches" if value >= threshold else "falls short of"
    advice = "" if value >= threshold else " Train until the callback stops it, and normalise the images to [0, 1]."
    return f"The grader measured {value:.4f} accuracy on the 10,000 held-out images, which {verdict} the required {threshold}.{advice}"


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
INTERRUPTED = "grader: interrupted. Reports already written are kept."


def no_sandbox(problems: Sequence[str]) -> str:
    why = "; ".join(problems) or "bubblewrap is not available"
    return (
        f"No sandbox can start on this machine ({why}). Install bubblewrap (`apt-get install bubblewrap`) "
        "and allow unprivileged user namespaces, or pass --sandbox none to run trusted code without isolation."
    )


def no_assignment_named(path: Path) -> str:
    return f"{path.name} does not say which assignment it is for (no metadata.grader.assignment in the notebook). Pass --assignment NAME."


def checking(path: Path, spec: Any) -> str:
    return f"Checking {path.name} against {spec.name} (v{spec.version}); this trains your model, usually under a minute…"


def graded_line(report: Any, out: Path) -> str:
    return f"{report.submission}: {report.status.value}, {report.score:g}/{report.max_score:g} → {out}/report.json"


def fetched(source: Any) -> str:
    return f"Fashion MNIST stored and verified in {source.directory}."
