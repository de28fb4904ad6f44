"""Parameter: a Tensor that a Module registers as one of its learnable weights."""

import numpy as np

from ..creation import tensor as make_tensor
from ..dtypes import check_float
from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad by default and registers itself on a ``Module``.

    ``Parameter(t)`` shares memory with the tensor or ndarray ``t`` (as PyTorch shares storage);
    other data (lists, scalars) is copied as ``tg.tensor`` would.
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad: bool = True) -> None:
        if data is None:
            array = np.empty(0, dtype=np.float32)
        elif isinstance(data, Tensor):
            array = data.data
        elif isinstance(data, np.ndarray):
            array = data
        else:
            array = make_tensor(data).data
        if requires_grad:
            check_float(array.dtype, "Parameter")
        self.data, self.requires_grad, self.grad = array, bool(requires_grad), None
        self._node = self._hooks = None

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
