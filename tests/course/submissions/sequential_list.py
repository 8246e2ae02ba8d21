"""Week 2: a Sequential model given as a list; training is not written yet."""
import tensorflow as tf

HIDDEN_UNITS = 64


def create_and_compile_model():
    model = tf.keras.models.Sequential([
        tf.keras.Input(shape=(28, 28)),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(HIDDEN_UNITS, activation="relu"),
        tf.keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class EarlyStoppingCallback(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if logs["accuracy"] >= 0.88:
            self.model.stop_training = True


def train_fashion_mnist(training_images, training_labels):
    raise NotImplementedError("I ran out of time")
