import tensorflow as tf

layers = tf.keras.layers


def create_and_compile_model():
    model = tf.keras.Sequential(name="small_conv")
    model.add(layers.Input((28, 28)))
    model.add(layers.Reshape((28, 28, 1)))
    model.add(layers.Conv2D(8, 3, activation="relu"))
    model.add(layers.MaxPooling2D())
    model.add(layers.Flatten())
    model.add(layers.Dense(10, activation="softmax"))
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class EarlyStoppingCallback(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        self.model.stop_training = bool(logs.get("accuracy", 0) >= 0.88)


def train_fashion_mnist(training_images, training_labels):
    return None
