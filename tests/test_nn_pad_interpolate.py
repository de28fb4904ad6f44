"""F.pad modes, F.interpolate, F.normalize and F.celu against PyTorch's documented results and
errors (their values and gradients against NumPy are op-table rows)."""

import math

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import nn
from tensorgrad.nn import functional as F


def values(t):
    return t.detach().cpu().numpy().tolist()


def test_pad_modes_on_one_row():
    x = tg.arange(4.0).reshape(1, 1, 4)
    assert values(F.pad(x, (2, 1), mode="reflect")) == [[[2.0, 1.0, 0.0, 1.0, 2.0, 3.0, 2.0]]]
    assert values(F.pad(x, (2, 1), mode="replicate")) == [[[0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 3.0]]]
    assert values(F.pad(x, (2, 1), mode="circular")) == [[[2.0, 3.0, 0.0, 1.0, 2.0, 3.0, 0.0]]]
    assert values(F.pad(x, (-1, 1), mode="replicate")) == [[[1.0, 2.0, 3.0, 3.0]]]  # crops


def test_reflect_pad_of_a_plane_as_pytorchs_example():
    x = tg.arange(9.0).reshape(1, 1, 3, 3)
    out = F.pad(x, (1, 1, 2, 0), mode="reflect")
    assert out.shape == (1, 1, 5, 5)
    assert values(out)[0][0][0] == [7.0, 6.0, 7.0, 8.0, 7.0]
    assert values(out)[0][0][4] == [7.0, 6.0, 7.0, 8.0, 7.0]


def test_padding_gradients_count_every_copy():
    x = tg.ones(1, 3, requires_grad=True)
    F.pad(x, (2, 2), mode="replicate").sum().backward()
    assert values(x.grad) == [[3.0, 1.0, 3.0]]


def test_pad_errors_name_the_rule():
    x = tg.zeros(1, 1, 3)
    with pytest.raises(ValueError, match="less than its size 3"):
        F.pad(x, (3, 0), mode="reflect")
    with pytest.raises(RuntimeError, match="less than its size 3"):  # PyTorch's type, too
        F.pad(x, (3, 0), mode="reflect")
    with pytest.raises(ValueError, match="at most its size 3"):
        F.pad(x, (4, 0), mode="circular")
    with pytest.raises(ValueError, match="2-D or 3-D input"):
        F.pad(tg.zeros(3), (1, 1), mode="reflect")
    with pytest.raises(ValueError, match="mode must be one of"):
        F.pad(x, (1, 1), mode="symmetric")
    with pytest.raises(ValueError, match="value"):
        F.pad(x, (1, 1), mode="replicate", value=2.0)
    assert values(F.pad(x, (1, 0), value=2.0))[0][0][0] == 2.0


def test_bilinear_upsampling_as_pytorch():
    x = tg.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    out = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
    assert values(out)[0][0] == [
        [1.0, 1.25, 1.75, 2.0], [1.5, 1.75, 2.25, 2.5],
        [2.5, 2.75, 3.25, 3.5], [3.0, 3.25, 3.75, 4.0],
    ]  # fmt: skip
    corners = F.interpolate(x, size=(3, 3), mode="bilinear", align_corners=True)
    assert values(corners)[0][0] == [[1.0, 1.5, 2.0], [2.0, 2.5, 3.0], [3.0, 3.5, 4.0]]


def test_nearest_on_3d_inputs_and_sizes():
    x = tg.arange(5.0).reshape(1, 1, 5)
    assert values(F.interpolate(x, size=3)) == [[[0.0, 1.0, 3.0]]]
    assert values(F.interpolate(x, size=3, mode="nearest-exact")) == [[[0.0, 2.0, 4.0]]]
    assert values(F.interpolate(x, scale_factor=0.5)) == [[[0.0, 2.0]]]
    out = F.interpolate(tg.zeros(2, 3, 4, 5), scale_factor=(0.5, 2))
    assert out.shape == (2, 3, 2, 10) and out.dtype == np.float32


def test_interpolate_gradient_sums_the_weights():
    x = tg.ones(1, 1, 2, 2, requires_grad=True)
    F.interpolate(x, scale_factor=2, mode="bilinear").sum().backward()
    assert values(x.grad) == [[[[4.0, 4.0], [4.0, 4.0]]]]


def test_interpolate_errors():
    x = tg.zeros(1, 1, 4, 4)
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="align_corners"):
        F.interpolate(x, size=2, align_corners=True)
    with pytest.raises(ValueError, match="needs a 3-D input"):
        F.interpolate(x, size=2, mode="linear")
    with pytest.raises(ValueError, match="mode must be"):
        F.interpolate(x, size=2, mode="bicubic")
    with pytest.raises(ValueError, match="3-D"):
        F.interpolate(tg.zeros(4, 4), size=2)


def test_normalize_rows_and_the_zero_vector():
    x = tg.tensor([[3.0, 4.0], [0.0, 0.0]], requires_grad=True)
    out = F.normalize(x)
    np.testing.assert_allclose(values(out), [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)
    out.sum().backward()
    assert all(math.isfinite(v) for v in np.ravel(values(x.grad)))
    assert values(x.grad)[1] == pytest.approx([1e12, 1e12])  # x / eps, as PyTorch
    assert values(F.normalize(tg.tensor([[1.0, -3.0]]), p=1)) == [[0.25, -0.75]]
    assert values(F.normalize(tg.tensor([[1.0, -4.0]]), p=math.inf, dim=1)) == [[0.25, -1.0]]


def test_celu_and_its_layer():
    x = tg.tensor([-1.0, 0.0, 2.0, -1000.0], requires_grad=True)
    out = F.celu(x, alpha=2.0)
    np.testing.assert_allclose(values(out), [2 * (math.exp(-0.5) - 1), 0.0, 2.0, -2.0], rtol=1e-6)
    out.sum().backward()
    np.testing.assert_allclose(values(x.grad), [math.exp(-0.5), 1.0, 1.0, 0.0], rtol=1e-6)
    layer = nn.CELU(0.5)
    assert repr(layer) == "CELU(alpha=0.5)"
    assert values(layer(tg.tensor([-1.0]))) == pytest.approx([0.5 * (math.exp(-2) - 1)])
    with pytest.raises(RuntimeError, match="alpha"):
        F.celu(x, alpha=0.0)
    with pytest.raises(NotImplementedError, match="inplace"):  # as issue 13's activations
        nn.CELU(inplace=True)


def test_upsample_layer():
    layer = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
    assert repr(layer) == "Upsample(scale_factor=2, mode='bilinear')"
    x = tg.randn(1, 2, 3, 3)
    expected = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)
    assert values(layer(x)) == values(expected)
    assert nn.Upsample(size=(4, 5))(x).shape == (1, 2, 4, 5)
