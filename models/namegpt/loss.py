"""The loss in nats per character: cross-entropy of the next-token logits, padding ignored."""

import contextlib
from collections.abc import Iterator

import tensorgrad as tg
import tensorgrad.nn.functional as F
from tensorgrad.data import DataLoader

from .batches import IGNORE


def char_loss(model, batch) -> tuple[tg.Tensor, int]:
    """(mean loss over the batch's real targets, their number) for a batch (inputs, targets)
    of a ``NameDataset``; the batch is moved to the model's device."""
    device = next(model.parameters()).device
    inputs, targets = (t.to(device) for t in batch)
    logits = model(inputs)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                           ignore_index=IGNORE)  # fmt: skip
    return loss, int((targets != IGNORE).sum().item())


@contextlib.contextmanager
def inference(model) -> Iterator[None]:
    """The block runs ``model`` in eval mode without gradients; its mode is restored after."""
    was_training = model.training
    model.eval()
    try:
        with tg.no_grad():
            yield
    finally:
        model.train(was_training)


def split_loss(model, dataset, batch_size: int = 1024) -> float:
    """Mean loss in nats per character (every target of every name) over a ``NameDataset``,
    computed under ``inference(model)``."""
    total, count = 0.0, 0
    with inference(model):
        for batch in DataLoader(dataset, batch_size=batch_size):
            loss, n = char_loss(model, batch)
            total, count = total + loss.item() * n, count + n
    if count == 0:
        raise ValueError("split_loss: the dataset holds no names")
    return total / count
