"""More of PyTorch's factories: the random ``*_like`` family, ``empty_like``, ``logspace``,
``normal``, ``bernoulli``, ``multinomial``, and the ``Tensor.new_*`` methods (a new tensor
with this one's dtype and device unless told otherwise).

Random draws come from the one generator ``manual_seed`` seeds, as ``rand`` and ``randn``.
"""

from __future__ import annotations

import numpy as np

from . import creation
from .backends import array_on
from .dtypes import as_dtype, float32
from .errors import OpError
from .tensor import Tensor


def _like(t: Tensor, dtype, device):
    return (t.dtype if dtype is None else as_dtype(dtype)), (t.device if device is None else device)


def empty_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False,  # noqa: A002
               memory_format=None) -> Tensor:  # fmt: skip
    """Zero-filled here (uninitialised in PyTorch), of ``input``'s shape, dtype and device."""
    return creation.zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad)


def rand_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False,  # noqa: A002
              memory_format=None) -> Tensor:  # fmt: skip
    dtype, device = _like(input, dtype, device)
    return creation.rand(input.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randn_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False,  # noqa: A002
               memory_format=None) -> Tensor:  # fmt: skip
    dtype, device = _like(input, dtype, device)
    return creation.randn(input.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *,  # noqa: A002
                 dtype=None, device=None, requires_grad: bool = False,
                 memory_format=None) -> Tensor:  # fmt: skip
    """Integers in [low, high) (``randint_like(x, high)`` means [0, high)), x's dtype."""
    if high is None:
        low, high = 0, low
    dtype, device = _like(input, dtype, device)
    return creation.randint(low, high, input.shape, dtype=dtype, device=device)


def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:  # fmt: skip
    """``base ** linspace(start, end, steps)``."""
    dtype = float32 if dtype is None else as_dtype(dtype)
    exponents = creation.linspace(start, end, steps, dtype=np.float64).data
    data = np.power(np.float64(base), exponents).astype(dtype)
    return creation._finish(data, requires_grad, device)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:  # fmt: skip
    """Draws from N(mean, std^2): ``mean`` and ``std`` numbers (then ``size`` is needed) or
    tensors, which broadcast and give the shape."""
    tensors = [v for v in (mean, std) if isinstance(v, Tensor)]
    if tensors:
        shape = np.broadcast_shapes(*(v.shape for v in tensors))
        like = tensors[0]
        noise = creation.randn(shape, dtype=dtype or like.dtype, device=like.device)
        return (noise * std + mean).detach()
    if size is None:
        raise TypeError("normal(): with number mean and std, give size")
    if std < 0:
        raise OpError(f"normal expects std >= 0.0, but found std {std}")
    noise = creation.randn(size, dtype=dtype, device=device)
    out = noise * std + mean
    return out.requires_grad_(True) if requires_grad else out


def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:  # noqa: A002
    """1 with probability ``input`` (or ``p``) at each position, else 0, in input's dtype."""
    probability = input.data if p is None else float(p)
    if p is None:
        outside = bool(((probability < 0) | (probability > 1)).any())
    else:
        outside = not 0.0 <= probability <= 1.0
    if outside:
        raise OpError("bernoulli: all elements of input should be between 0 and 1")
    draws = creation.rand(input.shape, dtype=np.float64, device=input.device).data
    return Tensor._make((draws < probability).astype(input.dtype))


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,  # noqa: A002
                generator=None) -> Tensor:  # fmt: skip
    """``num_samples`` category indices per row drawn with probabilities proportional to the
    row (an int64 tensor); without ``replacement`` each index at most once per row."""
    if input.ndim not in (1, 2):
        raise OpError("multinomial: prob_dist must be 1 or 2 dim")
    weights = np.asarray(input.detach().cpu().data, dtype=np.float64)
    rows = weights.reshape(-1, weights.shape[-1])
    if (rows < 0).any() or not np.isfinite(rows).all():
        raise OpError("multinomial: probability tensor contains either `inf`, `nan` or element < 0")
    if (rows.sum(-1) <= 0).any():
        raise OpError("multinomial: invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement and num_samples > rows.shape[-1]:
        raise OpError("multinomial: cannot sample n_sample > prob_dist.size(-1) samples without "
                      "replacement")  # fmt: skip
    rng = creation.default_generator()
    picks = []
    for row in rows:
        if not replacement and np.count_nonzero(row) < num_samples:
            raise OpError("multinomial: invalid multinomial distribution (with replacement=False, "
                          "not enough non-negative category to sample)")  # fmt: skip
        picks.append(rng.choice(row.shape[0], num_samples, replace=replacement, p=row / row.sum()))
    out = np.asarray(picks, dtype=np.int64).reshape(weights.shape[:-1] + (num_samples,))
    return Tensor._make(array_on(out, input.device))
