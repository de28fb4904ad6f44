"""The transform protocol: ``t(x)`` for one sample, ``t.batch(x)`` for a batch (first dim: samples).

The two differ only for random transforms, which draw one set of parameters per sample.
``apply_batch(t, x)`` uses ``t.batch`` where it exists and otherwise calls a plain callable once
per sample, so user functions stay correct (if slower) inside a batched pipeline.
"""

from collections.abc import Callable

import numpy as np

from ..tensor import Tensor


class Transform:
    """Base class: implement ``__call__`` for one sample; override ``batch`` when it differs."""

    def __call__(self, x):
        raise NotImplementedError

    def batch(self, x):
        """Apply to a batch (first dim = samples); the same as ``__call__`` unless random."""
        return self(x)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def apply_batch(transform: Callable, x):
    """``transform.batch(x)`` when it has one, else ``transform`` applied per sample and stacked."""
    batch = getattr(transform, "batch", None)
    if batch is not None:
        return batch(x)
    outs = [transform(sample) for sample in x]
    if outs and all(isinstance(o, Tensor) for o in outs):
        return Tensor._make(np.stack([o.data for o in outs]))
    return np.stack([np.asarray(o) for o in outs])


def unwrap(x, who: str) -> tuple[np.ndarray, bool]:
    """The ndarray behind ``x`` and whether ``x`` was a Tensor."""
    if isinstance(x, Tensor):
        return x.data, True
    if isinstance(x, np.ndarray):
        return x, False
    raise TypeError(f"{who}: expected an ndarray or a Tensor, got {type(x).__name__}")


def wrap(array: np.ndarray, as_tensor: bool):
    return Tensor._make(array) if as_tensor else array
