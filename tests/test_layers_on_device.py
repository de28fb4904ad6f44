"""Every layer and loss on the test device that stands in for a GPU, against the CPU.

Each case builds the layer twice from one seed, moves one copy to the test device, runs the
same input through both (training and eval mode), backpropagates the same weighted sum and
compares outputs, input gradients, parameter gradients and buffers.
"""

import os

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import nn
from tensorgrad.nn import functional as F
from tensorgrad.testing.device import TEST_DEVICE

# the GPU check script runs these files on CUDA (TENSORGRAD_TEST_DEVICE=cuda)
TEST_DEVICE = tg.device(os.environ.get("TENSORGRAD_TEST_DEVICE", str(TEST_DEVICE)))

LAYERS = {
    "linear": (lambda: nn.Linear(5, 3), (4, 5)),
    "linear_3d": (lambda: nn.Linear(5, 3, bias=False), (2, 4, 5)),
    "conv": (lambda: nn.Conv2d(2, 4, 3, padding=1), (3, 2, 7, 6)),
    "conv_strided": (lambda: nn.Conv2d(2, 4, 3, stride=2, padding=(1, 0)), (2, 2, 9, 8)),
    "conv_groups_dilation": (lambda: nn.Conv2d(4, 6, 3, groups=2, dilation=2), (2, 4, 9, 9)),
    "conv_rectangular": (lambda: nn.Conv2d(1, 2, (3, 5), padding=(1, 2)), (2, 1, 6, 7)),
    "max_pool": (lambda: nn.MaxPool2d(2), (2, 3, 6, 7)),
    "max_pool_ceil_pad": (lambda: nn.MaxPool2d(3, 2, padding=1, ceil_mode=True), (2, 2, 7, 8)),
    "max_pool_dilated": (lambda: nn.MaxPool2d(2, 1, dilation=2), (1, 2, 6, 6)),
    "avg_pool": (lambda: nn.AvgPool2d(2), (2, 3, 6, 6)),
    "avg_pool_pad": (lambda: nn.AvgPool2d(3, 2, padding=1, ceil_mode=True), (2, 2, 7, 8)),
    "avg_pool_no_pad_count": (
        lambda: nn.AvgPool2d(3, 2, padding=1, count_include_pad=False), (2, 2, 7, 8),
    ),
    "batch_norm_2d": (lambda: nn.BatchNorm2d(3), (4, 3, 5, 5)),
    "batch_norm_1d": (lambda: nn.BatchNorm1d(3, affine=False), (6, 3)),
    "activations": (
        lambda: nn.Sequential(nn.Tanh(), nn.Sigmoid(), nn.ReLU(), nn.Flatten(), nn.Identity()),
        (2, 3, 4),
    ),
    "dropout": (lambda: nn.Dropout(0.3), (4, 6)),
}


def _run(make, shape, device, training: bool):
    tg.manual_seed(0)
    layer = make().to(device)
    layer.train(training)
    rng = np.random.default_rng(1)
    x = tg.tensor(rng.standard_normal(shape), dtype=tg.float64, device=device, requires_grad=True)
    layer.double()
    tg.manual_seed(2)  # the same dropout mask on both devices
    out = layer(x)
    weights = tg.tensor(np.linspace(-1, 1, out.numel()).reshape(out.shape), device=device)
    (out * weights.double()).sum().backward()
    grads = [p.grad.cpu().numpy() for p in layer.parameters()]
    buffers = [b.cpu().numpy() for b in layer.buffers()]
    return out.detach().cpu().numpy(), x.grad.cpu().numpy(), grads, buffers


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_on_the_test_device_matches_the_cpu(name, training):
    make, shape = LAYERS[name]
    cpu = _run(make, shape, "cpu", training)
    dev = _run(make, shape, TEST_DEVICE, training)
    np.testing.assert_allclose(dev[0], cpu[0], rtol=1e-10, atol=1e-12, err_msg="output")
    np.testing.assert_allclose(dev[1], cpu[1], rtol=1e-10, atol=1e-12, err_msg="input grad")
    for a, b in zip(dev[2] + dev[3], cpu[2] + cpu[3]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg="params or buffers")


def _loss_inputs(device):
    rng = np.random.default_rng(3)
    logits = tg.tensor(rng.standard_normal((5, 4)), device=device, requires_grad=True)
    target = tg.tensor([0, 3, 1, -100, 2], device=device)
    return logits, target


@pytest.mark.parametrize(
    "loss",
    [
        lambda x, t: F.cross_entropy(x, t),
        lambda x, t: F.cross_entropy(x, t, weight=tg.tensor([1.0, 2.0, 0.5, 1.0]).to(x.device),
                                     label_smoothing=0.2, reduction="sum"),  # fmt: skip
        lambda x, t: F.cross_entropy(x, F.softmax(x.detach() * 2, 1)),
        lambda x, t: F.nll_loss(F.log_softmax(x, 1), t, reduction="none").sum(),
        lambda x, t: F.mse_loss(x, x.detach() * 0.5),
    ],
    ids=["cross_entropy", "weighted_smoothed", "soft_targets", "nll_none", "mse"],
)
def test_loss_on_the_test_device_matches_the_cpu(loss):
    results = []
    for device in ("cpu", TEST_DEVICE):
        logits, target = _loss_inputs(device)
        value = loss(logits, target)
        assert value.device == tg.device(device)
        value.backward()
        results.append((value.item(), logits.grad.cpu().numpy()))
    assert results[1][0] == pytest.approx(results[0][0], rel=1e-12)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-10, atol=1e-12)


def test_max_pool_indices_and_all_minus_inf_windows_match_the_cpu():
    x = np.random.default_rng(4).standard_normal((1, 2, 5, 5))
    x[0, 0, :3, :3] = -np.inf
    x[0, 1, 1, 1] = x[0, 1, 2, 2] = np.nan  # two NaNs in a window: the last takes the gradient
    results = []
    for device in ("cpu", TEST_DEVICE):
        t = tg.tensor(x, device=device, requires_grad=True)
        out, index = F.max_pool2d(t, 3, 2, padding=1, return_indices=True)
        out.sum().backward()
        results.append((out.detach().cpu().numpy(), index.cpu().numpy(), t.grad.cpu().numpy()))
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)
