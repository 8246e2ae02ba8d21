import numpy as np
import tensorflow as tf


def scaled_units(pixels, divisor):
    """How many hidden units: a fraction of the pixels, rounded to a power of two."""
    wanted = pixels // divisor
    power = int(np.log2(max(wanted, 1)))
    return int(2 ** power)


def create_and_compile_model():
    units = scaled_units(28 * 28, 6)
    layers = [tf.keras.Input(shape=(28, 28)), tf.keras.layers.Flatten()]
    layers += [tf.keras.layers.Dense(units, activation="relu"), tf.keras.layers.Dense(units // 2, activation="tanh")]
    layers.append(tf.keras.layers.Dense(10, activation="softmax"))
    classifier = tf.keras.models.Sequential(layers)
    classifier.compile(optimizer=tf.keras.optimizers.RMSprop(learning_rate=0.002),
                       loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return classifier


class EarlyStoppingCallback(tf.keras.callbacks.Callback):
    def __init__(self, goal=0.88):
        super().__init__()
        self.goal = goal
        self.seen = []

    def on_epoch_end(self, epoch, logs=None):
        current = logs["accuracy"]
        self.seen.append(current)
        if current >= self.goal and len(self.seen) > 0:
            self.model.stop_training = True


def train_fashion_mnist(training_images, training_labels):
    batches = np.array_split(np.arange(len(training_images)), 10)
    raise ValueError(f"split into {len(batches)} batches but no loop yet")
