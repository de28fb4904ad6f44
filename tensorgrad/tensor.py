"""Tensor: an array of one device, its gradient, and the graph node that produced it.

Every method a reader looks for is here: the attributes, autograd, devices and dtypes, the
operators, and (listed at the end of the class) the differentiable functions of
``tensorgrad.functions``, each of which is both ``tg.name(x)`` and ``x.name()``. Each op
application goes through ``Tensor._apply``, which runs the op's forward on the inputs' arrays
and records a graph node. Where tensorgrad differs from PyTorch the docstring says so.
"""

import numpy as np

from . import axis_alias as ax
from . import functions as fn  # functions reads this module's Tensor at call time
from . import functions_api as api
from . import functions_arith as arith  # issue 17, more: as functions, read Tensor at call time
from . import functions_index as fi  # issue 13: as functions, read Tensor at call time
from . import functions_layout as lay
from . import functions_linalg as la
from . import functions_math as fm
from . import functions_reduce_more as rm
from . import functions_scans as scans
from . import functions_select as sel
from . import functions_shape as fs
from . import inplace as ip
from . import tensor_new as new
from .autograd.anomaly import _ANOMALY, check_finite, user_frame
from .autograd.graph import Node
from .backends import as_device, backend_for, backend_of, is_array, on_device
from .dtypes import check_float
from .errors import OpError
from .operands import coerce_pair, on_one_device, parse_to_args
from .ops import device as device_ops
from .ops import elementwise as ew
from .ops.registry import GRAD_ENABLED

_PRINT_OPTIONS = {"precision": 4, "separator": ", ", "threshold": 1000, "edgeitems": 3}


def _forward(op, inputs: tuple, params: dict):
    try:
        return op.forward(*[t.data for t in inputs], **params)
    except (ValueError, IndexError, TypeError) as error:
        shapes = " and ".join(str(t.shape) for t in inputs)
        kind = OpError if type(error) is ValueError else type(error)  # RuntimeError too, as PyTorch
        raise kind(f"{op.name}: cannot apply to inputs of shape {shapes}: {error}") from None


