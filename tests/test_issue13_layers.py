"""Issue 13's layers (Embedding, LayerNorm, GroupNorm, Dropout2d, Softmax/LogSoftmax, the
activation modules, Conv1d, ConvTranspose2d, AdaptiveAvgPool2d, Unflatten): PyTorch's numbers,
the test device against the CPU, gradients against finite differences, PyTorch's errors."""

import os
import warnings

import numpy as np
import pytest
from layers13_cases import CASES, fingerprint, run_case
from layers13_reference import REFERENCE

import tensorgrad as tg
from tensorgrad import nn
from tensorgrad.autograd import gradcheck, gradgradcheck
from tensorgrad.errors import OpError
from tensorgrad.nn import functional as F
from tensorgrad.testing.device import TEST_DEVICE

TEST_DEVICE = tg.device(os.environ.get("TENSORGRAD_TEST_DEVICE", str(TEST_DEVICE)))


def _run(name: str, device="cpu") -> dict:
    def tensor(a, grad):
        dtype = tg.float64 if np.asarray(a).dtype.kind == "f" else None
        return tg.tensor(a, dtype=dtype, device=device, requires_grad=grad)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_case(name, nn, F, tensor, lambda t: t.cpu().numpy())


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_matches_pytorch(name):
    """Outputs, input and parameter gradients and parameter names and shapes as torch's."""
    ours, theirs = fingerprint(_run(name)), REFERENCE[name]
    assert sorted(ours) == sorted(theirs), "parameter names differ from PyTorch's"
    for key, (shape, projections) in theirs.items():
        assert ours[key][0] == shape, key
        np.testing.assert_allclose(ours[key][1], projections, rtol=1e-9, atol=1e-10, err_msg=key)


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_on_the_test_device_matches_the_cpu(name):
    cpu, dev = _run(name), _run(name, TEST_DEVICE)
    assert sorted(dev) == sorted(cpu)
    for key in cpu:
        np.testing.assert_allclose(dev[key], cpu[key], rtol=1e-10, atol=1e-12, err_msg=key)


def _t(*shape, seed=0):
    rng = np.random.default_rng(seed)
    return tg.tensor(rng.standard_normal(shape), requires_grad=True)


