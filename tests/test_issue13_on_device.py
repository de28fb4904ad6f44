"""Issue 13's optimizers and gradient clipping on the test device that stands in for a GPU
(the functions and losses run there through the op table in ``test_ops_on_device.py``)."""

import math
import os

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.nn.utils import clip_grad_norm_, clip_grad_value_
from tensorgrad.testing.device import TEST_DEVICE

TEST_DEVICE = tg.device(os.environ.get("TENSORGRAD_TEST_DEVICE", str(TEST_DEVICE)))


def _steps(device, make_optimizer, clip):
    """Four steps on a small regression, with clipping; parameters, norms and the optimizer."""
    tg.manual_seed(0)
    model = tg.nn.Sequential(tg.nn.Linear(4, 8), tg.nn.Tanh(), tg.nn.Linear(8, 2)).double()
    model.to(device)
    optimizer = make_optimizer(model.parameters())
    rng = np.random.default_rng(1)
    norms = []
    for _ in range(4):
        x = tg.tensor(rng.standard_normal((5, 4)), device=device)
        y = tg.tensor(rng.standard_normal((5, 2)), device=device)
        optimizer.zero_grad()
        tg.nn.functional.huber_loss(model(x), y).backward()
        if clip == "norm":
            norms.append(clip_grad_norm_(model.parameters(), 0.5).item())
        elif clip == "inf":
            norms.append(clip_grad_norm_(model.parameters(), 0.1, norm_type=math.inf).item())
        else:
            clip_grad_value_(model.parameters(), 0.05)
        optimizer.step()
    return [p.detach().cpu().numpy() for p in model.parameters()], norms, optimizer


@pytest.mark.parametrize("clip", ["norm", "inf", "value"])
@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda ps: tg.optim.RMSprop(ps, lr=1e-2, momentum=0.5, centered=True, weight_decay=0.1),
        lambda ps: tg.optim.Adagrad(ps, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
    ],
    ids=["rmsprop", "adagrad"],
)
def test_optimizers_and_clipping_on_the_test_device_match_the_cpu(make_optimizer, clip):
    cpu, cpu_norms, _ = _steps("cpu", make_optimizer, clip)
    dev, dev_norms, optimizer = _steps(TEST_DEVICE, make_optimizer, clip)
    np.testing.assert_allclose(dev_norms, cpu_norms, rtol=1e-12)
    for a, b in zip(dev, cpu):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    for state in optimizer.state.values():
        for value in state.values():
            assert not isinstance(value, np.ndarray), "optimizer state left on the host"
