"""More of the everyday API (issue 17): each expected value is PyTorch's, from its documentation
or its stated rule, checked against NumPy or by hand; the differentiable ops also have op-table
rows (tests/issue17_more_rows.py)."""

import math

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.testing.device import TEST_DEVICE


def values(t):
    return t.detach().cpu().numpy().tolist()


# -- names: every one is both tg.name and, where PyTorch has it, the method -----------------------
FUNCTIONS = (
    "add sub mul pow true_divide square rsqrt reciprocal log1p expm1 sinh cosh asin acos atan "
    "atan2 hypot lerp addcmul addcdiv clamp_min clamp_max amax amin aminmax argsort t mm addmm "
    "baddbmm dot inner swapaxes swapdims movedim moveaxis broadcast_to narrow select "
    "masked_select take take_along_dim repeat_interleave tile count_nonzero logical_and "
    "logical_or logical_not logical_xor fmax fmin nansum nanmean nan_to_num frac sgn signbit "
    "logit diff cross trace median index_add index_copy index_fill scatter unique bincount "
    "equal kthvalue mode clone detach numel is_tensor is_floating_point broadcast_tensors "
    "meshgrid tensordot kron cdist logspace normal bernoulli multinomial rand_like randn_like "
    "randint_like empty_like inference_mode clip subtract multiply divide"
).split()
METHODS = (
    "clone contiguous is_contiguous add sub mul pow true_divide square rsqrt reciprocal log1p "
    "expm1 sinh cosh asin acos atan atan2 hypot lerp addcmul addcdiv clamp_min clamp_max amax "
    "amin aminmax argsort t mm addmm baddbmm dot inner swapaxes swapdims movedim moveaxis "
    "broadcast_to reshape_as narrow select masked_select take take_along_dim repeat_interleave "
    "tile count_nonzero logical_and logical_or logical_not logical_xor fmax fmin nansum nanmean "
    "nan_to_num frac sgn signbit logit diff cross trace median new_zeros new_ones new_full "
    "new_empty new_tensor zero_ fill_ copy_ add_ sub_ mul_ div_ clamp_ abs_ exp_ square_ "
    "requires_grad_ index_add index_copy index_fill scatter unique bincount equal kthvalue mode "
    "masked_fill_ index_add_ scatter_ uniform_ normal_"
).split()


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_exists(name):
    assert callable(getattr(tg, name))


@pytest.mark.parametrize("name", METHODS)
def test_method_exists(name):
    assert callable(getattr(tg.Tensor, name))


# -- arithmetic by name ---------------------------------------------------------------------------
def test_add_and_sub_with_alpha():
    x, y = tg.tensor([1.0, 2.0]), tg.tensor([10.0, 20.0])
    assert values(x.add(y, alpha=2)) == [21.0, 42.0]
    assert values(tg.sub(x, y, alpha=0.5)) == [-4.0, -8.0]
    assert values(tg.add(x, 1)) == [2.0, 3.0]
    assert values(x.mul(y)) == [10.0, 40.0] and values(tg.mul(x, 3)) == [3.0, 6.0]
    ints = tg.tensor([1, 2])
    assert tg.add(ints, ints, alpha=3).dtype == np.int64
    with pytest.raises(RuntimeError, match="alpha must not be a floating point"):
        tg.add(ints, ints, alpha=0.5)
    with pytest.raises(TypeError):
        tg.add(2, x)


def test_true_divide_pow_square_reciprocal_rsqrt_dtypes():
    ints = tg.tensor([1, 2, 4])
    halves = ints.true_divide(2)
    assert values(halves) == [0.5, 1.0, 2.0] and halves.dtype == np.float32
    assert values(tg.pow(2, ints)) == [2, 4, 16] and values(ints.pow(2)) == [1, 4, 16]
    assert ints.square().dtype == np.int64 and values(tg.square(ints)) == [1, 4, 16]
    assert values(ints.reciprocal()) == [1.0, 0.5, 0.25] and ints.reciprocal().dtype == np.float32
    assert values(tg.rsqrt(ints)) == [1.0, pytest.approx(2**-0.5), 0.5]
    assert values(tg.reciprocal(tg.tensor([0.0]))) == [math.inf]


