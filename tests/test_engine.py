"""The reverse-mode engine: accumulation, graph release, modes, hooks, depth, memory, anomalies."""

import gc
import re
import threading
import tracemalloc
import weakref

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.autograd import GradcheckError, gradcheck
from tensorgrad.autograd.engine import _summed
from tensorgrad.ops.registry import Op
from tensorgrad.ops.shape import IndexedGrad


def test_leaves_accumulate_across_backward_calls():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.data, [2 + 3, 4 + 3])


def test_second_backward_through_released_graph_names_retain_graph():
    x = tg.tensor(2.0, requires_grad=True)
    y = x * x
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = tg.tensor(3.0, requires_grad=True)
    y = x.exp() * x
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.item(), 2 * (np.exp(3) * 4), rtol=1e-6)


def test_non_scalar_backward_needs_gradient():
    x = tg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="scalar outputs"):
        (x * 2).backward()
    (x * 2).backward(tg.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(x.grad.data, [2, 4, 6])


def test_backward_on_a_tensor_without_grad_is_a_clear_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.ones(2).sum().backward()


def test_no_grad_records_nothing_and_enable_grad_turns_it_back_on():
    x = tg.ones(2, requires_grad=True)
    with tg.no_grad():
        y = x * 2
        with tg.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None
    assert tg.is_grad_enabled()


def test_no_grad_as_decorator_and_reentrant():
    @tg.no_grad()
    def double(t):
        return t * 2

    x = tg.ones(2, requires_grad=True)
    assert not double(x).requires_grad
    mode = tg.no_grad()
    with mode:
        with mode:
            assert not tg.is_grad_enabled()
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()


def test_grad_mode_is_per_thread():
    seen = []

    def worker():
        seen.append(tg.is_grad_enabled())

    with tg.no_grad():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
    assert seen == [True]


def test_hooks_see_and_replace_gradients():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.data.copy()))
    handle = x.register_hook(lambda g: g * 10)
    y.sum().backward()
    np.testing.assert_allclose(seen[0], [1, 1])
    np.testing.assert_allclose(x.grad.data, [30, 30])
    handle.remove()
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.data, [3, 3])


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = tg.tensor([1.0, -2.0], requires_grad=True)
    y = x * x
    y.retain_grad()
    z = x * 5
    (y * 2 + z).sum().backward()
    np.testing.assert_allclose(y.grad.data, [2, 2])
    assert z.grad is None
    assert not y.is_leaf and x.is_leaf


def test_a_100000_op_chain_needs_no_recursion():
    x = tg.tensor(1.0, dtype=tg.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    np.testing.assert_allclose(x.grad.item(), 1.00001**100_000, rtol=1e-9)


def test_diamonds_sum_every_path():
    x = tg.tensor(1.5, dtype=tg.float64, requires_grad=True)
    a = x * x  # reused by many consumers
    total = a
    for k in range(1, 200):
        total = total + a * k
    b = a * a + a.exp()  # a diamond: two paths from a into b
    (total + b).backward()
    da = 1 + sum(range(1, 200)) + 2 * a.item() + np.exp(a.item())
    np.testing.assert_allclose(x.grad.item(), da * 2 * 1.5, rtol=1e-12)


def test_detach_cuts_the_graph():
    x = tg.tensor(2.0, requires_grad=True)
    y = (x * x).detach() * x
    y.backward()
    assert x.grad.item() == 4.0


def test_leaf_gradients_do_not_share_memory():
    a = tg.ones(3, requires_grad=True)
    b = tg.ones(3, requires_grad=True)
    (a + b).sum().backward()
    a.grad.data[0] = 100.0
    assert b.grad.data[0] == 1.0


def test_backward_releases_saved_buffers():
    x = tg.randn(1000, requires_grad=True)
    y = x.exp()
    probe = weakref.ref(y.grad_fn)
    out = (y * 2).sum()
    node = y.grad_fn
    out.backward()
    assert node.released and node.inputs is None and node.out_data is None
    del y, out, node
    gc.collect()
    assert probe() is None


def test_training_loop_memory_stays_flat():
    tg.manual_seed(0)
    w = tg.randn(64, 64, requires_grad=True)
    x = tg.randn(32, 64)

    def step():
        loss = ((x @ w).tanh() ** 2).mean()
        loss.backward()
        w.data -= 0.01 * w.grad.data
        w.grad = None

    for _ in range(20):
        step()
    tracemalloc.start()
    step()
    base = tracemalloc.get_traced_memory()[0]
    for _ in range(300):
        step()
    grown = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    assert grown < 200_000, f"memory grew by {grown} bytes over 300 steps"


def test_gradients_keep_dtypes_and_scalars_do_not_upcast():
    x32 = tg.tensor([1.0, 2.0], requires_grad=True)
    x64 = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x32 * 2.5 + 1) / 3 - x32**2
    assert y.dtype == np.float32
    (y.sum() + (x64 * x32).sum()).backward()
    assert x32.grad.dtype == np.float32 and x64.grad.dtype == np.float64


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="floating-point"):
        tg.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="int64"):
        tg.arange(3).requires_grad_()


