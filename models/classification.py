"""Image classification of MNIST digits (or synthetic ones): the task of every model that names
no other (see ``task.py``), run as ``tensorgrad train`` always has: cross-entropy with optional
label smoothing, accuracy, a confusion matrix and the class-wise report."""

import numpy as np

from .data import DATASETS
from .evaluation import Evaluation
from .metrics import class_table, confused_pairs_text
from .task import Final, Step, Task


class ImageClassification(Task):
    """28x28 digits in, logits of shape (N, 10) out."""

    name = "image classification"
    datasets = DATASETS
    unit, unit_short = "image", "img"
    history = ("train_loss", "train_accuracy", "test_loss", "test_accuracy")
    sums = ("correct",)

    def data(self, config) -> tuple:
        from .data import datasets

        return datasets(config)

    def step(self, model, batch, config) -> Step:
        from tensorgrad.nn import functional as F

        images, labels = batch
        logits = model(images)
        loss = F.cross_entropy(logits, labels, label_smoothing=config.label_smoothing)
        correct = (logits.detach().argmax(1) == labels).sum()
        return Step(loss, len(labels), {"correct": correct})

    def evaluate(self, model, loader) -> Evaluation:
        from .evaluation import evaluate

        return evaluate(model, loader)

    def epoch_row(self, running: dict, result: Evaluation) -> dict:
        seen = max(running["seen"], 1)
        return {
            "train_loss": running["loss_sum"] / seen,
            "train_accuracy": running["correct"] / seen,
            "test_loss": result.loss,
            "test_accuracy": result.accuracy,
        }

    def running_text(self, running: dict) -> str:
        return f"acc {100 * running['correct'] / max(running['seen'], 1):.2f}%"

    def log_epoch(self, events, step: int, result: Evaluation) -> None:
        from .plots import confusion_figure, figure_to_array

        accuracy = {f"class_accuracy/{i}": np.nan_to_num(a) for i, a in enumerate(result.per_class)}
        events.scalars(step, accuracy)
        events.image("confusion_matrix", step, figure_to_array(confusion_figure(result.confusion)))

    def finish(self, trainer) -> Final:
        from .plots import save_run_plots

        result = trainer.last_eval or self.evaluate(trainer.model, trainer.eval_loader)
        progress = trainer.progress
        save_run_plots(trainer.folder, progress["history"], result.confusion, result.per_class,
                       progress["step_loss"])  # fmt: skip
        metrics = {
            "test_accuracy": result.accuracy,
            "test_loss": result.loss,
            "per_class_accuracy": [None if np.isnan(a) else float(a) for a in result.per_class],
            "confusion_matrix": result.confusion.tolist(),
        }
        return Final(metrics, summary_text(result), f"test accuracy {100 * result.accuracy:.2f}%",
                     ("curves.png", "confusion_matrix.png"))  # fmt: skip


IMAGE_CLASSIFICATION = ImageClassification()


def summary_text(result: Evaluation) -> str:
    """The class-wise table and the most confused pairs."""
    return class_table(result.confusion) + "\n\n" + confused_pairs_text(result.confusion)