FUNCTIONS = {
    "layer_norm": (lambda x, w, b: F.layer_norm(x, (3, 2), w, b), [(2, 3, 2), (3, 2), (3, 2)]),
    "group_norm": (lambda x, w, b: F.group_norm(x, 2, w, b, 1e-3), [(2, 4, 3), (4,), (4,)]),
    "conv1d": (lambda x, w, b: F.conv1d(x, w, b, 2, 1, 1, 1), [(2, 2, 5), (3, 2, 3), (3,)]),
    "conv_transpose2d": (
        lambda x, w, b: F.conv_transpose2d(x, w, b, 2, 1, 1, 2),
        [(1, 4, 3, 2), (4, 1, 3, 2), (2,)],
    ),
    "adaptive_avg_pool2d": (lambda x: F.adaptive_avg_pool2d(x, (2, 3)), [(1, 2, 5, 4)]),
    # (padding_idx withholds a gradient on purpose: tested on its own below)
    "embedding": (lambda w: F.embedding(tg.tensor([[0, 2], [2, 3]]), w), [(4, 3)]),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_gradients_match_finite_differences(name):
    fn, shapes = FUNCTIONS[name]
    inputs = [_t(*s, seed=k) for k, s in enumerate(shapes)]
    assert gradcheck(fn, inputs)


@pytest.mark.parametrize("name", ["layer_norm", "group_norm", "conv_transpose2d", "embedding"])
def test_second_derivatives_match_finite_differences(name):
    fn, shapes = FUNCTIONS[name]
    inputs = [_t(*s, seed=k) for k, s in enumerate(shapes)]
    assert gradgradcheck(fn, inputs)


def test_embedding_padding_row_keeps_its_value_and_gets_no_gradient():
    layer = nn.Embedding(4, 2, padding_idx=3)
    assert np.all(layer.weight.data[3] == 0)  # PyTorch zeroes the padding row at creation
    layer.weight.data[3] = 7.0
    out = layer(tg.tensor([3, 0, 3]))
    assert np.all(out.detach().numpy()[[0, 2]] == 7.0)
    out.sum().backward()
    np.testing.assert_array_equal(layer.weight.grad.numpy()[:, 0], [1.0, 0.0, 0.0, 0.0])


def test_embedding_from_pretrained_shares_memory_and_is_frozen():
    table = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    layer = nn.Embedding.from_pretrained(table)
    assert not layer.weight.requires_grad and layer.weight.data is table.data
    np.testing.assert_array_equal(layer(tg.tensor([1])).numpy(), [[3.0, 4.0]])
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad


def test_dropout2d_zeroes_whole_channels_and_scales_the_rest():
    tg.manual_seed(0)
    x = tg.ones(8, 16, 3, 3)
    out = F.dropout2d(x, 0.25).numpy()
    per_channel = out.reshape(8, 16, 9)
    assert np.all(per_channel == per_channel[..., :1])  # one decision per channel
    assert set(np.unique(out)) == {0.0, np.float32(1.0 / 0.75)}
    assert 0.1 < (per_channel[..., 0] == 0).mean() < 0.4
    layer = nn.Dropout2d(0.25).eval()
    assert layer(x) is x
    with pytest.warns(UserWarning, match="3D input"):
        out3 = F.dropout2d(tg.ones(4, 6, 5), 0.5).numpy()
    assert np.all(out3 == out3[..., :1])  # (N, C, L): the channel is dim 1, as PyTorch


def test_softmax_without_dim_uses_pytorchs_implicit_dim_and_warns():
    x = tg.randn(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        out = nn.Softmax()(x)
    np.testing.assert_allclose(out.numpy().sum(1), 1.0, rtol=1e-6)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        out = nn.LogSoftmax()(tg.randn(3, 2, 2))
    np.testing.assert_allclose(np.exp(out.numpy()).sum(0), 1.0, rtol=1e-6)


def test_conv_transpose2d_output_size_picks_the_output_padding():
    layer = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    x = tg.randn(1, 2, 4, 4)
    assert layer(x).shape == (1, 3, 7, 7)
    assert layer(x, output_size=(8, 7)).shape == (1, 3, 8, 7)
    with pytest.raises(OpError, match="output size"):
        layer(x, output_size=(9, 7))


def test_conv_transpose2d_is_the_adjoint_of_conv2d():
    x, w = tg.randn(2, 3, 6, 5).double(), tg.randn(4, 3, 3, 2).double()
    y = tg.randn(*F.conv2d(x, w, stride=2, padding=1).shape).double()
    lhs = (F.conv2d(x, w, stride=2, padding=1) * y).sum().item()
    rhs = (x * F.conv_transpose2d(y, w, stride=2, padding=1, output_padding=1)).sum().item()
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12)


ERRORS = [
    (lambda: F.embedding(tg.tensor([5]), tg.randn(5, 2)), IndexError, "out of bounds"),
    (lambda: F.embedding(tg.tensor([-1]), tg.randn(5, 2)), IndexError, "out of bounds"),
    (lambda: F.embedding(tg.tensor([0.5]), tg.randn(5, 2)), TypeError, "integer"),
    (lambda: F.embedding(tg.tensor([0]), tg.randn(5)), RuntimeError, "must be 2-D"),
    (lambda: nn.Embedding(3, 2, padding_idx=3), ValueError, "padding_idx"),
    (lambda: F.layer_norm(tg.randn(2, 3), (2,)), RuntimeError, r"normalized_shape=\[2\]"),
    (lambda: F.layer_norm(tg.randn(2, 3), 3, tg.ones(2)), RuntimeError, "weight"),
    (lambda: F.group_norm(tg.randn(2, 6, 2), 4), RuntimeError, "divisible by num_groups"),
    (lambda: F.group_norm(tg.randn(6), 3), RuntimeError, "at least 2 dims"),
    (lambda: nn.GroupNorm(4, 6), ValueError, "divisible"),
    (lambda: F.dropout2d(tg.randn(4)), RuntimeError, "at least 2 dimensions"),
    (lambda: F.conv1d(tg.randn(2, 3, 5, 1), tg.randn(2, 3, 3)), RuntimeError, "input must be"),
    (lambda: F.conv1d(tg.randn(1, 3, 5), tg.randn(2, 2, 3)), RuntimeError, r"conv1d \(input"),
    (lambda: F.conv1d(tg.randn(1, 3, 2), tg.randn(2, 3, 3)), RuntimeError, "larger than"),
    (
        lambda: F.conv_transpose2d(tg.randn(1, 3, 4, 4), tg.randn(2, 3, 3, 3)),
        RuntimeError,
        "channels",
    ),  # fmt: skip
    (
        lambda: F.conv_transpose2d(
            tg.randn(1, 2, 4, 4), tg.randn(2, 3, 3, 3), stride=2, output_padding=2
        ),
        RuntimeError,
        "output_padding",
    ),  # fmt: skip
    (
        lambda: F.conv_transpose2d(tg.randn(1, 2, 1, 1), tg.randn(2, 3, 1, 1), padding=1),
        RuntimeError,
        "output would be",
    ),  # fmt: skip
    (lambda: nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect"), ValueError, "zeros"),
    (lambda: F.adaptive_avg_pool2d(tg.randn(2, 3), 2), RuntimeError, "3-D"),
    (lambda: F.adaptive_avg_pool2d(tg.randn(1, 2, 3), (1, 2, 3)), RuntimeError, "pair"),
    (lambda: nn.Unflatten(1, (4, -1))(tg.randn(2, 6)), RuntimeError, "multiply up"),
    (lambda: nn.GELU("fast"), ValueError, "approximate"),
]


@pytest.mark.parametrize("call, kind, message", ERRORS)
def test_bad_input_raises_pytorchs_kind_of_error(call, kind, message):
    with pytest.raises(kind, match=message):
        call()


FLOAT32_LAYERS = [
    (lambda: nn.LayerNorm((3, 4)), (2, 3, 4)),
    (lambda: nn.GroupNorm(2, 4), (2, 4, 3)),
    (lambda: nn.Conv1d(4, 2, 3, padding="same", padding_mode="replicate"), (2, 4, 5)),
    (lambda: nn.ConvTranspose2d(4, 2, 3, stride=2, output_padding=1), (2, 4, 3, 3)),
    (lambda: nn.AdaptiveAvgPool2d((2, 3)), (2, 4, 5, 5)),
    (lambda: nn.Sequential(nn.GELU(), nn.Softmax(-1), nn.Unflatten(1, (2, 2))), (2, 4)),
]


@pytest.mark.parametrize("make, shape", FLOAT32_LAYERS)
def test_float32_stays_float32(make, shape):
    layer = make()
    x = tg.randn(*shape, requires_grad=True)
    out = layer(x)
    out.sum().backward()
    assert out.dtype == tg.float32 and x.grad.dtype == tg.float32
    assert all(p.grad.dtype == tg.float32 for p in layer.parameters())


def test_embedding_is_float32_by_default_and_keeps_the_index_shape():
    rows = nn.Embedding(6, 3)(tg.tensor([[1, 5]]))
    assert rows.dtype == tg.float32 and rows.shape == (1, 2, 3)


def test_dropout2d_on_the_test_device_draws_the_cpus_mask():
    outs = []
    for device in ("cpu", TEST_DEVICE):
        tg.manual_seed(3)
        x = tg.ones(4, 5, 2, 2, device=device, requires_grad=True)
        out = nn.Dropout2d(0.4)(x)
        out.sum().backward()
        outs.append((out.detach().cpu().numpy(), x.grad.cpu().numpy()))
    np.testing.assert_array_equal(outs[1][0], outs[0][0])
    np.testing.assert_array_equal(outs[1][1], outs[0][0])  # the gradient is the mask itself
