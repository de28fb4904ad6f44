"""Check analytic gradients against central finite differences in float64.

One random weighting ``v`` of the outputs turns the function into a scalar ``s = <v, f(x)>``.
Its analytic gradient (one backward pass) is compared, element by element, with central
differences of ``s``: a wrong VJP shows up at a named input and element.
"""

import numpy as np

from ..tensor import Tensor
from .engine import grad as autograd_grad
from .grad_mode import enable_grad, no_grad


class GradcheckError(AssertionError):
    """An analytic gradient disagrees with finite differences."""


def _as_tuple(x) -> tuple:
    return tuple(x) if isinstance(x, list | tuple) else (x,)


def _float64_inputs(inputs) -> tuple:
    """Float64 copies of the inputs (float32 differences are too coarse), grad flags kept."""
    copies = []
    for x in inputs:
        if isinstance(x, Tensor) and x.dtype.kind == "f":
            copies.append(Tensor._make(x.data.astype(np.float64), x.requires_grad))
        else:
            copies.append(x)
    return tuple(copies)


def _weighted_sum(outputs: tuple, weights: list) -> float:
    return float(sum(np.sum(o.data * w) for o, w in zip(outputs, weights)))


def gradcheck(
    fn,
    inputs,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool:
    """Compare the gradients of ``fn(*inputs)`` with central finite differences.

    Inputs with ``requires_grad=True`` are checked; floating inputs are copied to float64
    first (unlike PyTorch, which asks the caller for float64). On a mismatch raises
    ``GradcheckError`` naming the input, the element index, and both values (or returns False
    when ``raise_exception=False``).
    """
    inputs = _float64_inputs(_as_tuple(inputs))
    checked = [k for k, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input has requires_grad=True")
    outputs = tuple(o for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor))
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(o.shape) for o in outputs]
    differentiable = [(o, w) for o, w in zip(outputs, weights) if o.requires_grad]
    analytic = [np.zeros(inputs[k].shape) for k in checked]
    if differentiable:
        grads = autograd_grad(
            [o for o, _ in differentiable], [inputs[k] for k in checked],
            [Tensor._make(w.astype(o.dtype)) for o, w in differentiable], allow_unused=True,
        )  # fmt: skip
        analytic = [a if g is None else g.data for a, g in zip(analytic, grads)]
    for k, a in zip(checked, analytic):
        x = inputs[k].data
        for index in np.ndindex(x.shape):
            original = x[index]
            with no_grad():
                x[index] = original + eps
                plus = _weighted_sum(_as_tuple(fn(*inputs)), weights)
                x[index] = original - eps
                minus = _weighted_sum(_as_tuple(fn(*inputs)), weights)
            x[index] = original
            numeric = (plus - minus) / (2 * eps)
            if not abs(a[index] - numeric) <= atol + rtol * abs(numeric):
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"gradcheck: gradient of input {k} (shape {x.shape}) at element {index}: "
                    f"analytic {float(a[index])!r} vs numeric {float(numeric)!r} "
                    f"(atol={atol}, rtol={rtol}, eps={eps})"
                )
    return True


def gradgradcheck(
    fn,
    inputs,
    grad_outputs=None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives: gradcheck of ``x, v -> d<v, fn(x)>/dx`` built with
    ``create_graph=True``, with respect to the inputs and the output weights ``v``."""
    inputs = _float64_inputs(_as_tuple(inputs))
    checked = [k for k, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradgradcheck: no input has requires_grad=True")
    outputs = [o for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor) and o.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(seed + 1)
        grad_outputs = [rng.standard_normal(o.shape) for o in outputs]
    else:
        grad_outputs = [g.data if isinstance(g, Tensor) else g for g in _as_tuple(grad_outputs)]
    vs = tuple(Tensor._make(np.asarray(g, np.float64), True) for g in grad_outputs)
    n = len(inputs)

    def first_derivatives(*args):
        xs, ws = args[:n], args[n:]
        with enable_grad():  # also while gradcheck evaluates it for finite differences
            outs = [o for o in _as_tuple(fn(*xs)) if isinstance(o, Tensor) and o.requires_grad]
            grads = autograd_grad(
                outs, [xs[k] for k in checked], list(ws), create_graph=True, allow_unused=True
            )
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, inputs + vs, eps, atol, rtol, seed, raise_exception)