def test_anomaly_mode_names_the_forward_op_and_user_line():
    x = tg.tensor([-1.0, 1.0], requires_grad=True)
    with tg.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match=r"'log' produced NaN.*test_engine\.py"):
            x.log()
    with np.errstate(invalid="ignore"):
        assert np.isnan(x.log().data[0])  # outside the context: no check


def test_anomaly_mode_names_the_backward_op():
    x = tg.tensor([0.0, 4.0], requires_grad=True)
    with tg.autograd.detect_anomaly():
        y = x.sqrt().sum()
        with pytest.raises(RuntimeError, match=r"'sqrt' produced Inf in its backward.*test_engine"):
            y.backward()


def test_autograd_grad_returns_without_accumulating():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    unused = tg.tensor(1.0, requires_grad=True)
    (gx,) = tg.autograd.grad((x**3).sum(), x)
    np.testing.assert_allclose(gx.data, [3, 12])
    assert x.grad is None
    with pytest.raises(RuntimeError, match="allow_unused"):
        tg.autograd.grad((x * 2).sum(), [x, unused])
    assert tg.autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)[1] is None


def test_hessian_vector_product_and_gradient_penalty():
    x = tg.tensor([1.0, -2.0, 0.5], dtype=tg.float64, requires_grad=True)
    v = tg.tensor([1.0, 0.5, -1.0], dtype=tg.float64)
    (g,) = tg.autograd.grad((x**3).sum(), x, create_graph=True)
    (hv,) = tg.autograd.grad((g * v).sum(), x, retain_graph=True)
    np.testing.assert_allclose(hv.data, 6 * x.data * v.data)
    penalty = (g * g).sum().sqrt()
    penalty.backward()
    expected = 3 * x.data**2 * 6 * x.data / np.sqrt(np.sum((3 * x.data**2) ** 2))
    np.testing.assert_allclose(x.grad.data, expected)


def test_gradcheck_reports_input_element_and_values():
    def square(x):
        return x * x

    def wrong_vjp(grad, out, x):
        """d x^2/dx = 2x, but this says 3x"""
        return grad * x * 3.0

    bad = Op("bad_square", square, (wrong_vjp,))
    x = tg.tensor([[0.5, 1.0]], dtype=tg.float64, requires_grad=True)
    with pytest.raises(
        GradcheckError, match=r"input 0 \(shape \(1, 2\)\) at element \(0, 0\)"
    ) as info:
        gradcheck(lambda t: bad(t), (x,))
    analytic, numeric = map(
        float, re.findall(r"analytic (\S+) vs numeric (\S+)", str(info.value))[0]
    )
    assert analytic == pytest.approx(1.5 * numeric)


def test_max_ties_send_the_gradient_to_the_first_maximum():
    x = tg.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
    values, indices = x.max(dim=1)
    values.sum().backward()
    assert indices.tolist() == [1, 0]
    np.testing.assert_array_equal(x.grad.data, [[0, 1, 0], [1, 0, 0]])


def test_softmax_is_stable_for_huge_logits():
    x = tg.tensor([[1e4, 0.0, -1e4]], requires_grad=True)
    out = x.log_softmax(1)
    assert np.isfinite(out.data).all()
    np.testing.assert_allclose(out.data, [[0.0, -1e4, -2e4]])
    out[:, 1].sum().backward()
    np.testing.assert_allclose(x.grad.data, [[-1, 1, 0]], atol=1e-6)
    assert np.isfinite(x.softmax(1).data).all()


