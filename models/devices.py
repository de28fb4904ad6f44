"""Which device a command runs on: ``--device auto`` (CUDA when available, else the CPU),
``cpu``, ``cuda`` or ``cuda:N``; and the training data kept resident there."""

import numpy as np


def resolve(name: str):
    """The ``tg.device`` for a ``--device`` value; a ValueError saying why when it cannot be
    had (the config's validation turns it into a usage error)."""
    import tensorgrad as tg

    if name == "auto":
        return tg.device("cuda" if tg.cuda.is_available() else "cpu")
    try:
        device = tg.device(name)
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"--device {name!r}: {error}") from None
    if device.type == "cuda" and not tg.cuda.is_available():
        raise ValueError(f"--device {name}: CUDA is not available: {tg.cuda.unavailable_reason()}")
    return device


class ResidentBatches:
    """A loader's batches cut from one copy of the whole (deterministically transformed) data
    set on the device: one transfer for the data and one per epoch for its order, then each
    batch is a gather on the device, so a step never waits for the host. The batches are the
    loader's, element for element (same order, same transforms): tuples such as (images,
    labels) or (inputs, targets)."""

    def __init__(self, loader, device) -> None:
        from tensorgrad import data

        whole = data.DataLoader(loader.dataset, batch_size=len(loader.dataset), shuffle=False)
        self.loader, self.device = loader, device
        self.tensors = tuple(t.to(device) for t in next(iter(whole)))

    def batches(self, epoch: int, start: int):
        import tensorgrad as tg

        order = tg.tensor(self.loader.indices(epoch), device=self.device)
        size = self.loader.batch_size
        for b in range(start, len(self.loader)):
            chosen = order[b * size : (b + 1) * size]
            yield tuple(t[chosen] for t in self.tensors)


def host_batches(batches, device):
    """Batches from the host, each copied to ``device`` (augmented data is made on the host)."""
    for batch in batches:
        yield tuple(t.to(device) for t in batch)


def as_numpy(t) -> np.ndarray:
    """A tensor's values on the host (a copy from a device)."""
    return t.detach().cpu().numpy()
