"""Input pipelines without tf.data's autotuning thread, in the sandboxed processes that call ``fit``.

Keras feeds ``fit`` from arrays through a tf.data pipeline sized by ``AUTOTUNE`` and makes a new
iterator every epoch. Each iterator starts a thread that tunes the pipeline, then sleeps for a
period that doubles after every round. Destroying the iterator waits for that thread, and on
TensorFlow 2.21 it can wait out the sleep. gdb shows the main thread in ``~LogicalThreadWrapper``
and the tuning thread in ``Model::OptimizeLoop``. So an epoch of one or two seconds may begin with
up to about a second in which the process computes nothing. When two gradings share two cores,
that second leaves a core idle.

Without autotuning, a pipeline prepares batches with the parallelism TensorFlow picks from its
threads. The values and their order stay the same, because pipelines stay deterministic, so
training gives the same history. A pipeline whose own options choose autotuning, on or off, keeps
that choice. Imports nothing of the trusted grader.
"""

from __future__ import annotations

import functools

MARK = "__grader_without_autotuning__"  # marks what this module installed, so that installing twice changes nothing


def without_autotuning() -> None:
    """From now on, a dataset given options that leave autotuning unset gets it set off."""
    try:
        import tensorflow as tf
    except ImportError:  # no TensorFlow, no pipelines to tune
        return
    original = tf.data.Dataset.with_options
    if getattr(original, MARK, False):
        return

    @functools.wraps(original)
    def with_options(self, options, name=None):
        dataset = original(self, options, name)
        if dataset.options().autotune.enabled is None:
            quiet = tf.data.Options()
            quiet.autotune.enabled = False
            dataset = original(dataset, quiet)
        return dataset

    setattr(with_options, MARK, True)
    tf.data.Dataset.with_options = with_options
