"""conv2d / max_pool2d / avg_pool2d against naive loops, on Hypothesis-drawn configurations."""

import conv_pool_reference as ref
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tensorgrad as tg
from tensorgrad.nn.conv_pool import avg_pool2d, conv2d, max_pool2d

DTYPES = st.sampled_from([np.float32, np.float64])


def _tol(dtype):
    return {"rtol": 1e-4, "atol": 1e-4} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-10}


@st.composite
def conv_cases(draw):
    groups = draw(st.integers(1, 3))
    cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    # up to 7 wide: the direct kernels unroll rows of 5 and 3 taps and do the rest one by one
    kh, kw = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = draw(st.one_of(
        st.sampled_from(["valid", "same"]), st.integers(0, 2),
        st.tuples(st.integers(0, 2), st.integers(0, 2)),
    ))  # fmt: skip
    stride = (1, 1) if padding == "same" else (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    min_h, min_w = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    h, w = draw(st.integers(min_h, min_h + 5)), draw(st.integers(min_w, min_w + 5))
    n = draw(st.integers(1, 2))
    dtype = draw(DTYPES)
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.standard_normal((n, groups * cg, h, w)).astype(dtype)
    wt = rng.standard_normal((groups * og, cg, kh, kw)).astype(dtype)
    return x, wt, stride, padding, dilation, groups, rng


def _pads(padding, wt, dilation):
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "same":
        th, tw = dilation[0] * (wt.shape[2] - 1), dilation[1] * (wt.shape[3] - 1)
        return (th // 2, th - th // 2, tw // 2, tw - tw // 2)
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    return (ph, ph, pw, pw)


@given(conv_cases())
def test_conv2d_forward_and_gradients_match_loops(case):
    x, wt, stride, padding, dilation, groups, rng = case
    pads = _pads(padding, wt, dilation)
    bias = rng.standard_normal(wt.shape[0]).astype(x.dtype)
    xt = tg.tensor(x, requires_grad=True)
    wtt = tg.tensor(wt, requires_grad=True)
    bt = tg.tensor(bias, requires_grad=True)
    out = conv2d(xt, wtt, bt, stride=stride, padding=padding, dilation=dilation, groups=groups)
    expected = ref.conv2d(
        x.astype(np.float64), wt.astype(np.float64), stride, pads, dilation, groups
    ) + bias.reshape(1, -1, 1, 1)
    assert out.dtype == x.dtype and out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, **_tol(x.dtype))
    if padding == "same":
        assert out.shape[2:] == x.shape[2:]
    g = rng.standard_normal(out.shape).astype(x.dtype)
    out.backward(tg.tensor(g))
    dx, dw = ref.conv2d_grads(x, wt, g, stride, pads, dilation, groups)
    np.testing.assert_allclose(xt.grad.data, dx, **_tol(x.dtype))
    np.testing.assert_allclose(wtt.grad.data, dw, **_tol(x.dtype))
    np.testing.assert_allclose(bt.grad.data, g.sum(axis=(0, 2, 3)), **_tol(x.dtype))
    assert xt.grad.dtype == wtt.grad.dtype == x.dtype


@st.composite
def pool_cases(draw, dilated=True):
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kernel = (kh, kw)
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    padding = (draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilated else (1, 1)
    ceil_mode = draw(st.booleans())
    eff = [d * (k - 1) + 1 - 2 * p for k, d, p in zip(kernel, dilation, padding)]
    h, w = draw(st.integers(max(eff[0], 1), 8)), draw(st.integers(max(eff[1], 1), 8))
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    dtype = draw(DTYPES)
    return rng, (n, c, h, w), dtype, kernel, stride, padding, dilation, ceil_mode


@given(pool_cases(), st.booleans())
def test_max_pool2d_matches_loops(case, distinct):
    rng, shape, dtype, kernel, stride, padding, dilation, ceil_mode = case
    x = rng.permutation(np.arange(np.prod(shape))).reshape(shape).astype(dtype)
    if not distinct:  # few values: many ties, the first maximum must win
        x = np.floor(x / 4)
    xt = tg.tensor(x, requires_grad=True)
    out, idx = max_pool2d(xt, kernel, stride, padding, dilation, ceil_mode, return_indices=True)
    expected, expected_idx = ref.max_pool2d(
        x, kernel, stride or kernel, padding, dilation, ceil_mode
    )
    assert out.dtype == x.dtype and idx.dtype == np.int64
    np.testing.assert_array_equal(out.data, expected)
    np.testing.assert_array_equal(idx.data, expected_idx)
    g = rng.standard_normal(out.shape).astype(dtype)
    out.backward(tg.tensor(g))
    np.testing.assert_allclose(
        xt.grad.data, ref.max_pool2d_grad(x.shape, expected_idx, g), **_tol(dtype)
    )


@given(pool_cases())
def test_fused_relu_max_pool2d_equals_relu_of_max_pool2d(case):
    rng, shape, dtype, kernel, stride, padding, dilation, ceil_mode = case
    x = (rng.permutation(np.arange(np.prod(shape))) - np.prod(shape) / 2).reshape(shape)
    x = x.astype(dtype)
    a, b = tg.tensor(x, requires_grad=True), tg.tensor(x, requires_grad=True)
    fused = max_pool2d(a, kernel, stride, padding, dilation, ceil_mode, relu=True)
    plain = max_pool2d(b, kernel, stride, padding, dilation, ceil_mode).relu()
    np.testing.assert_array_equal(fused.data, plain.data)
    g = tg.tensor(rng.standard_normal(fused.shape).astype(dtype))
    fused.backward(g)
    plain.backward(g)
    np.testing.assert_allclose(a.grad.data, b.grad.data, **_tol(dtype))


@given(pool_cases(dilated=False), st.booleans())
def test_avg_pool2d_matches_loops(case, count_include_pad):
    rng, shape, dtype, kernel, stride, padding, _, ceil_mode = case
    x = rng.standard_normal(shape).astype(dtype)
    xt = tg.tensor(x, requires_grad=True)
    out = avg_pool2d(xt, kernel, stride, padding, ceil_mode, count_include_pad)
    expected, adjoint = ref.avg_pool2d(
        x, kernel, stride or kernel, padding, ceil_mode, count_include_pad
    )
    assert out.dtype == x.dtype
    np.testing.assert_allclose(out.data, expected, **_tol(dtype))
    g = rng.standard_normal(out.shape).astype(dtype)
    out.backward(tg.tensor(g))
    np.testing.assert_allclose(xt.grad.data, adjoint(g), **_tol(dtype))


def test_unbatched_inputs_give_unbatched_outputs(rng):
    x = tg.tensor(rng.standard_normal((2, 5, 5)).astype(np.float32))
    w = tg.tensor(rng.standard_normal((3, 2, 3, 3)).astype(np.float32))
    batched = conv2d(x.unsqueeze(0), w)
    assert conv2d(x, w).shape == (3, 3, 3)
    np.testing.assert_allclose(conv2d(x, w).data, batched.data[0])
    out, idx = max_pool2d(x, 2, return_indices=True)
    assert out.shape == idx.shape == (2, 2, 2)
    assert avg_pool2d(x, 2).shape == (2, 2, 2)


def test_ceil_mode_drops_a_window_that_starts_in_the_padding():
    # H=5, k=2, s=2, p=1: ceil gives 4 windows, the 4th would start at 5 = H + p -> dropped
    x = tg.ones(1, 1, 5, 5)
    assert max_pool2d(x, 2, 2, 1, ceil_mode=True).shape == (1, 1, 3, 3)
    # H=6, k=3, s=2: floor (6-3)/2+1 = 2, ceil gives 3 and the 3rd starts inside (at 4)
    assert avg_pool2d(tg.ones(1, 1, 6, 6), 3, 2, ceil_mode=True).shape == (1, 1, 3, 3)
    assert avg_pool2d(tg.ones(1, 1, 6, 6), 3, 2).shape == (1, 1, 2, 2)


def test_non_contiguous_inputs_and_gradients(rng):
    x = rng.standard_normal((2, 3, 6, 6))
    w = rng.standard_normal((4, 3, 3, 3))
    xt = tg.tensor(x.transpose(0, 1, 3, 2), requires_grad=True)  # a strided view
    out = conv2d(xt, tg.tensor(w), padding=1)
    expected = ref.conv2d(
        np.ascontiguousarray(x.transpose(0, 1, 3, 2)), w, (1, 1), (1, 1, 1, 1), (1, 1), 1
    )
    np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-10)
    out.sum().backward()  # the incoming gradient is a broadcast (stride-0) array
    assert xt.grad.shape == xt.shape


def test_second_derivatives_through_a_small_lenet(rng):
    from tensorgrad.testing import gradcheck, gradgradcheck

    def net(x, w1, b1, w2):
        h = max_pool2d(conv2d(x, w1, b1, padding=1), 2, relu=True)
        h = conv2d(h, w2, stride=1, dilation=1)
        return avg_pool2d(h, 2, ceil_mode=True)

    inputs = [
        tg.tensor(rng.standard_normal((1, 1, 6, 6)), requires_grad=True),
        tg.tensor(rng.standard_normal((2, 1, 3, 3)), requires_grad=True),
        tg.tensor(rng.standard_normal(2) + 0.5, requires_grad=True),
        tg.tensor(rng.standard_normal((3, 2, 2, 2)), requires_grad=True),
    ]
    assert gradcheck(net, inputs)
    assert gradgradcheck(net, inputs)


def test_batches_split_across_kernel_threads_match_loops(rng, monkeypatch):
    # LeNet-sized work is split into one slice of the batch per kernel thread; force two slices
    # even on a one-core machine, with an odd batch so the slices differ in size
    from tensorgrad.backends import batch_threads

    monkeypatch.setattr(batch_threads, "get_num_threads", lambda: 2)
    monkeypatch.setattr(batch_threads, "MIN_WORK", 0)
    x = rng.standard_normal((7, 4, 9, 9))
    w = rng.standard_normal((6, 2, 5, 3))
    xt, wt = tg.tensor(x, requires_grad=True), tg.tensor(w, requires_grad=True)
    out = conv2d(xt, wt, padding=(2, 1), dilation=(1, 2), groups=2)
    pads, dilation = (2, 2, 1, 1), (1, 2)
    np.testing.assert_allclose(
        out.data, ref.conv2d(x, w, (1, 1), pads, dilation, 2), rtol=1e-10, atol=1e-10
    )
    g = rng.standard_normal(out.shape)
    out.backward(tg.tensor(g))
    dx, dw = ref.conv2d_grads(x, w, g, (1, 1), pads, dilation, 2)
    np.testing.assert_allclose(xt.grad.data, dx, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(wt.grad.data, dw, rtol=1e-10, atol=1e-10)
    assert batch_threads.batch_slices(7, 1) == [slice(0, 3), slice(3, 7)]


def test_five_wide_kernels_with_an_odd_channel_count_match_loops(rng):
    # 5-wide undilated kernels take output channels in pairs; the odd last one pairs with a
    # scratch row that must not leak into the result
    for c_out, dtype in [(3, np.float32), (1, np.float64), (6, np.float64)]:
        x = rng.standard_normal((2, 2, 9, 8)).astype(dtype)
        w = rng.standard_normal((c_out, 2, 4, 5)).astype(dtype)
        xt, wt = tg.tensor(x, requires_grad=True), tg.tensor(w, requires_grad=True)
        out = conv2d(xt, wt, padding=(1, 2))
        pads = (1, 1, 2, 2)
        expected = ref.conv2d(x.astype(np.float64), w.astype(np.float64), (1, 1), pads, (1, 1), 1)
        np.testing.assert_allclose(out.data, expected, **_tol(dtype))
        g = rng.standard_normal(out.shape).astype(dtype)
        out.backward(tg.tensor(g))
        dx, dw = ref.conv2d_grads(x, w, g, (1, 1), pads, (1, 1), 1)
        np.testing.assert_allclose(xt.grad.data, dx, **_tol(dtype))
        np.testing.assert_allclose(wt.grad.data, dw, **_tol(dtype))


def test_images_packed_several_per_chunk_match_loops(rng, monkeypatch):
    # convs pack a few images per pass, consecutive stride-1 planes sharing zero padding: force
    # chunks of 2-4 images (planes of 18-81 elements) with a shorter last chunk, channel counts
    # off the kernels' blocks of 4, uneven padding ('same' with even kernels), dilation, strides
    from tensorgrad.backends import cpu_conv

    monkeypatch.setattr(cpu_conv, "CHUNK", 200)
    cases = [  # (C_in, C_out, kh, kw, stride, padding, dilation, groups)
        (5, 7, 3, 3, 1, 1, (1, 1), 1),
        (3, 6, 4, 4, 1, "same", (1, 1), 1),
        (4, 6, 3, 5, 1, (2, 1), (1, 1), 2),
        (2, 5, 3, 2, 1, "same", (2, 1), 1),
        (6, 9, 1, 3, 1, 0, (1, 2), 3),
        (5, 6, 3, 3, 2, 1, (1, 1), 1),
        (4, 6, 3, 2, (2, 3), (1, 0), (2, 1), 2),
    ]
    for c_in, c_out, kh, kw, stride, padding, dilation, groups in cases:
        x = rng.standard_normal((5, c_in, 7, 6))
        w = rng.standard_normal((c_out, c_in // groups, kh, kw))
        b = rng.standard_normal(c_out)
        xt, wt = tg.tensor(x, requires_grad=True), tg.tensor(w, requires_grad=True)
        out = conv2d(xt, wt, tg.tensor(b), stride, padding, dilation, groups)
        pads = _pads(padding, w, dilation)
        strides = (stride, stride) if isinstance(stride, int) else stride
        expected = ref.conv2d(x, w, strides, pads, dilation, groups) + b[:, None, None]
        np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-10)
        g = rng.standard_normal(out.shape)
        out.backward(tg.tensor(g))
        dx, dw = ref.conv2d_grads(x, w, g, strides, pads, dilation, groups)
        np.testing.assert_allclose(xt.grad.data, dx, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(wt.grad.data, dw, rtol=1e-10, atol=1e-10)


def _relu_then_pool_by_parts(x, g, **pool):
    """max_pool2d of relu(x) with the ReLU done by hand: the pool sees a leaf, then the chain
    rule with relu's mask (a NaN passes), so no fusion can kick in."""
    r = tg.tensor(np.maximum(x, 0), requires_grad=True)
    out = max_pool2d(r, **pool)
    out.backward(tg.tensor(g))
    return out.data, r.grad.data * ~(x <= 0)


@pytest.mark.parametrize(
    "pool",
    [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
     dict(kernel_size=2, stride=1, padding=1, dilation=2)],
)  # fmt: skip
def test_pooling_a_relu_output_the_pytorch_way_matches_the_two_ops(rng, pool):
    # F.max_pool2d(F.relu(x)) pools relu's input with relu=True, and Sequential(ReLU,
    # MaxPool2d) runs fused; NaN, ties at 0 and all-negative windows included
    x = rng.standard_normal((2, 3, 7, 6))
    x[0, 0, :2, :2] = np.nan
    x[1, 1] = np.where(x[1, 1] > 0, 0.0, x[1, 1])
    g = rng.standard_normal(max_pool2d(tg.tensor(x), **pool).shape)
    expected, expected_dx = _relu_then_pool_by_parts(x, g, **pool)
    layer = tg.nn.MaxPool2d(**pool)
    for run in (lambda t: max_pool2d(tg.nn.functional.relu(t), **pool),
                tg.nn.Sequential(tg.nn.ReLU(), layer)):  # fmt: skip
        xt = tg.tensor(x, requires_grad=True)
        out = run(xt)
        np.testing.assert_array_equal(out.data, expected)
        out.backward(tg.tensor(g))
        np.testing.assert_array_equal(xt.grad.data, expected_dx)
    with tg.no_grad():
        np.testing.assert_array_equal(tg.nn.Sequential(tg.nn.ReLU(), layer)(tg.tensor(x)).data,
                                      expected)  # fmt: skip


def test_pooling_a_relu_output_skips_the_relu_backward_unless_observed(rng):
    x = tg.tensor(rng.standard_normal((1, 2, 4, 4)), requires_grad=True)
    out = max_pool2d(tg.nn.functional.relu(x), 2)
    assert out._node.inputs[0] is x and out._node.params["relu"]
    # a hook on the ReLU's output must see the pool's gradient: no rewrite then
    r = tg.nn.functional.relu(x)
    seen = []
    r.register_hook(lambda grad: seen.append(grad))
    out = max_pool2d(r, 2)
    assert out._node.inputs[0] is r
    out.sum().backward()
    assert len(seen) == 1 and seen[0].shape == r.shape
    # a window wholly in the padding pools to -inf after a ReLU (relu=True would give 0)
    t = tg.tensor(rng.standard_normal((1, 1, 2, 2)), requires_grad=True)
    out = max_pool2d(tg.nn.functional.relu(t), 2, stride=1, padding=1, dilation=3)
    assert out._node.inputs[0] is not t and np.isneginf(out.data).any()
    seq = tg.nn.Sequential(tg.nn.ReLU(), tg.nn.MaxPool2d(2, 1, 1, dilation=3))
    np.testing.assert_array_equal(seq(t).data, out.data)
