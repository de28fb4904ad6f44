"""Layers: default initialisation, shapes, forward values, BatchNorm and Dropout in both modes."""

import math

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import nn


def test_linear_default_init_bounds_and_reproducibility():
    tg.manual_seed(3)
    a = nn.Linear(50, 40)
    tg.manual_seed(3)
    b = nn.Linear(50, 40)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)
    bound = 1 / math.sqrt(50)  # kaiming_uniform(a=sqrt(5)) gives U(-1/sqrt(fan_in), ...)
    assert a.weight.dtype == np.float32 and a.weight.shape == (40, 50)
    assert np.abs(a.weight.data).max() <= bound and np.abs(a.weight.data).max() > 0.9 * bound
    assert np.abs(a.bias.data).max() <= bound
    assert abs(a.weight.data.std() - bound / math.sqrt(3)) < 0.1 * bound


def test_linear_forward_matches_numpy_and_checks_features():
    layer = nn.Linear(3, 2)
    x = tg.randn(4, 3)
    np.testing.assert_allclose(layer(x).data, x.data @ layer.weight.data.T + layer.bias.data,
                               rtol=1e-6)  # fmt: skip
    assert layer(tg.randn(5, 6, 3)).shape == (5, 6, 2)
    assert nn.Linear(3, 2, bias=False)(x).shape == (4, 2)
    with pytest.raises(ValueError, match=r"linear: input of shape \(4, 5\)"):
        layer(tg.randn(4, 5))


def test_conv2d_registration_init_repr_and_forward():
    tg.manual_seed(0)
    conv = nn.Conv2d(2, 4, 3, padding=1, bias=True)
    assert conv.weight.shape == (4, 2, 3, 3) and conv.bias.shape == (4,)
    bound = 1 / math.sqrt(2 * 9)
    assert np.abs(conv.weight.data).max() <= bound and np.abs(conv.bias.data).max() <= bound
    assert repr(conv) == "Conv2d(2, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
    assert list(dict(conv.named_parameters())) == ["weight", "bias"]
    x = tg.randn(2, 2, 5, 5)
    out = conv(x)
    assert out.shape == (2, 4, 5, 5)
    padded = np.pad(x.data, ((0, 0), (0, 0), (1, 1), (1, 1)))
    by_hand = (padded[1, :, 1:4, 2:5] * conv.weight.data[3]).sum() + conv.bias.data[3]
    np.testing.assert_allclose(out.data[1, 3, 1, 2], by_hand, rtol=1e-5)
    strided = nn.Conv2d(2, 2, (3, 2), stride=2, groups=2, bias=False)
    assert strided.weight.shape == (2, 1, 3, 2) and strided.bias is None
    assert strided(x).shape == (2, 2, 2, 2)
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)


def test_pooling_layers():
    x = tg.tensor(np.arange(32, dtype=np.float32).reshape(1, 2, 4, 4))
    pool = nn.MaxPool2d(2)
    expected = "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(pool) == expected
    np.testing.assert_array_equal(pool(x).data[0, 0], [[5, 7], [13, 15]])
    avg = nn.AvgPool2d(2, stride=1)
    assert avg(x).shape == (1, 2, 3, 3)
    np.testing.assert_allclose(avg(x).data[0, 1, 0, 0], (16 + 17 + 20 + 21) / 4)
    assert list(pool.parameters()) == [] and pool.state_dict() == {}


def test_activations_flatten_identity():
    x = tg.tensor([[-1.0, 0.5], [2.0, -3.0]])
    np.testing.assert_array_equal(nn.ReLU()(x).data, [[0, 0.5], [2, 0]])
    np.testing.assert_allclose(nn.Sigmoid()(x).data, 1 / (1 + np.exp(-x.data)), rtol=1e-6)
    np.testing.assert_allclose(nn.Tanh()(x).data, np.tanh(x.data), rtol=1e-6)
    assert nn.Flatten()(tg.zeros(2, 3, 4, 5)).shape == (2, 60)
    assert nn.Flatten(0, 1)(tg.zeros(2, 3, 4)).shape == (6, 4)
    assert nn.Identity(7, unused=True)(x) is x


def test_dropout_train_and_eval():
    tg.manual_seed(1)
    drop = nn.Dropout(0.25)
    x = tg.ones(200, 100)
    out = drop(x).data
    kept = out != 0
    assert 0.72 < kept.mean() < 0.78
    np.testing.assert_allclose(out[kept], 1 / 0.75)
    tg.manual_seed(1)
    np.testing.assert_array_equal(drop(x).data, out)  # the mask comes from the seeded generator
    drop.eval()
    assert drop(x) is x
    assert np.all(nn.Dropout(1.0)(x).data == 0)
    with pytest.raises(ValueError, match=r"\[0, 1\], got 1.5"):
        nn.Dropout(1.5)
    x.requires_grad_()
    drop.train()
    y = drop(x)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, y.data)  # gradient = mask / (1 - p)


