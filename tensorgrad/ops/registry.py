"""The op registry: each primitive is one forward and one vector-Jacobian product per input.

An op's forward takes plain ndarrays (plus keyword parameters) and returns an ndarray, or
``(out, residual)`` when ``residual=True``: an extra value the backward pass needs that is not an
input or the output (argmax indices, a mask, an original shape).

Each VJP is called as ``vjp(grad, out, *inputs, [residual,] **params)`` with Tensors for ``grad``,
``out`` (None unless ``save_out=True``) and the inputs, and returns the gradient for its input. It
is written with tensorgrad's own ops, so the same formula differentiates again under
``create_graph=True``. Broadcasting is undone by the engine, never inside a VJP.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

REGISTRY: dict[str, "Op"] = {}


@dataclass(frozen=True, slots=True, eq=False)
class Op:
    name: str
    forward: Callable
    vjps: tuple[Callable | None, ...] | Callable = ()
    save_out: bool = False
    residual: bool = False
    backward_name: str = field(default="", compare=False)

    def vjp_for(self, index: int) -> Callable | None:
        """The VJP formula for input ``index``; variadic ops (cat) give one callable for all."""
        if callable(self.vjps):
            return self.vjps
        return self.vjps[index] if index < len(self.vjps) else None


def defop(
    name: str,
    forward: Callable,
    vjps: tuple[Callable | None, ...] | Callable,
    *,
    save_out: bool = False,
    residual: bool = False,
) -> Op:
    """Create and register an op; ``vjps`` holds one formula per input (None: not differentiable).

    A single callable instead of a tuple marks a variadic op: it is called with ``index=i``.
    """
    if name in REGISTRY:
        raise ValueError(f"op {name!r} is already registered")
    title = "".join(part.capitalize() for part in name.split("_"))
    op = Op(name, forward, vjps, save_out, residual, f"{title}Backward")
    REGISTRY[name] = op
    return op
