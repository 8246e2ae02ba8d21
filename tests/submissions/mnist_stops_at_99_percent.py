"""The 99% version of the MNIST exercise, newer generation: train_mnist(x_train, y_train)."""

import tensorflow as tf


class myCallback(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if logs.get("accuracy") is not None and logs.get("accuracy") > 0.99:
            print("\nReached 99% accuracy so cancelling training!")
            self.model.stop_training = True


def train_mnist(x_train, y_train):
    model = tf.keras.models.Sequential([
        tf.keras.Input(shape=(28, 28)),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(512, activation="relu"),
        tf.keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model.fit(x_train, y_train, epochs=10, callbacks=[myCallback()], verbose=2)
