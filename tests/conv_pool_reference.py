"""Naive plain-loop references for the conv/pool kernels (slow, obviously right, tests only)."""

import numpy as np


def conv_out(size, k, s, lo, hi, d):
    return (size + lo + hi - d * (k - 1) - 1) // s + 1


def pool_out(size, k, s, p, d, ceil_mode):
    """PyTorch's pooling_output_shape, written out independently of the library's."""
    numerator = size + 2 * p - d * (k - 1) - 1
    if ceil_mode:
        out = int(np.ceil(numerator / s)) + 1
        if (out - 1) * s >= size + p:
            out -= 1
    else:
        out = numerator // s + 1
    return out


def _at(x, n, c, iy, ix):
    """x[n, c, iy, ix], or None outside the image."""
    if 0 <= iy < x.shape[2] and 0 <= ix < x.shape[3]:
        return x[n, c, iy, ix]
    return None


def conv2d(x, w, stride, pads, dilation, groups):
    n_, c_in, h, wd = x.shape
    c_out, cg, kh, kw = w.shape
    (sh, sw), (pt, pb, pl, pr), (dh, dw) = stride, pads, dilation
    oh, ow = conv_out(h, kh, sh, pt, pb, dh), conv_out(wd, kw, sw, pl, pr, dw)
    og = c_out // groups
    out = np.zeros((n_, c_out, oh, ow), dtype=np.float64)
    for n in range(n_):
        for co in range(c_out):
            g = co // og
            for y in range(oh):
                for xx in range(ow):
                    total = 0.0
                    for ci in range(cg):
                        for i in range(kh):
                            for j in range(kw):
                                v = _at(
                                    x, n, g * cg + ci, y * sh + i * dh - pt, xx * sw + j * dw - pl
                                )
                                if v is not None:
                                    total += v * w[co, ci, i, j]
                    out[n, co, y, xx] = total
    return out


def conv2d_grads(x, w, g, stride, pads, dilation, groups):
    """(d<conv2d(x, w), g>/dx, .../dw) by looping over every product term."""
    c_out, cg, kh, kw = w.shape
    (sh, sw), (pt, _, pl, _), (dh, dw) = stride, pads, dilation
    og = c_out // groups
    dx, dwt = np.zeros(x.shape), np.zeros(w.shape)
    for n in range(g.shape[0]):
        for co in range(c_out):
            grp = co // og
            for y in range(g.shape[2]):
                for xx in range(g.shape[3]):
                    for ci in range(cg):
                        for i in range(kh):
                            for j in range(kw):
                                iy, ix = y * sh + i * dh - pt, xx * sw + j * dw - pl
                                if _at(x, n, grp * cg + ci, iy, ix) is None:
                                    continue
                                dx[n, grp * cg + ci, iy, ix] += g[n, co, y, xx] * w[co, ci, i, j]
                                dwt[co, ci, i, j] += g[n, co, y, xx] * x[n, grp * cg + ci, iy, ix]
    return dx, dwt


def max_pool2d(x, kernel, stride, padding, dilation, ceil_mode):
    """(max values, flat argmax index in the plane); first maximum wins ties."""
    n_, c_, h, w = x.shape
    oh = pool_out(h, kernel[0], stride[0], padding[0], dilation[0], ceil_mode)
    ow = pool_out(w, kernel[1], stride[1], padding[1], dilation[1], ceil_mode)
    out = np.zeros((n_, c_, oh, ow))
    idx = np.zeros((n_, c_, oh, ow), dtype=np.int64)
    for n in range(n_):
        for c in range(c_):
            for y in range(oh):
                for xx in range(ow):
                    best, where = -np.inf, -1
                    for i in range(kernel[0]):
                        for j in range(kernel[1]):
                            iy = y * stride[0] - padding[0] + i * dilation[0]
                            ix = xx * stride[1] - padding[1] + j * dilation[1]
                            v = _at(x, n, c, iy, ix)
                            if v is not None and (where < 0 or v > best):
                                best, where = v, iy * w + ix
                    out[n, c, y, xx], idx[n, c, y, xx] = best, where
    return out, idx


