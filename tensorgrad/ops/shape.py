"""Shape primitives: reshape, permute, indexing and its scatter, concatenation, constant padding."""

from ..backends import array_module, backend_of, is_array
from .registry import defop, is_grad_enabled


def _reshape_forward(x, *, shape):
    return x.reshape(shape)


def _reshape_vjp(grad, out, x, *, shape):
    """d reshape(x)/dx = 1, reshaped back"""
    return grad.reshape(x.shape)


def _permute_forward(x, *, dims):
    return x.transpose(dims)


def _permute_vjp(grad, out, x, *, dims):
    """d permute(x)/dx = 1, permuted back by the inverse permutation"""
    return PERMUTE(grad, dims=tuple(sorted(range(len(dims)), key=dims.__getitem__)))


def is_basic_index(key: tuple) -> bool:
    """True when ``key`` holds only ints, slices, None and Ellipsis (a view, no repeats)."""
    return not any(is_array(k) for k in key)


def _index_forward(x, *, key):
    return x[key]


class IndexedGrad:
    """Indexing's gradient on the fast path: zeros of ``shape`` but ``values`` at ``key``. The
    engine adds it in place into the input's summed gradient (``add_to``) rather than summing a
    zero-filled array per slice: reading a tensor through T slices (``x[t]`` for every step of
    a sequence, ``unbind``) costs one buffer, not T of them."""

    __slots__ = ("values", "key", "shape")

    def __init__(self, values, key: tuple, shape: tuple) -> None:
        self.values, self.key, self.shape = values, key, shape

    def add_to(self, out) -> None:
        """``out[key] += values``, repeated indices accumulating."""
        if is_basic_index(self.key):
            out[self.key] += self.values
        else:
            backend_of(out).scatter_add(out, self.key, self.values)

    def dense(self):
        return _index_put_zeros_forward(self.values, key=self.key, shape=self.shape)


def _index_vjp(grad, out, x, *, key):
    """d x[key]/dx = 1 at the selected positions, summed where an index repeats"""
    if is_grad_enabled():
        return INDEX_PUT_ZEROS(grad, key=key, shape=x.shape)
    return IndexedGrad(grad.data, key, x.shape)


def _index_put_zeros_forward(src, *, key, shape):
    backend = backend_of(src)
    out = backend.xp.zeros(shape, dtype=src.dtype)
    if is_basic_index(key):
        out[key] = src
    else:
        backend.scatter_add(out, key, src)  # repeated indices accumulate
    return out


def _index_put_zeros_vjp(grad, out, src, *, key, shape):
    """d put(src)/dsrc = 1 read back at the same positions"""
    return INDEX(grad, key=key)


def _cat_forward(*xs, dim):
    return array_module(xs[0]).concatenate(xs, axis=dim)


def _cat_vjp(grad, out, *xs, dim, index):
    """d cat(xs)/dx_i = 1 on x_i's slice of the output"""
    start = sum(x.shape[dim] for x in xs[:index])
    key = (slice(None),) * dim + (slice(start, start + xs[index].shape[dim]),)
    return INDEX(grad, key=key)


def _pad_forward(x, *, widths, value):
    return array_module(x).pad(x, widths, mode="constant", constant_values=value)


def _pad_vjp(grad, out, x, *, widths, value):
    """d pad(x)/dx = 1 on the unpadded region"""
    return INDEX(grad, key=tuple(slice(a, a + n) for (a, _), n in zip(widths, x.shape)))


RESHAPE = defop("reshape", _reshape_forward, (_reshape_vjp,))
PERMUTE = defop("permute", _permute_forward, (_permute_vjp,))
INDEX = defop("index", _index_forward, (_index_vjp,))
INDEX_PUT_ZEROS = defop("index_put_zeros", _index_put_zeros_forward, (_index_put_zeros_vjp,))
CAT = defop("cat", _cat_forward, _cat_vjp)
PAD = defop("pad", _pad_forward, (_pad_vjp,))
