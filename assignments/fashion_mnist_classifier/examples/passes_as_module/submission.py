"""Fashion MNIST workbook, handed in as a module.

A different but correct solution: the functional API, a shared builder for every variant,
float32 images, a 256-unit hidden layer in the graded classifier and the default verbosity.
"""

import numpy as np
import tensorflow as tf


def _build(hidden=(256,), outputs=10, flatten=True):
    inputs = tf.keras.Input(shape=(28, 28))
    x = tf.keras.layers.Flatten()(inputs) if flatten else inputs
    for units in hidden:
        x = tf.keras.layers.Dense(units, activation="relu")(x)
    model = tf.keras.Model(inputs, tf.keras.layers.Dense(outputs, activation="softmax")(x))
    model.compile(optimizer=tf.keras.optimizers.Adam(), loss=tf.keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])
    return model


def load_and_normalize():
    (train_images, train_labels), (test_images, test_labels) = tf.keras.datasets.fashion_mnist.load_data()
    return (train_images.astype(np.float32) / 255, train_labels), (test_images.astype(np.float32) / 255, test_labels)


def create_classifier():
    return _build()


def train_classifier(training_images, training_labels):
    return create_classifier().fit(training_images, training_labels, epochs=5)


def create_wider_classifier():
    return _build(hidden=(1024,))


def create_deeper_classifier():
    return _build(hidden=(128, 64))


def create_unflattened_classifier():
    return _build(hidden=(128,), flatten=False)


def create_five_output_classifier():
    return _build(hidden=(128,), outputs=5)


def load_without_normalizing():
    return tf.keras.datasets.fashion_mnist.load_data()


def train_longer(training_images, training_labels, validation_data):
    model = create_classifier()
    return model.fit(training_images, training_labels, epochs=15, validation_data=validation_data, verbose=0)


ANSWER_WIDER = "more_parameters"
ANSWER_DEEPER = "about_the_same"
ANSWER_NO_FLATTEN = "raises_error"
ANSWER_FIVE_OUTPUTS = "raises_error"
ANSWER_NO_NORMALIZATION = "higher_loss"
ANSWER_MORE_EPOCHS = "loss_falls_accuracy_plateaus"


if __name__ == "__main__":
    (images, labels), (test_images, test_labels) = load_and_normalize()
    history = train_classifier(images, labels)
    print(history.model.evaluate(test_images, test_labels, verbose=0))
