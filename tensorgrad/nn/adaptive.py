"""``F.adaptive_avg_pool2d`` and ``nn.AdaptiveAvgPool2d``: average pooling to a given size.

Output position ``i`` of ``n_out`` averages input positions ``floor(i * n / n_out)`` up to
``ceil((i + 1) * n / n_out)`` (PyTorch's rule; windows may overlap and differ in size). When
the sizes divide, that is ``avg_pool2d`` with kernel = stride = n / n_out; otherwise each
spatial dim is a matrix product with an averaging matrix, ``A_h @ x @ A_w^T``, which is linear
and differentiable to any order through ``matmul``.
"""

import numpy as np

from .. import creation
from ..errors import OpError
from ..tensor import Tensor
from .conv_pool import avg_pool2d
from .module import Module


def _averaging_matrix(size_in: int, size_out: int, like: Tensor) -> Tensor:
    """(size_out, size_in) with like's dtype and device: row i holds 1 / count over PyTorch's
    window of output i (made on the host from the sizes alone)."""
    matrix = np.zeros((size_out, size_in))
    for i in range(size_out):
        start, end = (i * size_in) // size_out, -(-((i + 1) * size_in) // size_out)
        matrix[i, start:end] = 1.0 / (end - start)
    return creation.tensor(matrix, dtype=like.dtype, device=like.device)


def _output_size(output_size, spatial: tuple) -> tuple:
    single = output_size is None or isinstance(output_size, int)
    sizes = (output_size,) * 2 if single else tuple(output_size)
    if len(sizes) != 2:
        raise OpError(
            f"adaptive_avg_pool2d: output_size must be an int or a pair, got {output_size!r}"
        )
    sizes = tuple(n if s is None else int(s) for s, n in zip(sizes, spatial))
    if min(sizes) < 0:
        raise OpError(f"adaptive_avg_pool2d: output_size {output_size!r} must not be negative")
    return sizes


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:  # noqa: A002
    """Average-pool ``input`` (N, C, H, W) or (C, H, W) to ``output_size`` (an int, or a pair
    whose None entries keep the input's size)."""
    if not isinstance(input, Tensor) or input.ndim not in (3, 4):
        shape = input.shape if isinstance(input, Tensor) else type(input).__name__
        raise OpError(
            f"adaptive_avg_pool2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got "
            f"shape {shape}"
        )
    h, w = input.shape[-2:]
    oh, ow = _output_size(output_size, (h, w))
    if min(h, w) == 0 and oh * ow:
        raise OpError(f"adaptive_avg_pool2d: input {tuple(input.shape)} has an empty spatial dim")
    if oh and ow and h % oh == 0 and w % ow == 0:
        return avg_pool2d(input, (h // oh, w // ow))
    return _averaging_matrix(h, oh, input) @ input @ _averaging_matrix(w, ow, input).mT


class AdaptiveAvgPool2d(Module):
    """``adaptive_avg_pool2d`` as a layer."""

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
