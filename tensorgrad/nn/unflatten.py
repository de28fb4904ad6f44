"""``nn.Unflatten``: one dim split into several (the inverse of ``nn.Flatten``)."""

from ..functions_shape import unflatten
from ..tensor import Tensor
from .module import Module


class Unflatten(Module):
    """Split dim ``dim`` of the input into ``unflattened_size`` (one entry may be -1)."""

    def __init__(self, dim: int, unflattened_size) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return unflatten(input, self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