def test_slice_gradients_are_summed_in_place_without_touching_shared_gradients():
    # x reaches the loss through an add (whose VJP hands the same gradient array to x and w),
    # every row and a fancy index with repeats; the slices' gradients must go into a buffer of
    # the engine's own, never into the array w's gradient shares
    x = tg.tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    w = tg.tensor(np.zeros((4, 3)), requires_grad=True)
    rows = x.unbind(0)
    loss = ((x + w) * 1.0).sum() + sum((k + 1.0) * r.sum() for k, r in enumerate(rows))
    loss = loss + x[np.array([0, 0, 3])].sum()
    loss.backward()
    expected = 1.0 + np.array([1.0, 2.0, 3.0, 4.0])[:, None] + np.array([2.0, 0, 0, 1])[:, None]
    np.testing.assert_array_equal(x.grad.numpy(), np.broadcast_to(expected, (4, 3)))
    np.testing.assert_array_equal(w.grad.numpy(), np.ones((4, 3)))
    # the invariant itself: a gradient a VJP returned is never written to, the engine's are
    shared, owned = tg.tensor(np.ones((2, 2))), set()
    summed = _summed(shared, IndexedGrad(np.full(2, 5.0), (0,), (2, 2)), owned)
    np.testing.assert_array_equal(shared.numpy(), np.ones((2, 2)))
    assert id(summed) in owned
    again = _summed(summed, IndexedGrad(np.full(2, 5.0), (1,), (2, 2)), owned)
    assert again is summed
    np.testing.assert_array_equal(summed.numpy(), [[6, 6], [6, 6]])
    # the same gradient through the recorded path, and a hook on a sliced tensor sees a dense one
    y = tg.tensor(np.ones((3, 2)), requires_grad=True)
    seen = []
    z = y * 2.0
    z.register_hook(lambda g: seen.append(g.numpy().copy()))
    (g,) = tg.autograd.grad(sum(r.sum() * (k + 1.0) for k, r in enumerate(z.unbind(1))), [y],
                            create_graph=True)  # fmt: skip
    np.testing.assert_array_equal(g.numpy() if not g.requires_grad else g.data, [[2, 4]] * 3)
    np.testing.assert_array_equal(seen[0], [[1, 2]] * 3)


def test_unbind_removes_the_dim_and_refuses_a_0d_tensor():
    x = tg.tensor(np.arange(6.0).reshape(2, 3))
    assert [tuple(p.shape) for p in x.unbind(-1)] == [(2,)] * 3
    np.testing.assert_array_equal(tg.unbind(x)[1].numpy(), [3, 4, 5])
    with pytest.raises(IndexError, match="unbind"):
        tg.unbind(tg.tensor(1.0))


def test_an_unshared_first_gradient_is_stored_as_is():
    # a weight's GEMM output reaches nothing else: stored without the copy (PyTorch steals it)
    from tensorgrad.ops.registry import REGISTRY

    op = REGISTRY["linear"]
    vjps, made = op.vjps, []

    def weight_vjp(*args):
        grad = vjps[1](*args)
        made.append(weakref.ref(grad))
        return grad

    object.__setattr__(op, "vjps", (vjps[0], weight_vjp, vjps[2]))  # a frozen dataclass
    try:
        layer, x = tg.nn.Linear(4, 3), tg.randn(5, 4)
        layer(x).sum().backward()
    finally:
        object.__setattr__(op, "vjps", vjps)
    assert layer.weight.grad.data is made[0]()
    np.testing.assert_allclose(layer.weight.grad.data, np.ones((3, 5)) @ x.data, rtol=1e-6)


def test_a_shared_gradient_is_copied_into_each_leaf():
    a = tg.randn(3, requires_grad=True)
    b = tg.randn(3, requires_grad=True)
    (a + b).sum().backward()  # add's VJP hands both inputs one array
    assert not np.shares_memory(a.grad.data, b.grad.data)
    a.grad.data += 1
    np.testing.assert_array_equal(b.grad.data, np.ones(3, np.float32))
    kept = []
    w = tg.randn(4, 3, requires_grad=True)
    w.register_hook(lambda g: kept.append(g))  # the hook keeps the gradient it was given
    (tg.randn(5, 4) @ w).sum().backward()
    assert not np.shares_memory(w.grad.data, kept[0].data)
    w.grad.data[...] = 0
    assert kept[0].data.any()
    arrays = []
    v = tg.randn(4, 3, requires_grad=True)
    v.register_hook(lambda g: arrays.append(g.data))  # only the array is kept
    (tg.randn(5, 4) @ v).sum().backward()
    assert not np.shares_memory(v.grad.data, arrays[0])