def test_log1p_and_expm1_keep_digits_near_zero():
    tiny = tg.tensor([1e-10, -1e-12], dtype=tg.float64)
    np.testing.assert_allclose(tg.log1p(tiny).numpy(), np.log1p(tiny.numpy()), rtol=1e-15)
    np.testing.assert_allclose(tg.expm1(tiny).numpy(), np.expm1(tiny.numpy()), rtol=1e-15)
    assert tg.log1p(tg.tensor([1, 2])).dtype == np.float32
    x = tg.tensor([0.5], requires_grad=True)
    tg.log1p(x).sum().backward()
    assert values(x.grad) == [pytest.approx(1 / 1.5)]


def test_inverse_trigonometric_and_hyperbolic_values():
    x = np.array([-0.5, 0.0, 0.25])
    t = tg.tensor(x, dtype=tg.float64)
    for name, ref in [("asin", np.arcsin), ("acos", np.arccos), ("atan", np.arctan),
                      ("sinh", np.sinh), ("cosh", np.cosh), ("asinh", np.arcsinh),
                      ("atanh", np.arctanh), ("tan", np.tan)]:  # fmt: skip
        np.testing.assert_allclose(getattr(tg, name)(t).numpy(), ref(x), rtol=1e-14)
    assert math.isnan(tg.asin(tg.tensor([2.0])).item())
    assert values(tg.acosh(tg.tensor([1.0]))) == [0.0]
    assert values(tg.atan2(tg.tensor([1.0, -1.0]), tg.tensor([-1.0, -1.0]))) == [
        pytest.approx(3 * math.pi / 4), pytest.approx(-3 * math.pi / 4),
    ]  # fmt: skip
    assert values(tg.hypot(tg.tensor([3.0]), tg.tensor([4.0]))) == [5.0]


def test_erfinv_inverts_erf():
    x = tg.tensor([-0.999, -0.5, 0.0, 0.3, 0.9999], dtype=tg.float64)
    np.testing.assert_allclose(tg.erf(tg.erfinv(x)).numpy(), x.numpy(), rtol=0, atol=1e-15)
    assert values(tg.erfinv(tg.tensor([-1.0, 1.0]))) == [-math.inf, math.inf]
    assert math.isnan(tg.tensor([1.5]).erfinv().item())


def test_clamp_with_tensor_bounds_and_int_promotion():
    x = tg.tensor([-1.0, 0.5, 3.0], requires_grad=True)
    low, high = tg.tensor([0.0, 0.5, 0.0], requires_grad=True), tg.tensor(2.0)
    out = x.clamp(low, high)
    assert values(out) == [0.0, 0.5, 2.0]
    out.sum().backward()
    assert values(x.grad) == [0.0, 1.0, 0.0]  # a tie keeps the input's gradient
    assert values(low.grad) == [1.0, 0.0, 0.0]
    assert values(tg.clamp_min(tg.tensor([1, 5]), 2)) == [2, 5]
    assert tg.clamp(tg.tensor([1, 5]), min=1.5).dtype == np.float32
    assert values(tg.clamp(tg.tensor([1.0, 5.0]), min=3, max=2)) == [2.0, 2.0]
    with pytest.raises(RuntimeError, match="at least one of 'min' or 'max'"):
        tg.clamp(x)


# -- elementwise helpers --------------------------------------------------------------------------
def test_lerp_addcmul_addcdiv():
    a, b = tg.tensor([1.0, 2.0]), tg.tensor([3.0, 6.0])
    assert values(tg.lerp(a, b, 0.5)) == [2.0, 4.0]
    assert values(a.lerp(b, tg.tensor([0.0, 1.0]))) == [1.0, 6.0]
    assert values(tg.addcmul(a, a, b, value=2)) == [7.0, 26.0]
    assert values(a.addcdiv(b, a, value=0.5)) == [2.5, 3.5]
    with pytest.raises(RuntimeError, match="addcdiv"):
        tg.addcdiv(tg.tensor([1]), tg.tensor([1]), tg.tensor([2]))


def test_logical_ops_take_any_dtype():
    a, b = tg.tensor([0.0, 1.5, -2.0]), tg.tensor([1, 0, 3])
    assert values(tg.logical_and(a, b)) == [False, False, True]
    assert values(a.logical_or(b)) == [True, True, True]
    assert values(tg.logical_xor(a, b)) == [True, True, False]
    assert values(a.logical_not()) == [True, False, False]
    assert tg.logical_not(b).dtype == np.bool_


