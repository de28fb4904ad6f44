"""The error an op raises for arguments that do not fit it (shapes, dims, paddings, values).

PyTorch raises RuntimeError for these and Python's convention is ValueError; ``OpError`` is
both, so code written for either catches it.
"""


class OpError(ValueError, RuntimeError):
    """Arguments that do not fit an op; the message names the op and the values."""


class GradDtypeError(TypeError, RuntimeError):
    """A tensor of a dtype that cannot require grad was asked to (PyTorch raises RuntimeError,
    earlier tensorgrad TypeError: this is both)."""
