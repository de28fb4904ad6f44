"""In-place ops, PyTorch's rules: ``x.add_(y)``, ``x.zero_()``, ``x[i] = v``, ``x += y``.

Each computes its result with the ordinary (out-of-place) functions and then stores it into
the tensor (``store``):

- outside the graph (under ``no_grad``, or when nothing involved requires grad) a leaf's
  array is written in place, so NumPy views of it (slices, ``detach()``) see the change;
- when the result is recorded, the tensor takes the new value and its history (PyTorch's
  rebase): it becomes a non-leaf whose ``grad_fn`` is the in-place op's, and the old value
  lives on, unchanged, in the graph that used it;
- a leaf that requires grad cannot be written while grad is on (RuntimeError, PyTorch's
  message); wrap optimizer-like updates in ``no_grad``.

Every write is recorded (``autograd.writes``), so a backward pass that would read a value
overwritten since it was recorded raises instead of computing a wrong gradient. The result
is cast to the tensor's dtype where PyTorch allows it (not floating into integer).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import functions as fn
from . import functions_api as api
from . import functions_arith as arith
from . import functions_index as fi
from . import functions_select as sel
from . import tensor as _t
from .autograd.writes import mark_written
from .backends import array_module, backend_of, is_array
from .dtypes import can_cast
from .errors import OpError
from .ops.registry import GRAD_ENABLED

if TYPE_CHECKING:
    from .tensor import Tensor

def _creation():
    from . import creation  # at call time: creation imports tensor.py, which imports this

    return creation


LEAF_MESSAGE = "a leaf Variable that requires grad is being used in an in-place operation."


def _owned(data):
    """``data`` itself unless it is a view of another array (a broadcast, a slice): a copy."""
    return data.copy() if getattr(data, "base", None) is not None else data


def store(self: Tensor, name: str, compute) -> Tensor:
    """``self <- compute(old)``, ``old`` being a tensor with self's value and history."""
    recording = GRAD_ENABLED.get()
    if recording and self.requires_grad and self._node is None:
        raise RuntimeError(LEAF_MESSAGE)
    old = _t.Tensor._make(self.data, self.requires_grad, self._node)
    out = compute(old)
    if not isinstance(out, _t.Tensor):
        out = _t.Tensor._make(out)
    if out.shape != self.shape:
        raise OpError(
            f"{name}: output with shape {list(self.shape)} doesn't match the broadcast shape "
            f"{list(out.shape)}"
        )
    if out.dtype != self.dtype:
        if not can_cast(out.dtype, self.dtype):
            raise OpError(
                f"{name}: result type {out.dtype} can't be cast to the desired output type "
                f"{self.dtype}"
            )
        out = out.to(self.dtype)
    if out._node is not None:  # recorded: self takes the new value and its history
        self.data, self._node, self.requires_grad = _owned(out.data), out._node, True
    elif self._node is not None:  # a graph's value: its nodes may hold the old array
        self.data = _owned(out.data)
    else:
        try:
            self.data[...] = out.data
        except ValueError as error:  # a read-only broadcast view (expand)
            raise OpError(f"{name}: cannot write into this tensor ({error})") from None
    mark_written(self)
    return self


# -- fills and copies ----------------------------------------------------------------------------
def zero_(self: Tensor) -> Tensor:
    return store(self, "zero_", lambda old: array_module(old.data).zeros_like(old.data))


def fill_(self: Tensor, value) -> Tensor:
    """Every element set to ``value`` (a number or a 0-d tensor, whose gradient is the sum)."""
    if isinstance(value, _t.Tensor):
        if value.ndim != 0:
            raise OpError(
                "fill_ only supports 0-dimension value tensor but got tensor with "
                f"{value.ndim} dimensions."
            )
        return store(self, "fill_", lambda old: value.to(old.dtype).expand(old.shape))
    filled = np.asarray(value).astype(self.dtype).item()
    return store(self, "fill_", lambda old: array_module(old.data).full_like(old.data, filled))


def copy_(self: Tensor, src, non_blocking: bool = False) -> Tensor:
    """``src`` (broadcast to this shape, cast to this dtype and device) copied in."""
    if not isinstance(src, _t.Tensor):
        src = _creation().tensor(src) if not is_array(src) else _t.Tensor._make(src)

    def compute(old):
        value = src.to(device=old.device)
        value = value.to(old.dtype, copy=True) if value.dtype.kind != "c" else value
        try:
            return value.expand(old.shape)
        except OpError:
            raise OpError(
                f"copy_: source of shape {list(src.shape)} does not broadcast to "
                f"{list(old.shape)}"
            ) from None

    return store(self, "copy_", compute)


