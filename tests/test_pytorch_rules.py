"""PyTorch's rules where NumPy's differ: type promotion, bitwise operators, advanced indexing,
``linspace`` rounding, ``pow``'s gradients at the edges, and the error type of bad arguments.
Each expected value below is PyTorch 2.13's (its documented rule, checked against it once)."""

import warnings

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.dtypes import result_type

# PyTorch's result dtype of (row dtype) op (column dtype), from torch.result_type
PROMOTION = """
# both dimensioned
       b  u1  i1  i2  i4  i8  f2  f4  f8
  b:   b  u1  i1  i2  i4  i8  f2  f4  f8
 u1:  u1  u1  i2  i2  i4  i8  f2  f4  f8
 i1:  i1  i2  i1  i2  i4  i8  f2  f4  f8
 i2:  i2  i2  i2  i2  i4  i8  f2  f4  f8
 i4:  i4  i4  i4  i4  i4  i8  f2  f4  f8
 i8:  i8  i8  i8  i8  i8  i8  f2  f4  f8
 f2:  f2  f2  f2  f2  f2  f2  f2  f4  f8
 f4:  f4  f4  f4  f4  f4  f4  f4  f4  f8
 f8:  f8  f8  f8  f8  f8  f8  f8  f8  f8
# first dimensioned, second 0-d
       b  u1  i1  i2  i4  i8  f2  f4  f8
  b:   b  u1  i1  i2  i4  i8  f2  f4  f8
 u1:  u1  u1  u1  u1  u1  u1  f2  f4  f8
 i1:  i1  i1  i1  i1  i1  i1  f2  f4  f8
 i2:  i2  i2  i2  i2  i2  i2  f2  f4  f8
 i4:  i4  i4  i4  i4  i4  i4  f2  f4  f8
 i8:  i8  i8  i8  i8  i8  i8  f2  f4  f8
 f2:  f2  f2  f2  f2  f2  f2  f2  f2  f2
 f4:  f4  f4  f4  f4  f4  f4  f4  f4  f4
 f8:  f8  f8  f8  f8  f8  f8  f8  f8  f8
# first 0-d, second dimensioned
       b  u1  i1  i2  i4  i8  f2  f4  f8
  b:   b  u1  i1  i2  i4  i8  f2  f4  f8
 u1:  u1  u1  i1  i2  i4  i8  f2  f4  f8
 i1:  i1  u1  i1  i2  i4  i8  f2  f4  f8
 i2:  i2  u1  i1  i2  i4  i8  f2  f4  f8
 i4:  i4  u1  i1  i2  i4  i8  f2  f4  f8
 i8:  i8  u1  i1  i2  i4  i8  f2  f4  f8
 f2:  f2  f2  f2  f2  f2  f2  f2  f4  f8
 f4:  f4  f4  f4  f4  f4  f4  f2  f4  f8
 f8:  f8  f8  f8  f8  f8  f8  f2  f4  f8
# a dimensioned tensor with a Python int, float, bool
  b:  i8  f4   b
 u1:  u1  f4  u1
 i1:  i1  f4  i1
 i2:  i2  f4  i2
 i4:  i4  f4  i4
 i8:  i8  f4  i8
 f2:  f2  f2  f2
 f4:  f4  f4  f4
 f8:  f8  f8  f8
"""
CODES = {"b": "bool", "u1": "uint8", "i1": "int8", "i2": "int16", "i4": "int32", "i8": "int64",
         "f2": "float16", "f4": "float32", "f8": "float64"}  # fmt: skip
KINDS = {"both dimensioned": (True, True), "first dimensioned, second 0-d": (True, False),
         "first 0-d, second dimensioned": (False, True)}  # fmt: skip


def _promotion_cases():
    cases, kind, columns = [], None, None
    for line in PROMOTION.strip().splitlines():
        if line.startswith("#"):
            kind, columns = line[2:], None
            continue
        if ":" not in line:
            columns = line.split()
            continue
        row, values = line.split(":")
        if kind in KINDS:
            a_dims, b_dims = KINDS[kind]
            for col, want in zip(columns, values.split()):
                cases.append((row.strip(), a_dims, col, b_dims, want))
        else:
            for scalar, want in zip((2, 2.5, True), values.split()):
                cases.append((row.strip(), True, scalar, None, want))
    return cases


def _operand(code, dims):
    return tg.ones(2, dtype=CODES[code]) if dims else tg.ones((), dtype=CODES[code])


@pytest.mark.parametrize("a, a_dims, b, b_dims, want", _promotion_cases())
def test_type_promotion_is_pytorchs(a, a_dims, b, b_dims, want):
    x = _operand(a, a_dims)
    if b_dims is None:  # a Python scalar
        out = x * b if not (CODES[a] == "bool" and b is True) else x & b
    else:
        y = _operand(b, b_dims)
        assert result_type((x.dtype, a_dims), (y.dtype, b_dims)) == CODES[want]
        out = tg.maximum(x, y) if CODES[want] != "bool" else x & y
    assert out.dtype == CODES[want]