def max_pool2d_grad(x_shape, idx, g):
    dx = np.zeros(x_shape)
    for n, c, y, xx in np.ndindex(g.shape):
        if idx[n, c, y, xx] < 0:  # a window wholly in the padding: no gradient
            continue
        iy, ix = divmod(idx[n, c, y, xx], x_shape[3])
        dx[n, c, iy, ix] += g[n, c, y, xx]
    return dx


def avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad):
    """(averages, the matrix-free adjoint as a function g -> dx)."""
    n_, c_, h, w = x.shape
    oh = pool_out(h, kernel[0], stride[0], padding[0], 1, ceil_mode)
    ow = pool_out(w, kernel[1], stride[1], padding[1], 1, ceil_mode)
    windows = {}
    for y in range(oh):
        for xx in range(ow):
            y0, x0 = y * stride[0] - padding[0], xx * stride[1] - padding[1]
            y1 = min(y0 + kernel[0], h + padding[0])
            x1 = min(x0 + kernel[1], w + padding[1])
            cells = [
                (iy, ix)
                for iy in range(max(y0, 0), min(y1, h))
                for ix in range(max(x0, 0), min(x1, w))
            ]
            count = (y1 - y0) * (x1 - x0) if count_include_pad else len(cells)
            windows[y, xx] = (cells, count)
    out = np.zeros((n_, c_, oh, ow))
    for n in range(n_):
        for c in range(c_):
            for (y, xx), (cells, count) in windows.items():
                out[n, c, y, xx] = sum(x[n, c, iy, ix] for iy, ix in cells) / count

    def adjoint(g):
        dx = np.zeros(x.shape)
        for n in range(n_):
            for c in range(c_):
                for (y, xx), (cells, count) in windows.items():
                    for iy, ix in cells:
                        dx[n, c, iy, ix] += g[n, c, y, xx] / count
        return dx

    return out, adjoint


# -- op-table rows: adapters (row signature: fn(*tensors, **params)) and tiny strategies -----
def _max_pool_positions(x, kernel, stride, padding, dilation, ceil_mode):
    """Window positions of the maxima, as the max_pool2d op saves them (for scatter/gather)."""
    from tensorgrad.ops.pool import _max_pool2d_forward

    oh = pool_out(x.shape[2], kernel[0], stride[0], padding[0], dilation[0], ceil_mode)
    ow = pool_out(x.shape[3], kernel[1], stride[1], padding[1], dilation[1], ceil_mode)
    params = dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation)
    return _max_pool2d_forward(x, **params, out_size=(oh, ow), relu=False)[1]


def _positions_to_flat(index, w, kernel, stride, padding, dilation):
    i, j = np.divmod(index.astype(np.int64), kernel[1])
    oy = np.arange(index.shape[2]).reshape(-1, 1)
    ox = np.arange(index.shape[3])
    return (oy * stride[0] - padding[0] + i * dilation[0]) * w + (
        ox * stride[1] - padding[1] + j * dilation[1]
    )


def tg_conv2d(x, w, b, **params):
    from tensorgrad.nn.conv_pool import conv2d

    return conv2d(x, w, b, **params)


def row_conv2d(x, w, b, stride, padding, dilation, groups):
    pads = (padding[0], padding[0], padding[1], padding[1])
    return conv2d(x, w, stride, pads, dilation, groups) + b.reshape(1, -1, 1, 1)


def tg_conv_input_grad(g, w, **params):
    from tensorgrad.ops.conv import CONV2D_INPUT_GRAD
    from tensorgrad.tensor import apply

    return apply(CONV2D_INPUT_GRAD, g, w, **params)


