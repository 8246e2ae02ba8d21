"""The student's callback class tried alone, on cases drawn fresh for every grading.

``draw`` makes the cases: sequences of epoch logs whose watched metric stays on the "keep
training" side of the threshold for a random number of epochs and then, in most cases, crosses it
by a random distance (near or far); the threshold itself is never used, so ``>`` and ``>=`` are
equally right. The graded run's own logs are replayed too (``replay``), to confirm the stop it
claims. The trial runs in the evaluation's sandbox once its measurements are sent
(``harness/probe_callback.py``; only the submission's definitions run), and ``parse`` matches every
answer to a case sent: a missing, extra or malformed answer counts against the callback.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from grader.checks.facts import CallbackAnswer, CallbackCase, CallbackTrial, StopCondition, Training
from grader.grading import observations
from grader.grading.load import Submission

CASES = 6
NEAR, FAR = (0.002, 0.008), (0.02, 0.12)  # how far past the threshold a case's deciding value sits, as a fraction of the scale


@dataclass(frozen=True)
class Job:
    submission: Submission
    names: tuple[str, ...]  # the class names to try, first found wins
    cases: tuple[CallbackCase, ...]
    seed: int
    image_shape: tuple[int, ...]
    classes: int


def _scale(condition: StopCondition) -> float:
    return 1.0 if condition.metric == "accuracy" else max(abs(condition.threshold), 0.1)


def _value(condition: StopCondition, side: int, distance: float) -> float:
    """A value ``distance`` (a fraction of the scale) on the stop side (side 1) or the keep-training side (-1)."""
    direction = 1 if condition.rising else -1
    value = condition.threshold + side * direction * distance * _scale(condition)
    return round(min(1.0, max(0.0, value)) if condition.metric == "accuracy" else max(0.0, value), 5)


def _logs(condition: StopCondition, value: float, draw: random.Random) -> dict[str, float]:
    other = "loss" if condition.metric == "accuracy" else "accuracy"
    return {condition.metric: value, other: round(draw.uniform(0.25, 0.6) if other == "loss" else draw.uniform(0.7, 0.9), 5)}


def draw(condition: StopCondition, count: int = CASES, draw: random.Random | None = None) -> tuple[CallbackCase, ...]:
    """Cases on both sides of the threshold, near and far, stopping at varying epochs; a fresh draw each grading."""
    draw = draw or random.SystemRandom()
    cases = []
    plans = [(stops, near) for stops in (True, False) for near in (True, False)]
    plans += [(draw.random() < 0.6, draw.random() < 0.5) for _ in range(max(0, count - len(plans)))]
    draw.shuffle(plans)
    for index, (stops, near) in enumerate(plans[:count]):
        before = draw.randint(0, 4)
        logs = [_logs(condition, _value(condition, -1, draw.uniform(*FAR) + 0.01 * step), draw) for step in range(before, 0, -1)]
        deciding = _value(condition, 1 if stops else -1, draw.uniform(*(NEAR if near else FAR)))
        logs.append(_logs(condition, deciding, draw))
        if stops:
            logs += [_logs(condition, _value(condition, 1, draw.uniform(*FAR)), draw) for _ in range(draw.randint(0, 2))]
        case_id = f"c{index}-{draw.getrandbits(32):08x}"
        cases.append(CallbackCase(case_id, tuple(logs), draw.randint(0, 7), before + 1 if stops else None))
    return tuple(cases)


def replay(training: Training | None, condition: StopCondition, class_name: str | None) -> CallbackCase | None:
    """The graded fit's own logs, as a case: alone, the class must stop where the run says it did (or not at all), not before."""
    fit = training.graded_fit if training else None
    if fit is None or condition.metric not in fit.history or not fit.epochs_run or (class_name is not None and class_name not in fit.callbacks):
        return None  # the class was not in that run: its logs say nothing of it
    epochs = min(fit.epochs_run, len(fit.history[condition.metric]))
    logs = tuple(
        {key: float(value) for key, values in fit.history.items() if epoch < len(values) and (value := values[epoch]) is not None} for epoch in range(epochs)
    )
    stopped = fit.stop is not None and fit.stop.student and (class_name is None or fit.stop.by == class_name)
    return CallbackCase("replay", logs, fit.initial_epoch, fit.stop.epoch if stopped and fit.stop else None, replay=True)


def answers_of(data: object, cases: tuple[CallbackCase, ...]) -> tuple[dict[str, CallbackAnswer], tuple[str, ...]] | None:
    if not isinstance(data, dict) or not isinstance(data.get("answers"), list):
        return None
    sent = {case.id for case in cases}
    answers: dict[str, CallbackAnswer] = {}
    unexpected = []
    for entry in data["answers"][:100]:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            return None
        stopped = entry.get("stopped_at")
        if entry["id"] not in sent or entry["id"] in answers or (stopped is not None and (not isinstance(stopped, int) or isinstance(stopped, bool))):
            unexpected.append(str(entry["id"])[:40])
            continue
        try:
            error = observations.error(entry.get("error"))
        except observations.Malformed:
            return None
        answers[entry["id"]] = CallbackAnswer(entry["id"], stopped, error)
    return answers, tuple(unexpected)


def job_json(job: Job) -> dict:
    """What the trial process reads: the submission's cells, the names to try, the cases."""
    cells = [
        {"index": index, "number": cell.number, "source": cell.source, "filename": f"/submission/{job.submission.path.name}"}
        for index, cell in enumerate(job.submission.cells)
    ]
    return {
        "submission": {"kind": job.submission.kind, "module_name": job.submission.path.stem, "cells": cells},
        "names": list(job.names),
        "seed": job.seed,
        "image_shape": list(job.image_shape),
        "classes": job.classes,
        "cases": [{"id": case.id, "first_epoch": case.first_epoch, "logs": [dict(logs) for logs in case.logs]} for case in job.cases],
    }


def parse(raw: bytes | None, cases: tuple[CallbackCase, ...], how_it_ended: str) -> CallbackTrial:
    """The trial's ``callback.json``, matched to the cases sent; ``how_it_ended`` says why there is none."""
    if raw is None:
        return CallbackTrial(None, cases, {}, problem=how_it_ended or "no answer")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        data = None
    parsed = answers_of(data, cases)
    if parsed is None or not isinstance(data, dict):
        return CallbackTrial(None, cases, {}, problem="malformed")
    found = data.get("class") if isinstance(data.get("class"), str) else None
    errors = (
        tuple(e for entry in data.get("definition_errors", [])[:20] if isinstance(entry, dict) if (e := _safe_error(entry.get("error"))) is not None)
        if isinstance(data.get("definition_errors"), list)
        else ()
    )
    if found is None:
        return CallbackTrial(None, cases, {}, problem="no_class", definition_errors=errors)
    answers, unexpected = parsed
    return CallbackTrial(found[:200], cases, answers, unexpected, definition_errors=errors)


def _safe_error(data: object):
    try:
        return observations.error(data)
    except observations.Malformed:
        return None
