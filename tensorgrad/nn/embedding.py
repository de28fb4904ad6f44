"""``F.embedding`` and ``nn.Embedding``: rows of a weight table picked by integer indices.

The lookup is the indexing primitive (its VJP scatter-adds, so a repeated index accumulates);
``padding_idx`` keeps its row in the output but passes it no gradient, ``max_norm``
renormalises the looked-up rows in place first, and ``scale_grad_by_freq`` divides each
looked-up row's gradient by the number of times its index occurs in the batch (a gradient hook
on the looked-up rows), as PyTorch does.
"""

import numpy as np

from ..backends import array_module
from ..dtypes import as_dtype
from ..errors import OpError
from ..functions import where
from ..functions_index import _check_in_range, _index_array
from ..ops import shape as shape_ops
from ..ops.registry import GRAD_ENABLED
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter


def _padding_index(padding_idx, num_embeddings: int, op: str) -> int | None:
    """``padding_idx`` counted from 0 (a negative one from the end); an error out of range."""
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise OpError(
            f"{op}: padding_idx {padding_idx} must be within num_embeddings ({num_embeddings})"
        )
    return int(padding_idx) % num_embeddings


def _renorm_rows(weight: Tensor, index, max_norm: float, norm_type: float) -> None:
    """Scale the rows ``index`` of ``weight`` in place to a ``norm_type`` norm of at most
    ``max_norm`` (PyTorch's ``embedding_renorm_``: factor max_norm / (norm + 1e-7))."""
    xp = array_module(weight.data)
    rows = xp.unique(index.reshape(-1))
    picked = weight.data[rows]
    norms = (xp.abs(picked) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(weight.dtype)
    weight.data[rows] = picked * scale.reshape(-1, 1)


def _inverse_frequency_scaling(index, weight: Tensor):
    """A gradient hook for ``weight[index]``: each position's gradient divided by the count of
    its index in ``index``."""
    xp = array_module(index)
    counts = xp.bincount(index.reshape(-1), minlength=weight.shape[0])
    scale = Tensor._make((1.0 / counts[index]).astype(weight.dtype)[..., None])

    def scaled(grad: Tensor) -> Tensor:
        return grad * scale

    return scaled


def embedding(
    input,  # noqa: A002
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """``weight[input]``: for integer indices of any shape, the output has shape
    ``input.shape + (embedding_dim,)``.

    ``padding_idx``: that row gets no gradient. ``max_norm``: each row looked up is first
    scaled in place (in ``weight`` itself) to a ``norm_type`` norm of at most ``max_norm``.
    ``scale_grad_by_freq``: each row's gradient is divided by how often its index occurs in
    ``input``. ``sparse=True`` is accepted and gives the same gradient, dense (tensorgrad has
    no sparse tensors).
    """
    op = "embedding"
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        shape = weight.shape if isinstance(weight, Tensor) else type(weight).__name__
        raise OpError(f"{op}: 'weight' must be 2-D (num_embeddings, embedding_dim), got {shape}")
    index = _index_array(input, weight, op)
    _check_in_range(index, weight.shape[0], op)
    padding_idx = _padding_index(padding_idx, weight.shape[0], op)
    if max_norm is not None:
        token = GRAD_ENABLED.set(False)  # an in-place update of the table, never recorded
        try:
            _renorm_rows(weight, index, float(max_norm), float(norm_type))
        finally:
            GRAD_ENABLED.reset(token)
    key = (index.astype(np.int64, copy=False),)
    rows = shape_ops.INDEX(weight, key=key)
    if scale_grad_by_freq and rows.requires_grad:
        rows.register_hook(_inverse_frequency_scaling(key[0], weight))
    if padding_idx is None or not rows.requires_grad:
        return rows
    keep = Tensor._make((index != padding_idx).reshape(index.shape + (1,)))
    return where(keep, rows, shape_ops.INDEX(weight.detach(), key=key))


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``, looked up by index.

    ``weight`` (num_embeddings, embedding_dim) is drawn from N(0, 1), the ``padding_idx`` row
    set to zeros, PyTorch's initialisation; see ``embedding`` for the arguments."""

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Tensor | None = None,
        _freeze: bool = False,
        dtype=None,
    ) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = _padding_index(padding_idx, num_embeddings, "Embedding")
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            dtype = np.float32 if dtype is None else as_dtype(dtype)
            self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype))
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise OpError(
                    f"Embedding: _weight of shape {tuple(_weight.shape)} does not match "
                    f"num_embeddings, embedding_dim ({num_embeddings}, {embedding_dim})"
                )
            self.weight = Parameter(_weight)  # shares its memory, as PyTorch
        self.weight.requires_grad = not _freeze

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> "Embedding":
        """An Embedding over ``embeddings`` (2-D, memory shared); frozen unless ``freeze=False``."""
        if embeddings.ndim != 2:
            raise OpError(
                f"Embedding.from_pretrained: embeddings must be 2-D, got shape {embeddings.shape}"
            )
        rows, cols = embeddings.shape
        return cls(
            rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
            _weight=embeddings, _freeze=freeze,
        )  # fmt: skip

    def forward(self, input) -> Tensor:  # noqa: A002
        return embedding(
            input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
            self.scale_grad_by_freq, self.sparse,
        )  # fmt: skip

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        return text
