"""Fashion MNIST callback exercise, handed in as a module.

A different but correct solution: a wider hidden layer, a functional-API model,
and a callback that reads the accuracy with logs.get().
"""

import tensorflow as tf

ACCURACY_GOAL = 0.88


def create_and_compile_model():
    inputs = tf.keras.Input(shape=(28, 28))
    hidden = tf.keras.layers.Flatten()(inputs)
    hidden = tf.keras.layers.Dense(256, activation="relu")(hidden)
    outputs = tf.keras.layers.Dense(10, activation="softmax")(hidden)
    model = tf.keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class EarlyStoppingCallback(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if (logs or {}).get("accuracy", 0.0) >= ACCURACY_GOAL:
            self.model.stop_training = True
            print("\nReached 88% accuracy so cancelling training!")


def train_fashion_mnist(training_images, training_labels):
    model = create_and_compile_model()
    return model.fit(training_images, training_labels, epochs=10, callbacks=[EarlyStoppingCallback()], verbose=2)


if __name__ == "__main__":
    (images, labels), _ = tf.keras.datasets.fashion_mnist.load_data()
    train_fashion_mnist(images / 255.0, labels)
