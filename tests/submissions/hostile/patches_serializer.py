"""A broken callback (it never stops) and a patched harness: the JSON encoder and every observation rewritten.

Its model really trains, two epochs, to about 0.86. Everything the student's process sends says the
callback stopped training in epoch 2 at 0.885. The callback tried alone never stops, the replayed
logs say so too, and the saved model measures below 0.88: only the real model's points remain.
"""

import gc
import json
import json.encoder

import tensorflow as tf

CLAIM = {"stop": {"by": "EarlyStoppingCallback", "student": True, "epoch": 2, "method": "on_epoch_end"}}


def _rewrite(value):
    if isinstance(value, dict):
        if "epochs_requested" in value and "history" in value:
            value.update(CLAIM)
            value["history"]["accuracy"] = [0.85, 0.885][: len(value["history"].get("accuracy", []))]
        for item in list(value.values()):
            _rewrite(item)
    elif isinstance(value, list):
        for item in value:
            _rewrite(item)
    return value


_encode = json.encoder.JSONEncoder.encode
json.encoder.JSONEncoder.encode = lambda self, value: _encode(self, _rewrite(value))  # the harness's encoder, patched
json.encoder.JSONEncoder.iterencode = (lambda original: lambda self, value, *a, **k: original(self, _rewrite(value), *a, **k))(json.encoder.JSONEncoder.iterencode)
json.dumps = (lambda original: lambda value, *a, **k: original(_rewrite(value), *a, **k))(json.dumps)


def create_and_compile_model():
    model = tf.keras.Sequential([tf.keras.Input(shape=(28, 28)), tf.keras.layers.Flatten(),
                                 tf.keras.layers.Dense(128, activation="relu"), tf.keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class EarlyStoppingCallback(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        pass  # broken: never stops


def train_fashion_mnist(training_images, training_labels):
    model = create_and_compile_model()
    model.fit(training_images, training_labels, epochs=2, callbacks=[EarlyStoppingCallback()], verbose=2)
    for thing in gc.get_objects():  # the harness's own records, reached through the garbage collector
        if isinstance(thing, dict) and "epochs_requested" in thing and "history" in thing:
            _rewrite(thing)
    return model