def test_fmax_fmin_ignore_nan_and_give_ties_to_the_input():
    a = tg.tensor([1.0, math.nan, 2.0, math.nan], requires_grad=True)
    b = tg.tensor([0.0, 3.0, 2.0, math.nan], requires_grad=True)
    out = tg.fmax(a, b)
    assert values(out)[:3] == [1.0, 3.0, 2.0] and math.isnan(values(out)[3])
    out.sum().backward()
    assert values(a.grad) == [1.0, 0.0, 1.0, 1.0] and values(b.grad) == [0.0, 1.0, 0.0, 0.0]
    assert values(tg.fmin(tg.tensor([math.nan, 1.0]), tg.tensor([2.0, 0.0]))) == [2.0, 0.0]


def test_nan_to_num_defaults_and_gradient():
    x = tg.tensor([math.nan, math.inf, -math.inf, 1.5], requires_grad=True)
    out = tg.nan_to_num(x)
    big = float(np.finfo(np.float32).max)
    assert values(out) == [0.0, big, -big, 1.5]
    assert values(x.nan_to_num(nan=1.0, posinf=2.0, neginf=-2.0)) == [1.0, 2.0, -2.0, 1.5]
    out.sum().backward()
    assert values(x.grad) == [0.0, 0.0, 0.0, 1.0]


def test_frac_sgn_signbit_logit():
    x = tg.tensor([-1.5, 2.25, -0.0, 3.0])
    assert values(x.frac()) == [-0.5, 0.25, 0.0, 0.0]
    assert values(tg.sgn(x)) == [-1.0, 1.0, 0.0, 1.0]
    assert values(x.signbit()) == [True, False, True, False]
    assert values(tg.logit(tg.tensor([0.5, 0.75]))) == [0.0, pytest.approx(math.log(3))]
    assert values(tg.logit(tg.tensor([0.0]), eps=0.25)) == [pytest.approx(-math.log(3))]
    with pytest.raises(RuntimeError):
        tg.frac(tg.tensor([1]))


def test_nansum_nanmean():
    x = tg.tensor([[1.0, math.nan], [3.0, 4.0]], requires_grad=True)
    assert tg.nansum(x).item() == 8.0
    assert values(x.nanmean(dim=1)) == [1.0, 3.5]
    x.nansum().backward()
    assert values(x.grad) == [[1.0, 0.0], [1.0, 1.0]]
    assert math.isnan(tg.nanmean(tg.tensor([math.nan])).item())


# -- reductions and order statistics --------------------------------------------------------------
def test_amax_splits_the_gradient_between_ties_and_max_does_not():
    x = tg.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]], requires_grad=True)
    out = x.amax(dim=1)
    assert values(out) == [3.0, 2.0]
    out.sum().backward()
    assert values(x.grad) == [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]]
    assert tg.amax(x).item() == 3.0 and tg.amin(x, dim=(0, 1)).item() == 0.0
    assert x.amax(0, keepdim=True).shape == (1, 3)
    result = tg.aminmax(x, dim=0)
    assert values(result.min) == [1.0, 0.0, 1.0] and values(result.max) == [2.0, 3.0, 3.0]
    with pytest.raises(IndexError, match="non-zero size"):
        tg.amax(tg.zeros(0))


def test_argsort_count_nonzero():
    x = tg.tensor([[3, 1, 2], [0, 0, 5]])
    assert values(x.argsort()) == [[1, 2, 0], [0, 1, 2]]
    assert values(tg.argsort(x, dim=0, descending=True)) == [[0, 0, 1], [1, 1, 0]]
    assert tg.count_nonzero(x).item() == 4 and values(x.count_nonzero(dim=1)) == [3, 1]
    assert tg.count_nonzero(x).dtype == np.int64


def test_median_is_the_lower_middle_and_kthvalue_mode():
    x = tg.tensor([[4.0, 1.0, 3.0, 2.0], [7.0, 7.0, 5.0, 5.0]], requires_grad=True)
    assert tg.median(x).item() == 4.0  # of 8 values: the 4th smallest
    med = x.median(dim=1)
    assert values(med.values) == [2.0, 5.0] and values(med.indices)[0] == 3
    med.values.sum().backward()
    assert values(x.grad)[0] == [0.0, 0.0, 0.0, 1.0]
    assert math.isnan(tg.tensor([1.0, math.nan, 2.0]).median().item())
    k = tg.kthvalue(tg.tensor([5.0, 1.0, 4.0]), 2)
    assert k.values.item() == 4.0 and k.indices.item() == 2
    with pytest.raises(RuntimeError, match="out of range"):
        tg.kthvalue(tg.tensor([1.0]), 2)
    m = tg.tensor([[1, 2, 2, 3, 3]]).mode()
    assert values(m.values) == [2]


