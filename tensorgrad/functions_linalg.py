"""PyTorch's named products: mm, mv, dot, inner, the fused addmm/addmv/baddbmm/addbmm,
tensordot, kron, cross, trace, cdist. Compositions of matmul, einsum, reshapes and
reductions, so their gradients come from those primitives' VJPs.

As PyTorch, mm, mv, dot and bmm's relatives take operands of one dtype (matmul and ``@``
promote).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import functions as fn
from .errors import OpError
from .functions_math import einsum

if TYPE_CHECKING:
    from .tensor import Tensor


def _same_dtype(a: Tensor, b: Tensor, name: str) -> None:
    if a.dtype != b.dtype:
        raise OpError(
            f"{name}: expected both operands to have the same dtype, but got: {a.dtype} != "
            f"{b.dtype}"
        )


def _dims(t: Tensor, ndim: int, name: str, what: str) -> None:
    if t.ndim != ndim:
        kind = {1: "a vector", 2: "a matrix", 3: "a 3D tensor"}[ndim]
        raise OpError(f"{name}: {what} must be {kind}, got shape {tuple(t.shape)}")


def mm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002 (PyTorch's names)
    """The product of an (n, m) and an (m, p) matrix."""
    _dims(input, 2, "mm", "self")
    _dims(mat2, 2, "mm", "mat2")
    if input.shape[1] != mat2.shape[0]:
        raise OpError(
            f"mat1 and mat2 shapes cannot be multiplied ({input.shape[0]}x{input.shape[1]} and "
            f"{mat2.shape[0]}x{mat2.shape[1]})"
        )
    _same_dtype(input, mat2, "mm")
    return fn.matmul(input, mat2)


def mv(input: Tensor, vec: Tensor) -> Tensor:  # noqa: A002
    """The product of an (n, m) matrix and an m-vector."""
    _dims(input, 2, "mv", "self")
    _dims(vec, 1, "mv", "vec")
    if input.shape[1] != vec.shape[0]:
        raise OpError(
            f"size mismatch, got input ({input.shape[0]}), mat ({input.shape[0]}x"
            f"{input.shape[1]}), vec ({vec.shape[0]})"
        )
    _same_dtype(input, vec, "mv")
    return fn.matmul(input, vec)


def dot(input: Tensor, tensor: Tensor) -> Tensor:  # noqa: A002
    """The inner product of two vectors of one size and dtype."""
    _dims(input, 1, "dot", "1st argument")
    _dims(tensor, 1, "dot", "2nd argument")
    if input.shape != tensor.shape:
        raise OpError(
            f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
            f"[{tensor.shape[0]}] to have the same number of elements, but got "
            f"{input.shape[0]} and {tensor.shape[0]} elements respectively"
        )
    _same_dtype(input, tensor, "dot")
    return (input * tensor).sum()


vdot = dot  # the same for real tensors


def inner(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The sum over the last dims of both (a product by a number for a 0-d operand)."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise OpError(
            f"inner() the last dimension must match on both input tensors but got shapes "
            f"{list(input.shape)} and {list(other.shape)}"
        )
    return tensordot(input, other, dims=([-1], [-1]))


def _scaled_sum(input: Tensor, product: Tensor, beta, alpha) -> Tensor:  # noqa: A002
    """``beta * input + alpha * product``; ``beta = 0`` ignores input (NaN included)."""
    scaled = product if alpha == 1 else product * alpha
    if beta == 0:
        return scaled
    return (input if beta == 1 else input * beta) + scaled


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    """``beta * input + alpha * (mat1 @ mat2)``; ``input`` broadcasts to the product's shape."""
    product = mm(mat1, mat2)
    _check_broadcast(input, product.shape, "addmm")
    return _scaled_sum(input, product, beta, alpha)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    product = mv(mat, vec)
    _check_broadcast(input, product.shape, "addmv")
    return _scaled_sum(input, product, beta, alpha)


def _bmm(batch1: Tensor, batch2: Tensor, name: str) -> Tensor:
    _dims(batch1, 3, name, "batch1")
    _dims(batch2, 3, name, "batch2")
    if batch1.shape[0] != batch2.shape[0] or batch1.shape[2] != batch2.shape[1]:
        raise OpError(
            f"{name}: shapes {tuple(batch1.shape)} and {tuple(batch2.shape)} do not fit "
            "(expected (b, n, m) and (b, m, p))"
        )
    _same_dtype(batch1, batch2, name)
    return fn.matmul(batch1, batch2)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    """``beta * input + alpha * bmm(batch1, batch2)``."""
    product = _bmm(batch1, batch2, "baddbmm")
    _check_broadcast(input, product.shape, "baddbmm")
    return _scaled_sum(input, product, beta, alpha)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    """``beta * input + alpha * sum_b batch1[b] @ batch2[b]``."""
    product = _bmm(batch1, batch2, "addbmm").sum(0)
    _check_broadcast(input, product.shape, "addbmm")
    return _scaled_sum(input, product, beta, alpha)


