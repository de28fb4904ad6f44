"""RMSprop, Adagrad, gradient clipping and the LinearLR / SequentialLR / ReduceLROnPlateau
schedulers against PyTorch's update rules written out in NumPy, values worked out by hand,
and state_dict round trips."""

import math

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.nn.utils import clip_grad_norm_, clip_grad_value_
from tensorgrad.optim import lr_scheduler as sched

TARGET = np.array([1.0, -2.0, 0.5])


def _run(make_optimizer, steps=6, dtype=np.float64):
    """Minimise sum((p - TARGET)^2 * [1, 2, 3]) from p = 0; the parameter after each step."""
    p = tg.tensor(np.zeros(3, dtype), requires_grad=True)
    opt = make_optimizer([p])
    out = []
    for _ in range(steps):
        opt.zero_grad()
        (
            ((p - tg.tensor(TARGET.astype(dtype))) ** 2) * tg.tensor(np.array([1.0, 2, 3], dtype))
        ).sum().backward()
        opt.step()
        out.append(p.data.copy())
    return np.array(out), opt


def _grad(p):
    return 2 * (p - TARGET) * np.array([1.0, 2, 3])


def np_rmsprop(steps, lr, alpha, eps, weight_decay, momentum, centered):
    p, v, m, b, out = np.zeros(3), np.zeros(3), np.zeros(3), np.zeros(3), []
    for _ in range(steps):
        g = _grad(p) + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        if centered:
            m = alpha * m + (1 - alpha) * g
            avg = np.sqrt(v - m * m) + eps
        else:
            avg = np.sqrt(v) + eps
        if momentum > 0:
            b = momentum * b + g / avg
            p = p - lr * b
        else:
            p = p - lr * g / avg
        out.append(p)
    return np.array(out)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"momentum": 0.9},
        {"centered": True},
        {"centered": True, "momentum": 0.5, "weight_decay": 0.1, "alpha": 0.9},
    ],
)
def test_rmsprop_follows_pytorchs_rule(options):
    hyper = {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0,
             "centered": False, **options}  # fmt: skip
    got, _ = _run(lambda ps: tg.optim.RMSprop(ps, **hyper))
    np.testing.assert_allclose(got, np_rmsprop(6, **hyper), rtol=1e-10)


def test_rmsprop_first_step_moves_ten_learning_rates():
    # v = 0.01 g^2, so g / sqrt(v) = 10 sign(g): every coordinate moves by 10 * lr
    got, opt = _run(lambda ps: tg.optim.RMSprop(ps, lr=1e-3), steps=1)
    np.testing.assert_allclose(got[0], 1e-2 * np.sign(TARGET), rtol=1e-6)
    assert set(next(iter(opt.state.values()))) == {"step", "square_avg"}


def np_adagrad(steps, lr, lr_decay, weight_decay, initial_accumulator_value, eps):
    p, s, out = np.zeros(3), np.full(3, initial_accumulator_value), []
    for t in range(1, steps + 1):
        g = _grad(p) + weight_decay * p
        s = s + g * g
        p = p - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(s) + eps)
        out.append(p)
    return np.array(out)


@pytest.mark.parametrize(
    "options", [{}, {"lr_decay": 0.1, "weight_decay": 0.05, "initial_accumulator_value": 0.5}]
)
def test_adagrad_follows_pytorchs_rule(options):
    hyper = {"lr": 0.1, "lr_decay": 0.0, "weight_decay": 0.0, "initial_accumulator_value": 0.0,
             "eps": 1e-10, **options}  # fmt: skip
    got, _ = _run(lambda ps: tg.optim.Adagrad(ps, **hyper))
    np.testing.assert_allclose(got, np_adagrad(6, **hyper), rtol=1e-10)


