"""Products and scans along one dim: prod, cumprod, cummax/cummin (with their indices),
logcumsumexp.

cummax and logcumsumexp are log-step scans over shifted slices (``_scan``): only elementwise
functions of the inputs' array module, so every device runs them. prod's gradient is the
product of the elements before each one times those after it (two exclusive cumprods: exact
with zeros, no division). The gradients of cumprod and logcumsumexp have two forms (the
registry's fast path): on plain arrays, PyTorch's O(n) rules (cumprod's handles the first
zero of each slice apart, logcumsumexp's works in log space); recorded (``create_graph``),
a ``(..., n, n)`` array over pairs of positions (``j <= i``), exact where products have zeros
and stable where ``exp`` would overflow, at ``n`` times the memory of the input.
cummax's gradient goes to the positions its indices name."""

from ..backends import array_module, backend_of
from .registry import defop, is_grad_enabled
from .shape import INDEX, INDEX_PUT_ZEROS, PAD


def _scan(combine, x, dim):
    """Inclusive scan of ``combine`` along ``dim`` in log2(n) steps (Hillis and Steele)."""
    out = x.copy()
    n, step = x.shape[dim], 1
    lead = (slice(None),) * dim
    while step < n:
        shifted = combine(out[lead + (slice(step, None),)], out[lead + (slice(None, n - step),)])
        out[lead + (slice(step, None),)] = shifted
        step *= 2
    return out


def _cumprod_forward(x, *, dim):
    return array_module(x).cumprod(x, axis=dim)


def _pair_shape(ndim, dim, n):
    """The shape of a (j, i) pair array: j along ``dim``, i along a new last axis."""
    return (n,) + (1,) * (ndim - dim - 1) + (n,)


def _upper(x, dim):
    """[j <= i] as a pair array (see ``_pair_shape``) for an array ``x`` of the input's shape."""
    xp = array_module(x)
    n = x.shape[dim]
    return xp.arange(n).reshape(_pair_shape(x.ndim, dim, n)[:-1] + (1,)) <= xp.arange(n)


def _last(t, dim):
    """Tensor ``t`` with its ``dim`` moved to a new last axis (size 1 left at ``dim``)."""
    return t.unsqueeze(-1).transpose(dim, -1)


def _reverse_cumsum(a, dim):
    """sum_{i >= j} a_i at each j along ``dim``."""
    xp = array_module(a)
    return xp.flip(xp.cumsum(xp.flip(a, dim), axis=dim), dim)


def _cumprod_vjp_arrays(g, out, x, dim):
    """cumprod's gradient in O(n) on plain arrays (PyTorch's rule): before the first zero of a
    slice, sum_{i >= j} g_i out_i / x_j; at that zero, sum_{i >= j} g_i times the running
    product that skips it; after it, 0."""
    xp = array_module(x)
    zeros_so_far = xp.cumsum(x == 0, axis=dim)
    before = zeros_so_far == 0
    first = (zeros_so_far == 1) & (x == 0)
    skipping = xp.cumprod(xp.where(first, 1, x), axis=dim)
    at_first = _reverse_cumsum(xp.where(before, 0, g * skipping), dim)
    ahead = _reverse_cumsum(g * out, dim) / xp.where(before, x, 1)
    return xp.where(before, ahead, xp.where(first, at_first, 0)).astype(x.dtype, copy=False)


def _cumprod_vjp(grad, out, x, *, dim):
    """d cumprod(x)_i/dx_j = prod_{k <= i, k != j} x_k for j <= i, else 0"""
    if not is_grad_enabled():
        return _cumprod_vjp_arrays(grad.data, out.data, x.data, dim)
    n = x.shape[dim]
    eye = array_module(x.data).eye(n, dtype=bool).reshape(_pair_shape(x.ndim, dim, n))
    # others[..., j, ..., k] = x_k, with x_j replaced by 1 (the k axis last)
    others = _last(x, dim).where(~eye, 1.0)
    partial = CUMPROD(others, dim=x.ndim)  # [..., j, ..., i] = prod_{k <= i, k != j} x_k
    return (partial * _last(grad, dim)).where(_upper(x.data, dim), 0.0).sum(-1)