def test_diff_unique_bincount_equal():
    x = tg.tensor([1.0, 4.0, 9.0, 16.0])
    assert values(x.diff()) == [3.0, 5.0, 7.0] and values(tg.diff(x, n=2)) == [2.0, 2.0]
    assert values(tg.diff(x, prepend=tg.tensor([0.0]))) == [1.0, 3.0, 5.0, 7.0]
    u, inverse, counts = tg.unique(tg.tensor([3, 1, 3, 2]), return_inverse=True,
                                   return_counts=True)  # fmt: skip
    assert values(u) == [1, 2, 3] and values(inverse) == [2, 0, 2, 1]
    assert values(counts) == [1, 1, 2]
    assert values(tg.bincount(tg.tensor([0, 2, 2]))) == [1, 0, 2]
    weighted = tg.bincount(tg.tensor([0, 2]), weights=tg.tensor([0.5, 1.5]), minlength=4)
    assert values(weighted) == [0.5, 0.0, 1.5, 0.0] and weighted.dtype == np.float32
    with pytest.raises(RuntimeError):
        tg.bincount(tg.tensor([-1, 0]))
    assert tg.equal(x, x.clone()) is True and tg.equal(x, x[:2]) is False


# -- products -------------------------------------------------------------------------------------
def test_t_mm_addmm_dot_inner():
    a = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    v = tg.tensor([1.0, -1.0])
    assert values(a.t()) == [[1.0, 3.0], [2.0, 4.0]] and v.t() is v
    with pytest.raises(RuntimeError, match="<= 2 dimensions"):
        tg.zeros(1, 2, 3).t()
    assert values(tg.mm(a, a)) == [[7.0, 10.0], [15.0, 22.0]]
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        tg.mm(a, tg.zeros(3, 1))
    with pytest.raises(RuntimeError, match="same dtype"):
        tg.mm(a, a.double())
    assert values(tg.addmm(tg.ones(2), a, a, beta=2, alpha=0.5)) == [[5.5, 7.0], [9.5, 13.0]]
    assert values(tg.addmm(tg.tensor(math.nan), a, a, beta=0)) == [[7.0, 10.0], [15.0, 22.0]]
    assert tg.dot(v, v).item() == 2.0 and values(a.inner(v)) == [-1.0, -1.0]
    assert values(a.mv(v)) == [-1.0, -1.0] and a.trace().item() == 5.0
    b = tg.ones(2, 2, 3)
    assert tg.baddbmm(tg.zeros(2, 2, 3), tg.ones(2, 2, 2), b, alpha=2).shape == (2, 2, 3)


def test_tensordot_kron_cross_cdist():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    np.testing.assert_allclose(tg.tensordot(tg.tensor(a), tg.tensor(b), dims=1).numpy(), a @ b)
    np.testing.assert_allclose(
        tg.tensordot(tg.tensor(a), tg.tensor(a), dims=([0, 1], [0, 1])).numpy(), (a * a).sum()
    )
    np.testing.assert_allclose(tg.kron(tg.tensor(a), tg.tensor(b)).numpy(), np.kron(a, b))
    e1, e2 = tg.tensor([1.0, 0.0, 0.0]), tg.tensor([0.0, 1.0, 0.0])
    assert values(tg.cross(e1, e2)) == [0.0, 0.0, 1.0]
    points = tg.tensor([[0.0, 0.0], [3.0, 4.0]])
    assert values(tg.cdist(points, points)) == [[0.0, 5.0], [5.0, 0.0]]
    assert values(tg.cdist(points, points, p=1)) == [[0.0, 7.0], [7.0, 0.0]]


# -- layout ---------------------------------------------------------------------------------------
def test_clone_contiguous_share_nothing_and_keep_the_gradient():
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x.clone()
    assert y.data is not x.data and not np.shares_memory(y.data, x.data)
    c = x.t().contiguous()
    assert c.is_contiguous() and not x.t().is_contiguous() and x.contiguous() is x
    (y.sum() + (c * 2).sum()).backward()
    assert values(x.grad) == [[3.0, 3.0], [3.0, 3.0]]


