"""Op-table rows for conv/pool: adapters to the row signature ``fn(*tensors, **params)``, row
references built on the loop references, and tiny Hypothesis strategies (see ``op_table``)."""

import numpy as np
from conv_pool_reference import (
    avg_pool2d,
    conv2d,
    conv2d_grads,
    conv_out,
    max_pool2d,
    max_pool2d_grad,
    pool_out,
)


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

    return CONV2D_INPUT_GRAD(g, w, **params)


def row_conv_input_grad(g, w, input_shape, stride, padding, dilation, groups):
    return conv2d_grads(np.zeros(input_shape), w, g, stride, padding, dilation, groups)[0]


def tg_conv_weight_grad(x, g, **params):
    from tensorgrad.ops.conv import CONV2D_WEIGHT_GRAD

    return CONV2D_WEIGHT_GRAD(x, g, **params)


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

        return REGISTRY[name](x, **params)

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
