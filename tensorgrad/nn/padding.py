"""``F.pad`` with PyTorch's modes: constant, reflect, replicate and circular.

The non-constant modes read each padded dim through an index of source positions (one
gather per dim), so their gradients sum every copy back onto its source element, as PyTorch's.
"""

import numpy as np

from ..errors import OpError
from ..functions import pad as constant_pad
from ..tensor import Tensor

_MODES = ("constant", "reflect", "replicate", "circular")


def _source_positions(mode: str, size: int, before: int, after: int, dim: int) -> np.ndarray:
    """For each output position along a dim, the input position it copies."""
    limit = size - 1 if mode == "reflect" else size
    if mode != "replicate" and (before > limit or after > limit):
        rule = "less than" if mode == "reflect" else "at most"
        raise OpError(
            f"pad: {mode} padding ({before}, {after}) of dim {dim} must be {rule} its size {size}"
        )
    positions = np.arange(-before, size + after)
    if mode == "replicate":
        return np.clip(positions, 0, size - 1)
    if mode == "circular":
        return positions % size
    positions = np.abs(positions)  # reflect about the first and the last element
    return np.where(positions > size - 1, 2 * (size - 1) - positions, positions)


def pad(input: Tensor, pad: tuple, mode: str = "constant", value=None) -> Tensor:  # noqa: A002
    """Pad ``input``; ``pad`` lists (before, after) pairs from the last dim backwards.

    ``reflect`` mirrors about the edge element (not repeating it), ``replicate`` repeats the
    edge, ``circular`` wraps around. As PyTorch, those modes pad the last 1, 2 or 3 dims of an
    input with one or two more dims (channels, batch); negative amounts crop.
    """
    if mode not in _MODES:
        raise OpError(f"pad: mode must be one of {', '.join(_MODES)}, got {mode!r}")
    if mode == "constant":
        return constant_pad(input, pad, value=0.0 if value is None else value)
    if value:
        raise OpError(f"pad: padding mode {mode!r} doesn't take in value argument")
    if len(pad) % 2 or not 1 <= len(pad) // 2 <= 3:
        raise OpError(f"pad: {mode} padding takes 2, 4 or 6 amounts, got {len(pad)}: {pad}")
    padded = len(pad) // 2
    if not padded + 1 <= input.ndim <= padded + 2:
        raise OpError(
            f"pad: {mode} padding of {padded} dims needs a {padded + 1}-D or {padded + 2}-D "
            f"input, got shape {input.shape}"
        )
    out = input
    for k in range(padded):
        dim = input.ndim - 1 - k
        before, after = int(pad[2 * k]), int(pad[2 * k + 1])
        if before == after == 0:
            continue
        positions = _source_positions(mode, input.shape[dim], before, after, dim)
        out = out[(slice(None),) * dim + (positions,)]
    return out
