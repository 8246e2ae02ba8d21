import tensorflow as tf
from tensorflow import keras


def create_and_compile_model():
    inputs = keras.Input(shape=(28, 28))
    flat = keras.layers.Flatten()(inputs)
    hidden = keras.layers.Dense(256, activation="relu")(flat)
    hidden = keras.layers.Dropout(0.2)(hidden)
    outputs = keras.layers.Dense(10, activation="softmax")(hidden)
    network = keras.Model(inputs=inputs, outputs=outputs)
    network.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001),
                    loss=keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])
    return network


class EarlyStoppingCallback(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        accuracy = (logs or {}).get("accuracy", 0.0)
        if accuracy is not None and accuracy >= 0.88:
            print(f"\nEpoch {epoch}: reached {accuracy:.3f}, stopping")
            self.model.stop_training = True


def train_fashion_mnist(training_images, training_labels):
    assert training_images.ndim == 4, "expected channels"
