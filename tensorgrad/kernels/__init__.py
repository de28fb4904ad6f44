"""Numba kernels on plain contiguous ndarrays: no Tensors, no validation (see ``config``)."""

from . import config, conv, direct_conv, pool, scatter

__all__ = ["config", "conv", "direct_conv", "pool", "scatter"]
