"""The op table on the test device that stands in for a GPU (``tensorgrad.testing.device``).

Each row runs on the test device and on the CPU from the same inputs: the forward, the
first-order gradients and a second-order gradient must agree. The test device refuses every
NumPy call and host round trip, so a forward or VJP that computes with NumPy on device data
fails here, as it would on CUDA.
"""

import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from op_table import ROWS

import tensorgrad as tg
from tensorgrad.backends import backend_for, is_array
from tensorgrad.testing.device import TEST_DEVICE

# the GPU check script runs these files on CUDA (TENSORGRAD_TEST_DEVICE=cuda)
TEST_DEVICE = tg.device(os.environ.get("TENSORGRAD_TEST_DEVICE", str(TEST_DEVICE)))

DEVICE_ONLY = {"to_device"}  # rows that move data themselves


def _on(device, arrays, params, dtype, requires):
    backend = backend_for(device)
    tensors = []
    for i, a in enumerate(arrays):
        a = a.astype(dtype) if a.dtype.kind == "f" else a
        tensors.append(tg.tensor(a, device=device, requires_grad=i in requires))
    def move(value):  # index arrays of the internal ops live where the data does
        if is_array(value):
            return backend.from_host(value, device)
        return tuple(move(v) for v in value) if isinstance(value, tuple) else value

    return tensors, {k: move(v) for k, v in params.items()}


def _differentiated(row, arrays) -> tuple:
    if row.grad_inputs is not None:
        return row.grad_inputs
    return tuple(i for i, a in enumerate(arrays) if a.dtype.kind == "f")


def _host(t):
    return t.cpu().numpy() if t.requires_grad is False else t.detach().cpu().numpy()


def _run(row, arrays, params, device, dtype):
    """The output, the first-order gradients and d(sum of gradients)/d inputs, on ``device``."""
    wanted = _differentiated(row, arrays)
    inputs, moved = _on(device, arrays, params, dtype, wanted)
    out = row.fn(*inputs, **moved)
    assert out.device == tg.device(device), f"{row.name} left the device: {out.device}"
    firsts = seconds = ()
    differentiable = [inputs[i] for i in wanted]
    if differentiable and out.requires_grad:
        weights = tg.tensor(np.linspace(0.5, 1.5, out.numel()).reshape(out.shape), dtype=dtype)
        grads = tg.autograd.grad(
            out, differentiable, weights.to(device), create_graph=True, allow_unused=True
        )
        firsts = [None if g is None else _host(g) for g in grads]
        total = sum((g * g).sum() for g in grads if g is not None and g.requires_grad)
        if isinstance(total, tg.Tensor):
            seconds = tg.autograd.grad(total, differentiable, allow_unused=True)
            seconds = [None if g is None else _host(g) for g in seconds]
    return _host(out), firsts, seconds


def _assert_close(a, b, name, what):
    if a is None or b is None:
        assert a is None and b is None, f"{name}: {what} missing on one device"
        return
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, err_msg=f"{name}: {what}")


DEVICE_ROWS = [row for row in ROWS if not set(row.ops) & DEVICE_ONLY]


@pytest.mark.parametrize("row", DEVICE_ROWS, ids=lambda r: r.name)
@given(data=st.data())
def test_row_on_the_test_device_matches_the_cpu(row, data):
    arrays, params = data.draw(row.args, label="inputs and params")
    cpu = _run(row, arrays, params, "cpu", np.float64)
    dev = _run(row, arrays, params, TEST_DEVICE, np.float64)
    _assert_close(dev[0], cpu[0], row.name, "forward")
    for i, (a, b) in enumerate(zip(dev[1], cpu[1])):
        _assert_close(a, b, row.name, f"gradient of input {i}")
    for i, (a, b) in enumerate(zip(dev[2], cpu[2])):
        _assert_close(a, b, row.name, f"second-order gradient of input {i}")
    out32 = row.fn(*_on(TEST_DEVICE, arrays, params, np.float32, ())[0],
                   **_on(TEST_DEVICE, arrays, params, np.float32, ())[1])  # fmt: skip
    assert out32.dtype == np.float32 or out32.dtype.kind != "f", f"{row.name}: {out32.dtype}"
