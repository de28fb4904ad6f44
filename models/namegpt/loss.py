"""The loss in nats per character: cross-entropy of the next-token logits, padding ignored."""

import contextlib
from collections.abc import Iterator

import tensorgrad as tg
import tensorgrad.nn.functional as F
from tensorgrad.data import DataLoader

from .batches import IGNORE


def next_char_loss(logits: tg.Tensor, targets: tg.Tensor) -> tg.Tensor:
    """Mean cross-entropy of (B, T, V) logits against (B, T) targets over the real targets
    (``IGNORE`` padding counts for nothing)."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                           ignore_index=IGNORE)  # fmt: skip


def char_loss(model, batch) -> tuple[tg.Tensor, int]:
    """(mean loss over the batch's real targets, their number) for a batch (inputs, targets)
    of a ``NameDataset``; the batch is moved to the model's device."""
    device = next(model.parameters()).device
    inputs, targets = (t.to(device) for t in batch)
    return next_char_loss(model(inputs), targets), int((targets != IGNORE).sum().item())


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


def loader_loss(model, loader) -> float:
    """Mean loss in nats per character (every target of every name) over the batches of a
    ``NameDataset``'s loader, computed under ``inference(model)``."""
    total, count = 0.0, 0
    with inference(model):
        for batch in loader:
            loss, n = char_loss(model, batch)
            total, count = total + loss.item() * n, count + n
    if count == 0:
        raise ValueError("loader_loss: the dataset holds no names")
    return total / count


def split_loss(model, dataset, batch_size: int = 1024) -> float:
    """``loader_loss`` over a whole ``NameDataset``, in batches of ``batch_size``."""
    return loader_loss(model, DataLoader(dataset, batch_size=batch_size))
