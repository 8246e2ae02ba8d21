import numpy as np
import tensorflow as tf


def hidden_size(pixels, divisor):
    """How many hidden units: a fraction of the pixels, rounded to a exponent of two."""
    target = pixels // divisor
    exponent = int(np.log2(max(target, 1)))
    return int(2 ** exponent)


def create_and_compile_model():
    units = hidden_size(28 * 28, 6)
    layers = [tf.keras.Input(shape=(28, 28)), tf.keras.layers.Flatten()]
    layers += [tf.keras.layers.Dense(units, activation="relu"), tf.keras.layers.Dense(units // 2, activation="tanh")]
    layers.append(tf.keras.layers.Dense(10, activation="softmax"))
    net = tf.keras.models.Sequential(layers)
    net.compile(optimizer=tf.keras.optimizers.RMSprop(learning_rate=0.002),
                       loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return net


class EarlyStoppingCallback(tf.keras.callbacks.Callback):
    def __init__(self, goal=0.88):
        super().__init__()
        self.goal = goal
        self.history_seen = []

    def on_epoch_end(self, epoch, logs=None):
        acc = logs["accuracy"]
        self.history_seen.append(acc)
        if acc >= self.goal and len(self.history_seen) > 0:
            self.model.stop_training = True


def train_fashion_mnist(training_images, training_labels):
    chunks = np.array_split(np.arange(len(training_images)), 10)
    raise ValueError(f"split into {len(chunks)} chunks but no loop yet")
