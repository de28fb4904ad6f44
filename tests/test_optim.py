"""Optimizers against updates computed by hand, param groups, zero_grad and state_dict."""

import math

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import nn, optim


def _param(values, grad):
    p = nn.Parameter(np.array(values, dtype=np.float64))
    p.grad = tg.tensor(np.array(grad, dtype=np.float64))
    return p


def test_sgd_plain_and_weight_decay():
    p = _param([1.0, -2.0], [0.5, 0.25])
    optim.SGD([p], lr=0.1, weight_decay=0.2).step()
    # g = grad + 0.2 * p = (0.7, -0.15)
    np.testing.assert_allclose(p.data, [1.0 - 0.07, -2.0 + 0.015])


def test_sgd_momentum_dampening_by_hand():
    p = _param([1.0], [1.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.5)
    opt.step()  # b = g = 1 (no dampening on the first step)
    np.testing.assert_allclose(p.data, [0.9])
    p.grad = tg.tensor(np.array([2.0]))
    opt.step()  # b = 0.9 * 1 + 0.5 * 2 = 1.9
    np.testing.assert_allclose(p.data, [0.9 - 0.19])
    np.testing.assert_allclose(opt.state[p]["momentum_buffer"], [1.9])


def test_sgd_nesterov_and_maximize_by_hand():
    p = _param([0.0], [1.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.5, nesterov=True, maximize=True)
    opt.step()  # g = -1, b = -1, step g + 0.5 b = -1.5
    np.testing.assert_allclose(p.data, [0.15])
    opt.step()  # g = -1, b = -1.5, step -1 - 0.75
    np.testing.assert_allclose(p.data, [0.15 + 0.175])


def test_sgd_argument_errors():
    p = _param([0.0], [1.0])
    with pytest.raises(ValueError, match="nesterov momentum requires a momentum > 0"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="invalid lr -1"):
        optim.SGD([p], lr=-1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="wrap it in a list"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)


def _adam_by_hand(p, grads, lr, b1, b2, eps, wd=0.0, decoupled=False, amsgrad=False):
    m = v = vmax = 0.0
    for t, g in enumerate(grads, start=1):
        if wd and decoupled:
            p = p * (1 - lr * wd)
        elif wd:
            g = g + wd * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = max(vmax, v)
        vhat = (vmax if amsgrad else v) / (1 - b2**t)
        p = p - lr * (m / (1 - b1**t)) / (math.sqrt(vhat) + eps)
    return p


@pytest.mark.parametrize(
    ("cls", "kwargs", "hand"),
    [
        (optim.Adam, {}, {}),
        (optim.Adam, {"weight_decay": 0.1}, {"wd": 0.1}),
        (optim.Adam, {"amsgrad": True}, {"amsgrad": True}),
        (optim.AdamW, {}, {"wd": 0.01, "decoupled": True}),
        (optim.AdamW, {"weight_decay": 0.5, "amsgrad": True},
         {"wd": 0.5, "decoupled": True, "amsgrad": True}),
    ],
)  # fmt: skip
def test_adam_family_by_hand(cls, kwargs, hand):
    grads = [1.0, -3.0, 0.5, 2.0, -0.1]
    p = _param([0.7], [0.0])
    opt = cls([p], lr=0.05, betas=(0.8, 0.95), eps=1e-6, **kwargs)
    for g in grads:
        p.grad = tg.tensor(np.array([g]))
        opt.step()
    expected = _adam_by_hand(0.7, grads, 0.05, 0.8, 0.95, 1e-6, **hand)
    np.testing.assert_allclose(p.data, [expected], rtol=1e-12)
    assert opt.state[p]["step"] == len(grads)


def test_adam_updates_in_place_keeps_float32_and_skips_missing_grads():
    w = nn.Parameter(np.ones((2, 3), np.float32))
    unused = nn.Parameter(np.ones(2, np.float32))
    array = w.data
    opt = optim.Adam([w, unused], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    assert w.data is array and w.dtype == np.float32
    np.testing.assert_allclose(w.data, 0.9, rtol=1e-6)  # the first Adam step moves by lr
    assert unused not in opt.state and np.all(unused.data == 1)


def test_param_groups_have_their_own_hyper_parameters():
    a, b = _param([1.0], [1.0]), _param([1.0], [1.0])
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.0)
    opt.step()
    np.testing.assert_allclose([a.data[0], b.data[0]], [0.9, 0.5])
    c = _param([1.0], [1.0])
    opt.add_param_group({"params": c, "lr": 0.25})
    assert opt.param_groups[2]["momentum"] == 0.0 and opt.param_groups[2]["lr"] == 0.25
    opt.zero_grad()
    assert a.grad is None and c.grad is None


def test_zero_grad_set_to_none_false_keeps_zero_arrays():
    p = _param([1.0, 2.0], [3.0, 4.0])
    opt = optim.SGD([p], lr=0.1)
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad.data, [0.0, 0.0])


def test_state_dict_round_trip_continues_the_same_trajectory():
    def run(opt_factory, steps, resume_at=None):
        tg.manual_seed(0)
        model = nn.Linear(3, 2)
        opt = opt_factory(model.parameters())
        x = tg.randn(4, 3)
        for i in range(steps):
            if i == resume_at:
                saved_model, saved_opt = model.state_dict(), opt.state_dict()
                model = nn.Linear(3, 2)
                model.load_state_dict(saved_model)
                opt = opt_factory(model.parameters())
                opt.load_state_dict(saved_opt)
            opt.zero_grad()
            (model(x) ** 2).sum().backward()
            opt.step()
        return model.weight.data

    for factory in (
        lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
        lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True),
        lambda ps: optim.AdamW(ps, lr=0.01),
    ):
        np.testing.assert_array_equal(run(factory, 6), run(factory, 6, resume_at=3))


def test_state_dict_holds_plain_arrays_and_numbers():
    p = _param([1.0, 2.0], [1.0, 1.0])
    opt = optim.Adam([p], lr=0.1)
    opt.step()
    state = opt.state_dict()
    assert state["param_groups"][0]["params"] == [0]
    assert state["param_groups"][0]["betas"] == (0.9, 0.999)
    assert state["state"][0]["step"] == 1
    assert isinstance(state["state"][0]["exp_avg"], np.ndarray)
    state["state"][0]["exp_avg"][:] = 99.0  # a copy: the optimizer is unaffected
    assert np.all(opt.state[p]["exp_avg"] != 99.0)
    with pytest.raises(ValueError, match="group sizes"):
        optim.Adam([p, _param([0.0], [0.0])]).load_state_dict(state)
