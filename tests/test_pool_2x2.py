"""The 2x2 max-pool kernels (LeNet's pools: branch-free forward and scatter) against plain loops."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import tensorgrad as tg
from tensorgrad.nn.conv_pool import max_pool2d


@st.composite
def two_by_two(draw):
    """Odd and even sizes, ties, NaN and +-inf, both dtypes and both ceil modes."""
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    h, w = draw(st.integers(2, 7)), draw(st.integers(2, 7))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = np.floor(rng.standard_normal((n, c, h, w)) * draw(st.sampled_from([1.0, 4.0])))
    specials = draw(st.lists(st.sampled_from([np.nan, np.inf, -np.inf]), max_size=3))
    for value in specials:
        x[tuple(rng.integers(0, s) for s in x.shape)] = value
    return x.astype(draw(st.sampled_from([np.float32, np.float64]))), draw(st.booleans())


def _reference(x, ceil_mode):
    """Plain loops: (max, flat argmax) per 2x2 window; the first maximum wins ties and the last
    NaN wins over everything (PyTorch's rule); a ceil-mode window over the edge sees only the
    inside."""
    n_, c_, h, w = x.shape
    oh, ow = (-(-h // 2), -(-w // 2)) if ceil_mode else (h // 2, w // 2)
    out, idx = np.zeros((n_, c_, oh, ow), x.dtype), np.zeros((n_, c_, oh, ow), np.int64)
    for n, c, y, xx in np.ndindex(out.shape):
        best, where = None, -1
        for iy in range(2 * y, min(2 * y + 2, h)):
            for ix in range(2 * xx, min(2 * xx + 2, w)):
                v = x[n, c, iy, ix]
                if best is None or v > best or np.isnan(v):
                    best, where = v, iy * w + ix
        out[n, c, y, xx], idx[n, c, y, xx] = best, where
    return out, idx


def _scatter(shape, idx, g):
    dx = np.zeros(shape, g.dtype)
    for n, c, y, xx in np.ndindex(g.shape):
        iy, ix = divmod(idx[n, c, y, xx], shape[3])
        dx[n, c, iy, ix] += g[n, c, y, xx]
    return dx


@given(two_by_two(), st.booleans())
def test_2x2_max_pool_matches_loops(case, relu):
    x, ceil_mode = case
    xt = tg.tensor(x, requires_grad=True)
    out, idx = max_pool2d(xt, 2, ceil_mode=ceil_mode, return_indices=True, relu=relu)
    expected, expected_idx = _reference(x, ceil_mode)
    if relu:
        expected = np.where(expected < 0, 0, expected)  # NaN stays NaN
    np.testing.assert_array_equal(out.data, expected)
    np.testing.assert_array_equal(idx.data, expected_idx)
    g = np.arange(1, out.numel() + 1, dtype=x.dtype).reshape(out.shape)
    out.backward(tg.tensor(g))
    if relu:
        g = np.where(expected <= 0, 0, g)  # a NaN passes (PyTorch's relu backward)
    np.testing.assert_array_equal(xt.grad.data, _scatter(x.shape, expected_idx, g))