def test_swapaxes_movedim_broadcast_reshape_as():
    x = tg.zeros(2, 3, 4)
    assert x.swapaxes(0, 2).shape == (4, 3, 2) and tg.swapdims(x, 1, 2).shape == (2, 4, 3)
    assert x.movedim(0, -1).shape == (3, 4, 2) and tg.moveaxis(x, (0, 1), (2, 0)).shape == (3, 4, 2)
    assert tg.movedim(tg.arange(24).reshape(2, 3, 4), 2, 0).shape == (4, 2, 3)
    assert tg.broadcast_to(tg.ones(3), (2, 3)).shape == (2, 3)
    a, b = tg.broadcast_tensors(tg.ones(3, 1), tg.ones(1, 2))
    assert a.shape == b.shape == (3, 2) and tg.broadcast_shapes((3, 1), (2,)) == (3, 2)
    assert x.reshape_as(tg.zeros(4, 6)).shape == (4, 6)


def test_narrow_select_tile_repeat_interleave_meshgrid():
    x = tg.arange(12).reshape(3, 4)
    assert values(x.narrow(1, 1, 2)) == [[1, 2], [5, 6], [9, 10]]
    assert values(x.narrow(0, -1, 1)) == [[8, 9, 10, 11]]
    with pytest.raises(RuntimeError, match="exceeds dimension size"):
        x.narrow(0, 2, 2)
    assert values(x.select(1, -1)) == [3, 7, 11]
    assert tg.tensor([1, 2]).tile((2,)).tolist() == [1, 2, 1, 2]
    assert tg.tile(tg.tensor([[1, 2]]), (2, 1, 1)).shape == (2, 1, 2)
    assert values(tg.tensor([1, 2]).repeat_interleave(2)) == [1, 1, 2, 2]
    assert values(tg.repeat_interleave(tg.tensor([[1, 2], [3, 4]]), tg.tensor([1, 2]), dim=0)) == [
        [1, 2], [3, 4], [3, 4],
    ]  # fmt: skip
    assert values(tg.repeat_interleave(tg.tensor([2, 1]))) == [0, 0, 1]
    gx, gy = tg.meshgrid(tg.tensor([1, 2, 3]), tg.tensor([4, 5]), indexing="ij")
    assert gx.shape == (3, 2) and values(gy[0]) == [4, 5]
    xs, ys = tg.meshgrid(tg.tensor([1, 2, 3]), tg.tensor([4, 5]), indexing="xy")
    want = np.meshgrid([1, 2, 3], [4, 5], indexing="xy")
    assert values(xs) == want[0].tolist() and values(ys) == want[1].tolist()


def test_hstack_vstack_column_stack_ravel_atleast():
    a, b = tg.tensor([1, 2]), tg.tensor([3, 4])
    assert values(tg.hstack([a, b])) == [1, 2, 3, 4]
    assert values(tg.vstack([a, b])) == [[1, 2], [3, 4]]
    assert values(tg.column_stack([a, b])) == [[1, 3], [2, 4]]
    assert values(tg.hstack([a.reshape(2, 1), b.reshape(2, 1)])) == [[1, 3], [2, 4]]
    assert tg.tensor([[1, 2]]).ravel().shape == (2,) and tg.atleast_2d(tg.tensor(1)).shape == (1, 1)
    assert tg.atleast_1d(tg.tensor(1.0)).shape == (1,)


# -- selection and index writes -------------------------------------------------------------------
def test_masked_select_take_take_along_dim():
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert values(x.masked_select(x > 1.5)) == [2.0, 3.0, 4.0]
    assert values(tg.masked_select(x, tg.tensor([True, False]))) == [1.0, 3.0]
    assert values(x.take(tg.tensor([[0, 3], [-1, 1]]))) == [[1.0, 4.0], [4.0, 2.0]]
    with pytest.raises(IndexError):
        x.take(tg.tensor([4]))
    idx = x.argmax(dim=1, keepdim=True)
    assert values(tg.take_along_dim(x, idx, dim=1)) == [[2.0], [4.0]]
    assert values(x.take_along_dim(tg.tensor([3, 0]))) == [4.0, 1.0]
    tg.take_along_dim(x, idx, 1).sum().backward()
    assert values(x.grad) == [[0.0, 1.0], [0.0, 1.0]]


