"""The loss in nats per character: cross-entropy of the next-token logits, padding ignored."""

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


def split_loss(model, dataset, batch_size: int = 1024) -> float:
    """Mean loss in nats per character (every target of every name) over a ``NameDataset``,
    in eval mode and without gradients; the model's mode is restored afterwards."""
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    try:
        with tg.no_grad():
            for batch in DataLoader(dataset, batch_size=batch_size):
                loss, n = char_loss(model, batch)
                total, count = total + loss.item() * n, count + n
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("split_loss: the dataset holds no names")
    return total / count