def test_batch_norm_training_updates_running_stats_by_hand():
    bn = nn.BatchNorm1d(2, momentum=0.1)
    x = tg.tensor([[1.0, 10.0], [3.0, 20.0], [5.0, 60.0]])
    out = bn(x)
    mean = x.data.mean(0)
    biased = x.data.var(0)
    np.testing.assert_allclose(out.data, (x.data - mean) / np.sqrt(biased + 1e-5), rtol=1e-5)
    np.testing.assert_allclose(bn.running_mean.data, 0.1 * mean, rtol=1e-6)
    np.testing.assert_allclose(bn.running_var.data, 0.9 + 0.1 * x.data.var(0, ddof=1), rtol=1e-6)
    assert int(bn.num_batches_tracked) == 1
    bn.eval()
    expected = (x.data - bn.running_mean.data) / np.sqrt(bn.running_var.data + 1e-5)
    np.testing.assert_allclose(bn(x).data, expected, rtol=1e-5)
    assert int(bn.num_batches_tracked) == 1  # eval leaves the statistics alone


def test_batch_norm_cumulative_average_and_options():
    bn = nn.BatchNorm2d(3, momentum=None)
    batches = [tg.randn(4, 3, 2, 2) for _ in range(3)]
    for b in batches:
        bn(b)
    means = np.mean([b.data.mean((0, 2, 3)) for b in batches], axis=0)
    np.testing.assert_allclose(bn.running_mean.data, means, rtol=1e-5, atol=1e-6)
    plain = nn.BatchNorm2d(3, affine=False, track_running_stats=False)
    assert list(plain.parameters()) == [] and plain.state_dict() == {}
    plain.eval()  # without running statistics eval uses the batch's
    out = plain(batches[0]).data
    np.testing.assert_allclose(out.mean((0, 2, 3)), 0, atol=1e-5)
    with pytest.raises(ValueError, match="expected 4-D input"):
        bn(tg.randn(4, 3))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(tg.randn(1, 3))


def test_batch_norm_gradients_reach_weight_bias_and_input():
    bn = nn.BatchNorm2d(2).double()
    x = tg.randn(3, 2, 2, 2, dtype=np.float64, requires_grad=True)
    assert tg.autograd.gradcheck(lambda x, w, b: bn(x) * x, (x, bn.weight, bn.bias))
    bn.eval()
    assert tg.autograd.gradcheck(lambda x, w, b: bn(x) * x, (x, bn.weight, bn.bias))


def test_init_functions():
    tg.manual_seed(0)
    w = tg.zeros(300, 200)
    nn.init.xavier_uniform_(w, gain=2.0)
    bound = 2.0 * math.sqrt(6 / 500)
    assert np.abs(w.data).max() <= bound and w.data.std() == pytest.approx(bound / 3**0.5, 0.05)
    nn.init.xavier_normal_(w)
    assert w.data.std() == pytest.approx(math.sqrt(2 / 500), rel=0.05)
    nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert w.data.std() == pytest.approx(math.sqrt(2 / 300), rel=0.05)
    nn.init.kaiming_uniform_(w, nonlinearity="relu")
    assert np.abs(w.data).max() <= math.sqrt(6 / 200)
    nn.init.normal_(w, 1.0, 0.5)
    assert w.data.mean() == pytest.approx(1.0, abs=0.01) and w.dtype == np.float32
    nn.init.uniform_(w, 2.0, 3.0)
    assert 2.0 <= w.data.min() and w.data.max() <= 3.0
    nn.init.constant_(w, 0.5)
    assert np.all(w.data == 0.5)
    assert np.all(nn.init.zeros_(w).data == 0) and np.all(nn.init.ones_(w).data == 1)
    assert nn.init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert nn.init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert nn.init.calculate_gain("tanh") == pytest.approx(5 / 3)
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        nn.init.calculate_gain("swish")
    with pytest.raises(ValueError, match="at least 2 dims"):
        nn.init.xavier_uniform_(tg.zeros(3))


def test_a_small_conv_net_with_batch_norm_learns_a_toy_task():
    tg.manual_seed(0)
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 32)
    images = rng.standard_normal((32, 1, 6, 6)).astype(np.float32) * 0.3
    images[labels == 1, :, :3] += 1.0  # class 1 is bright in the top half
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.1), nn.Linear(36, 2),
    )  # fmt: skip
    opt = tg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, t = tg.tensor(images), tg.tensor(labels)
    losses = []
    for _ in range(15):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), t)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    model.eval()
    assert (model(x).argmax(1).data == labels).mean() > 0.9
