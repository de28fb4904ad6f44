"""Numba kernels on plain contiguous ndarrays: no Tensors, no validation (see ``config``)."""

from . import config, conv, direct_conv, pool

__all__ = ["config", "conv", "direct_conv", "pool"]