def test_the_issues_promotion_cases():
    i32, f0 = tg.tensor([1, 2], dtype=tg.int32), tg.tensor(0.5)
    for out in (tg.maximum(i32, f0), i32 + f0, i32 * f0, f0 - i32):
        assert out.dtype == np.float32
    x = tg.ones(3, requires_grad=True)
    (x * tg.tensor(2.0, dtype=tg.float64)).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [2.0, 2.0, 2.0]


def test_bitwise_operators_keep_integer_dtypes():
    a, b = tg.tensor([6, 3, -8], dtype=tg.int32), tg.tensor([3, 5, 1], dtype=tg.int32)
    assert (a & b).tolist() == [2, 1, 0] and (a & b).dtype == np.int32
    assert (a | b).tolist() == [7, 7, -7] and (a ^ b).tolist() == [5, 6, -7]
    assert (~a).tolist() == [-7, -4, 7]
    assert (a << 2).tolist() == [24, 12, -32] and (a >> 1).tolist() == [3, 1, -4]
    assert (12 & a).tolist() == [4, 0, 8] and (1 | a).tolist() == [7, 3, -7]
    t, f = tg.tensor([True, True, False]), tg.tensor([True, False, False])
    assert (t & f).tolist() == [True, False, False] and (t | f).tolist() == [True, True, False]
    assert (t ^ f).tolist() == [False, True, False] and (~t).tolist() == [False, False, True]
    with pytest.raises(RuntimeError, match="bitwise_and: needs integer or bool"):
        tg.ones(2) & tg.ones(2)
    with pytest.raises(RuntimeError, match="bitwise_not"):
        ~tg.ones(2)


def test_integers_select_before_index_arrays_as_pytorch():
    x = tg.arange(3 * 4 * 12 * 5 * 6).reshape(3, 4, 12, 5, 6).double().requires_grad_()
    idx = tg.tensor([0, 2, 1])
    out = x[1, :, 3:11:2, idx, 0:2]
    assert out.shape == (4, 4, 3, 2)  # NumPy: (3, 4, 4, 2)
    expected = x.detach().numpy()[1][:, 3:11:2][:, :, [0, 2, 1]][..., 0:2]
    np.testing.assert_array_equal(out.detach().numpy(), expected)
    out.sum().backward()
    assert x.grad.sum().item() == out.numel()
    assert x[idx, 1].shape == (3, 12, 5, 6) and x[..., 1, idx].shape == (3, 4, 12, 3)
    assert x[None, 0, idx].shape == (1, 3, 12, 5, 6)
    assert x[0, idx, 2].shape == (3, 5, 6)  # adjacent: the same in both


def test_integer_linspace_rounds_as_pytorch():
    want = [5, 4, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0, -1, -1, -2, -2, -3, -3, -4, -5]
    assert tg.linspace(5, -5, 20, dtype=tg.int32).tolist() == want
    assert tg.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert tg.linspace(3, 3, 1).tolist() == [3.0] and tg.linspace(0, 1, 0).shape == (0,)


def _pow_grads(base, exponent):
    a = tg.tensor(base, dtype=tg.float64, requires_grad=True)
    b = tg.tensor(exponent, dtype=tg.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the forward's 0 ** -1 warns in NumPy
        (a**b).sum().backward()
    return a.grad.tolist(), b.grad.tolist()


def test_pow_gradients_at_the_edges_are_pytorchs():
    base, exponent = _pow_grads([0.0, 0.0, -2.0, 0.0], [-1.0, 0.0, 0.5, -0.3])
    assert base[:2] == [-np.inf, 0.0] and np.isnan(base[2]) and base[3] == -np.inf
    assert exponent[:2] == [-np.inf, 0.0] and np.isnan(exponent[2]) and exponent[3] == -np.inf
    x = tg.tensor([-2.0, 0.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (0**x).sum().backward()
    assert x.grad.tolist() == [-np.inf, 0.0]
    x = tg.tensor([1.0, -1.0], requires_grad=True)
    y = (-2) ** x
    y.sum().backward()
    assert y.tolist() == [-2.0, -0.5] and np.isnan(x.grad.numpy()).all()


@pytest.mark.parametrize(
    "bad",
    [
        lambda: tg.ones(2, 3).permute(0),
        lambda: tg.ones(6).reshape(4),
        lambda: tg.ones(2).clamp(),
        lambda: tg.tensor([2]) ** -2,
        lambda: tg.functions.pad(tg.ones(2), (1,)),
        lambda: tg.nn.functional.conv2d(tg.ones(1, 1, 2, 2), tg.ones(1, 1, 3, 3)),
    ],
    ids=["permute", "reshape", "clip_none_none", "int_negative_power", "pad_length", "conv_kernel"],
)
def test_bad_arguments_raise_a_runtime_error_as_pytorch(bad):
    with pytest.raises(RuntimeError) as caught:
        bad()
    assert isinstance(caught.value, ValueError)  # and still a ValueError, Python's convention
