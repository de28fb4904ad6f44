"""PyTorch's ``axis=`` alias of ``dim=`` on the reductions of ``tensorgrad.functions``.

``tg.sum(x, axis=0)`` and ``x.mean(axis=(0, 1))`` are what NumPy habits write and PyTorch
accepts; these wrappers turn the keyword into ``dim`` (giving both is an error, as PyTorch).
The Tensor methods and the ``tg.`` names are these wrappers; the reductions added with them
(``prod``, ``all``, ``any``, the scans) take ``axis`` themselves.
"""

import functools

from . import functions as fn


def accepts_axis(function):
    """``function`` taking ``axis=`` as another name for its ``dim`` argument."""

    @functools.wraps(function)
    def with_axis(*args, axis=None, **kwargs):
        if axis is not None:
            if "dim" in kwargs or len(args) > 1:
                raise TypeError(f"{function.__name__}: give dim or its alias axis, not both")
            kwargs["dim"] = axis
        return function(*args, **kwargs)

    return with_axis


sum = accepts_axis(fn.sum)  # noqa: A001 (PyTorch's names)
mean = accepts_axis(fn.mean)
var = accepts_axis(fn.var)
std = accepts_axis(fn.std)
logsumexp = accepts_axis(fn.logsumexp)
max = accepts_axis(fn.max)  # noqa: A001
min = accepts_axis(fn.min)  # noqa: A001
argmax = accepts_axis(fn.argmax)
argmin = accepts_axis(fn.argmin)
