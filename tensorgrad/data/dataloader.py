"""DataLoader: whole batches fetched with one call, in an order that is a function of (seed, epoch).

No worker processes: the data lives in memory and a batch is one fancy-indexing operation.
"""

import math

import numpy as np

from .. import creation
from ..tensor import Tensor
from .dataset import fetch_batch
from .seeding import batch_context, epoch_permutation


class DataLoader:
    """Iterate over ``dataset`` in batches of Tensors.

    Parameters
    ----------
    dataset : a Dataset (anything with ``__len__`` and ``__getitem__``; ``__getitems__(indices)``
        is used when present, so a batch costs one call rather than ``batch_size``).
    batch_size, shuffle, drop_last : as in PyTorch.
    seed : int, optional
        The shuffle order of epoch ``e`` is ``seeding.epoch_permutation(seed, e, len(dataset))``,
        and batch ``b`` of epoch ``e`` is fetched with ``seeding.batch_generator(seed, e, b)`` as
        the current generator, which random transforms (``RandomAffine``) draw from. A batch is
        therefore a pure function of (seed, epoch, batch index). ``None`` draws a seed from
        tensorgrad's default generator once, here (so ``tg.manual_seed`` makes it reproducible).
    num_workers, pin_memory, persistent_workers, prefetch_factor, timeout : accepted for
        PyTorch's scripts and without effect: batches are fetched in the calling process with
        one vectorised ``__getitems__`` call (what worker processes buy in PyTorch), and a GPU
        run copies them with ``.to(device)``.

    Each ``iter(loader)`` runs one epoch and advances the epoch counter, so ``for epoch in ...:
    for batch in loader`` reshuffles every epoch as in PyTorch. ``set_epoch(e)`` (as
    ``DistributedSampler.set_epoch``) chooses the epoch the next iteration runs, and
    ``set_epoch(e, start_batch=k)`` starts it at batch ``k``. ``state_dict()`` records the position
    mid-epoch (the batches already yielded); ``load_state_dict`` resumes from it, yielding exactly
    the batches the interrupted run would have seen next.
    """

    def __init__(
        self,
        dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | None = None,
        num_workers: int = 0,
        *,
        pin_memory: bool = False,
        persistent_workers: bool = False,
        prefetch_factor: int | None = None,
        timeout: float = 0,
    ) -> None:
        if (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, int | np.integer)
            or (batch_size < 1)
        ):
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(
                f"DataLoader: num_workers must be a non-negative int, got {num_workers!r}"
            )
        if seed is None:
            seed = int(creation.default_generator().integers(2**63))
        _check_count("seed", seed)
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = int(seed)
        self._next_epoch = 0
        self._start_batch = 0
        self._active: _EpochIterator | None = None

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def set_epoch(self, epoch: int, start_batch: int = 0) -> None:
        """Make the next iteration run ``epoch``, starting at batch ``start_batch``."""
        _check_count("epoch", epoch)
        _check_count("start_batch", start_batch)
        self._next_epoch, self._start_batch, self._active = int(epoch), int(start_batch), None

    def indices(self, epoch: int) -> np.ndarray:
        """The sample order of ``epoch`` (the identity when ``shuffle`` is False)."""
        n = len(self.dataset)
        if self.shuffle:
            return epoch_permutation(self.seed, epoch, n)
        return np.arange(n, dtype=np.int64)

    def state_dict(self) -> dict:
        """``{"seed", "epoch", "batch"}``: where the next batch comes from.

        Mid-epoch, ``batch`` counts the batches already yielded by the running iteration.
        """
        active = self._active
        if active is not None and not active.done:
            return {"seed": self.seed, "epoch": active.epoch, "batch": active.position}
        return {"seed": self.seed, "epoch": self._next_epoch, "batch": self._start_batch}

    def load_state_dict(self, state: dict) -> None:
        """Resume from ``state_dict()``: the next iteration continues that epoch at that batch."""
        missing = {"seed", "epoch", "batch"} - set(state)
        if missing:
            raise ValueError(f"DataLoader.load_state_dict: missing keys {sorted(missing)}")
        _check_count("seed", state["seed"])
        self.seed = int(state["seed"])
        self.set_epoch(state["epoch"], state["batch"])

    def __iter__(self) -> "_EpochIterator":
        iterator = _EpochIterator(self, self._next_epoch, self._start_batch)
        self._next_epoch, self._start_batch, self._active = self._next_epoch + 1, 0, iterator
        return iterator

    def __repr__(self) -> str:
        return (
            f"DataLoader(dataset={type(self.dataset).__name__}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, seed={self.seed})"
        )


class _EpochIterator:
    """One epoch of a DataLoader; ``position`` is the index of the next batch."""

    def __init__(self, loader: DataLoader, epoch: int, start: int) -> None:
        self.loader, self.epoch, self.position = loader, epoch, start
        self.order = loader.indices(epoch)
        self.n_batches = len(loader)
        self.done = start >= self.n_batches

    def __iter__(self) -> "_EpochIterator":
        return self

    def __len__(self) -> int:
        return max(self.n_batches - self.position, 0)

    def __next__(self):
        if self.position >= self.n_batches:
            self.done = True
            raise StopIteration
        loader, b = self.loader, self.position
        indices = self.order[b * loader.batch_size : (b + 1) * loader.batch_size]
        with batch_context(loader.seed, self.epoch, b):
            batch = fetch_batch(loader.dataset, indices)
        self.position = b + 1
        return _to_tensors(batch)


def _to_tensors(batch):
    """Tensors as they are, ndarrays wrapped (no copy), tuples/lists/dicts field by field."""
    if isinstance(batch, Tensor):
        return batch
    if isinstance(batch, np.ndarray):
        return Tensor._make(batch)
    if isinstance(batch, tuple | list):
        return type(batch)(_to_tensors(x) for x in batch)
    if isinstance(batch, dict):
        return {key: _to_tensors(value) for key, value in batch.items()}
    return batch


def _check_count(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise ValueError(f"DataLoader: {name} must be a non-negative int, got {value!r}")
