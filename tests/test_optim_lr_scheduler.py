"""Learning-rate schedulers against closed forms computed by hand, and their state_dicts."""

import math

import numpy as np
import pytest

from tensorgrad import nn, optim
from tensorgrad.optim import lr_scheduler as S


def _sgd(lr=1.0, momentum=0.9, groups=1):
    params = [{"params": [nn.Parameter(np.zeros(1, np.float32))]} for _ in range(groups)]
    return optim.SGD(params, lr=lr, momentum=momentum)


def _lrs(scheduler, steps):
    out = [scheduler.get_last_lr()[0]]
    for _ in range(steps):
        scheduler.optimizer.step()
        scheduler.step()
        out.append(scheduler.get_last_lr()[0])
    return out


def test_step_lr():
    lrs = _lrs(S.StepLR(_sgd(), step_size=3, gamma=0.5), 7)
    np.testing.assert_allclose(lrs, [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25])


def test_multi_step_lr_counts_repeated_milestones():
    lrs = _lrs(S.MultiStepLR(_sgd(), milestones=[2, 4, 4], gamma=0.1), 5)
    np.testing.assert_allclose(lrs, [1, 1, 0.1, 0.1, 0.001, 0.001])


def test_cosine_annealing_matches_the_closed_form():
    lrs = _lrs(S.CosineAnnealingLR(_sgd(lr=0.1), T_max=10, eta_min=0.01), 25)
    closed = [0.01 + 0.09 * (1 + math.cos(math.pi * t / 10)) / 2 for t in range(26)]
    np.testing.assert_allclose(lrs, closed, rtol=1e-10, atol=1e-12)


def test_lambda_lr_per_group():
    opt = _sgd(lr=2.0, groups=2)
    sched = S.LambdaLR(opt, [lambda e: 0.5**e, lambda e: 1.0 / (e + 1)])
    for _ in range(3):
        sched.step()
    assert sched.get_last_lr() == [2.0 * 0.125, 2.0 / 4]
    with pytest.raises(ValueError, match="expected 2 lr_lambdas, got 1"):
        S.LambdaLR(_sgd(groups=2), [lambda e: 1.0])


def test_one_cycle_defaults_by_hand_and_momentum_cycling():
    opt = _sgd(lr=0.123, momentum=0.9)
    sched = S.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    lrs, momenta = [], []
    for _ in range(10):
        lrs.append(opt.param_groups[0]["lr"])
        momenta.append(opt.param_groups[0]["momentum"])
        opt.step()
        if len(lrs) < 10:
            sched.step()
    initial, low = 1.0 / 25, 1.0 / 25 / 1e4

    def cos(start, end, pct):
        return end + (start - end) / 2 * (1 + math.cos(math.pi * pct))

    rise = 0.3 * 10 - 1  # the first phase ends at step 2
    expected = [cos(initial, 1.0, t / rise) if t <= rise else
                cos(1.0, low, (t - rise) / (9 - rise)) for t in range(10)]  # fmt: skip
    np.testing.assert_allclose(lrs, expected, rtol=1e-12)
    assert lrs[2] == pytest.approx(1.0) and lrs[-1] == pytest.approx(low)
    assert momenta[0] == pytest.approx(0.95) and momenta[2] == pytest.approx(0.85)
    assert momenta[-1] == pytest.approx(0.95)
    with pytest.raises(ValueError, match="tried to step 11 times; total_steps is 10"):
        sched.step()
        sched.step()


def test_one_cycle_cycles_adam_beta1_and_three_phase_linear():
    opt = optim.Adam([nn.Parameter(np.zeros(1, np.float32))], betas=(0.9, 0.99))
    sched = S.OneCycleLR(opt, max_lr=0.5, epochs=2, steps_per_epoch=5, three_phase=True,
                         anneal_strategy="linear", base_momentum=0.8, max_momentum=0.9)  # fmt: skip
    assert opt.param_groups[0]["betas"] == (0.9, 0.99)
    lrs = _lrs(sched, 9)
    # phases end at steps 2, 4 and 9: up to max_lr, back to initial, down to min
    initial, low = 0.5 / 25, 0.5 / 25 / 1e4
    np.testing.assert_allclose(lrs[:5], [initial, (initial + 0.5) / 2, 0.5, (initial + 0.5) / 2,
                                         initial])  # fmt: skip
    assert lrs[9] == pytest.approx(low)
    assert opt.param_groups[0]["betas"][1] == 0.99
    assert opt.param_groups[0]["betas"][0] == pytest.approx(0.9)
    with pytest.raises(ValueError, match="give total_steps"):
        S.OneCycleLR(opt, max_lr=0.1)


@pytest.mark.parametrize(
    "make",
    [
        lambda o: S.StepLR(o, 2, 0.5),
        lambda o: S.MultiStepLR(o, [1, 3], 0.5),
        lambda o: S.CosineAnnealingLR(o, 4),
        lambda o: S.OneCycleLR(o, 1.0, total_steps=12),
        lambda o: S.LambdaLR(o, lambda e: 0.9**e),
    ],
    ids=["step", "multistep", "cosine", "onecycle", "lambda"],
)
def test_state_dict_resumes_the_same_schedule(make):
    reference = make(_sgd())
    expected = _lrs(reference, 10)
    first = make(_sgd())
    _lrs(first, 4)
    state = first.state_dict()
    assert "optimizer" not in state
    opt = _sgd()
    opt.load_state_dict(first.optimizer.state_dict())
    resumed = make(opt)
    resumed.load_state_dict(state)
    assert resumed.get_last_lr() == first.get_last_lr()
    np.testing.assert_allclose(_lrs(resumed, 6), expected[4:], rtol=1e-12)


def test_lambda_lr_state_dict_leaves_functions_out():
    class Warmup:
        def __init__(self):
            self.scale = 2.0

        def __call__(self, epoch):
            return self.scale * epoch

    warm = Warmup()
    sched = S.LambdaLR(_sgd(groups=2), [lambda e: 1.0, warm])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [None, {"scale": 2.0}]
    warm.scale = 5.0
    sched.load_state_dict(state)
    assert warm.scale == 2.0


def test_resuming_needs_initial_lr():
    with pytest.raises(KeyError, match="initial_lr"):
        S.StepLR(_sgd(), 2, last_epoch=3)
