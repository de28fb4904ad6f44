"""Where the data pipeline's randomness comes from: pure functions of (seed, epoch, batch).

A ``DataLoader`` with seed ``s`` shuffles epoch ``e`` with ``epoch_permutation(s, e, n)`` and
fetches batch ``b`` of that epoch inside ``use_generator(batch_generator(s, e, b))``. Random
transforms draw from ``current_generator()``, so the batch a loader yields is a function of
(seed, epoch, batch index) alone: a run resumed at batch ``b`` sees bit-identical
batches, augmentation included.
"""

import contextlib
import contextvars
from collections.abc import Iterator

import numpy as np

from .. import creation


class _Lazy:
    """A generator made on first use: most batches draw nothing, and making one costs ~50 us."""

    __slots__ = ("key", "generator")

    def __init__(self, key: tuple, generator: np.random.Generator | None = None) -> None:
        self.key, self.generator = key, generator

    def get(self) -> np.random.Generator:
        if self.generator is None:
            self.generator = _generator(*self.key)
        return self.generator


_CURRENT: contextvars.ContextVar[_Lazy | None] = contextvars.ContextVar(
    "tensorgrad_data_generator", default=None
)

# distinct spawn-key prefixes keep the shuffle stream and the per-batch streams independent
_SHUFFLE, _BATCH = 0, 1


def _generator(seed: int, *key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def epoch_permutation(seed: int, epoch: int, n: int) -> np.ndarray:
    """The sample order of ``epoch`` for a loader seeded with ``seed`` (int64, length ``n``)."""
    return _generator(seed, _SHUFFLE, epoch).permutation(n).astype(np.int64)


def batch_generator(seed: int, epoch: int, batch: int) -> np.random.Generator:
    """A fresh generator for batch ``batch`` of ``epoch``: the same arguments, the same stream."""
    return _generator(seed, _BATCH, epoch, batch)


def current_generator() -> np.random.Generator:
    """The generator random transforms draw from when none is passed to them.

    Inside a ``DataLoader`` fetch (or a ``use_generator`` block) it is that batch's generator;
    elsewhere it is tensorgrad's default generator, which ``tg.manual_seed`` seeds.
    """
    lazy = _CURRENT.get()
    return creation.default_generator() if lazy is None else lazy.get()


@contextlib.contextmanager
def use_generator(generator: np.random.Generator) -> Iterator[np.random.Generator]:
    """Make ``generator`` the one ``current_generator()`` returns inside the block."""
    if not isinstance(generator, np.random.Generator):
        raise TypeError(
            f"use_generator expects a numpy.random.Generator, got {type(generator).__name__}"
        )
    token = _CURRENT.set(_Lazy((), generator))
    try:
        yield generator
    finally:
        _CURRENT.reset(token)


@contextlib.contextmanager
def batch_context(seed: int, epoch: int, batch: int) -> Iterator[None]:
    """``use_generator(batch_generator(seed, epoch, batch))``, making the generator only if used."""
    token = _CURRENT.set(_Lazy((seed, _BATCH, epoch, batch)))
    try:
        yield
    finally:
        _CURRENT.reset(token)