def row_conv_input_grad(g, w, input_shape, stride, padding, dilation, groups):
    return conv2d_grads(np.zeros(input_shape), w, g, stride, padding, dilation, groups)[0]


def tg_conv_weight_grad(x, g, **params):
    from tensorgrad.ops.conv import CONV2D_WEIGHT_GRAD
    from tensorgrad.tensor import apply

    return apply(CONV2D_WEIGHT_GRAD, x, g, **params)


def row_conv_weight_grad(x, g, weight_shape, stride, padding, dilation, groups):
    return conv2d_grads(x, np.zeros(weight_shape), g, stride, padding, dilation, groups)[1]


def tg_max_pool2d(x, **params):
    from tensorgrad.nn.conv_pool import max_pool2d

    return max_pool2d(x, **params)


def row_max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode, relu=False):
    out = max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode)[0]
    return np.maximum(out, 0) if relu else out


def tg_pool_op(name):
    def fn(x, **params):
        from tensorgrad.ops import REGISTRY
        from tensorgrad.tensor import apply

        return apply(REGISTRY[name], x, **params)

    fn.__name__ = name
    return fn


def row_max_pool2d_scatter(g, index, input_shape, kernel_size, stride, padding, dilation):
    flat = _positions_to_flat(index, input_shape[3], kernel_size, stride, padding, dilation)
    return max_pool2d_grad(input_shape, flat, g)


def row_max_pool2d_gather(src, index, input_shape, kernel_size, stride, padding, dilation):
    flat = _positions_to_flat(index, input_shape[3], kernel_size, stride, padding, dilation)
    planes = src.reshape(src.shape[0], src.shape[1], -1)
    n, c = np.indices(flat.shape[:2])
    return planes[n[..., None, None], c[..., None, None], flat]


def tg_avg_pool2d(x, **params):
    from tensorgrad.nn.conv_pool import avg_pool2d

    return avg_pool2d(x, **params)


def row_avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad):
    return avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad)[0]


def row_avg_pool2d_backward(g, input_shape, kernel_size, stride, padding, count_include_pad):
    x = np.zeros(input_shape)
    ceil = g.shape[2] != pool_out(input_shape[2], kernel_size[0], stride[0], padding[0], 1, False)
    ceil = ceil or g.shape[3] != pool_out(input_shape[3], kernel_size[1], stride[1], padding[1],
                                          1, False)  # fmt: skip
    return avg_pool2d(x, kernel_size, stride, padding, ceil, count_include_pad)[1](g)


