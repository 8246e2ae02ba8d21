"""The callback trial in the evaluation process: its model prepared while the student trains, the answers unchanged.

Run in a subprocess, as the harness runs: ``trial`` adapts Keras for Keras 2 code, which must not
leak into the other tests. Real Keras, real fits of the trial's small model; the reference's class.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from grader import spec as specs
from grader.grading import callback_trial
from grader.grading.load import load

pytest.importorskip("tensorflow")
ROOT = Path(__file__).resolve().parents[2]
HARNESS = ROOT / "grader" / "harness"
SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
import keras, probe_callback
job = json.loads(sys.stdin.read())
prepared = probe_callback.prepare(keras, job["image_shape"], job["classes"], job["seed"])
model, steps = prepared[0], lambda: int(prepared[0].optimizer.iterations.numpy())
traced, before = model.train_function, steps()
with_prepared = probe_callback.trial(job, prepared)
used, unchanged = steps() - before, model.train_function is traced
other_shape = probe_callback.trial({**job, "image_shape": [14, 14]}, prepared)
fresh = probe_callback.trial(job)
print(json.dumps({
    "prepared": with_prepared["answers"], "fresh": fresh["answers"], "other_shape": other_shape["answers"],
    "steps_in_trial": used, "steps_beside": steps() - before - used, "traced_once": unchanged,
}))
"""


def tried(job: dict) -> dict:
    ran = subprocess.run([sys.executable, "-c", SCRIPT, str(HARNESS)], input=json.dumps(job), capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr[-3000:]
    return json.loads(ran.stdout.strip().splitlines()[-1])


def test_a_prepared_model_answers_every_case_as_a_fresh_one_and_traces_nothing_again():
    spec = specs.load("fashion_mnist_callback")
    assert spec.callback is not None
    cases = callback_trial.draw(spec.callback.condition, draw=random.Random(7))
    submission = load(ROOT / "reference" / "fashion_mnist_callback" / "solution.ipynb")
    job = callback_trial.job_json(callback_trial.Job(submission, spec.graded.callback, cases, spec.seed, (28, 28), 10))  # type: ignore[arg-type]
    found = tried(job)
    expected = [{"id": case.id, "stopped_at": case.expected_stop} for case in cases]
    assert found["prepared"] == expected
    assert found["fresh"] == expected
    assert found["steps_in_trial"] == 2 * sum(case.expected_stop or len(case.logs) for case in cases)  # the cases were fitted on the prepared model
    assert found["traced_once"]  # with the train function its preparation traced
    assert found["other_shape"] == expected and found["steps_beside"] == 0  # a prepared model of another shape is left alone
