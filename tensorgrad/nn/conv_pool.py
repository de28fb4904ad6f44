"""Convolution and pooling, PyTorch's signatures (placeholder until the kernels land)."""


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    raise NotImplementedError("conv2d: the Numba kernels are not in yet")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    raise NotImplementedError("max_pool2d: the Numba kernels are not in yet")


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    raise NotImplementedError("avg_pool2d: the Numba kernels are not in yet")
