"""Datasets: map-style collections of samples that can also hand out a whole batch at once.

tensorgrad's loader fetches a batch with one call, ``dataset.__getitems__(indices)``, where
``indices`` is an int64 ndarray. In PyTorch ``__getitems__`` returns a list of samples that the
loader then collates; here it returns the collated batch itself (a tuple of arrays or Tensors), so
a dataset held in memory can serve a batch with one fancy-indexing operation per field instead of
one Python call per sample. The base class's version calls ``__getitem__`` per index and collates.
"""

import builtins
from collections.abc import Sequence

import numpy as np

from ..creation import as_tensor, default_generator
from ..tensor import Tensor


class Dataset:
    """Base class of map-style datasets: override ``__getitem__`` and ``__len__``.

    Override ``__getitems__(indices)`` too when a batch can be fetched faster than sample by sample.
    """

    def __getitem__(self, index: int):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __getitems__(self, indices: np.ndarray):
        """The samples at ``indices`` collated into one batch (see ``default_collate``)."""
        return default_collate([self[int(i)] for i in indices])


def default_collate(samples: Sequence):
    """Stack a list of samples into a batch, field by field.

    Tuples/lists and dicts are collated per field; Tensors and ndarrays are stacked along a new
    first dim; Python ints give int64, bools bool and floats float32 (PyTorch gives float64 for
    Python floats; float32 is tensorgrad's default). Leaves are returned as Tensors.
    """
    if len(samples) == 0:
        raise ValueError("default_collate: cannot collate an empty list of samples")
    first = samples[0]
    if isinstance(first, tuple | list):
        if any(len(s) != len(first) for s in samples):
            raise ValueError("default_collate: samples have different numbers of fields")
        return tuple(default_collate(field) for field in zip(*samples, strict=True))
    if isinstance(first, dict):
        return {key: default_collate([s[key] for s in samples]) for key in first}
    if isinstance(first, Tensor):
        return Tensor._make(np.stack([s.data for s in samples]))
    if isinstance(first, np.ndarray | np.generic):
        return Tensor._make(np.stack(samples))
    if isinstance(first, bool):
        return Tensor._make(np.array(samples, dtype=np.bool_))
    if isinstance(first, int):
        return Tensor._make(np.array(samples, dtype=np.int64))
    if isinstance(first, builtins.float):
        return Tensor._make(np.array(samples, dtype=np.float32))
    raise TypeError(f"default_collate: cannot batch samples of type {type(first).__name__}")


def fetch_batch(dataset, indices: np.ndarray):
    """``dataset.__getitems__(indices)`` where the dataset has it, else per-sample collation."""
    getitems = getattr(dataset, "__getitems__", None)
    if getitems is not None:
        return getitems(indices)
    return default_collate([dataset[int(i)] for i in indices])


class TensorDataset(Dataset):
    """Samples are the i-th rows of the given tensors (all with the same first dim).

    Arrays are accepted and wrapped (sharing memory). ``dataset[i]`` is a tuple of Tensors.
    """

    def __init__(self, *tensors) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        self.tensors = tuple(as_tensor(t) for t in tensors)
        sizes = [t.shape[0] if t.ndim else None for t in self.tensors]
        if None in sizes or len(set(sizes)) != 1:
            shapes = ", ".join(str(t.shape) for t in self.tensors)
            raise ValueError(f"TensorDataset: tensors must share a first dim, got shapes {shapes}")

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def __getitem__(self, index: int) -> tuple:
        return tuple(Tensor._make(t.data[index]) for t in self.tensors)

    def __getitems__(self, indices: np.ndarray) -> tuple:
        return tuple(Tensor._make(t.data[indices]) for t in self.tensors)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset, indices) -> None:
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        n = len(dataset)
        if self.indices.size and (self.indices.min() < -n or self.indices.max() >= n):
            raise IndexError(f"Subset: indices out of range for a dataset of length {n}")

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int):
        return self.dataset[int(self.indices[index])]

    def __getitems__(self, indices: np.ndarray):
        return fetch_batch(self.dataset, self.indices[indices])


def random_split(dataset, lengths: Sequence, generator: np.random.Generator | None = None):
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given lengths.

    ``lengths`` are counts summing to ``len(dataset)`` or fractions summing to 1 (the remainder
    of rounding goes to the first subsets, round-robin, as in PyTorch). ``generator`` is a numpy
    Generator; by default tensorgrad's, which ``tg.manual_seed`` seeds.
    """
    n = len(dataset)
    lengths = list(lengths)
    if lengths and all(isinstance(x, builtins.float) for x in lengths):
        if not np.isclose(sum(lengths), 1.0) or min(lengths) < 0:
            raise ValueError(f"random_split: fractions must be >= 0 and sum to 1, got {lengths}")
        counts = [int(np.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if any(not isinstance(x, int | np.integer) or x < 0 for x in lengths) or sum(lengths) != n:
        raise ValueError(
            f"random_split: lengths {lengths} must be non-negative ints summing to the "
            f"dataset's length {n}"
        )
    order = (default_generator() if generator is None else generator).permutation(n)
    bounds = np.cumsum([0, *lengths])
    return [Subset(dataset, order[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
