"""Four epochs without the callback, then a second fit that the callback "stops" in its first epoch.

Counted over both fits of the graded model, the condition first held in epoch 4 and training
stopped in epoch 5: the stop earns nothing; everything else is the real work it is.
"""

import tensorflow as tf


def create_and_compile_model():
    model = tf.keras.Sequential([tf.keras.Input(shape=(28, 28)), tf.keras.layers.Flatten(),
                                 tf.keras.layers.Dense(128, activation="relu"), tf.keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class EarlyStoppingCallback(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if logs["accuracy"] >= 0.88:
            self.model.stop_training = True


def train_fashion_mnist(training_images, training_labels):
    model = create_and_compile_model()
    model.fit(training_images, training_labels, epochs=4, verbose=2)
    model.fit(training_images, training_labels, epochs=6, callbacks=[EarlyStoppingCallback()], verbose=2)
    return model