# -- arithmetic ------------------------------------------------------------------------------
def add_(self: Tensor, other, *, alpha=1) -> Tensor:
    return store(self, "add_", lambda old: arith.add(old, other, alpha=alpha))


def sub_(self: Tensor, other, *, alpha=1) -> Tensor:
    return store(self, "sub_", lambda old: arith.sub(old, other, alpha=alpha))


def mul_(self: Tensor, other) -> Tensor:
    return store(self, "mul_", lambda old: old * other)


def div_(self: Tensor, other, *, rounding_mode=None) -> Tensor:
    return store(self, "div_", lambda old: api.div(old, other, rounding_mode=rounding_mode))


def pow_(self: Tensor, exponent) -> Tensor:
    return store(self, "pow_", lambda old: old**exponent)


def clamp_(self: Tensor, min=None, max=None) -> Tensor:  # noqa: A002 (PyTorch's names)
    return store(self, "clamp_", lambda old: arith.clamp(old, min, max))


def clamp_min_(self: Tensor, min) -> Tensor:  # noqa: A002
    return store(self, "clamp_min_", lambda old: arith.clamp(old, min=min))


def clamp_max_(self: Tensor, max) -> Tensor:  # noqa: A002
    return store(self, "clamp_max_", lambda old: arith.clamp(old, max=max))


def lerp_(self: Tensor, end, weight) -> Tensor:
    return store(self, "lerp_", lambda old: arith.lerp(old, end, weight))


def addcmul_(self: Tensor, tensor1, tensor2, *, value=1) -> Tensor:
    return store(self, "addcmul_", lambda old: arith.addcmul(old, tensor1, tensor2, value=value))


def addcdiv_(self: Tensor, tensor1, tensor2, *, value=1) -> Tensor:
    return store(self, "addcdiv_", lambda old: arith.addcdiv(old, tensor1, tensor2, value=value))


def masked_fill_(self: Tensor, mask, value) -> Tensor:
    return store(self, "masked_fill_", lambda old: fi.masked_fill(old, mask, value))


def index_add_(self: Tensor, dim, index, source, *, alpha=1) -> Tensor:
    def compute(old):
        return sel.index_add(old, dim, index, source, alpha=alpha)

    return store(self, "index_add_", compute)


def index_copy_(self: Tensor, dim, index, source) -> Tensor:
    return store(self, "index_copy_", lambda old: sel.index_copy(old, dim, index, source))


def index_fill_(self: Tensor, dim, index, value) -> Tensor:
    return store(self, "index_fill_", lambda old: sel.index_fill(old, dim, index, value))


def scatter_(self: Tensor, dim, index, src=None, *, value=None, reduce=None) -> Tensor:
    def compute(old):
        return sel.scatter(old, dim, index, src, value=value, reduce=reduce)

    return store(self, "scatter_", compute)


def scatter_add_(self: Tensor, dim, index, src) -> Tensor:
    return store(self, "scatter_add_", lambda old: fi.scatter_add(old, dim, index, src))


def _unary(name: str, function):
    """The in-place form ``x.name_()`` of a one-argument function."""

    def method(self: Tensor) -> Tensor:
        return store(self, f"{name}_", function)

    method.__name__ = method.__qualname__ = f"{name}_"
    method.__doc__ = f"``{name}`` written in place."
    return method


abs_ = _unary("abs", fn.abs)
neg_ = _unary("neg", fn.neg)
exp_ = _unary("exp", fn.exp)
log_ = _unary("log", fn.log)
sqrt_ = _unary("sqrt", fn.sqrt)
square_ = _unary("square", arith.square)
rsqrt_ = _unary("rsqrt", arith.rsqrt)
reciprocal_ = _unary("reciprocal", arith.reciprocal)
sigmoid_ = _unary("sigmoid", fn.sigmoid)
tanh_ = _unary("tanh", fn.tanh)
relu_ = _unary("relu", fn.relu)
floor_ = _unary("floor", api.floor)
ceil_ = _unary("ceil", api.ceil)
trunc_ = _unary("trunc", api.trunc)
sign_ = _unary("sign", api.sign)
log1p_ = _unary("log1p", arith.log1p)
expm1_ = _unary("expm1", arith.expm1)


def round_(self: Tensor, *, decimals: int = 0) -> Tensor:
    return store(self, "round_", lambda old: api.round(old, decimals=decimals))


