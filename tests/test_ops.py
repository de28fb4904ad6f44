"""Walk the op table: forward vs NumPy, then first and second derivatives vs finite differences."""

import functools
import importlib
import pkgutil

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from op_table import ROWS

import tensorgrad as tg
from tensorgrad.ops import REGISTRY
from tensorgrad.testing import gradcheck, gradgradcheck

# import every module so that every op that exists is registered before the meta-test looks
for _module in pkgutil.walk_packages(tg.__path__, "tensorgrad."):
    if not _module.name.startswith("tensorgrad.testing"):
        importlib.import_module(_module.name)


def _tensors(arrays, dtype, requires=()):
    out = []
    for i, a in enumerate(arrays):
        a = a.astype(dtype) if a.dtype.kind == "f" else a
        out.append(tg.tensor(a, requires_grad=i in requires))
    return out


def _differentiated(row, arrays) -> tuple:
    if row.grad_inputs is not None:
        return row.grad_inputs
    return tuple(i for i, a in enumerate(arrays) if a.dtype.kind == "f")


def test_every_registered_op_has_a_row():
    covered = {name for row in ROWS for name in row.ops}
    missing = sorted(set(REGISTRY) - covered)
    assert not missing, f"registered ops without an op-table row: {missing}"


def test_rows_name_only_registered_ops():
    unknown = sorted({name for row in ROWS for name in row.ops} - set(REGISTRY) - {"unsqueeze"})
    assert not unknown, f"op-table rows name ops that are not registered: {unknown}"


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.name)
@given(data=st.data())
def test_forward_matches_reference(row, data):
    arrays, params = data.draw(row.args, label="inputs and params")
    expected = row.reference(*arrays, **params)
    out = row.fn(*_tensors(arrays, np.float64), **params)
    assert out.dtype == np.float64
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-7, atol=1e-10)
    out32 = row.fn(*_tensors(arrays, np.float32), **params)
    assert out32.dtype == np.float32, f"{row.name} changed float32 to {out32.dtype}"
    np.testing.assert_allclose(out32.data, expected, rtol=1e-4, atol=row.atol)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.name)
@given(data=st.data())
def test_gradients_match_finite_differences(row, data):
    arrays, params = data.draw(row.args, label="inputs and params")
    inputs = _tensors(arrays, np.float64, _differentiated(row, arrays))
    fn = functools.partial(row.fn, **params)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.name)
@given(data=st.data())
def test_gradient_keeps_float32(row, data):
    arrays, params = data.draw(row.args, label="inputs and params")
    inputs = _tensors(arrays, np.float32, _differentiated(row, arrays))
    out = row.fn(*inputs, **params)
    out.backward(tg.ones_like(out))
    for i in _differentiated(row, arrays):
        assert inputs[i].grad is not None and inputs[i].grad.dtype == np.float32
        assert inputs[i].grad.shape == inputs[i].shape