def test_index_add_copy_fill_and_scatter():
    x = tg.zeros(3, 2)
    src = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    index = tg.tensor([0, 0])
    assert values(x.index_add(0, index, src)) == [[4.0, 6.0], [0.0, 0.0], [0.0, 0.0]]
    assert values(tg.index_add(x, 0, tg.tensor([2, 1]), src, alpha=2)) == [
        [0.0, 0.0], [6.0, 8.0], [2.0, 4.0],
    ]  # fmt: skip
    assert values(x.index_copy(0, tg.tensor([2, 0]), src)) == [[3.0, 4.0], [0.0, 0.0], [1.0, 2.0]]
    assert values(x.index_fill(1, tg.tensor([1]), -1)) == [[0.0, -1.0]] * 3
    target = tg.zeros(2, 3)
    placed = target.scatter(1, tg.tensor([[2], [0]]), tg.tensor([[5.0], [6.0]]))
    assert values(placed) == [[0.0, 0.0, 5.0], [6.0, 0.0, 0.0]]
    assert values(tg.scatter(target, 0, tg.tensor([[1, 0, 1]]), 7.0)) == [
        [0.0, 7.0, 0.0], [7.0, 0.0, 7.0],
    ]  # fmt: skip
    summed = target.scatter(1, tg.tensor([[1, 1]]), tg.tensor([[1.0, 2.0]]), reduce="add")
    assert values(summed) == [[0.0, 3.0, 0.0], [0.0, 0.0, 0.0]]


def test_index_put_sets_or_accumulates():
    x = tg.zeros(3)
    x.index_put_((tg.tensor([0, 0, 2]),), tg.tensor(1.0), accumulate=True)
    assert values(x) == [2.0, 0.0, 1.0]
    y = x.index_put((tg.tensor([1]),), tg.tensor([5.0]))
    assert values(y) == [2.0, 5.0, 1.0] and values(x) == [2.0, 0.0, 1.0]


# -- in-place ops ---------------------------------------------------------------------------------
def test_a_leaf_that_requires_grad_refuses_in_place_ops_outside_no_grad():
    w = tg.ones(3, requires_grad=True)
    for write in (lambda: w.add_(1), lambda: w.zero_(), lambda: w.__setitem__(0, 2.0),
                  lambda: w.mul_(2)):  # fmt: skip
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            write()
    with tg.no_grad():
        w -= 0.5  # the manual SGD step of the PyTorch tutorials
        w[0] = 3.0
        w.clamp_(max=2.0)
    assert values(w) == [2.0, 0.5, 0.5] and w.is_leaf and w.requires_grad


def test_in_place_ops_write_the_array_views_share():
    x = tg.zeros(2, 3)
    row = x[0]
    row.fill_(2.0)
    x[1, 1:] = tg.tensor([5.0, 6.0])
    assert values(x) == [[2.0, 2.0, 2.0], [0.0, 5.0, 6.0]]
    x.add_(tg.ones(3), alpha=2).mul_(0.5).sub_(1)
    assert values(x) == [[1.0, 1.0, 1.0], [0.0, 2.5, 3.0]]
    x.zero_()
    x.copy_(tg.tensor([1, 2, 3]))
    assert values(x) == [[1.0, 2.0, 3.0]] * 2 and x.dtype == np.float32
    x[x > 1.5] = 0.0
    assert values(x) == [[1.0, 0.0, 0.0]] * 2
    counts = tg.zeros(3, dtype=tg.int64)
    counts += 2
    assert values(counts) == [2, 2, 2] and counts.dtype == np.int64
    with pytest.raises(RuntimeError, match="can't be cast"):
        counts /= 2
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        tg.zeros(3).add_(tg.ones(2, 3))


def test_in_place_ops_on_a_graph_value_rebase_its_history():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.add_(1).mul_(x)  # (2x + 1) x
    y[0] = 0.0
    y.sum().backward()
    assert values(x.grad) == [0.0, 4 * 2.0 + 1, 4 * 3.0 + 1]
    buffer = tg.zeros(3)
    buffer += x  # a buffer that does not require grad joins the graph
    assert buffer.requires_grad and not buffer.is_leaf


def test_a_backward_that_reads_an_overwritten_value_raises():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    z = (y * y).sum()
    y.mul_(3)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