# -- random fills (the forms nn.init and hand-written initialisers use) -----------------------
def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator=None) -> Tensor:
    """Draws from U(a, b)."""
    return store(self, "uniform_", lambda old: (_creation().rand(old.shape, dtype=old.dtype,
                 device=old.device) * (b - a) + a))  # fmt: skip


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    """Draws from N(mean, std^2)."""
    return store(self, "normal_", lambda old: (_creation().randn(old.shape, dtype=old.dtype,
                 device=old.device) * std + mean))  # fmt: skip


# -- item assignment and the augmented operators ----------------------------------------------
def _assigned(old: Tensor, key, value) -> Tensor:
    """``old`` with ``value`` written at ``key`` (a new tensor; differentiable in both)."""
    parts = fn._index_key(key, old.data)
    target_shape = old.data[parts].shape
    if not isinstance(value, _t.Tensor):
        value = _t.Tensor._make(np.asarray(value)) if not is_array(value) else (
            _t.Tensor._make(value))  # fmt: skip
        value = value.to(device=old.device)
    if value.dtype != old.dtype:
        value = value.to(old.dtype)
    try:
        value = value.expand(target_shape)
    except OpError:
        raise OpError(
            f"shape mismatch: value tensor of shape {list(value.shape)} cannot be broadcast to "
            f"indexing result of shape {list(target_shape)}"
        ) from None
    if not (old.requires_grad or value.requires_grad) or not GRAD_ENABLED.get():
        data = old.data.copy()
        data[parts] = value.data
        return _t.Tensor._make(data)
    xp = backend_of(old.data).xp
    counts = fn.index_put_zeros(_t.Tensor._make(xp.ones(target_shape, dtype=old.dtype)),
                                parts, old.shape).data  # fmt: skip
    if bool((counts > 1).any()):
        raise OpError("index_put_: an index that repeats cannot be assigned with autograd on")
    placed = fn.index_put_zeros(value, parts, old.shape)
    return fn.where(_t.Tensor._make(counts > 0), placed, old)


def setitem(self: Tensor, key, value) -> None:
    """``x[key] = value``: PyTorch's indexed assignment (ints, slices, masks, index arrays);
    the value is cast to this tensor's dtype."""
    if self._node is not None or (GRAD_ENABLED.get() and (self.requires_grad
                                                          or _requires_grad(value))):  # fmt: skip
        store(self, "index_put_", lambda old: _assigned(old, key, value))
        return
    parts = fn._index_key(key, self.data)  # a leaf outside the graph: written in place
    data = value.to(device=self.device).data if isinstance(value, _t.Tensor) else value
    try:
        self.data[parts] = data
    except ValueError as error:
        raise OpError(f"index_put_: {error}") from None
    mark_written(self)


def index_put_(self: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """``self[indices] = values`` (``indices`` a tuple of index tensors), or ``+=`` with
    ``accumulate``, where repeated indices add up."""
    key = tuple(indices)
    if not accumulate:
        return store(self, "index_put_", lambda old: _assigned(old, key, values))

    def compute(old):
        parts = fn._index_key(key, old.data)
        value = values if isinstance(values, _t.Tensor) else _t.Tensor._make(np.asarray(values))
        target = old.data[parts].shape
        return old + fn.index_put_zeros(value.to(old.dtype).expand(target), parts, old.shape)

    return store(self, "index_put_", compute)


def index_put(self: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """The copy that ``index_put_`` writes."""
    return index_put_(self.clone(), indices, values, accumulate)


def _requires_grad(value) -> bool:
    return isinstance(value, _t.Tensor) and value.requires_grad


def iadd(self: Tensor, other) -> Tensor:
    return add_(self, other)


def isub(self: Tensor, other) -> Tensor:
    return sub_(self, other)


def imul(self: Tensor, other) -> Tensor:
    return mul_(self, other)


def itruediv(self: Tensor, other) -> Tensor:
    return div_(self, other)


def ifloordiv(self: Tensor, other) -> Tensor:
    return div_(self, other, rounding_mode="floor")


def imod(self: Tensor, other) -> Tensor:
    return store(self, "remainder_", lambda old: api.remainder(old, other))


def ipow(self: Tensor, other) -> Tensor:
    return pow_(self, other)


def iand(self: Tensor, other) -> Tensor:
    return store(self, "bitwise_and_", lambda old: old & other)


def ior(self: Tensor, other) -> Tensor:
    return store(self, "bitwise_or_", lambda old: old | other)


def ixor(self: Tensor, other) -> Tensor:
    return store(self, "bitwise_xor_", lambda old: old ^ other)