def _check_broadcast(input: Tensor, shape: tuple, name: str) -> None:  # noqa: A002
    try:
        if np.broadcast_shapes(input.shape, shape) == tuple(shape):
            return
    except ValueError:
        pass
    raise OpError(
        f"{name}: the input of shape {tuple(input.shape)} does not broadcast to the product's "
        f"shape {tuple(shape)}"
    )


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def tensordot(a: Tensor, b: Tensor, dims=2) -> Tensor:
    """The sum over the last ``dims`` dims of ``a`` and the first of ``b`` (an int), or over
    the listed pairs (``dims=([1, 0], [0, 1])``)."""
    if isinstance(dims, int | np.integer):
        if dims < 0:
            raise OpError(f"tensordot expects dims >= 0, but got dims={dims}")
        left = list(range(a.ndim - int(dims), a.ndim))
        right = list(range(int(dims)))
    else:
        left, right = ([d] if isinstance(d, int | np.integer) else list(d) for d in dims)
        left = [d % a.ndim for d in left]
        right = [d % b.ndim for d in right]
    if len(left) != len(right):
        raise OpError("both dimension lists should have same length")
    for i, j in zip(left, right):
        if a.shape[i] != b.shape[j]:
            raise OpError(
                f"contracted dimensions need to match, but first has size {a.shape[i]} in dim "
                f"{i} and second has size {b.shape[j]} in dim {j}"
            )
    _same_dtype(a, b, "tensordot")
    sub_a = list(_LETTERS[: a.ndim])
    sub_b = list(_LETTERS[a.ndim : a.ndim + b.ndim])
    for i, j in zip(left, right):
        sub_b[j] = sub_a[i]
    out = [c for k, c in enumerate(sub_a) if k not in left]
    out += [c for k, c in enumerate(sub_b) if k not in right]
    return einsum(f"{''.join(sub_a)},{''.join(sub_b)}->{''.join(out)}", a, b)


def kron(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The Kronecker product: blocks ``input[i, j] * other``."""
    ndim = max(input.ndim, other.ndim)
    a = input.reshape((1,) * (ndim - input.ndim) + input.shape)
    b = other.reshape((1,) * (ndim - other.ndim) + other.shape)
    interleaved_a = tuple(v for n in a.shape for v in (n, 1))
    interleaved_b = tuple(v for n in b.shape for v in (1, n))
    product = a.reshape(interleaved_a) * b.reshape(interleaved_b)
    return product.reshape(tuple(m * n for m, n in zip(a.shape, b.shape)))


def cross(input: Tensor, other: Tensor, dim=None) -> Tensor:  # noqa: A002
    """The cross product of 3-vectors along ``dim`` (default: the first dim of size 3, as
    PyTorch's deprecated default; ``torch.linalg.cross`` uses -1)."""
    shape = np.broadcast_shapes(input.shape, other.shape)
    a, b = input.expand(shape), other.expand(shape)
    if dim is None:
        dim = next((d for d, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise OpError(f"no dimension of size 3 in input of shape {list(shape)}")
    axis = fn._one_dim(dim, len(shape), "cross")
    if shape[axis] != 3:
        raise OpError(
            f"linalg.cross: inputs dimension {axis} must have length 3. Got {input.shape[axis]} "
            f"and {other.shape[axis]}"
        )

    def part(t, i):
        return t.select(axis, i)

    x = part(a, 1) * part(b, 2) - part(a, 2) * part(b, 1)
    y = part(a, 2) * part(b, 0) - part(a, 0) * part(b, 2)
    z = part(a, 0) * part(b, 1) - part(a, 1) * part(b, 0)
    return fn.stack([x, y, z], axis)


def trace(input: Tensor) -> Tensor:  # noqa: A002
    """The sum of the main diagonal of a matrix."""
    if input.ndim != 2:
        raise OpError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return input.diagonal().sum()


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode=None) -> Tensor:
    """The p-norm distances between the rows of ``x1`` (..., P, M) and ``x2`` (..., R, M)."""
    if x1.ndim < 2 or x2.ndim < 2:
        raise OpError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise OpError(
            f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: "
            f"{x2.shape[-1]}"
        )
    if p < 0:
        raise OpError(f"cdist only supports non-negative p values, got {p}")
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    if p == 0:
        return (diff != 0).to(x1.dtype).sum(-1)
    return diff.norm(p=p, dim=-1)