def test_unary_in_place_ops_and_masked_fill_():
    x = tg.tensor([-1.0, 4.0])
    assert values(x.abs_()) == [1.0, 4.0] and values(x.square_()) == [1.0, 16.0]
    assert values(x.sqrt_()) == [1.0, 4.0] and x.neg_().neg_() is x
    x.masked_fill_(x > 2, -1.0)
    assert values(x) == [1.0, -1.0]
    tg.manual_seed(0)
    w = tg.empty(1000).uniform_(-2.0, 2.0)
    assert -2.0 <= w.min().item() and w.max().item() < 2.0
    n = tg.empty(4000).normal_(1.0, 0.5)
    assert abs(n.mean().item() - 1.0) < 0.05 and abs(n.std().item() - 0.5) < 0.05


def test_in_place_ops_on_the_test_device():
    x = tg.zeros(2, 2, device=TEST_DEVICE)
    x[0] = 1.0
    x.add_(tg.ones(2, 2, device=TEST_DEVICE)).clamp_(max=1.5)
    assert values(x) == [[1.5, 1.5], [1.0, 1.0]] and x.device == tg.device(TEST_DEVICE)


# -- factories ------------------------------------------------------------------------------------
def test_new_factories_take_the_tensors_dtype_and_device():
    x = tg.zeros(2, dtype=tg.float64)
    assert x.new_zeros(2, 3).dtype == np.float64 and x.new_ones((1, 2)).shape == (1, 2)
    assert values(x.new_full((2,), 7)) == [7.0, 7.0] and x.new_full((2,), 7).dtype == np.float64
    assert x.new_tensor([1, 2]).dtype == np.float64 and x.new_empty(3).shape == (3,)
    assert x.new_zeros(2, dtype=tg.int64).dtype == np.int64
    d = tg.zeros(1, device=TEST_DEVICE)
    assert d.new_ones(2).device == tg.device(TEST_DEVICE)


def test_random_like_factories_and_distributions():
    x = tg.zeros(2, 3, dtype=tg.float64)
    tg.manual_seed(1)
    a = tg.rand_like(x)
    tg.manual_seed(1)
    assert values(tg.rand_like(x)) == values(a) and a.dtype == np.float64
    assert tg.randn_like(x).shape == (2, 3) and tg.empty_like(x).dtype == np.float64
    r = tg.randint_like(tg.zeros(100, dtype=tg.int32), 3, 5)
    assert r.dtype == np.int32 and set(values(r)) <= {3, 4}
    np.testing.assert_allclose(tg.logspace(0, 2, 3).numpy(), [1.0, 10.0, 100.0])
    assert tg.normal(0.0, 1.0, size=(2, 2)).shape == (2, 2)
    assert tg.normal(tg.zeros(3), 1.0).shape == (3,)
    b = tg.bernoulli(tg.tensor([0.0, 1.0, 1.0]))
    assert values(b) == [0.0, 1.0, 1.0]
    picks = tg.multinomial(tg.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]), 1)
    assert values(picks) == [[1], [0]] and picks.dtype == np.int64
    assert sorted(values(tg.multinomial(tg.tensor([1.0, 1.0, 1.0]), 3))) == [0, 1, 2]
    with pytest.raises(RuntimeError):
        tg.multinomial(tg.tensor([1.0, 0.0]), 2)


def test_inference_mode_records_nothing():
    x = tg.ones(2, requires_grad=True)
    with tg.inference_mode():
        assert not (x * 2).requires_grad and tg.is_inference_mode_enabled()
    with tg.inference_mode(False):
        assert (x * 2).requires_grad

    @tg.inference_mode()
    def predict(t):
        return t * 2

    assert not predict(x).requires_grad


def test_only_floating_tensors_require_grad_runtime_error_as_pytorch():
    for make in (lambda: tg.tensor([1, 2], requires_grad=True),
                 lambda: tg.ones(2, dtype=tg.int64).requires_grad_()):  # fmt: skip
        with pytest.raises(RuntimeError, match="floating-point"):
            make()
    with pytest.raises(RuntimeError, match="leaf"):
        (tg.ones(1, requires_grad=True) * 2).requires_grad_(False)


def test_casts_by_name():
    x = tg.tensor([1.5, -2.0])
    assert x.half().dtype == np.float16 and x.short().dtype == np.int16
    assert x.char().dtype == np.int8 and x.byte().dtype == np.uint8
    with pytest.raises(TypeError, match="bfloat16"):
        x.bfloat16()


def test_tests_of_tensors():
    x = tg.ones(2, 3)
    assert tg.is_tensor(x) and not tg.is_tensor(np.ones(2))
    assert tg.numel(x) == 6 and tg.is_floating_point(x) and not tg.is_floating_point(x.long())
    assert tg.detach(x * 1).is_leaf