class Tensor:
    """An n-dimensional array that records the operations applied to it.

    ``data`` is the underlying array: a ``numpy.ndarray`` on the CPU, the device's array
    elsewhere (in PyTorch ``.data`` is a Tensor). Operators, broadcasting and dtype promotion
    follow PyTorch; a Python scalar takes the tensor's dtype.
    """

    __slots__ = ("data", "requires_grad", "grad", "_node", "_hooks", "__weakref__")
    __array_ufunc__ = None  # ndarray (op) Tensor defers to the Tensor's reflected operator

    def __init__(self, data, requires_grad: bool = False):
        from .creation import tensor

        t = tensor(data, requires_grad=requires_grad)
        self.data, self.requires_grad, self.grad = t.data, t.requires_grad, None
        self._node = self._hooks = None

    @classmethod
    def _make(cls, data, requires_grad: bool = False, node=None) -> "Tensor":
        """A tensor around an array (kept, not copied) or a scalar (made a 0-d CPU array)."""
        t = object.__new__(cls)
        t.data = data if isinstance(data, np.ndarray) or is_array(data) else np.asarray(data)
        t.requires_grad = requires_grad
        t.grad = t._node = t._hooks = None
        if node is not None:
            t._node = node
        return t

    @classmethod
    def _apply(cls, op, inputs: tuple, params: dict) -> tuple:
        """Run ``op`` on the inputs' arrays; record a Node when grad is on and an input needs
        it. Returns ``(output tensor, residual)`` (the residual is None unless the op has one)."""
        kind = type(inputs[0].data)
        for t in inputs:
            if type(t.data) is not kind:
                inputs = on_one_device(op.name, inputs)
                break
        anomaly = _ANOMALY.get()
        if anomaly:
            with backend_of(inputs[0].data).errstate(all="ignore"):  # the check below names it
                out = _forward(op, inputs, params)
        else:
            out = _forward(op, inputs, params)
        residual = None
        if op.residual:
            out, residual = out
        if anomaly:
            check_finite(out, "forward output", op.name, user_frame())
        result = cls._make(out)
        if GRAD_ENABLED.get() and any(t.requires_grad for t in inputs):
            result.requires_grad = True
            saved = out if op.save_out else None
            where = user_frame() if anomaly else None
            result._node = Node(op, inputs, saved, residual, params, where)
        return result, residual

    # -- attributes -------------------------------------------------------------------------
    shape = property(lambda self: self.data.shape, doc="The sizes of the dims, a tuple.")
    dtype = property(lambda self: self.data.dtype, doc="The numpy dtype of the elements.")
    ndim = property(lambda self: self.data.ndim, doc="The number of dims.")
    grad_fn = property(lambda self: self._node, doc="The Node that made this tensor, or None.")
    is_leaf = property(lambda self: self._node is None, doc="True unless an op recorded it.")

    @property
    def device(self):
        """The ``tg.device`` the data lives on."""
        return backend_of(self.data).device_of(self.data)

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    def size(self, dim: int | None = None):
        return self.data.shape if dim is None else self.data.shape[dim]

    def numel(self) -> int:
        return int(self.data.size)

    def dim(self) -> int:
        return self.data.ndim

    def numpy(self) -> np.ndarray:
        """The data as an ndarray (shared, not copied); refuses a tensor that requires grad
        and, as PyTorch, a tensor that is not on the CPU (``.cpu()`` copies it over)."""
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on a Tensor that requires grad; use detach()")
        if not isinstance(self.data, np.ndarray):
            raise TypeError(
                f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to "
                "copy the tensor to host memory first."
            )
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
        data = self.numpy() if not isinstance(self.data, np.ndarray) else self.data
        return data if dtype is None else data.astype(dtype)

    __hash__ = object.__hash__  # == is elementwise, identity stays the hash

    def __repr__(self) -> str:
        host = backend_of(self.data).to_host(self.data)
        body = np.array2string(host, prefix="tensor(", **_PRINT_OPTIONS)
        extra = "" if isinstance(self.data, np.ndarray) else f", device='{self.device}'"
        extra += f", dtype={self.dtype}"
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

    # -- devices and dtypes ---------------------------------------------------------------------
    def to(self, *args, **kwargs) -> "Tensor":
        """``to(dtype)``, ``to(device, dtype=None)``, ``to(other)`` (its device and dtype), or
        the keywords ``device=``, ``dtype=``, ``copy=``; ``non_blocking`` is accepted and
        ignored. Returns ``self`` when nothing changes (unless ``copy=True``), as PyTorch."""
        where, dtype, copy = parse_to_args(args, kwargs)
        out = self
        if where is not None:
            where = as_device(where)
            backend_for(where)  # a clear error when the device cannot be had
            if not on_device(self.device, where):
                out = device_ops.TO_DEVICE(out, device=where)
        if dtype is not None and dtype != out.dtype:
            out = ew.TO(out, dtype=dtype)
        if copy and out is self:
            out = ew.TO(self, dtype=self.dtype)
        return out

    def cpu(self) -> "Tensor":
        """This tensor on the CPU (itself when it is there)."""
        return self.to("cpu")

    def cuda(self, device=None) -> "Tensor":
        """This tensor on a GPU (``device``: an index or ``cuda:N``; default the current one)."""
        return self.to("cuda" if device is None else as_device(device))

    def float(self) -> "Tensor":
        return self.to(np.float32)

    def double(self) -> "Tensor":
        return self.to(np.float64)

    def long(self) -> "Tensor":
        return self.to(np.int64)

    def half(self) -> "Tensor":
        return self.to(np.float16)

    def bfloat16(self) -> "Tensor":
        """Not available: NumPy has no bfloat16 (use ``half()`` for 16-bit floats)."""
        raise TypeError(
            "bfloat16() is not supported: NumPy has no bfloat16 dtype; tensorgrad has float16 "
            "(half()), float32 and float64"
        )

    def short(self) -> "Tensor":
        return self.to(np.int16)

    def char(self) -> "Tensor":
        return self.to(np.int8)

    def byte(self) -> "Tensor":
        return self.to(np.uint8)

    def bool(self) -> "Tensor":
        return self.to(np.bool_)

    def is_floating_point(self) -> bool:
        return self.dtype.kind == "f"

    # -- arithmetic ---------------------------------------------------------------------------
    def __add__(self, other):
        return ew.ADD(*coerce_pair(self, other))

    def __radd__(self, other):
        return ew.ADD(*coerce_pair(self, other, reflected=True))

    def __sub__(self, other):
        return ew.SUB(*coerce_pair(self, other))

    def __rsub__(self, other):
        return ew.SUB(*coerce_pair(self, other, reflected=True))

    def __mul__(self, other):
        return ew.MUL(*coerce_pair(self, other))

    def __rmul__(self, other):
        return ew.MUL(*coerce_pair(self, other, reflected=True))

    def __truediv__(self, other):
        return ew.DIV(*coerce_pair(self, other, true_divide=True))

    def __rtruediv__(self, other):
        return ew.DIV(*coerce_pair(self, other, reflected=True, true_divide=True))

    def __pow__(self, exponent):
        if isinstance(exponent, int | float) and not isinstance(exponent, bool):
            return ew.POW_SCALAR(self, exponent=exponent)
        return ew.POW(*coerce_pair(self, exponent))

    def __rpow__(self, base):
        if isinstance(base, int | float) and not isinstance(base, bool):
            if base <= 0:
                return ew.POW(*coerce_pair(self, base, reflected=True))
            x = self if self.is_floating_point() else self.float()
            return ew.RPOW_SCALAR(x, base=float(base))
        return ew.POW(*coerce_pair(self, base, reflected=True))

    def __neg__(self):
        return ew.NEG(self)

    def __pos__(self):
        return self

    def __matmul__(self, other):
        return fn.matmul(self, other)

    def __rmatmul__(self, other):
        return fn.matmul(coerce_pair(self, other, reflected=True)[0], self)

    def _compare(self, other, name: str):
        a, b = coerce_pair(self, other)
        if type(a.data) is not type(b.data):
            a, b = on_one_device(name, (a, b))
        return Tensor._make(getattr(backend_of(a.data).xp, name)(a.data, b.data))

    def __eq__(self, other):
        return self._compare(other, "equal")

    def __ne__(self, other):
        return self._compare(other, "not_equal")

    def __lt__(self, other):
        return self._compare(other, "less")

    def __le__(self, other):
        return self._compare(other, "less_equal")

    def __gt__(self, other):
        return self._compare(other, "greater")

    def __ge__(self, other):
        return self._compare(other, "greater_equal")

    # -- bitwise (logical on bool tensors), integer and bool dtypes only, as PyTorch -----------
    def _bitwise(self, other, name: str, reflected: bool = False):
        a, b = coerce_pair(self, other, reflected=reflected)
        for t in (a, b):
            if t.dtype.kind not in "biu":
                raise OpError(f"{name}: needs integer or bool tensors, got {a.dtype} and {b.dtype}")
        return a._compare(b, name)

    def __invert__(self):
        if self.dtype.kind not in "biu":
            raise OpError(f"bitwise_not: needs an integer or bool tensor, got {self.dtype}")
        return Tensor._make(~self.data)

    def __and__(self, other):
        return self._bitwise(other, "bitwise_and")

    def __rand__(self, other):
        return self._bitwise(other, "bitwise_and", reflected=True)

    def __or__(self, other):
        return self._bitwise(other, "bitwise_or")

    def __ror__(self, other):
        return self._bitwise(other, "bitwise_or", reflected=True)

    def __xor__(self, other):
        return self._bitwise(other, "bitwise_xor")

    def __rxor__(self, other):
        return self._bitwise(other, "bitwise_xor", reflected=True)

    def __lshift__(self, other):
        return self._bitwise(other, "left_shift")

    def __rlshift__(self, other):
        return self._bitwise(other, "left_shift", reflected=True)

    def __rshift__(self, other):
        return self._bitwise(other, "right_shift")

    def __rrshift__(self, other):
        return self._bitwise(other, "right_shift", reflected=True)

    __abs__ = fn.abs
    __getitem__ = fn.getitem

    # -- the differentiable functions as methods (``tensorgrad.functions``) ----------------------
    exp, log, sqrt, abs, tanh, sigmoid, relu, neg = (
        fn.exp, fn.log, fn.sqrt, fn.abs, fn.tanh, fn.sigmoid, fn.relu, fn.neg,
    )  # fmt: skip
    clamp = clip = fn.clamp
    maximum, minimum, where = fn.maximum, fn.minimum, fn._tensor_where
    sum, mean, var, std, logsumexp = fn.sum, fn.mean, fn.var, fn.std, fn.logsumexp
    max, min, argmax, argmin = fn.max, fn.min, fn.argmax, fn.argmin
    log_softmax, softmax = fn.log_softmax, fn.softmax
    reshape, view, flatten, unsqueeze, squeeze = (
        fn.reshape, fn.view, fn.flatten, fn.unsqueeze, fn.squeeze,
    )  # fmt: skip
    permute, transpose, expand, expand_as = fn.permute, fn.transpose, fn.expand, fn.expand_as
    sum_to, take_along, scatter_along, index_put_zeros = (
        fn.sum_to, fn.take_along, fn.scatter_along, fn.index_put_zeros,
    )  # fmt: skip
    T = property(fn._reversed_dims, doc="All dims reversed.")
    mT = property(fn._matrix_transpose, doc="The last two dims swapped.")
    # -- issue 13 --
    sin, cos, erf, cumsum, norm, bmm, outer = (
        fm.sin, fm.cos, fm.erf, fm.cumsum, fm.norm, fm.bmm, fm.outer,
    )  # fmt: skip
    gather, scatter_add, index_select, masked_fill = (
        fi.gather, fi.scatter_add, fi.index_select, fi.masked_fill,
    )  # fmt: skip
    tril, triu, topk, sort = fi.tril, fi.triu, fi.topk, fi.sort
    split, chunk, repeat, flip, roll = fs.split, fs.chunk, fs.repeat, fs.flip, fs.roll
    unbind = fs.unbind
    # -- issue 17: the everyday API (``tensorgrad.functions_api``, ``functions_scans``) --
    eq, ne, lt, le, gt, ge = api.eq, api.ne, api.lt, api.le, api.gt, api.ge
    isnan, isinf, isfinite, isclose, allclose = (
        api.isnan, api.isinf, api.isfinite, api.isclose, api.allclose,
    )  # fmt: skip
    all, any, nonzero = api.all, api.any, api.nonzero
    view_as, type_as, type, int, matmul = api.view_as, api.type_as, api.type, api.int, fn.matmul
    round, floor, ceil, trunc, sign = api.round, api.floor, api.ceil, api.trunc, api.sign
    div, floor_divide, remainder, fmod = api.div, api.floor_divide, api.remainder, api.fmod
    __floordiv__, __rfloordiv__ = api.floor_divide, api._rfloordiv
    __mod__, __rmod__ = api.remainder, api._rremainder
    log2, log10, exp2 = api.log2, api.log10, api.exp2
    prod, cumprod, cummax, cummin, logcumsumexp = (
        scans.prod, scans.cumprod, scans.cummax, scans.cummin, scans.logcumsumexp,
    )  # fmt: skip
    diag, diagonal = scans.diag, scans.diagonal
    # the reductions again, taking PyTorch's alias axis= for dim= (``tensorgrad.axis_alias``)
    sum, mean, var, std, logsumexp = ax.sum, ax.mean, ax.var, ax.std, ax.logsumexp
    max, min, argmax, argmin = ax.max, ax.min, ax.argmax, ax.argmin
    # -- issue 13 layers (1) --
    unflatten = fs.unflatten
    # -- issue 17, more of the everyday API: ``functions_arith``, ``_layout``, ``_linalg``,
    # ``_reduce_more``, ``_select``; in-place ops (``tensorgrad.inplace``); ``tensor_new`` --
    add, sub, subtract, mul, multiply, true_divide, divide, pow = (
        arith.add, arith.sub, arith.sub, arith.mul, arith.mul, arith.true_divide, api.div,
        arith.pow,
    )  # fmt: skip
    square, rsqrt, reciprocal, log1p, expm1 = (
        arith.square, arith.rsqrt, arith.reciprocal, arith.log1p, arith.expm1,
    )  # fmt: skip
    clamp = clip = arith.clamp
    clamp_min, clamp_max = arith.clamp_min, arith.clamp_max
    asin, acos, atan, tan, sinh, cosh, asinh, acosh, atanh = (
        arith.asin, arith.acos, arith.atan, arith.tan, arith.sinh, arith.cosh, arith.asinh,
        arith.acosh, arith.atanh,
    )  # fmt: skip
    arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh
    atan2 = arctan2 = arith.atan2
    hypot, lerp, addcmul, addcdiv = arith.hypot, arith.lerp, arith.addcmul, arith.addcdiv
    deg2rad, rad2deg, erfinv = arith.deg2rad, arith.rad2deg, arith.erfinv
    logical_and, logical_or, logical_xor, logical_not = (
        arith.logical_and, arith.logical_or, arith.logical_xor, arith.logical_not,
    )  # fmt: skip
    fmax, fmin, nan_to_num, frac = arith.fmax, arith.fmin, arith.nan_to_num, arith.frac
    sgn, signbit, logit, nansum, nanmean = (
        arith.sgn, arith.signbit, arith.logit, arith.nansum, arith.nanmean,
    )  # fmt: skip
    absolute, negative = fn.abs, fn.neg
    clone, contiguous, is_contiguous, t = lay.clone, lay.contiguous, lay.is_contiguous, lay.t
    swapaxes, swapdims, movedim, moveaxis = lay.swapaxes, lay.swapdims, lay.movedim, lay.movedim
    broadcast_to, reshape_as, narrow, select = (
        lay.broadcast_to, lay.reshape_as, lay.narrow, lay.select,
    )  # fmt: skip
    tile, repeat_interleave, ravel = lay.tile, lay.repeat_interleave, lay.ravel
    mm, mv, dot, vdot, inner = la.mm, la.mv, la.dot, la.vdot, la.inner
    addmm, addmv, baddbmm, addbmm = la.addmm, la.addmv, la.baddbmm, la.addbmm
    kron, cross, trace = la.kron, la.cross, la.trace
    amax, amin, aminmax, argsort, count_nonzero = (
        rm.amax, rm.amin, rm.aminmax, rm.argsort, rm.count_nonzero,
    )  # fmt: skip
    median, kthvalue, mode, diff = rm.median, rm.kthvalue, rm.mode, rm.diff
    unique, bincount, equal = rm.unique, rm.bincount, rm.equal
    masked_select, take, take_along_dim = sel.masked_select, sel.take, sel.take_along_dim
    index_add, index_copy, index_fill, scatter = (
        sel.index_add, sel.index_copy, sel.index_fill, sel.scatter,
    )  # fmt: skip
    new_zeros, new_ones, new_empty, new_full, new_tensor = (
        new.new_zeros, new.new_ones, new.new_empty, new.new_full, new.new_tensor,
    )  # fmt: skip
    # in place (``tensorgrad.inplace``)
    zero_, fill_, copy_, add_, sub_, mul_, div_, pow_ = (
        ip.zero_, ip.fill_, ip.copy_, ip.add_, ip.sub_, ip.mul_, ip.div_, ip.pow_,
    )  # fmt: skip
    subtract_, multiply_, divide_, true_divide_ = ip.sub_, ip.mul_, ip.div_, ip.div_
    clamp_ = clip_ = ip.clamp_
    clamp_min_, clamp_max_, lerp_, addcmul_, addcdiv_ = (
        ip.clamp_min_, ip.clamp_max_, ip.lerp_, ip.addcmul_, ip.addcdiv_,
    )  # fmt: skip
    masked_fill_, index_add_, index_copy_, index_fill_ = (
        ip.masked_fill_, ip.index_add_, ip.index_copy_, ip.index_fill_,
    )  # fmt: skip
    scatter_, scatter_add_, index_put_, index_put = (
        ip.scatter_, ip.scatter_add_, ip.index_put_, ip.index_put,
    )  # fmt: skip
    abs_, neg_, exp_, log_, sqrt_, square_, rsqrt_, reciprocal_ = (
        ip.abs_, ip.neg_, ip.exp_, ip.log_, ip.sqrt_, ip.square_, ip.rsqrt_, ip.reciprocal_,
    )  # fmt: skip
    sigmoid_, tanh_, relu_, floor_, ceil_, trunc_, round_, sign_ = (
        ip.sigmoid_, ip.tanh_, ip.relu_, ip.floor_, ip.ceil_, ip.trunc_, ip.round_, ip.sign_,
    )  # fmt: skip
    log1p_, expm1_, uniform_, normal_ = ip.log1p_, ip.expm1_, ip.uniform_, ip.normal_
    __setitem__ = ip.setitem
    __iadd__, __isub__, __imul__, __itruediv__, __ifloordiv__, __imod__, __ipow__ = (
        ip.iadd, ip.isub, ip.imul, ip.itruediv, ip.ifloordiv, ip.imod, ip.ipow,
    )  # fmt: skip
    __iand__, __ior__, __ixor__ = ip.iand, ip.ior, ip.ixor


class _HookHandle:
    def __init__(self, hooks: list, hook) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


matmul = fn.matmul
