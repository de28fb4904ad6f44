"""``tensorgrad.nn.functional``: layers and losses as functions, PyTorch's signatures.

Convolution and pooling come from ``conv_pool``; ``pad`` (its modes) from ``padding``,
``interpolate`` and ``normalize``/``celu`` from their modules; the losses live in
``losses_functional``.
"""

from ..backends import backend_of
from ..functions import log_softmax, relu, sigmoid, softmax, tanh
from ..functions_activations import elu, gelu, hardtanh, leaky_relu, silu, softplus, softsign
from ..functions_index import one_hot
from ..ops.nn import BATCH_NORM, LINEAR
from ..ops.registry import is_grad_enabled
from ..tensor import Tensor
from .conv_pool import avg_pool2d, conv2d, max_pool2d
from .dropout import scaled_keep_mask
from .interpolate import interpolate
from .losses_functional import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from .normalize_celu import celu, normalize
from .padding import pad

# isort: split
# -- issue 13 layers (1) --
from .adaptive import adaptive_avg_pool2d
from .conv1d import conv1d
from .conv_transpose import conv_transpose2d
from .dropout import dropout2d
from .embedding import embedding
from .fold import fold, unfold
from .normalization import group_norm, layer_norm

__all__ = [
    "avg_pool2d",
    "batch_norm",
    "celu",
    "conv2d",
    "cross_entropy",
    "dropout",
    "interpolate",
    "linear",
    "log_softmax",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "normalize",
    "pad",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
    # issue 13
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "elu", "gelu", "hardtanh",
    "huber_loss", "kl_div", "leaky_relu", "one_hot", "silu", "smooth_l1_loss", "softplus",
    "softsign",
    # -- issue 13 layers (1) --
    "adaptive_avg_pool2d", "conv1d", "conv_transpose2d", "dropout2d", "embedding", "group_norm",
    "layer_norm", "fold", "unfold",
]  # fmt: skip


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input @ weight.T + bias``; ``weight`` has shape (out_features, in_features)."""
    if weight.ndim != 2 or input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear: input of shape {input.shape} does not fit weight of shape {weight.shape} "
            "(input's last dim must equal weight's in_features, weight.shape[1])"
        )
    if bias is None:
        return LINEAR(input, weight)
    if bias.shape != (weight.shape[0],):
        raise ValueError(
            f"linear: bias of shape {bias.shape} does not fit weight of shape {weight.shape} "
            f"(expected ({weight.shape[0]},))"
        )
    return LINEAR(input, weight, bias)


def dropout(input: Tensor, p: float = 0.5, training: bool = True) -> Tensor:  # noqa: A002
    """Zero each element with probability ``p`` and scale the rest by 1 / (1 - p) in training;
    the identity otherwise. The mask is drawn from ``tg.creation.default_generator()``."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    return input * scaled_keep_mask(input, input.shape, p)


def batch_norm(
    input: Tensor,  # noqa: A002
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (dim 1) over the batch and spatial dims, then scale and shift.

    In training (or without running statistics) the batch's statistics are used and the
    running ones, when given, are updated in place: ``r = (1 - momentum) * r + momentum * s``
    with the unbiased variance, as PyTorch. Otherwise the running statistics are used.
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: input needs a channel dim 1, got shape {input.shape}")
    channels = input.shape[1]
    shape = (1, channels) + (1,) * (input.ndim - 2)
    for name, t in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        if t is not None and t.shape != (channels,):
            raise ValueError(
                f"batch_norm: {name} has shape {t.shape}, expected ({channels},) for input of "
                f"shape {input.shape}"
            )
    if training or running_mean is None or running_var is None:
        count = input.numel() // max(channels, 1)
        if count <= 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, got input "
                f"of shape {input.shape}"
            )
        affine = ()
        if weight is not None or bias is not None:  # the primitive takes both or neither
            xp = backend_of(input.data).xp
            ones = Tensor._make(xp.ones(channels, input.dtype))
            zeros = Tensor._make(xp.zeros(channels, input.dtype))
            affine = (ones if weight is None else weight, zeros if bias is None else bias)
        out, stats = BATCH_NORM.with_residual(input, *affine, eps=eps)
        mean, var = stats.mean, stats.var
        if training and running_mean is not None:
            running_mean.data *= 1.0 - momentum
            running_mean.data += momentum * mean
        if training and running_var is not None:
            running_var.data *= 1.0 - momentum
            running_var.data += momentum * var * (count / (count - 1))
        return out
    # eval: fold the statistics into one scale and one shift per channel
    backend = backend_of(running_var.data)
    invstd = (1.0 / backend.xp.sqrt(running_var.data + eps)).astype(input.dtype, copy=False)
    mean = running_mean.data.astype(input.dtype, copy=False)
    if not (is_grad_enabled() and any(t is not None and t.requires_grad
                                      for t in (input, weight, bias))):  # fmt: skip
        # nothing to record: the backend's one pass, (x - mean) * scale + bias
        scale = invstd if weight is None else invstd * weight.data
        shift = backend.xp.zeros_like(invstd) if bias is None else bias.data
        return Tensor._make(backend.batch_norm_eval(input.data, mean, scale, shift))
    scale = Tensor._make(invstd) if weight is None else weight * Tensor._make(invstd)
    shift = Tensor._make(-mean) * scale
    if bias is not None:
        shift = shift + bias
    return input * scale.reshape(shape) + shift.reshape(shape)


# -- issue 13 layers (2) --
# imported last: attention calls this module's dropout and linear
from .attention import scaled_dot_product_attention  # noqa: E402

__all__ += ["scaled_dot_product_attention"]
