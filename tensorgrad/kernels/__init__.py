"""Numba kernels on plain contiguous ndarrays: no Tensors, no validation (see ``config``)."""

from . import batchnorm, config, direct_conv, pool, scatter, strided_conv, updates

__all__ = ["batchnorm", "config", "direct_conv", "pool", "scatter", "strided_conv", "updates"]
