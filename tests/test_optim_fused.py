"""The CPU's fused optimizer updates (one Numba pass per parameter) against the reference
updates of ``tensorgrad.backends.updates``: the same numbers, bit for bit."""

import itertools

import numpy as np
import pytest

from tensorgrad.backends import cpu_updates, updates


def _steps(fused, reference, make_state, dtype, rng, steps=3, shape=(3, 5)):
    p = rng.standard_normal(shape).astype(dtype)
    p_ref = p.copy()
    state, state_ref = make_state(p), make_state(p)
    for _ in range(steps):
        grad = rng.standard_normal(p.shape).astype(dtype)
        fused(p, grad, state)
        reference(p_ref, grad, state_ref)
        np.testing.assert_array_equal(p, p_ref)
        for key in state:
            if isinstance(state[key], np.ndarray):
                np.testing.assert_array_equal(state[key], state_ref[key])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "momentum, dampening, nesterov, weight_decay, maximize",
    [(0.0, 0.0, False, 0.0, False), (0.9, 0.0, False, 0.0, False), (0.9, 0.3, False, 0.01, True),
     (0.8, 0.0, True, 0.1, False)],
)  # fmt: skip
def test_sgd(rng, dtype, momentum, dampening, nesterov, weight_decay, maximize):
    hyper = dict(lr=0.05, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                 nesterov=nesterov, maximize=maximize)  # fmt: skip

    def run(update):
        def step(p, grad, state):
            state["buf"] = update(p, grad, state.get("buf"), **hyper)

        return step

    reference = run(lambda *a, **k: updates.sgd_update(np, *a, **k))
    _steps(run(cpu_updates.sgd_update), reference, lambda p: {}, dtype, rng)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "weight_decay, decoupled, maximize", list(itertools.product([0.0, 0.02], [False, True], [0, 1]))
)
def test_adam(rng, dtype, weight_decay, decoupled, maximize):
    hyper = dict(lr=0.01, beta1=0.9, beta2=0.99, eps=1e-8, weight_decay=weight_decay,
                 decoupled=decoupled, maximize=maximize)  # fmt: skip

    def make_state(p):
        return {"step": 0, "exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p)}

    def run(update):
        def step(p, grad, state):
            state["step"] += 1
            update(p, grad, state, **hyper)

        return step

    reference = run(lambda *a, **k: updates.adam_update(np, *a, **k))
    _steps(run(cpu_updates.adam_update), reference, make_state, dtype, rng)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weight_decay, maximize", [(0.0, False), (0.1, True)])
def test_adadelta(rng, dtype, weight_decay, maximize):
    hyper = dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=weight_decay, maximize=maximize)

    def make_state(p):
        return {"square_avg": np.zeros_like(p), "acc_delta": np.zeros_like(p)}

    reference = lambda p, g, s: updates.adadelta_update(np, p, g, s, **hyper)  # noqa: E731
    fused = lambda p, g, s: cpu_updates.adadelta_update(p, g, s, **hyper)  # noqa: E731
    _steps(fused, reference, make_state, dtype, rng)


def test_a_non_contiguous_parameter_takes_the_reference_update(rng):
    p = rng.standard_normal((4, 6)).astype(np.float32)[:, ::2]
    expected = p - 0.1 * np.ones_like(p)
    cpu_updates.sgd_update(p, np.ones_like(p), None, lr=0.1, momentum=0.0, dampening=0.0,
                           weight_decay=0.0, nesterov=False, maximize=False)  # fmt: skip
    np.testing.assert_array_equal(p, expected)


@pytest.mark.parametrize("threads", [2, 3])
def test_a_big_parameter_split_across_the_kernel_threads_gets_the_reference_numbers(rng, threads):
    import tensorgrad as tg
    from tensorgrad.backends.batch_threads import batch_slices

    shape = (301, 1001)  # 301,301 elements, split in slices not a multiple of a vector
    sgd = dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01, nesterov=True,
               maximize=False)  # fmt: skip
    adam = dict(lr=0.01, beta1=0.9, beta2=0.99, eps=1e-8, weight_decay=0.02, decoupled=True,
                maximize=False)  # fmt: skip
    adadelta = dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.1, maximize=True)

    def sgd_step(update):
        def step(p, grad, state):
            state["buf"] = update(p, grad, state.get("buf"), **sgd)

        return step

    def adam_step(update):
        def step(p, grad, state):
            state["step"] += 1
            update(p, grad, state, **adam)

        return step

    def adadelta_step(update):
        return lambda p, grad, state: update(p, grad, state, **adadelta)

    cases = [
        (sgd_step, cpu_updates.sgd_update, updates.sgd_update, lambda p: {}),
        (adam_step, cpu_updates.adam_update, updates.adam_update,
         lambda p: {"step": 0, "exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p)}),
        (adadelta_step, cpu_updates.adadelta_update, updates.adadelta_update,
         lambda p: {"square_avg": np.zeros_like(p), "acc_delta": np.zeros_like(p)}),
    ]  # fmt: skip
    before = tg.get_num_threads()
    try:
        tg.set_num_threads(threads)
        n = shape[0] * shape[1]
        assert len(batch_slices(n, n * cpu_updates._UPDATE_COST)) == threads
        for wrap, fused, reference, make_state in cases:
            ref = wrap(lambda *a, reference=reference, **k: reference(np, *a, **k))
            _steps(wrap(fused), ref, make_state, np.float32, rng, steps=2, shape=shape)
    finally:
        tg.set_num_threads(before)
