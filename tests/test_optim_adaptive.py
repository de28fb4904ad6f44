"""Adadelta, NAdam and RAdam: each step against PyTorch's documented update rule written out
here in float64, state_dict round trips, and their state on the parameters' device."""

import math

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import nn, optim
from tensorgrad.testing.device import TEST_DEVICE

GRADS = [np.array([0.5, -1.0, 2.0]), np.array([-0.3, 0.2, 1.5]), np.array([0.1, -2.0, 0.0])] * 4
START = np.array([1.0, -0.5, 0.25])


def _adadelta_rule(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False):
    p, v, u = START.copy(), np.zeros(3), np.zeros(3)
    for grad in GRADS:
        g = -grad if maximize else grad
        g = g + weight_decay * p
        v = rho * v + (1 - rho) * g**2
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta**2
        p = p - lr * delta
        yield p


def _nadam_rule(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
                decoupled_weight_decay=False, maximize=False):  # fmt: skip
    beta1, beta2 = betas
    p, m, v, mu_product = START.copy(), np.zeros(3), np.zeros(3), 1.0
    for t, grad in enumerate(GRADS, start=1):
        g = -grad if maximize else grad
        if decoupled_weight_decay:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        mu = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        mu_product *= mu
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = mu_next * m / (1 - mu_product * mu_next) + (1 - mu) * g / (1 - mu_product)
        v_hat = v / (1 - beta2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        yield p


def _radam_rule(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                decoupled_weight_decay=False, maximize=False):  # fmt: skip
    beta1, beta2 = betas
    p, m, v = START.copy(), np.zeros(3), np.zeros(3)
    rho_inf = 2 / (1 - beta2) - 1
    for t, grad in enumerate(GRADS, start=1):
        g = -grad if maximize else grad
        if decoupled_weight_decay:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        rho_t = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
        if rho_t > 5:
            l_t = math.sqrt(1 - beta2**t) / (np.sqrt(v) + eps)
            r_t = math.sqrt(
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            )
            p = p - lr * m_hat * l_t * r_t
        else:
            p = p - lr * m_hat
        yield p


CASES = [
    (optim.Adadelta, {}, _adadelta_rule),
    (optim.Adadelta, {"lr": 0.5, "rho": 0.8, "weight_decay": 0.1, "maximize": True},
     _adadelta_rule),
    (optim.NAdam, {}, _nadam_rule),
    (optim.NAdam, {"lr": 0.01, "weight_decay": 0.1, "momentum_decay": 0.01}, _nadam_rule),
    (optim.NAdam, {"weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True},
     _nadam_rule),
    (optim.RAdam, {"lr": 0.01}, _radam_rule),  # 12 steps: rectified from step 6 on
    (optim.RAdam, {"weight_decay": 0.1, "betas": (0.8, 0.9)}, _radam_rule),
    (optim.RAdam, {"weight_decay": 0.1, "decoupled_weight_decay": True}, _radam_rule),
]  # fmt: skip


@pytest.mark.parametrize("cls, kwargs, rule", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_each_step_follows_pytorchs_rule(cls, kwargs, rule):
    p = nn.Parameter(START.copy())
    opt = cls([p], **kwargs)
    for grad, expected in zip(GRADS, rule(**kwargs)):
        p.grad = tg.tensor(grad)
        opt.step()
        np.testing.assert_allclose(p.data, expected, rtol=1e-12, atol=1e-14)
    assert opt.state[p]["step"] == len(GRADS)


def test_defaults_are_pytorchs():
    p = [nn.Parameter(np.zeros(1))]
    assert optim.Adadelta(p).defaults == dict(
        lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False
    )
    nadam = optim.NAdam(p).defaults
    assert nadam["lr"] == 2e-3 and nadam["momentum_decay"] == 4e-3
    assert nadam["decoupled_weight_decay"] is False and nadam["betas"] == (0.9, 0.999)
    radam = optim.RAdam(p).defaults
    assert radam["lr"] == 1e-3 and radam["eps"] == 1e-8 and not radam["decoupled_weight_decay"]


@pytest.mark.parametrize("cls", [optim.Adadelta, optim.NAdam, optim.RAdam])
def test_float32_parameters_stay_float32_and_missing_grads_are_skipped(cls):
    p, idle = nn.Parameter(np.ones(3, np.float32)), nn.Parameter(np.ones(2, np.float32))
    p.grad = tg.ones(3)
    opt = cls([p, idle], weight_decay=0.1)
    opt.step()
    assert p.dtype == np.float32 and np.all(p.data != 1.0)
    assert np.all(idle.data == 1.0) and idle not in opt.state


@pytest.mark.parametrize(
    "cls, kwargs",
    [(optim.Adadelta, {"rho": 1.5}), (optim.Adadelta, {"lr": -1.0}),
     (optim.NAdam, {"momentum_decay": -1.0}), (optim.NAdam, {"betas": (0.9, 1.0)}),
     (optim.RAdam, {"eps": -1e-8}), (optim.RAdam, {"betas": (1.0, 0.9)})],
)  # fmt: skip
def test_invalid_hyper_parameters_raise(cls, kwargs):
    with pytest.raises(ValueError, match=f"{cls.__name__}: invalid"):
        cls([nn.Parameter(np.zeros(1))], **kwargs)


def _run(factory, steps, resume_at=None):
    tg.manual_seed(0)
    model = nn.Linear(3, 2)
    opt = factory(model.parameters())
    x = tg.randn(4, 3)
    for i in range(steps):
        if i == resume_at:
            saved_model, saved_opt = model.state_dict(), opt.state_dict()
            model = nn.Linear(3, 2)
            model.load_state_dict(saved_model)
            opt = factory(model.parameters())
            opt.load_state_dict(saved_opt)
        opt.zero_grad()
        (model(x) ** 2).sum().backward()
        opt.step()
    return model.weight.data


@pytest.mark.parametrize(
    "factory",
    [lambda ps: optim.Adadelta(ps, weight_decay=0.01), lambda ps: optim.NAdam(ps, lr=0.01),
     lambda ps: optim.RAdam(ps, lr=0.01, decoupled_weight_decay=True, weight_decay=0.1)],
    ids=["Adadelta", "NAdam", "RAdam"],
)  # fmt: skip
def test_state_dict_round_trip_continues_the_same_trajectory(factory, tmp_path):
    np.testing.assert_array_equal(_run(factory, 8), _run(factory, 8, resume_at=4))
    opt = factory([nn.Parameter(np.ones(2, np.float32))])
    opt.param_groups[0]["params"][0].grad = tg.ones(2)
    opt.step()
    tg.save(opt.state_dict(), tmp_path / "opt.safetensors")
    again = factory([nn.Parameter(np.ones(2, np.float32))])
    again.load_state_dict(tg.load(tmp_path / "opt.safetensors"))
    for key, value in opt.state_dict()["state"][0].items():
        np.testing.assert_array_equal(again.state_dict()["state"][0][key], value)


@pytest.mark.parametrize("cls", [optim.Adadelta, optim.NAdam, optim.RAdam])
def test_state_lives_on_the_parameters_device(cls):
    def steps(device):
        p = nn.Parameter(tg.tensor(START, device=device).data)
        opt = cls([p], weight_decay=0.1)
        for grad in GRADS:
            p.grad = tg.tensor(grad, device=device)
            opt.step()
        return p, opt

    host, _ = steps("cpu")
    p, opt = steps(TEST_DEVICE)
    for value in opt.state[p].values():
        assert not isinstance(value, np.ndarray), "optimizer state left on the host"
    np.testing.assert_allclose(p.cpu().data, host.data, rtol=1e-12)