def _prod_forward(x, *, dim, keepdim):
    return x.prod(axis=dim, keepdims=keepdim)


def _flip(t, dim):
    return INDEX(t, key=(slice(None),) * dim + (slice(None, None, -1),))


def _exclusive_cumprod(x, dim):
    """prod_{k < j} x_k at each j along ``dim`` (1 at the first), without dividing by x_j."""
    widths = tuple((1, 0) if axis == dim else (0, 0) for axis in range(x.ndim))
    head = INDEX(x, key=(slice(None),) * dim + (slice(None, -1),))
    return CUMPROD(PAD(head, widths=widths, value=1.0), dim=dim)


def _prod_vjp(grad, out, x, *, dim, keepdim):
    """d prod(x)/dx_j = prod_{k != j} x_k: the products before j times those after j"""
    if not keepdim:
        grad = grad.unsqueeze(dim)
    after = _flip(_exclusive_cumprod(_flip(x, dim), dim), dim)
    return grad * _exclusive_cumprod(x, dim) * after


def _cummax_forward(x, *, dim, largest):
    xp = array_module(x)
    values = _scan(xp.maximum if largest else xp.minimum, x, dim)
    n = x.shape[dim]
    position = xp.arange(n).reshape((n,) + (1,) * (x.ndim - dim - 1))
    # the last position up to i that reaches the running extreme (PyTorch's >= / <= rule;
    # a NaN is the extreme from where it appears)
    reached = (x == values) | (xp.isnan(x) if x.dtype.kind == "f" else False)
    candidates = xp.where(reached, position, 0)
    return values, _scan(xp.maximum, candidates, dim)


def _full_key(index, dim):
    """An advanced-index key that reads ``index`` along ``dim`` and each position elsewhere."""
    xp = array_module(index)
    key = []
    for axis, n in enumerate(index.shape):
        if axis == dim:
            key.append(index)
        else:
            key.append(xp.arange(n).reshape((n,) + (1,) * (index.ndim - axis - 1)))
    return tuple(key)


def _cummax_vjp(grad, out, x, index, *, dim, largest):
    """d cummax(x)_i/dx_j = 1 where j is the index of the running maximum at i, summed"""
    return INDEX_PUT_ZEROS(grad, key=_full_key(index, dim), shape=x.shape)


def _logcumsumexp_forward(x, *, dim):
    xp = array_module(x)
    return _scan(xp.logaddexp, x, dim)


def _logcumsumexp_vjp_arrays(g, out, x, dim):
    """logcumsumexp's gradient in O(n log n) on plain arrays, in log space: the positive and
    negative parts of g each give exp(x_j + log sum_{i >= j} |g_i| exp(-out_i))."""
    backend = backend_of(x)
    xp = backend.xp

    def share(part):  # exp(x_j + log sum_{i >= j} part_i exp(-out_i))
        logs = xp.flip(_scan(xp.logaddexp, xp.flip(xp.log(part) - out, dim), dim), dim)
        return xp.exp(x + logs)

    with backend.errstate(divide="ignore", invalid="ignore"):  # log(0) = -inf: no share
        return share(xp.maximum(g, 0)) - share(xp.maximum(-g, 0))


def _logcumsumexp_vjp(grad, out, x, *, dim):
    """d logcumsumexp(x)_i/dx_j = exp(x_j - out_i) for j <= i, else 0"""
    if not is_grad_enabled():
        return _logcumsumexp_vjp_arrays(grad.data, out.data, x.data, dim)
    exponent = (x.unsqueeze(-1) - _last(out, dim)).where(_upper(x.data, dim), -float("inf"))
    return (exponent.exp() * _last(grad, dim)).sum(-1)


PROD = defop("prod", _prod_forward, (_prod_vjp,))
CUMPROD = defop("cumprod", _cumprod_forward, (_cumprod_vjp,), save_out=True)
CUMMAX = defop("cummax", _cummax_forward, (_cummax_vjp,), residual=True)
LOGCUMSUMEXP = defop("logcumsumexp", _logcumsumexp_forward, (_logcumsumexp_vjp,), save_out=True)
