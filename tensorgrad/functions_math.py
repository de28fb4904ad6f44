"""Math functions of issue 13: sin, cos, erf, cumsum, norm, einsum, bmm, outer (PyTorch's
signatures); each is ``tg.name(x, ...)`` and, where PyTorch has it, the method ``x.name(...)``."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from . import tensor as _t
from .functions import _one_dim, dims, matmul, sqrt, where
from .ops import einsum as einsum_ops
from .ops import math as math_ops

if TYPE_CHECKING:
    from .tensor import Tensor


def sin(input: Tensor) -> Tensor:  # noqa: A002 (PyTorch's name)
    return math_ops.SIN(input)


def cos(input: Tensor) -> Tensor:  # noqa: A002
    return math_ops.COS(input)


def erf(input: Tensor) -> Tensor:  # noqa: A002
    """The error function, 2/sqrt(pi) * integral of exp(-t^2) from 0 to x."""
    return math_ops.ERF(input)


def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:  # noqa: A002
    """Cumulative sum along ``dim``; ``dtype`` casts the input first (as PyTorch)."""
    x = input if dtype is None else input.to(dtype)
    if x.ndim == 0:
        return x
    return math_ops.CUMSUM(x, dim=_one_dim(dim, x.ndim, "cumsum"))


def _amax(a: Tensor, axes: tuple | None, keepdim: bool, largest: bool) -> Tensor:
    """max (or min) of ``a`` over several dims at once: those dims moved last and flattened."""
    if axes is None:
        axes = tuple(range(a.ndim))
    kept = tuple(d for d in range(a.ndim) if d not in axes)
    flat = a.permute(kept + axes).reshape(tuple(a.shape[d] for d in kept) + (-1,))
    out = flat.max(-1).values if largest else flat.min(-1).values
    if keepdim:
        out = out.reshape(tuple(1 if d in axes else n for d, n in enumerate(a.shape)))
    return out


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:  # noqa: A002
    """The vector p-norm over ``dim`` (all dims by default), as ``torch.norm``: ``p`` is a
    number (0, 1, 2, inf, -inf or any other) or ``'fro'`` (the 2-norm over at most 2 dims).

    The 2-norm's gradient at a zero vector is 0, as PyTorch. For ``p = inf`` the gradient goes
    to the first largest ``|x|`` where PyTorch splits it evenly between ties.
    """
    x = input if dtype is None else input.to(dtype)
    if x.dtype.kind != "f":
        raise TypeError(f"norm: needs a floating-point tensor, got {x.dtype}")
    axes = dims(dim, x.ndim, "norm")
    if isinstance(p, str):
        if p != "fro":
            raise ValueError(f"norm: p={p!r} is not supported (use 'fro' or a number)")
        if axes is not None and len(axes) > 2:
            raise ValueError(f"norm: 'fro' takes at most 2 dims, got dim={dim}")
        p = 2
    a = x.abs()
    if p == math.inf or p == -math.inf:
        if x.numel() == 0:
            raise RuntimeError("norm: the infinity norm of an empty tensor is undefined")
        return _amax(a, axes, keepdim, largest=p > 0)
    if p == 0:
        # the count of non-zeros, still a function of x (with gradient 0, as PyTorch)
        return where(x.data != 0, 1.0, x * 0.0).sum(axes, keepdim)
    if p == 1:
        return a.sum(axes, keepdim)
    if p == 2:
        squares = (x * x).sum(axes, keepdim)
        zero = squares.data == 0  # sqrt'(0) is infinite: give the zero vector a 0 gradient
        return where(zero, 0.0, sqrt(where(zero, 1.0, squares)))
    return (a**p).sum(axes, keepdim) ** (1.0 / p)


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _normalised_equation(equation: str, shapes: list[tuple]) -> tuple[list[str], str]:
    """Subscripts per operand and the output, with ``...`` spelled out as letters and the
    implicit output (``ij,jk``: the letters seen once, sorted) made explicit."""
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    inputs = lhs.split(",")
    if len(inputs) != len(shapes):
        raise ValueError(
            f"einsum: the equation {equation!r} names {len(inputs)} operands, got {len(shapes)}"
        )
    for part in inputs + [rhs]:
        bad = set(part.replace("...", "")) - set(_LETTERS)
        if bad or part.replace("...", "").count(".") or part.count("...") > 1:
            raise ValueError(f"einsum: invalid subscripts {part!r} in {equation!r}")
    free = iter(c for c in _LETTERS if c not in equation)
    ellipsis_dims = max(
        (len(s) - len(sub.replace("...", "")) for sub, s in zip(inputs, shapes) if "..." in sub),
        default=0,
    )
    spelled = "".join(next(free) for _ in range(ellipsis_dims))
    out_inputs = []
    for sub, shape in zip(inputs, shapes):
        named = len(sub.replace("...", ""))
        if "..." in sub:
            sub = sub.replace("...", spelled[ellipsis_dims - (len(shape) - named) :])
        if len(sub) != len(shape):
            raise ValueError(
                f"einsum: subscripts {sub!r} do not fit an operand of shape {shape} in {equation!r}"
            )
        out_inputs.append(sub)
    if arrow:
        output = rhs.replace("...", spelled)
        if len(set(output)) != len(output):
            raise ValueError(f"einsum: output subscripts {rhs!r} repeat a letter")
        unknown = set(output) - set("".join(out_inputs))
        if unknown:
            raise ValueError(
                f"einsum: output subscript {sorted(unknown)[0]!r} appears in no operand"
            )
    else:
        counts = "".join(s.replace("...", "") for s in inputs)
        output = spelled + "".join(sorted(c for c in set(counts) if counts.count(c) == 1))
    return out_inputs, output


def einsum(equation: str, *operands) -> Tensor:
    """Einstein summation, ``torch.einsum(equation, *operands)``: any subscripts (explicit
    ``->`` or implicit, ``...``, repeated letters for diagonals); dims of size 1 broadcast
    against the same letter. The gradient of each operand is again an einsum."""
    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum: needs at least one operand")
    for t in operands:
        if not isinstance(t, _t.Tensor):
            raise TypeError(f"einsum: operands must be Tensors, got {type(t).__name__}")
    subs, output = _normalised_equation(equation, [t.shape for t in operands])
    sizes: dict[str, int] = {}
    for sub, t in zip(subs, operands):
        for letter, n in zip(sub, t.shape):
            if sizes.get(letter, 1) != 1 and n not in (1, sizes[letter]):
                raise ValueError(
                    f"einsum: subscript {letter!r} has size {n} in an operand of shape "
                    f"{t.shape}, which does not broadcast with the size {sizes[letter]} seen "
                    "before"
                )
            if sizes.get(letter, 1) == 1:  # unseen or 1 so far: this size (0 included)
                sizes[letter] = n
    fitted = []
    for sub, t in zip(subs, operands):  # broadcast size-1 dims: einsum itself needs one size
        target = tuple(sizes[letter] for letter in sub)
        if target != t.shape:
            for letter in set(sub):  # a diagonal needs its copies equal before expanding
                copies = {n for c, n in zip(sub, t.shape) if c == letter}
                if len(copies) > 1:
                    raise ValueError(
                        f"einsum: the diagonal {letter!r} of an operand of shape {t.shape} has "
                        "unequal sizes"
                    )
            t = t.expand(target)
        fitted.append(t)
    dtypes = {t.dtype for t in fitted}
    if len(dtypes) > 1:
        raise TypeError(f"einsum: operands must have one dtype, got {sorted(map(str, dtypes))}")
    return einsum_ops.EINSUM(*fitted, equation=",".join(subs) + "->" + output, constants=())


def bmm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    """Batched matrix product of (b, n, m) and (b, m, p) tensors; no broadcasting (as PyTorch)."""
    if input.ndim != 3 or mat2.ndim != 3:
        raise ValueError(
            f"bmm: both operands must be 3-D, got shapes {input.shape} and {mat2.shape}"
        )
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise ValueError(
            f"bmm: shapes {input.shape} and {mat2.shape} do not fit (expected (b, n, m) and "
            f"(b, m, p))"
        )
    return matmul(input, mat2)


def outer(input: Tensor, vec2: Tensor) -> Tensor:  # noqa: A002
    """The outer product of two vectors: ``out[i, j] = input[i] * vec2[j]``."""
    if input.ndim != 1 or vec2.ndim != 1:
        raise ValueError(f"outer: needs two 1-D tensors, got shapes {input.shape} and {vec2.shape}")
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


__all__ = ["bmm", "cos", "cumsum", "einsum", "erf", "norm", "outer", "sin"]
