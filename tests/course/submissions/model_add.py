import tensorflow as tf

TARGET = 0.88


def build_layers(model):
    for units in (128, 64):
        model.add(tf.keras.layers.Dense(units, activation="relu"))
    model.add(tf.keras.layers.Dense(10, activation="softmax"))


def create_and_compile_model():
    model = tf.keras.models.Sequential()
    model.add(tf.keras.Input(shape=(28, 28)))
    model.add(tf.keras.layers.Flatten())
    build_layers(model)
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    return model


class EarlyStoppingCallback(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        reached = logs.get("accuracy") >= TARGET
        self.model.stop_training = reached or self.model.stop_training


def train_fashion_mnist(training_images, training_labels):
    raise RuntimeError("training disabled while debugging")
