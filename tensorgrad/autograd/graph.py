"""A node of the recorded graph: what one op application needs for its backward pass."""

import weakref

from .writes import CLOCK

_RELEASED = (
    "Trying to backward through the graph a second time (or to use saved values after they "
    "were freed). The graph's buffers are released after backward(); pass retain_graph=True "
    "to the first backward() or autograd.grad() call if you need to go through it again."
)


class Node:
    """The ``grad_fn`` of a non-leaf tensor: its op, inputs, saved output and parameters.

    ``inputs`` are the input Tensors themselves (edges of the graph and the values VJPs use);
    the output is kept as an ndarray, not as a Tensor, so that no reference cycle keeps a
    graph alive after its last tensor is gone.
    """

    __slots__ = (
        "op", "inputs", "out_data", "residual", "params", "released",
        "hooks", "retained", "created_at", "seq", "__weakref__",
    )  # fmt: skip

    def __init__(self, op, inputs, out_data, residual, params, created_at=None):
        self.op = op
        self.inputs = inputs
        self.out_data = out_data
        self.residual = residual
        self.params = params
        self.released = False
        self.hooks: list | None = None  # gradient hooks of the tensor this node made
        self.retained = None  # weakref to that tensor when retain_grad() was called
        self.created_at = created_at  # user code location, recorded under detect_anomaly
        self.seq = next(CLOCK)  # when it was recorded, for the in-place check (writes.py)

    @property
    def name(self) -> str:
        return self.op.backward_name

    def next_functions(self):
        """The nodes (or leaf tensors) that feed this one, as PyTorch's ``next_functions``."""
        self.check_alive()
        return tuple(t.grad_fn if t.grad_fn is not None else t for t in self.inputs)

    def check_alive(self) -> None:
        if self.released:
            raise RuntimeError(_RELEASED)

    def release(self) -> None:
        """Free the saved values; the node can no longer be differentiated through."""
        self.inputs = self.out_data = self.residual = None
        self.released = True

    def retain(self, tensor) -> None:
        self.retained = weakref.ref(tensor)

    def __repr__(self) -> str:
        return f"<{self.name}>"
