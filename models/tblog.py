"""TensorBoard event files of a run (tensorboardX's writer; ``tensorboard --logdir runs``).

Tags: ``loss/train_step``, ``lr``, ``loss/train``, ``loss/test``, ``accuracy/train``,
``accuracy/test``, ``class_accuracy/<class>``, ``weights/<param>``, ``grads/<param>`` and the
``confusion_matrix`` image.
"""

from pathlib import Path

import numpy as np


class EventLog:
    """A thin wrapper over ``tensorboardX.SummaryWriter`` with the run's tag names.

    ``purge_step`` (when resuming) makes TensorBoard drop events logged after that step by the
    interrupted run, so the curves of a resumed run have no duplicates.
    """

    def __init__(self, folder: Path, purge_step: int | None = None) -> None:
        from tensorboardX import SummaryWriter

        self.writer = SummaryWriter(logdir=str(folder), purge_step=purge_step, flush_secs=10)

    def step(self, step: int, loss: float, lr: float) -> None:
        self.writer.add_scalar("loss/train_step", loss, step)
        self.writer.add_scalar("lr", lr, step)

    def epoch(self, epoch: int, row: dict[str, float]) -> None:
        """Per-epoch scalars; ``row`` holds train/test loss and accuracy."""
        self.writer.add_scalar("loss/train", row["train_loss"], epoch)
        self.writer.add_scalar("loss/test", row["test_loss"], epoch)
        self.writer.add_scalar("accuracy/train", row["train_accuracy"], epoch)
        self.writer.add_scalar("accuracy/test", row["test_accuracy"], epoch)

    def class_accuracy(self, epoch: int, accuracy: np.ndarray) -> None:
        for i, value in enumerate(accuracy):
            self.writer.add_scalar(f"class_accuracy/{i}", float(np.nan_to_num(value)), epoch)

    def histograms(self, epoch: int, named_parameters) -> None:
        """Weight and gradient histograms, one pair per parameter."""
        for name, param in named_parameters:
            self.writer.add_histogram(f"weights/{name}", np.asarray(param.data), epoch)
            if param.grad is not None:
                self.writer.add_histogram(f"grads/{name}", np.asarray(param.grad.data), epoch)

    def image(self, tag: str, epoch: int, rgb: np.ndarray) -> None:
        """An (H, W, 3) uint8 image."""
        self.writer.add_image(tag, rgb, epoch, dataformats="HWC")

    def close(self) -> None:
        self.writer.close()
