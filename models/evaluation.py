"""Evaluate a classifier on a loader: mean loss, accuracy and the confusion matrix."""

from dataclasses import dataclass

import numpy as np

from .metrics import confusion_matrix, per_class_accuracy


@dataclass
class Evaluation:
    loss: float
    accuracy: float
    confusion: np.ndarray  # (classes, classes) int64, rows are true classes

    @property
    def per_class(self) -> np.ndarray:
        return per_class_accuracy(self.confusion)


def evaluate(model, loader, num_classes: int = 10) -> Evaluation:
    """Mean cross-entropy, accuracy and confusion matrix of ``model`` over ``loader``
    (eval mode, no graph recorded; the model's train/eval mode is restored afterwards)."""
    import tensorgrad as tg
    from tensorgrad.nn import functional as F

    was_training = model.training
    model.eval()
    loss_sum, count = 0.0, 0
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    try:
        with tg.no_grad():
            device = next(model.parameters()).device
            for images, labels in loader:
                logits = model(images.to(device))
                loss = F.cross_entropy(logits, labels.to(device), reduction="sum")
                loss_sum += float(loss.item())
                count += len(labels)
                predicted = logits.argmax(1).cpu().numpy()
                cm += confusion_matrix(labels.cpu().numpy(), predicted, num_classes)
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("evaluate: the loader yielded no samples")
    return Evaluation(loss_sum / count, float(np.trace(cm)) / count, cm)