def test_adagrad_state_exists_before_the_first_step_and_round_trips():
    p = tg.zeros(2, requires_grad=True)
    opt = tg.optim.Adagrad([p], initial_accumulator_value=0.25)
    state = opt.state_dict()["state"][0]
    assert state["step"] == 0
    np.testing.assert_array_equal(state["sum"], [0.25, 0.25])
    got, opt = _run(lambda ps: tg.optim.Adagrad(ps, lr=0.1), steps=3, dtype=np.float32)
    assert got.dtype == np.float32
    q = tg.tensor(got[-1], requires_grad=True)
    fresh = tg.optim.Adagrad([q], lr=0.1)
    fresh.load_state_dict(opt.state_dict())
    assert fresh.state[q]["step"] == 3
    np.testing.assert_array_equal(fresh.state[q]["sum"], next(iter(opt.state.values()))["sum"])


@pytest.mark.parametrize(
    "optimizer, bad",
    [(tg.optim.RMSprop, {"alpha": -0.1}), (tg.optim.RMSprop, {"momentum": -1.0}),
     (tg.optim.Adagrad, {"lr_decay": -1.0}), (tg.optim.Adagrad, {"eps": -1.0})],
)  # fmt: skip
def test_invalid_hyper_parameters_are_refused(optimizer, bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        optimizer([tg.zeros(1, requires_grad=True)], **bad)


# -- gradient clipping -------------------------------------------------------------------------
def _with_grads(*grads):
    params = []
    for g in grads:
        p = tg.zeros(np.shape(g), requires_grad=True)
        p.grad = tg.tensor(np.asarray(g, dtype=np.float32))
        params.append(p)
    return params


def test_clip_grad_norm_scales_all_gradients_together():
    params = _with_grads([3.0, 0.0], [[4.0]])
    total = clip_grad_norm_(params, max_norm=1.0)
    assert isinstance(total, tg.Tensor) and total.item() == pytest.approx(5.0)
    joint = np.sqrt(sum((p.grad.data**2).sum() for p in params))
    assert joint == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(params[0].grad.data, [0.6, 0.0], rtol=1e-5)
    small = _with_grads([0.3, 0.4])
    assert clip_grad_norm_(small, 1.0).item() == pytest.approx(0.5)
    np.testing.assert_allclose(small[0].grad.data, [0.3, 0.4], rtol=1e-6)  # not scaled up


def test_clip_grad_norm_other_norms_and_inputs():
    params = _with_grads([3.0, -4.0], [1.0])
    assert clip_grad_norm_(params, 10.0, norm_type=math.inf).item() == pytest.approx(4.0)
    assert clip_grad_norm_(params, 10.0, norm_type=1).item() == pytest.approx(8.0)
    one = _with_grads([6.0, 8.0])[0]
    assert clip_grad_norm_(one, 5.0).item() == pytest.approx(10.0)  # a single tensor
    np.testing.assert_allclose(one.grad.data, [3.0, 4.0], rtol=1e-5)
    assert clip_grad_norm_([tg.zeros(2, requires_grad=True)], 1.0).item() == 0.0  # no grads


def test_clip_grad_norm_error_if_nonfinite():
    params = _with_grads([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert math.isinf(clip_grad_norm_(params, 1.0).item())


def test_clip_grad_value_clamps_in_place():
    params = _with_grads([-3.0, 0.5, 2.0])
    assert clip_grad_value_(params, 1.0) is None
    np.testing.assert_array_equal(params[0].grad.data, [-1.0, 0.5, 1.0])


# -- schedulers --------------------------------------------------------------------------------
def _optimizer(lr=0.1, groups=1):
    return tg.optim.SGD([{"params": [tg.zeros(1, requires_grad=True)]} for _ in range(groups)],
                        lr=lr)  # fmt: skip


def _lrs(optimizer, scheduler, epochs, metrics=None):
    out = []
    for epoch in range(epochs):
        out.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step(*([] if metrics is None else [metrics[epoch]]))
    return out


def test_linear_lr_warms_up_as_in_pytorchs_docs():
    opt = _optimizer(0.1)
    lrs = _lrs(opt, sched.LinearLR(opt, start_factor=0.5, total_iters=4), 6)
    np.testing.assert_allclose(lrs, [0.05, 0.0625, 0.075, 0.0875, 0.1, 0.1])
    with pytest.raises(ValueError, match="start_factor"):
        sched.LinearLR(opt, start_factor=0.0)


def test_sequential_lr_restarts_each_scheduler_at_its_milestone():
    opt = _optimizer(1.0)
    first = sched.LambdaLR(opt, lambda e: 0.1)
    second = sched.LambdaLR(opt, lambda e: 0.9**e)
    lrs = _lrs(opt, sched.SequentialLR(opt, [first, second], milestones=[2]), 5)
    np.testing.assert_allclose(lrs, [0.1, 0.1, 1.0, 0.9, 0.81])
    opt = _optimizer(1.0)
    warm = sched.LinearLR(opt, 0.1, total_iters=3)
    lrs = _lrs(opt, sched.SequentialLR(opt, [warm, sched.StepLR(opt, 2, 0.5)], [3]), 8)
    np.testing.assert_allclose(lrs, [0.1, 0.4, 0.7, 1.0, 1.0, 0.5, 0.5, 0.25])
    opt = _optimizer(1.0)
    cosine = sched.CosineAnnealingLR(opt, T_max=4)
    lrs = _lrs(
        opt, sched.SequentialLR(opt, [sched.LinearLR(opt, 0.5, total_iters=2), cosine], [2]), 4
    )
    np.testing.assert_allclose(lrs, [0.5, 0.75, 1.0, (1 + math.cos(math.pi / 4)) / 2])


def test_sequential_lr_checks_its_arguments():
    opt, other = _optimizer(), _optimizer()
    with pytest.raises(ValueError, match="one more scheduler than milestones"):
        sched.SequentialLR(opt, [sched.StepLR(opt, 1)], milestones=[2])
    with pytest.raises(ValueError, match="different optimizer"):
        sched.SequentialLR(opt, [sched.StepLR(opt, 1), sched.StepLR(other, 1)], milestones=[2])


def test_reduce_lr_on_plateau_patience_cooldown_and_floor():
    opt = _optimizer(1.0)
    plateau = sched.ReduceLROnPlateau(opt, factor=0.5, patience=2)
    lrs = _lrs(opt, plateau, 9, metrics=[1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5])
    assert lrs == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25]
    opt = _optimizer(1.0)
    plateau = sched.ReduceLROnPlateau(opt, mode="max", factor=0.1, patience=0, cooldown=1,
                                      min_lr=0.05)  # fmt: skip
    lrs = _lrs(opt, plateau, 6, metrics=[1.0] * 6)
    np.testing.assert_allclose(lrs, [1.0, 1.0, 0.1, 0.1, 0.05, 0.05])
    assert plateau.get_last_lr() == [0.05]
    with pytest.raises(ValueError, match="factor"):
        sched.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="expected 1 min_lrs"):
        sched.ReduceLROnPlateau(opt, min_lr=[0.1, 0.2])


def _make_sequential(opt):
    return sched.SequentialLR(
        opt, [sched.LinearLR(opt, 0.2, total_iters=3), sched.StepLR(opt, 2, 0.5)], [3]
    )


@pytest.mark.parametrize(
    "make, metrics",
    [
        (lambda opt: sched.LinearLR(opt, 0.25, total_iters=6), None),
        (_make_sequential, None),
        (
            lambda opt: sched.ReduceLROnPlateau(opt, patience=1, factor=0.5),
            [3, 2, 2, 2, 2, 2, 2, 2],
        ),
    ],
)
def test_state_dict_round_trip_continues_identically(make, metrics):
    opt = _optimizer(1.0)
    scheduler = make(opt)
    _lrs(opt, scheduler, 4, metrics)
    saved_opt, saved = opt.state_dict(), scheduler.state_dict()
    expected = _lrs(opt, scheduler, 4, None if metrics is None else metrics[4:])
    resumed_opt = _optimizer(1.0)
    resumed = make(resumed_opt)
    resumed_opt.load_state_dict(saved_opt)
    resumed.load_state_dict(saved)
    assert _lrs(resumed_opt, resumed, 4, None if metrics is None else metrics[4:]) == expected
