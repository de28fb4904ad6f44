"""LeNet-5's forward fuses each ReLU into the max-pool after it; the math must not change."""

import numpy as np

import tensorgrad as tg
from tensorgrad.models.lenet5 import LeNet5


def _grads(model, out):
    model.zero_grad()
    out.backward(tg.from_numpy(np.linspace(-1, 1, out.numel()).reshape(out.shape)))
    return {name: p.grad.data.copy() for name, p in model.named_parameters()}


def test_fused_forward_equals_the_layer_by_layer_features():
    tg.manual_seed(3)
    model = LeNet5()
    x = tg.from_numpy(np.random.default_rng(0).standard_normal((5, 1, 28, 28)).astype(np.float32))
    fused = model(x)
    fused_grads = _grads(model, fused)
    plain = model.classifier(model.features(x))
    plain_grads = _grads(model, plain)
    np.testing.assert_allclose(fused.data, plain.data, rtol=1e-6, atol=1e-6)
    assert fused_grads.keys() == plain_grads.keys()
    for name in fused_grads:
        np.testing.assert_allclose(fused_grads[name], plain_grads[name], rtol=1e-5, atol=1e-6)


def test_state_dict_keys_are_unchanged():
    assert list(LeNet5().state_dict()) == [
        "features.0.weight", "features.0.bias", "features.3.weight", "features.3.bias",
        "classifier.1.weight", "classifier.1.bias", "classifier.3.weight", "classifier.3.bias",
        "classifier.5.weight", "classifier.5.bias",
    ]  # fmt: skip
