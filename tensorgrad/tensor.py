"""Tensor: an ndarray, its gradient, and the graph node that produced it.

Every differentiable method is one call of ``apply`` on a registered op (``tensorgrad.ops``), or a
short composition of such calls. Where tensorgrad differs from PyTorch the docstring says so.
"""

import numpy as np

from .autograd.anomaly import _ANOMALY, check_finite, user_frame
from .autograd.grad_mode import _GRAD_ENABLED
from .autograd.graph import Node
from .dtypes import PYTHON_SCALARS, as_dtype, check_float, float32, scalar_array
from .ops import elementwise as ew
from .ops import linalg

_PRINT_OPTIONS = {"precision": 4, "separator": ", ", "threshold": 1000, "edgeitems": 3}


def _forward(op, inputs: tuple, params: dict):
    try:
        return op.forward(*[t.data for t in inputs], **params)
    except (ValueError, IndexError, TypeError) as error:
        shapes = " and ".join(str(t.shape) for t in inputs)
        raise type(error)(f"{op.name}: cannot apply to inputs of shape {shapes}: {error}") from None


def apply_with_residual(op, *inputs, **params):
    """Run ``op`` on the inputs' arrays; record a Node when grad is on and an input needs it."""
    anomaly = _ANOMALY.get()
    if anomaly:
        with np.errstate(all="ignore"):  # a NaN/Inf raises below, naming the op, not a warning
            out = _forward(op, inputs, params)
    else:
        out = _forward(op, inputs, params)
    residual = None
    if op.residual:
        out, residual = out
    if anomaly:
        check_finite(out, "forward output", op.name, user_frame())
    result = Tensor._make(out)
    if _GRAD_ENABLED.get() and any(t.requires_grad for t in inputs):
        result.requires_grad = True
        saved = out if op.save_out else None
        where = user_frame() if anomaly else None
        result._node = Node(op, inputs, saved, residual, params, where)
    return result, residual


def apply(op, *inputs, **params):
    return apply_with_residual(op, *inputs, **params)[0]


