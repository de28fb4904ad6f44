"""The op registry: each primitive is one forward and one vector-Jacobian product per input.

An op's forward takes plain arrays of one device (plus keyword parameters) and returns an
array, or ``(out, residual)`` when ``residual=True``: an extra value the backward pass needs
that is not an input or the output (argmax indices, a mask, an original shape). It computes
with its inputs' array module (``tensorgrad.backends.array_module``) or their backend's
primitives, never with NumPy directly, so one op runs on every device.

An op is called on Tensors, ``MUL(a, b)``: the inputs' class runs the forward and records the
graph node (``Tensor._apply``), so an op needs nothing from the layers above it.

Each VJP is called as ``vjp(grad, out, *inputs, [residual,] **params)`` with Tensors for ``grad``,
``out`` (None unless ``save_out=True``) and the inputs, and returns the gradient for its input. It
is written with tensorgrad's own ops, so the same formula differentiates again under
``create_graph=True``. Broadcasting is undone by the engine, never inside a VJP.

The fast path: when ``is_grad_enabled()`` is False inside a VJP (the engine's
``create_graph=False``, what training uses) a VJP may compute with plain arrays and return an
array; the engine wraps it. Such a VJP keeps the recorded formula for the other case, and the
tests check the two against each other (``gradcheck`` runs the first, ``gradgradcheck`` the
second).

A joint VJP (``joint=True``): one callable gives the gradients of all inputs at once, a tuple
with one entry per input (None where there is none), for a fused op whose input gradients come
out of one shared computation, as a recurrence's backward pass through time (PyTorch's
derivatives.yaml has such rows too). The engine calls it once per node.
"""

import contextvars
from collections.abc import Callable
from dataclasses import dataclass, field

REGISTRY: dict[str, "Op"] = {}

# Whether applying an op records a graph node (``tensorgrad.no_grad`` sets it); a ContextVar,
# so that threads and asyncio tasks each have their own mode.
GRAD_ENABLED = contextvars.ContextVar("tensorgrad_grad_enabled", default=True)


def is_grad_enabled() -> bool:
    """True when new operations are recorded for backward (the default)."""
    return GRAD_ENABLED.get()


@dataclass(frozen=True, slots=True, eq=False)
class Op:
    name: str
    forward: Callable
    vjps: tuple[Callable | None, ...] | Callable = ()
    save_out: bool = False
    residual: bool = False
    joint: bool = False
    backward_name: str = field(default="", compare=False)

    def __call__(self, *inputs, **params):
        """The op applied to Tensors: a Tensor, recorded when grad is on and an input needs it."""
        return type(inputs[0])._apply(self, inputs, params)[0]

    def with_residual(self, *inputs, **params) -> tuple:
        """``(output Tensor, residual array)`` for an op registered with ``residual=True``."""
        return type(inputs[0])._apply(self, inputs, params)

    def vjp_for(self, index: int) -> Callable | None:
        """The VJP formula for input ``index``; variadic ops (cat) give one callable for all
        (not for a joint VJP, which the engine calls once for every input)."""
        if callable(self.vjps):
            return self.vjps
        return self.vjps[index] if index < len(self.vjps) else None

    def __repr__(self) -> str:
        return f"<op {self.name}>"


def defop(
    name: str,
    forward: Callable,
    vjps: tuple[Callable | None, ...] | Callable,
    *,
    save_out: bool = False,
    residual: bool = False,
    joint: bool = False,
) -> Op:
    """Create and register an op; ``vjps`` holds one formula per input (None: not differentiable).

    A single callable instead of a tuple marks a variadic op: it is called with ``index=i``;
    with ``joint=True`` it is called once and returns every input's gradient.
    """
    if name in REGISTRY:
        raise ValueError(f"op {name!r} is already registered")
    title = "".join(part.capitalize() for part in name.split("_"))
    op = Op(name, forward, vjps, save_out, residual, joint, f"{title}Backward")
    REGISTRY[name] = op
    return op