def _strategies():
    from hypothesis import assume
    from hypothesis import strategies as st

    from tensorgrad.testing import arrays

    pairs = st.tuples(st.integers(1, 2), st.integers(1, 2))

    @st.composite
    def conv_geometry(draw):
        groups = draw(st.integers(1, 2))
        cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
        kernel, stride, dilation = draw(pairs), draw(pairs), draw(pairs)
        padding = (draw(st.integers(0, 1)), draw(st.integers(0, 1)))
        size = [
            draw(st.integers(max(d * (k - 1) + 1 - 2 * p, 1), 4))
            for k, d, p in zip(kernel, dilation, padding)
        ]
        x_shape = (draw(st.integers(1, 2)), groups * cg, *size)
        w_shape = (groups * og, cg, *kernel)
        out = [conv_out(n, k, s, p, p, d) for n, k, s, p, d in
               zip(size, kernel, stride, padding, dilation)]  # fmt: skip
        params = dict(stride=stride, dilation=dilation, groups=groups)
        return x_shape, w_shape, (x_shape[0], w_shape[0], *out), padding, params

    def conv_args(geometry):
        x_shape, w_shape, _, padding, params = geometry
        return st.tuples(arrays(x_shape), arrays(w_shape), arrays(w_shape[:1])).map(
            lambda a: (list(a), {**params, "padding": padding})
        )

    def input_grad_args(geometry):
        x_shape, w_shape, out_shape, padding, params = geometry
        pads = (padding[0], padding[0], padding[1], padding[1])
        return st.tuples(arrays(out_shape), arrays(w_shape)).map(
            lambda a: (list(a), {**params, "padding": pads, "input_shape": x_shape})
        )

    def weight_grad_args(geometry):
        x_shape, w_shape, out_shape, padding, params = geometry
        pads = (padding[0], padding[0], padding[1], padding[1])
        return st.tuples(arrays(x_shape), arrays(out_shape)).map(
            lambda a: (list(a), {**params, "padding": pads, "weight_shape": w_shape})
        )

    @st.composite
    def pool_geometry(draw, dilated=True):
        kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
        stride = draw(pairs)
        padding = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
        dilation = draw(pairs) if dilated else (1, 1)
        size = [
            draw(st.integers(max(d * (k - 1) + 1 - 2 * p, 1), 5))
            for k, d, p in zip(kernel, dilation, padding)
        ]
        shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), *size)
        ceil_mode = draw(st.booleans())
        ones = max_pool2d(np.ones(shape), kernel, stride, padding, dilation, ceil_mode)[0]
        assume(np.isfinite(ones).all())  # no window wholly in the padding (-inf breaks gradcheck)
        params = dict(kernel_size=kernel, stride=stride, padding=padding)
        if dilated:
            params["dilation"] = dilation
        return shape, params, ceil_mode

    def max_pool_args(relu):
        def build(geometry):
            shape, params, ceil_mode = geometry
            values = arrays(shape, unique=True)
            if relu:  # the unique grid holds 0: shift it half a step off the ReLU kink
                values = values.map(lambda a: a + 0.01)
            return values.map(lambda a: ([a], {**params, "ceil_mode": ceil_mode, "relu": relu}))

        return pool_geometry().flatmap(build)

    def scatter_args(gather):
        def build(case):
            geometry, x = case
            shape, params, ceil_mode = geometry
            kernel, stride = params["kernel_size"], params["stride"]
            padding, dilation = params["padding"], params["dilation"]
            index = _max_pool_positions(x, kernel, stride, padding, dilation, ceil_mode)
            extra = {**params, "index": index, "input_shape": shape}
            return arrays(shape if gather else index.shape).map(lambda a: ([a], extra))

        return (
            pool_geometry()
            .flatmap(lambda g: st.tuples(st.just(g), arrays(g[0], unique=True)))
            .flatmap(build)
        )

    def avg_args(geometry):
        shape, params, ceil_mode = geometry
        return st.tuples(arrays(shape), st.booleans()).map(
            lambda a: ([a[0]], {**params, "ceil_mode": ceil_mode, "count_include_pad": a[1]})
        )

    def avg_backward_args(case):
        (shape, params, ceil_mode), count_include_pad = case
        sides = zip(shape[2:], params["kernel_size"], params["stride"], params["padding"])
        out = [pool_out(n, k, s, p, 1, ceil_mode) for n, k, s, p in sides]
        extra = {**params, "input_shape": shape, "count_include_pad": count_include_pad}
        return arrays(shape[:2] + tuple(out)).map(lambda a: ([a], extra))

    return {
        "conv2d": conv_geometry().flatmap(conv_args),
        "conv2d_input_grad": conv_geometry().flatmap(input_grad_args),
        "conv2d_weight_grad": conv_geometry().flatmap(weight_grad_args),
        "max_pool2d": max_pool_args(relu=False),
        "max_pool2d_relu": max_pool_args(relu=True),
        "max_pool2d_scatter": scatter_args(gather=False),
        "max_pool2d_gather": scatter_args(gather=True),
        "avg_pool2d": pool_geometry(dilated=False).flatmap(avg_args),
        "avg_pool2d_backward": st.tuples(pool_geometry(dilated=False), st.booleans()).flatmap(
            avg_backward_args
        ),
    }


STRATEGIES = _strategies()