class Tensor:
    """An n-dimensional array that records the operations applied to it.

    ``data`` is the underlying ``numpy.ndarray`` (in PyTorch ``.data`` is a Tensor). Operators,
    broadcasting and dtype promotion follow PyTorch; a Python scalar takes the tensor's dtype.
    """

    __slots__ = ("data", "requires_grad", "grad", "_node", "_hooks", "__weakref__")
    __array_ufunc__ = None  # ndarray (op) Tensor defers to the Tensor's reflected operator

    def __init__(self, data, requires_grad: bool = False):
        from .creation import tensor

        t = tensor(data, requires_grad=requires_grad)
        self.data, self.requires_grad, self.grad = t.data, t.requires_grad, None
        self._node = self._hooks = None

    @classmethod
    def _make(cls, data: np.ndarray, requires_grad: bool = False, node=None) -> "Tensor":
        t = object.__new__(cls)
        t.data = data if isinstance(data, np.ndarray) else np.asarray(data)
        t.requires_grad = requires_grad
        t.grad = t._node = t._hooks = None
        if node is not None:
            t._node = node
        return t

    # -- attributes -------------------------------------------------------------------------
    shape = property(lambda self: self.data.shape, doc="The sizes of the dims, a tuple.")
    dtype = property(lambda self: self.data.dtype, doc="The numpy dtype of the elements.")
    ndim = property(lambda self: self.data.ndim, doc="The number of dims.")
    grad_fn = property(lambda self: self._node, doc="The Node that made this tensor, or None.")
    is_leaf = property(lambda self: self._node is None, doc="True unless an op recorded it.")

    def size(self, dim: int | None = None):
        return self.data.shape if dim is None else self.data.shape[dim]

    def numel(self) -> int:
        return int(self.data.size)

    def dim(self) -> int:
        return self.data.ndim

    def numpy(self) -> np.ndarray:
        """The data as an ndarray (shared, not copied); refuses a tensor that requires grad."""
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on a Tensor that requires grad; use detach()")
        return self.data

    def item(self):
        if self.data.size != 1:
            raise ValueError(
                f"item() needs a tensor of one element, this one has shape {self.shape}"
            )
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def __len__(self) -> int:
        if not self.data.ndim:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self) -> bool:
        return bool(self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)

    __hash__ = object.__hash__  # == is elementwise, identity stays the hash

    def __repr__(self) -> str:
        body = np.array2string(self.data, prefix="tensor(", **_PRINT_OPTIONS)
        extra = f", dtype={self.dtype}"
        if self._node is not None:
            extra += f", grad_fn={self._node!r}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    # -- autograd ----------------------------------------------------------------------------
    def detach(self) -> "Tensor":
        """A tensor sharing this one's data, cut from the graph."""
        return Tensor._make(self.data)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if requires_grad:
            check_float(self.dtype, "requires_grad_")
        if self._node is not None and not requires_grad:
            raise RuntimeError("requires_grad can only be turned off on a leaf; use detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        if self._node is not None:
            self._node.retain(self)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor
        replaces the gradient. Returns a handle whose ``remove()`` unregisters it."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that does not require grad")
        if self._node is not None:
            if self._node.hooks is None:
                self._node.hooks = []
            hooks = self._node.hooks
        else:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (see ``autograd.backward``)."""
        from .autograd.engine import backward

        backward(self, gradient, retain_graph, create_graph)

    # -- dtype ------------------------------------------------------------------------------
    def to(self, dtype) -> "Tensor":
        dtype = as_dtype(dtype)
        return self if dtype == self.dtype else apply(ew.TO, self, dtype=dtype)

    def float(self) -> "Tensor":
        return self.to(np.float32)

    def double(self) -> "Tensor":
        return self.to(np.float64)

    def long(self) -> "Tensor":
        return self.to(np.int64)

    def bool(self) -> "Tensor":
        return self.to(np.bool_)

    def is_floating_point(self) -> bool:
        return self.dtype.kind == "f"

    # -- arithmetic ---------------------------------------------------------------------------
    def __add__(self, other):
        return apply(ew.ADD, *coerce_pair(self, other))

    def __radd__(self, other):
        return apply(ew.ADD, *coerce_pair(self, other, reflected=True))

    def __sub__(self, other):
        return apply(ew.SUB, *coerce_pair(self, other))

    def __rsub__(self, other):
        return apply(ew.SUB, *coerce_pair(self, other, reflected=True))

    def __mul__(self, other):
        return apply(ew.MUL, *coerce_pair(self, other))

    def __rmul__(self, other):
        return apply(ew.MUL, *coerce_pair(self, other, reflected=True))

    def __truediv__(self, other):
        return apply(ew.DIV, *coerce_pair(self, other, true_divide=True))

    def __rtruediv__(self, other):
        return apply(ew.DIV, *coerce_pair(self, other, reflected=True, true_divide=True))

    def __pow__(self, exponent):
        if isinstance(exponent, int | float) and not isinstance(exponent, bool):
            return apply(ew.POW_SCALAR, self, exponent=exponent)
        return apply(ew.POW, *coerce_pair(self, exponent))

    def __rpow__(self, base):
        if isinstance(base, int | float) and not isinstance(base, bool):
            if base <= 0:
                return apply(ew.POW, *coerce_pair(self, base, reflected=True))
            x = self if self.is_floating_point() else self.float()
            return apply(ew.RPOW_SCALAR, x, base=float(base))
        return apply(ew.POW, *coerce_pair(self, base, reflected=True))

    def __neg__(self):
        return apply(ew.NEG, self)

    def __pos__(self):
        return self

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(coerce_pair(self, other, reflected=True)[0], self)

    def _compare(self, other, ufunc):
        a, b = coerce_pair(self, other)
        return Tensor._make(ufunc(a.data, b.data))

    def __eq__(self, other):
        return self._compare(other, np.equal)

    def __ne__(self, other):
        return self._compare(other, np.not_equal)

    def __lt__(self, other):
        return self._compare(other, np.less)

    def __le__(self, other):
        return self._compare(other, np.less_equal)

    def __gt__(self, other):
        return self._compare(other, np.greater)

    def __ge__(self, other):
        return self._compare(other, np.greater_equal)

    def __invert__(self):
        if self.dtype != np.bool_:
            raise TypeError(f"~ needs a bool tensor, got {self.dtype}")
        return Tensor._make(~self.data)

    def __and__(self, other):
        return self._compare(other, np.logical_and)

    def __or__(self, other):
        return self._compare(other, np.logical_or)


def coerce_pair(tensor: "Tensor", other, reflected: bool = False, true_divide: bool = False):
    """The two operands of a binary op as Tensors, ``tensor`` first unless ``reflected``.

    Python scalars take the tensor's dtype; an integer tensor meeting a float scalar, or true
    division of two integer tensors, computes in float32 (PyTorch's rules).
    """
    if isinstance(other, Tensor):
        pass
    elif isinstance(other, PYTHON_SCALARS) or isinstance(other, np.generic):
        other = Tensor._make(
            scalar_array(other.item() if isinstance(other, np.generic) else other, tensor.dtype)
        )
        if other.dtype != tensor.dtype and other.dtype.kind == "f":
            tensor = tensor.to(other.dtype)
    else:
        from .creation import tensor as make_tensor

        other = make_tensor(other)
    if true_divide and tensor.dtype.kind in "biu" and other.dtype.kind in "biu":
        tensor, other = tensor.to(float32), other.to(float32)
    return (other, tensor) if reflected else (tensor, other)


class _HookHandle:
    def __init__(self, hooks: list, hook) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product with ``torch.matmul``'s rules for 1-D operands and broadcast batch dims."""
    a, b = coerce_pair(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: both operands need at least 1 dim, got {a.shape} and {b.shape}")
    if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not fit (inner dims differ)")
    a_vector, b_vector = a.ndim == 1, b.ndim == 1
    if a_vector:
        a = a.reshape(1, -1)
    if b_vector:
        b = b.reshape(-1, 1)
    if a.ndim > 2 or b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise ValueError(
                f"matmul: batch dims of {a.shape} and {b.shape} do not broadcast"
            ) from None
    out = apply(linalg.MATMUL, a, b)
    if a_vector and b_vector:
        return out.reshape(out.shape[:-2])
    if a_vector:
        return out.reshape(out.shape[:-2] + out.shape[-1:])
    if b_vector:
        return out.reshape(out.shape[:-1])
    return out


from . import functions  # noqa: E402,F401  (defines the remaining methods: unary, reductions, shape)
